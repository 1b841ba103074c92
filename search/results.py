"""Result dicts: what a search, a document or a facet is, as plain data.

Text stays text: a passage is ``{"text", "ranges": [[start, end], ...],
"cut_before", "cut_after"}`` (ranges index its text), a title carries
``title_ranges``. HTML is made from these only in ``web/`` and terminal text
only in ``search/cli.py``; the same dict serves the Python API, the CLI's
``--json`` and the web.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from search.highlight import Passage, find_spans, passages


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


def passage_data(passage: Passage) -> dict[str, Any]:
    """A passage as plain data (JSON-ready)."""
    return {
        "text": passage.text,
        "ranges": [[start, end] for start, end in passage.ranges],
        "cut_before": passage.cut_before,
        "cut_after": passage.cut_after,
    }


def ranges(text: str, terms: list[str] | tuple[str, ...]) -> list[list[int]]:
    """Every match of the terms in ``text`` as ``[start, end]`` pairs."""
    return [[start, end] for start, end in find_spans(text, list(terms))]


def hit(stored: Mapping[str, Any], terms: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """A hit: the summary, its best passages and the title's matches."""
    result = document_summary(stored)
    result["passages"] = [passage_data(p) for p in passages(stored.get("body", ""), list(terms))]
    result["title_ranges"] = ranges(result["title"], terms)
    return result


def document(stored: Mapping[str, Any], terms: list[str] | tuple[str, ...]) -> dict[str, Any]:
    """A whole document: summary, full text with the matches' ranges, metadata and its basis."""
    result = document_summary(stored)
    meta = stored.get("meta") or {}
    body = stored.get("body", "")
    result.update(
        body=body,
        body_ranges=ranges(body, terms),
        title_ranges=ranges(result["title"], terms),
        tags=_split(stored.get("tags")),
        regions=meta.get("other_regions", []),
        content_hash=stored.get("content_hash"),
        basis=meta.get("basis", {}),
        title_derived=meta.get("title_derived", False),
        date_precision=meta.get("date_precision"),
        extra=meta.get("extra", {}),
    )
    return result


def facets(counted: Mapping[str, tuple[list[tuple[str, int]], bool]], filters: Mapping[str, list[str]]):
    """``(facets, truncated)``: each facet's ``[{"value", "count", "selected"}]``
    and, per facet, whether values were left out (Datasette's ``truncated``)."""
    shown, truncated = {}, {}
    for name, (pairs, cut) in counted.items():
        selected = set(filters.get(name, []))
        shown[name] = [
            {"value": value, "count": count, "selected": value in selected} for value, count in pairs
        ]
        truncated[name] = cut
    return shown, truncated
