// Draws every <canvas data-chart="ID"> from the JSON in <script id="ID" type="application/json">
// (written by Django's json_script). Loaded as a static file: the CSP allows no inline script.
(function () {
  "use strict";
  var palette = ["#0d6efd", "#20c997", "#6f42c1", "#fd7e14", "#198754"];
  var referenceColours = ["#146c43", "#997404", "#b02a37"];

  function draw(canvas) {
    var source = document.getElementById(canvas.dataset.chart);
    if (!source || typeof Chart === "undefined") return;
    var spec = JSON.parse(source.textContent);
    var suffix = spec.suffix || "";
    var colour = 0, reference = 0;
    var datasets = spec.datasets.map(function (dataset) {
      if (dataset.reference) {
        var line = referenceColours[reference++ % referenceColours.length];
        return {
          type: "line", label: dataset.label, data: dataset.data, borderColor: line,
          borderDash: [6, 4], borderWidth: 1, pointRadius: 0, fill: false
        };
      }
      var c = palette[colour++ % palette.length];
      return {
        label: dataset.label, data: dataset.data, borderColor: c, backgroundColor: c + "99",
        tension: 0.2, spanGaps: true, pointRadius: 3
      };
    });
    var small = canvas.parentElement.classList.contains("chart-box-sm");
    new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        animation: false,
        maintainAspectRatio: false,
        plugins: {
          // A small chart names its lines only when it has several (the band thresholds).
          legend: {
            display: !small || datasets.length > 1,
            labels: small ? { boxWidth: 12, font: { size: 10 } } : {}
          },
          tooltip: {
            callbacks: {
              label: function (item) { return item.dataset.label + ": " + item.formattedValue + suffix; }
            }
          }
        },
        scales: {
          y: {
            beginAtZero: true,
            max: spec.y_max || undefined,
            ticks: { callback: function (value) { return value + suffix; }, precision: 0 }
          },
          // A small chart names as many periods as fit, in a smaller font.
          x: { ticks: small ? { autoSkip: true, maxRotation: 45, font: { size: 10 } } : {} }
        }
      }
    });
    canvas.dataset.drawn = "true";
  }

  function drawAll() {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
})();
