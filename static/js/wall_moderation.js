/* Moderation on the wall in edit mode: a note's "Ausblenden" and "Text korrigieren", and a
 * reply's menu (hide it, restore it, correct it). wall_columns.js puts them on the cards.
 *
 * GalleryWallModeration(ui) makes them for one wall page: `ui` gives el() and button(), the
 * page's messages, the wall's state (its hidden replies too), editing(), command() (a
 * workshop command, answered by broadcast), render() and renderColumn(token).
 */
(function () {
  "use strict";

  window.GalleryWallModeration = function (ui) {
    var d = ui.messages, el = ui.el, button = ui.button, state = ui.state, editing = ui.editing;
    var command = ui.command, render = ui.render, renderColumn = ui.renderColumn;

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
      tools.appendChild(button(d.msgHide, "", function () { hideNote(note); }));
      tools.appendChild(button(d.msgFix, "", function () { fixNote(tools, note); }));
      return tools;
    }

    function hideNote(note) {
      if (window.confirm(d.msgHideConfirm)) command("hide_note", { note_id: note.id });
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

    return {
      repliesOf: repliesOf,
      replyMenu: replyMenu,
      moderationTools: moderationTools,
      hideNote: hideNote,
      fixNote: fixNote,
    };
  };
})();
