"""Running searches: an open index in, plain dicts out.

Matching is done as sets: each clause's documents become a boolean mask over
document numbers, filters are masks from the facet columns, and the result is
their combination; NumPy counts facets and sorts by date. The same dict
serves the CLI, the Python API and the web's JSON and HTML.

Whoosh's matchers make several Python calls per posting (a common word took
90 ms to match on 75k articles, and as long again to rank), so the query
trees of ``search.query`` are evaluated here on whole posting lists, read
block by block into NumPy arrays: masks for matching, and BM25F scores for
every match. Whoosh itself then scores the best few exactly, so the order is
the one ``search.ranking`` defines. Posting lists of recent terms and the
verified matches of recent quoted phrases are kept per index generation.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
from whoosh import index as whoosh_index
from whoosh import query as wq
from whoosh.scoring import BM25F
from whoosh.util.numeric import byte_to_length

from search.facets import FacetColumns
from search.highlight import highlight_all, passages, render_html
from search.normalize import normalize_for_search, to_simplified
from search.query import (
    Clause,
    ParsedQuery,
    clause_query,
    highlight_terms,
    is_long,
    long_query_words,
    min_should_match,
    parse_query,
    query_words,
    scoring_query,
    verbatim_query,
)
from search.ranking import weighting
from search.schema import INDEX_NAME
from search.stories import StoryTable, published_key, read_table, story_lead
from search.whoosh_fixes import share_segment_bytes

SORTS = ("relevance", "newest", "oldest")
MAX_PER_PAGE = 100
MAX_PAGE = 1000
FACET_LIMIT = 50
FILTER_NAMES = ("province", "city", "county", "region", "topic", "source", "year", "month")
# facet name -> filters that facet ignores when counting (so several values
# of one facet can be chosen; a city facet still respects the province)
_FACET_IGNORES = {
    "province": {"province"},
    "city": {"city"},
    "county": {"county"},
    "year": {"year", "month"},
    "month": {"month"},
    "topic": {"topic"},
    "source": {"source"},
}
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MONTH_RE = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
REGION_LEVELS = ("province", "city", "county")


class QueryError(ValueError):
    """A parameter a client sent that cannot be searched (a 400, not a 500)."""


def parse_date(value: str, name: str) -> str:
    """A ``YYYY-MM-DD`` parameter, checked to be a real date."""
    if not _DATE_RE.match(value or ""):
        raise QueryError(f"{name} must be a date as YYYY-MM-DD, got {value!r}")
    try:
        dt.date.fromisoformat(value)
    except ValueError:
        raise QueryError(f"{name} is not a valid date: {value!r}") from None
    return value


def normalize_filters(filters: Mapping[str, Any] | None) -> dict[str, list[str]]:
    """Filters as ``{name: [values]}``, validated, values in Simplified."""
    result: dict[str, list[str]] = {}
    for name, raw in (filters or {}).items():
        values = [raw] if isinstance(raw, str) else list(raw or [])
        values = [str(value).strip() for value in values if str(value).strip()]
        if not values:
            continue
        if name in ("date_from", "date_to"):
            result[name] = [parse_date(values[-1], name)]
        elif name in FILTER_NAMES:
            if name == "year" and not all(value.isdigit() and len(value) == 4 for value in values):
                raise QueryError("year must be four digits")
            if name == "month" and not all(_MONTH_RE.match(value) for value in values):
                raise QueryError("month must be YYYY-MM")
            result[name] = list(dict.fromkeys(to_simplified(value) for value in values))
        else:
            raise QueryError(f"unknown filter {name!r}")
    if "date_from" in result and "date_to" in result and result["date_from"][0] > result["date_to"][0]:
        raise QueryError("date_from is after date_to")
    return result


def resolve_region_filters(
    filters: dict[str, list[str]], known: Mapping[str, Any] | None = None
) -> dict[str, list[str]]:
    """Region names as the index holds them (full Simplified names).

    ``region`` (any level, either script, short or full) stays a filter of its
    own, OR within it, so ``region=新乡&region=北京`` finds both; a name that
    resolves to nothing stays as given and matches nothing, rather than being
    dropped silently. A ``province``/``city``/``county`` value the index does
    not hold is resolved too when it names a division of that level
    (``province=河南`` is 河南省). ``known`` maps a level to the values held.
    """
    for level in ("region", *REGION_LEVELS):
        values = filters.get(level)
        if not values:
            continue
        held = (known or {}).get(level, ())
        resolved = []
        for value in values:
            if value not in held:
                region = _resolve_region(value)
                if region is not None and level in ("region", region.level):
                    value = region.name
            resolved.append(value)
        filters[level] = list(dict.fromkeys(resolved))
    return filters


def _resolve_region(name: str):
    from search.gazetteer import resolve

    return resolve(name)


# ---------------------------------------------------------------------------
# The index in NumPy: posting lists, field lengths, per-generation caches
# ---------------------------------------------------------------------------

# Scores of this many best matches (at least) are recomputed by Whoosh itself.
RESCORED = 40
# Deeper pages than this many ranks are ordered by the NumPy scores alone.
MAX_RESCORED = 2000
TERM_CACHE_POSTINGS = 4_000_000  # about 32 MB of posting arrays per index generation
VERBATIM_CACHE_ENTRIES = 64
SIMILAR_TERMS = 20  # key terms of an article that find articles like it
SIMILAR_CACHE_ENTRIES = 4096  # documents whose similar articles are kept
SIMILAR_COMMON_FLOOR = 100  # a word in fewer documents than this is never too common
_BLOCK_READER = ("_read_data", "_goto", "_nextoffset", "_lastblock", "_data")
_BYTE_LENGTHS = np.array([byte_to_length(byte) for byte in range(256)], dtype=np.float64)


class Postings(NamedTuple):
    """One term's postings over the whole index: document numbers (ascending) and weights."""

    docs: np.ndarray  # int32
    weights: np.ndarray  # float32 (term frequency times field boost)


