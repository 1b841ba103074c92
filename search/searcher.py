"""Running searches: an open index in, plain dicts out.

Matching is done as sets: each clause's documents become a boolean mask over
document numbers, filters are masks from the facet columns, and the result is
their combination. Whoosh then only scores the documents in that set (for
relevance order), and NumPy counts facets and sorts by date. The same dict
serves the CLI, the Python API and the web's JSON and HTML.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as whoosh_index
from whoosh import query as wq

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
    scoring_query,
)
from search.ranking import weighting
from search.schema import INDEX_NAME

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
            result[name] = list(dict.fromkeys(to_simplified(value) for value in values))
        else:
            raise QueryError(f"unknown filter {name!r}")
    return result


def resolve_region_filters(filters: dict[str, list[str]]) -> dict[str, list[str]]:
    """Turn ``region`` (any level, either script, short or full) into
    province/city/county filters; a name that resolves to nothing stays a
    filter that matches nothing, rather than being dropped silently."""
    names = filters.pop("region", [])
    if not names:
        return filters
    from search.gazetteer import resolve

    for name in names:
        region = resolve(name)
        if region is None:
            filters.setdefault("county", []).append(name)  # matches no document
            continue
        level = region.level if region.level in ("province", "city", "county") else "county"
        filters.setdefault(level, []).append(region.name)
    return filters


class SearchIndex:
    """An open xunwen index. Thread-safe: each thread reads with its own
    searcher, and every search first picks up a newer commit if there is one."""

    def __init__(self, index_dir: str | Path):
        self.index_dir = Path(index_dir)
        if not whoosh_index.exists_in(str(self.index_dir), indexname=INDEX_NAME):
            raise FileNotFoundError(f"no xunwen index in {self.index_dir}")
        self._ix = whoosh_index.open_dir(str(self.index_dir), indexname=INDEX_NAME)
        self._local = threading.local()
        self._facets: dict[int, FacetColumns] = {}
        self._facets_lock = threading.Lock()

    # -- searcher and columns, per thread and generation ------------------

    def _searcher(self):
        current = getattr(self._local, "searcher", None)
        if current is None:
            current = self._ix.searcher(weighting=weighting())
        elif not current.up_to_date():
            current = current.refresh()
        self._local.searcher = current
        return current

    def _columns(self, searcher) -> FacetColumns:
        generation = searcher.reader().generation()
        key = generation if generation is not None else -1
        with self._facets_lock:
            columns = self._facets.get(key)
            if columns is None:
                columns = FacetColumns.from_reader(searcher.reader())
                self._facets = {key: columns}  # older generations are no longer read
            return columns

    def doc_count(self) -> int:
        return self._searcher().doc_count()

    def close(self) -> None:
        searcher = getattr(self._local, "searcher", None)
        if searcher is not None:
            searcher.close()
            self._local.searcher = None

    # -- matching ----------------------------------------------------------

    def _docs(self, searcher, q: wq.Query, size: int) -> np.ndarray:
        mask = np.zeros(size, dtype=bool)
        docs = np.fromiter(searcher.docs_for_query(q), dtype=np.int64)
        mask[docs] = True
        return mask

    def _clause_mask(self, searcher, clause: Clause, size: int) -> np.ndarray:
        mask = self._docs(searcher, clause_query(clause), size)
        if clause.quoted:
            # Bigrams find a superset; keep the documents that hold the text.
            needle = clause.normalized
            for docnum in np.flatnonzero(mask):
                stored = searcher.stored_fields(int(docnum))
                fields = (stored.get("title", ""),) if clause.field == "title" else (
                    stored.get("title", ""), stored.get("body", ""))  # fmt: skip
                if not any(needle in normalize_for_search(text) for text in fields):
                    mask[docnum] = False
        return mask

    def _query_mask(self, searcher, parsed: ParsedQuery, columns: FacetColumns) -> np.ndarray:
        size = columns.size
        mask = columns.live.copy()
        if is_long(parsed):
            words = long_query_words(parsed)
            matched = np.zeros(size, dtype=np.int32)
            for word in words:
                matched += self._clause_mask(searcher, Clause(word), size)
            return mask & (matched >= min_should_match(len(words)))
        for group in parsed.groups:
            group_mask = np.zeros(size, dtype=bool)
            for clause in group:
                group_mask |= self._clause_mask(searcher, clause, size)
            mask &= group_mask
        for clause in parsed.excluded:
            mask &= ~self._clause_mask(searcher, clause, size)
        return mask

    def _filter_masks(self, filters: dict[str, list[str]], columns: FacetColumns) -> dict[str, np.ndarray]:
        masks = {}
        for name, values in filters.items():
            if name in ("date_from", "date_to"):
                continue
            masks[name] = columns.columns[name].mask(values, columns.size)
        if "date_from" in filters or "date_to" in filters:
            masks["date"] = columns.date_mask(
                filters.get("date_from", [None])[0], filters.get("date_to", [None])[0]
            )
        return masks

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
        page, per_page, sort = _check_paging(page, per_page, sort, query)
        parsed = parse_query(query)
        filters = normalize_filters(filters)
        for name, values in parsed.filters.items():  # source:河南日报 in the query text
            filters.setdefault(name, []).extend(v for v in values if v not in filters.get(name, []))
        filters = resolve_region_filters(filters)

        searcher = self._searcher()
        columns = self._columns(searcher)
        matched = self._query_mask(searcher, parsed, columns)
        filter_masks = self._filter_masks(filters, columns)
        final = matched.copy()
        for mask in filter_masks.values():
            final &= mask
        total = int(final.sum())

        docnums = self._page_docnums(searcher, parsed, final, sort, page, per_page)
        terms = highlight_terms(parsed)
        hits = [self._hit(searcher, docnum, terms) for docnum in docnums]
        facets = self._facets_for(columns, matched, filter_masks, filters)
        return {
            "query": query,
            "filters": filters,
            "sort": sort,
            "page": page,
            "per_page": per_page,
            "total": total,
            "pages": max(1, -(-total // per_page)),
            "hits": hits,
            "facets": facets,
            "notes": parsed.notes,
            "took_ms": round((time.perf_counter() - started) * 1000, 2),
        }

    def _page_docnums(self, searcher, parsed, final, sort, page, per_page) -> list[int]:
        first = (page - 1) * per_page
        candidates = np.flatnonzero(final)
        if first >= len(candidates):
            return []
        if sort in ("newest", "oldest"):
            dates = self._columns(searcher).dates[candidates]
            if sort == "newest":
                order = np.lexsort((candidates, -dates))
            else:  # undated documents last, not first
                order = np.lexsort((candidates, np.where(dates > 0, dates, np.iinfo(np.int64).max)))
            return [int(d) for d in candidates[order][first : first + per_page]]
        results = searcher.search(
            scoring_query(parsed), filter=set(candidates.tolist()), limit=first + per_page
        )
        return [hit.docnum for hit in results[first : first + per_page]]

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
        return hit

    # -- documents ---------------------------------------------------------

    def document(self, doc_id: str, query: str = "") -> dict[str, Any] | None:
        """One document with its full text (and the query's matches marked)."""
        searcher = self._searcher()
        docnum = searcher.document_number(id=doc_id)
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
        docnum = searcher.document_number(id=doc_id)
        if docnum is None:
            return []
        stored = searcher.stored_fields(docnum)
        results = searcher.more_like(docnum, "body", text=stored.get("body", ""), top=limit, numterms=20)
        return [document_summary(hit.fields()) for hit in results]

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


def _split(value: str | None) -> list[str]:
    return [part for part in (value or "").split(",") if part]


def document_summary(stored: Mapping[str, Any]) -> dict[str, Any]:
    """The fields every hit carries, from a document's stored fields."""
    return {
        "id": stored.get("id"),
        "title": stored.get("title") or "",
        "date": stored.get("date"),
        "source": stored.get("source"),
        "province": stored.get("province"),
        "city": stored.get("city"),
        "county": stored.get("county"),
        "topics": _split(stored.get("topics")),
        "url": stored.get("url"),
        "path": stored.get("path"),
    }


def _check_paging(page: Any, per_page: Any, sort: str | None, query: str) -> tuple[int, int, str]:
    try:
        page, per_page = int(page), int(per_page)
    except (TypeError, ValueError):
        raise QueryError("page and per_page must be whole numbers") from None
    if not 1 <= per_page <= MAX_PER_PAGE:
        raise QueryError(f"per_page must be between 1 and {MAX_PER_PAGE}")
    if not 1 <= page <= MAX_PAGE:
        raise QueryError(f"page must be between 1 and {MAX_PAGE}")
    if sort in (None, ""):
        sort = "relevance" if (query or "").strip() else "newest"
    if sort not in SORTS:
        raise QueryError(f"sort must be one of {', '.join(SORTS)}")
    return page, per_page, sort


def open_index(path: str | Path = "index") -> SearchIndex:
    """Open the index in ``path`` for searching."""
    return SearchIndex(path)


def iter_all(index: SearchIndex) -> Iterable[dict[str, Any]]:
    """Every stored document (for exports and tests)."""
    searcher = index._searcher()
    for _docnum, stored in searcher.reader().iter_docs():
        yield stored
