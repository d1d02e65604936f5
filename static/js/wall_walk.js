/* The walk on the wall: the phase (the banner and the "Ablauf" menu's phase and dots), the
 * rotation (its commands, the round and its timer in the bar, the groups at each column),
 * and the bar's menus, which close like menus.
 *
 * GalleryWallWalk(root, ui) makes it for one wall page: `root` is the wall (its data-* the
 * messages and the workshop); `ui` gives el(), the wall's state, command() (a workshop
 * command, answered by broadcast), render() and socket() (null until there is one).
 */
(function () {
  "use strict";

  window.GalleryWallWalk = function (root, ui) {
    var d = root.dataset, el = ui.el, state = ui.state, command = ui.command, render = ui.render;

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
      var socket = ui.socket();
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

    return {
      applyRotation: applyRotation,
      applyPhase: applyPhase,
      groupsAt: groupsAt,
      // the same rotation as drawn, its clock set from a newer answer
      retime: function (r) { state.rotation = r; countdown.update(r); },
    };
  };
})();
