"""Facet columns: per-document facet values held in memory, one set per reader.

Whoosh's ``groupedby`` walks sorting columns hit by hit in Python; on 75k
articles a common word took about 800 ms. Here each facet is a NumPy array
(document number -> value code), read once per index generation from the
term index itself, so counting the values of any set of matching documents
is a ``bincount`` of a few milliseconds, and a filter is a boolean mask.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from search.engine.column_store import MULTI, SCRIPT_UNREAD, TRADITIONAL_CODE, SegmentColumns, segment_columns
from search.request import FACET_IGNORES, FACET_LIMIT, FACETS, UNKNOWN
from search.script import TRADITIONAL, text_script


@dataclass
class FacetColumn:
    """One facet: its values and which documents carry each.

    Single-valued facets keep one code per document (-1 for none);
    multi-valued ones (topics) keep (document, code) pairs, one per value a
    document carries, which is how both kinds count with one ``bincount``.
    """

    name: str
    values: list[str]
    size: int
    doc_codes: np.ndarray  # single-valued: code per document; multi: code per pair
    pair_docs: np.ndarray | None = None  # multi-valued: document of each pair
    index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.index = {value: code for code, value in enumerate(self.values)}
        if self.multi and np.any(self.doc_codes[1:] < self.doc_codes[:-1]):  # pairs in value order
            order = np.lexsort((self.pair_docs, self.doc_codes))
            self.doc_codes, self.pair_docs = self.doc_codes[order], self.pair_docs[order]

    @property
    def multi(self) -> bool:
        return self.pair_docs is not None

    @functools.cached_property
    def valued(self) -> np.ndarray:
        """Documents carrying at least one value of this facet."""
        if not self.multi:
            return self.doc_codes >= 0
        result = np.zeros(self.size, dtype=bool)
        result[self.pair_docs] = True
        return result

    @functools.cached_property
    def unvalued(self) -> np.ndarray:
        """Documents carrying none (kept: every count of a search asks for it)."""
        return ~self.valued

    def mask(self, wanted: list[str]) -> np.ndarray:
        """Documents carrying any of ``wanted`` (OR within a facet); ``UNKNOWN``
        stands for the documents that carry no value."""
        chosen = np.zeros(len(self.values) + 1, dtype=bool)  # the last slot is code -1: none
        for value in wanted:
            if value in self.index:
                chosen[self.index[value]] = True
        if not self.multi:
            chosen[-1] = UNKNOWN in wanted
            return chosen[self.doc_codes]
        result = np.zeros(self.size, dtype=bool)
        result[self.pair_docs[chosen[self.doc_codes]]] = True
        if UNKNOWN in wanted:
            result |= self.unvalued
        return result

    def unknown(self, matched: np.ndarray) -> int:
        """How many of the matched documents carry no value."""
        return int(np.count_nonzero(matched & self.unvalued))

    @functools.cached_property
    def _shifted(self) -> np.ndarray:
        """Single-valued: each document's code + 1 (0 for none) in the smallest type
        that holds it: counted as it is gathered, with no pass to drop the nones."""
        dtype = np.uint16 if len(self.values) < np.iinfo(np.uint16).max else np.int64
        return (self.doc_codes + 1).astype(dtype)

    @functools.cached_property
    def _runs(self) -> list[tuple[int, int]]:
        """Multi-valued: where each code's pairs start and end (pairs are in code order)."""
        bounds = np.searchsorted(self.doc_codes, np.arange(len(self.values) + 1)).tolist()
        return list(zip(bounds[:-1], bounds[1:], strict=True))

    def tally(self, matched: np.ndarray, docs: np.ndarray | None = None) -> np.ndarray:
        """Count per value code over the matched documents (``docs``: their numbers, if known:
        a gather of the matches instead of a pass of the mask over every document)."""
        if self.multi:  # the matches among each value's run of pairs
            held = matched[self.pair_docs]
            return np.array([np.count_nonzero(held[start:end]) for start, end in self._runs], dtype=np.int64)
        shifted = self._shifted[matched if docs is None else docs]
        return np.bincount(shifted, minlength=len(self.values) + 1)[1:]

    def counts(self, matched: np.ndarray, stories: StoryColumn | None = None,
               docs: np.ndarray | None = None) -> list[tuple[str, int]]:  # fmt: skip
        """(value, count) over the matched documents (or their stories), most frequent first."""
        tally = self.tally(matched, docs) if stories is None else stories.tally(self, matched)
        codes = np.flatnonzero(tally)
        # Most frequent first, ties by value (stable over the value order of the lexicon).
        order = np.lexsort((codes, -tally[codes]))
        return [(self.values[code], int(tally[code])) for code in codes[order]]


