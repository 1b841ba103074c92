"""``extract_metadata``: the seeds' expected metadata, given values winning, and the
shape of the dict the indexer and the API read."""

from __future__ import annotations

import pytest
from conftest import seed_text

from search.analysis import segment_words
from search.extract import extract_metadata
from search.normalize import clean_characters, strip_boilerplate

KEYS = {
    "title", "title_derived", "published", "date_precision", "source",
    "province", "city", "county", "regions", "topics", "tags", "basis",
}  # fmt: skip


def metadata_of(seed: str, given: dict | None = None) -> dict:
    return extract_metadata(clean_characters(seed_text(seed)), given)


# The table of issue 3: title begins, date, source, province / city / county.
@pytest.mark.parametrize(
    "seed, title_begins, derived, published, source, region",
    [
        ("000", "新鄉:勇“爭”一流", False, "2018-06-13", "河南日报", ("河南省", "新乡市", None)),
        ("001", "激發改革轉型新動力", False, "2020-05-13", "周口日报", ("河南省", "周口市", None)),
        ("002", "紧扣高质量发展主题", True, None, None, ("河南省", "新乡市", None)),
        (
            "003",
            "管城回族区召开2017年度综合目标考核总结表彰大会",
            False,
            "2018-02-27",
            None,
            ("河南省", "郑州市", "管城回族区"),
        ),
        (
            "004",
            "拉高标杆 奋勇争先 转变作风 狠抓落实",
            False,
            "2022-02-16",
            None,
            ("河北省", "衡水市", "枣强县"),
        ),
    ],
)
def test_seed_metadata(seed, title_begins, derived, published, source, region):
    meta = metadata_of(seed)
    assert set(meta) == KEYS
    assert meta["title"].startswith(title_begins) and meta["title_derived"] is derived
    assert (meta["published"], meta["date_precision"]) == (published, "day" if published else None)
    assert meta["source"] == source
    assert (meta["province"], meta["city"], meta["county"]) == region


def test_seed_003_basis():
    basis = metadata_of("003")["basis"]
    assert basis["title"] == "first line"
    assert basis["published"] == "dateline+context year (yearly review)"
    assert "source" not in basis  # unknown stays unknown, with no basis
    assert basis["region"].startswith("title: 管城回族区")
    assert basis["topics"].startswith("keywords: 经济发展 ")
    assert basis["tags"] == "TF-IDF (jieba IDF table)"


def test_the_disclaimer_of_a_republisher_is_not_read():
    meta = metadata_of("000")
    assert meta["source"] == "河南日报"
    # 國際在線 is named a dozen times in its disclaimer, never in the article.
    assert not any("国际在线" in tag for tag in meta["tags"])


@pytest.mark.parametrize(
    "given, field, value, basis",
    [
        ({"date": "20180613"}, "published", "2018-06-13", "given"),
        ({"date": "2018年6月13日"}, "published", "2018-06-13", "given"),
        ({"date": "2018-06-13 09:40"}, "published", "2018-06-13", "given"),
        ({"date": "2018-06"}, "published", "2018-06", "given"),
        ({"source": "河南日報"}, "source", "河南日报", "given"),
        ({"source": "ETtoday新聞雲"}, "source", "东森新闻云", "given"),
        ({"title": "给定的标题"}, "title", "给定的标题", "given"),
        ({"category": "政治"}, "topics", ["时政"], "given (政治 → 时政)"),
        ({"topic": ["教育", "體育"]}, "topics", ["教育", "体育"], "given"),
        ({"tags": ["新鄉", "業績"]}, "tags", ["新乡", "业绩"], "given"),
        ({"tags": "新乡，业绩"}, "tags", ["新乡", "业绩"], "given"),
    ],
)
def test_given_values_win(given, field, value, basis):
    meta = metadata_of("003", given)
    assert meta[field] == value
    assert meta["basis"][{"title": "title"}.get(field, field)] == basis


def test_a_given_region_is_resolved_with_the_gazetteer():
    meta = metadata_of("003", {"region": "新鄉"})
    assert (meta["province"], meta["city"], meta["county"]) == ("河南省", "新乡市", None)
    assert meta["basis"]["region"] == "given"


def test_an_unresolvable_given_region_is_kept_but_not_placed():
    meta = metadata_of("002", {"region": "中原城市群"})
    assert (meta["province"], meta["city"], meta["county"]) == (None, None, None)
    assert meta["regions"][0] == "中原城市群"
    assert meta["basis"]["region"] == "given (not resolved: 中原城市群)"


def test_an_unreadable_given_date_falls_back_to_extraction():
    meta = metadata_of("003", {"date": "昨天"})
    assert meta["published"] == "2018-02-27"
    assert (
        meta["basis"]["published"] == "dateline+context year (yearly review) (given date '昨天' unreadable)"
    )


def test_an_empty_category_does_not_count_as_given():
    meta = metadata_of("004", {"category": "未分類"})
    assert meta["topics"][0] == "党建纪检" and meta["basis"]["topics"].startswith("keywords:")


def test_the_callers_words_are_used():
    text = clean_characters(seed_text("004"))
    words = segment_words(strip_boilerplate(text))
    assert extract_metadata(text, words=words) == extract_metadata(text)
    untitled = clean_characters(seed_text("002"))  # a derived title adds no title bonus
    assert extract_metadata(untitled, words=["乡村", "振兴", "粮食", "粮食", "农民"])["topics"] == [
        "农业农村"
    ]


def test_an_empty_article():
    meta = extract_metadata("")
    assert meta == {
        "basis": {}, "title": None, "title_derived": False, "published": None, "date_precision": None,
        "source": None, "province": None, "city": None, "county": None, "regions": [], "topics": [], "tags": [],
    }  # fmt: skip


@pytest.mark.parametrize(
    "given, field, expected",
    [
        # fudan's given titles keep full-width digits (186 of them): folded as the text is
        ({"title": "新疆伽师发生６.６级地震"}, "title", "新疆伽师发生6.6级地震"),
        ({"title": "ＡＰＥＣ会议　开幕"}, "title", "APEC会议 开幕"),
        ({"tags": ["ＰＭ２.５", "雾霾"]}, "tags", ["PM2.5", "雾霾"]),
    ],
)
def test_given_metadata_is_folded_like_the_text(given, field, expected):
    assert extract_metadata("正文。", given)[field] == expected
