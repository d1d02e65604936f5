/* Manage page: one tap selects the whole facilitator link for copying. */
(function () {
  "use strict";
  var link = document.getElementById("facilitator-link");
  if (link) link.addEventListener("focus", function () { link.select(); });
})();