@dataclass
class FacetColumns:
    """Every facet column of one reader, plus dates and the live-document mask."""

    size: int
    live: np.ndarray  # bool: not deleted
    columns: dict[str, FacetColumn]
    dates: np.ndarray  # int YYYYMMDD (month or year precision: day/month 0), 0 unknown
    traditional_sources: frozenset[str] = frozenset()  # outlets that write in Traditional

    # Each segment's document ids (memory-mapped where stored): the story column joins on them.
    segment_ids: list[np.ndarray] = field(default_factory=list, repr=False)
    stored_segments: int = 0  # how many segments' columns were read from their files (not computed)

    @classmethod
    def from_reader(cls, reader, index_dir: str | Path | None = None) -> FacetColumns:
        """Every column of ``reader``: each segment's stored files (``column_store``) where
        ``index_dir`` holds sound ones, else computed from its term index; deletions applied."""
        leaves = list(reader.leaf_readers()) if reader.doc_count_all() else []
        parts = [segment_columns(leaf, index_dir) for leaf, _ in leaves]
        return cls.from_segments(reader, parts, [offset for _, offset in leaves])

    @classmethod
    def from_segments(cls, reader, parts: list[SegmentColumns], offsets: list[int]) -> FacetColumns:
        """The segments' columns joined in ``reader``'s document numbers, value codes
        remapped onto the values of every segment, deleted documents taken out."""
        size = reader.doc_count_all()
        live = _live_mask(reader, size)
        columns = {name: _joined_column(name, parts, offsets, live) for name in FACETS}
        dates = _joined([part.row("date") for part in parts])
        dates[~live] = 0
        scripts = _joined([part.row("title_script") for part in parts])
        traditional = _traditional_sources(reader, columns["source"], scripts)
        stored = sum(part.stored for part in parts)
        return cls(size, live, columns, dates, traditional, [part.ids for part in parts], stored)

    @functools.cached_property
    def known(self) -> dict[str, frozenset[str]]:
        """The values held per region level (and ``region``: any level)."""
        levels = {name: frozenset(self.columns[name].values) for name in ("province", "city", "county")}
        levels["region"] = frozenset().union(*levels.values())
        return levels

    def date_mask(self, date_from: str | None, date_to: str | None) -> np.ndarray:
        """Documents dated within the inclusive range (undated ones never are).

        A date known only to the month or year (stored as day 00 or month 00)
        is in the range when its first day is: ``2018-06`` is within
        2018-06-01 .. 2018-06-30.
        """
        mask = self.dates > 0
        if date_from:
            mask &= self.dates >= date_number(date_from) - _partial_slack(date_from)
        if date_to:
            mask &= self.dates <= date_number(date_to)
        return mask


def _partial_slack(day: str) -> int:
    """How far below a full date its month's and year's partial forms fall
    (2018-06-01 -> 2018-06-00 and 2018-00-00 count as from that day on)."""
    number = date_number(day)
    if number % 10000 == 101:  # 1 January: the year itself qualifies
        return 101
    if number % 100 == 1:  # the first of a month: the month qualifies
        return 1
    return 0


def date_number(value: str) -> int:
    """``"2018-06-13"`` -> 20180613; ``"2018-06"`` -> 20180600; ``"2018"`` -> 20180000."""
    parts = (value.split("-") + ["0", "0"])[:3]
    try:
        year, month, day = (int(part) for part in parts)
    except ValueError:
        return 0
    return year * 10000 + month * 100 + day


_SOURCE_SAMPLE = 5  # titles read per outlet to tell the script it writes in


def _traditional_sources(reader, column: FacetColumn, scripts: np.ndarray | None = None) -> frozenset[str]:
    """The outlets most of whose articles are in Traditional, judged on the
    titles of a few of them (stored with the columns, else one stored read each;
    the index has no script field)."""
    codes = column.doc_codes
    if scripts is None:  # none stored: every sampled title is read
        scripts = np.full(len(codes), SCRIPT_UNREAD, dtype=np.int64)
    order = np.argsort(codes, kind="stable")  # documents by value, in document order within one
    starts = np.searchsorted(codes[order], np.arange(len(column.values)))
    ends = np.searchsorted(codes[order], np.arange(len(column.values)), side="right")
    first = {code: order[start : min(end, start + _SOURCE_SAMPLE)].tolist()
             for code, (start, end) in enumerate(zip(starts, ends, strict=True)) if end > start}  # fmt: skip
    found = set()
    for code, docnums in first.items():
        traditional = [_title_traditional(reader, scripts, docnum) for docnum in docnums]
        if traditional.count(True) * 2 > len(traditional):
            found.add(column.values[code])
    return frozenset(found)


def _title_traditional(reader, scripts: np.ndarray, docnum: int) -> bool:
    if scripts[docnum] != SCRIPT_UNREAD:
        return bool(scripts[docnum] == TRADITIONAL_CODE)
    return text_script(reader.stored_fields(docnum).get("title")) == TRADITIONAL


