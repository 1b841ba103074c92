"""Passages and marks: which characters of the original text matched.

Matching happens in the normalized text (Simplified, ASCII lower-cased),
which has exactly the length of the original, so a span found there marks
the same characters of the original in its own script: ``新乡`` marks
``新鄉``. Passages are data (text plus ranges); HTML is made only at the
edge, by ``render_html``, which escapes every character of the document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from html import escape

from search.normalize import normalize_for_search

# Chinese sentence ends (and their ASCII forms after folding); a line break
# also ends a passage.
_SENTENCE_RE = re.compile(r"[^。！？；!?;\n]*(?:[。！？；!?;]+[”’」』）)]*|\n|$)")
PASSAGE_CHARS = 140  # a passage longer than this is cut around its first match
MAX_PASSAGES = 3


@dataclass(frozen=True)
class Passage:
    """A piece of the original text and the ranges (relative to it) that matched."""

    text: str
    ranges: tuple[tuple[int, int], ...]
    start: int  # offset in the whole text
    cut_before: bool = False
    cut_after: bool = False


def find_spans(text: str, terms: list[str], normalized: str | None = None) -> list[tuple[int, int]]:
    """Merged (start, end) spans of every occurrence of the normalized terms."""
    haystack = normalized if normalized is not None else normalize_for_search(text)
    spans = []
    for term in terms:
        if not term:
            continue
        start = haystack.find(term)
        while start != -1:
            spans.append((start, start + len(term)))
            start = haystack.find(term, start + 1)
    return _merge(spans)


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, cut at 。！？； and line breaks."""
    bounds = []
    for match in _SENTENCE_RE.finditer(text):
        start, end = match.span()
        while start < end and text[start].isspace():
            start += 1
        stripped_end = end
        while stripped_end > start and text[stripped_end - 1].isspace():
            stripped_end -= 1
        if stripped_end > start:
            bounds.append((start, stripped_end))
    return bounds


def passages(
    text: str, terms: list[str], limit: int = MAX_PASSAGES, width: int = PASSAGE_CHARS
) -> list[Passage]:
    """Up to ``limit`` passages of ``text`` with the most distinct matched terms,
    in document order; the opening sentence when nothing matches."""
    normalized = normalize_for_search(text)
    spans = find_spans(text, terms, normalized)
    bounds = sentences(text)
    if not bounds:
        return []
    if not spans:
        start, end = bounds[0]
        return [_cut(text, start, end, [], width)]
    scored = []
    for number, (start, end) in enumerate(bounds):
        inside = [(s, e) for s, e in spans if s < end and e > start]
        if not inside:
            continue
        distinct = {normalized[s:e] for s, e in inside}
        scored.append((len(distinct), len(inside), -number, start, end, inside))
    scored.sort(reverse=True)
    chosen = sorted(scored[:limit], key=lambda item: item[3])
    return [_cut(text, start, end, inside, width) for *_, start, end, inside in chosen]


def _cut(text: str, start: int, end: int, spans: list[tuple[int, int]], width: int) -> Passage:
    cut_before = cut_after = False
    if end - start > width:
        first = spans[0][0] if spans else start
        new_start = max(start, min(first - width // 4, end - width))
        cut_before = new_start > start
        start = new_start
        if end - start > width:
            end, cut_after = start + width, True
    ranges = tuple((max(s, start) - start, min(e, end) - start) for s, e in spans if s < end and e > start)
    return Passage(text[start:end], ranges, start, cut_before, cut_after)


def render_html(passage: Passage) -> str:
    """The passage as HTML: every character escaped, matches in ``<mark>``."""
    return mark_html(passage.text, list(passage.ranges), passage.cut_before, passage.cut_after)


def mark_html(
    text: str, ranges: list[tuple[int, int]], cut_before: bool = False, cut_after: bool = False
) -> str:
    """Escape ``text`` and wrap the ranges in ``<mark>``."""
    pieces = ["…"] if cut_before else []
    position = 0
    for start, end in ranges:
        pieces.append(escape(text[position:start]))
        pieces.append("<mark>" + escape(text[start:end]) + "</mark>")
        position = end
    pieces.append(escape(text[position:]))
    if cut_after:
        pieces.append("…")
    return "".join(pieces)


def highlight_all(text: str, terms: list[str]) -> str:
    """The whole text as escaped HTML with every match marked (the document page)."""
    return mark_html(text, find_spans(text, terms))
