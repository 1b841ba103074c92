"""Passages and marks: which characters of the original text matched.

Matching happens in the normalized text (Simplified, ASCII lower-cased),
which has exactly the length of the original, so a span found there marks
the same characters of the original in its own script: ``新乡`` marks
``新鄉``. Passages are data (text plus ranges); HTML is made only at the
edge, by ``web.display.marked_html``, which escapes every character.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from search.normalize import normalize_for_search

# Chinese sentence ends (and their ASCII forms after folding); a line break
# also ends a passage.
_SENTENCE_RE = re.compile(r"[^。！？；!?;\n]*(?:[。！？；!?;]+[”’」』）)]*|\n|$)")
# Where a sentence too long for a passage may be cut: after a clause mark.
_CLAUSE_MARKS = frozenset("，、：,:")
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
    span_index = 0
    for number, (start, end) in enumerate(bounds):
        # Spans and sentences are both in order: walk them together.
        while span_index < len(spans) and spans[span_index][1] <= start:
            span_index += 1
        inside = []
        probe = span_index
        while probe < len(spans) and spans[probe][0] < end:
            inside.append(spans[probe])
            probe += 1
        if not inside:
            continue
        distinct = {normalized[s:e] for s, e in inside}
        scored.append((len(distinct), len(inside), -number, start, end, inside))
    scored.sort(reverse=True)
    chosen = sorted(scored[:limit], key=lambda item: item[3])
    return [_cut(text, start, end, inside, width) for *_, start, end, inside in chosen]


def _cut(text: str, start: int, end: int, spans: list[tuple[int, int]], width: int) -> Passage:
    """The sentence ``text[start:end]``, or, when it is longer than ``width``,
    a window around its first match that begins and ends at clause marks
    (，、：) where there are any close enough."""
    cut_before = cut_after = False
    if end - start > width:
        first, first_end = spans[0] if spans else (start, start)
        window_start = max(start, min(first - width // 4, end - width))
        if window_start > start:
            window_start = _clause_start(text, start, window_start, first)
            cut_before = window_start > start
        window_end = min(end, max(window_start + width, first_end))
        if window_end < end:
            window_end = _clause_end(text, window_start, window_end, first_end)
            cut_after = True
        start, end = window_start, window_end
    ranges = tuple((max(s, start) - start, min(e, end) - start) for s, e in spans if s < end and e > start)
    return Passage(text[start:end], ranges, start, cut_before, cut_after)


def _clause_start(text: str, sentence_start: int, window_start: int, first_match: int) -> int:
    """The start of the clause holding ``window_start``, if it is not far
    before it; else the first clause start after it that keeps the match."""
    for position in range(window_start, max(sentence_start, window_start - 30), -1):
        if text[position - 1] in _CLAUSE_MARKS:
            return position
    for position in range(window_start, first_match + 1):
        if text[position - 1] in _CLAUSE_MARKS:
            return position
    return window_start


def _clause_end(text: str, window_start: int, window_end: int, first_match_end: int) -> int:
    """The last clause end inside the window after the first match, else the window's end."""
    for position in range(window_end, first_match_end - 1, -1):
        if text[position - 1] in _CLAUSE_MARKS and position - window_start > 20:
            return position
    return window_end
