// JXC report charts: draws the Chart.js configuration the page carries in
// <script type="application/json" id="report-chart-config"> on <canvas id="report-chart">.
// The server builds the whole configuration (reports/base.py Report.chart); this file only adds
// what JSON cannot carry: numbers on axes and tooltips in the page's language.
(function () {
  function draw() {
    var source = document.getElementById("report-chart-config");
    var canvas = document.getElementById("report-chart");
    if (!source || !canvas || !window.Chart) return;
    var config = JSON.parse(source.textContent);
    var locale = document.documentElement.lang || undefined;
    var number = new Intl.NumberFormat(locale, { maximumFractionDigits: 2 });
    config.options = config.options || {};
    config.options.responsive = true;
    config.options.maintainAspectRatio = false;
    config.options.locale = locale;
    config.options.plugins = config.options.plugins || {};
    config.options.plugins.tooltip = config.options.plugins.tooltip || {};
    config.options.plugins.tooltip.callbacks = {
      label: function (ctx) {
        var value = ctx.parsed && (config.options.indexAxis === "y" ? ctx.parsed.x : ctx.parsed.y);
        return (ctx.dataset.label ? ctx.dataset.label + ": " : "") + number.format(value);
      }
    };
    var valueAxis = config.options.indexAxis === "y" ? "x" : "y";
    config.options.scales = config.options.scales || {};
    config.options.scales[valueAxis] = config.options.scales[valueAxis] || {};
    config.options.scales[valueAxis].ticks = { callback: function (v) { return number.format(v); } };
    new window.Chart(canvas, config);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", draw);
  else draw();
})();
