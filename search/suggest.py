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
import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from search.engine.fixes import scanning_terms
from search.normalize import normalize_for_search

MAX_PREFIX_CHARS = 20
MAX_SUGGESTIONS = 10
# Until the lexicon table of an index generation is built (in the background,
# once), a prefix is looked up in Whoosh's own lexicon; a one-character prefix
# (新) opens thousands of words there, so that scan stops after this many.
MAX_TERMS_SCANNED = 20_000
WORD_FIELDS = ("body", "title")
TABLES_KEPT = 2  # index generations whose table is kept (the newest ones)


def _usable(prefix: str) -> str:
    """The prefix as the lexicon holds words: Simplified, ASCII lower-cased, trimmed."""
    return normalize_for_search(prefix.strip())[:MAX_PREFIX_CHARS]


def word_counts(reader, prefix: str) -> dict[str, int]:
    """Indexed words starting with ``prefix`` (normalized) -> documents holding them,
    read from the index's lexicon (the scan is capped)."""
    counts: dict[str, int] = {}
    for fieldname in WORD_FIELDS:
        for number, (term, info) in enumerate(reader.iter_prefix(fieldname, prefix)):
            if number >= MAX_TERMS_SCANNED:
                break
            word = term.decode("utf-8") if isinstance(term, bytes) else term
            counts[word] = max(counts.get(word, 0), info.doc_frequency())
    return counts


class WordTable:
    """Every indexed word of the title and body fields, sorted, with its count:
    a prefix is two bisections and a top-k of a NumPy slice (well under 1 ms)."""

    def __init__(self, counts: dict[str, int]):
        self.words = sorted(counts)
        self.counts = np.fromiter(
            (counts[word] for word in self.words), dtype=np.int64, count=len(self.words)
        )

    @classmethod
    def from_reader(cls, reader) -> WordTable:
        """Read the lexicons segment by segment (the merged view is five times slower)."""
        fields: list[dict[str, int]] = []
        for fieldname in WORD_FIELDS:
            counts: dict[str, int] = {}
            for leaf, _ in reader.leaf_readers():
                with scanning_terms(leaf):
                    for term, info in leaf.iter_field(fieldname):
                        word = term.decode("utf-8") if isinstance(term, bytes) else term
                        # Summed: the segments hold other documents.
                        counts[word] = counts.get(word, 0) + info.doc_frequency()
            fields.append(counts)
        merged = fields[0]
        for word, count in fields[1].items():
            merged[word] = max(merged.get(word, 0), count)
        return cls(merged)

    def top(self, prefix: str, limit: int) -> dict[str, int]:
        """Up to ``limit`` words starting with ``prefix``, most documents first."""
        low = bisect.bisect_left(self.words, prefix)
        high = bisect.bisect_left(self.words, prefix + "\U0010ffff", low)
        counts = self.counts[low:high]
        if len(counts) > limit:
            chosen = np.argpartition(-counts, limit - 1)[:limit]
        else:
            chosen = np.arange(len(counts))
        return {self.words[low + number]: int(counts[number]) for number in chosen.tolist()}


_tables: dict[tuple, WordTable] = {}
_building: set[tuple] = set()
_tables_lock = threading.Lock()


def _generation_key(reader) -> tuple:
    """The segments a reader reads: one key per index generation, across indexes."""
    return tuple(sorted(str(leaf.segment().segment_id()) for leaf, _ in reader.leaf_readers()))


def _build(key: tuple, open_reader: Callable[[], Any]) -> None:
    try:
        with open_reader() as reader:
            if _generation_key(reader) != key:
                return  # a newer generation came meanwhile: its own request builds it
            table = WordTable.from_reader(reader)
        with _tables_lock:
            _tables[key] = table
            for old in list(_tables)[:-TABLES_KEPT]:
                del _tables[old]
    finally:
        with _tables_lock:
            _building.discard(key)


def word_table(reader, open_reader: Callable[[], Any] | None = None, wait: bool = False) -> WordTable | None:
    """The word table of ``reader``'s generation; if it is not built yet, its
    building starts in a thread (reading with ``open_reader()``) and None is
    returned, unless ``wait``."""
    key = _generation_key(reader)
    with _tables_lock:
        table = _tables.get(key)
        if table is not None or open_reader is None:
            return table
        start = key not in _building
        _building.add(key)
    if wait:
        if start:
            _build(key, open_reader)
        else:
            while key in _building:
                time.sleep(0.05)
        return _tables.get(key)
    if start:
        threading.Thread(target=_build, args=(key, open_reader), daemon=True, name="xunwen-suggest").start()
    return None


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


def suggest(
    reader, prefix: str, limit: int = MAX_SUGGESTIONS, open_reader: Callable[[], Any] | None = None
) -> list[dict[str, Any]]:
    """Places and words starting with ``prefix``, most documents first:
    ``[{"text": "新乡市", "kind": "place", "level": "city", "count": 12}, ...]``.
    With ``open_reader`` (a new reader of the same index), the word table is
    used once built, and built in the background the first time."""
    prefix = _usable(prefix)
    if not prefix:
        return []
    table = word_table(reader, open_reader)
    # more than asked: places and one-character words are taken out of the words
    words_found = table.top(prefix, 4 * limit + 10) if table else word_counts(reader, prefix)
    places: dict[str, dict[str, Any]] = {}  # 北京市 is a province and a city: the larger count
    for level, name in place_names(prefix):
        count = reader.doc_frequency(level, name)
        if count and count > places.get(name, {}).get("count", 0):
            places[name] = {"text": name, "kind": "place", "level": level, "count": count}
    words = [
        {"text": word, "kind": "word", "count": count}
        for word, count in words_found.items()
        if count and word not in places and len(word) > 1  # one character completes nothing
    ]
    chosen = heapq.nsmallest(
        limit, [*places.values(), *words], key=lambda item: (-item["count"], item["text"])
    )
    return chosen
