"""Searching the seeds in either script: the behaviour the core issue promises."""

from __future__ import annotations

import pytest


def ids(result) -> list[str]:
    return [hit["id"][:3] for hit in result["hits"]]


@pytest.mark.parametrize(
    "query, expected",
    [
        ("新乡", {"000", "002"}),  # 000 writes 新鄉
        ("新鄉", {"000", "002"}),
        ("發展", {"000", "001", "002", "003", "004"}),
        ("高质量发展", {"001", "002", "004"}),  # 001 despite its pinyin noise
        ("高質量發展", {"001", "002", "004"}),
        ("量发", {"001", "002", "004"}),  # starts and ends inside words
        ('"质量发展"', {"001", "002", "004"}),  # a phrase made of sub-words
        ("管城回族区", {"003"}),
        ("枣强 虎年", {"004"}),
        ("新乡 OR 枣强", {"000", "002", "004"}),
        ("新乡 -都市圈", {"000"}),
        ("新乡 NOT 轨道交通", {"000"}),
        ("新乡 -鄭州", set()),  # an exclusion in either script: both mention 郑州
        ("2017年度", {"000", "003"}),  # 000 has 2017 and 年度 apart
        ('"2017年度"', {"003"}),
    ],
)
def test_queries_find_the_right_seeds(seeds_index, query, expected):
    assert set(ids(seeds_index.search(query))) == expected


def test_quoted_text_must_occur_verbatim(seeds_index):
    # Both words occur in 000 but never side by side.
    assert ids(seeds_index.search('"新乡作风"')) == []
    for hit in seeds_index.search('"高质量发展"')["hits"]:
        assert hit["id"][:3] in {"001", "002", "004"}


def test_passage_for_simplified_query_marks_traditional_characters(seeds_index):
    hit = next(h for h in seeds_index.search("新乡")["hits"] if h["id"].startswith("000"))
    marked = [p["text"][start:end] for p in hit["passages"] for start, end in p["ranges"]]
    assert "新鄉" in marked  # passages are data: text and ranges (HTML is made in web/)
    assert 1 <= len(hit["passages"]) <= 3


def test_whole_word_matches_rank_above_verbatim_only_matches(seeds_index, tmp_path):
    from search import open_index
    from search.indexer import index_paths

    path = tmp_path / "two.jsonl"
    path.write_text(
        '{"id": "word", "title": "一", "content": "质量 发展 是 主题。"}\n'
        '{"id": "inside", "title": "二", "content": "高质量发展是主题。"}\n',
        encoding="utf-8",
    )
    index_paths([path], tmp_path / "ix", procs=1)
    assert [hit["id"] for hit in open_index(tmp_path / "ix").search("量发")["hits"]] == ["inside"]
    assert [hit["id"] for hit in open_index(tmp_path / "ix").search("质量")["hits"]][0] == "word"


@pytest.mark.parametrize("query", ['"新乡', "OR", "新乡 OR", "NOT", "-", "((新乡", ")))", ":", "source:", '"""'])
def test_malformed_queries_never_raise(seeds_index, query):
    result = seeds_index.search(query)
    assert result["total"] >= 0


def test_unbalanced_quote_is_searched_as_text(seeds_index):
    result = seeds_index.search('"新乡')
    assert set(ids(result)) == {"000", "002"}
    assert result["notes"]


def test_long_natural_language_query_ranks_by_words_matched(seeds_index):
    result = seeds_index.search("枣强县召开虎年新春第一会的主要内容是什么")
    assert ids(result)[0] == "004"


def test_result_dict_shape(seeds_index):
    result = seeds_index.search("新乡", per_page=1)
    assert {"total", "hits", "facets", "took_ms", "page", "per_page"} <= set(result)
    assert result["total"] == 2 and len(result["hits"]) == 1
    hit = result["hits"][0]
    assert {"id", "title", "date", "source", "province", "city", "county", "topics", "url", "path", "passages"} <= set(hit)
    assert hit["path"].endswith(".txt")


def test_field_filter_in_query_text(seeds_index):
    result = seeds_index.search("source:河南日報")
    assert ids(result) == ["000"]


@pytest.mark.parametrize("doc_id", ["no-such-id", "新乡\udfff", "../setup.cfg", ""])
def test_an_unknown_id_is_no_document_and_has_nothing_similar(seeds_index, doc_id):
    assert seeds_index.document(doc_id) is None
    assert seeds_index.similar(doc_id) == []


def test_counts_under_several_filter_sets_equal_separate_counts(seeds_index):
    filter_sets = [None, {"province": ["河南省"]}, {"region": ["新鄉"]}, {"year": ["2018"]}, {"province": ["广东省"]}]
    for query in ("新乡", "发展 source:河南日报", "", '"高质量发展"'):
        expected = [seeds_index.count(query, filters) for filters in filter_sets]
        assert seeds_index.counts(query, filter_sets) == expected
        assert len(set(expected)) > 1 or not query  # the filter sets do tell documents apart
