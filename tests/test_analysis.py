"""Segmentation: positions, offsets into the original, sub-words, the user dictionary."""

from __future__ import annotations

import pickle

import pytest
from conftest import seed_text

from search.analysis import (
    ChineseTokenizer,
    bigrams,
    character_runs,
    segment_words,
    tokenize,
)
from search.normalize import clean_text, normalize_for_search

SEEDS = ("000", "001", "002", "003", "004")


@pytest.mark.parametrize("number", SEEDS)
@pytest.mark.parametrize("search_mode", [False, True])
def test_every_token_points_at_its_original_characters(number, search_mode):
    text = clean_text(seed_text(number))
    tokens = tokenize(text, search_mode=search_mode)
    assert len(tokens) > 500
    for token in tokens:
        original = text[token.start : token.end]
        assert normalize_for_search(original) == token.text
        assert len(original) == len(token.text)  # variants (著) fold one character to one


@pytest.mark.parametrize("number", SEEDS)
def test_default_mode_positions_are_consecutive_words(number):
    tokens = tokenize(clean_text(seed_text(number)))
    assert [token.position for token in tokens] == list(range(len(tokens)))


def test_sub_words_share_the_position_of_their_word():
    tokens = tokenize("中华人民共和国国务院总理", search_mode=True)
    by_text = {token.text: token.position for token in tokens}
    main = [token.text for token in tokenize("中华人民共和国国务院总理")]
    assert by_text["共和国"] == by_text["人民"] == by_text[main[0]]
    assert by_text["总理"] == by_text[main[0]] + 1


@pytest.mark.parametrize(
    "text, words",
    [
        ("臺灣選舉結果公佈", ["台湾", "选举", "结果", "公布"]),  # segmented as Simplified
        ("PM2.5浓度", ["pm2.5", "浓度"]),
        ("5G基站", ["5g", "基站"]),
        ("2017年度", ["2017", "年度"]),
        ("新乡，发展！", ["新乡", "发展"]),  # punctuation takes no word
    ],
)
def test_segment_words(text, words):
    assert segment_words(text) == words


@pytest.mark.parametrize("place", ["管城回族区", "枣强县", "新乡市", "周口市", "衡水市", "长垣市"])
def test_place_names_are_one_word(place):
    assert segment_words(f"在{place}召开") == ["在", place, "召开"]


@pytest.mark.parametrize("term", ["营商环境", "乡村振兴", "疫情防控"])
def test_news_terms_are_one_word(term):
    assert term in segment_words(f"持续优化{term}工作")


def test_character_runs_and_bigrams():
    normalized = normalize_for_search("高質量發展，PM2.5 新乡")
    assert list(character_runs(normalized)) == ["高质量发展", "pm2.5", "新乡"]
    assert bigrams("ab，cd") == {"ab", "cd"}
    assert bigrams("高质量") == {"高质", "质量"}


def test_tokenizer_is_a_whoosh_tokenizer_with_offsets():
    tokenizer = ChineseTokenizer()
    text = "新鄉市發展"
    tokens = [(t.text, t.pos, t.startchar, t.endchar) for t in tokenizer(text, positions=True, chars=True)]
    assert tokens == [("新乡市", 0, 0, 3), ("发展", 1, 3, 5)]
    index_tokens = [t.text for t in tokenizer(text, positions=True, mode="index")]
    assert "新乡" in index_tokens  # a search-mode sub-word at index time only


def test_tokenizer_pickles_without_the_segmenter():
    tokenizer = ChineseTokenizer()
    data = pickle.dumps(tokenizer)
    assert len(data) < 200
    assert pickle.loads(data) == tokenizer


# --- The index-time fast paths against plain reference implementations ---


def _reference_index_terms(normalized: str) -> tuple[dict[str, list[int]], list[str]]:
    """Search-mode segmentation of a normalized text folded into postings the straightforward way
    (normalized once, as ``index_terms`` is given it: the search form is not idempotent everywhere)."""
    from search.analysis import _is_word, _segmenter

    raw = _segmenter().tokenize(normalized, "search", True)
    raw.sort(key=lambda item: (item[1], item[1] - item[2]))  # by start, longest first
    postings: dict[str, list[int]] = {}
    words: list[str] = []
    position, word_end = -1, -1
    for word, start, end in raw:
        if start >= word_end:
            word_end = end
            if not _is_word(word):
                continue
            position += 1
            words.append(word)
        elif not _is_word(word):
            continue
        positions = postings.setdefault(word, [])
        if not positions or positions[-1] != max(position, 0):
            positions.append(max(position, 0))
    return postings, words


