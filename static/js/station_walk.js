/* The walk on the phone: with a rotation in groups, the person picks a group and reads where
 * it is now and where it goes next, with the round's time left; at a round's end the phone
 * signals (where the person allowed it) and says large on screen where to go.
 *
 * GalleryStationWalk(ui) follows the rotation on one station page (#walk): `ui` gives the
 * page's station and phase, el(), emit() (a socket event with its answer) and me() (this
 * person, whose group the walk keeps in me().group).
 */
(function () {
  "use strict";

  window.GalleryStationWalk = function (ui) {
    var station = ui.station, phase = ui.phase, el = ui.el, emit = ui.emit;
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
      var group = ui.me().group;
      go.hidden = true;
      picker.hidden = Boolean(group) || over;
      var dot = document.getElementById("walk-dot");
      dot.hidden = !group; // an empty ring read like a radio button to tick
      dot.style.background = group ? window.GalleryClock.groupColour(group) : "transparent";
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
      // stopped (or reset): "please go to station 3" no longer holds
      if (state.state !== "running" && state.state !== "paused") roundEnd.hidden = true;
      if (moved && ui.me().group) {
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
      var now = stationByIndex(rotation.positions[ui.me().group]);
      // Where to be now, also when it is this page's station (the person went ahead).
      var where = now.token === station ? walkData.msgStay : walkData.msgGo;
      document.getElementById("round-end-go").textContent = where.replace("{n}", now.number).replace("{title}", now.title);
      roundEnd.hidden = false;
    }
    document.getElementById("round-end-ok").addEventListener("click", function () { roundEnd.hidden = true; });
    window.GalleryClock.signalButton(document.getElementById("signal-toggle"), walkData.workshop);

    function chooseGroup(name) {
      emit("join_group", { station: station, group: name }, function (reply) {
        if (reply && reply.ok) { ui.me().group = reply.group; renderWalk(countdown.left()); }
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

    return { applyRotation: applyRotation, buildPicker: buildPicker };
  };
})();
