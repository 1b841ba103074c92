"""What a caller may ask: filters, sorts, paging, limits, and the one ``QueryError``.

The filter vocabulary is one table (``FILTERS``); every list of names
elsewhere (the query syntax's ``name:value`` filters, the CLI options, the
web's URL parameters, the facet columns and which filters a facet ignores)
is derived from it. Validation of what a client sends lives here too, so the
library, the CLI and the web refuse the same things with the same words.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from search.document import MAX_ID_CHARS, id_problem
from search.normalize import to_simplified


class QueryError(ValueError):
    """A parameter a client sent that cannot be searched (a 400, not a 500)."""


@dataclass(frozen=True)
class Filter:
    """One filter a search accepts, and everything that is said about it."""

    name: str
    help: str  # the CLI option's help
    level: str | None = None  # the region level it names (province/city/county), if one
    facet_field: str | None = None  # the index field counted as a facet; None: not a facet
    multi: bool = False  # the facet field holds several values per document
    in_query: bool = True  # the query syntax accepts ``name:value``
    cli: bool = True  # ``xunwen search --name``
    also_ignores: tuple[str, ...] = ()  # other filters its facet ignores when counting

    @property
    def facet(self) -> bool:
        return self.facet_field is not None


# The order is the URL's and the CLI's order of filters.
FILTERS: tuple[Filter, ...] = (
    Filter("province", "filter by province (repeatable)", level="province", facet_field="province"),
    Filter("city", "filter by city (repeatable)", level="city", facet_field="city"),
    Filter("county", "filter by county (repeatable)", level="county", facet_field="county"),
    Filter("region", "filter by region (repeatable)"),  # any level, either script, short or full
    Filter("topic", "filter by topic (repeatable)", facet_field="topics", multi=True),
    Filter("source", "filter by source (repeatable)", facet_field="source"),
    # Choosing a year keeps the month facet's other months: a year ignores months too.
    Filter("year", "filter by year (repeatable)", facet_field="year", also_ignores=("month",)),
    Filter("month", "filter by month", facet_field="month", in_query=False, cli=False),
)
FILTERS_BY_NAME = {item.name: item for item in FILTERS}
FILTER_NAMES = tuple(item.name for item in FILTERS)
QUERY_FILTERS = tuple(item.name for item in FILTERS if item.in_query)  # source:河南日报 in a query
CLI_FILTERS = tuple(item for item in FILTERS if item.cli)
DATE_FILTERS = ("date_from", "date_to")
REGION_LEVELS = tuple(item.level for item in FILTERS if item.level)
# Facets in the order the result dict lists them: name -> (index field, multi-valued).
FACETS: dict[str, tuple[str, bool]] = {
    name: (FILTERS_BY_NAME[name].facet_field, FILTERS_BY_NAME[name].multi)  # type: ignore[misc]
    for name in ("province", "city", "county", "year", "month", "topic", "source")
}
assert set(FACETS) == {item.name for item in FILTERS if item.facet}
# facet name -> filters that facet ignores when counting (so several values
# of one facet can be chosen; a city facet still respects the province)
FACET_IGNORES: dict[str, frozenset[str]] = {
    name: frozenset((name, *FILTERS_BY_NAME[name].also_ignores)) for name in FACETS
}
FACET_LIMIT = 50  # values shown per facet (chosen values always are)
# The value of a facet's unknown bucket: as a filter (``year=none``,
# ``topic=none``) it selects the documents that carry no value of that facet,
# as Datasette filters on null; a facet lists it last, with its count.
UNKNOWN = "none"

SORTS = ("relevance", "newest", "oldest")
# Reprints (issue 14): one hit per story or every document; count documents or stories.
COLLAPSES = ("none", "story")
COUNTS = ("documents", "stories")
MAX_PER_PAGE = 100
MAX_PAGE = 1000
# The library cuts a longer query (and says so in the notes): every word is
# looked up, so this bounds the work of one search (see ``search.query``).
MAX_QUERY_CHARS = 1000
# The web refuses a longer ``q``: a query is words, a title or a question, not
# an article; longer text would only make matching slow.
MAX_TYPED_QUERY_CHARS = 200
MAX_VALUES = 20  # values of one filter
MAX_VALUE_CHARS = 100

# ASCII digits only, to the very end ("\Z": "$" would let a final newline through).
_DATE_RE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")
_MONTH_RE = re.compile(r"[0-9]{4}-(0[1-9]|1[0-2])\Z")
_YEAR_RE = re.compile(r"[0-9]{4}\Z")
_WHOLE_RE = re.compile(r"-?[0-9]+\Z")


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
        if name in DATE_FILTERS:
            result[name] = [parse_date(values[-1], name)]
        elif name in FILTERS_BY_NAME:
            if name == "region" and UNKNOWN in values:
                raise QueryError("region=none is not a filter: use province=none")
            known = [value for value in values if value != UNKNOWN]
            if name == "year" and not all(_YEAR_RE.match(value) for value in known):
                raise QueryError("year must be four digits or none")
            if name == "month" and not all(_MONTH_RE.match(value) for value in known):
                raise QueryError("month must be YYYY-MM or none")
            result[name] = list(dict.fromkeys(to_simplified(value) for value in values))
        else:
            raise QueryError(f"unknown filter {name!r}")
    if "date_from" in result and "date_to" in result and result["date_from"][0] > result["date_to"][0]:
        raise QueryError("date_from is after date_to")
    return result


def merge_query_filters(
    filters: dict[str, list[str]], typed: Mapping[str, list[str]]
) -> dict[str, list[str]]:
    """``filters`` with the filters typed in the query text (``source:河南日报``) added."""
    for name, values in typed.items():
        filters.setdefault(name, []).extend(v for v in values if v not in filters.get(name, []))
    return filters


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
            if value not in held and value != UNKNOWN:
                region = _resolve_region(value)
                if region is not None and level in ("region", region.level):
                    value = region.name
            resolved.append(value)
        filters[level] = list(dict.fromkeys(resolved))
    return filters


def _resolve_region(name: str):
    from search.gazetteer import resolve

    return resolve(name)


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
    # ASCII digits only: int() also takes "1_0", "٣" and "１０", which no URL should mean.
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _WHOLE_RE.match(value.strip()):
        try:
            return int(value)
        except ValueError:  # more than 4,300 digits: Python refuses to convert them
            pass
    raise QueryError(f"{name} must be a whole number, got {str(value)[:20]!r}")


def check_typed_query(q: str) -> str:
    """A query as a client typed it, refused when longer than ``MAX_TYPED_QUERY_CHARS``."""
    if len(q) > MAX_TYPED_QUERY_CHARS:
        raise QueryError(f"q is too long: at most {MAX_TYPED_QUERY_CHARS} characters")
    return q


def check_filter_values(name: str, values: list[str]) -> list[str]:
    """One filter's values as sent, refused when too many or too long; duplicates dropped."""
    if len(values) > MAX_VALUES:
        raise QueryError(f"at most {MAX_VALUES} values of {name}")
    for value in values:
        if len(value) > MAX_VALUE_CHARS:
            raise QueryError(f"{name} is too long: at most {MAX_VALUE_CHARS} characters")
    return list(dict.fromkeys(values))


def check_document_id(doc_id: str) -> str:
    """A document id as given; anything is looked up, nothing is read from disk.
    The indexer refuses the same ids (``search.document.id_problem``)."""
    if not doc_id or len(doc_id) > MAX_ID_CHARS:
        raise QueryError(f"a document id has 1 to {MAX_ID_CHARS} characters")
    problem = id_problem(doc_id)
    if problem:
        raise QueryError(f"not a document id: {problem}")
    return doc_id


def check_choice(value: Any, name: str, choices: tuple[str, ...], default: str) -> str:
    """``value`` if it is one of ``choices`` (``default`` when empty), else ``QueryError``."""
    value = value or default
    if value not in choices:
        raise QueryError(f"{name} must be one of {', '.join(choices)}")
    return value
