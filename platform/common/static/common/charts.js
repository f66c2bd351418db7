/* Charts of every page (dashboards, tier distribution, eligibility funnel), drawn with Chart.js from the
   figures the page carries in a <script type="application/json"> element (Django's json_script), so
   the Content-Security-Policy needs no inline script. Every chart's figures are also in a table next to
   it; without JavaScript the table is all there is.
   <canvas data-chart="bar|line" data-chart-source="<id of the json_script>" [data-chart-horizontal]
           [data-chart-stacked]>   (a horizontal chart of more than 8 rows is made taller to fit them)
   Figures: {"labels": [...], "datasets": [{"label": "...", "data": [...]}, ...]} */
(function () {
  "use strict";
  var COLOURS = ["#c8102e", "#f2a900", "#4c78a8", "#59a14f", "#9c755f", "#b07aa1", "#76b7b2"];

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart-source"));
    if (!source || typeof window.Chart === "undefined") { return; }
    var figures = JSON.parse(source.textContent);
    var datasets = (figures.datasets || []).map(function (set, i) {
      var colour = COLOURS[i % COLOURS.length];
      return { label: set.label, data: set.data, backgroundColor: colour, borderColor: colour, tension: 0.2 };
    });
    var horizontal = canvas.hasAttribute("data-chart-horizontal");
    // A horizontal chart of many rows (e.g. every branch of a township) grows with its rows.
    if (horizontal && canvas.parentNode && figures.labels && figures.labels.length > 8) {
      canvas.parentNode.style.height = (60 + 24 * figures.labels.length * Math.max(1, datasets.length) / 2) + "px";
    }
    var stacked = canvas.hasAttribute("data-chart-stacked");
    var value = { beginAtZero: true, stacked: stacked, ticks: { precision: 0 } };
    var category = { stacked: stacked };
    new window.Chart(canvas, {
      type: canvas.getAttribute("data-chart") || "bar",
      data: { labels: figures.labels, datasets: datasets },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: horizontal ? { x: value, y: category } : { x: category, y: value }
      }
    });
  }

  function start() {
    var canvases = document.querySelectorAll("canvas[data-chart]");
    for (var i = 0; i < canvases.length; i++) { draw(canvases[i]); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
