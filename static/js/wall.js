/* The facilitator's wall: every station as a column of stickies, live.
 * The server's state is the truth: on every (re)connect the wall asks for it again
 * (join_wall) and redraws, so a wall never drifts from what is stored. */
(function () {
  "use strict";

  var root = document.getElementById("wall");
  if (!root) return;
  var d = root.dataset;
  var columns = document.getElementById("columns");
  var status = document.getElementById("wall-status");
  var total = document.getElementById("total-count");
  var totalLabel = document.getElementById("total-label"); // "note"/"notes" beside the total
  var state = { stations: [], notes: {} }; // notes: station token -> [note], oldest first

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text; // never innerHTML
    return node;
  }

  function visibleStations() {
    if (!d.focus) return state.stations;
    return state.stations.filter(function (s) { return s.token === d.focus; });
  }

  function sticky(note, fresh) {
    var li = el("li", "sticky" + (fresh ? " sticky--new" : ""));
    li.id = "wall-note-" + note.id;
    li.dataset.id = note.id;
    li.appendChild(el("p", "sticky__text", note.text));
    if (note.author) li.appendChild(el("p", "sticky__author", "— " + note.author));
    return li;
  }

  function countLabel(n) {
    return n + " " + (n === 1 ? d.msgNote : d.msgNotes);
  }

  function column(station, index) {
    var notes = state.notes[station.token] || [];
    var section = el("section", "column column--c" + (index % 8));
    section.id = "column-" + station.token;
    section.dataset.station = station.token;
    var head = el("header", "column__head");
    var title = el("h2", "column__title");
    title.appendChild(el("span", "column__number", station.number));
    title.appendChild(el("span", "column__name", station.title));
    head.appendChild(title);
    if (station.prompt) head.appendChild(el("p", "column__prompt", station.prompt));
    var meta = el("p", "column__meta");
    meta.appendChild(el("span", "column__count", countLabel(notes.length)));
    if (!d.focus) {
      var open = el("a", "column__open", d.msgOpen);
      open.href = d.stationUrl.replace("TOKEN", encodeURIComponent(station.token));
      meta.appendChild(open);
    }
    head.appendChild(meta);
    section.appendChild(head);
    var list = el("ol", "stickies");
    list.setAttribute("aria-label", station.title);
    notes.slice().reverse().forEach(function (n) { list.appendChild(sticky(n, false)); });
    section.appendChild(list);
    var empty = el("p", "column__empty", d.msgEmpty);
    empty.hidden = notes.length > 0;
    section.appendChild(empty);
    return section;
  }

  function updateTotal() {
    var n = 0;
    visibleStations().forEach(function (s) { n += (state.notes[s.token] || []).length; });
    total.textContent = n;
    if (totalLabel) totalLabel.textContent = n === 1 ? d.msgNote : d.msgNotes;
  }

  function render() {
    var fragment = document.createDocumentFragment();
    visibleStations().forEach(function (s) {
      fragment.appendChild(column(s, state.stations.indexOf(s)));
    });
    columns.replaceChildren(fragment);
    columns.style.setProperty("--columns", Math.max(1, visibleStations().length));
    updateTotal();
  }

  function load(reply) {
    state.stations = reply.stations;
    state.notes = {};
    reply.stations.forEach(function (s) { state.notes[s.token] = []; });
    reply.notes.forEach(function (n) {
      (state.notes[n.station] = state.notes[n.station] || []).push(n);
    });
    document.getElementById("wall-title").textContent = reply.workshop.title;
    render();
  }

  function addNote(note) {
    var notes = state.notes[note.station];
    if (!notes || notes.some(function (n) { return n.id === note.id; })) return;
    notes.push(note);
    var section = document.getElementById("column-" + note.station);
    if (!section) { updateTotal(); return; }
    var list = section.querySelector(".stickies");
    list.insertBefore(sticky(note, true), list.firstChild);
    section.querySelector(".column__count").textContent = countLabel(notes.length);
    section.querySelector(".column__empty").hidden = true;
    updateTotal();
  }

  var socket = window.io({ reconnectionDelayMax: 5000 });

  function join() {
    socket.emit("join_wall", { workshop: d.workshop, key: d.key }, function (reply) {
      if (reply && reply.ok) {
        load(reply);
        status.textContent = "";
        root.classList.remove("wall--offline");
      } else {
        status.textContent = (reply && reply.error && reply.error.message) || "";
      }
    });
  }

  function offline() {
    status.textContent = d.msgOffline;
    root.classList.add("wall--offline");
  }

  socket.on("connect", join);
  socket.on("disconnect", offline);
  // A wall opened while the server is unreachable never sees "disconnect": say so.
  socket.on("connect_error", offline);
  socket.on("note_posted", addNote);
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
})();
