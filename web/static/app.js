// Keyboard use of the result pages; everything also works without this file.
// Loaded as a file (the Content-Security-Policy forbids inline scripts).
(function () {
  "use strict";

  function typing(target) {
    var tag = target && target.tagName;
    return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || (target && target.isContentEditable);
  }

  function hitLinks() {
    return Array.prototype.slice.call(document.querySelectorAll(".hit-title a"));
  }

  function moveFocus(step) {
    var links = hitLinks();
    if (!links.length) return;
    var index = links.indexOf(document.activeElement);
    var next = index === -1 ? (step > 0 ? 0 : links.length - 1) : index + step;
    next = Math.max(0, Math.min(links.length - 1, next));
    links[next].focus();
    links[next].scrollIntoView({block: "nearest"});
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    var box = document.getElementById("q");
    if (event.key === "Escape" && event.target === box) {
      box.blur();
      return;
    }
    if (typing(event.target)) return;
    if (event.key === "/" && box) {
      event.preventDefault();
      box.focus();
      box.select();
    } else if (event.key === "j") {
      moveFocus(1);
    } else if (event.key === "k") {
      moveFocus(-1);
    }
  });
})();
