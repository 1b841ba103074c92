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
from search.normalize import clean_text, normalize_for_search, to_simplified

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
        assert to_simplified(original).lower() == token.text.lower()


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


@pytest.mark.parametrize(
    "place", ["管城回族区", "枣强县", "新乡市", "周口市", "衡水市", "长垣市"]
)
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
