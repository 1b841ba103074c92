"""Matching against ground truth: a plain scan of the stored, normalized text.

One index of real articles (tw_news, cec, the first 800 of xwlb) is built
once; each query's matches are compared with the documents whose normalized
title/body hold what was asked: ``title:`` in titles only, single characters
anywhere, codes and numbers where they stand whole, exact texts first.
"""

from __future__ import annotations

import gzip
import itertools
import re

import numpy as np
import pytest
from whoosh import query as wq

from search.engine import execute
from search.engine.evaluate import Evaluation
from search.engine.stored import bounded_pattern
from search.normalize import normalize_for_search
from search.plan import LOOSE_NOTE, plan_query

pytestmark = pytest.mark.corpus

SLICES = {"tw_news": None, "cec": None, "xwlb": 800}


@pytest.fixture(scope="module")
def truth_index(tmp_path_factory):
    from tests.conftest import CORPUS

    if not (CORPUS / "xwlb.jsonl.gz").exists():
        pytest.skip("../shared/corpus is absent")
    from search import open_index
    from search.indexer import index_paths

    folder = tmp_path_factory.mktemp("truth")
    source = folder / "articles.jsonl"
    with open(source, "w", encoding="utf-8") as out:
        for name, limit in SLICES.items():
            with gzip.open(CORPUS / f"{name}.jsonl.gz", "rt", encoding="utf-8") as handle:
                out.writelines(itertools.islice(handle, limit))
    summary = index_paths([source], folder / "index", rebuild=True, procs=2)
    assert not summary.failed
    return open_index(folder / "index")


@pytest.fixture(scope="module")
def texts(truth_index):
    """docnum -> (normalized title, normalized body) of every live document."""
    searcher = truth_index._searcher()
    stored = {}
    for docnum in range(searcher.doc_count_all()):
        fields = searcher.stored_fields(docnum)
        stored[docnum] = (normalize_for_search(fields["title"]), normalize_for_search(fields["body"]))
    return stored


def matched(index, query: str) -> set[int]:
    return set(np.flatnonzero(index._match(plan_query(query), None).final).tolist())


def ranked(index, query: str, count: int) -> list[int]:
    return execute.page_docnums(index._match(plan_query(query), None), "relevance", 1, count)


def scan(texts, holds) -> set[int]:
    return {docnum for docnum, (title, body) in texts.items() if holds(title, body)}


@pytest.mark.parametrize(
    "query, holds",
    [
        # title: on every branch, one word and several, quoted or not.
        ("title:地震", lambda title, body: "地震" in title),
        (
            "title:國務院總理",
            lambda title, body: "国务院总理" in title or ("国务院" in title and "总理" in title),
        ),
        ('title:"新冠"', lambda title, body: "新冠" in title),
        ("title:雨", lambda title, body: "雨" in title),
        # -title: excludes only what has it in the title.
        ("发展 -title:新乡", lambda title, body: ("发展" in title or "发展" in body) and "新乡" not in title),
        ("地震 -title:地震", lambda title, body: "地震" in body and "地震" not in title),
    ],
)
def test_title_restriction_holds_on_every_branch(truth_index, texts, query, holds):
    found = matched(truth_index, query)
    expected = scan(texts, holds)
    assert expected and found == expected


@pytest.mark.parametrize("query", ["雨", '"蝶"', "劉", "刘", "颱", "台"])
def test_a_single_character_finds_every_document_holding_it(truth_index, texts, query):
    char = normalize_for_search(query.strip('"'))
    expected = scan(texts, lambda title, body: char in title or char in body)
    assert expected and matched(truth_index, query) == expected


def test_a_single_character_ranks_where_it_is_a_word_first(truth_index):
    # 雨 as a word of its own (jieba's 雨) before 雨 inside 暴雨/雨季 only.
    plan = plan_query("雨")
    match = truth_index._match(plan, None)
    order = execute.page_docnums(match, "relevance", 1, int(match.final.sum()))
    evaluation = Evaluation(match.generation, match.searcher)
    as_word = evaluation.mask(wq.Or([wq.Term("title", "雨"), wq.Term("body", "雨")]))
    flags = [bool(as_word[docnum]) for docnum in order]
    assert any(flags) and not all(flags)
    assert flags == sorted(flags, reverse=True)


