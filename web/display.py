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

import functools
import hashlib
import re
import sys
import threading
from collections import OrderedDict
from collections.abc import Sequence
from html import escape
from typing import Any

from markupsafe import Markup

from search.request import UNKNOWN
from search.script import (
    convert,
    needs_conversion,
    script_family,
    text_script,
    to_reader,
    to_traditional_name,
)

SCRIPT_LABELS = {"original": "原文", "simplified": "简体", "traditional": "繁體", "traditional-hk": "港繁"}
# Said beside a title whose text the display converted (the UI speaks Simplified).
CONVERTED_NOTES = {"simplified": "（已由简体转换）", "traditional": "（已由繁体转换）"}
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
    "ran as natural language": "按自然语言检索：不要求每个词都出现",
}


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

    def convert(self, text: str, conversion: str, make=None) -> str:
        """``make()`` (by default the OpenCC ``conversion`` of ``text``), cached when ``text`` is long."""
        if make is None:

            def make():
                return convert(text, conversion)

        if len(text) < CACHED_FROM_CHARS:
            return make()
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
                found = make()
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


def convert_text(text: str | None, script: str, written: str | None = None) -> str | None:
    """Plain text for a reader of ``script``, bidi controls removed: as written
    when it is already in that script (or ``original``), else converted
    (``search.script.to_reader``; a long text once, then from the cache)."""
    if not text:
        return text
    text = strip_bidi(text)
    if script == "original":
        return text
    return _cache.convert(text, f"{script}/{written or ''}", lambda: to_reader(text, script, written))


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
    written: str | None = None,
    anchors: bool = False,
) -> Markup:
    """``text`` as HTML in the display script: every character escaped, the
    ranges wrapped in ``<mark>`` (each piece converted on its own, all of them
    judged as the script ``written`` when given, else as the whole text is)."""
    html = []
    if script != "original" and written is None:
        written = text_script(text)
    starts = iter(start for start, _ in ranges)
    for piece, marked in _pieces(text or "", ranges, cut_before, cut_after):
        # With ``anchors`` each mark is a place to link to: ``#at-START`` (the
        # concordance links every line to its match in the document).
        start = next(starts) if marked else None
        if not piece:
            continue
        piece = escape(convert_text(piece, script, written) or "")
        if marked:
            html.append(f'<mark id="at-{start}">{piece}</mark>' if anchors else f"<mark>{piece}</mark>")
        else:
            html.append(piece)
    return Markup("".join(html))


def passage_html(passage: dict[str, Any], script: str = "original", written: str | None = None) -> Markup:
    """A passage of a hit (``search.results.passage_data``) as marked HTML."""
    return marked_html(
        passage["text"], passage["ranges"], script, passage["cut_before"], passage["cut_after"], written
    )


def _script_keys(written: str, script: str) -> dict[str, Any]:
    """``written_in`` (the document's script) and ``converted_from`` (that
    script when the display converted it, else None), and the page's note."""
    converted = needs_conversion(written, script)
    return {
        "written_in": written,
        "converted_from": written if converted else None,
        "converted_note": CONVERTED_NOTES[written] if converted else "",
    }


def hit_for_display(hit: dict[str, Any], script: str) -> dict[str, Any]:
    """A hit with its title and passages as HTML (``title_html``, ``snippets``)
    in the display script; the data (``passages``) stays in the original.
    Its script is judged on its title and passages together."""
    shown = dict(hit)
    texts = [hit.get("title") or "", *(passage["text"] for passage in hit.get("passages", ()))]
    written = text_script("".join(texts))
    shown.update(_script_keys(written, script))
    if "passages" in hit:
        shown["snippets"] = [passage_html(passage, script, written) for passage in hit["passages"]]
        shown["title_html"] = marked_html(
            hit.get("title") or "", hit.get("title_ranges", ()), script, written=written
        )
    shown["title"] = convert_text(hit.get("title"), script, written)
    shown["source"] = strip_bidi(hit.get("source"))
    shown.setdefault("snippets", [])
    return shown


