/* The facilitator's wall: every station as a column, its notes grouped by topic, live.
 *
 * The server's state is the truth: on every (re)connect the wall asks for it again
 * (join_wall) and redraws, so a wall never drifts from what is stored. Steering (move a
 * note, rename / merge / split / pin a group, fewer or more groups) is sent to the server,
 * which answers with the station's new clusters; every wall then hears clusters_updated.
 * Controls show only in edit mode ("Gruppen bearbeiten"), so the projected wall stays calm.
 *
 * This file is the wiring: the state, the socket, and when a column is drawn. How a column
 * looks is wall_columns.js, edit mode wall_edit.js and wall_moderation.js, the walk in the bar
 * wall_walk.js, the fit to the screen wall_fit.js: each inline in the page before this one.
 */
(function () {
  "use strict";

  var root = document.getElementById("wall");
  if (!root) return;
  var d = root.dataset;
  var columns = document.getElementById("columns");
  var status = document.getElementById("wall-status");
  var total = document.getElementById("total-count");
  var totalLabel = document.getElementById("total-label");
  var viewButton = document.getElementById("toggle-view");
  var editButton = document.getElementById("toggle-edit");
  var state = { stations: [], notes: {}, byId: {}, clusters: {}, phase: "collect", rotation: null,
                hiddenReplies: {} }; // note id -> its hidden replies (edit mode shows them)
  var prefs = loadPrefs();
  // The wall is drawn from the state in its page first; the Socket.IO client (deferred) runs
  // after that, and connect() at the end makes the socket then.
  var socket = null;
  var fitter; // static/js/wall_fit.js, made once el() and button() exist (below)

  function loadPrefs() {
    try {
      return JSON.parse(window.localStorage.getItem("gallery.wall") || "{}");
    } catch (e) {
      return {};
    }
  }

  function savePrefs() {
    try { window.localStorage.setItem("gallery.wall", JSON.stringify(prefs)); } catch (e) { /* ignore */ }
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text; // never innerHTML
    return node;
  }

  function button(label, className, onClick, title) {
    var b = el("button", "wall-btn " + (className || ""), label);
    b.type = "button";
    if (title) { b.title = title; b.setAttribute("aria-label", title); }
    b.addEventListener("click", onClick);
    return b;
  }

  fitter = window.GalleryWallFit(columns, { el: el, button: button, messages: d, editing: editing });

  function clustered() { return prefs.view !== "flat"; }
  function editing() { return prefs.edit === true; }

  function visibleStations() {
    if (!d.focus) return state.stations;
    return state.stations.filter(function (s) { return s.token === d.focus; });
  }

  function countLabel(n) {
    return n + " " + (n === 1 ? d.msgNote : d.msgNotes);
  }

  function say(text) {
    status.textContent = text || "";
    if (text) window.setTimeout(function () { if (status.textContent === text) status.textContent = ""; }, 6000);
  }

  // --- steering ------------------------------------------------------------------------

  function steer(event, station, payload) {
    payload.station = station;
    var active = document.activeElement;
    if (active && columns.contains(active) && active.matches("select, input")) active.blur(); // done
    send(event, payload, function (reply) {
      if (reply.ok) applyClusters(reply);
      else say(reply.error ? reply.error.message : "");
    });
  }

  // The walk and moderation: workshop-wide commands; the answers come back as broadcasts.
  function command(event, payload, done) {
    send(event, payload, function (reply) {
      if (!reply.ok) say(reply.error ? reply.error.message : "");
      else if (done) done(reply);
    });
  }

  // A command waits until the wall has joined its workshop: the server takes commands only
  // from a joined wall, and Socket.IO sends what was asked while (re)connecting before the
  // join (a click on "Ergebnisse" just after the wall opened did nothing). One still waiting
  // after ANSWER_MS is given up, as one without an answer is.
  var ANSWER_MS = 15000;
  var joined = false, waiting = [];
  function send(event, payload, answer) {
    if (!socket) { say(d.msgOffline); return; }
    var asked = Date.now();
    var go = function () {
      var left = ANSWER_MS - (Date.now() - asked);
      if (left <= 0) { say(d.msgOffline); return; }
      socket.timeout(left).emit(event, payload, function (err, reply) {
        if (err) say(d.msgOffline);
        else if (reply) answer(reply);
      });
    };
    if (joined) go(); else waiting.push(go);
  }

  // A single idea ("Einzelne Ideen"): one note in no pinned cluster, placed by the engine or
  // put there by the facilitator (then without a label); a note moved into a new group of its
  // own keeps its group.
  function isSingle(cluster, notes) {
    return notes === 1 && !cluster.pinned && (!cluster.manual || !cluster.label);
  }

  // --- the page's parts ------------------------------------------------------------------

  // Each in its own file, inline before this one, given what it needs from here: edit mode's
  // moderation and tools, the walk in the bar, and the columns drawn with them.
  var moderation = window.GalleryWallModeration({
    el: el, button: button, messages: d, state: state, editing: editing, command: command,
    render: render, renderColumn: renderColumn,
  });
  var edit = window.GalleryWallEdit({
    el: el, button: button, messages: d, state: state, editing: editing, isSingle: isSingle,
    steer: steer, say: say, hideNote: moderation.hideNote, fixNote: moderation.fixNote,
    render: render, renderColumn: renderColumn, fitter: fitter,
  });
  var walk = window.GalleryWallWalk(root, {
    el: el, state: state, command: command, render: render, socket: function () { return socket; },
  });
  var draw = window.GalleryWallColumns({
    el: el, messages: d, state: state, clustered: clustered, editing: editing, isSingle: isSingle,
    countLabel: countLabel, edit: edit, moderation: moderation, groupsAt: walk.groupsAt,
  });

  // The join block (address and QR code) can be hidden, e.g. once everyone is in.
  var joinButton = document.getElementById("toggle-join");
  function applyJoin() {
    var hidden = prefs.join === false;
    document.getElementById("wall-join").hidden = hidden;
    joinButton.textContent = hidden ? d.msgShowJoin : d.msgHideJoin;
  }
  if (joinButton) {
    applyJoin();
    joinButton.addEventListener("click", function () {
      prefs.join = prefs.join === false;
      savePrefs();
      applyJoin();
    });
  }

  // --- drawing -------------------------------------------------------------------------

  function updateTotal() {
    var n = 0;
    visibleStations().forEach(function (s) { n += (state.notes[s.token] || []).length; });
    total.textContent = n;
    if (totalLabel) totalLabel.textContent = n === 1 ? d.msgNote : d.msgNotes;
  }

  // A redraw while the facilitator drags a note or has a menu or name field open would
  // cancel what they are doing: hold the redraw of that column until they are done.
  var held = {};

  function busy(token) {
    var column = document.getElementById("column-" + token);
    if (!column) return false;
    if (column.querySelector(".sticky--dragging")) return true;
    var active = document.activeElement;
    return !!(active && column.contains(active) && active.matches("select, input, textarea"));
  }

  function release(token) {
    if (held[token] && !busy(token)) {
      delete held[token];
      renderColumn(token);
    }
  }

  columns.addEventListener("dragend", function (e) {
    var column = e.target.closest && e.target.closest(".column");
    if (column) window.setTimeout(function () { release(column.dataset.station); }, 0);
  });
  columns.addEventListener("focusout", function (e) {
    var column = e.target.closest && e.target.closest(".column");
    if (column) window.setTimeout(function () { release(column.dataset.station); }, 0);
  });

  // The space for the notes changes with the window and with the bar above them (a longer
  // count, the join block hidden): fit anew from all cards when it does.
  var space = "";
  function spaceNow() { return columns.clientWidth + "x" + columns.clientHeight; }
  function refit() {
    if (spaceNow() !== space) render();
  }
  if (window.ResizeObserver) new ResizeObserver(function () { window.requestAnimationFrame(refit); }).observe(columns);
  else window.addEventListener("resize", function () { window.requestAnimationFrame(refit); });

  function renderColumn(token) {
    if (busy(token)) { held[token] = true; return; }
    var old = document.getElementById("column-" + token);
    var station = state.stations.filter(function (s) { return s.token === token; })[0];
    if (!old || !station) return;
    var scroll = old.querySelector(".column__body").scrollTop;
    var before = draw.groupsOf(old);
    var fresh_ = draw.column(station, state.stations.indexOf(station));
    old.replaceWith(fresh_);
    fitter.fit(fresh_);
    fresh_.querySelector(".column__body").scrollTop = scroll;
    draw.markMoved(fresh_, before);
    updateTotal();
  }

  function render() {
    fitter.forget(); // a full redraw fits every column afresh
    var fragment = document.createDocumentFragment();
    visibleStations().forEach(function (s) {
      fragment.appendChild(draw.column(s, state.stations.indexOf(s)));
    });
    columns.replaceChildren(fragment);
    columns.style.setProperty("--columns", Math.max(1, visibleStations().length));
    root.classList.toggle("wall--edit", editing());
    // the bar first: its buttons' words set the room left for the columns
    if (viewButton) {
      viewButton.textContent = clustered() ? d.msgFlat : d.msgClustered;
      viewButton.setAttribute("aria-pressed", String(!clustered()));
    }
    if (editButton) {
      editButton.textContent = editing() ? d.msgDone : d.msgEdit;
      editButton.setAttribute("aria-pressed", String(editing()));
      editButton.hidden = !clustered();
    }
    updateTotal();
    fitter.fit();
    space = spaceNow(); // what this fit was for (the observer's first call then redraws nothing)
  }

  // --- state ---------------------------------------------------------------------------

  function load(reply) {
    state.stations = reply.stations;
    state.notes = {};
    state.byId = {};
    state.clusters = reply.clusters || {};
    reply.stations.forEach(function (s) { state.notes[s.token] = []; });
    reply.notes.forEach(function (n) {
      (state.notes[n.station] = state.notes[n.station] || []).push(n);
      state.byId[n.id] = n;
    });
    state.hiddenReplies = {};
    (reply.hidden_replies || []).forEach(function (r) {
      (state.hiddenReplies[r.note_id] = state.hiddenReplies[r.note_id] || []).push(Object.assign({ hidden: true }, r));
    });
    document.getElementById("wall-title").textContent = reply.workshop.title;
    walk.applyPhase(reply.workshop.phase);
    var dotsInput = document.getElementById("dots-input");
    if (dotsInput) dotsInput.value = reply.workshop.dots;
    if (reply.rotation) walk.applyRotation(reply.rotation); else render();
  }

  function updateNote(note) {
    var notes = state.notes[note.station];
    if (!notes) return;
    var index = notes.findIndex(function (n) { return n.id === note.id; });
    if (index === -1) { // restored: back in time order
      notes.push(note);
      notes.sort(function (a, b) { return a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id - b.id; });
    } else {
      notes[index] = note;
    }
    state.byId[note.id] = note;
    var back = {}; // a reply restored elsewhere (the moderation page) is no longer hidden
    (note.replies || []).forEach(function (r) { back[r.id] = true; });
    if (state.hiddenReplies[note.id]) {
      state.hiddenReplies[note.id] = state.hiddenReplies[note.id].filter(function (r) { return !back[r.id]; });
    }
    renderColumn(note.station);
  }

  function hideNote(m) {
    var notes = state.notes[m.station];
    if (!notes) return;
    state.notes[m.station] = notes.filter(function (n) { return n.id !== m.note_id; });
    delete state.byId[m.note_id];
    renderColumn(m.station);
  }

  function applyVotes(v) {
    (state.notes[v.station] || []).forEach(function (n) { n.votes = v.votes[String(n.id)] || 0; });
    renderColumn(v.station);
  }

  function applyClusters(data) {
    if (!data || !data.station) return;
    state.clusters[data.station] = data;
    renderColumn(data.station);
  }

  function addNote(note) {
    var notes = state.notes[note.station];
    if (!notes || state.byId[note.id]) return;
    notes.push(note);
    state.byId[note.id] = note;
    draw.arrived(note.id);
    if (!placeNew(note)) renderColumn(note.station);
  }

  // A new note's card goes into its column as the column stands ("Just in" on top) while the
  // column's fit holds, or holds once its fullest groups show a card or two fewer; only
  // otherwise is the column rebuilt and fitted afresh. Most notes cost one layout of one
  // column instead of a rebuilt column and several (bench/README.md, wall layout).
  function placeNew(note) {
    var token = note.station;
    var column = document.getElementById("column-" + token);
    if (!column || !clustered() || state.phase === "results" || busy(token) || held[token]) return false;
    var station = state.stations.filter(function (s) { return s.token === token; })[0];
    var body = column.querySelector(".column__body");
    var board = body.querySelector(".column__board") || body;
    var box = board.querySelector(".group--new");
    if (!box) box = board.insertBefore(draw.justIn(), board.firstChild);
    var list = box.lastChild;
    list.insertBefore(draw.sticky(note, station, null, "new"), list.firstChild);
    column.querySelector(".column__count").textContent = countLabel(state.notes[token].length);
    column.querySelector(".column__empty").hidden = true;
    if (!fitter.makeRoom(body, token)) return false;
    updateTotal();
    return true;
  }

  // The page brings the state as join_wall answers it: the wall is drawn at once, and the
  // first join's answer redraws it only if something changed in between (key order and the
  // clock's server_time and remaining aside: the clock takes the answer's).
  var drawn = null;
  function canonical(value) {
    return JSON.stringify(value, function (key, v) {
      if (key === "server_time" || key === "remaining" || key === "ok") return undefined;
      if (!v || typeof v !== "object" || Array.isArray(v)) return v;
      var sorted = {};
      Object.keys(v).sort().forEach(function (k) { sorted[k] = v[k]; });
      return sorted;
    });
  }

  function join() {
    socket.emit("join_wall", { workshop: d.workshop, key: d.key }, function (reply) {
      if (reply && reply.ok) {
        var same = drawn !== null && canonical(reply) === drawn;
        drawn = null;
        if (!same) load(reply);
        else if (reply.rotation) walk.retime(reply.rotation);
        status.textContent = "";
        root.classList.remove("wall--offline");
        joined = true;
        waiting.splice(0).forEach(function (go) { go(); });
      } else {
        status.textContent = (reply && reply.error && reply.error.message) || "";
      }
    });
  }

  function offline() {
    joined = false;
    status.textContent = d.msgOffline;
    root.classList.add("wall--offline");
  }

  if (viewButton) {
    viewButton.hidden = false;
    viewButton.addEventListener("click", function () {
      prefs.view = clustered() ? "flat" : "groups";
      savePrefs();
      render();
    });
  }
  if (editButton) {
    editButton.addEventListener("click", function () {
      prefs.edit = !editing();
      savePrefs();
      render();
    });
  }

  var page = document.getElementById("wall-state");
  if (page) {
    var initial = JSON.parse(page.textContent);
    drawn = canonical(initial);
    load(initial);
  }

  function connect() {
    if (socket || !window.io) return;
    socket = window.io({ reconnectionDelayMax: 5000 });
    socket.on("connect", join);
    socket.on("server_trouble", function (m) { say(m.messages[document.documentElement.lang] || m.messages.en); });
    socket.on("disconnect", offline);
    // A wall opened while the server is unreachable never sees "disconnect": say so.
    socket.on("connect_error", offline);
    socket.on("note_posted", addNote);
    socket.on("clusters_updated", applyClusters);
    socket.on("note_updated", updateNote);
    socket.on("note_hidden", hideNote);
    socket.on("votes_updated", applyVotes);
    socket.on("phase_changed", function (m) {
      if (m.workshop !== d.workshop) return;
      walk.applyPhase(m.phase);
      var dotsInput = document.getElementById("dots-input");
      if (dotsInput && document.activeElement !== dotsInput) dotsInput.value = m.dots;
      render();
    });
    socket.on("rotation_updated", walk.applyRotation);
    socket.on("station_updated", function (s) {
      state.stations = state.stations.map(function (old) { return old.token === s.token ? s : old; });
      render();
    });
    socket.on("station_removed", function (msg) {
      if (d.focus === msg.station) { window.location.href = d.wallUrl; return; }
      state.stations = state.stations.filter(function (s) { return s.token !== msg.station; });
      delete state.notes[msg.station];
      render();
    });
    socket.on("workshop_updated", join); // stations added or reordered: fetch the full state
  }
  // The deferred Socket.IO client runs after this inline script and before DOMContentLoaded;
  // without it (a failed download) the wall says it is offline.
  if (window.io) connect();
  else {
    document.addEventListener("DOMContentLoaded", function () {
      connect();
      if (!socket) offline();
    });
  }
})();
