"""What readers see: document text in the chosen script, and Chinese labels.

The library's results are data (a passage is text plus the ranges that
matched); this is the one place that makes HTML of them (``marked_html``):
every character escaped, the ranges in ``<mark>``. Script conversion is
OpenCC's phrase-level conversion, which may change the length of the text,
so it is applied to each piece of text between the ranges, never before
marking: the marks stay on the characters that matched.
It runs through the fast converter of ``search.convert``, and long texts are
converted once: ``ConversionCache`` keeps them by content hash and conversion,
bounded in bytes, so a long article viewed again and again costs a hash, not a
conversion (a 2 MB article in Traditional script cost 4 s of CPU a request).

Bidirectional controls (U+202E and its kin) in a title could make a page
read other than it is: they are taken out of everything shown (the index
keeps the original).
"""

from __future__ import annotations

import hashlib
import re
import sys
import threading
from collections import OrderedDict
from collections.abc import Sequence
from html import escape
from typing import Any

from markupsafe import Markup

from search.convert import convert

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
    "nothing searchable": "查询里没有可搜索的文字（只有标点或符号），所以没有结果",
}


# The OpenCC config behind each display script.
CONVERSIONS = {"simplified": "t2s", "traditional": "s2t"}
CACHE_BYTES = 64 * 1024 * 1024
CACHED_FROM_CHARS = 2000  # shorter texts convert in well under a millisecond

# U+061C, U+200E/F, U+202A-202E, U+2066-2069: marks that reorder what follows.
# A regular expression, not str.translate: translate looks every character up
# in a dict (0.1 s for a 2 MB article), the search scans in C and finds none.
_BIDI_RE = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def strip_bidi(text: str | None) -> str | None:
    """``text`` without bidirectional control characters."""
    return _BIDI_RE.sub("", text) if text and _BIDI_RE.search(text) else text


class ConversionCache:
    """Converted long texts by (content hash, conversion), least recently used
    dropped first once they hold more than ``budget`` bytes."""

    def __init__(self, budget: int = CACHE_BYTES):
        self.budget = budget
        self.held = 0
        self._entries: OrderedDict[tuple[bytes, str], str] = OrderedDict()
        self._converting: dict[tuple[bytes, str], threading.Lock] = {}
        self._lock = threading.Lock()

    def convert(self, text: str, conversion: str) -> str:
        if len(text) < CACHED_FROM_CHARS:
            return convert(text, conversion)
        key = (hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest(), conversion)
        found = self._get(key)
        if found is not None:
            return found
        # Four readers asking for the same new article wait for one conversion,
        # rather than making four at once.
        with self._lock:
            converting = self._converting.setdefault(key, threading.Lock())
        with converting:
            found = self._get(key)
            if found is None:
                found = convert(text, conversion)
                self._put(key, found)
        with self._lock:
            self._converting.pop(key, None)
        return found

    def _get(self, key: tuple[bytes, str]) -> str | None:
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
            return found

    def _put(self, key: tuple[bytes, str], converted: str) -> None:
        size = sys.getsizeof(converted)
        with self._lock:
            if key in self._entries or size > self.budget:
                return
            self._entries[key] = converted
            self.held += size
            while self.held > self.budget:
                _, dropped = self._entries.popitem(last=False)
                self.held -= sys.getsizeof(dropped)


_cache = ConversionCache()


def convert_text(text: str | None, script: str) -> str | None:
    """Plain text in the display script (``original`` leaves it alone), bidi controls removed."""
    if not text:
        return text
    text = strip_bidi(text)
    if script == "original":
        return text
    return _cache.convert(text, CONVERSIONS[script])


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
    shown["title"] = convert_text(hit.get("title"), script)
    shown["source"] = strip_bidi(hit.get("source"))
    shown.setdefault("snippets", [])
    return shown


def document_for_display(document: dict[str, Any], script: str) -> dict[str, Any]:
    """A document with its title and text as marked HTML in the display script."""
    shown = dict(document)
    shown["title_html"] = marked_html(document.get("title") or "", document.get("title_ranges", ()), script)
    shown["body_html"] = marked_html(document.get("body") or "", document.get("body_ranges", ()), script)
    shown["title"] = convert_text(document.get("title"), script)
    shown["body"] = convert_text(document.get("body"), script)
    shown["source"] = strip_bidi(document.get("source"))
    for name in ("tags", "topics"):
        if name in document:
            shown[name] = [strip_bidi(value) for value in document[name] or []]
    return shown


def value_label(name: str, value: str) -> str:
    """A facet value as shown: ``2018`` -> 2018年, ``2018-06`` -> 6月."""
    value = strip_bidi(value) or ""
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
