// Dashboard charts (Chart.js). The numbers come from the page via json_script; every chart repeats a
// table on the page, which is its text alternative (the canvas points to it with aria-describedby).
(function () {
  "use strict";

  var COLOURS = {
    verified: "#0059b3",
    registered: "#7fb2e5",
    expected: "#b0b0b0",
    target: "#1a1a1a",
  };

  function datasetStyle(ds) {
    var colour = COLOURS[ds.kind] || "#0059b3";
    var style = {
      label: ds.label,
      data: ds.data,
      stack: ds.stack,
      backgroundColor: colour,
      borderColor: colour,
      borderWidth: 1,
    };
    if (ds.kind === "target") {
      style.backgroundColor = "rgba(0, 0, 0, 0)";
      style.borderWidth = 2;
    }
    return style;
  }

  function draw(chart) {
    var canvas = document.getElementById(chart.id);
    if (!canvas) {
      return;
    }
    var reduceMotion = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    // eslint-disable-next-line no-new
    new window.Chart(canvas, {
      type: "bar",
      data: { labels: chart.labels, datasets: chart.datasets.map(datasetStyle) },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: reduceMotion ? false : { duration: 400 },
        scales: {
          x: { stacked: true },
          y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
        },
        plugins: { legend: { position: "bottom" } },
      },
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var data = document.getElementById("dashboard-charts");
    if (!data || !window.Chart) {
      return;
    }
    JSON.parse(data.textContent).forEach(draw);
  });
})();
