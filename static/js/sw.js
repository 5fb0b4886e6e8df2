/* Kith's service worker, hand-written. config/pwa.py serves it at /sw.js (so its scope is the whole site) with
   self.KITH_CONFIG set above this line: the app shell's URLs, the offline pages and a version.

   - The app shell (CSS, JavaScript, icons) is kept at install and served from the cache first.
   - Pages are asked of the network first. The capture pages and "my card" are kept as they load, so they open
     without a connection; any other page then gets the offline page, which says it needs the server.
   - Rows kept on the phone (static/js/outbox.js, imported here) are sent by Background Sync where the browser
     has it; otherwise the next Kith page opened with a connection sends them.
   Every POST goes to the network as it would without a worker; only a form that cannot reach it gets the
   offline page. */
/* global KithOutbox */
"use strict";

var CONFIG = self.KITH_CONFIG;
var SHELL = "kith-shell-" + CONFIG.version;
var PAGES = "kith-pages";
var OFFLINE_TEXT = "You are offline; this page needs the server.";

importScripts(CONFIG.outbox);

/* Pages kept for offline use as they load: quick capture (today's events, each event's rows, an event
   started offline) and "my card". */
function keepsPage(url) {
  return url.pathname.indexOf(CONFIG.capture) === 0 || url.pathname === CONFIG.myCard;
}

/* The offline pages, today's capture screen, "my card" and the page that asks (it may have loaded before this
   worker controlled it) are kept now if they are not yet. */
function warm(current) {
  var paths = [CONFIG.offline, CONFIG.captureOffline].concat(CONFIG.keep);
  if (current && keepsPage(new URL(current, self.location.origin))) paths.push(current);
  return caches.open(PAGES).then(function (cache) {
    return Promise.all(paths.map(function (path) {
      return cache.match(path, { ignoreSearch: true, ignoreVary: true }).then(function (found) {
        if (found) return null;
        return fetch(path, { credentials: "same-origin" }).then(function (response) {
          if (response.ok && !response.redirected) return cache.put(path, response);
          return null;
        }).catch(function () { return null; });
      });
    }));
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(SHELL).then(function (cache) { return cache.addAll(CONFIG.shell); })
      .then(function () { return warm(); })
      .then(function () { return self.skipWaiting(); })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.map(function (name) {
        if (name.indexOf("kith-shell-") === 0 && name !== SHELL) return caches.delete(name);
        return null;
      }));
    }).then(function () { return self.clients.claim(); })
  );
});

function offlineAnswer() {
  return caches.match(CONFIG.offline, { ignoreVary: true }).then(function (page) {
    return page || new Response(
      "<!doctype html><meta charset=utf-8><title>Offline · Kith</title><h1>" + OFFLINE_TEXT + "</h1>",
      { status: 503, headers: { "Content-Type": "text/html; charset=utf-8" } }
    );
  });
}

function page(request) {
  var url = new URL(request.url);
  return fetch(request).then(function (response) {
    if (response.ok && !response.redirected && keepsPage(url)) {
      var copy = response.clone();
      caches.open(PAGES).then(function (cache) { return cache.put(request, copy); });
    }
    return response;
  }).catch(function () {
    // The event started offline has one page whatever its ?event= says.
    var options = { ignoreVary: true, ignoreSearch: url.pathname === CONFIG.captureOffline };
    return caches.open(PAGES).then(function (cache) { return cache.match(request, options); })
      .then(function (kept) { return kept || offlineAnswer(); });
  });
}

function shellFile(request) {
  return caches.match(request, { ignoreVary: true }).then(function (kept) {
    if (kept) return kept;
    return fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches.open(SHELL).then(function (cache) { return cache.put(request, copy); });
      }
      return response;
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.method !== "GET") {
    // A form sent without a connection (logging out, say) gets the offline page, not the browser's error.
    if (request.mode === "navigate") event.respondWith(fetch(request).catch(offlineAnswer));
    return;
  }
  if (request.mode === "navigate") {
    event.respondWith(page(request));
  } else if (url.pathname.indexOf(CONFIG.staticPrefix) === 0) {
    event.respondWith(shellFile(request));
  }
});

/* A page whose rows changed (a row was saved) asks for its offline copy to be brought up to date. */
function refresh(path) {
  if (!path || !keepsPage(new URL(path, self.location.origin))) return Promise.resolve();
  return fetch(path, { credentials: "same-origin" }).then(function (response) {
    if (!response.ok || response.redirected) return null;
    return caches.open(PAGES).then(function (cache) { return cache.put(path, response); });
  }).catch(function () { return null; });
}

self.addEventListener("message", function (event) {
  if (!event.data) return;
  if (event.data.type === "warm") event.waitUntil(warm(event.data.page));
  if (event.data.type === "refresh") event.waitUntil(refresh(event.data.page));
});

/* Background Sync: the outbox sends what waits; each open page is told, so its line of status follows. */
self.addEventListener("sync", function (event) {
  if (event.tag !== KithOutbox.SYNC_TAG) return;
  event.waitUntil(KithOutbox.flush({}).then(function () {
    return self.clients.matchAll({ type: "window" }).then(function (clients) {
      clients.forEach(function (client) { client.postMessage("outbox-changed"); });
    });
  }));
});
