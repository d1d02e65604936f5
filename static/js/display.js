/* Station display: follows edits to the station's title and question live, so a screen
 * that hangs at the station all day never shows an outdated question. */
(function () {
  "use strict";
  var root = document.getElementById("display");
  if (!root || !window.io) return;
  var station = root.dataset.station;
  var socket = window.io({ reconnectionDelayMax: 10000 });

  function apply(s) {
    if (!s || s.token !== station) return;
    document.getElementById("station-title").textContent = s.title;
    var prompt = document.getElementById("station-prompt");
    if (prompt) prompt.textContent = s.prompt;
    else if (s.prompt) window.location.reload(); // the page had no question line yet
  }

  socket.on("connect", function () {
    socket.emit("join_station", { station: station }, function (reply) {
      if (reply && reply.ok) apply(reply.station);
    });
  });
  socket.on("station_updated", apply);
  socket.on("station_removed", function () { window.location.reload(); });
})();
