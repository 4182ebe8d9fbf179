/* Documents register: behaviour for templates/docs/ and components/attachments.html.
   CSP forbids inline scripts, so it is attached here from data attributes.

   - form.attachment-upload[data-max-bytes]  refuse a file over the limit before
     uploading it (the server checks again), with the translated message in
     data-too-large.
*/
(function () {
  "use strict";

  function checkSize(input) {
    var form = input.form;
    if (!form || !form.matches("form.attachment-upload[data-max-bytes]")) {
      return true;
    }
    var limit = parseInt(form.dataset.maxBytes, 10);
    var file = input.files && input.files[0];
    var tooLarge = Boolean(file && limit && file.size > limit);
    input.setCustomValidity(tooLarge ? form.dataset.tooLarge || "" : "");
    if (tooLarge) {
      input.reportValidity();
    }
    return !tooLarge;
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (input.matches && input.matches("form.attachment-upload input[type=file]")) {
      checkSize(input);
    }
  });

  // Capture phase: stop the upload before htmx sends it.
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (!form.matches || !form.matches("form.attachment-upload")) {
        return;
      }
      var input = form.querySelector("input[type=file]");
      if (input && !checkSize(input)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );
})();
