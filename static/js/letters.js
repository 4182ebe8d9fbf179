/* Urging letters: templates/letters/letter_detail.html.
   CSP forbids inline scripts, so the behaviour is attached here.

   - #letter-status[data-status-url] holds the job's progress bar
     (components/job_progress.html), which polls itself while the job runs.
     Once the bar stops polling (the job finished or failed), reload the
     status block so the download links (or the error) appear without a click.
*/
(function () {
  "use strict";

  var refreshing = false;
  // Reload once per progress bar: a job the worker lost shows "failed" while
  // the letter still waits, and must not make the page reload in a loop.
  var refreshedFor = null;

  function refreshWhenFinished() {
    var status = document.getElementById("letter-status");
    if (!status || refreshing || !window.htmx) {
      return;
    }
    var bar = status.querySelector(".job-progress");
    if (!bar || bar.hasAttribute("hx-get") || bar.id === refreshedFor) {
      return;
    }
    refreshing = true;
    refreshedFor = bar.id;
    window.htmx
      .ajax("GET", status.dataset.statusUrl, { target: "#letter-status", swap: "outerHTML" })
      .finally(function () {
        refreshing = false;
      });
  }

  document.addEventListener("htmx:afterSettle", refreshWhenFinished);
  document.addEventListener("DOMContentLoaded", refreshWhenFinished);
})();