def _live_mask(reader, size: int) -> np.ndarray:
    """Not deleted, per document; segments without deletions need no walk over their documents."""
    live = np.zeros(size, dtype=bool)
    for leaf, offset in reader.leaf_readers() if size else ():
        if leaf.has_deletions():
            live[np.fromiter(leaf.all_doc_ids(), dtype=np.int64) + offset] = True
        else:
            live[offset : offset + leaf.doc_count_all()] = True
    return live


def _joined(arrays: list[np.ndarray]) -> np.ndarray:
    """Segment arrays end to end, as int64 (a copy: the joined array is the generation's own)."""
    return np.concatenate(arrays).astype(np.int64) if arrays else np.zeros(0, dtype=np.int64)


def _joined_column(
    name: str, parts: list[SegmentColumns], offsets: list[int], live: np.ndarray
) -> FacetColumn:
    """One facet over every segment: values in lexicon order (sorted), as Whoosh's merged lexicon lists them."""
    values = sorted(set().union(*(part.values[name] for part in parts)))
    index = {value: code for code, value in enumerate(values)}
    # Segment code -> code among all values; the last slot keeps -1 (no value) at -1.
    remaps = [
        np.array([index[value] for value in part.values[name]] + [-1], dtype=np.int64) for part in parts
    ]
    if not FACETS[name][1]:
        codes = _joined([remap[part.row(name)] for part, remap in zip(parts, remaps, strict=True)])
        codes[~live] = -1
        return FacetColumn(name, values, len(live), codes)
    number = MULTI.index(name)
    docs_parts, code_parts = [], []
    for part, offset, remap in zip(parts, offsets, remaps, strict=True):
        facet, docs, codes = part.pairs
        chosen = facet == number
        docs_parts.append(docs[chosen].astype(np.int64) + offset)
        code_parts.append(remap[codes[chosen]])
    docs, codes = _joined(docs_parts), _joined(code_parts)
    kept = live[docs]
    docs, codes = docs[kept], codes[kept]
    order = np.lexsort((docs, codes))  # by value, then document: the order of each value's postings
    return FacetColumn(name, values, len(live), codes[order], docs[order])


def count_facets(
    columns: FacetColumns,
    matched: np.ndarray,
    filter_masks: dict[str, np.ndarray],
    filters: dict[str, list[str]],
    stories: StoryColumn | None = None,
) -> dict[str, tuple[list[tuple[str, int]], bool]]:
    """Each facet's (value, count) pairs over the matches, and whether values
    were left out: the ``FACET_LIMIT`` most frequent, then every chosen value
    (with 0 if it has no match), then ``UNKNOWN`` with the matches that carry
    no value (when there are any or it is chosen). Years are newest first,
    months in calendar order, other values most frequent first. A facet
    ignores its own filters (and a year the month's), so other values of it
    can be chosen. With ``stories``, a value counts the stories of its documents."""
    facets = {}
    # The facets whose masks are alike (no filter of their own: all of them, without
    # filters) share one mask and the numbers of its documents.
    masks: dict[tuple[str, ...], tuple[np.ndarray, np.ndarray]] = {}
    for name, column in columns.columns.items():
        if name == "month" and not set(filters.get("year", [])) - {UNKNOWN}:
            continue
        applied = tuple(sorted(f for f in filter_masks if f not in FACET_IGNORES.get(name, ())))
        if applied not in masks:
            mask = matched.copy()
            for filter_name in applied:
                mask &= filter_masks[filter_name]
            masks[applied] = (mask, np.flatnonzero(mask))
        mask, docs = masks[applied]
        selected = set(filters.get(name, []))
        counts = column.counts(mask, stories, docs)
        shown = counts[:FACET_LIMIT] + [pair for pair in counts[FACET_LIMIT:] if pair[0] in selected]
        present = {value for value, _ in shown}
        shown += [(value, 0) for value in selected if value not in present and value != UNKNOWN]
        if name in _DATE_ORDER:
            shown.sort(key=lambda pair: pair[0], reverse=_DATE_ORDER[name] == "newest")
        # Stories or documents, as the values are counted.
        unknown = column.unknown(mask) if stories is None else stories.distinct(mask & ~column.valued)
        if unknown or UNKNOWN in selected:
            shown.append((UNKNOWN, unknown))
        facets[name] = (shown, len(counts) > FACET_LIMIT)
    return facets


# Dates are read along time, not by size: the newest years first (a news
# archive is read from now backwards, and the first eight are shown before
# "更多"), the months of a chosen year in calendar order.
_DATE_ORDER = {"year": "newest", "month": "calendar"}


