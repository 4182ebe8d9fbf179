/* Key projects: the milestone timeline drawn with frappe-gantt (vendored in
   static/vendor/frappe-gantt/, loaded on the timeline page only).

   The chart is a picture of the table under it (role="img"): the table is
   the keyboard-accessible and printable equivalent, so the chart is read
   only and nothing on it is needed to use the page. The data comes from a
   <script type="application/json"> block (json_script), never from inline
   script, as the Content-Security-Policy requires. */
(function () {
  "use strict";

  // frappe-gantt writes a task's name and the popup with innerHTML: escape
  // everything that comes from the data.
  function escapeHtml(text) {
    return String(text)
      .replace(/&/g, "&amp;")
      .replace(/</g, "&lt;")
      .replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;")
      .replace(/'/g, "&#39;");
  }

  // frappe-gantt 1.2.2 draws a hatch <pattern> with a style="" attribute
  // (through innerHTML) and colours weekends with setAttribute("style"):
  // both break the CSP (style-src 'self'). Without ignored dates and without
  // holiday colouring neither is needed, so this does the rest of the
  // original method: the "today" marker.
  function patchGantt(Gantt) {
    if (Gantt.__dieuphoiPatched) return;
    Gantt.prototype.make_grid_highlights = function () {
      this.config.ignored_positions = [];
      this.highlight_current(this.config.view_mode);
    };
    Gantt.__dieuphoiPatched = true;
  }

  function popup(labels) {
    return function (ctx) {
      var t = ctx.task;
      ctx.get_title().textContent = t.display_name;
      ctx.get_subtitle().textContent = t.project;
      var details = ctx.get_details();
      details.textContent = "";
      [
        [labels.planned, t.planned],
        [labels.actual, t.actual || "—"],
        [labels.agency, t.agency],
        [labels.status, t.status_label]
      ].forEach(function (pair) {
        var line = document.createElement("div");
        line.textContent = pair[0] + ": " + pair[1];
        details.appendChild(line);
      });
    };
  }

  function draw(holder) {
    if (holder.dataset.drawn === "1" || !window.Gantt) return;
    var source = document.getElementById(holder.dataset.ganttSource);
    if (!source) return;
    var rows = JSON.parse(source.textContent || "[]");
    if (!rows.length) return;
    patchGantt(window.Gantt);
    var labels = {
      planned: holder.dataset.labelPlanned,
      actual: holder.dataset.labelActual,
      agency: holder.dataset.labelAgency,
      status: holder.dataset.labelStatus
    };
    var tasks = rows.map(function (row) {
      return {
        id: row.id,
        name: escapeHtml(row.name),
        display_name: row.name,
        start: row.start,
        end: row.end,
        progress: row.progress,
        custom_class: "kp-bar-" + row.status,
        project: row.project,
        planned: row.planned,
        actual: row.actual,
        agency: row.agency,
        status_label: row.status_label
      };
    });
    holder.textContent = "";
    var chart = new window.Gantt(holder, tasks, {
      language: holder.dataset.language || "vi",
      view_mode: holder.dataset.viewMode || "Month",
      readonly: true,
      today_button: false,
      view_mode_select: false,
      holidays: null,
      popup_on: "click",
      popup: popup(labels),
      bar_height: 22,
      padding: 14,
      container_height: "auto",
      scroll_to: "today",
      infinite_padding: false
    });
    holder.dataset.drawn = "1";
    holder.__gantt = chart;

    var box = holder.closest("[data-timeline]");
    if (!box) return;
    box.querySelectorAll("[data-view-mode]").forEach(function (button) {
      button.addEventListener("click", function () {
        chart.change_view_mode(button.dataset.viewMode);
        box.querySelectorAll("[data-view-mode]").forEach(function (b) {
          b.setAttribute("aria-pressed", b === button ? "true" : "false");
          b.classList.toggle("active", b === button);
        });
      });
    });
  }

  // The print button of the timeline (no inline handlers under the CSP).
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) window.print();
  });

  function init(root) {
    (root || document).querySelectorAll("[data-gantt-source]").forEach(draw);
  }

  if (window.htmx) {
    window.htmx.onLoad(init);
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
})();
