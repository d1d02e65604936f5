/* The service worker (served as /sw.js, same origin, nothing from anywhere else): keeps the
 * phone's station page, its scripts and the Socket.IO client, so that reloading or reopening a
 * station link in a dead spot still shows the page with its outbox and draft (both live in
 * localStorage; outbox.js sends the queue when the network is back, once, by client_id).
 *
 * Pages: network first, the kept copy only when the network fails; the copy is marked
 * (data-offline-copy) so the page says it is offline and that its notes may be old.
 * Scripts: kept per version (GALLERY.version, a hash of the files, set by the server above
 * this text); a new version installs itself, takes over at once and drops the old cache.
 * Everything else (the API, Socket.IO, posts) goes to the network untouched. */
/* global GALLERY */
"use strict";

var CACHE = "gallery-" + GALLERY.version;
var STATION_PAGE = /^\/s\/[^/]+$/;
var PATIENCE = 4000; // ms: a network that has not answered by then is a dead spot

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    return cache.addAll(GALLERY.assets);
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("gallery-") === 0 && name !== CACHE;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function keep(path, response) {
  if (!response || response.status !== 200 || response.redirected) return response;
  var copy = response.clone();
  caches.open(CACHE).then(function (cache) { cache.put(path, copy); });
  return response;
}

// The page that registered this worker loaded before it: it asks to be kept.
self.addEventListener("message", function (event) {
  var path = event.data && event.data.keep;
  if (typeof path !== "string" || !STATION_PAGE.test(path)) return;
  event.waitUntil(fetch(path, { credentials: "same-origin" }).then(function (response) {
    keep(path, response);
  }, function () { /* offline already: the next visit keeps it */ }));
});

function offlineCopy(path) {
  return caches.open(CACHE).then(function (cache) { return cache.match(path); }).then(function (kept) {
    if (!kept) return Response.error();
    return kept.text().then(function (html) {
      var date = kept.headers.get("Date") || "";
      var marked = html.replace('<div id="station"', '<div id="station" data-offline-copy="' + date + '"');
      var headers = { "Content-Type": "text/html; charset=utf-8" };
      var policy = kept.headers.get("Content-Security-Policy");
      if (policy) headers["Content-Security-Policy"] = policy; // the inline blocks' hashes
      return new Response(marked, { status: 200, headers: headers });
    });
  });
}

function networkFirst(request, path, newest) {
  return new Promise(function (resolve) {
    var settled = false;
    function settle(value) { if (!settled) { settled = true; resolve(value); } }
    var timer = setTimeout(function () { settle(offlineCopy(path)); }, PATIENCE);
    fetch(request).then(function (response) {
      clearTimeout(timer);
      settle(newest ? keep(path, response) : response);
    }, function () {
      clearTimeout(timer);
      settle(offlineCopy(path));
    });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate" && STATION_PAGE.test(url.pathname)) {
    // An older page of notes (?before=, without JavaScript) is no copy to fall back on.
    event.respondWith(networkFirst(request, url.pathname, !url.searchParams.has("before")));
    return;
  }
  if (GALLERY.assets.indexOf(url.pathname + url.search) !== -1) {
    event.respondWith(caches.match(request).then(function (kept) { return kept || fetch(request); }));
  }
});
