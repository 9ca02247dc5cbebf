// The Tier Advancements period picker: show the period box for a quarter, month or fiscal
// year, the start and end dates for a custom range. Without JavaScript every box shows and
// the form still works (a range wins when both of its dates are given).
(function () {
  "use strict";
  var kind = document.getElementById("id_kind");
  if (!kind) return;
  var boxes = {
    period: document.getElementById("id_period"),
    start: document.getElementById("id_start"),
    end: document.getElementById("id_end")
  };
  function column(input) { return input.closest(".col-xl-2") || input.parentElement; }
  function show(changed) {
    var range = kind.value === "range";
    column(boxes.period).hidden = range;
    column(boxes.start).hidden = !range;
    column(boxes.end).hidden = !range;
    if (changed) {
      if (range) { boxes.period.value = ""; } else { boxes.start.value = ""; boxes.end.value = ""; boxes.period.value = ""; }
    }
  }
  kind.addEventListener("change", function () { show(true); });
  show(false);
})();
