/* The phone page of one station: show everyone's notes live, build on them (+1, replies),
 * spend dots in the vote phase, and follow the rotation. The note form and the outbox are
 * there before this script (outbox.js, inline in the page): this one gives the outbox the
 * live connection and draws the notes it saved. Without JavaScript the page is a plain form
 * and a read-only list. The server renders each phase; when the phase changes, the page
 * reloads (the outbox and an unsent draft are kept on the phone). */
(function () {
  "use strict";

  var root = document.getElementById("station");
  // The page's outbox, made by outbox.js with the note form before this script ran.
  var outbox = window.GalleryOutbox && window.GalleryOutbox.page;
  if (!root || !outbox) return;
  var msg = root.dataset;
  var station = msg.station;
  var phase = msg.phase;
  var form = document.getElementById("note-form");
  var authorInput = document.getElementById("note-author");
  var connection = document.getElementById("connection");
  var list = document.getElementById("notes");
  var empty = document.getElementById("notes-empty");
  var count = document.getElementById("note-count");
  var dotsLine = document.getElementById("dots");
  var dotsLeft = document.getElementById("dots-left-text");
  var maxLength = form ? parseInt(form.dataset.max, 10) || 500 : 500;
  var authorKey = "gallery.author";
  var me = { plus_ones: [], my_votes: {}, dots_left: 0, dots: 0, group: null };
  var notesById = {};
  // Notes hidden by the facilitator: a batch of new notes sent by another server process can
  // arrive after the note_hidden for one of them.
  var hiddenIds = {};
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
  var storage = window.GalleryOutbox.storage;

  // --- notes list ---------------------------------------------------------------------

  function canReact() { return (phase === "collect" || phase === "review") && msg.locked !== "true"; }
  function canVote() { return phase === "vote" && msg.locked !== "true"; }

  // A note's buttons. Out of the list's live region (aria-live="off"): redrawn after a +1 or
  // a dot, they are not read out again; the dots left are (#dots-left).
  function actionsOf(note, li) {
    var actions = el("p", "note__actions");
    actions.setAttribute("aria-live", "off");
    function button(className, text, role, action) {
      var b = el("button", className, text);
      b.type = "button";
      b.dataset.role = role;
      b.addEventListener("click", action);
      actions.appendChild(b);
      return b;
    }
    var count = note.plus_ones ? " · " + note.plus_ones : "";
    if (canReact()) {
      if (outbox.isMine(note.client_id)) {
        // Nobody +1s their own note: it says whose it is instead, and what it got.
        actions.appendChild(el("span", "badge badge--mine", msg.msgMine));
        if (note.plus_ones) actions.appendChild(el("span", "badge", "+1" + count));
      } else {
        // Given: pressed and marked, for good (the server keeps one +1 per person and note,
        // and has no taking back).
        var given = me.plus_ones.indexOf(note.id) !== -1;
        var plus = button("chip chip--plus", (given ? "✓ +1" : "+1") + count, "plus", function () {
          if (!given) plusOne(note.id);
        });
        plus.setAttribute("aria-pressed", String(given));
        if (given) plus.setAttribute("aria-disabled", "true");
        plus.setAttribute("aria-label", msg.msgPlus + (note.plus_ones ? " (" + note.plus_ones + ")" : ""));
      }
      var reply = button("chip", msg.msgReply, "reply", function () { toggleReplyForm(li, note, reply); });
      reply.setAttribute("aria-expanded", String(Boolean(li.querySelector(".reply-form"))));
    } else if (note.plus_ones) {
      actions.appendChild(el("span", "badge", "+1" + count)); // "+2" alone read like a score
    }
    li.classList.remove("note--voted");
    if (canVote()) {
      var mine = me.my_votes[String(note.id)] || 0;
      var give = button("chip chip--dot", "● " + msg.msgVote, "dot", function () { vote("vote_note", note.id); });
      give.disabled = me.dots_left <= 0;
      if (mine) {
        actions.appendChild(el("span", "badge badge--dots", msg.msgMyDots.replace("{n}", mine)));
        var back = button("chip", "−", "undot", function () { vote("unvote_note", note.id); });
        back.setAttribute("aria-label", msg.msgUnvote);
        li.classList.add("note--voted");
      }
    }
    actions.hidden = !actions.children.length;
    return actions;
  }

  function noteElement(note) {
    notesById[note.id] = note;
    var li = el("li", "note");
    li.id = "note-" + note.id;
    li.dataset.id = note.id;
    li.dataset.clientId = note.client_id;
    li.appendChild(el("p", "note__text", note.text));
    if (note.author) li.appendChild(el("p", "note__author", "— " + note.author));
    if (note.edited || note.paper) {
      li.appendChild(el("p", "note__meta", note.paper ? msg.msgPaper : msg.msgEdited));
    }
    if (outbox.isMine(note.client_id)) li.classList.add("note--mine");
    if (outbox.saved[note.client_id]) li.appendChild(el("p", "note__state note__state--saved", "✓ " + msg.msgSaved));
    li.appendChild(actionsOf(note, li));
    // A note brings its newest replies within a budget of bytes; the rest are counted.
    var earlier = (note.reply_count || 0) - (note.replies ? note.replies.length : 0);
    if (earlier > 0) li.appendChild(el("p", "note__meta", msg.msgEarlierReplies.replace("{n}", earlier)));
    if (note.replies && note.replies.length) {
      var replies = el("ul", "replies");
      replies.setAttribute("aria-label", msg.msgReplies);
      note.replies.forEach(function (r) {
        var item = el("li", "reply", r.text);
        if (r.author) item.appendChild(el("span", "reply__author", " — " + r.author));
        replies.appendChild(item);
      });
      li.appendChild(replies);
    }
    return li;
  }

  // Long words that cannot fit get hyphens where the browser has no dictionary (typography.js),
  // once per frame however many notes arrive.
  var hyphensDue = false;
  function hyphenateSoon() {
    if (hyphensDue || !window.GalleryHyphenate) return;
    hyphensDue = true;
    window.requestAnimationFrame(function () {
      hyphensDue = false;
      var texts = document.querySelectorAll("#station-title, #station-prompt, .note__text, .reply");
      Array.prototype.forEach.call(texts, window.GalleryHyphenate.hyphenate);
    });
  }

  function updateCount() {
    hyphenateSoon();
    if (!list) return;
    var n = list.children.length;
    count.textContent = n;
    empty.hidden = n > 0;
  }

  function addNote(note, fresh) {
    if (!list || note.station !== station || hiddenIds[note.id]) return;
    if (document.getElementById("note-" + note.id)) return;
    var node = noteElement(note);
    if (fresh) node.classList.add("note--new");
    list.insertBefore(node, list.firstChild); // newest first
    updateCount();
  }

  // Which of a note's buttons has the focus, to give it back once they are redrawn.
  function focused() {
    var active = document.activeElement;
    var li = active && active.dataset && active.dataset.role ? active.closest("li.note") : null;
    return li ? { note: li.id, role: active.dataset.role } : null;
  }

  function refocus(was) {
    var li = was && document.getElementById(was.note);
    if (!li) return;
    var same = li.querySelector('[data-role="' + was.role + '"]:not(:disabled)');
    var near = li.querySelector(".note__actions button:not(:disabled)"); // "Punkt geben" spent
    if (same || near) (same || near).focus();
  }

  // Only what the reactions changed is redrawn: the buttons, not the whole note, which the
  // list's live region would read out again.
  function sameText(a, b) {
    return a.text === b.text && a.author === b.author && a.edited === b.edited && a.paper === b.paper &&
      a.reply_count === b.reply_count && JSON.stringify(a.replies) === JSON.stringify(b.replies);
  }

  function redrawActions(li) {
    var note = notesById[li.dataset.id];
    var old = li.querySelector(".note__actions");
    if (note && old) old.replaceWith(actionsOf(note, li));
  }

  function updateNote(note) {
    if (!list || note.station !== station) return;
    delete hiddenIds[note.id]; // shown again (restored), or edited while visible
    var old = document.getElementById("note-" + note.id);
    if (!old) { insertInOrder(note); return; } // restored by the facilitator
    var before = notesById[note.id];
    var was = focused();
    if (before && sameText(before, note)) {
      notesById[note.id] = note;
      redrawActions(old);
      refocus(was);
      return;
    }
    if (old.contains(document.activeElement) && old.querySelector(".reply-form")) {
      // someone is typing a reply here: keep their form, refresh the rest later
      notesById[note.id] = note;
      return;
    }
    old.replaceWith(noteElement(note));
    refocus(was);
    hyphenateSoon();
  }

  function insertInOrder(note) {
    var node = noteElement(note);
    var after = Array.prototype.filter.call(list.children, function (li) {
      return parseInt(li.dataset.id, 10) < note.id;
    })[0];
    list.insertBefore(node, after || null);
    updateCount();
  }

  function removeNote(noteId) {
    var node = document.getElementById("note-" + noteId);
    if (node && list && list.contains(node)) { node.remove(); updateCount(); }
  }

  function replaceNotes(notes) {
    if (!list) return;
    var fragment = document.createDocumentFragment();
    notes.forEach(function (note) { fragment.appendChild(noteElement(note)); });
    list.replaceChildren(fragment);
    updateCount();
  }

  // The join brings the newest page of notes; the older ones follow a page at a time.
  function olderNotes(before) {
    if (!before) return;
    emit("more_notes", { station: station, before: before }, function (page) {
      if (!page || !page.ok) {
        var wait = page && page.error && page.error.retry_after;
        if (wait) window.setTimeout(function () { olderNotes(before); }, wait * 1000);
        return;
      }
      page.notes.forEach(function (note) {
        if (!document.getElementById("note-" + note.id) && !hiddenIds[note.id]) insertInOrder(note);
      });
      olderNotes(page.more);
    });
  }

  // After a dot: every note's buttons (whether one more can be given), in place.
  function redrawNotes() {
    if (!list) return;
    var was = focused();
    Array.prototype.forEach.call(list.children, redrawActions);
    refocus(was);
  }

  // --- +1, replies, dots -----------------------------------------------------------------

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

  function plusOne(noteId) {
    emit("plus_one", { note_id: noteId }, function (reply) {
      if (reply && reply.ok) {
        applyMe(reply.me);
        updateNote(reply.note);
      }
    });
  }

  function vote(event, noteId) {
    emit(event, { note_id: noteId }, function (reply) {
      if (reply && reply.ok) {
        applyMe(reply.me);
        redrawNotes();
        // Its buttons may have grown ("−" to take it back): all above the dots bar.
        var row = document.querySelector("#note-" + noteId + " .note__actions");
        if (row) row.scrollIntoView({ block: "nearest" });
      }
    });
  }

  function toggleReplyForm(li, note, opener) {
    var open = li.querySelector(".reply-form");
    if (open) { open.remove(); opener.setAttribute("aria-expanded", "false"); return; }
    opener.setAttribute("aria-expanded", "true");
    var replyForm = el("form", "reply-form stack");
    var id = "reply-" + note.id;
    var label = el("label", "label", msg.msgYourReply);
    label.htmlFor = id;
    var input = el("textarea", "input");
    input.id = id;
    input.rows = 2;
    var send = el("button", "button button--primary", msg.msgSendReply);
    send.type = "submit";
    var error = el("p", "error");
    error.hidden = true;
    error.setAttribute("role", "alert");
    replyForm.appendChild(label);
    replyForm.appendChild(input);
    replyForm.appendChild(send);
    replyForm.appendChild(error);
    // One client_id per reply being written: sending it twice (a lost ack) stores it once.
    var clientId = window.GalleryOutbox.newClientId();
    replyForm.addEventListener("submit", function (e) {
      e.preventDefault();
      var text = input.value.trim();
      if (!text) { input.focus(); return; }
      if (Array.from(text).length > maxLength) { // never cut: say so, the text stays
        error.textContent = msg.msgTooLong.replace("{n}", Array.from(text).length);
        error.hidden = false;
        return;
      }
      error.hidden = true;
      send.disabled = true;
      var author = authorInput ? authorInput.value.trim() : storage(authorKey) || "";
      var payload = { note_id: note.id, text: text, client_id: clientId };
      if (author) payload.author = author;
      emit("reply_note", payload, function (reply) {
        send.disabled = false;
        if (reply && reply.ok) {
          replyForm.remove();
          emit("join_station", { station: station }, function (state) {
            if (state && state.ok) replaceNotes(state.notes);
          });
          return;
        }
        // Not stored: the text stays in the box, so nothing is lost; say why.
        error.textContent = reply && reply.error ? reply.error.message : msg.msgReplyFailed;
        error.hidden = false;
      });
    });
    li.appendChild(replyForm);
    input.focus();
  }

  // --- the rotation -----------------------------------------------------------------------

  var walk = document.getElementById("walk");
  var walkData = walk.dataset;
  var rotation = null;
  var lastRound = null;

  var countdown = new window.GalleryClock.Countdown(renderWalk, function () {
    emit("get_rotation", { workshop: walkData.workshop }, function (reply) {
      if (reply && reply.ok) applyRotation(reply.rotation);
    });
  });

  function stationByIndex(i) { return rotation.stations[i]; }

  function renderWalk(left) {
    // In the results everyone reads where they stand: no "please go to station …" (the
    // server pauses the rotation when the results begin).
    // Once the walk is over and the room votes, its end is old news above the dots.
    var over = rotation && rotation.state === "finished";
    if (!rotation || rotation.mode !== "groups" || phase === "results" || (over && phase !== "collect")) {
      walk.hidden = true;
      return;
    }
    walk.hidden = false;
    // no round left to end: no signal to switch on
    document.getElementById("signal-toggle").parentNode.hidden = over;
    var picker = document.getElementById("group-picker");
    var go = document.getElementById("walk-go");
    var group = me.group;
    go.hidden = true;
    picker.hidden = Boolean(group) || over;
    document.getElementById("walk-dot").style.background = group ? window.GalleryClock.groupColour(group) : "transparent";
    document.getElementById("walk-group").textContent = group ? walkData.msgGroup.replace("{g}", group) : "";
    var where = "";
    var fmt = window.GalleryClock.format(left);
    var ending = over ? walkData.msgFinished : rotation.state === "idle" ? walkData.msgWaiting : "";
    // After "Ihre Gruppe: A" a sentence needs its dash: "Ihre Gruppe: A — Der Rundgang ist zu Ende."
    if (ending) where = (group ? "— " : "") + ending;
    else if (group) {
      var now = stationByIndex(rotation.positions[group]);
      var next = rotation.next_positions ? stationByIndex(rotation.next_positions[group]) : null;
      where = "— " + walkData.msgNow.replace("{n}", now.number) + " — " +
        (next ? walkData.msgNext.replace("{n}", next.number).replace("{t}", fmt)
              : walkData.msgLast.replace("{t}", fmt));
      if (rotation.state === "paused") where += " (" + walkData.msgPaused + ")";
      go.hidden = now.token === station;
      go.textContent = walkData.msgGo.replace("{n}", now.number).replace("{title}", now.title);
    } else {
      where = walkData.msgRoundEnds.replace("{t}", fmt); // no group chosen yet
    }
    document.getElementById("walk-where").textContent = where;
  }

  function applyRotation(state) {
    if (!state || state.workshop !== walkData.workshop) return;
    var moved = lastRound !== null && state.state === "running" && state.round !== lastRound;
    lastRound = state.round;
    rotation = state;
    countdown.update(state);
    if (moved && me.group) {
      // Vibration and sound where they reach the person; large on screen in any case.
      if (window.GalleryClock.signalsReach(walkData.workshop)) window.GalleryClock.signal();
      showRoundEnd();
      walk.classList.remove("walk--moved");
      void walk.offsetWidth; // restart the highlight
      walk.classList.add("walk--moved");
    }
  }

  var roundEnd = document.getElementById("round-end");
  function showRoundEnd() {
    var now = stationByIndex(rotation.positions[me.group]);
    // Where to be now, also when it is this page's station (the person went ahead).
    var where = now.token === station ? walkData.msgStay : walkData.msgGo;
    document.getElementById("round-end-go").textContent = where.replace("{n}", now.number).replace("{title}", now.title);
    roundEnd.hidden = false;
  }
  document.getElementById("round-end-ok").addEventListener("click", function () { roundEnd.hidden = true; });
  window.GalleryClock.signalButton(document.getElementById("signal-toggle"), walkData.workshop);

  function chooseGroup(name) {
    emit("join_group", { station: station, group: name }, function (reply) {
      if (reply && reply.ok) { me.group = reply.group; renderWalk(countdown.left()); }
    });
  }

  function buildPicker(groups) {
    var box = document.getElementById("group-buttons");
    if (box.dataset.groups === groups.join("")) return;
    box.dataset.groups = groups.join("");
    box.replaceChildren();
    groups.forEach(function (name) {
      var b = el("button", "button group-choice", name);
      b.type = "button";
      b.style.borderColor = window.GalleryClock.groupColour(name);
      b.addEventListener("click", function () { chooseGroup(name); });
      box.appendChild(b);
    });
  }

  document.getElementById("group-auto").addEventListener("click", function () { chooseGroup(null); });

  // --- live connection ----------------------------------------------------------------

  // A copy the service worker kept (static/js/sw.js), shown in a dead spot: its notes may be
  // old, and it says so until the live connection has brought the current ones.
  var offlineCopy = root.dataset.offlineCopy !== undefined;
  if (offlineCopy && list) list.classList.add("notes--stale");

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
          replaceNotes(reply.notes); // newest first, as the server sends them
          offlineCopy = false;
          if (list) list.classList.remove("notes--stale");
          olderNotes(reply.more);
          // The pages the server rendered are all coming now: no links to them.
          Array.prototype.forEach.call(document.querySelectorAll(".notes-paging"), function (p) { p.hidden = true; });
          applyStation(reply.station);
          buildPicker(reply.rotation.groups);
          applyRotation(reply.rotation);
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
        addNote(note, true);
      });
    });
    socket.on("note_updated", updateNote);
    socket.on("note_hidden", function (m) {
      if (m.station !== station) return;
      hiddenIds[m.note_id] = true;
      removeNote(m.note_id);
    });
    socket.on("phase_changed", function (m) { reloadFor(m.phase); });
    socket.on("rotation_updated", function (state) {
      buildPicker(state.groups);
      applyRotation(state);
    });
    socket.on("station_updated", function (s) {
      if (s.token === station && s.locked !== (msg.locked === "true")) { window.location.reload(); return; }
      applyStation(s);
    });
    socket.on("station_removed", function () { window.location.reload(); });
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
  outbox.whenSaved(function (note) { addNote(note, true); });
  outbox.onChange(outbox.items);
  hyphenateSoon();
  loadSocketClient(); // until it is connected, the outbox keeps sending over HTTP
})();