@pytest.mark.parametrize("char", ["雨", "蝶", "刘"])
def test_where_a_character_is_no_word_the_documents_holding_it_most_come_first(truth_index, texts, char):
    from search.suggest import word_table

    searcher = truth_index._searcher()  # the word table is built in the background: here, first
    assert word_table(searcher.reader(), searcher._ix.reader, wait=True) is not None
    plan = plan_query(char)
    match = truth_index._match(plan, None)
    order = execute.page_docnums(match, "relevance", 1, int(match.final.sum()))
    evaluation = Evaluation(match.generation, match.searcher)
    as_word = evaluation.mask(wq.Or([wq.Term("title", char), wq.Term("body", char)]))
    rest = [docnum for docnum in order if not as_word[docnum]]
    # how often each holds it, per thousand characters (the ranking normalizes for length)
    density = [1000 * sum(t.count(char) for t in texts[d]) / max(1, sum(map(len, texts[d]))) for d in rest]
    quarter = max(1, len(rest) // 4)
    first, last = np.mean(density[:quarter]), np.mean(density[-quarter:])
    assert len(rest) >= 8 and first > 2 * last, (first, last)


def _bounded(needle: str):
    pattern = bounded_pattern(normalize_for_search(needle))
    return lambda title, body: bool(pattern.search(title) or pattern.search(body))


@pytest.mark.parametrize("query", ["10万", "106年", "COVID", "covid", "LINE", "5G", "PM2.5", "COVID-19"])
def test_codes_and_numbers_match_where_they_stand(truth_index, texts, query):
    expected = scan(texts, _bounded(query))
    assert expected and matched(truth_index, query) == expected


@pytest.mark.parametrize("code", ["12", "10万", "2年", "covid"])
def test_a_code_finds_the_same_after_a_clause_that_narrowed_it(truth_index, texts, code):
    """The verified documents of ``西部12`` (12 where 西部 is too) must not stand
    in for ``12`` alone later: each clause's check is kept under its own text."""
    from search import open_index

    expected = scan(texts, _bounded(code))
    pattern = re.compile(r"[\u4e00-\u9fff]{2}" + bounded_pattern(code).pattern, re.IGNORECASE | re.ASCII)
    narrowing = next(
        found.group() for docnum in sorted(expected) if (found := pattern.search(texts[docnum][1]))
    )
    fresh = open_index(truth_index.index_dir)
    assert matched(fresh, narrowing) < expected  # narrowed: fewer documents
    assert matched(fresh, code) == expected


@pytest.mark.parametrize(
    "whole, part", [("PM2.5", "PM"), ("PM2.5", "2.5"), ("COVID-19", "COVID"), ("COVID-19", "19")]
)
def test_codes_stay_findable_in_their_parts(truth_index, whole, part):
    assert matched(truth_index, whole) <= matched(truth_index, part)


@pytest.mark.parametrize("query", ["长期照顾", "發展戰略", "立法委員", "经济 发展"])
def test_exact_matches_rank_above_scattered_ones(truth_index, texts, query):
    needle = normalize_for_search(query.replace(" ", ""))
    order = ranked(truth_index, query, 1000)
    holds = [needle in texts[docnum][0] or needle in texts[docnum][1] for docnum in order]
    assert any(holds) and not all(holds)
    assert holds == sorted(holds, reverse=True)


def test_natural_language_says_so_and_counts_documents_with_every_word(truth_index, texts):
    query = "汶川地震的死亡人数是多少？"
    result = truth_index.search(query)
    assert LOOSE_NOTE in result["notes"]
    words = [word.clause.normalized for word in plan_query(query).long_words]
    words_re = [re.compile(re.escape(word)) for word in words]
    assert words == ["汶川", "地震", "死亡", "人数"]
    # Every word a word of two characters or more: matched verbatim, so a scan decides.
    expected = scan(texts, lambda title, body: all(w.search(title) or w.search(body) for w in words_re))
    assert result["all_words_total"] == len(expected) < result["total"]
    assert truth_index.search("汶川 地震")["all_words_total"] is None


def test_notes_of_natural_language_are_chinese_on_the_page():
    from web.display import note_label

    assert note_label(LOOSE_NOTE) == "按自然语言检索：不要求每个词都出现"


def test_the_page_and_the_api_say_a_query_ran_as_natural_language(client):
    question = "新乡的经济发展怎么样？"
    data = client.get("/api/search", query_string={"q": question}).get_json()
    assert LOOSE_NOTE in data["notes"] and isinstance(data["all_words_total"], int)
    assert data["all_words_total"] <= data["total"]
    page = client.get("/search", query_string={"q": question}).get_data(as_text=True)
    assert "按自然语言检索：不要求每个词都出现" in page
    keyword = client.get("/api/search", query_string={"q": "新乡 发展"}).get_json()
    assert keyword["all_words_total"] is None and LOOSE_NOTE not in keyword["notes"]
