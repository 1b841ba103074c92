"""Which filters a facet obeys: the year facet ignores the year and month chosen
(so another year or month can be picked) and obeys every other filter. Ground
truth: the publication years of the documents the other filters match."""

from __future__ import annotations

from collections import Counter

import pytest


def year_facet(result: dict) -> dict[str, int]:
    return {entry["value"]: entry["count"] for entry in result["facets"]["year"]}


def years_of(index, query: str, filters: dict) -> dict[str, int]:
    """The years of every document that ``query`` and ``filters`` match, by a scan of the hits."""
    hits = index.search(query, filters, per_page=100)["hits"]
    assert len(hits) < 100
    return dict(
        Counter(hit["published"][:4] if hit["published"] else "none" for hit in hits)
    )  # none: undated


@pytest.mark.parametrize(
    "query, filters, obeyed",
    [
        ("", {"month": ["2019-03"]}, {}),
        ("", {"month": ["2019-03", "2020-05"]}, {}),
        ("", {"year": ["2019"], "month": ["2019-03"]}, {}),
        ("新乡", {"month": ["2019-03"]}, {}),
        ("", {"province": ["河南省"], "month": ["2019-07"]}, {"province": ["河南省"]}),
        ("", {"province": ["河南省"]}, {"province": ["河南省"]}),
    ],
)
def test_the_year_facet_ignores_year_and_month_and_obeys_the_rest(
    seeds_and_web_index, query, filters, obeyed
):
    result = seeds_and_web_index.search(query, filters, per_page=1)
    expected = years_of(seeds_and_web_index, query, obeyed)
    assert len(expected) >= 2  # more than one year to choose from
    assert year_facet(result) == expected
    assert {entry["value"] for entry in result["facets"]["year"] if entry["selected"]} == set(
        filters.get("year", [])
    )


@pytest.fixture(scope="module")
def seeds_and_web_index(web_index_dir):
    from search.searcher import SearchIndex

    return SearchIndex(web_index_dir)
