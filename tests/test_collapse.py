"""Collapsing reprints (``collapse=story``) and counting stories (``count=stories``).

Ground truth: the uncollapsed result, every page of it, grouped by story by
hand (a story's first hit in rank order stands for it).
"""

from __future__ import annotations

import gzip
import itertools
import json
import os
from pathlib import Path

import pytest

from search.indexer import index_paths
from search.normalize import clean_text, convert_for_display
from search.request import QueryError
from search.searcher import SearchIndex

ROOT = Path(__file__).resolve().parents[1]
# XUNWEN_CORPUS, else ../shared/corpus as in conftest, else the machine's shared folder.
CORPORA = [
    Path(os.environ.get("XUNWEN_CORPUS", ROOT.parent / "shared" / "corpus")),
    Path("/work/shared/corpus"),
]
XWLB = next((folder / "xwlb.jsonl.gz" for folder in CORPORA if (folder / "xwlb.jsonl.gz").exists()), None)
ARTICLES = 120  # real 新闻联播 items; every third one is reprinted one to three times


def reprint(item: dict, number: int) -> dict:
    """Another outlet's copy: the other script (odd numbers), its header, a paragraph cut, days later."""
    paragraphs = clean_text(item["content"]).split("\n")
    body = "\n".join(paragraphs[:-1] if len(paragraphs) > 2 else paragraphs)
    if number % 2:
        body = convert_for_display(body, "traditional")
    day = int(item["date"][8:10])
    return {
        "id": f"{item['id']}-r{number}",
        "title": f"转载：{item['title']}",
        "content": f"来源：第{number}家网站\n{body}\n（责任编辑：王{number}）",
        "date": f"{item['date'][:8]}{min(28, day + number):02d}",
        "source": f"网站{number}",
    }


@pytest.fixture(scope="module")
def reprinted(tmp_path_factory) -> SearchIndex:
    """An index of real articles and their reprints (the grouping is the index's own)."""
    if XWLB is None:
        pytest.skip("the shared corpus is absent")
    with gzip.open(XWLB, "rt", encoding="utf-8") as handle:
        items = [json.loads(line) for line in itertools.islice(handle, ARTICLES)]
    items = [item for item in items if len(item["content"]) > 300]
    records = list(items)
    for position, item in enumerate(items[::3]):
        records += [reprint(item, number) for number in range(1, 2 + position % 3)]
    folder = tmp_path_factory.mktemp("collapse")
    source = folder / "docs.jsonl"
    source.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    index_paths([source], folder / "index", procs=1)
    return SearchIndex(folder / "index")


def every_hit(index: SearchIndex, query: str, sort: str | None, **options) -> tuple[list[dict], dict]:
    """All pages of a search, concatenated, and the first page's result."""
    first = index.search(query, sort=sort, per_page=7, **options)
    hits = list(first["hits"])
    for page in range(2, first["pages"] + 1):
        hits += index.search(query, sort=sort, page=page, per_page=7, **options)["hits"]
    return hits, first


def grouped(hits: list[dict]) -> dict[int, list[str]]:
    """Story -> its hits' ids, stories in the order of their first hit."""
    groups: dict[int, list[str]] = {}
    for hit in hits:
        groups.setdefault(hit["story"], []).append(hit["id"])
    return groups


CASES = [
    ("", None),
    ("", "oldest"),
    ("中国", None),
    ("经济", "newest"),
    ("习近平", None),
    ("会议 发展", None),
]


