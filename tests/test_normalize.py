"""Cleaning and script normalization, on real lines from the seeds."""

from __future__ import annotations

import gzip
import json
import re

import pytest
from conftest import seed_text
from opencc import OpenCC

from search.normalize import (
    clean_text,
    convert_for_display,
    fold_characters,
    normalize_for_search,
    strip_boilerplate,
    strip_continuation_marks,
    strip_pinyin,
    to_simplified,
)


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("發(fā)展(zhǎn)", "發展"),
        ("激發(fā)改革轉(zhuǎn)型新動(dòng)力", "激發改革轉型新動力"),
        ("高質(zhì)量發(fā)展", "高質量發展"),
        ("來源:周口日?qǐng)?bào)", "來源:周口日??"),  # the damaged source line of seed 001
        ("中(de)", "中(de)"),  # no tone mark: not an annotation
        ("PM2.5(pm)", "PM2.5(pm)"),
        ("发展（fā）", "发展"),
    ],
)
def test_strip_pinyin(raw, expected):
    assert strip_pinyin(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("２０１８年", "2018年"),
        ("ＰＭ２．５", "PM2.5"),
        ("新乡\u00a0市\u3000召开", "新乡 市 召开"),
        ("发展，稳定！", "发展，稳定！"),  # Chinese punctuation stays
        ("a\ufffdb\ue848c", "abc"),  # replacement and private-use characters go
        ("line\r\nline", "line\nline"),
    ],
)
def test_fold_characters(raw, expected):
    assert fold_characters(raw) == expected


@pytest.mark.parametrize(
    "raw, expected",
    [
        ("(上接第一版)紧扣高质量发展主题", "紧扣高质量发展主题"),
        ("（下轉第二版）", ""),
        ("见(上接第3版)", "见"),
    ],
)
def test_strip_continuation_marks(raw, expected):
    assert strip_continuation_marks(raw) == expected


def test_boilerplate_of_seed_001_goes():
    text = clean_text(seed_text("001"))
    assert text.startswith("激發改革轉型新動力")  # the 全部 crumb is gone
    for gone in ("全部\n", "[責任編輯", "版權所有", "周口24小時", "(zhǎn)"):
        assert gone not in text
    assert text.endswith("攝影:曹文娟")


def test_disclaimer_block_of_seed_000_goes():
    text = clean_text(seed_text("000"))
    assert "國際在線版權與信息産品內容銷售的聲明" not in text
    assert "本網其他來源作品" not in text
    assert text.rstrip().endswith("本報通訊員賈智勇)")
    assert "來源:河南日報" in text  # the source line is the article's own


def test_continuation_mark_of_seed_002_goes():
    assert clean_text(seed_text("002")).startswith("紧扣高质量发展主题")


def test_copyright_line_early_in_text_drops_only_itself():
    text = "标题\n版权所有 某网\n正文第一段。\n" + "\n".join(f"第{i}段。" for i in range(40))
    cleaned = strip_boilerplate(text)
    assert "版权所有" not in cleaned and "正文第一段。" in cleaned and "第39段。" in cleaned


@pytest.mark.parametrize(
    "traditional, simplified",
    [
        ("臺灣選舉結果公佈", "台湾选举结果公布"),
        ("新鄉", "新乡"),
        ("乾隆皇帝乾杯", "乾隆皇帝干杯"),  # a phrase-table exception
        ("發展", "发展"),
    ],
)
def test_to_simplified(traditional, simplified):
    assert to_simplified(traditional) == simplified


@pytest.mark.parametrize("number", ["000", "001", "002", "003", "004"])
def test_conversion_keeps_length_and_matches_opencc_on_seeds(number):
    text = clean_text(seed_text(number))
    converted = to_simplified(text)
    assert len(converted) == len(text)
    assert converted == OpenCC("t2s").convert(text)


def test_fast_path_matches_opencc_on_real_traditional_news(corpus):
    converter = OpenCC("t2s")
    texts = []
    for name in ("tw_news.jsonl.gz", "chinatimes.jsonl.gz"):
        with gzip.open(corpus / name, "rt", encoding="utf-8") as handle:
            texts += [json.loads(line)["content"] for line in handle]
    assert len(texts) > 1000
    mismatches = [text[:40] for text in texts if to_simplified(text) != converter.convert(text)]
    assert mismatches == []


def test_normalize_for_search_lowercases_ascii_only():
    assert normalize_for_search("PM2.5 İ 新鄉") == "pm2.5 İ 新乡"


@pytest.mark.parametrize(
    "text, script, expected",
    [
        ("新鄉發展", "simplified", "新乡发展"),
        ("新乡发展", "traditional", "新鄉發展"),
        ("新鄉", "original", "新鄉"),
    ],
)
def test_convert_for_display(text, script, expected):
    assert convert_for_display(text, script) == expected


def test_cleaning_is_idempotent_on_every_seed():
    for number in ("000", "001", "002", "003", "004"):
        once = clean_text(seed_text(number))
        assert clean_text(once) == once
        assert not re.search(r"\([a-zǎàáāēéěèīíǐìōóǒòūúǔù]+\)", once)


def test_a_long_paragraph_that_mentions_copyright_is_kept():
    paragraph = "会议指出，" + "要加强知识产权保护，" * 40 + "未经授权不得转载的规定要落实。"
    assert strip_boilerplate("标题\n" + paragraph) == "标题\n" + paragraph
