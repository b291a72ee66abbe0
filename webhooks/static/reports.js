// The reports page's charts (webhooks/templates/console/reports.html): one Chart.js chart per
// table that has one, from the JSON the page carries. A hidden figure ("<5") is a gap (null),
// never drawn as a number. The charts are kept in window.almasCharts by table name.
(function () {
  "use strict";
  // Typing a date means a custom period.
  ["from", "to"].forEach(function (id) {
    const input = document.getElementById(id);
    const period = document.getElementById("period");
    if (input && period) input.addEventListener("change", function () { period.value = "custom"; });
  });
  const source = document.getElementById("report-charts");
  if (!source || typeof Chart === "undefined") return;
  const colours = ["#5b2a86", "#e07a1f", "#2a8657", "#b00020", "#1f6fe0"];
  window.almasCharts = {};
  JSON.parse(source.textContent).forEach(function (spec) {
    const canvas = document.getElementById("chart-" + spec.name);
    if (!canvas) return;
    const datasets = spec.series.map(function (s, i) {
      return {
        label: s.label,
        data: s.data,
        backgroundColor: colours[i % colours.length],
        borderColor: colours[i % colours.length],
        spanGaps: false,
        pointRadius: spec.type === "line" ? 1.5 : undefined,
      };
    });
    window.almasCharts[spec.name] = new Chart(canvas, {
      type: spec.type,
      data: { labels: spec.labels, datasets: datasets },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        indexAxis: spec.horizontal ? "y" : "x",
        plugins: { legend: { display: datasets.length > 1 } },
        scales: { x: { beginAtZero: true, ticks: { autoSkip: true } }, y: { beginAtZero: true } },
      },
    });
  });
})();
