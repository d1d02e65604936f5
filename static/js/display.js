/* Station display: follows edits to the station's title and question live, so a screen
 * that hangs at the station all day never shows an outdated question; during a rotation it
 * shows which group is here, which comes next, the round's countdown and the signal for the
 * round's end. Nobody scrolls it: whatever it shows is fitted to the screen. */
(function () {
  "use strict";
  var root = document.getElementById("display");
  if (!root || !window.io || !window.GalleryClock) return;
  var d = root.dataset;
  var station = d.station;
  var socket = window.io({ reconnectionDelayMax: 10000 });
  var walk = document.getElementById("display-walk");
  var text = root.querySelector(".display__text");
  var rotation = null;
  var phase = document.getElementById("display-phase").dataset.phase;
  window.GalleryClock.signalButton(document.getElementById("signal-toggle"), d.workshop);

  function apply(s) {
    if (!s || s.token !== station) return;
    document.getElementById("station-title").textContent = s.title;
    var prompt = document.getElementById("station-prompt");
    if (prompt) prompt.textContent = s.prompt;
    else if (s.prompt) window.location.reload(); // the page had no question line yet
    fit();
  }

  // The text beside the QR code, fitted to the screen: smaller type first (down to about two
  // thirds, still legible from a few metres), then fewer lines of the question, then of the
  // title. Done again only when what it shows changes, not with every tick of the clock.
  var SIZES = [1, 0.94, 0.88, 0.82, 0.76, 0.7, 0.64];
  var fitted = "";
  function overflows() { return text.scrollHeight > text.clientHeight + 1; }
  function fit() {
    var parts = ["#display-phase", "#display-groups", "#display-round", "#station-title", "#station-prompt"];
    var shown = [window.innerWidth, window.innerHeight, walk.hidden].concat(parts.map(function (id) {
      var node = document.querySelector(id);
      return node ? node.textContent.replace(/\u00ad/g, "") : "";
    })).join("|");
    if (shown === fitted) return;
    fitted = shown;
    var style = text.style;
    style.removeProperty("--prompt-lines");
    style.removeProperty("--title-lines");
    style.setProperty("--fit", SIZES[0]);
    // Long words get their hyphens at the largest size (typography.js), where they need them.
    if (window.GalleryHyphenate) {
      Array.prototype.forEach.call(document.querySelectorAll("#station-title, #station-prompt"),
        window.GalleryHyphenate.hyphenate);
    }
    for (var i = 1; i < SIZES.length && overflows(); i++) style.setProperty("--fit", SIZES[i]);
    for (var lines = 5; lines >= 2 && overflows(); lines--) style.setProperty("--prompt-lines", lines);
    for (lines = 3; lines >= 2 && overflows(); lines--) style.setProperty("--title-lines", lines);
  }

  // Which phase runs, as on the wall: the room reads it off every screen.
  function applyPhase(next) {
    var banner = document.getElementById("display-phase");
    var name = d["msgPhase" + next.charAt(0).toUpperCase() + next.slice(1)];
    if (banner && name) { banner.dataset.phase = next; banner.textContent = name; }
    // and what the code leads to now: writing, reading, voting or the results
    var how = d["msgHow" + next.charAt(0).toUpperCase() + next.slice(1)];
    if (how) document.getElementById("display-how").textContent = how;
    phase = next;
    countdown.tick(); // the results hide the walk
    fit();
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
    // In the results nobody walks (the server pauses the rotation): no groups, no signal.
    if (removed || !r || r.mode !== "groups" || r.state === "idle" || r.state === "finished" || phase === "results") {
      walk.hidden = true;
      fit();
      return;
    }
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
    fit();
  }, function () {
    socket.emit("get_rotation", { workshop: d.workshop }, function (reply) {
      if (reply && reply.ok) applyRotation(reply.rotation);
    });
  });

  // The station was removed: its code leads nowhere any more.
  var removed = false;
  function gone() {
    removed = true;
    document.querySelector(".display__qr").hidden = true;
    walk.hidden = true;
    document.getElementById("display-gone").hidden = false;
    fitted = "";
    fit(); // the notice takes the room of the walk's lines: the text fits again
  }

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
      } else if (reply && reply.error && reply.error.code === "station_not_found") {
        gone(); // removed while this screen was away
      }
    });
  });
  socket.on("station_updated", apply);
  socket.on("phase_changed", function (m) { if (m.workshop === d.workshop) applyPhase(m.phase); });
  socket.on("rotation_updated", applyRotation);
  socket.on("station_removed", gone);
  window.addEventListener("resize", fit);
  // typography.js (hyphens) runs after this script; fonts (emoji) may come later still.
  document.addEventListener("DOMContentLoaded", fit);
  if (document.fonts) document.fonts.ready.then(function () { fitted = ""; fit(); });
})();
