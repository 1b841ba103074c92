"""Concordance (KWIC): every occurrence of the query in context, as plain data.

A line is ``left | match | right`` cut from the document's original text (its
own script): occurrences are found in the normalized text, which has the
original's length, exactly as passages are (``search.highlight.find_spans``).
Line breaks inside a context are shown as spaces; nothing else is changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from typing import Any

from search.highlight import find_spans

DEFAULT_WIDTH = 20
MAX_WIDTH = 200
MAX_LINES = 10_000  # lines one request may collect; more are counted, not returned
# In document order a page needs only its own lines, but at least this many
# documents are read so that the estimated number of lines rests on something.
MIN_SCANNED = 50
SORTS = ("left", "right", "date", "source", "document")


@dataclass(frozen=True)
class KwicLine:
    """One occurrence: its document, where it stands, and its context."""

    id: str
    start: int  # offset of the match in the document's text
    end: int
    left: str
    match: str
    right: str
    date: str | None = None
    source: str | None = None
    title: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _flat(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ")


def lines_in_text(
    text: str, terms: list[str], width: int = DEFAULT_WIDTH
) -> list[tuple[int, int, str, str, str]]:
    """(start, end, left, match, right) of every occurrence of the normalized ``terms``."""
    return [
        (
            start,
            end,
            _flat(text[max(0, start - width) : start]),
            text[start:end],
            _flat(text[end : end + width]),
        )
        for start, end in find_spans(text, terms)
    ]


def document_lines(stored: Mapping[str, Any], terms: list[str], width: int = DEFAULT_WIDTH) -> list[KwicLine]:
    """The lines of one document's body (stored fields as the index keeps them)."""
    body = stored.get("body") or ""
    return [
        KwicLine(
            str(stored.get("id")),
            start,
            end,
            left,
            match,
            right,
            stored.get("date"),
            stored.get("source"),
            stored.get("title") or "",
        )  # fmt: skip
        for start, end, left, match, right in lines_in_text(body, terms, width)
    ]


def sort_lines(lines: Iterable[KwicLine], order: str) -> list[KwicLine]:
    """Lines in ``order``: ``left`` context read outward from the match (its last
    character first), ``right`` context, ``date`` (undated last), ``source``, or
    ``document`` (the order they came in)."""
    lines = list(lines)
    if order == "left":
        return sorted(lines, key=lambda line: (line.left[::-1], line.right))
    if order == "right":
        return sorted(lines, key=lambda line: (line.right, line.left[::-1]))
    if order == "date":
        return sorted(lines, key=lambda line: (line.date is None, line.date or "", line.id, line.start))
    if order == "source":
        return sorted(lines, key=lambda line: (line.source is None, line.source or "", line.id, line.start))
    return lines
