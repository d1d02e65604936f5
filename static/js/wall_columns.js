/* A station's column on the wall, drawn from the state: its head (number, title, count, the
 * rotation's groups there) and its notes as groups by topic, as the ranked results, or as
 * one list; each note a sticky, with a ring while it is new or has just moved. wall.js
 * decides when a column is drawn; wall_fit.js then fits it to its box.
 *
 * GalleryWallColumns(ui) draws the columns of one wall page: `ui` gives el(), the page's
 * messages, the wall's state, clustered(), editing(), isSingle(), countLabel(), the edit
 * mode's tools (wall_edit.js), its moderation (wall_moderation.js) and groupsAt()
 * (wall_walk.js).
 */
(function () {
  "use strict";

  window.GalleryWallColumns = function (ui) {
    var d = ui.messages, el = ui.el, state = ui.state, clustered = ui.clustered, editing = ui.editing;
    var isSingle = ui.isSingle, countLabel = ui.countLabel, groupsAt = ui.groupsAt;
    var edit = ui.edit, dropTarget = edit.dropTarget, groupCount = edit.groupCount;
    var moderation = ui.moderation, repliesOf = moderation.repliesOf, replyMenu = moderation.replyMenu;
    var PALETTE = 8; // Okabe-Ito colours, in CSS (.group--g0 .. g7)
    // A note's ring (gallery.css) outlives the redraws of its column and goes on where it was:
    // note id -> when it arrived (a few seconds), or when the grouping moved it.
    var fresh = {}, moved = {};
    var NEW_FOR_MS = 5000, MOVED_FOR_MS = 1600; // the rings' lengths in gallery.css

    // Long German words break at a syllable with a hyphen, not mid-word, where the browser has
    // no dictionary (typography.js, inline before this script).
    var hyphenText = window.GalleryHyphenate ? window.GalleryHyphenate.hyphenText : function (t) { return t; };

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
      if (editing() && !groups) li.appendChild(moderation.moderationTools(note)); // the moves menu has them
      if (editing() && groups) edit.movable(li, note, station, groups);
      return li;
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
      if (editing()) head.appendChild(edit.groupActions(head, title, station, group, groups));
      return head;
    }

    function groupBox(station, group, groups, index, notes) {
      var box = el("section", "group group--g" + (index % PALETTE) + (group.pinned ? " group--pinned" : ""));
      box.dataset.cluster = group.id;
      if (editing() && edit.opened(station.token) === group.id) box.classList.add("group--opened");
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
      var first = editing() ? edit.opened(station.token) : null;
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
      if (editing() && clustered()) head.appendChild(edit.granularityTools(station));
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

    // A note just posted wears its ring for a few seconds, through its column's redraws.
    function arrived(id) {
      fresh[id] = window.performance.now();
      window.setTimeout(function () { delete fresh[id]; }, NEW_FOR_MS);
    }

    return {
      column: column,
      sticky: sticky,
      justIn: justIn,
      arrived: arrived,
      groupsOf: groupsOf,
      markMoved: markMoved,
    };
  };
})();
