/* The scorecard as a spreadsheet: type in a cell, Enter saves and moves down, Tab or an
   arrow key saves and moves on, Escape puts the saved value back.

   The server draws each cell a person may type in as its value in text (500 KPIs over
   13 weeks are 6,500 cells): this script makes those cells focusable and puts a
   labelled input in a cell when it takes the focus. Without JavaScript the page links
   to itself drawn with an input in every cell and a form per row (the cells' inputs
   name it), where Enter posts the row's values. With htmx each changed cell's value
   is sent in the background and the server answers with the KPI's row redrawn (new
   colours, health and trend), or with the reason it was refused, shown at the cell.
   Values of one row are sent one after the other, so answers cannot overtake each other,
   and what is being typed in another cell of the row survives the redraw. */
(function () {
  "use strict";

  var queues = {}; // row id -> promise of the last request sent for that row
  var waiting = {}; // row id -> cell ids typed in and not sent yet, in order
  var sending = {}; // row id -> id of the cell whose answer is awaited

  function tableOf(el) {
    return el.closest("table.scorecard");
  }

  function isDirty(input) {
    return input.value !== input.defaultValue;
  }

  function rowOf(el) {
    return el.closest("tr.sc-row");
  }

  function inputs(row) {
    return Array.prototype.slice.call(row.querySelectorAll("input.sc-input"));
  }

  // The period cells a person may type in: those of the rows marked data-editable.
  var EDITABLE = "tr.sc-row[data-editable] > td.sc-cell";

  function isEditable(el) {
    return !!(el && el.matches && el.matches(EDITABLE));
  }

  // Cells drawn as text take the focus (Tab, a click) like the inputs they become.
  function makeFocusable(root) {
    Array.prototype.forEach.call(root.querySelectorAll(EDITABLE), function (cell) {
      if (!cell.querySelector("input.sc-input")) cell.tabIndex = 0;
    });
  }

  // The column's heading: its period's first day (the input's name) and its words.
  function periodOf(cell) {
    var table = tableOf(cell);
    var heading = table && table.tHead && table.tHead.rows[0].cells[cell.cellIndex];
    return heading ? heading.querySelector("time[datetime]") : null;
  }

  // The cell's input, put in the cell if it is still text: named by the period's first
  // day, in the row's form if there is one, labelled with the KPI, the period and the
  // cell's colour.
  function editorOf(cell) {
    var input = cell.querySelector("input.sc-input");
    if (input) return input;
    var row = rowOf(cell);
    var period = periodOf(cell);
    if (!row || !period) return null;
    var kpi = row.getAttribute("data-kpi");
    var start = period.getAttribute("datetime");
    var text = cell.firstChild && cell.firstChild.nodeType === 3 ? cell.firstChild.nodeValue : "";
    var colour = cell.querySelector(".visually-hidden");
    var name = row.querySelector(".sc-kpi__name");
    input = document.createElement("input");
    input.className = "sc-input";
    input.id = "v-" + kpi + "-" + start.replace(/-/g, "");
    input.name = start;
    if (document.getElementById("sc-form-" + kpi)) input.setAttribute("form", "sc-form-" + kpi);
    input.defaultValue = text;
    input.setAttribute("inputmode", "decimal");
    input.setAttribute("autocomplete", "off");
    input.setAttribute(
      "aria-label",
      (name ? name.textContent : "") + ", " + period.getAttribute("data-label") + (colour ? colour.textContent : "")
    );
    cell.removeAttribute("tabindex");
    cell.textContent = "";
    cell.appendChild(input);
    return input;
  }

  // The input of a row's cell by its id (v-<kpi>-<yyyymmdd>), put in the cell if needed.
  function inputById(row, id) {
    var found = document.getElementById(id);
    if (found) return found;
    var day = id.slice(id.lastIndexOf("-") + 1);
    var cells = row.querySelectorAll("td.sc-cell");
    for (var i = 0; i < cells.length; i++) {
      var period = periodOf(cells[i]);
      if (period && period.getAttribute("datetime").replace(/-/g, "") === day) {
        return isEditable(cells[i]) ? editorOf(cells[i]) : null;
      }
    }
    return null;
  }

  // Focus a cell's input (a cell still drawn as text gets its input first).
  function focusCell(target) {
    var input = target && target.tagName === "TD" ? editorOf(target) : target;
    if (!input) return false;
    input.focus();
    if (input.select) input.select();
    return true;
  }

  // The cell in the same column of the nearest editable row above (-1) or below (+1),
  // in the same table (KPIs measured less often have tables of their own).
  function vertical(input, step) {
    var rows = Array.prototype.slice.call(tableOf(input).querySelectorAll("tr.sc-row[data-editable]"));
    var index = rows.indexOf(rowOf(input));
    var col = input.closest("td").cellIndex;
    for (var i = index + step; i >= 0 && i < rows.length; i += step) {
      var cell = rows[i].cells[col];
      if (isEditable(cell)) return cell;
    }
    return null;
  }

  function horizontal(input, step) {
    var cells = Array.prototype.slice.call(rowOf(input).querySelectorAll("td.sc-cell"));
    return cells[cells.indexOf(input.closest("td")) + step] || null;
  }

  // A cell drawn as text that takes the focus hands it to its input.
  document.addEventListener("focusin", function (event) {
    if (isEditable(event.target)) focusCell(event.target);
  });

  function send(rowId) {
    var list = waiting[rowId] || [];
    var cellId = list.shift();
    if (!cellId) return Promise.resolve();
    var input = document.getElementById(cellId);
    if (!input || !isDirty(input)) return send(rowId);
    var grid = tableOf(input);
    // The row's form where the page drew one (an input in every cell), else the table's
    // address for values, with the row's KPI.
    var address = input.form
      ? input.form.getAttribute("action")
      : grid.getAttribute("data-record").replace("{kpi}", rowOf(input).getAttribute("data-kpi"));
    sending[rowId] = cellId;
    input.classList.add("sc-input--pending");
    // The cell's own period and value only, not the whole row's form.
    return htmx
      .ajax("POST", address, {
        source: input,
        target: "#" + rowId,
        swap: "outerHTML",
        values: {
          period_start: input.name,
          value: input.value,
          periods: grid ? grid.getAttribute("data-periods") : "",
        },
      })
      .catch(function () {
        /* tandem.js shows refusals (403) in the messages area. */
      })
      .then(function () {
        delete sending[rowId];
        var still = document.getElementById(cellId);
        if (still) still.classList.remove("sc-input--pending");
        return send(rowId);
      });
  }

  function enqueue(input) {
    var row = rowOf(input);
    if (!row || !row.id) return;
    var list = (waiting[row.id] = waiting[row.id] || []);
    if (list.indexOf(input.id) === -1) list.push(input.id);
    queues[row.id] = (queues[row.id] || Promise.resolve()).then(function () {
      return send(row.id);
    });
  }

  function atStart(input) {
    return input.selectionStart === 0 && (input.selectionEnd === 0 || input.selectionEnd === input.value.length);
  }

  function atEnd(input) {
    return input.selectionEnd === input.value.length && (input.selectionStart === input.value.length || input.selectionStart === 0);
  }

  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("sc-input") || !window.htmx) return;
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var next = null;
    switch (event.key) {
      case "Enter":
        event.preventDefault();
        if (isDirty(input)) enqueue(input);
        next = event.shiftKey ? vertical(input, -1) : vertical(input, 1);
        if (!focusCell(next) && input.select) input.select();
        return;
      case "ArrowDown":
        next = vertical(input, 1);
        break;
      case "ArrowUp":
        next = vertical(input, -1);
        break;
      case "ArrowLeft":
        if (atStart(input)) next = horizontal(input, -1);
        break;
      case "ArrowRight":
        if (atEnd(input)) next = horizontal(input, 1);
        break;
      case "Escape":
        // A refused value is shown as typed; data-saved then holds the value stored.
        var saved = input.getAttribute("data-saved");
        input.value = saved === null ? input.defaultValue : saved;
        if (input.select) input.select();
        return;
      default:
        return;
    }
    if (next) {
      event.preventDefault();
      focusCell(next); // leaving the cell sends it (focusout below)
    }
  });

  // Leaving a changed cell saves it: Tab, a click elsewhere, an arrow key. A cell that
  // loses the focus because its row is being redrawn is not left: what was typed moves to
  // the redrawn cell (below), which is saved when the person really leaves it.
  document.addEventListener("focusout", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("sc-input") || !window.htmx) return;
    Promise.resolve().then(function () {
      if (input.isConnected && isDirty(input)) enqueue(input);
    });
  });

  // Without JavaScript Enter posts the row's form; with it, the keydown above already
  // sent the value, so a submit that still happens (a screen reader's) queues the row's
  // changed cells.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.classList || !form.classList.contains("sc-form") || !window.htmx) return;
    event.preventDefault();
    Array.prototype.forEach.call(form.elements, function (input) {
      if (input.classList.contains("sc-input") && isDirty(input)) enqueue(input);
    });
  });

  // Keep what is being typed in other cells of a row that is redrawn, and bring the
  // person back to a cell whose value was refused.
  // The cell being typed in keeps the focus and the caret too, so keys pressed while the
  // answer for another cell of the row arrives still land in it.
  var kept = {};
  var focused = {};
  document.addEventListener("htmx:beforeSwap", function (event) {
    var row = event.detail.target;
    if (!row || !row.classList || !row.classList.contains("sc-row")) return;
    var values = {};
    inputs(row).forEach(function (input) {
      if (input.id !== sending[row.id] && isDirty(input)) values[input.id] = input.value;
    });
    kept[row.id] = values;
    var active = document.activeElement;
    if (active && active.classList && active.classList.contains("sc-input") && row.contains(active)) {
      focused[row.id] = { id: active.id, start: active.selectionStart, end: active.selectionEnd };
    } else {
      delete focused[row.id];
    }
  });

  // The header row sticks under the site's top bar: as far down as the bar is tall.
  function measureTop() {
    var bar = document.querySelector(".topbar");
    var sticky = bar && getComputedStyle(bar).position === "sticky";
    document.documentElement.style.setProperty("--sc-top", (sticky ? bar.offsetHeight : 0) + "px");
  }
  document.addEventListener("DOMContentLoaded", measureTop);
  document.addEventListener("DOMContentLoaded", function () {
    makeFocusable(document);
  });
  window.addEventListener("resize", measureTop);

  document.addEventListener("htmx:afterSwap", function (event) {
    var id = event.detail.target && event.detail.target.id;
    var row = id && document.getElementById(id);
    if (!row || !row.classList.contains("sc-row")) return;
    makeFocusable(row);
    var values = kept[id] || {};
    delete kept[id];
    Object.keys(values).forEach(function (cellId) {
      var input = inputById(row, cellId);
      if (input) input.value = values[cellId];
    });
    var wrong = row.querySelector(".sc-input[aria-invalid='true']");
    var caret = focused[id];
    delete focused[id];
    if (wrong && wrong.id === sending[id]) {
      focusCell(wrong);
    } else if (caret) {
      var again = inputById(row, caret.id);
      if (again && document.activeElement !== again) {
        again.focus();
        if (again.setSelectionRange && caret.start !== null) again.setSelectionRange(caret.start, caret.end);
      }
    }
  });

})();
