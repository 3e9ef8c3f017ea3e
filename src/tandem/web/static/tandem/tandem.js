/* Tandem's small page behaviour on top of htmx. Everything works without it too. */
(function () {
  "use strict";

  function configure() {
    if (!window.htmx) return;
    // 422 answers carry the form re-rendered with its errors: swap them in like a success.
    htmx.config.responseHandling = [
      { code: "204", swap: false },
      { code: "[23]..", swap: true },
      { code: "422", swap: true, error: false },
      { code: "[45]..", swap: false, error: true },
      { code: "...", swap: false },
    ];
  }
  configure();

  // After a key result row is re-rendered, move focus so that five check-ins are five
  // "type, Enter" steps: on success to the next row's first input, on error to the wrong
  // field. htmx:load fires for the new row once it is in the page.
  document.addEventListener("htmx:load", function (event) {
    var row = event.detail.elt;
    if (!row || !row.classList || !row.classList.contains("kr")) return;
    var wrong = row.querySelector("[aria-invalid='true']");
    if (wrong) {
      wrong.focus();
      return;
    }
    if (!row.hasAttribute("data-saved")) return;
    row.classList.add("kr--saved");
    var rows = Array.prototype.slice.call(document.querySelectorAll(".kr[data-checkin]"));
    var index = rows.indexOf(row);
    for (var i = index + 1; i < rows.length; i++) {
      var next = rows[i].querySelector("[data-checkin-first]");
      if (next) {
        next.focus();
        if (next.select) next.select();
        return;
      }
    }
    var own = row.querySelector("[data-checkin-first]");
    if (own) own.focus();
  });

  // The check-in's confidence: a row of ten radio buttons keeps the last level unless
  // changed. A digit key picks a level (0 is 10); picking one by digit or by click moves
  // on to the note, where Enter saves the row (Shift+Enter starts a new line). Arrow keys
  // keep their usual radio-group behaviour.
  function noteOf(element) {
    var form = element.closest && element.closest("form.checkin");
    return form ? form.querySelector("[data-checkin-note]") : null;
  }

  function moveToNote(element) {
    var note = noteOf(element);
    if (note) window.setTimeout(function () { note.focus(); }, 0);
  }

  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (!target || !target.classList) return;
    if (target.classList.contains("confidence__radio") && /^[0-9]$/.test(event.key) &&
        !event.ctrlKey && !event.metaKey && !event.altKey) {
      var level = event.key === "0" ? "10" : event.key;
      var group = target.closest("[data-confidence]");
      var radio = group && group.querySelector("input[value='" + level + "']");
      if (!radio) return;
      event.preventDefault();
      radio.checked = true;
      radio.dispatchEvent(new Event("change", { bubbles: true }));
      moveToNote(radio);
      return;
    }
    if (target.hasAttribute && target.hasAttribute("data-checkin-note") &&
        event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      var form = target.closest("form");
      if (form) form.requestSubmit();
    }
  });

  document.addEventListener("click", function (event) {
    var choice = event.target && event.target.closest && event.target.closest(".confidence__choice");
    if (choice) moveToNote(choice);
  });

  // Arriving at a key result's row (the reminder e-mail's "check in" link ends in
  // #kr-<id>) puts the cursor in its first field, ready to type the new value.
  function focusLinkedRow() {
    var match = /^#kr-[0-9]+$/.exec(window.location.hash);
    var row = match && document.getElementById(match[0].slice(1));
    var first = row && row.hasAttribute("data-checkin") && row.querySelector("[data-checkin-first]");
    if (!first) return;
    first.focus();
    if (first.select) first.select();
  }
  // After "load": the browser's own scroll to the fragment comes first.
  if (document.readyState === "complete") focusLinkedRow();
  else window.addEventListener("load", focusLinkedRow);

  // The main navigation folds behind a menu button on narrow screens; the profile menu
  // closes on Escape or a click elsewhere. Without the script both stay plain lists.
  function setUpMenus() {
    var bar = document.querySelector("[data-topbar]");
    if (!bar) return;
    var button = bar.querySelector("[data-menu-button]");
    if (button) {
      bar.classList.add("has-menu");
      button.hidden = false;
      button.addEventListener("click", function () {
        var open = bar.classList.toggle("is-open");
        button.setAttribute("aria-expanded", open ? "true" : "false");
        if (open) {
          var first = bar.querySelector(".mainnav a");
          if (first) first.focus();
        }
      });
    }
    var profile = bar.querySelector("[data-profile]");
    document.addEventListener("click", function (event) {
      if (profile && profile.open && !profile.contains(event.target)) profile.open = false;
    });
    document.addEventListener("keydown", function (event) {
      if (event.key !== "Escape") return;
      if (profile && profile.open) {
        profile.open = false;
        profile.querySelector("summary").focus();
      } else if (button && bar.classList.contains("is-open")) {
        bar.classList.remove("is-open");
        button.setAttribute("aria-expanded", "false");
        button.focus();
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", setUpMenus);
  else setUpMenus();

  // A table wider than the screen scrolls inside its card. When nothing in the card can
  // take the focus, the card itself does (named by the table's caption), so that the
  // arrow keys scroll it; it gives the focus up again once it fits.
  function scrollingOf(table) {
    for (var box = table.parentElement; box && box.tagName !== "MAIN"; box = box.parentElement) {
      var overflow = getComputedStyle(box).overflowX;
      if ((overflow === "auto" || overflow === "scroll") && box.scrollWidth > box.clientWidth) return box;
    }
    return null;
  }
  function focusScrollers() {
    document.querySelectorAll("[data-scroll-focus]").forEach(function (box) {
      if (box.scrollWidth <= box.clientWidth) {
        box.removeAttribute("tabindex");
        if (box.getAttribute("data-scroll-focus") === "region") {
          box.removeAttribute("role");
          box.removeAttribute("aria-label");
        }
        box.removeAttribute("data-scroll-focus");
      }
    });
    document.querySelectorAll("main table").forEach(function (table) {
      var box = scrollingOf(table);
      if (!box || box.hasAttribute("tabindex")) return;
      if (box.querySelector("a[href], button, input, select, textarea, summary, [tabindex]")) return;
      box.setAttribute("tabindex", "0");
      box.setAttribute("data-scroll-focus", "");
      var caption = table.querySelector("caption");
      if (caption && !box.hasAttribute("role")) {
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", caption.textContent.trim());
        box.setAttribute("data-scroll-focus", "region");
      }
    });
  }
  var scrollersQueued = false;
  function queueScrollers() {
    if (scrollersQueued) return;
    scrollersQueued = true;
    requestAnimationFrame(function () {
      scrollersQueued = false;
      focusScrollers();
    });
  }
  window.addEventListener("resize", queueScrollers);
  document.addEventListener("htmx:afterSettle", queueScrollers);
  document.addEventListener("toggle", queueScrollers, true);
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", queueScrollers);
  else queueScrollers();

  // 403 and other refusals: show the server's message instead of failing silently.
  document.addEventListener("htmx:responseError", function (event) {
    var box = document.getElementById("messages");
    if (!box) return;
    var div = document.createElement("div");
    div.className = "message message--error";
    div.setAttribute("role", "alert");
    var text = (event.detail.xhr && event.detail.xhr.responseText) || "";
    var parsed = new DOMParser().parseFromString(text, "text/html");
    var message = parsed.querySelector("[data-message]");
    div.textContent = message ? message.textContent.trim() : "That did not work (" + event.detail.xhr.status + ").";
    box.appendChild(div);
  });
})();