@pytest.mark.corpus
@pytest.mark.parametrize(("query", "sort"), CASES)
def test_collapse_agrees_with_grouping_the_uncollapsed_hits(reprinted, query, sort):
    documents, plain = every_hit(reprinted, query, sort)
    stories, collapsed = every_hit(reprinted, query, sort, collapse="story")
    truth = grouped(documents)
    assert len(documents) == plain["total"] == collapsed["total_documents"]
    assert [hit["id"] for hit in stories] == [ids[0] for ids in truth.values()]
    assert [hit["story_matched"] for hit in stories] == [len(ids) for ids in truth.values()]
    assert collapsed["total"] == collapsed["total_stories"] == len(truth)
    assert collapsed["pages"] == -(-len(truth) // 7)
    assert all(hit["story_size"] >= hit["story_matched"] for hit in stories)


@pytest.mark.corpus
def test_the_corpus_set_has_reprints_to_collapse(reprinted):
    result = reprinted.search("", collapse="story", per_page=100)
    assert result["total_documents"] - result["total"] >= 40  # the reprints were grouped
    assert max(hit["story_size"] for hit in result["hits"]) == 4


@pytest.mark.corpus
@pytest.mark.parametrize("query", ["", "中国", "发展"])
def test_count_stories_counts_the_stories_of_the_uncollapsed_hits(reprinted, query):
    documents, _ = every_hit(reprinted, query, None)
    counted = reprinted.search(query, count="stories", per_page=7)
    assert counted["total"] == len(grouped(documents))
    assert counted["pages"] == -(-len(documents) // 7)  # the list still shows every document
    assert [hit["id"] for hit in counted["hits"]] == [hit["id"] for hit in documents[:7]]


@pytest.mark.parametrize(
    ("options", "message"),
    [({"collapse": "stories"}, "collapse must be one of none, story"),
     ({"count": "story"}, "count must be one of documents, stories")],
)  # fmt: skip
def test_bad_collapse_or_count_is_a_query_error(reprinted_small, options, message):
    with pytest.raises(QueryError, match=message):
        reprinted_small.search("", **options)


@pytest.fixture
def reprinted_small(tmp_path) -> SearchIndex:
    source = tmp_path / "docs.jsonl"
    source.write_text(
        json.dumps({"id": "a", "content": "一篇文章。"}, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    index_paths([source], tmp_path / "index", procs=1)
    return SearchIndex(tmp_path / "index")


def stories_per_value(hits: list[dict], value) -> dict[str, int]:
    """Facet value -> how many stories its hits belong to (the ground truth of ``count=stories``)."""
    found: dict[str, set[int]] = {}
    for hit in hits:
        if value(hit):
            found.setdefault(value(hit), set()).add(hit["story"])
    return {key: len(stories) for key, stories in found.items()}


FACET_VALUES = {"source": lambda hit: hit["source"], "year": lambda hit: (hit["published"] or "")[:4] or None}


@pytest.mark.corpus
@pytest.mark.parametrize("query", ["", "中国", "发展"])
@pytest.mark.parametrize("facet", sorted(FACET_VALUES))
def test_facets_count_stories_like_grouping_the_hits_by_value(reprinted, query, facet):
    documents, _ = every_hit(reprinted, query, None)
    by_story = reprinted.search(query, count="stories")["facets"][facet]
    by_document = reprinted.search(query)["facets"][facet]
    assert {item["value"]: item["count"] for item in by_story} == stories_per_value(
        documents, FACET_VALUES[facet]
    )
    documents_per_value = {}
    for hit in documents:
        key = FACET_VALUES[facet](hit)
        documents_per_value[key] = documents_per_value.get(key, 0) + 1
    assert {item["value"]: item["count"] for item in by_document} == {
        key: count for key, count in documents_per_value.items() if key
    }


def earliest_day_per_story(hits: list[dict]) -> dict[str, int]:
    """Day -> stories whose earliest matching document is of that day (ground truth of a story trend)."""
    earliest: dict[int, str] = {}
    for hit in hits:
        if hit["date"] and (hit["story"] not in earliest or hit["date"] < earliest[hit["story"]]):
            earliest[hit["story"]] = hit["date"]
    days: dict[str, int] = {}
    for day in earliest.values():
        days[day] = days.get(day, 0) + 1
    return days


@pytest.mark.corpus
@pytest.mark.parametrize("query", ["", "中国", "发展"])
def test_trend_counts_each_story_once_at_its_earliest_match(reprinted, query):
    from search.analytics import trend

    documents, _ = every_hit(reprinted, query, None)
    by_story = trend(reprinted, [query], interval="day", count="stories")
    (series,) = by_story["series"]
    assert series["total"] == len(grouped(documents))
    assert {b["key"]: b["count"] for b in series["buckets"] if b["count"]} == earliest_day_per_story(
        documents
    )
    (plain,) = trend(reprinted, [query], interval="day")["series"]
    assert plain["total"] == len(documents) > series["total"]
    assert by_story["collection_total"] == reprinted.search("", count="stories")["total"]


@pytest.mark.corpus
def test_export_rows_carry_the_story(reprinted):
    from search.analytics import export_rows

    documents, _ = every_hit(reprinted, "", None)
    total, rows = export_rows(reprinted, "")
    assert {row["id"]: row["story"] for row in rows} == {hit["id"]: hit["story"] for hit in documents}
    assert total == len(documents) and len({hit["story"] for hit in documents}) < total
