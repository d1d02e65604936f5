/* Manage page: one tap selects the whole facilitator link for copying; after a refused form,
 * its list of problems comes into view (the form's address scrolled to the form already). */
(function () {
  "use strict";
  var link = document.getElementById("facilitator-link");
  if (link) link.addEventListener("focus", function () { link.select(); });
  var problems = document.getElementById("form-errors");
  if (problems) {
    problems.tabIndex = -1;
    problems.focus();
  }
})();
