/* Form feedback (CSP: no inline script, so it is attached here):

   - Busy buttons: while a form is being submitted (plain or htmx) its submit
     buttons are disabled and show a spinner; the form gets aria-busy. They
     come back when an htmx request ends, or when the page is shown again
     from the back/forward cache.
   - Upload progress: an htmx form sending files shows a <progress> bar fed
     by htmx:xhr:progress.
   - A field's error goes away as soon as the field is edited (the server
     checks again on submit), so a fixed field never shows a stale message.
   - [data-maxlength] boxes (dieuphoi.core.forms.LimitedCharField) show a live
     "count / limit"; past the limit it turns red instead of cutting the text.
*/
(function () {
  "use strict";

  var SPINNER_CLASS = "busy-spinner";

  function submitButtons(form) {
    if (form.tagName === "BUTTON") {
      return [form]; // an hx-post button outside any form
    }
    var inside = Array.prototype.slice.call(form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]"));
    var outside = form.id ? Array.prototype.slice.call(document.querySelectorAll('[form="' + form.id + '"][type=submit]')) : [];
    return inside.concat(outside);
  }

  function setBusy(form, busy) {
    if (!form) {
      return;
    }
    if (busy) {
      form.setAttribute("aria-busy", "true");
    } else {
      form.removeAttribute("aria-busy");
    }
    submitButtons(form).forEach(function (button) {
      if (busy) {
        if (button.disabled) {
          return;
        }
        button.disabled = true;
        button.dataset.busy = "1";
        if (button.tagName === "BUTTON" && !button.querySelector("." + SPINNER_CLASS)) {
          var spinner = document.createElement("span");
          spinner.className = "spinner-border spinner-border-sm me-1 " + SPINNER_CLASS;
          spinner.setAttribute("aria-hidden", "true");
          button.insertBefore(spinner, button.firstChild);
        }
      } else if (button.dataset.busy) {
        button.disabled = false;
        delete button.dataset.busy;
        var old = button.querySelector("." + SPINNER_CLASS);
        if (old) {
          old.remove();
        }
      }
    });
  }

  function isHtmxForm(form) {
    return ["hx-post", "hx-get", "hx-put", "hx-patch", "hx-delete"].some(function (name) {
      return form.hasAttribute(name);
    });
  }

  // Plain submits: after everyone else (confirmations) has had a say, and
  // after the browser has read the form (a disabled submitter would drop its
  // name=value from the data), so on the next tick.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !form || form.tagName !== "FORM" || isHtmxForm(form)) {
      return;
    }
    if (form.method && form.method.toLowerCase() === "get") {
      return; // filters: nothing to protect from a double submit
    }
    window.setTimeout(function () {
      setBusy(form, true);
    }, 0);
  });

  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      document.querySelectorAll("form[aria-busy]").forEach(function (form) {
        setBusy(form, false);
      });
    }
  });

  function requestForm(event) {
    var elt = event.detail && event.detail.elt;
    if (!elt || !elt.closest) {
      return null;
    }
    if (event.detail.requestConfig && event.detail.requestConfig.verb === "get") {
      return null;
    }
    var form = elt.tagName === "FORM" ? elt : elt.closest("form");
    if (!form && elt.tagName === "BUTTON") {
      return elt;
    }
    return form;
  }

  function hasFiles(form) {
    if (form.tagName !== "FORM") {
      return false;
    }
    return Array.prototype.some.call(form.querySelectorAll("input[type=file]"), function (input) {
      return input.files && input.files.length > 0;
    });
  }

  function progressBar(form) {
    var bar = form.querySelector("progress.upload-progress");
    if (!bar) {
      bar = document.createElement("progress");
      bar.className = "upload-progress w-100 mt-2";
      bar.max = 100;
      bar.value = 0;
      bar.setAttribute("aria-label", document.body.dataset.uploadLabel || "Upload");
      form.appendChild(bar);
    }
    bar.hidden = false;
    return bar;
  }

  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = requestForm(event);
    if (!form) {
      return;
    }
    setBusy(form, true);
    if (hasFiles(form)) {
      progressBar(form).value = 0;
    }
  });

  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = requestForm(event);
    var detail = event.detail || {};
    if (!form || !detail.lengthComputable || !detail.total) {
      return;
    }
    var bar = form.tagName === "FORM" ? form.querySelector("progress.upload-progress") : null;
    if (bar) {
      bar.value = Math.round((100 * detail.loaded) / detail.total);
    }
  });

  document.addEventListener("htmx:afterRequest", function (event) {
    var form = requestForm(event);
    if (!form) {
      return;
    }
    setBusy(form, false);
    var bar = form.tagName === "FORM" ? form.querySelector("progress.upload-progress") : null;
    if (bar) {
      bar.hidden = true;
    }
  });

  // Stale errors: editing a field clears its error message.
  function clearError(event) {
    var field = event.target;
    if (!field || !field.closest) {
      return;
    }
    var wrap = field.closest(".form-field.has-error");
    if (wrap) {
      wrap.classList.remove("has-error");
      wrap.querySelectorAll(".invalid-feedback").forEach(function (el) {
        el.hidden = true;
        el.classList.remove("d-block");
      });
      wrap.querySelectorAll(".is-invalid").forEach(function (el) {
        el.classList.remove("is-invalid");
        el.removeAttribute("aria-invalid");
      });
    } else if (field.classList && field.classList.contains("is-invalid")) {
      field.classList.remove("is-invalid");
      field.removeAttribute("aria-invalid");
      var error = field.id ? document.getElementById(field.id + "_error") : null;
      if (error) {
        error.hidden = true;
        error.classList.remove("d-block");
      }
    }
  }
  document.addEventListener("input", clearError);
  document.addEventListener("change", clearError);

  // Live length count for [data-maxlength].
  function counterFor(box) {
    var id = box.id ? box.id + "_count" : "";
    var el = id ? document.getElementById(id) : null;
    if (!el) {
      el = document.createElement("div");
      if (id) {
        el.id = id;
      }
      el.className = "form-text text-end length-count";
      box.insertAdjacentElement("afterend", el);
    }
    return el;
  }

  function updateCount(box) {
    var limit = parseInt(box.dataset.maxlength, 10);
    if (!limit) {
      return;
    }
    var length = box.value.length;
    var el = counterFor(box);
    el.textContent = length + " / " + limit;
    var over = length > limit;
    el.classList.toggle("text-danger", over);
    el.classList.toggle("fw-semibold", over);
    if (over) {
      box.setAttribute("aria-invalid", "true");
    } else if (!box.classList.contains("is-invalid")) {
      box.removeAttribute("aria-invalid");
    }
  }

  document.addEventListener("input", function (event) {
    var box = event.target;
    if (box && box.dataset && box.dataset.maxlength) {
      updateCount(box);
    }
  });

  function initCounts(root) {
    if (!root || !root.querySelectorAll) {
      return;
    }
    root.querySelectorAll("[data-maxlength]").forEach(updateCount);
  }

  if (window.htmx) {
    window.htmx.onLoad(initCounts);
  } else {
    document.addEventListener("DOMContentLoaded", function () {
      initCounts(document);
    });
  }
})();
