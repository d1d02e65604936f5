/* Edit mode on the wall ("Gruppen bearbeiten"): the facilitator steers the grouping. A note
 * moves by its menu or by dragging it onto a group; a group's menu renames, pins, splits or
 * merges it and its count opens it; a column's tools ask for fewer or more groups or take
 * the expected topics. Each is a steering command (steer()): the server answers with the
 * station's new clusters and the column is drawn again.
 *
 * GalleryWallEdit(ui) makes the tools for one wall page: `ui` gives el() and button(), the
 * page's messages, the wall's state, editing(), isSingle(), steer(), say(), hideNote() and
 * fixNote() (wall_moderation.js), render(), renderColumn(token) and the fit (wall_fit.js).
 */
(function () {
  "use strict";

  window.GalleryWallEdit = function (ui) {
    var d = ui.messages, el = ui.el, button = ui.button, state = ui.state, editing = ui.editing;
    var isSingle = ui.isSingle, steer = ui.steer, say = ui.say;
    var hideNote = ui.hideNote, fixNote = ui.fixNote;
    var render = ui.render, renderColumn = ui.renderColumn, fitter = ui.fitter;
    var opened = {}; // station token -> the group opened in edit mode (its id, or "single")

    // A card in a group: dragged onto another group, or moved by its menu.
    function movable(li, note, station, groups) {
      li.draggable = true;
      li.addEventListener("dragstart", function (e) {
        e.dataTransfer.setData("text/plain", String(note.id));
        e.dataTransfer.effectAllowed = "move";
        li.classList.add("sticky--dragging");
      });
      li.addEventListener("dragend", function () { li.classList.remove("sticky--dragging"); });
      li.insertBefore(moveMenu(note, station, groups), li.firstChild); // floats beside the text
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
          hideNote(note);
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

    // Dragging a note near the top or bottom edge of a column scrolls it, should a column ever
    // be taller than its box (the fit keeps every drop target in view).
    document.addEventListener("dragover", function (e) {
      var body = e.target.closest && e.target.closest(".column__body");
      if (!body || !editing()) return;
      var r = body.getBoundingClientRect(), edge = Math.min(80, r.height / 4);
      if (e.clientY < r.top + edge) body.scrollTop -= 24;
      else if (e.clientY > r.bottom - edge) body.scrollTop += 24;
    });

    return {
      opened: function (token) { return opened[token]; },
      movable: movable,
      dropTarget: dropTarget,
      groupCount: groupCount,
      groupActions: groupActions,
      granularityTools: granularityTools,
    };
  };
})();
