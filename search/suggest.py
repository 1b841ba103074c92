"""Completions of a prefix as the user types: indexed words of the title and
body fields and the gazetteer's place names, each with how many documents
hold it, most first. Read from the index's own lexicon, offline.

A word's count is its document frequency in the body (or in the title, when
that is larger: a lower bound of the documents holding it anywhere); a
place's count is the number of documents filed under that division, which is
what choosing it as a filter finds.
"""

from __future__ import annotations

import bisect
import functools
import heapq
from typing import Any

from search.normalize import normalize_for_search

MAX_PREFIX_CHARS = 20
MAX_SUGGESTIONS = 10
# A one-character prefix (新) opens thousands of words; the scan of the
# lexicon stops after this many, which keeps the answer well under 50 ms.
MAX_TERMS_SCANNED = 20_000
WORD_FIELDS = ("body", "title")


def _usable(prefix: str) -> str:
    """The prefix as the lexicon holds words: Simplified, ASCII lower-cased, trimmed."""
    return normalize_for_search(prefix.strip())[:MAX_PREFIX_CHARS]


def word_counts(reader, prefix: str) -> dict[str, int]:
    """Indexed words starting with ``prefix`` (normalized) -> documents holding them."""
    counts: dict[str, int] = {}
    for fieldname in WORD_FIELDS:
        for number, (term, info) in enumerate(reader.iter_prefix(fieldname, prefix)):
            if number >= MAX_TERMS_SCANNED:
                break
            word = term.decode("utf-8") if isinstance(term, bytes) else term
            counts[word] = max(counts.get(word, 0), info.doc_frequency())
    return counts


@functools.cache
def _place_table() -> tuple[list[str], list[tuple[str, str]]]:
    """Every name of every division (full and short, Simplified), sorted for
    prefix lookup, beside (level, full name) of the division it names."""
    from search import gazetteer

    rows = set()
    for region in gazetteer.regions():
        for name in (region.name, *region.short_names):
            if len(name) >= 2:
                rows.add((name, region.level, region.name))
    ordered = sorted(rows)
    return [row[0] for row in ordered], [(row[1], row[2]) for row in ordered]


def place_names(prefix: str) -> list[tuple[str, str]]:
    """(level, full name) of the divisions one of whose names starts with ``prefix``."""
    names, places = _place_table()
    start = bisect.bisect_left(names, prefix)
    found = []
    for number in range(start, len(names)):
        if not names[number].startswith(prefix):
            break
        found.append(places[number])
    return list(dict.fromkeys(found))


def suggest(reader, prefix: str, limit: int = MAX_SUGGESTIONS) -> list[dict[str, Any]]:
    """Places and words starting with ``prefix``, most documents first:
    ``[{"text": "新乡市", "kind": "place", "level": "city", "count": 12}, ...]``."""
    prefix = _usable(prefix)
    if not prefix:
        return []
    places: dict[str, dict[str, Any]] = {}  # 北京市 is a province and a city: the larger count
    for level, name in place_names(prefix):
        count = reader.doc_frequency(level, name)
        if count and count > places.get(name, {}).get("count", 0):
            places[name] = {"text": name, "kind": "place", "level": level, "count": count}
    words = [
        {"text": word, "kind": "word", "count": count}
        for word, count in word_counts(reader, prefix).items()
        if count and word not in places and len(word) > 1  # one character completes nothing
    ]
    chosen = heapq.nsmallest(
        limit, [*places.values(), *words], key=lambda item: (-item["count"], item["text"])
    )
    return chosen