@dataclass
class StoryColumn:
    """Each document's story as a dense code (document number -> story code).

    A document the story store does not name (no store, or written after it)
    is a story of its own, so collapsing and counting never lose it. Codes
    are dense (0 .. ``count`` - 1), so "which stories are among these
    documents" is one boolean scatter, not a Python loop per hit.
    """

    codes: np.ndarray  # int64 per document: dense story code
    story_ids: np.ndarray  # int64 per code: the store's story id, -1 for a story of its own
    sizes: np.ndarray  # int64 per code: documents of the store in that story

    @property
    def count(self) -> int:
        return len(self.story_ids)

    @classmethod
    def from_ids(
        cls, doc_ids: list[np.ndarray], live: np.ndarray, ids: np.ndarray, stories: np.ndarray
    ) -> StoryColumn:
        """Each live document's story, looked up by its id (``doc_ids``: each segment's,
        in document order) in the store's ``ids``/``stories``."""
        size = len(live)
        story_of = dict(zip(ids.tolist(), stories.tolist(), strict=True))
        raw = np.full(size, -1, dtype=np.int64)
        if story_of:
            raw = np.fromiter(
                (story_of.get(doc_id, -1) for part in doc_ids for doc_id in part.tolist()), np.int64, size
            )
        store_stories, store_sizes = np.unique(stories, return_counts=True)
        size_of_doc = np.ones(size, dtype=np.int64)
        named = raw >= 0
        size_of_doc[named] = store_sizes[np.searchsorted(store_stories, raw[named])]
        return cls.from_rows(raw, size_of_doc, live)

    @classmethod
    def from_rows(cls, raw: np.ndarray, size_of_doc: np.ndarray, live: np.ndarray) -> StoryColumn:
        """From each document's story id in the store (-1: none) and that story's
        size in the store, as ``rows`` keeps them (stored per generation at commit)."""
        raw = np.where(
            live, raw, -1
        )  # a deleted document (the old version of a replaced one) is a story of its own
        named = raw >= 0
        known, first, codes = np.unique(raw[named], return_index=True, return_inverse=True)
        alone = np.flatnonzero(~named)
        dense = np.empty(len(raw), dtype=np.int64)
        dense[named] = codes
        dense[alone] = len(known) + np.arange(len(alone))
        story_ids = np.concatenate([known, np.full(len(alone), -1, dtype=np.int64)])
        sizes = np.concatenate([np.asarray(size_of_doc)[named][first], np.ones(len(alone), dtype=np.int64)])
        return cls(dense, story_ids.astype(np.int64), sizes.astype(np.int64))

    @property
    def rows(self) -> np.ndarray:
        """int64 (2, documents): each document's story id (-1: none) and its story's size."""
        return np.stack([self.story_ids[self.codes], self.sizes[self.codes]])

    def story_of(self, docnum: int) -> int | None:
        """The store's story id of a document (None: a story of its own)."""
        story = int(self.story_ids[self.codes[docnum]])
        return None if story < 0 else story

    def size_of(self, docnum: int) -> int:
        """How many documents of the store share the document's story (1 if it is alone)."""
        return int(self.sizes[self.codes[docnum]])

    def documents(self, story: int) -> np.ndarray:
        """The live documents of a story of the store, in document order."""
        code = np.flatnonzero(self.story_ids == story)
        return np.flatnonzero(self.codes == code[0]) if len(code) else np.zeros(0, dtype=np.int64)

    def distinct(self, mask: np.ndarray) -> int:
        """How many stories the documents of ``mask`` belong to."""
        seen = np.zeros(self.count, dtype=bool)
        seen[self.codes[mask]] = True
        return int(np.count_nonzero(seen))

    def first_of_each(self, ordered: np.ndarray) -> np.ndarray:
        """The documents of ``ordered`` that come first in their story, in that order."""
        _, first = np.unique(self.codes[ordered], return_index=True)
        return ordered[np.sort(first)]

    def tally(self, column: FacetColumn, matched: np.ndarray) -> np.ndarray:
        """Stories per value code of ``column`` among the matched documents."""
        if column.multi:
            held = matched[column.pair_docs]
            codes, stories = column.doc_codes[held], self.codes[column.pair_docs[held]]
        else:
            codes, stories = column.doc_codes[matched], self.codes[matched]
            stories = stories[codes >= 0]
            codes = codes[codes >= 0]
        pairs = np.unique(codes * self.count + stories)  # each (value, story) once
        return np.bincount(pairs // self.count, minlength=len(column.values))

    def earliest_of_each(self, mask: np.ndarray, dates: np.ndarray) -> np.ndarray:
        """``mask`` with one document per story left: its earliest dated one
        (an undated one only where the story has no dated document there)."""
        chosen = np.flatnonzero(mask)
        known = dates[chosen]
        order = np.lexsort((chosen, np.where(known > 0, known, np.iinfo(np.int64).max)))
        result = np.zeros_like(mask)
        result[self.first_of_each(chosen[order])] = True
        return result
