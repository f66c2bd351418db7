/* Charts of the rewards pages (tier distribution, eligibility funnel), drawn with Chart.js from the
   figures the page carries in a <script type="application/json"> element (Django's json_script), so
   the Content-Security-Policy needs no inline script. Every chart's figures are also in a table next to
   it; without JavaScript the table is all there is.
   <canvas data-chart="bar" data-chart-source="<id of the json_script>" [data-chart-horizontal]> */
(function () {
  "use strict";
  var COLOURS = ["#c8102e", "#f2a900", "#4c78a8", "#59a14f", "#9c755f", "#b07aa1", "#76b7b2"];

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart-source"));
    if (!source || typeof window.Chart === "undefined") { return; }
    var figures = JSON.parse(source.textContent);
    var datasets = (figures.datasets || []).map(function (set, i) {
      return { label: set.label, data: set.data, backgroundColor: COLOURS[i % COLOURS.length] };
    });
    var horizontal = canvas.hasAttribute("data-chart-horizontal");
    new window.Chart(canvas, {
      type: canvas.getAttribute("data-chart") || "bar",
      data: { labels: figures.labels, datasets: datasets },
      options: {
        indexAxis: horizontal ? "y" : "x",
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        scales: horizontal ? { x: { beginAtZero: true, ticks: { precision: 0 } } }
                           : { y: { beginAtZero: true, ticks: { precision: 0 } } }
      }
    });
  }

  function start() {
    var canvases = document.querySelectorAll("canvas[data-chart]");
    for (var i = 0; i < canvases.length; i++) { draw(canvases[i]); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