def _leaf_postings(matcher) -> tuple[np.ndarray, np.ndarray]:
    """(documents, weights) of one segment's postings of a term.

    Reads Whoosh's posting blocks directly (one unpickling per block of 128,
    ids decoded by ``cumsum``) instead of one Python call per posting; other
    matchers (inlined postings) are read the general way.
    """
    while not all(hasattr(matcher, name) for name in _BLOCK_READER) and hasattr(matcher, "child"):
        matcher = matcher.child  # deleted documents are dropped by the live mask instead
    if not all(hasattr(matcher, name) for name in _BLOCK_READER):
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64)
    id_parts, weight_parts = [], []
    while True:
        if matcher._data is None:
            matcher._read_data()
        deltas, weights = matcher._data[0], matcher._data[1]
        ids = np.cumsum(np.array(deltas, dtype=np.int64))  # each block restarts from 0
        id_parts.append(ids)
        if weights is None:
            weight_parts.append(np.ones(len(ids)))
        elif isinstance(weights, float):
            weight_parts.append(np.full(len(ids), weights))
        else:
            weight_parts.append(np.array(weights, dtype=np.float64))
        if matcher._lastblock:
            break
        matcher._goto(matcher._nextoffset)
    return np.concatenate(id_parts), np.concatenate(weight_parts)


def read_postings(reader, fieldname: str, text: str) -> Postings:
    """A term's postings over every segment of ``reader``."""
    docs, weights = [], []
    for segment, offset in reader.leaf_readers():
        if (fieldname, text) in segment:
            ids, segment_weights = _leaf_postings(segment.postings(fieldname, text))
            docs.append(ids + offset)
            weights.append(segment_weights)
    if not docs:
        return Postings(np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))
    return Postings(np.concatenate(docs).astype(np.int32), np.concatenate(weights).astype(np.float32))


def read_lengths(reader, fieldname: str, size: int) -> np.ndarray:
    """Every document's length of a field as Whoosh scores it (byte-quantized)."""
    lengths = np.zeros(size, dtype=np.float64)
    for segment, offset in reader.leaf_readers():
        count = segment.doc_count_all()
        column = getattr(segment, "_perdoc", None)
        column = column._cached_reader(f"_{fieldname}_len", _lengths_column()) if column else None
        if column is not None and hasattr(column, "_basepos"):  # one byte per document
            raw = np.frombuffer(column._dbfile.get(column._basepos, column._count), dtype=np.uint8)
            lengths[offset : offset + len(raw)] = _BYTE_LENGTHS[raw]
        else:
            for docnum in range(count):
                lengths[offset + docnum] = segment.doc_field_length(docnum, fieldname, 0) or 0
    return lengths


def _lengths_column():
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN

    return LENGTHS_COLUMN


class _LRU:
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
class _Generation:
    """What is kept in memory for one index generation (segments never change)."""

    columns: FacetColumns
    lengths: dict[str, np.ndarray] = field(default_factory=dict)
    terms: _LRU = field(default_factory=lambda: _LRU(TERM_CACHE_POSTINGS, lambda p: len(p.docs)))
    verbatim: _LRU = field(default_factory=lambda: _LRU(VERBATIM_CACHE_ENTRIES))
    similar: _LRU = field(default_factory=lambda: _LRU(SIMILAR_CACHE_ENTRIES))
    constant_scores: dict[tuple[str, str], float] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def postings(self, reader, fieldname: str, text: str) -> Postings:
        postings = self.terms.get((fieldname, text))
        if postings is None:
            postings = read_postings(reader, fieldname, text)
            self.terms.put((fieldname, text), postings)
        return postings

    def field_lengths(self, reader, fieldname: str) -> np.ndarray:
        with self.lock:
            if fieldname not in self.lengths:
                self.lengths[fieldname] = read_lengths(reader, fieldname, self.columns.size)
            return self.lengths[fieldname]


# ---------------------------------------------------------------------------
# Evaluating query trees: masks and scores for every document at once
# ---------------------------------------------------------------------------


