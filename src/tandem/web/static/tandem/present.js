/* The meeting presentation: one slide at a time, moved with the keyboard.
   Without JavaScript the slides read as one long page. */
(function () {
  "use strict";
  var slides = Array.prototype.slice.call(document.querySelectorAll(".slide"));
  var counter = document.querySelector("[data-counter]");
  var exit = document.querySelector("[data-exit]");
  if (!slides.length) return;
  document.body.classList.add("present--slides");
  var current = 0;

  function fromHash() {
    var match = /^#slide-(\d+)$/.exec(window.location.hash);
    if (!match) return 0;
    return Math.min(Math.max(parseInt(match[1], 10) - 1, 0), slides.length - 1);
  }

  function show(index) {
    current = Math.min(Math.max(index, 0), slides.length - 1);
    slides.forEach(function (slide, i) {
      slide.hidden = i !== current;
      slide.setAttribute("aria-label", (i + 1) + " of " + slides.length);
      if (i === current) slide.setAttribute("aria-current", "step");
      else slide.removeAttribute("aria-current");
    });
    counter.hidden = false;
    counter.textContent = (current + 1) + " / " + slides.length;
    if (window.history.replaceState) {
      window.history.replaceState(null, "", "#slide-" + (current + 1));
    }
  }

  document.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    switch (event.key) {
      case "ArrowRight":
      case "PageDown":
      case " ":
        show(current + 1);
        break;
      case "ArrowLeft":
      case "PageUp":
        show(current - 1);
        break;
      case "Home":
        show(0);
        break;
      case "End":
        show(slides.length - 1);
        break;
      case "f":
      case "F":
        if (document.fullscreenElement) document.exitFullscreen();
        else if (document.documentElement.requestFullscreen) {
          document.documentElement.requestFullscreen().catch(function () {});
        }
        break;
      case "Escape":
        // In full screen the browser leaves full screen first; a second Esc leaves.
        if (!document.fullscreenElement && exit) window.location.href = exit.href;
        break;
      default:
        return;
    }
    event.preventDefault();
  });

  window.addEventListener("hashchange", function () { show(fromHash()); });
  show(fromHash());
})();
