/* Registry pages (templates/org). CSP forbids inline scripts, so the
   behaviour of the member panel on a body's page lives here:

   - [data-org-close-panel] inside #member-panel  closes the form instead of
     reloading the page (the link still works without JavaScript);
   - a form loaded or re-rendered in the panel gets the focus on its first
     field with an error, or its first field.
*/
(function () {
  "use strict";

  var FORM_IDS = ["member-panel", "membership-form", "membership-end-form", "duty-form"];

  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest("[data-org-close-panel]") : null;
    var panel = document.getElementById("member-panel");
    if (!link || !panel || !panel.contains(link)) {
      return;
    }
    event.preventDefault();
    panel.replaceChildren();
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || FORM_IDS.indexOf(target.id) === -1) {
      return;
    }
    var panel = document.getElementById("member-panel");
    if (!panel) {
      return;
    }
    var field =
      panel.querySelector(".is-invalid") ||
      panel.querySelector("input:not([type=hidden]), select, textarea");
    if (field) {
      field.focus();
    }
    panel.scrollIntoView({ block: "nearest" });
  });
})();
