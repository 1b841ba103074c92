"""What readers see: document text in the chosen script, and Chinese labels.

Script conversion is OpenCC's phrase-level conversion, which may change the
length of the text, so it is applied to the text between the marks of
already-marked HTML (``search.highlight.convert_marked``), never before
marking: the marks stay on the characters that matched.
"""

from __future__ import annotations

import functools
from typing import Any

from search.highlight import convert_marked
from search.normalize import convert_for_display

SCRIPT_LABELS = {"original": "原文", "simplified": "简体", "traditional": "繁體"}
SORT_LABELS = {"relevance": "相关度", "newest": "最新", "oldest": "最早"}
FACET_LABELS = {
    "province": "省份",
    "city": "城市",
    "county": "区县",
    "region": "地区",
    "year": "年份",
    "month": "月份",
    "topic": "主题",
    "source": "来源",
    "date_from": "起始日期",
    "date_to": "截止日期",
}
# How each metadata field was found, by the ``basis`` key the extractor uses.
BASIS_LABELS = {
    "title": "标题",
    "published": "日期",
    "source": "来源",
    "region": "地区",
    "topics": "主题",
    "tags": "标签",
}
# The query parser's notes (English in the library), for the Chinese UI.
_NOTE_LABELS = {
    "unbalanced quote": "引号不成对，已按普通文字搜索",
    "OR with nothing before it": "OR 前面没有词，已忽略",
    "OR with nothing after it": "OR 后面没有词，已忽略",
    "NOT with nothing after it": "NOT 后面没有词，已忽略",
    "query cut to its first": "查询过长，只使用了前面的部分",
    "only the first": "词太多，只使用了前面的部分",
}


def _converter(script: str):
    return functools.partial(convert_for_display, script=script)


def convert_text(text: str | None, script: str) -> str | None:
    """Plain text in the display script (``original`` leaves it alone)."""
    if not text or script == "original":
        return text
    return convert_for_display(text, script)


def convert_html(html: str, script: str) -> str:
    """Marked HTML (only ``<mark>`` markup) in the display script, marks kept."""
    if not html or script == "original":
        return html
    return convert_marked(html, _converter(script))


def hit_for_display(hit: dict[str, Any], script: str) -> dict[str, Any]:
    """A hit with its title and passages in the display script."""
    if script == "original":
        return hit
    shown = dict(hit)
    shown["title"] = convert_text(hit.get("title"), script)
    if "title_html" in hit:
        shown["title_html"] = convert_html(hit["title_html"], script)
    shown["snippets"] = [convert_html(snippet, script) for snippet in hit.get("snippets", [])]
    return shown


def document_for_display(document: dict[str, Any], script: str) -> dict[str, Any]:
    """A document with its title and text in the display script."""
    if script == "original":
        return document
    shown = dict(document)
    shown["title"] = convert_text(document.get("title"), script)
    shown["body"] = convert_text(document.get("body"), script)
    shown["title_html"] = convert_html(document.get("title_html", ""), script)
    shown["body_html"] = convert_html(document.get("body_html", ""), script)
    return shown


def value_label(name: str, value: str) -> str:
    """A facet value as shown: ``2018`` -> 2018年, ``2018-06`` -> 6月."""
    if name == "year" and value.isdigit():
        return f"{value}年"
    if name == "month" and len(value) == 7 and value[5:].isdigit():
        return f"{int(value[5:])}月"
    return value


def note_label(note: str) -> str:
    for prefix, label in _NOTE_LABELS.items():
        if note.startswith(prefix):
            return label
    return note
