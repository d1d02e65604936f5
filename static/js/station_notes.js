/* The station's notes on the phone: the list, newest first, kept live (new, edited, hidden,
 * restored notes; older pages fetched after the join's first one), each note with its
 * buttons: +1 and a reply while the room collects or reviews, dots in the vote. Only what a
 * reaction changed is redrawn, and the focus stays on the button that was pressed.
 *
 * GalleryStationNotes(list, ui) keeps one page's list (#notes; null on a page without one):
 * `ui` gives the page's messages, its station and phase, the outbox (outbox.js), el(),
 * emit() (a socket event with its answer), me() (this person's +1s, dots and group) and
 * applyMe() (a newer me from an answer).
 */
(function () {
  "use strict";

  window.GalleryStationNotes = function (list, ui) {
    var msg = ui.messages, station = ui.station, phase = ui.phase, outbox = ui.outbox;
    var el = ui.el, emit = ui.emit, applyMe = ui.applyMe;
    var empty = document.getElementById("notes-empty");
    var count = document.getElementById("note-count");
    var notesById = {};
    // Notes hidden by the facilitator: a batch of new notes sent by another server process can
    // arrive after the note_hidden for one of them.
    var hiddenIds = {};
    // A reply is sent as a note is (the note form's limit, the name given there).
    var form = document.getElementById("note-form");
    var authorInput = document.getElementById("note-author");
    var maxLength = form ? parseInt(form.dataset.max, 10) || 500 : 500;
    var authorKey = "gallery.author";
    var storage = window.GalleryOutbox.storage;

    function canReact() { return (phase === "collect" || phase === "review") && msg.locked !== "true"; }
    function canVote() { return phase === "vote" && msg.locked !== "true"; }

    // A note's buttons. Out of the list's live region (aria-live="off"): redrawn after a +1 or
    // a dot, they are not read out again; the dots left are (#dots-left).
    function actionsOf(note, li) {
      var me = ui.me();
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

    // --- +1, replies, dots ---------------------------------------------------------------

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

    function hideNote(noteId) {
      hiddenIds[noteId] = true;
      removeNote(noteId);
    }

    return {
      addNote: addNote,
      updateNote: updateNote,
      hideNote: hideNote,
      replaceNotes: replaceNotes,
      olderNotes: olderNotes,
      hyphenateSoon: hyphenateSoon,
    };
  };
})();