def document_for_display(document: dict[str, Any], script: str) -> dict[str, Any]:
    """A document with its title and text as marked HTML in the display script."""
    shown = dict(document)
    written = text_script((document.get("title") or "") + (document.get("body") or ""))
    shown.update(_script_keys(written, script))
    for name in ("title", "body"):
        shown[f"{name}_html"] = marked_html(
            document.get(name) or "",
            document.get(f"{name}_ranges", ()),
            script,
            written=written,
            anchors=name == "body",
        )
        shown[name] = convert_text(document.get(name), script, written)
    shown["source"] = strip_bidi(document.get("source"))
    for name in ("tags", "topics"):
        if name in document:
            shown[name] = [strip_bidi(value) for value in document[name] or []]
    return shown


# -- labels in the reader's script ------------------------------------------
# Facet values stay as the index holds them (Simplified) so filters are
# stable; only their labels follow the reader. A Taiwan, Hong Kong or Macau
# place is written in Traditional in 原文 too (it is written so where it is),
# by its official form (臺北市); 台湾省 is labelled by its own name, 臺灣
# (台湾 in 简体). An outlet shows as it writes itself in 原文 (三立新聞網).
_OWN_NAMES = {"台湾省": "台湾"}
_TRADITIONAL_PROVINCES = frozenset({"台湾省", "香港特别行政区", "澳门特别行政区"})
_HONG_KONG_STANDARD = frozenset({"香港特别行政区", "澳门特别行政区"})
_PLACE_FACETS = ("province", "city", "county", "region")


@functools.lru_cache(maxsize=8192)
def _province_of(place: str) -> str | None:
    from search.gazetteer import resolve

    region = resolve(place)
    return region.province if region is not None else None


def _label_script(name: str, value: str, script: str, traditional_sources: frozenset[str]) -> str | None:
    """The Traditional standard a label is written in; None: Simplified, as stored."""
    if script in ("traditional", "traditional-hk"):
        return script
    if script != "original":
        return None
    if name == "source":
        return "traditional" if value in traditional_sources else None
    if name in _PLACE_FACETS:
        province = _province_of(value)
        if province in _TRADITIONAL_PROVINCES:
            return "traditional-hk" if province in _HONG_KONG_STANDARD else "traditional"
    return None


def label(name: str, value: str, script: str, traditional_sources: frozenset[str] = frozenset()) -> str:
    """A value of a facet (or a hit's source, topic or place) as a reader of
    ``script`` sees it; years, months and ``none`` as ``value_label`` says."""
    if name in ("year", "month") or value == UNKNOWN:
        return value_label(name, value)
    place = name in _PLACE_FACETS
    value = strip_bidi(value) or ""
    shown = _OWN_NAMES.get(value, value) if place else value
    standard = _label_script(name, value, script, traditional_sources)
    return shown if standard is None else to_traditional_name(shown, standard, official=place)


def value_label(name: str, value: str) -> str:
    """A facet value as shown: ``2018`` -> 2018年, ``2018-06`` -> 6月, ``none`` -> 未知."""
    if value == UNKNOWN:
        return "未知"
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


def label_facets(facets: dict[str, list[dict]], script: str, traditional_sources: frozenset[str]) -> None:
    """Give each facet value its ``label`` in the reader's script (in place)."""
    for name, items in facets.items():
        for item in items:
            item["label"] = label(name, item["value"], script, traditional_sources)


def item_labels(item: dict[str, Any], script: str, traditional_sources: frozenset[str]) -> dict[str, Any]:
    """A hit's or document's source, places and topics as labels in the reader's
    script; in 原文 its source is written as the document itself is written."""
    places = [item.get(level) for level in ("province", "city", "county")]
    if item.get("written_in") and item.get("source"):
        traditional_sources = frozenset({item["source"]} if item["written_in"] == "traditional" else ())
    # Tags are words of the text (stored Simplified): in 原文 as the document is written.
    family = script_family(script)
    words_in = script if family == "traditional" else None
    if family is None and item.get("written_in") == "traditional":
        words_in = "traditional"
    return {
        "tags": [to_traditional_name(tag, words_in) if words_in else tag for tag in item.get("tags") or []],
        "regions": [label("region", place, script) for place in item.get("regions") or []],
        "source": label("source", item["source"], script, traditional_sources)
        if item.get("source")
        else None,
        "region": " / ".join(
            dict.fromkeys(label("province", place, script) for place in places if place)
        ),  # 北京市 is a province and a city: once
        "topics": [label("topic", topic, script) for topic in item.get("topics") or []],
    }
