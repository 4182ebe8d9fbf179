/* Official documents: templates/paperwork/paper_detail.html and paper_edit.html.
   CSP forbids inline scripts, so the behaviour is attached here.

   Detail page
   - #paper-status[data-status-url] holds a job's progress bar
     (components/job_progress.html), which polls itself while the job runs.
     Once the bar stops polling (the job finished or failed), reload the status
     block so the download links (or the error) appear without a click; while
     the document is being issued (data-reload-page) the whole page changes
     (number, state, buttons), so reload the page, once per bar.

   Block editor (#paper-editor)
   - Shows the controls marked [data-js-only]: add a block below any block,
     remove, move up/down, add and remove table rows, switch a text block
     between paragraph and heading.
   - On submit, writes the blocks as JSON into the hidden field "blocks"
     (the server reads it before the named fields, which are what it reads
     when this script does not run). A large table is sent as
     {"kind": "keep", "index": n}: the server keeps it as stored.
*/
(function () {
  "use strict";

  // --- detail page: progress ---------------------------------------------------

  var refreshing = false;
  var refreshedFor = null;

  function refreshWhenFinished() {
    var status = document.getElementById("paper-status");
    if (!status || refreshing || !window.htmx) {
      return;
    }
    var bar = status.querySelector(".job-progress");
    if (!bar || bar.hasAttribute("hx-get") || bar.id === refreshedFor) {
      return;
    }
    refreshedFor = bar.id;
    if (status.dataset.reloadPage) {
      var key = "paperwork-reloaded-" + bar.id;
      try {
        if (window.sessionStorage.getItem(key)) {
          return;
        }
        window.sessionStorage.setItem(key, "1");
      } catch (e) {
        /* storage off: reload once per page view anyway */
      }
      window.location.reload();
      return;
    }
    refreshing = true;
    window.htmx
      .ajax("GET", status.dataset.statusUrl, { target: "#paper-status", swap: "outerHTML" })
      .finally(function () {
        refreshing = false;
      });
  }

  document.addEventListener("htmx:afterSettle", refreshWhenFinished);
  document.addEventListener("DOMContentLoaded", refreshWhenFinished);

  // --- block editor -------------------------------------------------------------

  function blocksRoot(editor) {
    return editor.querySelector("#paper-blocks");
  }

  function showJsControls(root) {
    root.querySelectorAll("[data-js-only]").forEach(function (el) {
      el.hidden = false;
    });
  }

  function updateEmpty(editor) {
    var empty = document.getElementById("paper-blocks-empty");
    if (empty) {
      empty.hidden = blocksRoot(editor).querySelector("[data-block]") !== null;
    }
  }

  function newBlock(kind) {
    var template = document.getElementById("paper-template-" + kind);
    if (!template) {
      return null;
    }
    var block = template.content.firstElementChild.cloneNode(true);
    // The template's names ("block-new-...") are never read: the JSON is.
    block.querySelectorAll("[name]").forEach(function (el) {
      el.removeAttribute("name");
    });
    block.querySelectorAll("[id]").forEach(function (el) {
      el.removeAttribute("id");
    });
    block.querySelectorAll("label[for]").forEach(function (el) {
      el.removeAttribute("for");
    });
    if (kind === "heading") {
      var select = block.querySelector("[data-field=kind]");
      if (select) {
        select.value = "heading-1";
      }
    }
    showJsControls(block);
    return block;
  }

  function focusFirst(block) {
    var input = block.querySelector("[data-field=text], [data-cell]");
    if (input) {
      input.focus();
    }
  }

  function addRow(block) {
    var body = block.querySelector(".paper-editor-table tbody");
    var head = block.querySelectorAll(".paper-editor-table thead [data-cell]");
    if (!body) {
      return;
    }
    var tr = document.createElement("tr");
    for (var j = 0; j < head.length; j++) {
      var td = document.createElement("td");
      var area = document.createElement("textarea");
      area.className = "form-control form-control-sm";
      area.rows = 2;
      area.setAttribute("data-cell", "");
      area.setAttribute("aria-label", head[j].value || String(j + 1));
      td.appendChild(area);
      tr.appendChild(td);
    }
    var tools = document.createElement("td");
    tools.className = "paper-row-tools";
    var existing = block.querySelector("[data-remove-row]");
    if (existing) {
      tools.appendChild(existing.cloneNode(true));
    }
    tr.appendChild(tools);
    body.appendChild(tr);
    var first = tr.querySelector("textarea");
    if (first) {
      first.focus();
    }
  }

  // A paragraph <-> heading switch changes the text control (a heading is one line).
  function switchKind(select) {
    var block = select.closest("[data-block]");
    var field = block.querySelector("[data-field=text]");
    if (!field) {
      return;
    }
    var heading = select.value.indexOf("heading-") === 0;
    var isArea = field.tagName === "TEXTAREA";
    if (heading === !isArea) {
      return;
    }
    var replacement;
    if (heading) {
      replacement = document.createElement("input");
      replacement.className = "form-control fw-semibold";
      replacement.value = field.value.replace(/\s+/g, " ").trim();
    } else {
      replacement = document.createElement("textarea");
      replacement.className = "form-control paper-paragraph-input";
      replacement.rows = 4;
      replacement.value = field.value;
    }
    replacement.setAttribute("data-field", "text");
    ["name", "id", "aria-label"].forEach(function (attr) {
      if (field.hasAttribute(attr)) {
        replacement.setAttribute(attr, field.getAttribute(attr));
      }
    });
    field.parentNode.replaceChild(replacement, field);
    block.dataset.kind = heading ? "heading" : "paragraph";
  }

  function readMeta(block) {
    if (!block.dataset.meta) {
      return {};
    }
    try {
      return JSON.parse(block.dataset.meta) || {};
    } catch (e) {
      return {};
    }
  }

  function serialise(editor) {
    var out = [];
    blocksRoot(editor).querySelectorAll("[data-block]").forEach(function (block) {
      var kind = block.dataset.kind;
      var meta = readMeta(block);
      if (kind === "keep") {
        out.push({ kind: "keep", index: parseInt(block.dataset.keep, 10) });
        return;
      }
      if (kind === "table") {
        var columns = [];
        block.querySelectorAll(".paper-editor-table thead [data-cell]").forEach(function (el) {
          columns.push(el.value);
        });
        var rows = [];
        block.querySelectorAll(".paper-editor-table tbody tr").forEach(function (tr) {
          var cells = [];
          tr.querySelectorAll("[data-cell]").forEach(function (el) {
            cells.push(el.value);
          });
          rows.push({ cells: cells, group: tr.dataset.group === "1" });
        });
        out.push(Object.assign({}, meta, { kind: "table", columns: columns, rows: rows }));
        return;
      }
      var select = block.querySelector("[data-field=kind]");
      var value = select ? select.value : "paragraph";
      var text = block.querySelector("[data-field=text]");
      text = text ? text.value : "";
      if (value.indexOf("heading-") === 0) {
        out.push({ kind: "heading", text: text, level: parseInt(value.slice(8), 10) || 1 });
      } else {
        out.push(Object.assign({}, meta, { kind: "paragraph", text: text }));
      }
    });
    return out;
  }

  function initEditor() {
    var editor = document.getElementById("paper-editor");
    if (!editor) {
      return;
    }
    showJsControls(editor);

    editor.addEventListener("change", function (event) {
      if (event.target.matches("[data-field=kind]")) {
        switchKind(event.target);
      }
    });

    editor.addEventListener("click", function (event) {
      var button = event.target.closest("button");
      if (!button || !editor.contains(button)) {
        return;
      }
      var block = button.closest("[data-block]");
      var root = blocksRoot(editor);
      var added = null;
      if (button.dataset.move && block) {
        if (button.dataset.move === "up" && block.previousElementSibling) {
          root.insertBefore(block, block.previousElementSibling);
        } else if (button.dataset.move === "down" && block.nextElementSibling) {
          root.insertBefore(block.nextElementSibling, block);
        }
        button.focus();
      } else if (button.hasAttribute("data-remove") && block) {
        var message = editor.dataset.confirmRemove;
        if (!message || window.confirm(message)) {
          block.remove();
        }
      } else if (button.dataset.add && block) {
        added = newBlock(button.dataset.add);
        if (added) {
          block.after(added);
        }
      } else if (button.dataset.addEnd) {
        added = newBlock(button.dataset.addEnd);
        if (added) {
          root.appendChild(added);
        }
      } else if (button.dataset.addFirst) {
        added = newBlock(button.dataset.addFirst);
        if (added) {
          root.insertBefore(added, root.firstElementChild);
        }
      } else if (button.hasAttribute("data-add-row") && block) {
        addRow(block);
      } else if (button.hasAttribute("data-remove-row")) {
        var tr = button.closest("tr");
        if (tr) {
          tr.remove();
        }
      } else {
        return;
      }
      if (added) {
        focusFirst(added);
      }
      updateEmpty(editor);
    });

    editor.addEventListener("submit", function () {
      editor.querySelector("input[name=blocks]").value = JSON.stringify(serialise(editor));
    });
  }

  document.addEventListener("DOMContentLoaded", initEditor);
})();
