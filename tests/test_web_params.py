"""web.params: request arguments -> search arguments and the URLs that change them."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from search.searcher import QueryError
from web.params import SearchParams, page_numbers, parse_search_params, remove_filter


def parse(query: list[tuple[str, str]]) -> SearchParams:
    return parse_search_params(MultiDict(query))


@pytest.mark.parametrize(
    "query, expected",
    [
        ([], SearchParams()),
        ([("q", "  新乡 ")], SearchParams(q="新乡")),
        ([("province", "河南省"), ("province", "河北省"), ("year", "2018")],
         SearchParams(filters=(("province", "河南省"), ("province", "河北省"), ("year", "2018")))),
        ([("province", "河南省"), ("province", "河南省")], SearchParams(filters=(("province", "河南省"),))),
        ([("city", ""), ("date_from", ""), ("date_to", "2018-12-31")],
         SearchParams(filters=(("date_to", "2018-12-31"),))),
        ([("date_from", "2018-01-01"), ("date_from", "2019-01-01")],
         SearchParams(filters=(("date_from", "2018-01-01"),))),
        ([("sort", "oldest"), ("page", "3"), ("per_page", "100"), ("script", "traditional")],
         SearchParams(sort="oldest", page=3, per_page=100, script="traditional")),
        ([("utm_source", "x")], SearchParams()),  # unknown arguments are ignored
    ],
)  # fmt: skip
def test_parse_search_params(query, expected):
    assert parse(query) == expected


@pytest.mark.parametrize(
    "query, message",
    [
        ([("per_page", "0")], "per_page must be between 1 and 100"),
        ([("per_page", "101")], "per_page must be between 1 and 100"),
        ([("page", "abc")], "page must be a whole number"),
        ([("page", "0")], "page must be between 1 and 1000"),
        ([("page", "1" * 5000)], "page must be a whole number"),
        ([("page", "1e3")], "page must be a whole number"),
        ([("sort", "random")], "sort must be one of relevance, newest, oldest"),
        ([("script", "latin")], "script must be one of original, simplified, traditional"),
        ([("date_from", "2018-13-01")], "date_from is not a valid date"),
        ([("date_to", "2018/01/01")], "date_to must be a date as YYYY-MM-DD"),
        ([("date_from", "2019-01-01"), ("date_to", "2018-01-01")], "date_from is after date_to"),
        ([("year", "18")], "year must be four digits"),
        ([("month", "2018-13")], "month must be YYYY-MM"),
        ([("q", "新" * 201)], "q is too long"),
        ([("source", "报" * 101)], "source is too long"),
        ([("topic", str(number)) for number in range(21)], "at most 20 values of topic"),
    ],
)
def test_bad_parameters_raise_query_error(query, message):
    with pytest.raises(QueryError) as error:
        parse(query)
    assert str(error.value).startswith(message)


@pytest.mark.parametrize(
    "params, query_string",
    [
        (SearchParams(), ""),
        (SearchParams(q="新乡", filters=(("province", "河南省"),)), "q=%E6%96%B0%E4%B9%A1&province=%E6%B2%B3%E5%8D%97%E7%9C%81"),
        (SearchParams(q="a b", sort="newest", page=2, per_page=20, script="simplified"),
         "q=a+b&sort=newest&per_page=20&script=simplified&page=2"),
    ],
)  # fmt: skip
def test_query_string_leaves_defaults_out(params, query_string):
    assert params.query_string() == query_string


def test_query_string_round_trips():
    params = SearchParams(q="新乡 OR 郑州", filters=(("year", "2018"), ("date_to", "2019-01-01")), page=4)
    from urllib.parse import parse_qsl

    assert parse(parse_qsl(params.query_string())) == params


BASE = SearchParams(q="新乡", filters=(("province", "河南省"), ("city", "新乡市"), ("city", "广州市"), ("year", "2018")),
                    page=3)  # fmt: skip


@pytest.mark.parametrize(
    "change, filters",
    [
        (lambda p: p.toggled("year", "2019"), BASE.filters + (("year", "2019"),)),
        (lambda p: p.toggled("year", "2018"), BASE.filters[:3]),
        (lambda p: p.with_filter("date_from", "2018-01-01").with_filter("date_from", "2019-01-01"),
         BASE.filters + (("date_from", "2019-01-01"),)),
        (lambda p: p.without("city"), (("province", "河南省"), ("year", "2018"))),
        # removing a province removes the cities chosen inside it, not the others
        (lambda p: remove_filter(p, "province", "河南省"), (("city", "广州市"), ("year", "2018"))),
        (lambda p: remove_filter(p, "city", "新乡市"), (("province", "河南省"), ("city", "广州市"), ("year", "2018"))),
    ],
)  # fmt: skip
def test_changes_go_back_to_page_one(change, filters):
    changed = change(BASE)
    assert changed.filters == filters and changed.page == 1 and changed.q == "新乡"


@pytest.mark.parametrize(
    "page, pages, expected",
    [
        (1, 1, [1]),
        (1, 3, [1, 2, 3]),
        (1, 10, [1, 2, 3, None, 10]),
        (5, 10, [1, None, 3, 4, 5, 6, 7, None, 10]),
        (10, 10, [1, None, 8, 9, 10]),
        (4, 10, [1, 2, 3, 4, 5, 6, None, 10]),
    ],
)
def test_page_numbers(page, pages, expected):
    assert page_numbers(page, pages) == expected
