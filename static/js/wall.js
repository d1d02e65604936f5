/* The facilitator's wall: every station as a column, its notes grouped by topic, live.
 *
 * The server's state is the truth: on every (re)connect the wall asks for it again
 * (join_wall) and redraws, so a wall never drifts from what is stored. Steering (move a
 * note, rename / merge / split / pin a group, fewer or more groups) is sent to the server,
 * which answers with the station's new clusters; every wall then hears clusters_updated.
 * Controls show only in edit mode ("Gruppen bearbeiten"), so the projected wall stays calm.
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
  var PALETTE = 8; // Okabe-Ito colours, in CSS (.group--g0 .. g7)
  var state = { stations: [], notes: {}, byId: {}, clusters: {}, phase: "collect", rotation: null,
                hiddenReplies: {} }; // note id -> its hidden replies (edit mode shows them)
  // A note's ring (gallery.css) outlives the redraws of its column and goes on where it was:
  // note id -> when it arrived (a few seconds), or when the grouping moved it.
  var fresh = {}, moved = {};
  var NEW_FOR_MS = 5000, MOVED_FOR_MS = 1600; // the rings' lengths in gallery.css
  var opened = {}; // station token -> the group opened in edit mode (its id, or "single")
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

  // Long German words break at a syllable with a hyphen, not mid-word, where the browser has
  // no dictionary (typography.js, inline before this script).
  var hyphenText = window.GalleryHyphenate ? window.GalleryHyphenate.hyphenText : function (t) { return t; };

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

  function showVotes() { return state.phase === "vote" || state.phase === "results"; }

  function ranked(notes) {
    if (state.phase !== "results") return notes;
    return notes.slice().sort(function (a, b) { return (b.votes || 0) - (a.votes || 0) || a.id - b.id; });
  }

  function stickyMeta(note) {
    var meta = el("p", "sticky__meta");
    if (showVotes() && note.votes) meta.appendChild(dots(note.votes));
    // "+1 · 3" as on the phones: a bare "+3" read like the "+3" of cards held back
    if (note.plus_ones) meta.appendChild(el("span", "sticky__plus", "+1 · " + note.plus_ones));
    if (state.phase === "results" && note.replies && note.replies.length) {
      var replies = el("span", "sticky__reply-count", "↳ " + note.replies.length);
      replies.title = note.replies.length + " " + d.msgReplies;
      meta.appendChild(replies);
    }
    return meta.children.length ? meta : null;
  }

  function dots(n) {
    var badge = el("span", "sticky__dots", "● " + n);
    badge.title = n + " " + d.msgDots;
    return badge;
  }

  function stickyReplies(note) {
    // In the results the count stands in the meta line: the ranking is what the room reads.
    var replies = repliesOf(note);
    if (!replies.length || state.phase === "results") return null;
    var list = el("ul", "sticky__replies");
    list.setAttribute("aria-label", d.msgReplies);
    replies.forEach(function (r) {
      var item = el("li", "sticky__reply" + (r.hidden ? " sticky__reply--hidden" : ""));
      if (editing()) item.appendChild(replyMenu(item, r));
      if (r.hidden) item.appendChild(el("span", "visually-hidden", d.msgHidden + ": "));
      item.appendChild(document.createTextNode(r.text + (r.author ? " — " + r.author : "")));
      list.appendChild(item);
    });
    return list;
  }

  // --- replies in edit mode: hide, restore, correct ------------------------------------

  function byTime(a, b) {
    return a.created_at < b.created_at ? -1 : a.created_at > b.created_at ? 1 : a.id - b.id;
  }

  // A note's replies as the wall shows them: the visible ones; in edit mode the hidden ones
  // too (dimmed, to restore), in their place in time.
  function repliesOf(note) {
    var shown = note.replies || [];
    var hidden = editing() ? state.hiddenReplies[note.id] || [] : [];
    return hidden.length ? shown.concat(hidden).sort(byTime) : shown;
  }

  // One narrow menu a reply, as a note's and a group's: hide or restore it, correct it.
  function replyMenu(item, reply) {
    var label = el("label", "sticky__reply-menu");
    label.appendChild(el("span", "visually-hidden", d.msgThisReply));
    var select = el("select", "sticky__reply-select");
    select.title = d.msgThisReply;
    select.appendChild(new Option("⋯", ""));
    if (reply.hidden) select.appendChild(new Option(d.msgShowAgain, "restore"));
    else select.appendChild(new Option(d.msgHide, "hide"));
    select.appendChild(new Option(d.msgCorrect, "fix"));
    select.addEventListener("change", function () {
      var value = select.value;
      select.value = "";
      select.blur(); // done: the column may redraw (it waits while a menu has the focus)
      if (value === "hide" || value === "restore") {
        command(value + "_reply", { reply_id: reply.id }, replyChanged);
      } else if (value === "fix") replyFixForm(item, reply);
    });
    label.appendChild(select);
    return label;
  }

  function replyFixForm(item, reply) {
    fixForm(item, reply.text, d.msgCorrect, 2, function (text) {
      command("edit_reply", { reply_id: reply.id, text: text }, replyChanged);
    });
  }

  // The answer to hide_reply, restore_reply or edit_reply: the wall knows the hidden replies
  // only from its state and these answers (phones never hear of them); a visible reply's
  // change also comes as note_updated, which may arrive before or after this.
  function replyChanged(ack) {
    var reply = ack.reply, note = reply && state.byId[reply.note_id];
    if (!note) return;
    var others = function (r) { return r.id !== reply.id; };
    var hidden = (state.hiddenReplies[note.id] || []).filter(others);
    note.replies = (note.replies || []).filter(others);
    if (reply.hidden) hidden.push(reply); else note.replies.push(reply);
    state.hiddenReplies[note.id] = hidden.sort(byTime);
    note.replies.sort(byTime);
    renderColumn(note.station);
  }

  function moderationTools(note) {
    var tools = el("p", "sticky__tools");
    tools.appendChild(button(d.msgHide, "", function () {
      if (window.confirm(d.msgHideConfirm)) command("hide_note", { note_id: note.id });
    }));
    tools.appendChild(button(d.msgFix, "", function () { fixNote(tools, note); }));
    return tools;
  }

  function fixNote(node, note) {
    fixForm(node, note.text, d.msgFix, 3, function (text) {
      command("edit_note", { note_id: note.id, text: text });
    });
  }

  // A correction in place of `node` (a note's tools or menu, a reply): the text in a field,
  // sent by `send(text)`; saving or Escape redraws the wall.
  function fixForm(node, text, label, rows, send) {
    var form = el("form", "sticky__fix");
    var input = el("textarea", "group__input");
    input.value = text;
    input.rows = rows;
    input.maxLength = 500;
    input.setAttribute("aria-label", label);
    form.appendChild(input);
    form.appendChild(button(d.msgSave, "", function () { form.requestSubmit(); }));
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      send(input.value);
      render();
    });
    input.addEventListener("keydown", function (e) { if (e.key === "Escape") render(); });
    node.replaceWith(form);
    input.focus();
  }

  // --- stickies ------------------------------------------------------------------------

  function sticky(note, station, groups, groupId) {
    return build(el("li"), note, station, groups, groupId);
  }

  // A group's third card and those after it start as shells (hidden, with the note's text
  // alone, so the page still holds every note), built when the fit first shows them
  // (wall_fit.js reveal()): on a full wall most cards are held back, and building each with its
  // menus was a good part of the first drawing (bench/README.md, wall layout).
  var SHOWN_AT_FIRST = 2;
  function card(note, station, groups, groupId, index, whole) {
    if (whole || index < SHOWN_AT_FIRST || note.id in fresh) return sticky(note, station, groups, groupId);
    var li = el("li", "sticky");
    li.id = "wall-note-" + note.id;
    li.dataset.id = note.id;
    if (groupId) li.dataset.group = groupId;
    li.hidden = true;
    li.appendChild(el("p", "sticky__text", hyphenText(note.text)));
    li.build = function () {
      li.build = null;
      li.replaceChildren();
      build(li, note, station, groups, groupId);
    };
    return li;
  }

  function build(li, note, station, groups, groupId) {
    li.className = "sticky";
    ring(li, note.id);
    li.id = "wall-note-" + note.id;
    li.dataset.id = note.id;
    if (groupId) li.dataset.group = groupId;
    li.appendChild(el("p", "sticky__text", hyphenText(note.text)));
    if (note.author) li.appendChild(el("p", "sticky__author", "— " + note.author));
    var meta = stickyMeta(note);
    if (meta) li.appendChild(meta);
    var replies = stickyReplies(note);
    if (replies) li.appendChild(replies);
    if (editing() && !groups) li.appendChild(moderationTools(note)); // the moves menu has them
    if (editing() && groups) {
      li.draggable = true;
      li.addEventListener("dragstart", function (e) {
        e.dataTransfer.setData("text/plain", String(note.id));
        e.dataTransfer.effectAllowed = "move";
        li.classList.add("sticky--dragging");
      });
      li.addEventListener("dragend", function () { li.classList.remove("sticky--dragging"); });
      li.insertBefore(moveMenu(note, station, groups), li.firstChild); // floats beside the text
    }
    return li;
  }

  // The keyboard and menu way to move a note: a labelled select on every sticky.
  function moveMenu(note, station, groups) {
    var label = el("label", "sticky__move");
    var span = el("span", "visually-hidden", d.msgThisNote);
    var select = el("select", "sticky__select");
    select.title = d.msgMoveTo + " …";
    // A narrow menu beside the text (the card stays as tall as in the overview, so edit mode
    // fits the screen as the overview does); its options say what it does.
    select.appendChild(new Option("⇄", ""));
    // The note's own actions share the menu (one control per sticky keeps edit mode compact);
    // the moves come last, so End still picks "new group".
    var actions = el("optgroup", "");
    actions.label = d.msgThisNote;
    actions.appendChild(new Option(d.msgHide, "!hide"));
    actions.appendChild(new Option(d.msgFix, "!fix"));
    select.appendChild(actions);
    var moves = el("optgroup", "");
    moves.label = d.msgMoveTo;
    var single = false;
    groups.forEach(function (g) {
      var mine = g.note_ids.indexOf(note.id) !== -1;
      if (isSingle(g, g.note_ids.length)) { single = single || mine; return; } // never a note as a group
      if (!mine) moves.appendChild(new Option(g.label || "–", g.id));
    });
    moves.appendChild(new Option(d.msgNewGroup, "new"));
    if (!single) moves.appendChild(new Option(d.msgSingles, "single"));
    select.appendChild(moves);
    select.addEventListener("change", function () {
      var value = select.value;
      if (value === "!hide") {
        select.value = "";
        if (window.confirm(d.msgHideConfirm)) command("hide_note", { note_id: note.id });
      } else if (value === "!fix") {
        select.value = "";
        fixNote(label, note);
      } else if (value) {
        steer("move_note", station.token, { note_id: note.id, cluster: value });
      }
    });
    label.appendChild(span);
    label.appendChild(select);
    return label;
  }

  function openGroup(token, key) {
    if (key) opened[token] = key; else delete opened[token];
    fitter.forget(token); // the column fits afresh around the opened group
    renderColumn(token);
  }

  function dropTarget(node, station, clusterId) {
    if (!editing()) return;
    node.addEventListener("dragover", function (e) {
      e.preventDefault();
      e.dataTransfer.dropEffect = "move";
      node.classList.add("drop--over");
    });
    node.addEventListener("dragleave", function () { node.classList.remove("drop--over"); });
    node.addEventListener("drop", function (e) {
      e.preventDefault();
      node.classList.remove("drop--over");
      var id = parseInt(e.dataTransfer.getData("text/plain"), 10);
      var note = state.byId[id];
      if (!id || !note) return say(d.msgDropNothing);
      if (note.station !== station.token) return say(d.msgDropOtherStation); // notes stay at their station
      steer("move_note", station.token, { note_id: id, cluster: clusterId });
    });
  }

  // --- groups --------------------------------------------------------------------------

  // A group's header: its label and count; in edit mode the count opens the group (all its
  // cards, the others folded if need be) and one menu holds the group's own actions, so a
  // group's header stays one line on the projector.
  function groupHeader(station, group, groups) {
    var head = el("header", "group__head");
    var title = el("h3", "group__label", hyphenText(group.label || "–"));
    head.appendChild(title);
    head.appendChild(groupCount(station, group.id, group.note_ids.length));
    if (group.pinned) head.appendChild(el("span", "group__pin", d.msgPinned));
    if (editing()) head.appendChild(groupActions(head, title, station, group, groups));
    return head;
  }

  function groupCount(station, key, n) {
    if (!editing()) return el("span", "group__count", n);
    var open = opened[station.token] === key;
    var count = button(String(n), "group__count", function () { openGroup(station.token, open ? null : key); },
                       d.msgOpenGroup.replace("{n}", n));
    count.setAttribute("aria-expanded", String(open));
    return count;
  }

  function groupActions(head, title, station, group, groups) {
    var label = el("label", "group__actions");
    label.appendChild(el("span", "visually-hidden", d.msgGroupActions));
    var select = el("select", "");
    select.title = d.msgGroupActions;
    select.appendChild(new Option("⋯", ""));
    select.appendChild(new Option(d.msgRename, "!rename"));
    select.appendChild(new Option(group.pinned ? d.msgUnpin : d.msgPin, "!pin"));
    if (group.note_ids.length > 1) select.appendChild(new Option(d.msgSplit, "!split"));
    var others = groups.filter(function (g) { return g.id !== group.id; });
    if (others.length) {
      var merge = el("optgroup", "");
      merge.label = d.msgMerge;
      others.forEach(function (g) { merge.appendChild(new Option(g.label || "–", g.id)); });
      select.appendChild(merge);
    }
    select.addEventListener("change", function () {
      var value = select.value;
      select.value = "";
      if (value === "!rename") renameForm(head, title, station, group);
      else if (value === "!pin") steer("pin_cluster", station.token, { cluster: group.id, pinned: !group.pinned });
      else if (value === "!split") steer("split_cluster", station.token, { cluster: group.id });
      else if (value) steer("merge_clusters", station.token, { clusters: [group.id, value] });
    });
    label.appendChild(select);
    return label;
  }

  function renameForm(head, title, station, group) {
    var form = el("form", "group__rename");
    var input = el("input", "group__input");
    input.value = group.label;
    input.maxLength = 60;
    input.setAttribute("aria-label", d.msgRename);
    form.appendChild(input);
    form.appendChild(button(d.msgSave, "", function () { form.requestSubmit(); }));
    form.addEventListener("submit", function (e) {
      e.preventDefault();
      steer("rename_cluster", station.token, { cluster: group.id, label: input.value });
    });
    input.addEventListener("keydown", function (e) {
      if (e.key === "Escape") render();
    });
    head.replaceChild(form, title);
    input.focus();
    input.select();
  }

  function groupBox(station, group, groups, index, notes) {
    var box = el("section", "group group--g" + (index % PALETTE) + (group.pinned ? " group--pinned" : ""));
    box.dataset.cluster = group.id;
    if (editing() && opened[station.token] === group.id) box.classList.add("group--opened");
    box.appendChild(groupHeader(station, group, groups));
    markFresh(box, notes);
    var list = el("ol", "stickies");
    var whole = box.classList.contains("group--opened"); // never capped: every card shows
    notes.forEach(function (n, i) { list.appendChild(card(n, station, groups, group.id, i, whole)); });
    box.appendChild(list);
    dropTarget(box, station, group.id);
    return box;
  }

  // A group that just got a note wears the new note's ring as a folded chip too (CSS), so the
  // room sees where a note went whose card the fit does not show.
  function markFresh(box, notes) {
    var since = null;
    notes.forEach(function (n) { if (n.id in fresh) since = Math.max(since === null ? -Infinity : since, fresh[n.id]); });
    if (since === null) return;
    box.classList.add("group--fresh");
    box.style.animationDelay = Math.round(since - window.performance.now()) + "ms";
  }

  // "Just in": the notes the clustering has not placed yet, newest first.
  function justIn() {
    var box = el("section", "group group--new");
    box.appendChild(el("header", "group__head")).appendChild(el("h3", "group__label", d.msgNew));
    box.appendChild(el("ol", "stickies"));
    return box;
  }

  // A single idea ("Einzelne Ideen"): one note in no pinned cluster, placed by the engine or
  // put there by the facilitator (then without a label); a note moved into a new group of its
  // own keeps its group.
  function isSingle(cluster, notes) {
    return notes === 1 && !cluster.pinned && (!cluster.manual || !cluster.label);
  }

  function clusteredBody(station, notes) {
    var body = document.createDocumentFragment();
    var data = state.clusters[station.token] || { clusters: [], granularity: 0 };
    var byId = state.byId;
    var present = {};
    notes.forEach(function (n) { present[n.id] = true; });
    var placed = {};
    var groups = [];
    var singles = [];
    data.clusters.forEach(function (c) {
      var ids = c.note_ids.filter(function (id) { return present[id]; });
      if (!ids.length && !c.pinned) return;
      ids.forEach(function (id) { placed[id] = true; });
      var g = { id: c.id, label: c.label, note_ids: ids, pinned: c.pinned, manual: c.manual };
      if (isSingle(c, ids.length)) singles.push(g); else groups.push(g);
    });
    var waiting = notes.filter(function (n) { return !placed[n.id]; });
    if (waiting.length) { // arrived a moment ago; the clustering places them shortly
      var box = justIn();
      waiting.slice().reverse().forEach(function (n) { box.lastChild.appendChild(sticky(n, station, null, "new")); });
      body.appendChild(box);
    }
    var all = groups.concat(singles);
    var order = groups.map(function (g, i) { return { g: g, i: i, votes: g.note_ids.reduce(function (sum, id) { return sum + (byId[id].votes || 0); }, 0) }; });
    if (state.phase === "results") order.sort(function (a, b) { return b.votes - a.votes || a.i - b.i; });
    // the group the facilitator opened comes first: it keeps its cards, the others fold first
    var first = editing() ? opened[station.token] : null;
    if (first) order.sort(function (a, b) { return (b.g.id === first) - (a.g.id === first); });
    order.forEach(function (o) {
      body.appendChild(groupBox(station, o.g, all, o.i, ranked(o.g.note_ids.map(function (id) { return byId[id]; }))));
    });
    if (singles.length) {
      var other = el("section", "group group--singles");
      var head = el("header", "group__head");
      head.appendChild(el("h3", "group__label", d.msgSingles));
      head.appendChild(groupCount(station, "single", singles.length));
      other.appendChild(head);
      var ol = el("ol", "stickies");
      singles.forEach(function (g, i) { ol.appendChild(card(byId[g.note_ids[0]], station, all, "singles", i, first === "single")); });
      other.appendChild(ol);
      dropTarget(other, station, "single");
      if (first === "single") {
        other.classList.add("group--opened");
        body.insertBefore(other, body.firstChild);
      } else body.appendChild(other);
    }
    if (editing()) {
      var zone = el("p", "group group--drop", d.msgDropNew);
      dropTarget(zone, station, "new");
      body.appendChild(zone);
    }
    return body;
  }

  // The results, made to be shown: groups and single ideas in one ranking by dots (a group
  // by the dots of its notes), each with its dot total; inside a group its notes by dots.
  function resultsBody(station, notes) {
    var body = document.createDocumentFragment();
    var data = state.clusters[station.token] || { clusters: [] };
    var byId = {};
    notes.forEach(function (n) { byId[n.id] = n; });
    var placed = {};
    var entries = [];
    data.clusters.forEach(function (c, i) {
      var members = c.note_ids.filter(function (id) { return byId[id]; });
      if (!members.length) return;
      members.forEach(function (id) { placed[id] = true; });
      var single = isSingle(c, members.length);
      entries.push({ label: single ? "" : c.label, notes: members.map(function (id) { return byId[id]; }), order: i });
    });
    notes.forEach(function (n) { if (!placed[n.id]) entries.push({ label: "", notes: [n], order: entries.length }); });
    entries.forEach(function (e) { e.votes = e.notes.reduce(function (sum, n) { return sum + (n.votes || 0); }, 0); });
    entries.sort(function (a, b) { return b.votes - a.votes || a.order - b.order; });
    entries.forEach(function (e, rank) {
      var box = el("section", "group result" + (e.label ? " group--g" + (e.order % PALETTE) : " result--single"));
      var head = el("header", "group__head");
      head.appendChild(el("span", "result__rank", (rank + 1) + "."));
      if (e.label) {
        head.appendChild(el("h3", "group__label", hyphenText(e.label)));
        head.appendChild(el("span", "group__count", e.notes.length));
      } else {
        // folded into the strip, a single idea's chip reads as its note, not a bare rank
        head.appendChild(el("h3", "group__label result__gist", e.notes[0].text));
      }
      if (e.votes) head.appendChild(dots(e.votes));
      box.appendChild(head);
      var list = el("ol", "stickies");
      ranked(e.notes).forEach(function (n) { list.appendChild(sticky(n, station, null)); });
      box.appendChild(list);
      body.appendChild(box);
    });
    return body;
  }

  function flatBody(station, notes) {
    var list = el("ol", "stickies");
    list.setAttribute("aria-label", station.title);
    var flat = state.phase === "results" ? ranked(notes) : notes.slice().reverse();
    flat.forEach(function (n) { list.appendChild(sticky(n, station, null)); });
    return list;
  }

  // --- columns -------------------------------------------------------------------------

  // The grouping controls (edit mode): "− N Gruppen +" asks the engine for exactly one group
  // fewer or more than the column shows ("Gruppen: N"); "Themen" takes the facilitator's
  // expected topics, which then are the groups; "zurück zum Vorschlag" appears once the
  // facilitator asked for something, and with "discard my changes too" also drops moves,
  // pins and names. A topics draft survives the column's redraws.
  var topicDrafts = {};
  function granularityTools(station) {
    var data = state.clusters[station.token] || { granularity: 0, clusters: [] };
    var clusters = data.clusters || [];
    var notes = 0;
    var count = clusters.filter(function (c) {
      var ids = c.note_ids.filter(function (id) { return state.byId[id]; });
      notes += ids.length;
      return ids.length > 0 ? !isSingle(c, ids.length) : c.pinned;
    }).length;
    var asked = data.groups; // null: the engine's own number
    var manual = clusters.some(function (c) { return c.manual || c.pinned; });
    var tools = el("div", "column__tools granularity");
    var fewer = button("−", "granularity__step", function () {
      steer("set_groups", station.token, { groups: Math.max(1, count - 1) });
    }, d.msgCoarserTitle);
    var more = button("+", "granularity__step", function () {
      steer("set_groups", station.token, { groups: count + 1 });
    }, d.msgFinerTitle);
    fewer.disabled = count <= 1; // never fewer than one group
    // as many groups as pairs of notes at most, and no further once the notes allowed no more
    more.disabled = count >= Math.floor(notes / 2) || (asked !== null && asked !== undefined && count < asked);
    tools.appendChild(fewer);
    var counted = count === 1 ? d.msgOneGroup : d.msgGroupCount.replace("{n}", count);
    tools.appendChild(el("span", "granularity__count", counted));
    tools.appendChild(more);
    var topics = topicsTools(station, data.topics || []);
    if ((asked === null || asked === undefined) && !data.granularity && !manual) {
      tools.appendChild(topics);
      return tools;
    }
    var discard = null;
    var reset = button(d.msgSuggestion, "granularity__reset", function () {
      steer("back_to_suggestion", station.token, { discard: !!(discard && discard.checked) });
    });
    reset.title = d.msgSuggestionTitle;
    tools.appendChild(reset);
    if (manual) {
      var label = el("label", "granularity__discard");
      discard = el("input");
      discard.type = "checkbox";
      label.appendChild(discard);
      label.appendChild(document.createTextNode(" " + d.msgDiscard));
      tools.appendChild(topics);
      tools.appendChild(label);
      return tools; // two lines: − N + "zurück", then "Themen" and the box
    }
    tools.appendChild(topics);
    return tools;
  }

  function topicsTools(station, topics) {
    var token = station.token;
    var box = el("span", "topics");
    var draft = topicDrafts[token];
    var toggle = button(d.msgTopics + (topics.length ? " (" + topics.length + ")" : ""), "topics__toggle", function () {
      topicDrafts[token] = draft ? null : { text: topics.join("\n") };
      render();
    });
    toggle.setAttribute("aria-expanded", draft ? "true" : "false");
    box.appendChild(toggle);
    if (!draft) return box;
    var form = el("form", "topics__form");
    var id = "topics-" + token;
    var label = el("label", "topics__label", d.msgTopicsLabel);
    label.htmlFor = id;
    var text = el("textarea", "topics__text");
    text.id = id;
    text.rows = 4;
    text.value = draft.text;
    text.addEventListener("input", function () { draft.text = text.value; });
    var apply = el("button", "wall-btn topics__apply", d.msgApply);
    apply.type = "submit";
    var cancel = button(d.msgCancel, "topics__cancel", function () {
      topicDrafts[token] = null;
      render();
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      topicDrafts[token] = null;
      steer("set_topics", token, { topics: text.value });
    });
    form.appendChild(label);
    form.appendChild(text);
    form.appendChild(apply);
    form.appendChild(cancel);
    box.appendChild(form);
    return box;
  }


  function column(station, index) {
    var notes = state.notes[station.token] || [];
    var section = el("section", "column column--c" + (index % 8));
    section.id = "column-" + station.token;
    section.dataset.station = station.token;
    var head = el("header", "column__head");
    var title = el("h2", "column__title");
    title.id = "column-title-" + station.token;
    section.setAttribute("aria-labelledby", title.id); // a named region per station
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
    var here = groupsAt(index);
    if (here) head.appendChild(here);
    if (editing() && clustered()) head.appendChild(granularityTools(station));
    section.appendChild(head);
    var body = el("div", "column__body" + (clustered() ? " column__body--groups" : ""));
    if (!clustered()) body.appendChild(flatBody(station, notes));
    else {
      var groups = state.phase === "results" && !editing() ? resultsBody(station, notes)
        : clusteredBody(station, notes);
      body.appendChild(d.focus ? focusBoard(groups) : groups);
    }
    section.appendChild(body);
    var empty = el("p", "column__empty", d.msgEmpty);
    empty.hidden = notes.length > 0;
    section.appendChild(empty);
    return section;
  }

  // One station full screen: its groups side by side on a board of as many columns as it has
  // groups (and fit the screen): two groups take half the width each, not two narrow columns
  // of eleven with nine left empty. The single ideas run across below them (gallery.css).
  function focusBoard(groups) {
    var board = el("div", "column__board");
    board.appendChild(groups);
    var side = board.querySelectorAll(".group:not(.group--singles):not(.group--drop)").length;
    board.style.setProperty("--groups", Math.max(1, side));
    return board;
  }

  // Which rotation groups are at this station now, and which come next.
  function groupsAt(index) {
    var r = state.rotation;
    if (!r || r.mode !== "groups" || r.state === "idle" || r.state === "finished") return null;
    var line = el("p", "column__groups");
    function chips(label, positions) {
      var names = Object.keys(positions || {}).filter(function (g) { return positions[g] === index; });
      if (!names.length) return;
      // label and its chips wrap as one: "Als Nächstes:" never stands alone at a line's end
      var set = el("span", "column__groups-set");
      set.appendChild(el("span", "column__groups-label", label));
      names.forEach(function (g) {
        var chip = el("span", "group-chip", g);
        chip.style.setProperty("--group", window.GalleryClock.groupColour(g));
        set.appendChild(chip);
      });
      line.appendChild(set);
    }
    chips(d.msgHere, r.positions);
    chips(d.msgNextHere, r.next_positions);
    return line.children.length ? line : null;
  }

  // --- the walk: phase, timer -----------------------------------------------------------

  var timer = document.getElementById("wall-timer");
  var countdown = new window.GalleryClock.Countdown(function (left) {
    var r = state.rotation;
    // "Rundgang beendet" while the room still collects; once it votes or sees the results the
    // walk is over and its line leaves the bar to the title
    var over = r && r.state === "finished" && state.phase !== "collect";
    if (!r || r.mode !== "groups" || r.state === "idle" || over) { timer.hidden = true; return; }
    timer.hidden = false;
    document.getElementById("wall-round").textContent = r.state === "finished" ? d.msgFinished
      : d.msgRound.replace("{n}", r.round).replace("{total}", r.rounds) + (r.state === "paused" ? " (" + d.msgPaused + ")" : "");
    document.getElementById("wall-clock").textContent = r.state === "finished" ? "" : window.GalleryClock.format(left);
  }, function () {
    if (socket) socket.emit("get_rotation", { workshop: d.workshop }, function (reply) {
      if (reply && reply.ok) applyRotation(reply.rotation);
    });
  });

  function applyRotation(r) {
    if (!r || r.workshop !== d.workshop) return;
    var moved = state.rotation && state.rotation.round !== r.round && r.state === "running";
    state.rotation = r;
    countdown.update(r);
    var groups = document.getElementById("groups-input");
    if (groups && document.activeElement !== groups) groups.value = r.mode === "groups" ? r.groups.length : 0;
    if (moved) window.GalleryClock.signal();
    render();
  }

  function applyPhase(phase) {
    state.phase = phase;
    document.querySelectorAll("#phase-buttons [data-phase]").forEach(function (b) {
      b.setAttribute("aria-pressed", String(b.dataset.phase === phase));
    });
    root.dataset.phase = phase;
    var banner = document.getElementById("wall-phase");
    var name = d["msgPhase" + phase.charAt(0).toUpperCase() + phase.slice(1)];
    if (banner && name) { banner.dataset.phase = phase; banner.textContent = name; }
    if (state.rotation) countdown.update(state.rotation);
  }

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

  document.querySelectorAll("#phase-buttons [data-phase]").forEach(function (b) {
    b.addEventListener("click", function () { command("set_phase", { workshop: d.workshop, phase: b.dataset.phase }); });
  });
  var dotsSave = document.getElementById("dots-save");
  if (dotsSave) {
    dotsSave.addEventListener("click", function () {
      command("set_phase", { workshop: d.workshop, dots: parseInt(document.getElementById("dots-input").value, 10) });
    });
  }
  document.querySelectorAll("#rotation-buttons [data-action]").forEach(function (b) {
    b.addEventListener("click", function () {
      var payload = { workshop: d.workshop, action: b.dataset.action };
      var groups = parseInt(document.getElementById("groups-input").value, 10);
      var minutes = parseFloat(document.getElementById("minutes-input").value);
      if (!isNaN(groups)) payload.groups = groups;
      if (!isNaN(minutes)) payload.minutes = minutes;
      command("rotation_command", payload);
    });
  });

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

  // A note that changed group is marked where it lands (it fades in with a blue ring), so the
  // room can follow where an idea went. Nothing flies across the wall: a card gliding to its
  // new place passed over the others on its way. Not when less motion was asked for (CSS).
  var calm = window.matchMedia ? window.matchMedia("(prefers-reduced-motion: reduce)") : null;

  function groupsOf(node) {
    var of = {};
    node.querySelectorAll(".sticky").forEach(function (s) { of[s.dataset.id] = s.dataset.group || ""; });
    return of;
  }

  function markMoved(node, before) {
    if (calm && calm.matches) return;
    node.querySelectorAll(".sticky").forEach(function (s) {
      var id = s.dataset.id, was = before[id];
      if (was === undefined || was === (s.dataset.group || "") || id in fresh) return;
      moved[id] = window.performance.now();
      window.setTimeout(function () { delete moved[id]; }, MOVED_FOR_MS);
      ring(s, id);
    });
  }

  // The card's ring, from where it was at its last drawing (a negative delay).
  function ring(li, id) {
    var since = id in fresh ? fresh[id] : moved[id];
    if (since === undefined) return;
    li.classList.add(id in fresh ? "sticky--new" : "sticky--moved");
    li.style.animationDelay = Math.round(since - window.performance.now()) + "ms";
  }

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
    var before = groupsOf(old);
    var fresh_ = column(station, state.stations.indexOf(station));
    old.replaceWith(fresh_);
    fitter.fit(fresh_);
    fresh_.querySelector(".column__body").scrollTop = scroll;
    markMoved(fresh_, before);
    updateTotal();
  }

  function render() {
    fitter.forget(); // a full redraw fits every column afresh
    var fragment = document.createDocumentFragment();
    visibleStations().forEach(function (s) {
      fragment.appendChild(column(s, state.stations.indexOf(s)));
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
    applyPhase(reply.workshop.phase);
    var dotsInput = document.getElementById("dots-input");
    if (dotsInput) dotsInput.value = reply.workshop.dots;
    if (reply.rotation) applyRotation(reply.rotation); else render();
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
    fresh[note.id] = window.performance.now();
    window.setTimeout(function () { delete fresh[note.id]; }, NEW_FOR_MS);
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
    if (!box) box = board.insertBefore(justIn(), board.firstChild);
    var list = box.lastChild;
    list.insertBefore(sticky(note, station, null, "new"), list.firstChild);
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
        else if (reply.rotation) { state.rotation = reply.rotation; countdown.update(reply.rotation); }
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

  // Dragging a note near the top or bottom edge of a column scrolls it, should a column ever
  // be taller than its box (the fit keeps every drop target in view).
  document.addEventListener("dragover", function (e) {
    var body = e.target.closest && e.target.closest(".column__body");
    if (!body || !editing()) return;
    var r = body.getBoundingClientRect(), edge = Math.min(80, r.height / 4);
    if (e.clientY < r.top + edge) body.scrollTop -= 24;
    else if (e.clientY > r.bottom - edge) body.scrollTop += 24;
  });

  // The walk and export menus close like menus: a click elsewhere or Escape.
  var menus = document.querySelectorAll(".wall__walk, .wall__export");
  document.addEventListener("click", function (e) {
    menus.forEach(function (m) { if (m.open && !m.contains(e.target)) m.open = false; });
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    menus.forEach(function (m) {
      if (m.open) { m.open = false; m.querySelector("summary").focus(); }
    });
  });

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
      applyPhase(m.phase);
      var dotsInput = document.getElementById("dots-input");
      if (dotsInput && document.activeElement !== dotsInput) dotsInput.value = m.dots;
      render();
    });
    socket.on("rotation_updated", applyRotation);
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
