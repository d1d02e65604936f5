/* Posters and the report: a print button (the pages work without it: Ctrl+P). */
(function () {
  "use strict";
  var button = document.getElementById("print");
  if (!button) return;
  button.hidden = false;
  button.addEventListener("click", function () { window.print(); });
})();
