/* Kith's few behaviours on top of pages that already work without JavaScript. The Content Security Policy
   allows no inline script and no eval, so everything is wired here with addEventListener; htmx (loaded
   before this file) does the requests. */
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  /* Quick capture ---------------------------------------------------------------------------------------
     Each row is a form that htmx posts on its own. A row that cannot reach the server says so and is sent
     again, with growing pauses and at once when the browser is back online; the server recognises a row
     sent twice by its key. After a person is saved, the row folds to one line, a blank row follows and takes
     the focus, unless the person has already moved on to another field; the blank row is scrolled to the
     bottom of the screen, above the tab bar, where the thumb is. */

  var RETRY_DELAYS_MS = [1000, 2000, 4000, 8000, 15000, 30000];
  var pending = new Map(); // form -> {attempt, timer, submitter}
  var submitters = new WeakMap(); // form -> the button that last submitted it

  function isCaptureForm(elt) {
    return elt instanceof HTMLFormElement && elt.hasAttribute("data-capture-row");
  }

  function rowOf(elt) {
    return elt.closest(".capture-row");
  }

  function newRowKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return b.toString(16).padStart(2, "0");
    }).join("");
  }

  function isBlankRow(row) {
    var name = row && row.querySelector("form[data-new-row] input[name=name]");
    return Boolean(name) && row.dataset.state === "new" && name.value.trim() === "";
  }

  /* The blank row at the end of the list, added from the <template> when the last row is in use. */
  function blankRow() {
    var list = document.getElementById("capture-rows");
    var template = document.getElementById("capture-row-template");
    if (!list || !template) return null;
    if (isBlankRow(list.lastElementChild)) return list.lastElementChild;
    list.insertAdjacentHTML("beforeend", template.innerHTML.split("__key__").join(newRowKey()));
    var row = list.lastElementChild;
    window.htmx.process(row);
    return row;
  }

  /* Focus moves only when it was lost (the row it was in has been replaced) or is still in `row`. */
  function focusIsFree(row) {
    var active = document.activeElement;
    return !active || active === document.body || !document.contains(active) || (row && row.contains(active));
  }

  /* The blank row goes to the bottom of the screen (CSS keeps it clear of the tab bar with scroll-margin);
     anything else only as far as needed to be seen. */
  function focusInto(row, selector, wholeRow) {
    var target = row && row.querySelector(selector);
    if (!target) return;
    target.focus({ preventScroll: true });
    if (wholeRow) row.scrollIntoView({ block: "end" });
    else target.scrollIntoView({ block: "nearest" });
  }

  var MARKS = { saved: "Saved:", saving: "Saving:", dirty: "Changes not saved:", unsaved: "Not saved:" };

  function setStatus(row, state, text, withRetryButton) {
    row.dataset.state = state;
    var mark = row.querySelector("[data-row-mark]");
    if (mark && MARKS[state]) mark.textContent = MARKS[state];
    // A folded saved row that could not be sent opens, so its message is seen.
    var fold = row.querySelector("details.row-edit");
    if (fold && state === "unsaved") fold.open = true;
    var status = row.querySelector("[data-row-status]");
    if (!status) return;
    status.textContent = "";
    var span = document.createElement("span");
    span.className = state === "saving" ? "muted" : "warn";
    span.textContent = text;
    status.appendChild(span);
    if (withRetryButton) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "link";
      button.dataset.retryNow = "";
      button.textContent = "Try now";
      status.appendChild(document.createTextNode(" "));
      status.appendChild(button);
    }
  }

  function resubmit(form) {
    var entry = pending.get(form);
    if (entry) window.clearTimeout(entry.timer);
    if (!document.contains(form)) {
      pending.delete(form);
      return;
    }
    var submitter = entry && entry.submitter;
    if (submitter && form.contains(submitter)) form.requestSubmit(submitter);
    else form.requestSubmit();
  }

  function scheduleRetry(form, reason) {
    var row = rowOf(form);
    var entry = pending.get(form) || { attempt: 0, timer: null, submitter: submitters.get(form) || null };
    window.clearTimeout(entry.timer);
    var delay = RETRY_DELAYS_MS[Math.min(entry.attempt, RETRY_DELAYS_MS.length - 1)];
    entry.attempt += 1;
    entry.timer = window.setTimeout(function () { resubmit(form); }, delay);
    pending.set(form, entry);
    var kept = form.hasAttribute("data-new-row") && window.KithOutbox && window.KithOutbox.keep;
    setStatus(row, "unsaved", "Not saved: " + reason + "." + (kept ? " Kept on this phone." : "") +
      " Trying again in " + Math.round(delay / 1000) + " s.", true);
    // A new row is also kept on the phone (static/js/outbox.js): a reload or a closed tab does not lose it.
    if (kept) window.KithOutbox.keep(form).catch(function () { /* No IndexedDB: the page still retries. */ });
    // Nobody should wait for the network to add the next person.
    if (form.hasAttribute("data-new-row")) {
      var focusWasHere = focusIsFree(row);
      var next = blankRow();
      if (focusWasHere && next !== row) focusInto(next, "input[name=name]", true);
    }
  }

  document.addEventListener("submit", function (event) {
    if (isCaptureForm(event.target)) submitters.set(event.target, event.submitter || null);
  }, true);

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (!isCaptureForm(form)) return;
    var entry = pending.get(form);
    if (entry) window.clearTimeout(entry.timer);
    setStatus(rowOf(form), "saving", "Saving…", false);
  });

  document.addEventListener("htmx:sendError", function (event) {
    if (isCaptureForm(event.detail.elt)) scheduleRetry(event.detail.elt, "no connection");
  });

  document.addEventListener("htmx:timeout", function (event) {
    if (isCaptureForm(event.detail.elt)) scheduleRetry(event.detail.elt, "the server did not answer");
  });

  document.addEventListener("htmx:responseError", function (event) {
    var form = event.detail.elt;
    if (!isCaptureForm(form)) return;
    var xhr = event.detail.xhr;
    var status = xhr.status;
    if (status === 429 || status >= 500) {
      scheduleRetry(form, "the server had a problem");
    } else if (status === 409) {
      // A row of an event started offline, sent before its event: the outbox sends the event first.
      scheduleRetry(form, "its event has not reached the server yet");
    } else if (status === 403 && xhr.getResponseHeader("X-Kith-Refused") === "owner") {
      pending.delete(form);
      setStatus(rowOf(form), "unsaved", "Not saved: it was typed while someone else was logged in. It stays on this phone for them.", false);
    } else {
      // 400, 403, 404: sending the same row again would get the same answer.
      pending.delete(form);
      setStatus(rowOf(form), "unsaved", "Not saved: the server refused it (" + status + "). Reload the page.", false);
    }
  });

  /* A new row the server saved no longer waits in the outbox. (Before the swap: afterwards the form is gone
     from the page, and htmx's later events no longer reach this listener from it.) */
  document.addEventListener("htmx:beforeSwap", function (event) {
    var form = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!isCaptureForm(form) || event.detail.xhr.status !== 200 || !window.KithOutbox || !window.KithOutbox.drop) return;
    if (event.detail.xhr.responseText.indexOf('data-state="saved"') === -1) return;
    var key = form.querySelector("input[name=row_key]");
    if (key) window.KithOutbox.drop(key.value);
  });

  /* A row the server sent back: saved, a question about a duplicate, or fields to fix. */
  document.addEventListener("htmx:load", function (event) {
    var row = event.detail.elt;
    if (!(row instanceof HTMLElement) || !row.classList.contains("capture-row")) return;
    pending.forEach(function (entry, form) {
      if (!document.contains(form)) {
        window.clearTimeout(entry.timer);
        pending.delete(form);
      }
    });
    var state = row.dataset.state;
    var free = focusIsFree(row);
    if (state === "saved" && row.hasAttribute("data-just-created")) {
      var next = blankRow();
      if (free) focusInto(next, "input[name=name]", true);
    } else if (state === "saved" && free) {
      // A corrected row folds again; the focus stays on it rather than falling to the top of the page.
      focusInto(row, "summary.row-line");
    } else if (state === "ask" && free) {
      focusInto(row, ".duplicate-warning button");
    } else if (state === "error" && free) {
      focusInto(row, "[aria-invalid=true]");
    }
  });

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-retry-now]");
    if (!button) return;
    var form = button.closest("form");
    if (form && pending.has(form)) resubmit(form);
  });

  window.addEventListener("online", function () {
    Array.from(pending.keys()).forEach(resubmit);
  });

  /* A row kept on the phone (static/js/outbox.js) comes back on screen before the blank row, as typed, and
     is sent like any other row. */
  function restoreRow(key, fields, files) {
    var list = document.getElementById("capture-rows");
    var template = document.getElementById("capture-row-template");
    if (!list || !template || !/^[A-Za-z0-9_-]+$/.test(key)) return;
    var html = template.innerHTML.split("__key__").join(key);
    var last = list.lastElementChild;
    if (isBlankRow(last)) last.insertAdjacentHTML("beforebegin", html);
    else list.insertAdjacentHTML("beforeend", html);
    var row = document.getElementById("row-" + key);
    var form = row.querySelector("form");
    fields.forEach(function (pair) {
      if (pair[0] === "row_key" || pair[0] === "queued_owner") return;
      form.querySelectorAll("[name]").forEach(function (input) {
        if (input.name !== pair[0]) return;
        if (input.type === "radio" || input.type === "checkbox") input.checked = input.value === pair[1];
        else input.value = pair[1];
      });
    });
    // A kept photo goes back into its input (the name may be empty: the code gives it).
    (files || []).forEach(function (kept) {
      var input = form.querySelector("input[type=file][name=\"" + kept[0] + "\"]");
      if (input && window.DataTransfer) setPhoto(input, new File([kept[1]], kept[2], { type: kept[1].type }));
    });
    window.htmx.process(row);
    form.requestSubmit();
  }

  window.KithCapture = {
    restore: restoreRow,
    shrinkPhoto: shrinkPhoto,
    blankRow: function (focus) {
      var row = blankRow();
      if (focus && row) focusInto(row, "input[name=name]", true);
      return row;
    },
  };

  /* Opening the screen with people already saved: the blank row is brought up to the thumb. */
  (function () {
    var list = document.getElementById("capture-rows");
    if (!list || window.location.hash || !list.querySelector(".is-saved")) return;
    var row = list.lastElementChild;
    if (row && row.scrollIntoView) row.scrollIntoView({ block: "end" });
  })();

  /* A row's photo of their QR code (interactions/scan.py fills the row from it): the name may then be left
     empty, and the photo is shrunk to at most 2,000 px on its longer side before it is sent or kept on the
     phone (static/js/outbox.js shrinks it too, in case the row is kept before this is done). */
  var MAX_PHOTO_PX = 2000;

  /* The photo itself when small enough (or when this browser cannot shrink it: the server has its own
     bounds), else a JPEG of it at most MAX_PHOTO_PX on its longer side. */
  function shrinkPhoto(file) {
    if (!file || !window.createImageBitmap) return Promise.resolve(file);
    return window.createImageBitmap(file).then(function (bitmap) {
      var scale = Math.min(1, MAX_PHOTO_PX / Math.max(bitmap.width, bitmap.height));
      if (scale === 1) return file;
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(bitmap.width * scale);
      canvas.height = Math.round(bitmap.height * scale);
      canvas.getContext("2d").drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          resolve(blob ? new File([blob], "photo.jpg", { type: "image/jpeg" }) : file);
        }, "image/jpeg", 0.9);
      });
    }).catch(function () { return file; });
  }

  function setPhoto(input, file) {
    var files = new DataTransfer();
    files.items.add(file);
    input.files = files.files;
    var name = input.form && input.form.querySelector("input[name=name]");
    if (name) name.required = false;
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.hasAttribute("data-row-photo")) return;
    var name = input.form && input.form.querySelector("input[name=name]");
    if (name) name.required = !input.files.length;
    var file = input.files[0];
    if (!file || !window.DataTransfer) return;
    shrinkPhoto(file).then(function (small) {
      if (small !== file && input.files[0] === file) setPhoto(input, small);
    });
  });

  /* A saved row being edited says so until it is saved again. */
  document.addEventListener("input", function (event) {
    var form = event.target.form;
    if (!isCaptureForm(form) || form.hasAttribute("data-new-row")) return;
    var row = rowOf(form);
    if (row.dataset.state === "saved") setStatus(row, "dirty", "Changes not saved yet.", false);
  });

  /* Contacts list: tick everyone on the page ------------------------------------------------------------- */

  function showSelectAll(root) {
    root.querySelectorAll("[data-select-all-wrap]").forEach(function (wrap) { wrap.hidden = false; });
  }

  document.addEventListener("change", function (event) {
    if (!event.target.matches("[data-select-all]")) return;
    var results = event.target.closest("#results") || document;
    results.querySelectorAll("input[type=checkbox][name=contacts]").forEach(function (box) {
      box.checked = event.target.checked;
    });
  });

  /* Enter in the search box asks for the results once, at once. Left to the browser, Enter both submits the
     form (its own hx-get) and fires "search" (the box's hx-get, hx-sync "closest form:replace"), so the box's
     request aborted the form's, which htmx reports as errors. The "search" sent here also cancels the box's
     delayed request for the last letters typed. Without JavaScript, Enter submits the form. */
  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (event.key !== "Enter" || event.isComposing || !box.matches) return;
    if (!box.matches("form[role=search] input[type=search][hx-get]")) return;
    event.preventDefault();
    window.htmx.trigger(box, "search");
  });

  /* People pickers (templates/interactions/_people_picker.html) ---------------------------------------------
     Without JavaScript the picker is a <select multiple> of recent people. Here it becomes a search box over
     all of the user's people (htmx asks the server) above the people chosen so far: ticking a person found
     moves them up among the chosen, where they stay ticked while the search changes. The select is disabled,
     so the form posts the ticked checkboxes alone. */

  function setUpPickers(root) {
    root.querySelectorAll("[data-picker]").forEach(function (picker) {
      if (picker.dataset.pickerReady) return;
      var search = picker.querySelector("[data-picker-search]");
      var plain = picker.querySelector("[data-picker-plain]");
      if (!search || !plain) return;
      picker.dataset.pickerReady = "1";
      plain.hidden = true;
      plain.querySelectorAll("select").forEach(function (select) { select.disabled = true; });
      search.hidden = false;
      search.querySelectorAll("input").forEach(function (input) { input.disabled = false; });
    });
  }

  function chosenValues(picker) {
    return Array.prototype.map.call(picker.querySelectorAll("[data-picker-chosen] input"), function (box) {
      return box.value;
    });
  }

  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!(box instanceof HTMLInputElement) || !box.closest("[data-picker-results]") || !box.checked) return;
    var picker = box.closest("[data-picker]");
    var item = box.closest("li");
    picker.querySelector("[data-picker-chosen]").appendChild(item);
    box.focus();
  });

  // Someone chosen already (ticked, or unticked but still in the list) is not offered twice.
  document.addEventListener("htmx:afterSwap", function (event) {
    var results = event.detail.target;
    if (!(results instanceof HTMLElement) || !results.hasAttribute("data-picker-results")) return;
    var chosen = chosenValues(results.closest("[data-picker]"));
    results.querySelectorAll("input[type=checkbox]").forEach(function (box) {
      if (chosen.indexOf(box.value) !== -1) box.closest("li").remove();
    });
  });

  // Enter in the search box must not submit the form around it.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && event.target.matches && event.target.matches("[data-picker-search] input[type=search]")) {
      event.preventDefault();
    }
  });

  /* A duplicate warning that arrives below the screen (under the tab bar) is brought into view, without taking
     the focus from the name being typed. */
  document.addEventListener("htmx:afterSwap", function (event) {
    var box = event.detail.target;
    if (!(box instanceof HTMLElement) || !box.classList.contains("dupes") || !box.firstElementChild) return;
    if (box.scrollIntoView) box.scrollIntoView({ block: "nearest" });
  });

  /* A dashboard answers Log, snooze or a change of intention with the fresh dashboard, swapped in place: the focus
     goes back to the list the person acted in, on its first remaining action. */
  var dashboardSection = null;
  document.addEventListener("htmx:beforeRequest", function (event) {
    var section = event.detail.elt.closest && event.detail.elt.closest("#dashboard section[id]");
    if (section) dashboardSection = section.id;
  });
  document.addEventListener("htmx:load", function (event) {
    var dashboard = event.detail.elt;
    if (!(dashboard instanceof HTMLElement) || dashboard.id !== "dashboard" || !dashboardSection) return;
    if (!focusIsFree(null)) return;
    var section = document.getElementById(dashboardSection);
    var target = section && (section.querySelector(".person-actions button") || section.querySelector("h2"));
    if (target) {
      if (target.tagName === "H2") target.setAttribute("tabindex", "-1");
      target.focus();
    }
  });

  /* A small menu (details.menu) opens downwards unless that would put it under the bottom tab bar or past the
     screen; then it opens upwards. */
  document.addEventListener("toggle", function (event) {
    var menu = event.target;
    if (!(menu instanceof HTMLDetailsElement) || !menu.classList.contains("menu")) return;
    menu.classList.remove("up");
    if (!menu.open) return;
    var body = menu.querySelector(".menu-body");
    var bar = document.querySelector(".tabbar");
    var floor = window.innerHeight;
    if (bar && bar.getBoundingClientRect().height > 0) floor = bar.getBoundingClientRect().top;
    var box = body.getBoundingClientRect();
    if (box.bottom > floor && menu.getBoundingClientRect().top - box.height > 60) menu.classList.add("up");
  }, true);

  /* The Due list was swapped after Done, snooze or dismiss: the row that had the focus is gone, so the focus goes to
     the next follow-up's primary button (or the page's heading when none is left); the status line says what
     happened. */
  document.addEventListener("htmx:load", function (event) {
    var list = event.detail.elt;
    if (!(list instanceof HTMLElement) || list.id !== "due-list") return;
    if (!focusIsFree(null)) return;
    var next = list.querySelector(".followup-actions > form button, .followup-actions > button");
    var heading = document.querySelector("main h1");
    if (next) {
      next.focus();
    } else if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  });

  /* The contact page's follow-ups section was swapped: the header's "next follow-up" line fetches itself again
     (hx-trigger="followups-changed from:body" in contact_detail.html), and a "remind me" sent back with errors
     takes the focus to the field to fix. */
  document.addEventListener("htmx:load", function (event) {
    if (event.detail.elt instanceof HTMLElement && event.detail.elt.id === "contact-followups") {
      document.body.dispatchEvent(new CustomEvent("followups-changed"));
      focusFirstError(event.detail.elt);
    }
  });

  /* A form swapped back with errors: the focus goes to the first field to fix, if it was lost. */
  function focusFirstError(root) {
    if (!focusIsFree(null)) return;
    var invalid = root.querySelector("form [aria-invalid=true]");
    if (invalid) invalid.focus();
  }

  /* Sign-up: the time zone menu starts at UTC; the browser's own zone is chosen instead when the menu offers
     it. Without JavaScript the menu simply stays at UTC. */
  function suggestTimeZone(root) {
    var zone;
    try {
      zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    } catch (error) {
      return;
    }
    root.querySelectorAll("select[data-browser-time-zone]").forEach(function (select) {
      var offered = Array.prototype.some.call(select.options, function (option) {
        return option.value === zone;
      });
      if (zone && offered && select.value === "UTC") select.value = zone;
    });
  }

  // "Copy" beside a secret shown once (a new token or app password): hidden without JavaScript, where the
  // field itself is selected for copying by hand. The clipboard needs a secure context; elsewhere the
  // button selects the text instead.
  function setUpCopyButtons(root) {
    root.querySelectorAll("button[data-copy]").forEach(function (button) {
      var field = document.getElementById(button.getAttribute("data-copy"));
      if (!field) return;
      button.hidden = false;
      button.addEventListener("click", function () {
        field.select();
        var selected = function () {
          button.textContent = "Selected: copy it";
        };
        if (navigator.clipboard && window.isSecureContext) {
          navigator.clipboard.writeText(field.value).then(function () {
            button.textContent = "Copied";
          }, selected);
        } else {
          selected();
        }
      });
    });
  }

  function setUp(root) {
    setUpCopyButtons(root);
    showSelectAll(root);
    setUpPickers(root);
    suggestTimeZone(root);
  }

  document.addEventListener("htmx:load", function (event) {
    if (!(event.detail.elt instanceof HTMLElement)) return;
    setUp(event.detail.elt);
    if (event.detail.elt.id === "timeline") {
      focusFirstError(event.detail.elt);
      // A log saved folds its form away: the focus goes back to the fold it was opened from.
      var active = document.activeElement;
      var toggle = event.detail.elt.querySelector("#log-toggle");
      if (toggle && (!active || active === document.body || !document.contains(active))) toggle.focus();
    }
  });
  setUp(document);
})();
