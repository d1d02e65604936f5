/* The phone page of one station: show everyone's notes live, build on them (+1, replies),
 * spend dots in the vote phase, and follow the rotation. The note form and the outbox are
 * there before this script (outbox.js, inline in the page): this one gives the outbox the
 * live connection and draws the notes it saved. Without JavaScript the page is a plain form
 * and a read-only list. The server renders each phase; when the phase changes, the page
 * reloads (the outbox and an unsent draft are kept on the phone).
 *
 * This file is the wiring: this person's state, the live connection and the service worker.
 * The notes with their buttons are station_notes.js, the walk station_walk.js. */
(function () {
  "use strict";

  var root = document.getElementById("station");
  // The page's outbox, made by outbox.js with the note form before this script ran.
  var outbox = window.GalleryOutbox && window.GalleryOutbox.page;
  if (!root || !outbox) return;
  var msg = root.dataset;
  var station = msg.station;
  var phase = msg.phase;
  var connection = document.getElementById("connection");
  var list = document.getElementById("notes");
  var dotsLine = document.getElementById("dots");
  var dotsLeft = document.getElementById("dots-left-text");
  var me = { plus_ones: [], my_votes: {}, dots_left: 0, dots: 0, group: null };
  // The live connection, once the Socket.IO client has loaded (see loadSocketClient below);
  // until then the outbox posts over HTTP.
  var socket = null;
  var socketClientFailed = false;
  var socketDown = false; // lost (or never made) and waiting to try again

  // Before the Socket.IO client is there, notes go out over HTTP: that is sending too.
  outbox.sending = function () {
    return navigator.onLine !== false && (socket ? socket.connected : !socketClientFailed);
  };

  var el = window.GalleryOutbox.el;

  // --- asking the server, and what it says of this person ------------------------------

  function say(text) {
    if (connection) connection.textContent = text;
  }

  function emit(event, payload, done) {
    if (!socket || !socket.connected) { say("○ " + msg.msgOffline); done(null); return; }
    socket.timeout(10000).emit(event, payload, function (err, reply) {
      if (err) { say("○ " + msg.msgOffline); done(null); return; }
      if (reply && !reply.ok && reply.error) say(reply.error.message);
      done(reply);
    });
  }

  function applyMe(state) {
    if (!state) return;
    var group = me.group;
    me = state;
    if (me.group === undefined) me.group = group;
    if (dotsLine) {
      var line = me.dots_left ? msg.msgDots : msg.msgDotsNone; // "0 of 3 left. Give them…" reads oddly
      dotsLine.textContent = line.replace("{n}", me.dots_left).replace("{total}", me.dots);
    }
    // The bar at the bottom of the screen, wherever in the list the person is; read out
    // (politely) only when the number changes.
    if (dotsLeft) {
      var left = (me.dots_left ? msg.msgDotsLeft : msg.msgDotsLeftNone)
        .replace("{n}", me.dots_left).replace("{total}", me.dots);
      if (dotsLeft.textContent !== left) dotsLeft.textContent = left;
    }
  }

  // --- the notes and the walk ----------------------------------------------------------

  // Each in its own file, loaded before this one (station_notes.js, station_walk.js).
  var getMe = function () { return me; }; // applyMe() replaces it
  var notes = window.GalleryStationNotes(list, {
    messages: msg, station: station, phase: phase, outbox: outbox, el: el, emit: emit,
    me: getMe, applyMe: applyMe,
  });
  var walk = window.GalleryStationWalk({ station: station, phase: phase, el: el, emit: emit, me: getMe });

  // --- live connection ----------------------------------------------------------------

  // A copy the service worker kept (static/js/sw.js), shown in a dead spot: its notes may be
  // old, and it says so until the live connection has brought the current ones.
  var offlineCopy = root.dataset.offlineCopy !== undefined;
  if (offlineCopy && list) list.classList.add("notes--stale");

  // The station was removed: no form inviting notes it cannot take, and the way to the
  // workshop's other stations (a reload led to a bare "not found").
  function stationGone() {
    var form = document.getElementById("note-form");
    if (form) form.hidden = true;
    document.getElementById("station-gone").hidden = false;
    if (connection) connection.textContent = "";
    // nor a +1, reply or dot for notes that are gone with it
    Array.prototype.forEach.call(list ? list.querySelectorAll("button") : [], function (b) { b.disabled = true; });
  }

  function setStatus(online) {
    if (connection) {
      var offline = offlineCopy ? msg.msgOfflineCopy : msg.msgOffline;
      connection.textContent = online ? "● " + msg.msgOnline : "○ " + offline;
      connection.classList.toggle("status--offline", !online);
    }
    outbox.onChange(outbox.items);
  }

  // Socket.IO waits up to reconnectionDelayMax between attempts; when the network is back the
  // status must turn within a second, so a waiting socket starts over at once.
  function reconnectNow() {
    if (!socket || socket.connected || !socketDown) return; // not while a first connect runs
    socket.disconnect();
    socket.connect();
  }

  function reloadFor(newPhase) {
    if (newPhase === phase) return;
    window.location.reload(); // the server renders the new phase; draft and outbox are kept
  }

  function connect() {
    socket = window.io({ reconnectionDelayMax: 10000 });
    outbox.socket = socket;
    socket.on("connect", function () {
      socketDown = false;
      var join = { station: station, device: window.GalleryOutbox.device };
      socket.emit("join_station", join, function (reply) {
        if (reply && reply.ok) {
          if (reply.workshop.phase !== phase || reply.station.locked !== (msg.locked === "true")) {
            window.location.reload(); // changed while this page was away
            return;
          }
          applyMe(reply.me);
          notes.replaceNotes(reply.notes); // newest first, as the server sends them
          offlineCopy = false;
          if (list) list.classList.remove("notes--stale");
          notes.olderNotes(reply.more);
          // The pages the server rendered are all coming now: no links to them.
          Array.prototype.forEach.call(document.querySelectorAll(".notes-paging"), function (p) { p.hidden = true; });
          applyStation(reply.station);
          walk.buildPicker(reply.rotation.groups);
          walk.applyRotation(reply.rotation);
        } else if (reply && reply.error && reply.error.code === "station_not_found") {
          stationGone(); // removed while this phone was away
          return;
        }
        setStatus(true);
        outbox.flush();
      });
    });
    socket.on("disconnect", function () { socketDown = true; setStatus(false); });
    // A page opened without a connection never sees "disconnect": say so instead of nothing.
    socket.on("connect_error", function () { socketDown = true; setStatus(false); });
    // New notes come in batches (a room posting at once; the wall gets each at once).
    socket.on("notes_posted", function (batch) {
      if (batch.station !== station) return;
      batch.notes.forEach(function (note) {
        outbox.confirmed(note);
        notes.addNote(note, true);
      });
    });
    socket.on("note_updated", notes.updateNote);
    socket.on("note_hidden", function (m) {
      if (m.station !== station) return;
      notes.hideNote(m.note_id);
    });
    socket.on("phase_changed", function (m) { reloadFor(m.phase); });
    socket.on("rotation_updated", function (state) {
      walk.buildPicker(state.groups);
      walk.applyRotation(state);
    });
    socket.on("station_updated", function (s) {
      if (s.token === station && s.locked !== (msg.locked === "true")) { window.location.reload(); return; }
      applyStation(s);
    });
    socket.on("station_removed", function (m) { if (!m || !m.station || m.station === station) stationGone(); });
  }

  // The Socket.IO client is loaded after the note form works (it would otherwise share the
  // slow first seconds with this script); notes written meanwhile go out over HTTP.
  var clientRetry = 2000;
  function loadSocketClient() {
    if (window.io) { connect(); return; }
    var script = document.createElement("script");
    script.src = msg.socketio;
    script.onload = function () { socketClientFailed = false; connect(); };
    script.onerror = function () {
      script.remove();
      socketClientFailed = true;
      setStatus(false);
      window.setTimeout(loadSocketClient, clientRetry);
      clientRetry = Math.min(clientRetry * 2, 30000);
    };
    document.head.appendChild(script);
  }

  function applyStation(s) {
    if (!s || s.token !== station) return;
    document.getElementById("station-title").textContent = s.title;
    var prompt = document.getElementById("station-prompt");
    if (prompt) prompt.textContent = s.prompt;
  }

  // Phones drop sockets in background tabs and on flaky Wi-Fi: try again when back.
  // The phone knows it lost the network before the socket times out: show it at once.
  window.addEventListener("offline", function () { setStatus(false); });
  window.addEventListener("online", function () {
    if (socket && socket.connected) setStatus(true); // the socket survived the blip: no join ack comes
    else reconnectNow();
    outbox.flush();
  });
  // The server answered over HTTP while the socket waits out its back-off: try it now. It
  // could not be reached: say so now, not after the socket's ping timeout.
  outbox.onContact = function (reached) {
    if (reached) reconnectNow();
    else setStatus(false);
  };
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      if (socket && !socket.connected) socket.connect();
      outbox.flush();
    }
  });

  // The service worker keeps this page for a dead spot. Browsers allow it on HTTPS and on
  // localhost only; on a plain-http LAN the outbox and draft in localStorage do the keeping.
  if ("serviceWorker" in navigator && window.isSecureContext) {
    navigator.serviceWorker.register("/sw.js").then(function () {
      return navigator.serviceWorker.ready;
    }).then(function (registration) {
      // This page loaded before the worker could see it: ask for it to be kept now.
      registration.active.postMessage({ keep: window.location.pathname });
    }).catch(function () { /* no worker: the page still works online */ });
  }
  if (offlineCopy) setStatus(false);

  // Notes saved over HTTP before this script ran go into the list now, and later ones as saved.
  outbox.whenSaved(function (note) { notes.addNote(note, true); });
  outbox.onChange(outbox.items);
  notes.hyphenateSoon();
  loadSocketClient(); // until it is connected, the outbox keeps sending over HTTP
})();
