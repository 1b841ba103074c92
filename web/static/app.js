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

// The document page: step through the matches (buttons, n / p) and copy a citation.
(function () {
  "use strict";

  var marks = Array.prototype.slice.call(document.querySelectorAll(".doc-body mark")).filter(function (mark) {
    // marks that touch are one match (the server counts them the same way)
    var before = mark.previousSibling;
    return !(before && before.nodeType === 1 && before.tagName === "MARK");
  });
  var counter = document.querySelector(".match-count");
  var current = -1;

  function show(index) {
    if (!marks.length) return;
    if (current >= 0) marks[current].classList.remove("current");
    current = (index + marks.length) % marks.length;  // past the last comes the first
    var mark = marks[current];
    mark.classList.add("current");
    mark.scrollIntoView({block: "center"});
    if (counter) counter.textContent = "第 " + (current + 1) + " / " + marks.length + " 处";
  }

  function step(by) {
    show(current === -1 ? (by > 0 ? 0 : marks.length - 1) : current + by);
  }

  if (marks.length) {
    Array.prototype.forEach.call(document.querySelectorAll(".match-previous, .match-next"), function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { step(button.classList.contains("match-next") ? 1 : -1); });
    });
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey || event.metaKey || event.altKey) return;
      var tag = event.target && event.target.tagName;
      if (tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || event.target.isContentEditable) return;
      if (event.key === "n") step(1);
      else if (event.key === "p") step(-1);
    });
  }

  var copy = document.querySelector(".copy-citation");
  var text = document.querySelector(".citation-text");
  var status = document.querySelector(".copy-status");
  if (!copy || !text) return;

  function fallback() {
    // No clipboard API (plain http on another host, an old browser): select the text and copy it the old way.
    var details = text.closest("details");
    if (details) details.open = true;
    text.focus();
    text.select();
    var copied = false;
    try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
    status.textContent = copied ? "已复制引用" : "已选中引用文字，请按 Ctrl+C 复制";
  }

  copy.hidden = false;
  copy.addEventListener("click", function () {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(text.value).then(function () {
        status.textContent = "已复制引用";
      }, fallback);
    } else {
      fallback();
    }
  });
})();

// Suggestions as you type: words and places of the index, from /api/suggest.
(function () {
  "use strict";

  var box = document.getElementById("q");
  if (!box || !window.fetch) return;
  var DELAY = 120;  // ms after the last keystroke: one request per pause, not per key
  var list = document.createElement("ul");
  list.id = "suggestions";
  list.className = "suggest-list";
  list.setAttribute("role", "listbox");
  list.setAttribute("aria-label", "搜索建议");
  list.hidden = true;
  box.parentNode.appendChild(list);
  box.setAttribute("role", "combobox");
  box.setAttribute("aria-autocomplete", "list");
  box.setAttribute("aria-controls", "suggestions");
  box.setAttribute("aria-expanded", "false");
  var timer = null;
  var asked = 0;  // answers to older requests are dropped
  var items = [];
  var active = -1;

  function lastWord(value) {
    var match = /(\S+)$/.exec(value);
    return match ? match[1].replace(/^[-"“(（]+/, "").replace(/^\w+:/, "") : "";
  }

  function close() {
    list.hidden = true;
    list.textContent = "";
    items = [];
    active = -1;
    box.setAttribute("aria-expanded", "false");
    box.removeAttribute("aria-activedescendant");
  }

  function choose(item) {
    var value = box.value;
    var word = lastWord(value);
    box.value = value.slice(0, value.length - word.length) + item.text;
    close();
    box.focus();
  }

  function highlight(index) {
    items.forEach(function (element, number) { element.setAttribute("aria-selected", number === index ? "true" : "false"); });
    active = index;
    if (index >= 0) box.setAttribute("aria-activedescendant", items[index].id);
    else box.removeAttribute("aria-activedescendant");
  }

  function render(suggestions) {
    close();
    if (!suggestions.length) return;
    suggestions.forEach(function (item, number) {
      var element = document.createElement("li");
      element.id = "suggestion-" + number;
      element.setAttribute("role", "option");
      element.setAttribute("aria-selected", "false");
      element.className = "suggestion " + item.kind;
      var text = document.createElement("span");
      text.className = "suggestion-text";
      text.textContent = item.text;  // text, never HTML
      var kind = document.createElement("span");
      kind.className = "suggestion-kind";
      kind.textContent = item.kind === "place" ? "地名" : "";
      var count = document.createElement("span");
      count.className = "suggestion-count";
      count.textContent = item.count + " 篇";
      element.appendChild(text);
      element.appendChild(kind);
      element.appendChild(count);
      element.addEventListener("mousedown", function (event) {
        event.preventDefault();  // keep the focus in the box
        choose(item);
      });
      list.appendChild(element);
      items.push(element);
    });
    list.hidden = false;
    box.setAttribute("aria-expanded", "true");
  }

  function ask() {
    var word = lastWord(box.value);
    if (!word) { close(); return; }
    var number = ++asked;
    fetch("/api/suggest?limit=8&q=" + encodeURIComponent(word), {headers: {"Accept": "application/json"}})
      .then(function (response) { return response.ok ? response.json() : {suggestions: []}; })
      .then(function (data) {
        if (number === asked && document.activeElement === box) render(data.suggestions || []);
      })
      .catch(close);
  }

  box.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(ask, DELAY);
  });
  box.addEventListener("keydown", function (event) {
    if (list.hidden) return;
    if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      event.preventDefault();
      var by = event.key === "ArrowDown" ? 1 : -1;
      highlight(active === -1 ? (by > 0 ? 0 : items.length - 1) : (active + by + items.length) % items.length);
    } else if (event.key === "Enter" && active >= 0) {
      event.preventDefault();  // the first Enter takes the suggestion, the next one searches
      choose({text: items[active].querySelector(".suggestion-text").textContent});
    } else if (event.key === "Escape") {
      event.stopPropagation();
      close();
    }
  });
  box.addEventListener("blur", function () { setTimeout(close, 100); });
})();
