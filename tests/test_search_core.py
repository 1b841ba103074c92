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


def scan(index, text: str) -> set[str]:
    """Ground truth: the seeds whose stored title or body holds ``text`` after normalization."""
    from search.normalize import normalize_for_search

    needle = normalize_for_search(text)
    found = set()
    for hit in index.search("", per_page=100)["hits"]:
        document = index.document(hit["id"])
        if any(needle in normalize_for_search(document[field] or "") for field in ("title", "body")):
            found.add(hit["id"][:3])
    return found


# Quoted texts, with those whose every bigram occurs in one seed while the
# whole text occurs in none (only the check of the stored text tells them apart).
QUOTED = ["新乡作风", "高质量发展", "高質量發展", "2017年度", "管城回族区", "新乡市", "年要求", "服务落",
          "驱动方", "展的问", "量和工", "农业代", "实年打", "国内政"]  # fmt: skip


@pytest.mark.parametrize("text", QUOTED)
def test_quoted_text_finds_exactly_the_seeds_that_hold_it_verbatim(seeds_index, text):
    assert set(ids(seeds_index.search(f'"{text}"', per_page=100))) == scan(seeds_index, text)


def test_the_quoted_texts_tell_holders_from_near_misses(seeds_index):
    """The table above is not vacuous: some texts are held, the near misses are not."""
    held = [text for text in QUOTED if scan(seeds_index, text)]
    assert 4 <= len(held) <= len(QUOTED) - 6


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


@pytest.mark.parametrize(
    "query, same_as",
    [('"新乡', "新乡"), ("新乡 OR", "新乡"), ("((新乡", "新乡"), ("新乡)))", "新乡"), ("新乡 NOT", "新乡"),
     ("source:", None), ("OR", None), ("NOT", None), ("-", None), ("新乡 -", "新乡"), (")))", None),
     (":", None), ('"""', None)],
)  # fmt: skip
def test_malformed_queries_find_what_their_words_find(seeds_index, query, same_as):
    result = seeds_index.search(query, per_page=100)
    assert len(result["hits"]) == result["total"]
    if same_as is not None:
        assert set(ids(result)) == set(ids(seeds_index.search(same_as))) == scan(seeds_index, same_as)
    else:  # no searchable word: nothing, or every document as for an empty query
        assert result["total"] in (0, seeds_index.doc_count()), query


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
    assert {
        "id",
        "title",
        "date",
        "source",
        "province",
        "city",
        "county",
        "topics",
        "url",
        "path",
        "passages",
    } <= set(hit)
    assert hit["path"].endswith(".txt")


def test_field_filter_in_query_text(seeds_index):
    result = seeds_index.search("source:河南日報")
    assert ids(result) == ["000"]


@pytest.mark.parametrize("doc_id", ["no-such-id", "新乡\udfff", "../setup.cfg", ""])
def test_an_unknown_id_is_no_document_and_has_nothing_similar(seeds_index, doc_id):
    assert seeds_index.document(doc_id) is None
    assert seeds_index.similar(doc_id) == []


def test_counts_under_several_filter_sets_equal_separate_counts(seeds_index):
    filter_sets = [
        None,
        {"province": ["河南省"]},
        {"region": ["新鄉"]},
        {"year": ["2018"]},
        {"province": ["广东省"]},
    ]
    for query in ("新乡", "发展 source:河南日报", "", '"高质量发展"'):
        expected = [seeds_index.count(query, filters) for filters in filter_sets]
        assert seeds_index.counts(query, filter_sets) == expected
        assert len(set(expected)) > 1 or not query  # the filter sets do tell documents apart
