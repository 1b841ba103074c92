"""What is kept in memory per index generation: facet columns, the story
column, field lengths, and LRU caches of posting lists, verified quoted texts
and similar articles.

Segments never change, so everything read from one generation stays true
until the next commit; ``SearchIndex`` keeps one ``Generation`` at a time.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from search.engine.columns import FacetColumns, StoryColumn
from search.engine.postings import Postings, read_lengths, read_postings

# Cache budgets in bytes, per index generation (so per server process). By
# default they grow with the collection, from a floor: a search of a common word
# on a million articles reads posting arrays of several MB (every one of
# ``bench_search.py``'s queries: 76 MB of term arrays), and a cache smaller than
# that working set is emptied by every round of it (warm p50 on 1M over HTTP: 253 ms at a
# fixed 32 MiB, 49 ms in-process once it fits). Set a fixed budget with
# XUNWEN_*_CACHE_BYTES or ``set_cache_budgets`` (the app's config).
DEFAULT_BUDGETS = {  # name -> (floor in bytes, bytes per document above it)
    "term": (32 << 20, 256),  # posting arrays and their scores, 16 bytes a posting: 256 MB on 1M articles
    "verbatim": (16 << 20, 32),  # quoted texts and conditions, 1 byte a document: 32 of them
    "similar": (4 << 20, 0),  # similar articles' numbers
}


def _budget(variable: str) -> int | None:
    value = os.environ.get(variable)
    if value is None:
        return None
    if not value.isdigit():
        raise ValueError(f"{variable} must be a number of bytes, not {value!r}")
    return int(value)


# The budgets set (environment, ``set_cache_budgets``); a name missing takes its default.
CACHE_BUDGETS = {
    name: budget
    for name in DEFAULT_BUDGETS
    if (budget := _budget(f"XUNWEN_{name.upper()}_CACHE_BYTES")) is not None
}


def cache_budget(name: str, documents: int) -> int:
    """The budget in bytes of cache ``name`` for an index of ``documents`` documents."""
    if name in CACHE_BUDGETS:
        return CACHE_BUDGETS[name]
    floor, per_document = DEFAULT_BUDGETS[name]
    return max(floor, per_document * documents)


def set_cache_budgets(**budgets: int) -> None:
    """Set cache budgets in bytes (``term=``, ``verbatim=``, ``similar=``) for generations opened from now on."""
    unknown = set(budgets) - set(DEFAULT_BUDGETS)
    if unknown or any(not isinstance(value, int) or value < 0 for value in budgets.values()):
        raise ValueError(f"cache budgets are bytes (int >= 0) for {sorted(DEFAULT_BUDGETS)}: {budgets}")
    CACHE_BUDGETS.update(budgets)


def _cached_bytes(value) -> int:
    """About how many bytes a cached value holds: arrays by their buffers, tuples by their parts."""
    if hasattr(value, "nbytes"):
        return int(value.nbytes)
    if isinstance(value, (tuple, list)):
        return 64 + sum(_cached_bytes(item) for item in value)
    return 64


def _postings_bytes(postings: Postings | np.ndarray) -> int:
    """A term's postings, or the scores of its postings (``search.engine.evaluate``)."""
    if isinstance(postings, np.ndarray):
        return int(postings.nbytes)
    return postings.docs.nbytes + postings.weights.nbytes


class LRU:
    """A small thread-safe LRU map with a size budget."""

    def __init__(self, budget: int, size_of=lambda value: 1):
        self.budget = budget
        self.size_of = size_of
        self.used = 0
        self._items: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            value = self._items.get(key)
            if value is not None:
                self._items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        size = self.size_of(value)
        if size > self.budget:
            return
        with self._lock:
            if key in self._items:
                return
            self._items[key] = value
            self.used += size
            while self.used > self.budget:
                _, old = self._items.popitem(last=False)
                self.used -= self.size_of(old)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self.used = 0


@dataclass
class Generation:
    """What is kept in memory for one index generation (segments never change)."""

    columns: FacetColumns
    lengths: dict[str, np.ndarray] = field(default_factory=dict)
    terms: LRU = field(init=False)
    verbatim: LRU = field(init=False)
    similar: LRU = field(init=False)
    constant_scores: dict[tuple[str, str], float] = field(default_factory=dict)
    # (field, word) -> documents holding it, from the term table (distinctive
    # words look up thousands; one lookup reads every segment's table).
    doc_frequencies: dict[tuple[str, str], int] = field(default_factory=dict)
    stories: StoryColumn | None = None  # built on first use (``story_column``)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def __post_init__(self) -> None:
        documents = self.columns.size
        self.terms = LRU(cache_budget("term", documents), _postings_bytes)
        self.verbatim = LRU(cache_budget("verbatim", documents), _cached_bytes)
        self.similar = LRU(cache_budget("similar", documents), lambda found: 64 + 8 * len(found))

    def story_column(self, build: Callable[[], StoryColumn]) -> StoryColumn:
        """Each document's story, built (``build()``) once per generation."""
        with self.lock:
            if self.stories is None:
                self.stories = build()
            return self.stories

    def postings(self, reader, fieldname: str, text: str) -> Postings:
        postings = self.terms.get((fieldname, text))
        if postings is None:
            postings = read_postings(reader, fieldname, text)
            self.terms.put((fieldname, text), postings)
        return postings

    def doc_frequency(self, reader, fieldname: str, text: str) -> int:
        key = (fieldname, text)
        frequency = self.doc_frequencies.get(key)
        if frequency is None:
            frequency = self.doc_frequencies[key] = reader.doc_frequency(fieldname, text)
        return frequency

    def field_lengths(self, reader, fieldname: str) -> np.ndarray:
        with self.lock:
            if fieldname not in self.lengths:
                self.lengths[fieldname] = read_lengths(reader, fieldname, self.columns.size)
            return self.lengths[fieldname]
