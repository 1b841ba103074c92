"""search.request: one table of filters, and everything that lists them derives from it."""

from __future__ import annotations

import pytest

from search.cli import build_parser
from search.query import parse_query
from search.request import (
    FACET_IGNORES,
    FACETS,
    FILTERS,
    MAX_QUERY_CHARS,
    MAX_TYPED_QUERY_CHARS,
    QueryError,
    check_filter_values,
    check_typed_query,
    normalize_filters,
)
from web.params import FILTER_PARAMS


def cli_accepts(name: str) -> bool:
    try:
        return getattr(build_parser().parse_args(["search", f"--{name}", "2018"]), name) == ["2018"]
    except SystemExit:  # argparse: unrecognized argument
        return False


@pytest.mark.parametrize("item", FILTERS, ids=[item.name for item in FILTERS])
def test_each_filter_is_offered_where_the_table_says(item, seeds_index):
    assert item.name in FILTER_PARAMS  # every filter is a URL parameter
    assert cli_accepts(item.name) == item.cli
    assert (parse_query(f"{item.name}:2018 新乡").filters == {item.name: ["2018"]}) == item.in_query
    facets = seeds_index.search("", {"year": "2018"} if item.name == "month" else None)["facets"]
    assert (item.name in facets) == item.facet


@pytest.mark.parametrize(
    "facet, ignored",
    [("province", {"province"}), ("city", {"city"}), ("year", {"year", "month"}), ("topic", {"topic"})],
)
def test_a_facet_ignores_its_own_filters(facet, ignored):
    assert FACET_IGNORES[facet] == ignored


def test_facet_fields():
    assert FACETS["topic"] == ("topics", True) and FACETS["province"] == ("province", False)
    assert list(FACETS) == ["province", "city", "county", "year", "month", "topic", "source"]


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"province": "河南省"}, {"province": ["河南省"]}),
        ({"city": ["新鄉市", "新乡市", " "]}, {"city": ["新乡市"]}),  # Simplified, once, blanks dropped
        ({"date_from": ["2018-01-01", "2018-02-01"]}, {"date_from": ["2018-02-01"]}),
    ],
)
def test_normalize_filters(filters, expected):
    assert normalize_filters(filters) == expected


@pytest.mark.parametrize(
    "filters, message",
    [
        ({"colour": "red"}, "unknown filter 'colour'"),
        ({"year": "18"}, "year must be four digits"),
        ({"month": "2018-13"}, "month must be YYYY-MM"),
        ({"date_from": "2018-02-30"}, "date_from is not a valid date: '2018-02-30'"),
        ({"date_from": "2018-02-01", "date_to": "2018-01-01"}, "date_from is after date_to"),
    ],
)
def test_bad_filters_are_query_errors(filters, message):
    with pytest.raises(QueryError, match=message):
        normalize_filters(filters)


def test_query_limits_are_stated_once():
    assert (MAX_QUERY_CHARS, MAX_TYPED_QUERY_CHARS) == (1000, 200)
    assert check_typed_query("新" * 200) == "新" * 200
    with pytest.raises(QueryError, match="at most 200 characters"):
        check_typed_query("新" * 201)
    assert any("1000" in note for note in parse_query("新 " * 600).notes)


def test_filter_values_are_limited():
    assert check_filter_values("source", ["a", "a", "b"]) == ["a", "b"]
    with pytest.raises(QueryError, match="at most 20 values of source"):
        check_filter_values("source", [str(n) for n in range(21)])
    with pytest.raises(QueryError, match="source is too long"):
        check_filter_values("source", ["x" * 101])
