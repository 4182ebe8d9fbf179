/* Task pages: behaviour for templates/tasks/. CSP forbids inline scripts, so
   everything is attached here from data attributes. Each piece is progressive:
   without JavaScript the pages work (all fields shown, no chart).

   - button[data-formset-add="parts"]   add a co-operating agency row from
                                        <template id="parts-empty-form">
   - [data-deadline-kinds] radios       hide the deadline date unless "By a deadline"
   - [data-task-chart="<json id>"]      ECharts bar chart of the summary page
*/
(function () {
  "use strict";

  // --- co-operating agencies formset --------------------------------------
  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-formset-add]") : null;
    if (!button) {
      return;
    }
    var prefix = button.dataset.formsetAdd;
    var template = document.getElementById(prefix + "-empty-form");
    var rows = document.getElementById(prefix + "-rows");
    var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
    var max = document.getElementById("id_" + prefix + "-MAX_NUM_FORMS");
    if (!template || !rows || !total) {
      return;
    }
    var index = parseInt(total.value, 10) || 0;
    if (max && index >= parseInt(max.value, 10)) {
      return;
    }
    var holder = document.createElement("div");
    holder.innerHTML = template.innerHTML.replace(/__prefix__/g, String(index));
    var row = holder.firstElementChild;
    row.id = prefix + "-row-" + index;
    rows.appendChild(row);
    total.value = String(index + 1);
    if (window.dieuphoi && window.dieuphoi.initTomSelect) {
      window.dieuphoi.initTomSelect(row);
    }
    if (window.dieuphoi && window.dieuphoi.dates) {
      window.dieuphoi.dates.init(row); // the sub-deadline's calendar
    }
    var first = row.querySelector("select, input");
    if (first && first.tomselect) {
      first.tomselect.focus();
    } else if (first) {
      first.focus();
    }
  });

  // --- deadline kind -----------------------------------------------------------
  function syncDeadline(root) {
    var group = (root || document).querySelector("[data-deadline-kinds]");
    var field = document.getElementById("deadline-date-field");
    if (!group || !field) {
      return;
    }
    var checked = group.querySelector("input[type=radio]:checked");
    field.hidden = Boolean(checked && checked.value !== "date");
  }

  document.addEventListener("change", function (event) {
    if (event.target.closest && event.target.closest("[data-deadline-kinds]")) {
      syncDeadline(document);
    }
  });

  // --- summary chart -------------------------------------------------------------
  var COLOURS = {
    completed_on_time: "#198754",
    completed_late: "#6c757d",
    in_progress_within_deadline: "#0d6efd",
    overdue: "#dc3545",
  };

  function initCharts(root) {
    if (!window.echarts || !root || !root.querySelectorAll) {
      return;
    }
    root.querySelectorAll("[data-task-chart]").forEach(function (el) {
      if (el.dataset.chartReady) {
        return;
      }
      var source = document.getElementById(el.dataset.taskChart);
      if (!source) {
        return;
      }
      var data = JSON.parse(source.textContent);
      el.dataset.chartReady = "1";
      var chart = window.echarts.init(el, null, { renderer: "svg" });
      chart.setOption({
        animation: false,
        textStyle: { fontFamily: window.getComputedStyle(document.body).fontFamily },
        tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
        legend: { top: 0 },
        grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
        xAxis: { type: "value", minInterval: 1 },
        yAxis: {
          type: "category",
          inverse: true,
          data: data.categories,
          axisLabel: { width: 220, overflow: "truncate" },
        },
        series: data.series.map(function (s) {
          return {
            name: s.name,
            type: "bar",
            stack: "tasks",
            data: s.data,
            itemStyle: { color: COLOURS[s.key] },
            emphasis: { focus: "series" },
          };
        }),
      });
      window.addEventListener("resize", function () {
        chart.resize();
      });
    });
  }

  function onLoad(root) {
    syncDeadline(root);
    initCharts(root);
  }

  if (window.htmx) {
    window.htmx.onLoad(onLoad);
  } else {
    document.addEventListener("DOMContentLoaded", function () {
      onLoad(document);
    });
  }
})();
