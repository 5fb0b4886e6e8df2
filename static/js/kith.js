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
    setStatus(row, "unsaved", "Not saved: " + reason + ". Trying again in " + Math.round(delay / 1000) + " s.", true);
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
    var status = event.detail.xhr.status;
    if (status === 429 || status >= 500) {
      scheduleRetry(form, "the server had a problem");
    } else {
      // 400, 403, 404: sending the same row again would get the same answer.
      pending.delete(form);
      setStatus(rowOf(form), "unsaved", "Not saved: the server refused it (" + status + "). Reload the page.", false);
    }
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

  /* Opening the screen with people already saved: the blank row is brought up to the thumb. */
  (function () {
    var list = document.getElementById("capture-rows");
    if (!list || window.location.hash || !list.querySelector(".is-saved")) return;
    var row = list.lastElementChild;
    if (row && row.scrollIntoView) row.scrollIntoView({ block: "end" });
  })();

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

  /* The contact page's follow-ups section was swapped: the header's "next follow-up" line fetches itself again
     (hx-trigger="followups-changed from:body" in contact_detail.html). */
  document.addEventListener("htmx:load", function (event) {
    if (event.detail.elt instanceof HTMLElement && event.detail.elt.id === "contact-followups") {
      document.body.dispatchEvent(new CustomEvent("followups-changed"));
    }
  });

  /* A form swapped back with errors: the focus goes to the first field to fix, if it was lost. */
  function focusFirstError(root) {
    var active = document.activeElement;
    if (active && active !== document.body && document.contains(active)) return;
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

  function setUp(root) {
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
