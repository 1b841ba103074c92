"""Stored fields read straight from each segment's stored column, and the
check of quoted texts against the stored title and body (``documents_holding``)."""

from __future__ import annotations

from typing import Any

import numpy as np

from search.normalize import normalize_for_search
from search.proximity import Condition, satisfies


class StoredTexts:
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


def _stored_column():
    from whoosh.codec.whoosh3 import STORED_COLUMN

    return STORED_COLUMN


def documents_holding(searcher, needles: list[tuple[str, bool]], candidates: np.ndarray) -> list[list[int]]:
    """For each ``(needle, title_only)`` and its row of ``candidates`` (a bool
    matrix: needles by documents), the candidates whose title (or title or
    body) holds the normalized needle verbatim. Each document is read once."""
    stored = StoredTexts(searcher)
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


def documents_meeting(searcher, condition: Condition, needles: tuple[str, ...], candidates: np.ndarray) -> list[int]:
    """The candidates whose normalized title or body meets ``condition``
    (``search.proximity``), each read once."""
    stored = StoredTexts(searcher)
    kept = []
    for docnum in np.flatnonzero(candidates).tolist():
        fields = stored.fields(docnum)
        texts = tuple(normalize_for_search(fields.get(name) or "") for name in ("title", "body"))
        if satisfies(condition, needles, texts):
            kept.append(docnum)
    return kept


def document_number(searcher, doc_id: str) -> int | None:
    """The document number of an id, None if unknown (or not even encodable:
    an id with a lone surrogate names no document)."""
    try:
        doc_id.encode("utf-8")
    except UnicodeEncodeError:
        return None
    return searcher.document_number(id=doc_id)
