/* dieuphoi shared behaviour. CSP forbids inline scripts and hx-on, so all
   page behaviour is attached here from data attributes:

   - select[data-tom-select]            searchable select (Tom Select)
   - [data-confirm="question"]          ask before a click or a form submit
   - server "showToast" event           HX-Trigger: {"showToast": {"message": "...", "level": "success"}}
   - htmx errors                        toast with the translated text from <body data-htmx-*>
   - [data-copy-target="#id"]           copy the text of an element to the clipboard
*/
(function () {
  "use strict";

  var LEVELS = { success: "success", info: "info", warning: "warning", error: "danger", danger: "danger" };

  function toast(message, level) {
    var container = document.getElementById("toast-container");
    if (!container || !message) {
      return;
    }
    var variant = LEVELS[level] || "info";
    var el = document.createElement("div");
    el.className = "toast align-items-center border-0 text-bg-" + variant;
    el.setAttribute("role", variant === "danger" || variant === "warning" ? "alert" : "status");
    el.setAttribute("aria-live", variant === "danger" || variant === "warning" ? "assertive" : "polite");
    el.setAttribute("aria-atomic", "true");

    var wrap = document.createElement("div");
    wrap.className = "d-flex";
    var body = document.createElement("div");
    body.className = "toast-body";
    body.textContent = message; // never innerHTML: messages may echo user data
    var close = document.createElement("button");
    close.type = "button";
    close.className = "btn-close me-2 m-auto" + (variant === "warning" || variant === "info" ? "" : " btn-close-white");
    close.setAttribute("data-bs-dismiss", "toast");
    close.setAttribute("aria-label", document.body.dataset.closeLabel || "Close");
    wrap.appendChild(body);
    wrap.appendChild(close);
    el.appendChild(wrap);
    container.appendChild(el);

    if (window.bootstrap && window.bootstrap.Toast) {
      var instance = window.bootstrap.Toast.getOrCreateInstance(el, { delay: variant === "danger" ? 10000 : 5000 });
      el.addEventListener("hidden.bs.toast", function () {
        el.remove();
      });
      instance.show();
    } else {
      el.classList.add("show");
    }
  }

  function initTomSelect(root) {
    if (!window.TomSelect || !root || !root.querySelectorAll) {
      return;
    }
    var selects = root.matches && root.matches("select[data-tom-select]") ? [root] : [];
    selects = selects.concat(Array.prototype.slice.call(root.querySelectorAll("select[data-tom-select]")));
    selects.forEach(function (select) {
      if (select.tomselect) {
        return;
      }
      var options = {
        maxOptions: null,
        allowEmptyOption: true,
        plugins: select.multiple ? ["remove_button"] : [],
      };
      if (select.dataset.placeholder) {
        options.placeholder = select.dataset.placeholder;
      }
      // eslint-disable-next-line no-new
      new window.TomSelect(select, options);
    });
  }

  function destroyTomSelects() {
    document.querySelectorAll("select[data-tom-select]").forEach(function (select) {
      if (select.tomselect) {
        select.tomselect.destroy();
      }
    });
  }

  // Confirmations: capture phase, so the question comes before htmx or the
  // browser act on the click or submit.
  document.addEventListener(
    "click",
    function (event) {
      var el = event.target.closest ? event.target.closest("[data-confirm]") : null;
      if (!el || el.tagName === "FORM") {
        return;
      }
      if (!window.confirm(el.dataset.confirm)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );
  document.addEventListener(
    "submit",
    function (event) {
      var form = event.target;
      if (!form.matches || !form.matches("form[data-confirm]")) {
        return;
      }
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
        event.stopImmediatePropagation();
      }
    },
    true
  );

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-copy-target]") : null;
    if (!button || !navigator.clipboard) {
      return;
    }
    var source = document.querySelector(button.dataset.copyTarget);
    if (source) {
      navigator.clipboard.writeText(source.textContent.trim()).then(function () {
        toast(button.dataset.copiedMessage, "success");
      });
    }
  });

  function htmxErrorMessage(status) {
    var data = document.body.dataset;
    if (status === 403) {
      return data.htmxForbidden || data.htmxError;
    }
    return data.htmxError;
  }

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail && event.detail.xhr;
    toast(htmxErrorMessage(xhr ? xhr.status : 0), "error");
  });
  document.addEventListener("htmx:sendError", function () {
    toast(document.body.dataset.htmxNetworkError || document.body.dataset.htmxError, "error");
  });
  document.addEventListener("htmx:beforeHistorySave", destroyTomSelects);

  document.addEventListener("showToast", function (event) {
    var detail = event.detail || {};
    toast(detail.message || detail.value, detail.level);
  });

  if (window.htmx) {
    // Registered now (this deferred script runs before DOMContentLoaded), so it
    // sees htmx's initial load of <body> and every piece of swapped-in content.
    window.htmx.onLoad(initTomSelect);
  } else {
    document.addEventListener("DOMContentLoaded", function () {
      initTomSelect(document);
    });
  }

  window.dieuphoi = { toast: toast, initTomSelect: initTomSelect };
})();
