"""Stored fields read straight from each segment's stored column, and the
check of quoted texts against the stored title and body (``documents_holding``)."""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from typing import Any

import numpy as np

from search.normalize import characters_folding_to, normalize_for_search
from search.proximity import Condition, satisfies


class StoredTexts:
    """Titles and bodies read straight from each segment's stored-fields
    column (half the cost of ``searcher.stored_fields`` per document)."""

    def __init__(self, searcher):
        self.searcher = searcher
        self.leaves = []  # (first docnum, end docnum, column reader or None)
        self.raw = []  # per leaf, the column's bytes under its pickling and compression, or None
        for segment, offset in searcher.reader().leaf_readers():
            perdoc = getattr(segment, "_perdoc", None)
            column = perdoc._cached_reader("_stored", _stored_column()) if perdoc is not None else None
            self.leaves.append((offset, offset + segment.doc_count_all(), column))
            raw = column
            while raw is not None and not hasattr(raw, "_offsets"):
                raw = getattr(raw, "_child", None)
            self.raw.append(raw)

    def ask_for(self, docnums: list[int]) -> None:
        """Ask the kernel for the stored bytes of ``docnums`` (ascending), before they are read:
        a segment is mapped for scattered reads (``fixes``), and a check of thousands of
        candidates would otherwise wait for each one's page in turn. Nearby documents are
        asked for as one range."""
        for (first, end, _), data in zip(self.leaves, self.raw, strict=True):
            will_need = getattr(getattr(data, "_dbfile", None), "will_need", None)
            inside = docnums[bisect.bisect_left(docnums, first) : bisect.bisect_left(docnums, end)]
            if will_need is None or not inside:
                continue
            span = None
            for docnum in inside:
                start = data._basepos + data._offsets[docnum - first]
                stop = start + data._lengths[docnum - first]
                if span is not None and start - span[1] <= _NEARBY:
                    span[1] = max(span[1], stop)
                    continue
                if span is not None:
                    will_need(span[0], span[1] - span[0])
                span = [start, stop]
            if span is not None:
                will_need(span[0], span[1] - span[0])

    def fields(self, docnum: int) -> dict[str, Any]:
        for first, end, column in self.leaves:
            if first <= docnum < end and column is not None:
                return column[docnum - first] or {}
        return self.searcher.stored_fields(docnum)


_NEARBY = 64 * 1024  # bytes between two documents' texts below which one range holds both
_AHEAD = 1024  # candidates asked for at a time, ahead of the ones being read
_FIRST_WINDOW = 64  # the first window; each next one twice the last, up to _AHEAD


def read_ahead(searcher, docnums: list[int], stored: StoredTexts | None = None) -> Iterator[int]:
    """``docnums`` in their order, for a loop that reads each one's stored fields: the
    stored bytes are asked for a window of documents at a time (64, 128, ... up to
    ``_AHEAD``), before they are read."""
    stored = stored or StoredTexts(searcher)
    start, size = 0, _FIRST_WINDOW  # growing: a loop that stops early asked for little
    while start < len(docnums):
        window = docnums[start : start + size]
        stored.ask_for(sorted(window))
        yield from window
        start, size = start + size, min(2 * size, _AHEAD)


def _stored_column():
    from whoosh.codec.whoosh3 import STORED_COLUMN

    return STORED_COLUMN


def documents_holding(searcher, needles: list[tuple], candidates: np.ndarray) -> list[list[int]]:
    """For each ``(needle, title_only[, bounded])`` and its row of ``candidates``
    (a bool matrix: needles by documents), the candidates whose title (or title
    or body) holds the normalized needle verbatim (``bounded``: not inside a
    longer Latin word or number). Each document is read once."""
    stored = StoredTexts(searcher)
    patterns = [bounded_pattern(needle[0]) if needle[2:] and needle[2] else None for needle in needles]
    kept: list[list[int]] = [[] for _ in needles]
    for docnum in read_ahead(searcher, np.flatnonzero(candidates.any(axis=0)).tolist(), stored):
        fields = stored.fields(docnum)
        texts = (fields.get("title") or "", fields.get("body") or "")
        normalized = None
        for number in np.flatnonzero(candidates[:, docnum]).tolist():
            needle, title_only = needles[number][:2]
            pattern = patterns[number]
            if pattern is not None:  # a code: its pattern reads the text as stored
                if any(pattern.search(text) for text in texts[: 1 if title_only else 2]):
                    kept[number].append(docnum)
                continue
            # Most documents hold the needle as it is; only the others need normalizing.
            if not any(needle in text for text in texts[: 1 if title_only else 2]):
                if normalized is None:
                    normalized = tuple(normalize_for_search(text) for text in texts)
                if not any(needle in text for text in normalized[: 1 if title_only else 2]):
                    continue
            kept[number].append(docnum)
    return kept


def documents_meeting(
    searcher, condition: Condition, needles: tuple[str, ...], candidates: np.ndarray
) -> list[int]:
    """The candidates whose normalized title or body meets ``condition``
    (``search.proximity``), each read once."""
    stored = StoredTexts(searcher)
    kept = []
    for docnum in read_ahead(searcher, np.flatnonzero(candidates).tolist(), stored):
        fields = stored.fields(docnum)
        texts = tuple(normalize_for_search(fields.get(name) or "") for name in ("title", "body"))
        if satisfies(condition, needles, texts):
            kept.append(docnum)
    return kept


def bounded_pattern(needle: str) -> re.Pattern:
    """``needle`` (normalized) where it stands whole, in normalized or stored
    text: no Latin letter against a Latin letter at either end, no digit
    against a digit (``covid`` in COVID-19, not ``line`` in online; ``10万``
    not in 110万). Letters match in either case, a character in either script
    (萬 for 万), so stored text needs no normalizing."""
    before = "(?<![a-z])" if needle[0].isascii() and needle[0].isalpha() else ""
    before = "(?<![0-9])" if needle[0].isdigit() else before
    after = "(?![a-z])" if needle[-1].isascii() and needle[-1].isalpha() else ""
    after = "(?![0-9])" if needle[-1].isdigit() else after
    body = "".join(_either_script(char) for char in needle)
    return re.compile(before + body + after, re.IGNORECASE | re.ASCII)


def _either_script(char: str) -> str:
    if char.isascii():
        return re.escape(char)
    forms = characters_folding_to(char)
    return re.escape(char) if len(forms) == 1 else f"[{re.escape(forms)}]"


def document_number(searcher, doc_id: str) -> int | None:
    """The document number of an id, None if unknown (or not even encodable:
    an id with a lone surrogate names no document)."""
    try:
        doc_id.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return searcher.document_number(id=doc_id)
