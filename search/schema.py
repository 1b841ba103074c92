"""The one Whoosh schema of xunwen, and the two field types it needs.

Word fields are positional (phrase queries) and hold jieba words of the
normalized text. The ``chars`` field holds each document's distinct character
bigrams, and its distinct characters alone, with no positions: it finds any
verbatim substring (a single character too), however jieba cut it, for a
third of the cost of positional bigrams; exact substrings are then checked
against the stored text.

Both field types accept either a string (analyzed here) or postings computed
ahead of time by ``search.indexer`` in worker processes, which is what makes
indexing fast: Whoosh then only writes, it does not tokenize.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import sub
from pickle import dumps

import numpy as np
from whoosh import fields, formats
from whoosh.analysis import IDTokenizer
from whoosh.system import pack_uint

from search.analysis import character_grams, chinese_analyzer, gram_of_key, gram_terms_of_keys, index_terms
from search.normalize import normalize_for_search
from search.request import FACETS

SCHEMA_VERSION = 2  # 2: single characters in ``chars`` beside the bigrams
INDEX_NAME = "xunwen"  # Whoosh index name inside the index folder

# Word positions of one field, computed in a worker: {word: [positions]}.
Postings = dict[str, list[int]]


def word_postings(text: str) -> Postings:
    """Index-time postings of a word field: search-mode words and positions."""
    return index_terms(normalize_for_search(text))[0]


class WordField(fields.TEXT):
    """A positional jieba word field that also takes precomputed postings."""

    # Its ``index_columns`` of a ``{word: [positions]}`` are what the segment writer's
    # ``add_positions`` makes in one C call (``search/_speedups.c``), which it then uses.
    positional_postings = True

    def __init__(self, stored: bool = False, field_boost: float = 1.0):
        super().__init__(analyzer=chinese_analyzer(), phrase=True, stored=stored, field_boost=field_boost)

    def index(self, value, **kwargs):
        postings = value if isinstance(value, dict) else word_postings(value)
        boost = self.format.field_boost
        for word, positions in postings.items():
            yield word.encode("utf-8"), len(positions), boost * len(positions), encode_positions(positions)

    def index_columns(self, value, boost: float = 1.0):
        """What ``index`` yields, as columns for ``GroupingSegmentWriter``:
        (terms as ``str``, field length, weights, encoded positions)."""
        postings = value if isinstance(value, dict) else word_postings(value)
        counts = list(map(len, postings.values()))
        field_boost = self.format.field_boost
        terms = list(postings)  # str: GroupedPostings encodes each distinct term once
        weights = [field_boost * count * boost for count in counts]  # in Whoosh's order of operations
        return terms, sum(counts), weights, list(map(encode_positions, postings.values()))


_ONE_POSITION: dict[int, bytes] = {}


def encode_positions(positions: list[int]) -> bytes:
    """``formats.Positions.encode``, byte for byte, with one-position lists
    (most words of a document) encoded once per position and reused."""
    if len(positions) == 1 and positions[0] < 65536:
        encoded = _ONE_POSITION.get(positions[0])
        if encoded is None:
            encoded = _ONE_POSITION[positions[0]] = _POSITIONS.encode(positions)
        return encoded
    # Positions.encode's loop of deltas, at C level: the same list of ints, pickled the same.
    deltas = list(map(sub, positions, [0, *positions[:-1]]))
    return pack_uint(len(deltas)) + dumps(deltas, 2)


_POSITIONS = formats.Positions()


class BigramField(fields.FieldType):
    """Distinct character bigrams and characters of the normalized text, presence only."""

    def __init__(self):
        self.format = formats.Existence()
        self.analyzer = IDTokenizer()
        self.scorable = False
        self.stored = False
        self.unique = False
        self.vector = None
        self.column_type = None

    # The indexer gives a document's grams as ``analysis.character_gram_keys``;
    # the segment writer turns a segment's keys back into terms with this.
    terms_of_keys = staticmethod(gram_terms_of_keys)

    def _grams(self, value) -> Iterable[str]:
        if isinstance(value, np.ndarray):
            return list(map(gram_of_key, value.tolist()))
        if isinstance(value, (set, frozenset, list)):
            return value
        return character_grams(normalize_for_search(value))

    def index(self, value, **kwargs):
        for gram in self._grams(value):
            yield gram.encode("utf-8"), 1, 1.0, b""

    def index_columns(self, value, boost: float = 1.0):
        """What ``index`` yields, as columns for ``GroupingSegmentWriter``: the
        keys themselves when given keys (the writer sorts them as they are)."""
        if isinstance(value, np.ndarray) and boost == 1.0:
            return value, len(value), None, None
        terms = list(self._grams(value))  # str, as WordField.index_columns
        return terms, len(terms), None if boost == 1.0 else [boost] * len(terms), None


def facet_field() -> fields.ID:
    return fields.ID(stored=True)


def build_schema() -> fields.Schema:
    """The schema: identity, text, verbatim bigrams, facets, provenance."""
    return fields.Schema(
        id=fields.ID(unique=True, stored=True),
        title=WordField(stored=True, field_boost=1.0),
        body=WordField(stored=True),
        chars=BigramField(),
        date=fields.ID(stored=True, sortable=True),  # "YYYY-MM-DD" / "YYYY-MM" / "YYYY"
        year=facet_field(),
        month=facet_field(),  # "YYYY-MM"
        source=facet_field(),
        province=facet_field(),
        city=facet_field(),
        county=facet_field(),
        regions=fields.KEYWORD(stored=True, commas=True),  # every region mentioned
        topics=fields.KEYWORD(stored=True, commas=True),
        tags=fields.KEYWORD(stored=True, commas=True),
        url=fields.STORED(),
        path=fields.ID(stored=True),
        content_hash=fields.ID(stored=True),
        meta=fields.STORED(),  # basis, title_derived, date_precision, extra fields
    )


# Facet fields as the searcher counts them: name -> (index field, multi-valued),
# from the one table of filters.
FACET_FIELDS = FACETS
