"""Facet columns: per-document facet values held in memory, one set per reader.

Whoosh's ``groupedby`` walks sorting columns hit by hit in Python; on 75k
articles a common word took about 800 ms. Here each facet is a NumPy array
(document number -> value code), read once per index generation from the
term index itself, so counting the values of any set of matching documents
is a ``bincount`` of a few milliseconds, and a filter is a boolean mask.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from search.schema import FACET_FIELDS


@dataclass
class FacetColumn:
    """One facet: its values and which documents carry each."""

    name: str
    values: list[str]
    codes: np.ndarray | None  # single-valued: value code per document, -1 for none
    members: list[np.ndarray] | None  # multi-valued: document numbers per value

    def mask(self, wanted: list[str], size: int) -> np.ndarray:
        """Documents carrying any of ``wanted`` (OR within a facet)."""
        index = {value: code for code, value in enumerate(self.values)}
        codes = [index[value] for value in wanted if value in index]
        if self.codes is not None:
            return np.isin(self.codes, codes)
        result = np.zeros(size, dtype=bool)
        for code in codes:
            result[self.members[code]] = True
        return result

    def counts(self, matched: np.ndarray) -> list[tuple[str, int]]:
        """(value, count) over the matched documents, most frequent first."""
        if self.codes is not None:
            codes = self.codes[matched]
            tally = np.bincount(codes[codes >= 0], minlength=len(self.values))
        else:
            tally = np.array([int(matched[docs].sum()) for docs in self.members], dtype=np.int64)
        pairs = [(self.values[code], int(count)) for code, count in enumerate(tally) if count]
        pairs.sort(key=lambda pair: (-pair[1], pair[0]))
        return pairs


@dataclass
class FacetColumns:
    """Every facet column of one reader, plus dates and the live-document mask."""

    size: int
    live: np.ndarray  # bool: not deleted
    columns: dict[str, FacetColumn]
    dates: np.ndarray  # int YYYYMMDD (month or year precision: day/month 0), 0 unknown

    @classmethod
    def from_reader(cls, reader) -> FacetColumns:
        size = reader.doc_count_all()
        live = np.zeros(size, dtype=bool)
        live[np.fromiter(reader.all_doc_ids(), dtype=np.int64)] = True
        columns = {
            name: _read_column(reader, name, fieldname, multi, size)
            for name, (fieldname, multi) in FACET_FIELDS.items()
        }
        dates = np.zeros(size, dtype=np.int64)
        for term in reader.lexicon("date"):
            value = date_number(term.decode("utf-8"))
            dates[list(reader.postings("date", term).all_ids())] = value
        return cls(size, live, columns, dates)

    def date_mask(self, date_from: str | None, date_to: str | None) -> np.ndarray:
        """Documents dated within the inclusive range (undated ones never are)."""
        mask = self.dates > 0
        if date_from:
            mask &= self.dates >= date_number(date_from)
        if date_to:
            mask &= self.dates <= date_number(date_to)
        return mask


def date_number(value: str) -> int:
    """``"2018-06-13"`` -> 20180613; ``"2018-06"`` -> 20180600; ``"2018"`` -> 20180000."""
    parts = (value.split("-") + ["0", "0"])[:3]
    try:
        year, month, day = (int(part) for part in parts)
    except ValueError:
        return 0
    return year * 10000 + month * 100 + day


def _read_column(reader, name: str, fieldname: str, multi: bool, size: int) -> FacetColumn:
    values: list[str] = []
    postings: list[np.ndarray] = []
    for term in reader.lexicon(fieldname):
        values.append(term.decode("utf-8"))
        postings.append(np.fromiter(reader.postings(fieldname, term).all_ids(), dtype=np.int64))
    if multi:
        return FacetColumn(name, values, None, postings)
    codes = np.full(size, -1, dtype=np.int32)
    for code, docs in enumerate(postings):
        codes[docs] = code
    return FacetColumn(name, values, codes, None)
