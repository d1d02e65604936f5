/* The phone page of one station: post notes through the outbox, show everyone's notes live.
 * Without JavaScript the page is a plain form; this script takes over when it runs. */
(function () {
  "use strict";

  var form = document.getElementById("note-form");
  if (!form || !window.GalleryOutbox) return;
  var station = form.dataset.station;
  var msg = form.dataset;
  var textarea = document.getElementById("note-text");
  var authorInput = document.getElementById("note-author");
  var counter = document.getElementById("note-counter");
  var connection = document.getElementById("connection");
  var list = document.getElementById("notes");
  var empty = document.getElementById("notes-empty");
  var count = document.getElementById("note-count");
  var outboxList = document.getElementById("outbox");
  var outboxSection = document.getElementById("outbox-section");
  var maxLength = parseInt(msg.max, 10) || 500;
  var authorKey = "gallery.author";

  var outbox = new window.GalleryOutbox(station, {
    apiUrl: "/api/v1/stations/" + encodeURIComponent(station) + "/notes",
    onChange: renderOutbox,
    onSaved: function (note) { addNote(note, true); }
  });

  // --- notes list (text always goes in via textContent: never parsed as HTML) ---------

  function noteElement(note) {
    var li = document.createElement("li");
    li.className = "note";
    li.id = "note-" + note.id;
    li.dataset.id = note.id;
    li.dataset.clientId = note.client_id;
    var p = document.createElement("p");
    p.className = "note__text";
    p.textContent = note.text;
    li.appendChild(p);
    if (note.author) {
      var a = document.createElement("p");
      a.className = "note__author";
      a.textContent = "— " + note.author;
      li.appendChild(a);
    }
    if (outbox.isMine(note.client_id)) li.classList.add("note--mine");
    return li;
  }

  function updateCount() {
    var n = list.children.length;
    count.textContent = n;
    empty.hidden = n > 0;
  }

  function addNote(note, fresh) {
    if (note.station !== station || document.getElementById("note-" + note.id)) return;
    var el = noteElement(note);
    if (fresh) el.classList.add("note--new");
    list.insertBefore(el, list.firstChild); // newest first
    updateCount();
  }

  function replaceNotes(notes) {
    // Resync after (re)connect: the server's list is the truth; keep newest first.
    var fragment = document.createDocumentFragment();
    notes.forEach(function (note) { fragment.appendChild(noteElement(note)); });
    list.replaceChildren(fragment);
    updateCount();
  }

  // --- outbox view --------------------------------------------------------------------

  function renderOutbox(items) {
    outboxList.replaceChildren();
    var sending = Boolean(socket && socket.connected) && navigator.onLine !== false;
    items.forEach(function (item) {
      var li = document.createElement("li");
      li.className = "note note--pending note--" + item.state;
      var p = document.createElement("p");
      p.className = "note__text";
      p.textContent = item.text;
      li.appendChild(p);
      var state = document.createElement("p");
      state.className = "note__state";
      state.setAttribute("role", "status");
      if (item.state === "failed") {
        state.textContent = "✗ " + msg.msgFailed + ": " + item.error;
        var remove = document.createElement("button");
        remove.type = "button";
        remove.className = "button button--small";
        remove.textContent = msg.msgRemove;
        remove.addEventListener("click", function () {
          if (!textarea.value) textarea.value = item.text; // give the text back to edit
          outbox.remove(item.client_id);
        });
        li.appendChild(state);
        li.appendChild(remove);
      } else {
        // The icon is drawn by CSS: an emoji (⏳) shows as an empty box where no emoji font is.
        state.className += sending ? " note__state--sending" : " note__state--waiting";
        state.textContent = sending ? msg.msgSending : msg.msgWaiting;
        li.appendChild(state);
      }
      outboxList.appendChild(li);
    });
    outboxSection.hidden = items.length === 0;
  }

  // --- form ---------------------------------------------------------------------------

  function updateCounter() {
    var left = maxLength - textarea.value.length;
    counter.textContent = msg.msgLeft.replace("{n}", left);
    counter.classList.toggle("warn", left < 50);
  }

  if (authorInput) {
    try { authorInput.value = authorInput.value || window.localStorage.getItem(authorKey) || ""; } catch (e) { /* ignore */ }
  }
  textarea.addEventListener("input", updateCounter);
  updateCounter();

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var text = textarea.value.trim();
    var error = null;
    if (!text) error = msg.msgEmpty;
    else if (text.length > maxLength) error = msg.msgTooLong;
    var old = document.getElementById("note-error");
    if (old) old.remove();
    if (error) {
      var p = document.createElement("p");
      p.className = "error";
      p.id = "note-error";
      p.setAttribute("role", "alert");
      p.textContent = error;
      counter.parentNode.insertAdjacentElement("afterend", p);
      textarea.focus();
      return;
    }
    var author = authorInput ? authorInput.value.trim() : "";
    try { window.localStorage.setItem(authorKey, author); } catch (e) { /* ignore */ }
    outbox.add(text, author);
    textarea.value = "";
    updateCounter();
  });

  // --- live connection ----------------------------------------------------------------

  var socket = window.io({ reconnectionDelayMax: 10000 });
  outbox.socket = socket;

  function setStatus(online) {
    connection.textContent = online ? "● " + msg.msgOnline : "○ " + msg.msgOffline;
    connection.classList.toggle("status--offline", !online);
    renderOutbox(outbox.items);
  }

  socket.on("connect", function () {
    socket.emit("join_station", { station: station }, function (reply) {
      if (reply && reply.ok) {
        replaceNotes(reply.notes); // newest first, as the server sends them
        applyStation(reply.station);
      }
      setStatus(true);
      outbox.flush();
    });
  });
  socket.on("disconnect", function () { setStatus(false); });
  // A page opened without a connection never sees "disconnect": say so instead of nothing.
  socket.on("connect_error", function () { setStatus(false); });
  socket.on("note_posted", function (note) {
    outbox.confirmed(note);
    addNote(note, true);
  });
  socket.on("station_updated", applyStation);
  socket.on("station_removed", function () { window.location.reload(); });

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
    if (socket.connected) setStatus(true); // the socket survived the blip: no join ack comes
    outbox.flush();
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") {
      if (!socket.connected) socket.connect();
      outbox.flush();
    }
  });

  renderOutbox(outbox.items);
  outbox.flush(); // notes left from an earlier visit or reload go out now
})();
