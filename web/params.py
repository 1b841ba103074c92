"""Request arguments -> search arguments, validated once for pages and API alike.

Everything a result page shows is in its URL (query, filters, sort, page,
page size, display script), so ``SearchParams`` also builds the URLs of the
links that change one of them. Anything a client can send that cannot be
searched raises ``QueryError``, which the error handler turns into a 400.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from urllib.parse import urlencode

from werkzeug.datastructures import MultiDict

from search.relax import without_filter
from search.request import (
    COLLAPSES,
    COUNTS,
    DATE_FILTERS,
    FILTER_NAMES,
    MAX_ID_CHARS,
    MAX_TYPED_QUERY_CHARS,
    MAX_VALUE_CHARS,
    MAX_VALUES,
    QueryError,
    check_choice,
    check_document_id,
    check_filter_values,
    check_paging,
    check_typed_query,
    normalize_filters,
)
from search.script import DISPLAY_SCRIPTS

SCRIPTS = DISPLAY_SCRIPTS  # traditional: Taiwan standard; traditional-hk: Hong Kong
# The URL parameters are the library's filters (``search.request.FILTERS``).
FILTER_PARAMS = FILTER_NAMES
DATE_PARAMS = DATE_FILTERS
MAX_QUERY_CHARS = MAX_TYPED_QUERY_CHARS  # a longer q is refused (the library would cut at 1,000)
__all__ = ["MAX_ID_CHARS", "MAX_VALUES", "MAX_VALUE_CHARS", "QueryError", "check_document_id"]


@dataclass(frozen=True)
class SearchParams:
    """One search as the URL states it."""

    q: str = ""
    filters: tuple[tuple[str, str], ...] = ()  # (name, value) in URL order, dates included
    sort: str | None = None  # None: relevance with a query, newest without
    page: int = 1
    per_page: int = 10
    script: str = "original"
    default_per_page: int = 10
    collapse: str = "none"  # "story": one hit per story of reprints
    count: str = "documents"  # "stories": totals count stories
    default_collapse: str = "none"  # the API lists documents, the pages stories

    def values(self, name: str) -> list[str]:
        return [value for key, value in self.filters if key == name]

    def filter_dict(self) -> dict[str, list[str]]:
        """The filters as ``SearchIndex.search`` takes them."""
        result: dict[str, list[str]] = {}
        for name, value in self.filters:
            result.setdefault(name, []).append(value)
        return result

    # -- changed copies (each goes back to page 1 unless it is a page link) --

    def replace(self, **changes) -> SearchParams:
        return dataclasses.replace(self, **changes)

    def with_filter(self, name: str, value: str) -> SearchParams:
        if (name, value) in self.filters:
            return self.replace(page=1)
        kept = self.without(name).filters if name in DATE_PARAMS else self.filters  # one date of each
        return self.replace(filters=(*kept, (name, value)), page=1)

    def without(self, name: str, value: str | None = None) -> SearchParams:
        kept = tuple(
            pair for pair in self.filters if pair[0] != name or (value is not None and pair[1] != value)
        )
        return self.replace(filters=kept, page=1)

    def toggled(self, name: str, value: str) -> SearchParams:
        if (name, value) in self.filters:
            return self.without(name, value)
        return self.with_filter(name, value)

    # -- URLs ----------------------------------------------------------------

    def pairs(self) -> list[tuple[str, str]]:
        """The URL arguments, defaults left out, in a stable order."""
        pairs = [("q", self.q)] if self.q else []
        pairs += list(self.filters)
        if self.sort:
            pairs.append(("sort", self.sort))
        if self.per_page != self.default_per_page:
            pairs.append(("per_page", str(self.per_page)))
        if self.script != "original":
            pairs.append(("script", self.script))
        if self.collapse != self.default_collapse:
            pairs.append(("collapse", self.collapse))
        if self.count != "documents":
            pairs.append(("count", self.count))
        if self.page != 1:
            pairs.append(("page", str(self.page)))
        return pairs

    def query_string(self) -> str:
        return urlencode(self.pairs())


def _first(args: MultiDict, name: str, default: str = "") -> str:
    value = args.get(name, default)
    return value.strip() if isinstance(value, str) else default


def parse_query_text(args: MultiDict) -> str:
    """The ``q`` argument, checked for length."""
    return check_typed_query(_first(args, "q"))


def parse_script(args: MultiDict) -> str:
    script = _first(args, "script") or "original"
    if script not in SCRIPTS:
        raise QueryError(f"script must be one of {', '.join(SCRIPTS)}")
    return script


def _filters(args: MultiDict) -> tuple[tuple[str, str], ...]:
    pairs: list[tuple[str, str]] = []
    for name in (*FILTER_PARAMS, *DATE_PARAMS):
        values = [value.strip() for value in args.getlist(name) if value.strip()]
        if name in DATE_PARAMS:
            values = values[:1]
        pairs += [(name, value) for value in check_filter_values(name, values)]
    return tuple(pairs)


def parse_search_params(
    args: MultiDict, default_per_page: int = 10, default_collapse: str = "none"
) -> SearchParams:
    """Validate the arguments of a search (``QueryError`` for a bad one).

    ``default_collapse``: ``none`` for the API, ``story`` for the pages."""
    q = parse_query_text(args)
    filters = _filters(args)
    sort = _first(args, "sort") or None
    page, per_page, _ = check_paging(
        _first(args, "page", "1") or "1", _first(args, "per_page", str(default_per_page)) or default_per_page,
        sort, q,
    )  # fmt: skip
    collapse = check_choice(_first(args, "collapse"), "collapse", COLLAPSES, default_collapse)
    count = check_choice(_first(args, "count"), "count", COUNTS, "documents")
    params = SearchParams(
        q,
        filters,
        sort,
        page,
        per_page,
        parse_script(args),
        default_per_page,
        collapse,
        count,
        default_collapse,
    )
    normalize_filters(params.filter_dict())  # raises for a bad year, month or date
    return params


def parse_document_params(args: MultiDict) -> tuple[str, str]:
    """The query to mark and the display script of a document page."""
    return parse_query_text(args), parse_script(args)


def page_numbers(page: int, pages: int, around: int = 2) -> list[int | None]:
    """Page links to show: first, last and a window around ``page``; None is a gap."""
    shown = sorted({1, pages, *range(max(1, page - around), min(pages, page + around) + 1)})
    numbers: list[int | None] = []
    for number in shown:
        if numbers and number - (numbers[-1] or 0) > 1:
            numbers.append(None)
        numbers.append(number)
    return numbers


def remove_filter(params: SearchParams, name: str, value: str) -> SearchParams:
    """``params`` without one filter value; removing a province or city also
    removes the cities and counties chosen inside it (``search.relax.without_filter``)."""
    return params.replace(filters=without_filter(params.filters, name, value), page=1)