class _Evaluation:
    """Evaluates the Whoosh query trees of ``search.query`` over whole arrays.

    ``mask`` gives the documents a query matches, exactly as Whoosh would.
    ``scores`` gives the score of every document, or of some (``docs``):
    Whoosh's own for terms and their combinations (BM25F for word fields,
    the weighting's constant for presence-only fields); a phrase is scored
    as its words over every document, and by Whoosh itself over ``docs``,
    and ``exact`` says whether any estimate was made.
    """

    def __init__(self, generation: _Generation, searcher):
        self.generation = generation
        self.searcher = searcher
        self.reader = searcher.reader()
        self.size = generation.columns.size
        self.exact = True

    def _postings(self, term: wq.Term) -> Postings:
        return self.generation.postings(self.reader, term.fieldname, term.text)

    # -- matching ------------------------------------------------------------

    def mask(self, node: wq.Query) -> np.ndarray:
        kind = type(node)
        if kind is wq.Term:
            mask = np.zeros(self.size, dtype=bool)
            mask[self._postings(node).docs] = True
            return mask
        if kind is wq.And or (kind is wq.Or and not node.minmatch):
            if not node.subqueries:
                return np.zeros(self.size, dtype=bool)
            combine = np.logical_and if kind is wq.And else np.logical_or
            mask = self.mask(node.subqueries[0])  # every mask is a new array: combined in place
            for child in node.subqueries[1:]:
                combine(mask, self.mask(child), out=mask)
            return mask
        if kind is wq.ConstantScoreQuery:
            return self.mask(node.child)
        if kind is type(wq.NullQuery):
            return np.zeros(self.size, dtype=bool)
        if kind is wq.Every:
            return self.generation.columns.live.copy()
        return self._whoosh_mask(node)  # anything else (phrases): Whoosh decides

    def _whoosh_mask(self, node: wq.Query) -> np.ndarray:
        mask = np.zeros(self.size, dtype=bool)
        mask[np.fromiter(self.searcher.docs_for_query(node), dtype=np.int64)] = True
        return mask

    # -- scoring -------------------------------------------------------------

    def scores(self, node: wq.Query, docs: np.ndarray | None = None) -> np.ndarray:
        """Scores of ``docs`` (ascending), or of every document; 0 where it does not match."""
        return self._evaluate(node, docs)[1]

    def _evaluate(self, node: wq.Query, docs: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """(matched, score) of ``docs`` or of every document."""
        kind = type(node)
        if kind is wq.Term:
            return self._term(node, docs)
        if kind is wq.And or (kind is wq.Or and not node.minmatch):
            children = node.subqueries
            if len(children) == 1:  # Whoosh uses the child itself, boost and all
                return self._evaluate(children[0], docs)
            if not children:
                return self._nothing(docs)
            combine = np.logical_and if kind is wq.And else np.logical_or
            # One child at a time, folded in: the hundreds of terms of a long
            # query never hold an array of every document each at once.
            matched, score = self._nothing(docs)
            for number, child in enumerate(children):
                child_matched, child_score = self._evaluate(child, docs)
                if number == 0:
                    matched |= child_matched
                else:
                    combine(matched, child_matched, out=matched)
                score += np.where(child_matched, child_score, 0.0)
            return matched, np.where(matched, score * node.boost, 0.0)
        if kind is wq.ConstantScoreQuery:
            matched = self.mask(node.child)
            matched = matched if docs is None else matched[docs]
            return matched, matched * float(node.score)
        if kind is type(wq.NullQuery):
            return self._nothing(docs)
        if kind is wq.Every:
            matched = self.generation.columns.live if docs is None else self.generation.columns.live[docs]
            return matched, matched.astype(np.float64)
        if docs is not None:
            return self._whoosh_scores(node, docs)
        self.exact = False
        if kind is wq.Phrase:  # estimated as its words
            words = wq.And([wq.Term(node.fieldname, word) for word in node.words], boost=node.boost)
            return self._evaluate(words, None)
        matched = self._whoosh_mask(node)
        return matched, matched.astype(np.float64)

    def _nothing(self, docs: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        size = self.size if docs is None else len(docs)
        return np.zeros(size, dtype=bool), np.zeros(size)

    def _term(self, term: wq.Term, docs: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        postings = self._postings(term)
        if docs is None:
            matched, score = np.zeros(self.size, dtype=bool), np.zeros(self.size)
            matched[postings.docs] = True
            score[postings.docs] = self._term_scores(term, postings.docs, postings.weights) * term.boost
            return matched, score
        index = np.searchsorted(postings.docs, docs)
        inside = index < len(postings.docs)
        matched = np.zeros(len(docs), dtype=bool)
        matched[inside] = postings.docs[index[inside]] == docs[inside]
        found = index[matched]
        score = np.zeros(len(docs))
        score[matched] = self._term_scores(term, postings.docs[found], postings.weights[found]) * term.boost
        return matched, score

    def _term_scores(self, term: wq.Term, docs: np.ndarray, weights: np.ndarray) -> np.ndarray:
        fieldname, model = term.fieldname, self.searcher.weighting
        if not len(docs):
            return np.zeros(0)
        if not self.searcher.schema[fieldname].scorable:  # presence only: one score for all
            return np.full(len(docs), self._constant_score(term))
        weights = weights.astype(np.float64)
        if not isinstance(model, BM25F):  # another model: estimate; Whoosh scores the best
            self.exact = False
            return weights * self.searcher.idf(fieldname, term.text)
        b = model._field_B.get(fieldname, model.B)
        k1 = model.K1
        idf = self.searcher.idf(fieldname, term.text)
        average = self.searcher.avg_field_length(fieldname) or 1
        lengths = self.generation.field_lengths(self.reader, fieldname)[docs]
        return idf * ((weights * (k1 + 1)) / (weights + k1 * ((1 - b) + b * lengths / average)))

    def _constant_score(self, term: wq.Term) -> float:
        key = (term.fieldname, term.text)
        score = self.generation.constant_scores.get(key)
        if score is None:
            matcher = self.searcher.postings(term.fieldname, term.text, weighting=self.searcher.weighting)
            score = matcher.score() if matcher.is_active() else 0.0
            self.generation.constant_scores[key] = score
        return score

    def _whoosh_scores(self, node: wq.Query, docs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Whoosh's own (matched, score) of a few documents, moving each
        segment's matcher to them instead of through every match."""
        found = exact_scores(self.searcher, node, docs)
        matched = np.array([docnum in found for docnum in docs.tolist()], dtype=bool)
        return matched, np.array([found.get(docnum, 0.0) for docnum in docs.tolist()])


def exact_scores(searcher, query: wq.Query, docnums: np.ndarray) -> dict[int, float]:
    """Whoosh's scores of the documents (ascending ``docnums``) that ``query`` matches."""
    context = searcher.context()
    scores: dict[int, float] = {}
    for subsearcher, offset in searcher.leaf_searchers():
        count = subsearcher.reader().doc_count_all()
        local = docnums[(docnums >= offset) & (docnums < offset + count)] - offset
        if not len(local):
            continue
        matcher = query.matcher(subsearcher, context)
        for docnum in local.tolist():
            if not matcher.is_active():
                break
            matcher.skip_to(docnum)
            if matcher.is_active() and matcher.id() == docnum:
                scores[docnum + offset] = matcher.score()
    return scores


def _best(scores: np.ndarray, count: int) -> np.ndarray:
    """Indexes of the ``count`` highest scores, and of every score tied with the last."""
    if count >= len(scores):
        return np.arange(len(scores))
    threshold = np.partition(scores, len(scores) - count)[len(scores) - count]
    return np.flatnonzero(scores >= threshold)


class _StoredTexts:
    """Titles and bodies read straight from each segment's stored-fields
    column (half the cost of ``searcher.stored_fields`` per document)."""

    def __init__(self, searcher):
        self.searcher = searcher
        self.leaves = []  # (first docnum, end docnum, column reader or None)
        for segment, offset in searcher.reader().leaf_readers():
            perdoc = getattr(segment, "_perdoc", None)
            column = perdoc._cached_reader("_stored", _stored_column()) if perdoc is not None else None
            self.leaves.append((offset, offset + segment.doc_count_all(), column))

    def fields(self, docnum: int) -> dict[str, Any]:
        for first, end, column in self.leaves:
            if first <= docnum < end and column is not None:
                return column[docnum - first] or {}
        return self.searcher.stored_fields(docnum)


def _top(candidates: np.ndarray, scores: np.ndarray, count: int) -> list[int]:
    """The ``count`` best ``candidates`` by score, ties by document number (as Whoosh orders)."""
    best = _best(scores, count)
    candidates, scores = candidates[best], scores[best]
    return [int(docnum) for docnum in candidates[np.lexsort((candidates, -scores))][:count]]


def _stored_column():
    from whoosh.codec.whoosh3 import STORED_COLUMN

    return STORED_COLUMN


def documents_holding(searcher, needles: list[tuple[str, bool]], candidates: np.ndarray) -> list[list[int]]:
    """For each ``(needle, title_only)`` and its row of ``candidates`` (a bool
    matrix: needles by documents), the candidates whose title (or title or
    body) holds the normalized needle verbatim. Each document is read once."""
    stored = _StoredTexts(searcher)
    kept: list[list[int]] = [[] for _ in needles]
    for docnum in np.flatnonzero(candidates.any(axis=0)).tolist():
        fields = stored.fields(docnum)
        texts = (fields.get("title") or "", fields.get("body") or "")
        normalized = None
        for number in np.flatnonzero(candidates[:, docnum]).tolist():
            needle, title_only = needles[number]
            # Most documents hold the needle as it is; only the others need normalizing.
            if not any(needle in text for text in texts[: 1 if title_only else 2]):
                if normalized is None:
                    normalized = tuple(normalize_for_search(text) for text in texts)
                if not any(needle in text for text in normalized[: 1 if title_only else 2]):
                    continue
            kept[number].append(docnum)
    return kept


def _verbatim_key(clause: Clause) -> tuple[str, bool]:
    return clause.normalized, clause.field == "title"


@dataclass
class _Match:
    """What matching produced, for ranking, counting and facets."""

    searcher: Any
    generation: _Generation
    parsed: ParsedQuery
    filters: dict[str, list[str]]
    matched: np.ndarray  # bool per document: the query alone
    filter_masks: dict[str, np.ndarray]  # filter name -> bool per document
    final: np.ndarray  # the query and every filter

    @property
    def columns(self) -> FacetColumns:
        return self.generation.columns


class SearchIndex:
    """An open xunwen index. Thread-safe: each thread reads with its own
    searcher, and every search first picks up a newer commit if there is one."""

    def __init__(self, index_dir: str | Path):
        self.index_dir = Path(index_dir)
        if not whoosh_index.exists_in(str(self.index_dir), indexname=INDEX_NAME):
            raise FileNotFoundError(f"no xunwen index in {self.index_dir}")
        share_segment_bytes()  # one copy of the index per process, not per thread
        self._ix = whoosh_index.open_dir(str(self.index_dir), indexname=INDEX_NAME)
        self._local = threading.local()
        self._generations: dict[int, _Generation] = {}
        self._generations_lock = threading.Lock()

    # -- searcher and columns, per thread and generation ------------------

    def _searcher(self):
        current = getattr(self._local, "searcher", None)
        if current is not None and not current.up_to_date():
            # Not ``current.refresh()``: Whoosh 2.7's reader reuse keeps the
            # segments of the old generation alongside the new ones, so after a
            # merge or a rebuild every document was counted twice. Opening anew
            # is cheap: the segments' bytes are shared (``share_segment_bytes``).
            current.close()
            current = None
        if current is None:
            current = self._ix.searcher(weighting=weighting())
        self._local.searcher = current
        return current

    def _generation(self, searcher) -> _Generation:
        generation = searcher.reader().generation()
        key = generation if generation is not None else -1
        with self._generations_lock:
            state = self._generations.get(key)
            if state is None:
                state = _Generation(FacetColumns.from_reader(searcher.reader()))
                self._generations = {key: state}  # older generations are no longer read
            return state

    def _columns(self, searcher) -> FacetColumns:
        return self._generation(searcher).columns

    def clear_caches(self) -> None:
        """Forget cached posting lists and phrase matches (benchmarks measure without them)."""
        with self._generations_lock:
            for state in self._generations.values():
                state.terms.clear()
                state.verbatim.clear()
                state.similar.clear()

    def doc_count(self) -> int:
        return self._searcher().doc_count()

    def close(self) -> None:
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()
            self._local.searcher = None

    # -- matching ----------------------------------------------------------

    def _clause_mask(self, evaluation: _Evaluation, clause: Clause) -> np.ndarray:
        """The documents one clause matches (a quoted text checked against the texts)."""
        mask, unchecked = self._clause_candidates(evaluation, clause)
        if unchecked:
            self._check_verbatim(evaluation, [(clause, mask)], mask.copy())
        return mask

    def _clause_candidates(self, evaluation: _Evaluation, clause: Clause) -> tuple[np.ndarray, bool]:
        """The documents a clause matches, or for a quoted text not yet known,
        those that may hold it (all its bigrams: a superset) and True: they
        still need checking against their stored text."""
        normalized = clause.normalized
        verbatim = verbatim_query(normalized)
        if clause.quoted:
            cached = evaluation.generation.verbatim.get(_verbatim_key(clause))
            if cached is not None:
                return cached.copy(), False
            if verbatim is None:  # one character: the documents holding it as a word
                return evaluation.mask(clause_query(clause)), True
            # Two letters or digits held as a bigram are held verbatim.
            held = len(normalized) == 2 and normalized.isalnum() and clause.field != "title"
            return evaluation.mask(verbatim), not held
        if verbatim is not None and query_words(clause, drop_stop_words=True) == [normalized]:
            # One whole word of two or more characters: wherever it occurs as
            # a word it occurs verbatim, so the verbatim match (small bigram
            # postings) finds exactly the documents the word query would add.
            return evaluation.mask(verbatim), False
        return evaluation.mask(clause_query(clause)), False

    def _check_verbatim(
        self, evaluation: _Evaluation, pending: list[tuple[Clause, np.ndarray]], possible: np.ndarray
    ) -> None:
        """Narrow each quoted text's candidates (in place) to the documents
        holding it, checking only those the whole query can still match, each
        document read once for all the texts. A result checked over all its
        candidates is kept for the index generation."""
        by_needle: dict[tuple[str, bool], list[np.ndarray]] = {}  # a text quoted twice is checked once
        for clause, candidates in pending:
            by_needle.setdefault(_verbatim_key(clause), []).append(candidates)
        needles = list(by_needle)
        # A document holding the text as a word (or sub-word) token holds it
        # verbatim: only the other candidates need their stored text read.
        # ("新闻联播" quoted: 75,000 documents read before, a handful now.)
        held = [self._held_as_token(evaluation, *needle) for needle in needles]
        checked = np.array([by_needle[needle][0] & possible & ~sure for needle, sure in zip(needles, held, strict=True)])
        holders = documents_holding(evaluation.searcher, needles, checked)
        for needle, row, kept, sure in zip(needles, checked, holders, held, strict=True):
            masks = by_needle[needle]
            complete = np.count_nonzero(row) == np.count_nonzero(masks[0] & ~sure)
            for candidates in masks:
                candidates &= sure
                candidates[kept] = True
            if complete:
                evaluation.generation.verbatim.put(needle, masks[0].copy())

    @staticmethod
    def _held_as_token(evaluation: _Evaluation, needle: str, title_only: bool) -> np.ndarray:
        fields = ("title",) if title_only else ("title", "body")
        return np.logical_or.reduce([evaluation.mask(wq.Term(name, needle)) for name in fields])

    def _query_mask(self, evaluation: _Evaluation, parsed: ParsedQuery) -> np.ndarray:
        mask = evaluation.generation.columns.live.copy()
        if is_long(parsed):
            words = long_query_words(parsed)
            matched = np.zeros(evaluation.size, dtype=np.int32)
            for word in words:
                matched += self._clause_mask(evaluation, Clause(word))
            return mask & (matched >= min_should_match(len(words)))
        # (clause, mask, unchecked) for every clause. Quoted texts are checked
        # against the stored texts of the documents the rest of the query
        # allows, all at once: however many a query has, no document is read
        # twice. The checks narrow the masks in place.
        groups = [[(c, *self._clause_candidates(evaluation, c)) for c in group] for group in parsed.groups]
        excluded = [(c, *self._clause_candidates(evaluation, c)) for c in parsed.excluded]
        possible = mask.copy()
        for group in groups:
            possible &= np.logical_or.reduce([candidates for _, candidates, _ in group])
        every = [*(entry for group in groups for entry in group), *excluded]
        pending = [(clause, candidates) for clause, candidates, unchecked in every if unchecked]
        if pending:
            self._check_verbatim(evaluation, pending, possible)
        for group in groups:
            mask &= np.logical_or.reduce([candidates for _, candidates, _ in group])
        for _, candidates, _ in excluded:
            mask &= ~candidates
        return mask

    def _filter_masks(self, filters: dict[str, list[str]], columns: FacetColumns) -> dict[str, np.ndarray]:
        masks = {}
        for name, values in filters.items():
            if name in ("date_from", "date_to"):
                continue
            if name == "region":  # any level: OR of the levels' masks
                masks[name] = np.logical_or.reduce(
                    [columns.columns[level].mask(values) for level in REGION_LEVELS]
                )
            else:
                masks[name] = columns.columns[name].mask(values)
        if "date_from" in filters or "date_to" in filters:
            masks["date"] = columns.date_mask(
                filters.get("date_from", [None])[0], filters.get("date_to", [None])[0]
            )
        return masks

    def _match(self, query: str, filters: Mapping[str, Any] | None) -> _Match:
        """Parse, resolve and match: the documents the query and filters select."""
        parsed = parse_query(query)
        searcher = self._searcher()
        generation = self._generation(searcher)
        matched = self._query_mask(_Evaluation(generation, searcher), parsed)
        return self._filtered(searcher, generation, parsed, matched, filters)

    def _filtered(self, searcher, generation, parsed, matched, filters) -> _Match:
        """A query's matches narrowed by filters (given, and typed in the query)."""
        filters = normalize_filters(filters)
        for name, values in parsed.filters.items():  # source:河南日报 in the query text
            filters.setdefault(name, []).extend(v for v in values if v not in filters.get(name, []))
        filters = resolve_region_filters(filters, generation.columns.known)
        filter_masks = self._filter_masks(filters, generation.columns)
        final = matched.copy()
        for mask in filter_masks.values():
            final &= mask
        return _Match(searcher, generation, parsed, filters, matched, filter_masks, final)

    # -- the search --------------------------------------------------------

    def search(
        self,
        query: str = "",
        filters: Mapping[str, Any] | None = None,
        page: int = 1,
        per_page: int = 10,
        sort: str | None = None,
    ) -> dict[str, Any]:
        """Search; return ``total``, ``hits``, ``facets``, ``took_ms`` and the request echoed."""
        started = time.perf_counter()
        page, per_page, sort = check_paging(page, per_page, sort, query)
        match = self._match(query, filters)
        total = int(np.count_nonzero(match.final))
        docnums = self._page_docnums(match, sort, page, per_page)
        terms = highlight_terms(match.parsed)
        hits = [self._hit(match.searcher, docnum, terms) for docnum in docnums]
        facets = self._facets_for(match.columns, match.matched, match.filter_masks, match.filters)
        return {
            "query": query,
            "filters": match.filters,
            "sort": sort,
            "page": page,
            "per_page": per_page,
            "total": total,
            "pages": max(1, -(-total // per_page)),
            "hits": hits,
            "facets": facets,
            "notes": match.parsed.notes,
            "took_ms": round((time.perf_counter() - started) * 1000, 2),
        }

    def count(self, query: str = "", filters: Mapping[str, Any] | None = None) -> int:
        """How many documents a search would find (no ranking, passages or facets)."""
        return int(np.count_nonzero(self._match(query, filters).final))

    def counts(self, query: str, filter_sets: Iterable[Mapping[str, Any] | None]) -> list[int]:
        """``count`` of one query under each of several filter sets, the query matched once."""
        parsed = parse_query(query)
        searcher = self._searcher()
        generation = self._generation(searcher)
        matched = self._query_mask(_Evaluation(generation, searcher), parsed)
        return [
            int(np.count_nonzero(self._filtered(searcher, generation, parsed, matched, filters).final))
            for filters in filter_sets
        ]

    def _page_docnums(self, match: _Match, sort: str, page: int, per_page: int) -> list[int]:
        first = (page - 1) * per_page
        candidates = np.flatnonzero(match.final)
        if first >= len(candidates):
            return []
        if sort in ("newest", "oldest"):
            dates = match.columns.dates[candidates]
            if sort == "newest":
                order = np.lexsort((candidates, -dates))
            else:  # undated documents last, not first
                order = np.lexsort((candidates, np.where(dates > 0, dates, np.iinfo(np.int64).max)))
            return [int(d) for d in candidates[order][first : first + per_page]]
        ranked = self.rank(match, candidates, first + per_page)
        return ranked[first : first + per_page]

    def rank(self, match: _Match, candidates: np.ndarray, wanted: int) -> list[int]:
        """The ``wanted`` best of ``candidates`` (ascending) by relevance, ties
        by document number as in Whoosh. Scores are Whoosh's own; where the
        query has phrases, NumPy estimates choose the best few and those are
        scored exactly."""
        query = scoring_query(match.parsed)
        evaluation = _Evaluation(match.generation, match.searcher)
        scores = evaluation.scores(query)[candidates]
        if not evaluation.exact and wanted <= MAX_RESCORED:
            count = min(len(candidates), max(RESCORED, 2 * wanted))
            candidates = np.sort(candidates[_best(scores, count)])
            scores = evaluation.scores(query, candidates)
        return _top(candidates, scores, wanted)

    def _facets_for(self, columns, matched, filter_masks, filters) -> dict[str, list[dict]]:
        facets = {}
        for name, column in columns.columns.items():
            if name == "month" and "year" not in filters:
                continue
            mask = matched.copy()
            for filter_name, filter_mask in filter_masks.items():
                if filter_name not in _FACET_IGNORES.get(name, ()):
                    mask &= filter_mask
            selected = set(filters.get(name, []))
            counts = column.counts(mask)
            shown = counts[:FACET_LIMIT] + [pair for pair in counts[FACET_LIMIT:] if pair[0] in selected]
            present = {value for value, _ in shown}
            shown += [(value, 0) for value in selected if value not in present]
            facets[name] = [
                {"value": value, "count": count, "selected": value in selected} for value, count in shown
            ]
        return facets

    def _hit(self, searcher, docnum: int, terms: list[str]) -> dict[str, Any]:
        stored = searcher.stored_fields(docnum)
        hit = document_summary(stored)
        hit["snippets"] = [render_html(p) for p in passages(stored.get("body", ""), terms)]
        hit["title_html"] = highlight_all(hit["title"], terms)
        hit.update(self._story_fields(searcher, hit["id"]))  # stories: issue 14
        return hit

    # -- documents ---------------------------------------------------------

    def document(self, doc_id: str, query: str = "") -> dict[str, Any] | None:
        """One document with its full text (and the query's matches marked)."""
        searcher = self._searcher()
        docnum = _document_number(searcher, doc_id)
        if docnum is None:
            return None
        stored = searcher.stored_fields(docnum)
        document = document_summary(stored)
        terms = highlight_terms(parse_query(query)) if query else []
        meta = stored.get("meta") or {}
        document.update(
            body=stored.get("body", ""),
            body_html=highlight_all(stored.get("body", ""), terms),
            title_html=highlight_all(document["title"], terms),
            tags=_split(stored.get("tags")),
            regions=meta.get("other_regions", []),
            content_hash=stored.get("content_hash"),
            basis=meta.get("basis", {}),
            title_derived=meta.get("title_derived", False),
            date_precision=meta.get("date_precision"),
            extra=meta.get("extra", {}),
        )
        return document

    def similar(self, doc_id: str, limit: int = 5) -> list[dict[str, Any]]:
        """Articles like this one (Whoosh's more-like-this over the body words)."""
        searcher = self._searcher()
        docnum = _document_number(searcher, doc_id)
        if docnum is None:
            return []
        generation = self._generation(searcher)
        found = generation.similar.get((docnum, limit))
        if found is None:
            found = self._similar_docnums(searcher, generation, docnum, limit)
            generation.similar.put((docnum, limit), found)
        return [document_summary(searcher.stored_fields(other)) for other in found]

    def _similar_docnums(self, searcher, generation: _Generation, docnum: int, limit: int) -> list[int]:
        body = searcher.stored_fields(docnum).get("body", "")
        # What Whoosh's more_like does (its key terms, their weights as boosts),
        # scored in NumPy: the same articles, several times faster. Words in
        # more than a tenth of all documents (of a collection big enough to
        # tell) are left out: in a short article
        # a broadcast's standing opening (央视网消息, 新闻联播) ranks among its
        # key terms, says nothing about the subject, and its posting lists are
        # the longest there are (a second per page on 75k articles).
        key_terms = searcher.key_terms_from_text("body", body, numterms=SIMILAR_TERMS * 2, normalize=False)
        most = max(SIMILAR_COMMON_FLOOR, searcher.doc_count_all() // 10)
        key_terms = [(word, weight) for word, weight in key_terms if searcher.doc_frequency("body", word) <= most]
        if not key_terms:
            return []
        query = wq.Or([wq.Term("body", word, boost=weight) for word, weight in key_terms[:SIMILAR_TERMS]])
        scores = _Evaluation(generation, searcher).scores(query)
        scores[~generation.columns.live] = 0.0
        scores[docnum] = 0.0
        candidates = np.flatnonzero(scores > 0)
        return _top(candidates, scores[candidates], limit)

    def suggestions(self, query: str) -> list[str]:
        """Other ways to write a query that finds nothing: the other script,
        and indexed words that share its characters."""
        suggestions = []
        from search.normalize import convert_for_display

        for script in ("traditional", "simplified"):
            converted = convert_for_display(query, script)
            if converted != query and converted not in suggestions:
                suggestions.append(converted)
        searcher = self._searcher()
        reader = searcher.reader()
        for clause in parse_query(query).clauses():
            normalized = clause.normalized
            if len(normalized) >= 2:
                prefix = normalized[:2]
                close = [t.decode("utf-8") for t in reader.expand_prefix("body", prefix)][:50]
                close.sort(key=lambda word: -reader.doc_frequency("body", word))
                suggestions.extend(word for word in close[:5] if word != normalized)
        return list(dict.fromkeys(suggestions))[:8]

    # -- stories of reprints (issue 14; ``search.stories``) -----------------

    def _story_table(self, searcher) -> StoryTable | None:
        """The story store of the searcher's generation, read once per generation."""
        generation = searcher.reader().generation()
        cached = getattr(self, "_stories_cache", None)
        if cached is None or cached[0] != generation:
            cached = self._stories_cache = (generation, read_table(self.index_dir, generation))
        return cached[1]

    def _story_fields(self, searcher, doc_id: str) -> dict[str, Any]:
        """What a hit carries about its story: ``story`` (id or None) and ``story_size``."""
        table = self._story_table(searcher)
        story = table.story_of(doc_id) if table is not None else None
        return {"story": story, "story_size": table.size(story) if story is not None else 1}

    def story(self, doc_id: str) -> dict[str, Any] | None:
        """The story of a document: id, size, lead and members (id, source, date, title); None if unknown."""
        searcher = self._searcher()
        table = self._story_table(searcher)
        story = table.story_of(doc_id) if table is not None else None
        if story is None:
            return None
        members = []
        for member in table.members(story):
            docnum = _document_number(searcher, member)
            if docnum is not None:  # the store may name a document this generation lacks
                summary = document_summary(searcher.stored_fields(docnum))
                members.append({key: summary[key] for key in ("id", "source", "date", "published", "title")})
        lead = story_lead(members)
        members.sort(key=lambda member: (member["id"] != lead, published_key(member["published"]), member["id"]))
        for member in members:
            member["lead"] = member["id"] == lead
        return {"id": story, "size": len(members), "lead": lead, "members": members}


def _document_number(searcher, doc_id: str) -> int | None:
    """The document number of an id, None if unknown (or not even encodable:
    an id with a lone surrogate names no document)."""
    try:
        doc_id.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return searcher.document_number(id=doc_id)


def _split(value: str | None) -> list[str]:
    return [part for part in (value or "").split(",") if part]


def document_summary(stored: Mapping[str, Any]) -> dict[str, Any]:
    """The fields every hit carries, from a document's stored fields."""
    published = stored.get("date")
    return {
        "id": stored.get("id"),
        "title": stored.get("title") or "",
        # "date" is a full day or null; "published" also keeps "2018-06" and "2018".
        "date": published if published and len(published) == 10 else None,
        "published": published,
        "source": stored.get("source"),
        "province": stored.get("province"),
        "city": stored.get("city"),
        "county": stored.get("county"),
        "topics": _split(stored.get("topics")),
        "url": stored.get("url"),
        "path": stored.get("path"),
    }


def check_paging(page: Any, per_page: Any, sort: str | None, query: str) -> tuple[int, int, str]:
    """Page, page size and sort checked (``QueryError`` if out of range), sort defaulted."""
    page, per_page = _whole_number(page, "page"), _whole_number(per_page, "per_page")
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise QueryError(f"per_page must be between 1 and {MAX_PER_PAGE}")
    if not 1 <= page <= MAX_PAGE:
        raise QueryError(f"page must be between 1 and {MAX_PAGE}")
    if sort in (None, ""):
        sort = "relevance" if (query or "").strip() else "newest"
    if sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}")
    return page, per_page, sort


def _whole_number(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError, OverflowError):
        raise QueryError(f"{name} must be a whole number, got {str(value)[:20]!r}") from None


def open_index(path: str | Path = "index") -> SearchIndex:
    """Open the index in ``path`` for searching."""
    return SearchIndex(path)
