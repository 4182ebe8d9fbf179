/* Agency scorecards (templates/reports/scorecards.html). CSP forbids inline
   scripts, so the chart is drawn here from the json_script data. Without
   JavaScript the page works: the ranked table holds the same numbers.

   - [data-scorecard-chart="<json id>"]   ECharts bar chart of the on-time
                                          rate per lead agency, in rank order
*/
(function () {
  "use strict";

  function initCharts(root) {
    if (!window.echarts || !root || !root.querySelectorAll) {
      return;
    }
    root.querySelectorAll("[data-scorecard-chart]").forEach(function (el) {
      if (el.dataset.chartReady) {
        return;
      }
      var source = document.getElementById(el.dataset.scorecardChart);
      if (!source) {
        return;
      }
      var data = JSON.parse(source.textContent);
      el.dataset.chartReady = "1";
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption({
        animation: false,
        textStyle: { fontFamily: window.getComputedStyle(document.body).fontFamily },
        tooltip: {
          trigger: "axis",
          axisPointer: { type: "shadow" },
          formatter: function (items) {
            var p = items[0];
            return p.name + ": " + (data.labels ? data.labels[p.dataIndex] : p.value);
          },
        },
        grid: { left: 8, right: 72, top: 16, bottom: 8, containLabel: true },
        xAxis: { type: "value", min: 0, max: 100, axisLabel: { formatter: "{value}%" } },
        yAxis: {
          type: "category",
          inverse: true,
          data: data.categories,
          axisLabel: { width: 220, overflow: "truncate" },
        },
        series: [
          {
            name: data.name,
            type: "bar",
            data: data.values,
            itemStyle: { color: "#198754" },
            label: {
              show: true,
              position: "right",
              formatter: function (p) {
                return data.labels ? data.labels[p.dataIndex] : String(p.value);
              },
            },
          },
        ],
      });
      window.addEventListener("resize", function () {
        chart.resize();
      });
    });
  }

  if (window.htmx) {
    window.htmx.onLoad(initCharts);
  } else {
    document.addEventListener("DOMContentLoaded", function () {
      initCharts(document);
    });
  }
})();
