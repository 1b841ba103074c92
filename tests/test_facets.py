"""search.facets: in-memory facet columns count what Whoosh's groupedby counts."""

from __future__ import annotations

import numpy as np
import pytest

from search.engine.columns import FacetColumn, FacetColumns, date_number

# Five documents; province is single-valued, topics multi-valued:
# document 0 is 党建 and 经济, 1 is 民生, 2 has none, 3 and 4 are 经济.
PROVINCES = FacetColumn("province", ["北京市", "河南省"], 5, np.array([1, 0, -1, 1, 1]))
TOPICS = FacetColumn(
    "topic", ["党建", "经济", "民生"], 5, np.array([0, 1, 1, 2, 1]), np.array([0, 0, 3, 1, 4])
)


@pytest.mark.parametrize(
    "column, wanted, expected",
    [
        (PROVINCES, ["河南省"], [True, False, False, True, True]),
        (PROVINCES, ["河南省", "北京市"], [True, True, False, True, True]),
        (PROVINCES, ["上海市"], [False] * 5),
        (PROVINCES, [], [False] * 5),
        (TOPICS, ["经济"], [True, False, False, True, True]),
        (TOPICS, ["党建", "民生"], [True, True, False, False, False]),
    ],
)
def test_mask(column, wanted, expected):
    assert column.mask(wanted).tolist() == expected


@pytest.mark.parametrize(
    "column, matched, expected",
    [
        (PROVINCES, [True] * 5, [("河南省", 3), ("北京市", 1)]),
        (PROVINCES, [False, True, True, False, False], [("北京市", 1)]),
        (TOPICS, [True] * 5, [("经济", 3), ("党建", 1), ("民生", 1)]),
        (TOPICS, [True, False, False, False, True], [("经济", 2), ("党建", 1)]),
        (TOPICS, [False] * 5, []),
    ],
)
def test_counts_most_frequent_first(column, matched, expected):
    assert column.counts(np.array(matched)) == expected


@pytest.mark.parametrize(
    "value, number", [("2018-06-13", 20180613), ("2018-06", 20180600), ("2018", 20180000), ("soon", 0)]
)
def test_date_number(value, number):
    assert date_number(value) == number


DATED = FacetColumns(
    size=5,
    live=np.ones(5, dtype=bool),
    columns={},
    dates=np.array([20180613, 20180600, 20180000, 0, 20190101]),
)


@pytest.mark.parametrize(
    "date_from, date_to, expected",
    [
        ("2018-06-01", "2018-06-30", [True, True, False, False, False]),  # 2018-06 starts inside
        ("2018-01-01", "2018-12-31", [True, True, True, False, False]),  # and so does 2018
        ("2018-06-02", None, [True, False, False, False, True]),
        (None, "2018-06-12", [False, True, True, False, False]),
        (None, None, [True, True, True, False, True]),  # undated documents are never in a range
    ],
)
def test_date_mask_places_partial_dates_at_their_first_day(date_from, date_to, expected):
    assert DATED.date_mask(date_from, date_to).tolist() == expected


@pytest.mark.parametrize("query", ["", "新乡", "发展", "新乡 OR 北京"])
def test_counts_equal_whoosh_groupedby(web_index_dir, query):
    from whoosh import sorting

    from search import open_index
    from search.plan import scoring_query
    from search.query import parse_query
    from search.schema import FACET_FIELDS

    index = open_index(web_index_dir)
    facets = index.search(query)["facets"]
    searcher = index._searcher()
    groups = sorting.Facets()
    for name, (fieldname, multi) in FACET_FIELDS.items():
        groups.add_facet(name, sorting.FieldFacet(fieldname, allow_overlap=multi))
    results = searcher.search(scoring_query(parse_query(query)), groupedby=groups, limit=None)
    for name in ("province", "city", "county", "year", "topic", "source"):
        # Whoosh groups the documents with no value under None: our unknown bucket, "none"
        theirs = {value or "none": len(docs) for value, docs in results.groups(name).items() if docs}
        assert {item["value"]: item["count"] for item in facets[name]} == theirs, name


def test_columns_hold_every_value_of_the_index(web_index_dir):
    from search import open_index

    index = open_index(web_index_dir)
    columns = index._columns(index._searcher())
    assert set(columns.columns) == {"province", "city", "county", "year", "month", "topic", "source"}
    assert columns.known["province"] >= {"河南省", "河北省", "广东省", "北京市", "台湾省"}
    assert columns.known["region"] >= columns.known["county"] | {"新乡市"}
