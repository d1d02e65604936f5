/* New workshop form: add more station rows than the four the page starts with. */
(function () {
  "use strict";
  var button = document.getElementById("add-row");
  var rows = document.getElementById("station-rows");
  if (!button || !rows) return;
  button.hidden = false;
  button.addEventListener("click", function () {
    var all = rows.querySelectorAll(".station-row");
    var n = all.length;
    var copy = all[n - 1].cloneNode(true);
    var labels = copy.querySelectorAll("label");
    var fields = copy.querySelectorAll("input, textarea");
    labels[0].textContent = button.dataset.labelTitle.replace("{n}", n + 1);
    labels[0].htmlFor = fields[0].id = "station_title_" + n;
    labels[1].htmlFor = fields[1].id = "station_prompt_" + n;
    labels[2].htmlFor = fields[2].id = "station_topics_" + n;
    fields[0].value = "";
    fields[1].value = "";
    fields[2].value = "";
    rows.appendChild(copy);
    fields[0].focus();
  });
})();
