"""What readers see: document text in the chosen script, and Chinese labels.

The library's results are data (a passage is text plus the ranges that
matched); this is the one place that makes HTML of them (``marked_html``):
every character escaped, the ranges in ``<mark>``. Script conversion is
OpenCC's phrase-level conversion, which may change the length of the text,
so it is applied to each piece of text between the ranges, never before
marking: the marks stay on the characters that matched.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape
from typing import Any

from markupsafe import Markup

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
    "ran as natural language": "按自然语言检索：不要求每个词都出现",
}


def convert_text(text: str | None, script: str) -> str | None:
    """Plain text in the display script (``original`` leaves it alone)."""
    if not text or script == "original":
        return text
    return convert_for_display(text, script)


def _pieces(text: str, ranges: Sequence[Sequence[int]], cut_before: bool, cut_after: bool):
    """(piece, marked) of ``text``: the text between ranges and the ranges,
    with "…" where a passage was cut."""
    pieces = []
    position = 0
    for start, end in ranges:
        pieces.append((text[position:start], False))
        pieces.append((text[start:end], True))
        position = end
    pieces.append((text[position:], False))
    if cut_before:
        pieces[0] = ("…" + pieces[0][0], False)
    if cut_after:
        pieces[-1] = (pieces[-1][0] + "…", False)
    return pieces


def marked_html(
    text: str,
    ranges: Sequence[Sequence[int]] = (),
    script: str = "original",
    cut_before: bool = False,
    cut_after: bool = False,
) -> Markup:
    """``text`` as HTML in the display script: every character escaped, the
    ranges wrapped in ``<mark>`` (each piece converted on its own)."""
    html = []
    for piece, marked in _pieces(text or "", ranges, cut_before, cut_after):
        if not piece:
            continue
        piece = escape(convert_text(piece, script) or "")
        html.append(f"<mark>{piece}</mark>" if marked else piece)
    return Markup("".join(html))


def passage_html(passage: dict[str, Any], script: str = "original") -> Markup:
    """A passage of a hit (``search.results.passage_data``) as marked HTML."""
    return marked_html(
        passage["text"], passage["ranges"], script, passage["cut_before"], passage["cut_after"]
    )


def hit_for_display(hit: dict[str, Any], script: str) -> dict[str, Any]:
    """A hit with its title and passages as HTML (``title_html``, ``snippets``)
    in the display script; the data (``passages``) stays in the original."""
    shown = dict(hit)
    if "passages" in hit:
        shown["snippets"] = [passage_html(passage, script) for passage in hit["passages"]]
        shown["title_html"] = marked_html(hit.get("title") or "", hit.get("title_ranges", ()), script)
    if script == "original":
        return shown
    shown["title"] = convert_text(hit.get("title"), script)
    shown.setdefault("snippets", [])
    return shown


def document_for_display(document: dict[str, Any], script: str) -> dict[str, Any]:
    """A document with its title and text as marked HTML in the display script."""
    shown = dict(document)
    shown["title_html"] = marked_html(document.get("title") or "", document.get("title_ranges", ()), script)
    shown["body_html"] = marked_html(document.get("body") or "", document.get("body_ranges", ()), script)
    if script == "original":
        return shown
    shown["title"] = convert_text(document.get("title"), script)
    shown["body"] = convert_text(document.get("body"), script)
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
