/* Proposals: add and remove comment rows of an answer (the page works
   without this: it shows three rows, and more after a save with errors). */
(function () {
  "use strict";

  function setup(box) {
    var prefix = box.getAttribute("data-prefix");
    var form = box.closest("form");
    var total = form.querySelector('input[name="' + prefix + '-TOTAL_FORMS"]');
    var template = box.querySelector("template[data-empty-row]");
    var add = form.querySelector("[data-add-row]");
    if (!total || !template || !add) return;
    add.hidden = false;
    box.querySelectorAll("[data-remove-row]").forEach(function (b) { b.hidden = false; });

    add.addEventListener("click", function () {
      var index = parseInt(total.value, 10) || 0;
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      var holder = document.createElement("div");
      holder.innerHTML = html.trim();
      var row = holder.firstElementChild;
      box.insertBefore(row, template);
      total.value = String(index + 1);
      var first = row.querySelector("select, textarea");
      if (first) first.focus();
    });

    box.addEventListener("click", function (event) {
      var button = event.target.closest("[data-remove-row]");
      if (!button) return;
      var row = button.closest("[data-comment-row]");
      // The row's numbering stays: the server ignores an empty row.
      row.querySelectorAll("textarea").forEach(function (t) { t.value = ""; });
      row.querySelectorAll("select").forEach(function (s) { s.selectedIndex = 0; });
      row.hidden = true;
      add.focus();
    });
  }

  function init(root) {
    (root || document).querySelectorAll("[data-comment-rows]").forEach(setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
})();
