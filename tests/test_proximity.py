"""Proximity (NEAR/N, "…"~N) and frequency (atleastN:) conditions: the parser,
the pure text checks, and whole searches against a brute-force scan of the
stored text after the same normalization."""

from __future__ import annotations

import itertools
import re

import pytest
from conftest import CORPUS

from search import proximity
from search.normalize import normalize_for_search
from search.query import parse_query


@pytest.mark.parametrize(
    ("query", "kinds", "rest"),
    [
        ("地震 NEAR/10 救援", [("near", ("地震", "救援"), 10)], []),
        ('"地震 救援"~10 四川', [("near", ("地震", "救援"), 10)], ["四川"]),
        ("atleast3:疫情 北京", [("count", ("疫情",), 3)], ["北京"]),
        ('"长江 大桥" NEAR/4 通车', [("near", ("长江 大桥", "通车"), 4)], []),
        ("ATLEAST2:台风", [("count", ("台风",), 2)], []),
        ("新乡 发展", [], ["新乡", "发展"]),
    ],
)
def test_conditions_are_taken_out_of_the_query(query, kinds, rest):
    parsed = parse_query(query)
    assert [(c.kind, c.parts, c.number) for c in parsed.conditions] == kinds
    assert [clause.text for clause in parsed.clauses()] == rest


def test_a_stray_near_is_searched_as_text_with_a_note():
    parsed = parse_query("地震 NEAR/5")
    assert not parsed.conditions and "NEAR/N needs a word" in parsed.notes[0]


@pytest.mark.parametrize(
    ("text", "parts", "gap"),
    [
        ("地震后救援队赶到", ("地震", "救援"), 1),
        ("救援地震", ("地震", "救援"), 0),
        ("地震。" + "很" * 30 + "救援", ("地震", "救援"), 31),
        ("地震" + "x" * 5 + "救援" + "y" * 50 + "地震", ("地震", "救援"), 5),
        ("只有地震", ("地震", "救援"), None),
        ("甲乙丙", ("甲", "乙", "丙"), 0),
        ("甲12乙345丙", ("丙", "甲", "乙"), 5),
    ],
)
def test_smallest_gap(text, parts, gap):
    assert proximity.smallest_gap(text, parts) == gap


def brute_near(texts: tuple[str, ...], parts: tuple[str, ...], distance: int) -> bool:
    for text in texts:
        spots = [
            [(m.start(), m.start() + len(p)) for m in re.finditer(f"(?={re.escape(p)})", text)] for p in parts
        ]
        for combo in itertools.product(*spots):
            window = max(end for _, end in combo) - min(start for start, _ in combo)
            if window - sum(len(p) for p in parts) <= distance:
                return True
    return False


def truth(index_dir, predicate) -> set[str]:
    from whoosh import index as whoosh_index

    ix = whoosh_index.open_dir(str(index_dir), indexname="xunwen")
    with ix.searcher() as searcher:
        return {
            fields["id"]
            for fields in searcher.all_stored_fields()
            if predicate(tuple(normalize_for_search(fields.get(name) or "") for name in ("title", "body")))
        }


def found(index_dir, query: str) -> set[str]:
    from search import analytics, open_index

    _, rows = analytics.export_rows(open_index(index_dir), query)
    return {row["id"] for row in rows}


@pytest.fixture(scope="module")
def corpus_index(tmp_path_factory, web_index_dir):
    """tw_news and 1,500 xwlb items when the corpus is there, else the web test index."""
    import gzip

    from conftest import CORPUS as corpus

    if not (corpus / "xwlb.jsonl.gz").exists():
        return web_index_dir
    from search.indexer import index_paths

    folder = tmp_path_factory.mktemp("proximity")
    sample = folder / "xwlb1500.jsonl"
    with gzip.open(corpus / "xwlb.jsonl.gz", "rt", encoding="utf-8") as source, open(sample, "w") as out:
        for number, line in enumerate(source):
            if number % 50 == 0:
                out.write(line)
    index_paths([sample, corpus / "tw_news.jsonl.gz"], folder / "index", procs=2)
    return folder / "index"


@pytest.mark.parametrize(
    ("query", "parts", "distance"),
    [
        ("发展 NEAR/5 经济", ("发展", "经济"), 5),
        ("台湾 NEAR/20 選舉", ("台湾", "选举"), 20),
        ('"习近平 主持"~2', ("习近平", "主持"), 2),
        ("新乡 NEAR/0 发展", ("新乡", "发展"), 0),
    ],  # fmt: skip
)
def test_near_finds_exactly_what_a_scan_finds(corpus_index, query, parts, distance):
    expected = truth(corpus_index, lambda texts: brute_near(texts, parts, distance))
    assert found(corpus_index, query) == expected


@pytest.mark.parametrize(
    ("query", "needle", "times"), [("atleast3:发展", "发展", 3), ("atleast2:台灣", "台湾", 2)]
)
def test_atleast_finds_exactly_what_a_scan_finds(corpus_index, query, needle, times):
    expected = truth(corpus_index, lambda texts: any(text.count(needle) >= times for text in texts))
    if not expected and not (CORPUS / "xwlb.jsonl.gz").exists():
        pytest.skip("the small web index holds no such article: this case needs ../shared/corpus")
    assert expected, "the sample should hold some"
    assert found(corpus_index, query) == expected


def test_a_condition_narrows_the_rest_of_the_query(corpus_index):
    both = found(corpus_index, "发展 NEAR/5 经济 改革")
    assert both == found(corpus_index, "发展 NEAR/5 经济") & found(corpus_index, "改革")
