/* The projected wall fits the screen (issue 18): wall.js builds the columns, this fits each
 * one to its box. A column never scrolls; what does not fit is made smaller, held back ("+7")
 * or folded into a strip of labels, in that order (see fit()).
 *
 * GalleryWallFit(columns, ui) makes the fit for one wall page: `columns` holds the columns;
 * `ui` gives el() and button() (wall.js builds every element), the page's messages and
 * settings (its data-* attributes: msgMore, msgMoreShort, msgMoreGroups, ..., focus) and
 * editing().
 */
(function () {
  "use strict";

  window.GalleryWallFit = function (columns, ui) {
    var d = ui.messages, el = ui.el, button = ui.button, editing = ui.editing;

    // The room sees one calm picture, never a scrollbar. When a column's notes do not fit:
    // first the type gets smaller down to COMFORT_PX; then the fullest groups show fewer cards,
    // down to two each (LEAST), and say how many they hold back ("+7"); then the type goes down to
    // FIT_MIN_PX (still readable from the back of the room); then groups from the bottom up fold
    // into a strip of labels and counts. A card is whole or not drawn; a note that just arrived
    // stays in sight. Each step finds its value by halving, since every measurement costs the
    // browser a layout (the columns are measured together, one layout for all: together()). A
    // new note starts from the column's last type size, so the notes do not change size at
    // every arrival. Edit mode fits the same way, so every group and drop target is in view
    // while dragging; a group the facilitator opens keeps all its cards and the others give
    // way first.
    var COMFORT_PX = 24;
    var FIT_MIN_PX = 18;
    var ROOM_TO_GROW = 0.06; // of the column's height, left empty beyond what the fit left
    // A column's groups show two cards each before any folds; one station full screen stands
    // its groups side by side, where one card each still shows every group, and growEach()
    // then fills the room under the shorter ones.
    var LEAST = d.focus ? 1 : 2;
    var fitted = {}; // station token -> how its column was last fitted (type size, cap, folds)

    function overflowing(body) { return body.scrollHeight > body.clientHeight; }

    function* shrink(body, floor) {
      var hi = parseFloat(window.getComputedStyle(body).fontSize), lo = floor;
      if (!(hi > lo)) return;
      body.style.fontSize = lo + "px";
      if (yield body) return;
      for (var i = 0; i < 4; i++) { // halve the gap between fitting and too big
        var mid = (lo + hi) / 2;
        body.style.fontSize = mid + "px";
        if (yield body) hi = mid; else lo = mid;
      }
      body.style.fontSize = lo + "px";
    }

    // In edit mode "+7" is a button that opens the group: every card can be reached to move it.
    function holdBack(group) {
      var hidden = group.querySelectorAll(".sticky[hidden]").length;
      var more = group.querySelector(".group__more");
      if (!more && !hidden) return;
      if (!more) {
        var count = group.querySelector(".group__count");
        more = count && count.tagName === "BUTTON"
          ? button("", "group__more", function () { count.click(); }) : el("span", "group__more");
        group.querySelector(".group__head").insertBefore(more, count ? count.nextSibling : null);
      }
      // words, not "+10": a bare "+n" on the wall reads like +1s
      more.textContent = d.msgMoreShort.replace("{n}", hidden);
      more.title = hidden === 1 ? d.msgMoreOne : d.msgMore.replace("{n}", hidden);
      more.hidden = hidden === 0;
    }

    function cardsOf(group) { return group.querySelectorAll(".sticky"); }

    // A card shown or held back; one shown for the first time may still be wall.js's shell,
    // built now.
    function reveal(card, shown) {
      if (shown && card.build) card.build();
      card.hidden = !shown;
    }

    function openGroups(body) {
      return Array.prototype.slice.call(body.querySelectorAll(".group:not(.group--drop):not(.group--folded)"));
    }

    // The open groups but "Just in": it never folds, and a fold counts the column's own groups.
    function ownGroups(body) {
      return openGroups(body).filter(function (g) { return !g.classList.contains("group--new"); });
    }

    // The groups whose cards may be held back: all but the one the facilitator opened.
    function cappable(body) {
      return openGroups(body).filter(function (g) { return !g.classList.contains("group--opened"); });
    }

    // Each group shows at most `cap` cards, a note just in among them; the rest are counted.
    function capAt(groups, cap) {
      groups.forEach(function (g) {
        var cards = cardsOf(g);
        var show = Math.min(cap, cards.length);
        for (var i = 0; i < cards.length; i++) reveal(cards[i], i < show);
        for (var j = show; j < cards.length && show > 0; j++) {
          if (cards[j].classList.contains("sticky--new")) {
            cards[show - 1].hidden = true;
            reveal(cards[j], true);
            break;
          }
        }
        holdBack(g);
      });
    }

    // The largest cap of at least `least` cards a group that fits; false when even that does not
    // (tried first: on a full wall it is the common answer, and the cheaper layout).
    function* capCards(body, groups, least) {
      var most = least;
      groups.forEach(function (g) { most = Math.max(most, cardsOf(g).length); });
      var lo = least, hi = most;
      capAt(groups, lo);
      if (yield body) return false;
      capAt(groups, most);
      if (!(yield body)) return true;
      while (hi - lo > 1) {
        var mid = (lo + hi) >> 1;
        capAt(groups, mid);
        if (yield body) hi = mid; else lo = mid;
      }
      capAt(groups, lo);
      return true;
    }

    // Groups fold from the bottom up into a strip of labels and counts; when even that is too
    // long, its last chips give way to "+N" before the top group gives up its cards (the room
    // should see some notes), and the top group folds only as the very last resort. In edit
    // mode, where a chip is a drop target, the top group keeps two cards (or one) and the
    // chips give way only as far as that needs. Returns how many folded and how many chips
    // gave way.
    function* fold(body) {
      var groups = ownGroups(body), mine = body.querySelector(".group--opened:not(.group--folded)");
      if (mine) groups = [mine].concat(groups.filter(function (g) { return g !== mine; })); // folds last
      var folded = yield* foldFewest(body, groups);
      var dropped = 0;
      if (editing() && groups.length) dropped = yield* keepCards(body, groups[0], folded);
      else while (dropped < folded && (yield body)) dropChip(body, ++dropped);
      if ((yield body) && groups.length && !(yield* capCards(body, [groups[0]], 0))) {
        foldInto(strip(body), groups[0]);
        folded++;
      }
      while (dropped < folded && (yield body)) dropChip(body, ++dropped);
      return { folded: folded, dropped: dropped };
    }

    // Edit mode: the top group shows as many cards as fit with every chip in view, and at least
    // two (one if two cannot fit even with every chip given way), for which the fewest last
    // chips give way. Returns how many gave way (0 when nothing fits: the caller goes on).
    function* keepCards(body, top, chips) {
      if (!(yield body)) return 0;
      for (var least = Math.min(2, cardsOf(top).length); least > 0; least--) {
        if (yield* capCards(body, [top], least)) return 0;
        var dropped = 0;
        while (dropped < chips && (yield body)) dropChip(body, ++dropped);
        if (!(yield body)) return dropped;
        undrop(body);
      }
      return 0;
    }

    // Every chip back in the strip.
    function undrop(body) {
      var into = strip(body), more = into.querySelector(".column__more");
      into.querySelectorAll(".group[hidden]").forEach(function (g) { g.hidden = false; });
      if (more) more.remove();
    }

    // The fewest groups from the bottom (all but the top one at most) whose folding makes the
    // column fit, found by halving; all but the top one folded when none does.
    function* foldFewest(body, groups) {
      var most = groups.length - 1;
      if (most < 1) return 0;
      setFolded(body, groups, 0, most);
      if (yield body) return most;
      var lo = 0, hi = most, now = most;
      while (hi - lo > 1) {
        var mid = (lo + hi) >> 1;
        now = setFolded(body, groups, now, mid);
        if (yield body) lo = mid; else hi = mid;
      }
      setFolded(body, groups, now, hi);
      return hi;
    }

    // From `from` groups folded (the bottom ones) to `to`; the strip keeps the groups' order.
    function setFolded(body, groups, from, to) {
      var n = groups.length;
      for (var k = from; k < to; k++) foldInto(strip(body), groups[n - 1 - k]);
      for (var j = from; j > to; j--) unfoldFirst(strip(body)); // groups[n - j]
      return to;
    }

    // The strip's first chip (the top-most folded group) back in its place above the strip.
    function unfoldFirst(into) {
      var group = into.querySelector(".group");
      group.classList.remove("group--folded");
      return putBack(into, group);
    }

    // A group unfolded stands after the open groups: above the strip, or at the end of the
    // board where one station full screen stands its groups side by side.
    function putBack(into, group) {
      var board = into.parentNode.querySelector(".column__board");
      if (board && !board.contains(into)) return board.appendChild(group);
      return into.parentNode.insertBefore(group, into);
    }

    function strip(body) {
      // above the field for a new group, which stays the column's last drop target
      var into = body.querySelector(".column__folded");
      if (into) return into;
      var zone = body.querySelector(".group--drop");
      return zone ? zone.parentNode.insertBefore(el("div", "column__folded"), zone)
        : body.appendChild(el("div", "column__folded"));
    }

    function foldInto(into, group) {
      group.classList.add("group--folded");
      into.insertBefore(group, into.firstChild);
    }

    // The strip's last `n` chips give way to one "+n".
    function dropChip(body, n) {
      var into = strip(body);
      var chips = into.querySelectorAll(".group");
      chips[chips.length - n].hidden = true;
      var more = into.querySelector(".column__more") || into.appendChild(el("span", "group__more column__more"));
      more.textContent = more.title = n === 1 ? d.msgMoreGroup : d.msgMoreGroups.replace("{n}", n);
    }

    // Folding goes group by group, so it can free more room than was missing (or the column
    // lost a group since its last fit): folded groups come back, the top one first, while the
    // column fits with them showing as many cards as the open groups do (at least one), one
    // layout each. Returns how many came back.
    function* unfold(body, folds) {
      var back = 0, into = body.querySelector(".column__folded"), cap = shownCap(body);
      while (into && cap > 0 && folds.dropped === 0 && back < folds.folded) {
        var group = unfoldFirst(into);
        capAt([group], cap);
        var over = yield body;
        if (over && cap > LEAST) { // no open group to match (all folded, or none holds back)
          cap = LEAST;
          capAt([group], cap);
          over = yield body;
        }
        if (over) {
          foldInto(into, group);
          break;
        }
        back++;
      }
      if (into && !into.querySelector(".group")) into.remove();
      return back;
    }

    // How many cards the open groups show: the most any group holding cards back shows, or
    // all of them (Infinity) when none does.
    function shownCap(body) {
      var cap = -1;
      cappable(body).forEach(function (g) {
        if (g.querySelector(".sticky[hidden]")) cap = Math.max(cap, g.querySelectorAll(".sticky:not([hidden])").length);
      });
      return cap === -1 ? Infinity : cap;
    }

    // Fold as the last fit did: the same number of groups from the bottom, the same chips away.
    function refold(body, last) {
      var groups = ownGroups(body);
      for (var k = groups.length - 1; k >= Math.max(0, groups.length - last.folded); k--) {
        foldInto(strip(body), groups[k]);
      }
      for (var n = 1; n <= last.dropped; n++) dropChip(body, n);
    }

    function fit(scope) {
      var bodies = (scope || columns).querySelectorAll(".column__body");
      // A column without a last fit is measured first near the last step before folding
      // (FIT_MIN_PX, one card a group): when even that does not fit, neither do two cards a
      // group, and the gentler steps need no measuring, nor the costly layout of every card at
      // full size. Every such column is put so before any is measured, or the first measurement
      // lays out the columns still waiting with all their cards at full size (the largest part
      // of a cold load's drawing); the first layout, of the whole page, then has a card a group.
      bodies.forEach(function (body) { if (!fitted[body.parentNode.dataset.station]) compact(body, 1); });
      together(Array.prototype.map.call(bodies, function* (body) {
        yield* fitColumn(body);
        yield* wholeCards(body);
      }));
      // the room each fresh fit left, read once the frame is drawn (its layout then costs
      // nothing more) rather than forcing one more now, on the way to the first picture
      window.requestAnimationFrame(function () { window.setTimeout(readRoom, 0); });
    }

    function readRoom() {
      columns.querySelectorAll(".column__body").forEach(function (body) {
        var last = fitted[body.parentNode.dataset.station];
        if (last && last.room === null) last.room = roomLeft(body);
      });
    }

    // Each column's fit is a generator that yields its body whenever it needs to know whether
    // the body overflows after its latest changes, and goes on with the answer. The columns
    // are asked together: the first answer lays out every column changed since the last, the
    // others' are then free, so each step of the fit costs one layout for all columns instead
    // of one a column.
    function together(fits) {
      var steps = fits.map(function (f) { return f.next(); });
      while (steps.some(function (s) { return !s.done; })) {
        var answers = steps.map(function (s) { return !s.done && overflowing(s.value); });
        steps = steps.map(function (s, i) { return s.done ? s : fits[i].next(answers[i]); });
      }
    }

    function* fitColumn(body) {
      var token = body.parentNode.dataset.station;
      if (!body.querySelector(".group")) { delete fitted[token]; yield* fitFlat(body); return; }
      var last = fitted[token]; // what the column was fitted at before
      if (!last) {
        var full = yield body;
        compact(body, LEAST); // the last step before folding
        if (full || (yield body)) { yield* fitAfresh(body, token, "full"); return; }
        body.style.fontSize = "";
        capAt(cappable(body), Infinity);
        if (!(yield body)) { delete fitted[token]; return; }
      }
      body.style.fontSize = "";
      if (last && groupsIn(body) !== last.groups) {
        // regrouped into more or fewer groups: folds and caps afresh, at the last type size,
        // from every card shown (a new column's later cards start as hidden shells)
        if (last.px) body.style.fontSize = last.px + "px";
        capAt(cappable(body), Infinity);
        yield* fitAfresh(body, token, "last");
        return;
      }
      if (last) {
        // the common case of a new note: the last fit holds, checked in a few layouts
        if (last.px) body.style.fontSize = last.px + "px";
        if (last.folded) refold(body, last);
        if (last.cap !== null) capAt(cappable(body), last.cap);
        if (!(yield body)) {
          // notes went into groups or away and left more room than the fit did: held-back
          // cards show and folded groups come back, a layout a step, as after folding (the
          // type keeps its size; rare: a new note only takes room)
          if ((last.cap !== null || last.folded > 0) && last.room !== null &&
              roomLeft(body) > last.room + ROOM_TO_GROW * body.clientHeight) {
            yield* growCap(body);
            last.folded -= yield* unfold(body, last);
            last.cap = capOf(body);
            last.room = null; // what is left now, read with the others' (fit()): no retry each time
          }
          return;
        }
        if (body.querySelector(".group--new")) {
          // a new note's "Just in" on top, until the clustering places it: groups fold for it
          // from the bottom, for this drawing only and never the last one (the fit is kept, so
          // they come back with the note in its group)
          var open = ownGroups(body);
          while (open.length > 1) {
            foldInto(strip(body), open.pop());
            if (!(yield body)) return;
          }
        }
        unfit(body);
      }
      yield* fitAfresh(body, token, last ? "last" : "default");
    }

    // A card is cut after four lines so that more cards fit; once the column is fitted, the
    // cut ones show whole while the column still has room for them and holds nothing back (a
    // short column, one station full screen): all of them, at a smaller type down to COMFORT_PX if need be (a
    // few large cards cut short read worse than whole ones a size smaller), else at the
    // fitted type as many as fit, in order, found by halving.
    function* wholeCards(body) {
      // more cards before longer ones: not while the column holds cards or groups back (the
      // room it records for growing would then be measured with whole cards)
      if (body.querySelector(".sticky[hidden], .group--folded, .group__more:not([hidden])")) return;
      var cut = Array.prototype.filter.call(
        body.querySelectorAll(".sticky:not([hidden]) .sticky__text"),
        function (t) { return t.scrollHeight > t.clientHeight + 1; });
      if (!cut.length) return;
      var whole = function (n) {
        cut.forEach(function (t, i) { t.classList.toggle("sticky__text--whole", i < n); });
      };
      whole(cut.length);
      if (!(yield body)) return;
      var before = body.style.fontSize, size = parseFloat(window.getComputedStyle(body).fontSize);
      if (size > COMFORT_PX) {
        body.style.fontSize = COMFORT_PX + "px";
        if (!(yield body)) {
          var small = COMFORT_PX, big = size; // small fits, big does not
          for (var i = 0; i < 4; i++) {
            var px = (small + big) / 2;
            body.style.fontSize = px + "px";
            if (yield body) big = px; else small = px;
          }
          body.style.fontSize = small + "px";
          return;
        }
        body.style.fontSize = before;
      }
      var lo = 0, hi = cut.length; // lo whole cards fit, hi do not
      while (hi - lo > 1) {
        var mid = (lo + hi) >> 1;
        whole(mid);
        if (yield body) hi = mid; else lo = mid;
      }
      whole(lo);
    }

    // All notes, no groups ("Alle Notizen zeigen"): the type gets smaller down to FIT_MIN_PX,
    // then the last cards give way to "+N" (newest first while collecting, ranked in the
    // results: the ones held back are the oldest or the least voted).
    function* fitFlat(body) {
      var cards = cardsOf(body);
      showFirst(body, cards.length);
      body.style.fontSize = "";
      if (!(yield body)) return;
      yield* shrink(body, FIT_MIN_PX);
      if (!(yield body)) return;
      var lo = 0, hi = cards.length; // lo cards fit with the "+N", hi do not
      while (hi - lo > 1) {
        var mid = (lo + hi) >> 1;
        showFirst(body, mid);
        if (yield body) hi = mid; else lo = mid;
      }
      showFirst(body, lo);
    }

    function showFirst(body, n) {
      var cards = cardsOf(body), held = cards.length - n, more = body.querySelector(".flat__more");
      for (var i = 0; i < cards.length; i++) reveal(cards[i], i < n);
      if (!more && held) more = body.appendChild(el("p", "group__more flat__more"));
      if (!more) return;
      more.hidden = held === 0;
      more.textContent = more.title = held === 1 ? d.msgMoreNote : d.msgMoreNotes.replace("{n}", held);
    }

    // The empty height under the column's lowest element drawn (hidden ones have no box).
    function roomLeft(body) {
      var end = body.getBoundingClientRect().top;
      for (var child = body.lastElementChild; child; child = child.previousElementSibling) {
        var box = child.getBoundingClientRect();
        if (box.height) { end = box.bottom; break; }
      }
      return body.getBoundingClientRect().bottom - end;
    }

    // Undo a fit's folding and caps (the type size stays).
    function unfit(body) {
      var into = body.querySelector(".column__folded");
      if (into) {
        into.querySelectorAll(".group").forEach(function (g) {
          g.classList.remove("group--folded");
          g.hidden = false;
          putBack(into, g);
        });
        into.remove();
      }
      capAt(openGroups(body), Infinity);
    }

    // `start`: "default" (full type size), "last" (the last fit's type size) or "full" (left
    // by fit(): even the last step before folding does not fit).
    function* fitAfresh(body, token, start) {
      var full = start === "full";
      if (start === "default") yield* shrink(body, COMFORT_PX);
      var cap = null, folds = { folded: 0, dropped: 0 };
      if (full || (yield body)) {
        if (!full && (yield* capCards(body, cappable(body), LEAST))) cap = capOf(body);
        else {
          if (!full) yield* shrink(body, FIT_MIN_PX);
          if (!full && (yield* capCards(body, cappable(body), LEAST))) cap = capOf(body);
          else {
            folds = yield* fold(body);
            yield* growCap(body); // room the folding left goes back to cards
            folds.folded -= yield* unfold(body, folds);
            cap = capOf(body);
          }
        }
      }
      if (d.focus && cap !== null) { yield* growEach(body); cap = capOf(body); }
      fitted[token] = { px: parseFloat(body.style.fontSize) || 0, cap: cap, groups: groupsIn(body),
                        folded: folds.folded, dropped: folds.dropped, room: null };
    }


    // The column's groups ("Just in" aside: a note waiting for its group changes no fold).
    function groupsIn(body) {
      return body.querySelectorAll(".group:not(.group--drop):not(.group--new)").length;
    }

    // The open groups show one card more each while the column still fits (after folding the
    // answer is a card or two, found in as many layouts instead of a search over every cap).
    function* growCap(body) {
      var groups = cappable(body), cap = shownCap(body);
      if (cap === Infinity || (yield body)) return;
      while (groups.some(function (g) { return g.querySelector(".sticky[hidden]"); })) {
        capAt(groups, cap + 1);
        if (yield body) { capAt(groups, cap); return; }
        cap++;
      }
    }

    // One station full screen: its groups stand side by side, so one cap for all would leave the
    // room under the shorter groups empty; there each group takes a card more while it fits.
    function* growEach(body) {
      for (var grown = true; grown;) {
        grown = false;
        var groups = cappable(body);
        for (var i = 0; i < groups.length; i++) {
          var next = groups[i].querySelector(".sticky[hidden]");
          if (!next) continue;
          reveal(next, true);
          if (yield body) { next.hidden = true; continue; }
          grown = true;
          holdBack(groups[i]);
        }
      }
    }

    // The column at FIT_MIN_PX with `cards` cards a group (fit() measures it so first).
    function compact(body, cards) {
      body.style.fontSize = FIT_MIN_PX + "px";
      capAt(cappable(body), cards);
    }

    // The cap the groups were left at (null: no group holds cards back, or none shows any).
    function capOf(body) {
      var cap = shownCap(body);
      return cap === Infinity ? null : cap || null;
    }

    // Up to a few cards step back from the groups showing the most (never below two); false
    // when that does not make the column fit, or the column had no fit to keep.
    function makeRoom(body, last) {
      // cards shown whole give their extra lines back first: more cards before longer ones
      var whole = body.querySelectorAll(".sticky__text--whole");
      if (whole.length && overflowing(body)) {
        whole.forEach(function (t) { t.classList.remove("sticky__text--whole"); });
      }
      for (var tries = 0; overflowing(body); tries++) {
        if (!last || tries === 4) return false;
        var fullest = null, most = 2;
        cappable(body).forEach(function (g) {
          if (g.classList.contains("group--new")) return;
          var shown = g.querySelectorAll(".sticky:not([hidden])").length;
          if (shown > most) { most = shown; fullest = g; }
        });
        if (!fullest) return false;
        var cards = fullest.querySelectorAll(".sticky:not([hidden])");
        cards[cards.length - 1].hidden = true;
        holdBack(fullest);
      }
      return true;
    }

    return {
      fit: fit, // fit(scope): every column body in scope (default: all columns)
      forget: function (token) { if (token) delete fitted[token]; else fitted = {}; },
      makeRoom: function (body, token) { return makeRoom(body, fitted[token]); },
    };
  };
})();
