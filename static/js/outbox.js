/* The outbox: capture rows and events kept on the phone (IndexedDB) until the server has them.

   A capture row that could not be sent (no connection, the server did not answer) is kept here by
   static/js/kith.js, under its row key, with its photo if it has one (a Blob, shrunk to 2,000 px; sent
   multipart, as the page sends it); so is an event started without a connection, under a client key of
   its own. The next Kith page opened with a connection sends them, events first (the rows of an event started
   offline name it by its key), and so does the service worker by Background Sync where the browser has it.
   The server saves each once: a row by its key, an event by its client key (interactions/capture.py).

   Every entry carries the signed owner of the page it was typed on (<body data-outbox-owner>); a page sends
   only its own user's entries, and the server refuses any other (interactions/outbox.py), so rows typed in one
   account are never saved into another. On the capture page of their event the rows are put back on screen as
   rows, and kith.js sends them as it sends any row. Logging out with rows waiting asks first: send them now,
   or discard them; only then are this user's entries and the caches cleared.

   This file runs in pages and, imported by static/js/sw.js, in the service worker: DOM code is kept apart. */
(function (scope) {
  "use strict";

  var DB_NAME = "kith";
  var ENTRIES = "outbox";
  var META = "meta";
  var SYNC_TAG = "kith-outbox";
  var inPage = typeof document !== "undefined";
  var flushing = null;

  /* IndexedDB ----------------------------------------------------------------------------------------------- */

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(ENTRIES, { keyPath: "key" });
        request.result.createObjectStore(META, { keyPath: "name" });
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  function withStore(name, mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var tx = db.transaction(name, mode);
        var result = work(tx.objectStore(name));
        tx.oncomplete = function () { db.close(); resolve(result && "result" in result ? result.result : result); };
        tx.onerror = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function all() { return withStore(ENTRIES, "readonly", function (store) { return store.getAll(); }); }
  /* A log out clears the user's entries (clearMine) and notes when. A page opened before that moment, or in
     the service worker an entry queued before it, must not write one back: a retry or an answer arriving
     late in another tab would otherwise leave a logged-out user's row on the phone. */
  var startedAt = Date.now();
  function put(entry) {
    return meta("loggedOut:" + entry.owner).then(function (out) {
      var since = inPage ? startedAt : Date.parse(entry.queuedAt);
      if (out && out.at >= since) return null;
      return withStore(ENTRIES, "readwrite", function (store) { store.put(entry); });
    });
  }
  function remove(key) { return withStore(ENTRIES, "readwrite", function (store) { store.delete(key); }); }
  function meta(name) { return withStore(META, "readonly", function (store) { return store.get(name); }); }
  function setMeta(record) { return withStore(META, "readwrite", function (store) { store.put(record); }); }

  function waiting(entry) { return entry.state !== "sent"; }

  /* Sending ------------------------------------------------------------------------------------------------- */

  function pageCsrf() {
    if (!inPage) return "";
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"] || "";
    } catch (error) {
      return "";
    }
  }

  /* One entry to the server: "sent", "held" (the server asks something: a likely duplicate, a field to fix),
     "refused" (typed in another account), "later" (try again: its event is not there yet, the server had a
     problem) or "offline". */
  function sendOne(entry) {
    // A row kept with its photo goes as the page sends it, multipart (the fetch sets the boundary).
    var files = entry.files || [];
    var body = files.length ? new FormData() : new URLSearchParams();
    entry.fields.forEach(function (pair) { body.append(pair[0], pair[1]); });
    files.forEach(function (kept) { body.append(kept[0], kept[1], kept[2]); });
    body.set("queued_owner", entry.owner);
    var headers = { "X-CSRFToken": pageCsrf() || entry.csrf, "HX-Request": "true" };
    return fetch(entry.url, { method: "POST", body: body, headers: headers, credentials: "same-origin" })
      .then(function (response) {
        if (response.status === 403 && response.headers.get("X-Kith-Refused") === "owner") return { result: "refused" };
        if (response.status === 403 || response.status === 409 || response.status === 429 || response.status >= 500) {
          return { result: "later" };
        }
        if (!response.ok) return { result: "held" };
        if (entry.kind === "event") return { result: response.redirected ? "sent" : "held", url: response.url };
        return response.text().then(function (html) {
          return { result: html.indexOf('data-state="saved"') !== -1 ? "sent" : "held", html: html };
        });
      }, function () { return { result: "offline" }; });
  }

  /* The rows of an event started offline now belong to its capture screen on the server (/capture/<id>/), where
     one that waits for an answer (a likely duplicate) comes back on screen. */
  function eventArrived(event, url) {
    var found = /\/capture\/(\d+)\//.exec(new URL(url).pathname);
    if (!found) return null;
    var before = "key:" + event.key.slice("event:".length);
    return all().then(function (entries) {
      return Promise.all(entries.filter(function (entry) { return entry.capture === before; }).map(function (entry) {
        entry.capture = "pk:" + found[1];
        return put(entry);
      }));
    });
  }

  function noteSent(owner) {
    return setMeta({ name: "lastSent:" + owner, at: new Date().toISOString() });
  }

  /* Send what waits, events first, then rows in the order they were typed. `options.owner` limits it to one
     user's entries (a page); `options.skip(entry)` leaves out rows a page is sending itself. */
  function flush(options) {
    if (flushing) return flushing;
    options = options || {};
    flushing = all().then(function (entries) {
      var todo = entries.filter(function (entry) {
        if (!waiting(entry) || entry.state === "held") return false;
        if (options.owner) return entry.owner === options.owner;
        return entry.state !== "refused";
      }).filter(function (entry) { return !(options.skip && options.skip(entry)); });
      todo.sort(function (a, b) {
        return (a.kind === "event" ? 0 : 1) - (b.kind === "event" ? 0 : 1) || (a.queuedAt < b.queuedAt ? -1 : 1);
      });
      var sentRows = [];
      function next(index) {
        if (index >= todo.length) return sentRows;
        var entry = todo[index];
        return sendOne(entry).then(function (answer) {
          if (answer.result === "offline") return sentRows;
          var saved;
          if (answer.result === "sent" && entry.kind === "event") {
            entry.state = "sent";
            entry.eventUrl = answer.url;
            saved = put(entry).then(function () { return eventArrived(entry, answer.url); });
          } else if (answer.result === "sent") {
            sentRows.push({ entry: entry, html: answer.html });
            saved = remove(entry.key).then(function () { return noteSent(entry.owner); });
          } else if (answer.result === "held" || answer.result === "refused") {
            entry.state = answer.result;
            saved = put(entry);
          }
          return Promise.resolve(saved).then(function () { return next(index + 1); });
        });
      }
      return next(0);
    }).then(function (sent) {
      flushing = null;
      return sent;
    }, function (error) {
      flushing = null;
      throw error;
    });
    return flushing;
  }

  var api = {
    SYNC_TAG: SYNC_TAG,
    all: all,
    flush: flush,
    meta: meta,
  };
  scope.KithOutbox = api;
  if (!inPage) return;

  /* In a page ------------------------------------------------------------------------------------------------ */

  function owner() { return document.body.getAttribute("data-outbox-owner") || ""; }

  function captureRoot() { return document.querySelector("[data-capture-id]"); }

  function requestSync() {
    if (!("serviceWorker" in navigator)) return;
    navigator.serviceWorker.ready.then(function (registration) {
      if (registration.sync) return registration.sync.register(SYNC_TAG);
      return null;
    }).catch(function () { /* Background Sync refused: the next page sends them. */ });
  }

  /* A capture row's photo, shrunk to at most 2,000 px (kith.js) and kept as [field, Blob, file name]. */
  function keptPhotos(form) {
    var photos = [];
    new FormData(form).forEach(function (value, name) {
      if (typeof value !== "string" && value.size) photos.push([name, value]);
    });
    var shrink = window.KithCapture && window.KithCapture.shrinkPhoto;
    return Promise.all(photos.map(function (photo) {
      return Promise.resolve(shrink ? shrink(photo[1]) : photo[1]).then(function (file) {
        return [photo[0], new Blob([file], { type: file.type }), file.name || "photo.jpg"];
      });
    }));
  }

  /* A capture row's form, kept (kith.js calls this when a row could not be sent), with its photo: such a row
     may wait with no name, the server fills it from the photo's QR code. */
  function keep(form) {
    var key = form.querySelector("input[name=row_key]");
    if (!key || !key.value || !owner()) return Promise.resolve();
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken" && typeof value === "string") fields.push([name, value]);
    });
    var root = captureRoot();
    var nameInput = form.querySelector("input[name=name]");
    var files = [];
    return keptPhotos(form).then(function (photos) {
      files = photos;
      return all();
    }).then(function (entries) {
      var before = entries.filter(function (entry) { return entry.key === key.value; })[0];
      return put({
        key: key.value,
        kind: "row",
        owner: owner(),
        url: form.getAttribute("action"),
        fields: fields,
        files: files,
        label: nameInput ? nameInput.value.trim() : "",
        capture: root ? root.getAttribute("data-capture-id") : "",
        csrf: pageCsrf(),
        queuedAt: before ? before.queuedAt : new Date().toISOString(),
        state: "waiting",
      });
    }).then(function () {
      requestSync();
      showStatus();
    });
  }

  /* The service worker's offline copy of this page is fetched again, a second after the last change. */
  var refreshTimer = null;
  function refreshOfflineCopy() {
    window.clearTimeout(refreshTimer);
    refreshTimer = window.setTimeout(function () {
      if (!("serviceWorker" in navigator)) return;
      navigator.serviceWorker.ready.then(function (registration) {
        var page = window.location.pathname + window.location.search;
        if (registration.active) registration.active.postMessage({ type: "refresh", page: page });
      });
    }, 1000);
  }

  /* A row the server has saved (kith.js saw its answer): it no longer waits. */
  function drop(key) {
    refreshOfflineCopy();
    if (!key) return Promise.resolve();
    return all().then(function (entries) {
      var found = entries.filter(function (entry) { return entry.key === key; })[0];
      if (!found) return null;
      return remove(key).then(function () { return noteSent(found.owner); });
    }).then(showStatus);
  }

  /* "3 rows wait to be sent. Last one sent at 14:32." */
  function showStatus() {
    var line = document.querySelector("[data-outbox-status]");
    if (!line || !owner()) return Promise.resolve();
    return Promise.all([all(), meta("lastSent:" + owner())]).then(function (found) {
      var entries = found[0].filter(waiting);
      var mine = entries.filter(function (entry) { return entry.owner === owner(); });
      var held = mine.filter(function (entry) { return entry.state === "held"; }).length;
      var rows = mine.filter(function (entry) { return entry.kind === "row"; }).length - held;
      var events = mine.length - rows - held;
      var others = entries.length - mine.length;
      var parts = [];
      if (rows || events) {
        var what = [];
        if (events) what.push(events === 1 ? "1 event" : events + " events");
        if (rows) what.push(rows === 1 ? "1 row" : rows + " rows");
        parts.push(what.join(" and ") + (rows + events === 1 ? " waits" : " wait") + " to be sent from this phone.");
      } else if (captureRoot()) {
        parts.push("Nothing waits to be sent.");
      }
      if (held) {
        parts.push(held + (held === 1 ? " row needs" : " rows need") + " a look on its event's capture screen " +
          "(a likely duplicate, or a field to fix) before it is saved.");
      }
      if (found[1] && (parts.length || captureRoot())) {
        var at = new Date(found[1].at);
        parts.push("Last row sent at " + at.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) + ".");
      }
      if (others) {
        parts.push(others + (others === 1 ? " row was" : " rows were") +
          " typed while someone else was logged in: not sent here, it waits for them.");
      }
      line.textContent = parts.join(" ");
      line.hidden = parts.length === 0;
      line.setAttribute("data-waiting", String(rows + events + held));
    });
  }

  /* Rows of this capture page kept on the phone come back on screen, and kith.js sends them. */
  function restoreRows() {
    var root = captureRoot();
    var capture = window.KithCapture;
    if (!root || !capture) return Promise.resolve();
    var id = root.getAttribute("data-capture-id");
    return all().then(function (entries) {
      entries.filter(function (entry) {
        return entry.kind === "row" && entry.capture === id && entry.owner === owner() &&
          !document.getElementById("row-" + entry.key);
      }).sort(function (a, b) { return a.queuedAt < b.queuedAt ? -1 : 1; }).forEach(function (entry) {
        capture.restore(entry.key, entry.fields, entry.files);
      });
    });
  }

  /* Quick capture's "start capturing": sent with a client key, so sending it again saves one event; without a
     connection the event is kept here and its capture screen opens from the service worker's copy. */
  function startEvent(form) {
    var key = form.querySelector("input[name=client_key]");
    if (!key.value) key.value = newKey();
    var fields = [];
    new FormData(form).forEach(function (value, name) {
      if (name !== "csrfmiddlewaretoken" && typeof value === "string") fields.push([name, value]);
    });
    var entry = {
      key: "event:" + key.value,
      kind: "event",
      owner: owner(),
      url: form.getAttribute("action"),
      fields: fields,
      label: (form.querySelector("input[name=name]") || {}).value || "",
      csrf: pageCsrf(),
      queuedAt: new Date().toISOString(),
      state: "waiting",
    };
    return put(entry).then(function () { return flush({ owner: owner() }); }).then(function () {
      return all();
    }).then(function (entries) {
      var now = entries.filter(function (found) { return found.key === entry.key; })[0];
      if (now && now.state === "sent" && now.eventUrl) {
        window.location.assign(now.eventUrl);
      } else if (now && now.state === "held") {
        // The server did not take it (a field to fix): the plain form shows why.
        remove(entry.key).then(function () { form.submit(); });
      } else {
        requestSync();
        window.location.assign(form.getAttribute("data-offline-url") + "?event=" + encodeURIComponent(key.value));
      }
    });
  }

  function newKey() {
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) { return b.toString(16).padStart(2, "0"); }).join("");
  }

  /* The capture screen of an event started offline (/capture/offline/?event=<key>). */
  function setUpOfflineEvent() {
    var root = document.querySelector("[data-offline-event]");
    if (!root) return Promise.resolve();
    var key = new URLSearchParams(window.location.search).get("event") || "";
    return all().then(function (entries) {
      var event = entries.filter(function (entry) { return entry.key === "event:" + key; })[0];
      var none = root.querySelector("[data-offline-none]");
      if (!event || event.owner !== owner() || !/^[A-Za-z0-9_-]+$/.test(key)) {
        none.hidden = false;
        return;
      }
      var value = function (name) {
        var pair = event.fields.filter(function (field) { return field[0] === name; })[0];
        return pair ? pair[1] : "";
      };
      root.querySelector("[data-offline-name]").textContent = value("name") || "Event";
      root.querySelector("[data-offline-place]").textContent = value("place");
      root.querySelector("[data-offline-body]").hidden = false;
      if (event.eventUrl) {
        var link = root.querySelector("[data-offline-link]");
        link.href = event.eventUrl;
        link.hidden = false;
      }
      root.setAttribute("data-capture-id", "key:" + key);
      var template = document.getElementById("capture-row-template");
      template.innerHTML = template.innerHTML.split("__event__").join(key);
      var intention = value("setting") === "formal" ? "professional" : "personal";
      template.innerHTML = template.innerHTML.split('value="' + intention + '"').join('value="' + intention + '" checked');
      return restoreRows().then(function () { window.KithCapture.blankRow(true); });
    });
  }

  /* Logging out with rows waiting: send them now, or discard them; then this user's entries and the caches
     are cleared, and the form is sent. */
  function clearMine() {
    var me = owner();
    return setMeta({ name: "loggedOut:" + me, at: Date.now() }).then(all).then(function (entries) {
      return Promise.all(entries.filter(function (entry) { return entry.owner === me; }).map(function (entry) {
        return remove(entry.key);
      }));
    }).then(function () {
      return withStore(META, "readwrite", function (store) { store.delete("lastSent:" + me); });
    }).then(function () {
      if (!window.caches) return null;
      return caches.keys().then(function (names) { return Promise.all(names.map(function (n) { return caches.delete(n); })); });
    });
  }

  function countMine() {
    return all().then(function (entries) {
      return entries.filter(function (entry) { return waiting(entry) && entry.owner === owner(); }).length;
    });
  }

  function logOut(form) {
    form.setAttribute("data-confirmed", "");
    clearMine().then(function () { form.submit(); }, function () { form.submit(); });
  }

  function askBeforeLogOut(form, count) {
    var box = document.getElementById("logout-outbox");
    box.hidden = false;
    box.querySelector("[data-logout-count]").textContent = count === 1 ? "1 row or event" : count + " rows and events";
    box.querySelector("[data-logout-send]").focus();
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    if (form.hasAttribute("data-logout") && !form.hasAttribute("data-confirmed")) {
      event.preventDefault();
      countMine().then(function (count) {
        if (count && document.getElementById("logout-outbox")) askBeforeLogOut(form, count);
        else logOut(form);
      }, function () { logOut(form); });
    } else if (form.hasAttribute("data-event-start") && owner()) {
      event.preventDefault();
      startEvent(form);
    }
  });

  document.addEventListener("click", function (event) {
    var target = event.target.closest && event.target.closest("[data-logout-send], [data-logout-discard]");
    if (!target) return;
    var form = document.querySelector("form[data-logout]");
    var note = document.querySelector("[data-logout-note]");
    if (target.hasAttribute("data-logout-discard")) {
      logOut(form);
      return;
    }
    note.textContent = "Sending…";
    flush({ owner: owner() }).then(countMine).then(function (count) {
      if (count === 0) {
        logOut(form);
      } else {
        note.textContent = "Still not sent: " + count + " could not reach the server. Discard them, or stay " +
          "logged in and try again with a connection.";
      }
    });
  });

  function sendWaiting() {
    if (!owner()) return Promise.resolve();
    var skip = function (entry) { return Boolean(document.getElementById("row-" + entry.key)); };
    return flush({ owner: owner(), skip: skip }).then(showStatus, showStatus);
  }

  api.keep = keep;
  api.drop = drop;
  api.showStatus = showStatus;

  function start() {
    if (!owner()) return;
    if ("serviceWorker" in navigator) {
      navigator.serviceWorker.register("/sw.js", { scope: "/" }).then(function () {
        return navigator.serviceWorker.ready;
      }).then(function (registration) {
        var here = window.location.pathname + window.location.search;
        if (registration.active) registration.active.postMessage({ type: "warm", page: here });
      }).catch(function () { /* No worker (a private window): the page still works online. */ });
      navigator.serviceWorker.addEventListener("message", function (event) {
        if (event.data === "outbox-changed") showStatus();
      });
    }
    setUpOfflineEvent().then(function () {
      return document.querySelector("[data-offline-event]") ? null : restoreRows();
    }).then(showStatus).then(sendWaiting);
  }

  window.addEventListener("online", sendWaiting);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})(typeof self !== "undefined" ? self : window);
