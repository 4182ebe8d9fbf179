/* Date fields: a calendar (flatpickr, vendored) on every input[data-date-input].

   - The box keeps the text the server reads: dd/mm/yyyy (yyyy-mm-dd typed by
     hand is accepted too, as DATE_INPUT_FORMATS allows). Typing stays
     possible; the calendar follows what is typed.
   - Vietnamese month and day names unless the page is in English; weeks
     start on Monday.
   - Deadline fields (name ending in "deadline", or [data-deadline]) get a
     warning under them when the chosen day is a day off. Days off come from
     <body data-days-off-url> (?from=YYYY-MM-DD&to=YYYY-MM-DD); the calendar
     greys them. If the endpoint is missing or fails, there is no warning and
     nothing else changes.
*/
(function () {
  "use strict";

  var ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
  var DMY = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;
  var monthCache = {}; // "YYYY-MM" -> Promise of {iso: name}
  var endpointBroken = false;

  function pad(n) {
    return (n < 10 ? "0" : "") + n;
  }

  function isoOf(date) {
    return date.getFullYear() + "-" + pad(date.getMonth() + 1) + "-" + pad(date.getDate());
  }

  function dmyOf(date) {
    return pad(date.getDate()) + "/" + pad(date.getMonth() + 1) + "/" + date.getFullYear();
  }

  function makeDate(y, m, d) {
    var date = new Date(y, m - 1, d);
    // 31/02 is not a date: refuse rather than roll over into March.
    if (date.getFullYear() !== y || date.getMonth() !== m - 1 || date.getDate() !== d) {
      return undefined;
    }
    return date;
  }

  function parse(text) {
    var value = (text || "").trim();
    var m = DMY.exec(value);
    if (m) {
      return makeDate(+m[3], +m[2], +m[1]);
    }
    m = ISO.exec(value);
    if (m) {
      return makeDate(+m[1], +m[2], +m[3]);
    }
    return undefined;
  }

  function isDeadline(input) {
    return input.hasAttribute("data-deadline") || /(^|[_-])deadline$/.test(input.name || "");
  }

  function daysOffUrl() {
    return document.body.dataset.daysOffUrl || "";
  }

  // {iso: label} of the days off in the month of `date` (cached per month).
  function daysOffOfMonth(date) {
    var url = daysOffUrl();
    if (!url || endpointBroken || !window.fetch) {
      return Promise.resolve({});
    }
    var first = new Date(date.getFullYear(), date.getMonth(), 1);
    var last = new Date(date.getFullYear(), date.getMonth() + 1, 0);
    var key = monthKey(first);
    if (!monthCache[key]) {
      var query = "?from=" + isoOf(first) + "&to=" + isoOf(last);
      monthCache[key] = fetch(url + query, { credentials: "same-origin", headers: { Accept: "application/json" } })
        .then(function (response) {
          if (!response.ok) {
            throw new Error(String(response.status));
          }
          return response.json();
        })
        .then(function (data) {
          var off = {};
          var rows = Array.isArray(data) ? data : data.days_off || [];
          rows.forEach(function (row) {
            if (typeof row === "string") {
              off[row] = "";
            } else if (row && row.date) {
              off[row.date] = row.name || "";
            }
          });
          return off;
        })
        .catch(function () {
          endpointBroken = true; // a missing endpoint is asked once, not per click
          delete monthCache[key];
          return {};
        });
    }
    return monthCache[key];
  }

  function warningFor(input) {
    var id = (input.id || input.name) + "-day-off";
    var el = document.getElementById(id);
    if (!el) {
      el = document.createElement("div");
      el.id = id;
      el.className = "form-text text-warning-emphasis day-off-warning";
      el.setAttribute("role", "status");
      el.setAttribute("aria-live", "polite");
      el.hidden = true;
      // After the input (or its input-group), before any help text.
      var anchor = input.closest(".input-group") || input;
      anchor.insertAdjacentElement("afterend", el);
      var described = (input.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
      if (described.indexOf(id) === -1) {
        described.push(id);
        input.setAttribute("aria-describedby", described.join(" "));
      }
    }
    return el;
  }

  function checkDayOff(input) {
    if (!isDeadline(input)) {
      return;
    }
    var date = parse(input.value);
    var el = document.getElementById((input.id || input.name) + "-day-off");
    if (!date) {
      if (el) {
        el.hidden = true;
      }
      return;
    }
    daysOffOfMonth(date).then(function (off) {
      var iso = isoOf(date);
      if (parse(input.value) === undefined || isoOf(parse(input.value)) !== iso) {
        return; // changed again meanwhile
      }
      if (!Object.prototype.hasOwnProperty.call(off, iso)) {
        if (el) {
          el.hidden = true;
        }
        return;
      }
      var warning = warningFor(input);
      var template = document.body.dataset.dayOffWarning || "%(date)s is a day off.";
      var text = template.replace("%(date)s", dmyOf(date));
      if (off[iso]) {
        text += " (" + off[iso] + ")";
      }
      warning.textContent = text;
      warning.hidden = false;
    });
  }

  function monthKey(date) {
    return date.getFullYear() + "-" + pad(date.getMonth() + 1);
  }

  // Only months already asked for (when the calendar opened): building the
  // calendar on page load asks the server nothing.
  function markDay(dayElem) {
    var date = dayElem.dateObj;
    if (!date || !monthCache[monthKey(date)]) {
      return;
    }
    monthCache[monthKey(date)].then(function (off) {
      var iso = isoOf(date);
      if (Object.prototype.hasOwnProperty.call(off, iso)) {
        dayElem.classList.add("day-off");
        if (off[iso]) {
          dayElem.title = off[iso];
        }
      }
    });
  }

  // The shown month and its neighbours (their days fill the first and last
  // rows), then the calendar is drawn again with the days off marked.
  function greyDaysOff(fp) {
    var y = fp.currentYear;
    var m = fp.currentMonth;
    var known = [-1, 0, 1].every(function (step) {
      return monthCache[monthKey(new Date(y, m + step, 1))];
    });
    Promise.all(
      [-1, 0, 1].map(function (step) {
        return daysOffOfMonth(new Date(y, m + step, 1));
      })
    ).then(function () {
      if (!known) {
        fp.redraw();
      }
    });
  }

  function attach(input) {
    if (input._flatpickr || !window.flatpickr) {
      return;
    }
    // flatpickr empties a box whose text is not a date when it loses focus
    // or on Enter. Keep what was typed instead: the server then says what is
    // wrong at the field. (Added before flatpickr's own handlers, so first.)
    function keepInvalidText(event) {
      var text = input.value.trim();
      if (event.type === "keydown" && event.key !== "Enter") {
        return;
      }
      if (text && parse(text) === undefined) {
        event.stopImmediatePropagation();
        if (input._flatpickr) {
          input._flatpickr.close();
        }
      }
    }
    input.addEventListener("blur", keepInvalidText);
    input.addEventListener("keydown", keepInvalidText);
    var english = (document.documentElement.lang || "vi").slice(0, 2) === "en";
    var options = {
      dateFormat: "d/m/Y",
      allowInput: true,
      disableMobile: true, // the native picker would show the phone's own order
      clickOpens: true,
      parseDate: function (text) {
        return parse(text);
      },
      formatDate: function (date) {
        return dmyOf(date);
      },
      onDayCreate: function (_dates, _str, _fp, dayElem) {
        markDay(dayElem);
      },
      onOpen: function (_dates, _str, fp) {
        greyDaysOff(fp);
      },
      onMonthChange: function (_dates, _str, fp) {
        greyDaysOff(fp);
      },
      onYearChange: function (_dates, _str, fp) {
        greyDaysOff(fp);
      },
      onChange: function () {
        checkDayOff(input);
        input.dispatchEvent(new Event("input", { bubbles: true }));
      },
    };
    if (!english && window.flatpickr.l10ns && window.flatpickr.l10ns.vn) {
      options.locale = window.flatpickr.l10ns.vn;
    } else {
      options.locale = { firstDayOfWeek: 1 };
    }
    window.flatpickr(input, options);
    input.addEventListener("change", function () {
      checkDayOff(input);
    });
    if (input.value) {
      checkDayOff(input);
    }
  }

  function init(root) {
    if (!root || !root.querySelectorAll) {
      return;
    }
    var inputs = root.matches && root.matches("input[data-date-input]") ? [root] : [];
    inputs = inputs.concat(Array.prototype.slice.call(root.querySelectorAll("input[data-date-input]")));
    inputs.forEach(attach);
  }

  // Swapped-out content takes its pickers with it; htmx history snapshots
  // must not keep the calendar's DOM.
  document.addEventListener("htmx:beforeHistorySave", function () {
    document.querySelectorAll("input[data-date-input]").forEach(function (input) {
      if (input._flatpickr) {
        input._flatpickr.destroy();
      }
    });
  });

  if (window.htmx) {
    window.htmx.onLoad(init);
  } else {
    document.addEventListener("DOMContentLoaded", function () {
      init(document);
    });
  }

  window.dieuphoi = window.dieuphoi || {};
  window.dieuphoi.dates = { parse: parse, init: init, checkDayOff: checkDayOff };
})();
