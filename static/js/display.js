/* Station display: follows edits to the station's title and question live, so a screen
 * that hangs at the station all day never shows an outdated question; during a rotation it
 * shows which group is here, which comes next, and the round's countdown. */
(function () {
  "use strict";
  var root = document.getElementById("display");
  if (!root || !window.io || !window.GalleryClock) return;
  var d = root.dataset;
  var station = d.station;
  var socket = window.io({ reconnectionDelayMax: 10000 });
  var walk = document.getElementById("display-walk");
  var rotation = null;
  window.GalleryClock.signalButton(document.getElementById("signal-toggle"), d.workshop);

  function apply(s) {
    if (!s || s.token !== station) return;
    document.getElementById("station-title").textContent = s.title;
    var prompt = document.getElementById("station-prompt");
    if (prompt) prompt.textContent = s.prompt;
    else if (s.prompt) window.location.reload(); // the page had no question line yet
  }

  // Which phase runs, as on the wall: the room reads it off every screen.
  function applyPhase(phase) {
    var banner = document.getElementById("display-phase");
    var name = d["msgPhase" + phase.charAt(0).toUpperCase() + phase.slice(1)];
    if (banner && name) { banner.dataset.phase = phase; banner.textContent = name; }
  }

  function chips(label, positions, index) {
    var names = Object.keys(positions || {}).filter(function (g) { return positions[g] === index; });
    if (!names.length) return null;
    var span = document.createElement("span");
    span.className = "display__group";
    span.textContent = label.replace("{g}", names.join(", "));
    span.style.setProperty("--group", window.GalleryClock.groupColour(names[0]));
    return span;
  }

  var countdown = new window.GalleryClock.Countdown(function (left) {
    var r = rotation;
    if (!r || r.mode !== "groups" || r.state === "idle" || r.state === "finished") { walk.hidden = true; return; }
    walk.hidden = false;
    var index = r.stations.map(function (s) { return s.token; }).indexOf(station);
    var groups = document.getElementById("display-groups");
    groups.replaceChildren();
    [chips(d.msgHere, r.positions, index), chips(d.msgNext, r.next_positions, index)].forEach(function (c) {
      if (c) groups.appendChild(c);
    });
    document.getElementById("display-round").textContent =
      d.msgRound.replace("{n}", r.round).replace("{total}", r.rounds) + (r.state === "paused" ? " (" + d.msgPaused + ")" : "");
    document.getElementById("display-clock").textContent = window.GalleryClock.format(left);
  }, function () {
    socket.emit("get_rotation", { workshop: d.workshop }, function (reply) {
      if (reply && reply.ok) applyRotation(reply.rotation);
    });
  });

  function applyRotation(r) {
    if (!r || r.workshop !== d.workshop) return;
    var moved = rotation && r.state === "running" && r.round !== rotation.round;
    if (moved && window.GalleryClock.signalsReach(d.workshop)) window.GalleryClock.signal();
    rotation = r;
    countdown.update(r);
  }

  socket.on("connect", function () {
    socket.emit("join_station", { station: station }, function (reply) {
      if (reply && reply.ok) {
        apply(reply.station);
        applyRotation(reply.rotation);
        if (reply.workshop) applyPhase(reply.workshop.phase);
      }
    });
  });
  socket.on("station_updated", apply);
  socket.on("phase_changed", function (m) { if (m.workshop === d.workshop) applyPhase(m.phase); });
  socket.on("rotation_updated", applyRotation);
  socket.on("station_removed", function () { window.location.reload(); });
})();
