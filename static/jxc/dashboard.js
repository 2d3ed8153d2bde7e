// Draws the dashboard's charts: each <canvas class="jxc-chart" data-config="ID"> takes its
// Chart.js configuration from the <script type="application/json" id="ID"> beside it.
(function () {
  "use strict";
  if (typeof window.Chart === "undefined") return;
  document.querySelectorAll("canvas.jxc-chart").forEach(function (canvas) {
    var source = document.getElementById(canvas.dataset.config);
    if (!source) return;
    var config = JSON.parse(source.textContent);
    config.options = Object.assign({ responsive: true, animation: false }, config.options || {});
    new window.Chart(canvas, config);
  });
})();
