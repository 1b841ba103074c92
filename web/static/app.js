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

// The distinctive-words panel of a search page: computed only when opened.
(function () {
  "use strict";
  var panel = document.querySelector(".keywords-panel");
  if (!panel || !window.fetch) return;
  panel.addEventListener("toggle", function () {
    if (!panel.open || panel.dataset.loaded) return;
    panel.dataset.loaded = "1";
    var status = panel.querySelector(".keywords-status");
    var list = panel.querySelector(".keywords-list");
    status.textContent = "计算中…";
    fetch(panel.dataset.url, {headers: {"Accept": "application/json"}})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (!data.ok) { status.textContent = data.error || "出错了"; return; }
        status.textContent = "在 " + data.documents + " 篇结果中（抽样 " + data.sampled + " 篇找候选词）：";
        data.keywords.forEach(function (row) {
          var item = document.createElement("li");
          item.textContent = row.word + "（" + row.documents + " / " + row.collection_documents + "）";
          item.title = "对数似然比 " + row.score;
          list.appendChild(item);
        });
        if (!data.keywords.length) status.textContent = "没有明显的特征词。";
      })
      .catch(function () { status.textContent = "出错了，请重试。"; });
  });
})();
