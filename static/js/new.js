/* New workshop form: the facilitator's time zone goes with it (the report's times are the
 * room's, not the server's); more station rows than the four the page starts with; after a
 * refused form, its list of problems comes into view. */
(function () {
  "use strict";
  var zone = document.getElementById("timezone");
  if (zone && !zone.value && window.Intl && Intl.DateTimeFormat) {
    zone.value = Intl.DateTimeFormat().resolvedOptions().timeZone || "";
  }
  var problems = document.getElementById("form-errors");
  if (problems) {
    problems.tabIndex = -1;
    problems.focus();
  }
  var button = document.getElementById("add-row");
  var rows = document.getElementById("station-rows");
  if (!button || !rows) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var all = rows.querySelectorAll(".station-row");
    var n = all.length;
    var copy = all[n - 1].cloneNode(true);
    // a copy of a refused row starts clean: no message, nothing marked invalid
    Array.prototype.forEach.call(copy.querySelectorAll(".field-error"), function (p) { p.remove(); });
    var labels = copy.querySelectorAll("label");
    var fields = copy.querySelectorAll("input, textarea");
    labels[0].textContent = button.dataset.labelTitle.replace("{n}", n + 1);
    labels[0].htmlFor = fields[0].id = "station_title_" + n;
    labels[1].htmlFor = fields[1].id = "station_prompt_" + n;
    labels[2].htmlFor = fields[2].id = "station_topics_" + n;
    Array.prototype.forEach.call(fields, function (field) {
      field.value = "";
      field.removeAttribute("aria-invalid");
      field.removeAttribute("aria-describedby");
    });
    fields[2].setAttribute("aria-describedby", "topics-help");
    rows.appendChild(copy);
    fields[0].focus();
  });
})();