def _reference_runs(normalized: str) -> list[str]:
    from search.analysis import _RUN_SYMBOLS

    runs, run = [], []
    for char in normalized:
        if char.isalnum() or char in _RUN_SYMBOLS:
            run.append(char)
        elif run:
            runs.append("".join(run))
            run = []
    return runs + (["".join(run)] if run else [])


def _texts(corpus_items: int = 500) -> list[str]:
    import gzip
    import itertools
    import json

    from conftest import CORPUS

    texts = [clean_text(seed_text(number)) for number in SEEDS]
    texts += ["", "。", "PM2.5 和 5G 在 2017年", " 高质量发展 ", "中华人民共和国国务院总理",
              "TD-LTE、TD-SCDMA 和 4G，哈哈哈哈，2020年12月，COVID-19 疫苗", "乒乓球拍卖完了"]  # fmt: skip
    for name in ("xwlb", "tw_news"):
        path = CORPUS / f"{name}.jsonl.gz"
        if path.exists():
            with gzip.open(path, "rt", encoding="utf-8") as lines:
                for line in itertools.islice(lines, corpus_items):
                    item = json.loads(line)
                    texts.append(item.get("content") or item.get("text") or "")
    return texts


def test_index_terms_equal_the_reference_folding_of_search_mode_tokens():
    from search.analysis import index_terms

    for text in _texts():
        postings, words = index_terms(normalize_for_search(text))
        expected_postings, expected_words = _reference_index_terms(normalize_for_search(text))
        assert postings == expected_postings
        assert list(postings) == list(expected_postings)  # same term order too
        assert words == expected_words


def test_index_terms_of_a_word_that_splits_otherwise_take_the_general_path(monkeypatch):
    # index_terms asks each long word for its sub-words alone; where a word
    # cannot answer (None), the whole text goes through search-mode tokens.
    from search import analysis

    taken = []
    general = analysis._index_terms_by_tokens
    monkeypatch.setattr(analysis, "_index_terms_by_tokens", lambda text: taken.append(text) or general(text))
    text = normalize_for_search("中华人民共和国国务院总理在北京")
    # _index_terms: index_terms remembers a short text's terms, and would not ask again.
    assert analysis._index_terms(text) == _reference_index_terms(text) and not taken
    monkeypatch.setattr(analysis, "_sub_words", lambda word: None)
    assert analysis._index_terms(text) == _reference_index_terms(text) and taken == [text]


def test_a_titles_words_and_remembered_terms_are_segment_words_and_the_general_terms():
    # The topics read a title's words through title_words, and the indexer its
    # postings through index_terms, which remembers a short text's.
    from search import analysis

    texts = [line for text in _texts() for line in text.split("\n")[:3] if line.strip()]
    texts += ["中华人民共和国国务院总理在北京", "著名的執著", "PM2.5指数", ""]
    for text in texts:
        assert analysis.title_words(text) == analysis.segment_words(text)
    # The remembered terms are shared: what title_words hands out is a copy,
    # so a caller that changes it leaves the postings and words to come intact.
    text = "中华人民共和国国务院总理在北京"
    words = analysis.title_words(text)
    expected = analysis._index_terms(normalize_for_search(text))
    words.append("changed")
    assert analysis.index_terms(normalize_for_search(text)) == expected


def test_index_terms_words_are_the_default_mode_words_where_jieba_agrees():
    from search.analysis import index_terms

    text = clean_text(seed_text("000"))
    _, words = index_terms(normalize_for_search(text))
    assert words[:5] == [token.text for token in tokenize(text)][:5]


def test_character_runs_and_bigrams_equal_the_per_character_reference():
    texts = [normalize_for_search(text) for text in _texts()]
    # Every code point once (surrogates excluded): the regular expression's
    # idea of a word character must be exactly str.isalnum.
    texts.append("".join(chr(code) for code in range(0x110000) if not 0xD800 <= code < 0xE000))
    for text in texts:
        runs = _reference_runs(text)
        assert list(character_runs(text)) == runs
        assert bigrams(text) == {run[i : i + 2] for run in runs for i in range(len(run) - 1)}
