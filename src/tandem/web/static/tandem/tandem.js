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
