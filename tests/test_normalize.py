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


def test_every_phrase_exception_gets_past_the_pre_check_and_is_converted_as_opencc_does():
    """``_may_hold_phrase`` may skip the phrase pattern only for a text holding none of the
    phrases: each one, alone and inside Simplified text, with either table of ``_convert``."""
    from search import normalize

    converter = OpenCC("t2s")
    filler = "经济发展取得新成效。" * 15
    _, _, exceptions = normalize._t2s_tables()
    tables = normalize._full_tables()[:2]
    assert len(exceptions) > 200
    for phrase in exceptions:
        text = filler + phrase + filler
        for table in tables:
            for checked in (phrase, text):
                assert normalize._may_hold_phrase(checked, normalize.translate(checked, table)), phrase
        assert to_simplified(text) == converter.convert(text), phrase
    # And the check does skip: Simplified news without those few characters.
    assert not any(normalize._may_hold_phrase(filler, normalize.translate(filler, table)) for table in tables)


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


# ---------------------------------------------------------------------------
# Variants that t2s leaves apart (issue 12, item 2)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "traditional, simplified",
    [
        ("隨著經濟的發展", "随着经济的发展"),  # tw_news
        ("接著說", "接着说"),
        ("這意味著", "这意味着"),
        ("看著孩子", "看着孩子"),
        ("沿著河岸", "沿着河岸"),
        ("著陸", "着陆"),
        ("著名作家", "著名作家"),  # zhù: both sides fold alike
        ("妳好", "你好"),
        ("選擧", "选举"),
        ("敍述", "叙述"),
        ("鎗枝", "枪枝"),
    ],
)
def test_variants_fold_alike_for_matching(traditional, simplified):
    assert normalize_for_search(traditional) == normalize_for_search(simplified)
    assert len(normalize_for_search(traditional)) == len(traditional)


def test_folding_is_for_matching_only():
    # Stored and displayed text keep 著; only the normalized form folds it.
    assert clean_text("隨著經濟發展") == "隨著經濟發展"
    assert to_simplified("隨著") == "随著"
    assert normalize_for_search("隨著") == "随着"


# t2s keeps 於 in 24 names of its phrase table, and its longest match takes them out of
# the preposition's words: 對於潛在, 位於倫敦, 整合於單一晶片 and 出於單純 are tw_news text.
@pytest.mark.parametrize(
    "traditional, simplified",
    [
        ("對於潛在", "对于潜在"),
        ("位於倫敦", "位于伦敦"),
        ("整合於單一晶片", "整合于单一晶片"),
        ("出於單純", "出于单纯"),
        ("對於單身", "对于单身"),
        ("於梨華", "于梨华"),  # the name itself: both scripts still fold alike
    ],
)
def test_yu_folds_to_the_preposition_for_matching(traditional, simplified):
    assert normalize_for_search(traditional) == simplified
    assert normalize_for_search(simplified) == simplified
    assert normalize_for_search(normalize_for_search(traditional)) == simplified


def test_yu_folding_leaves_conversion_as_opencc_makes_it():
    # Display and the stored text keep what OpenCC's t2s gives; only matching folds.
    assert to_simplified("對於潛在") == OpenCC("t2s").convert("對於潛在") == "对於潜在"
    assert clean_text("位於倫敦") == "位於倫敦"


def test_every_yu_of_traditional_news_is_the_preposition_once_normalized():
    # Ground truth over whole corpora: each 於 of the original text, at its own offset.
    from conftest import CORPUS

    names = [name for name in ("tw_news", "chinatimes") if (CORPUS / f"{name}.jsonl.gz").exists()]
    if not names:
        pytest.skip("the shared corpus is absent")
    total = kept = 0
    for name in names:
        with gzip.open(CORPUS / f"{name}.jsonl.gz", "rt", encoding="utf-8") as handle:
            for line in handle:
                text = json.loads(line).get("content") or ""
                if "於" not in text:
                    continue
                normalized = normalize_for_search(text)
                offsets = [match.start() for match in re.finditer("於", text)]
                total += len(offsets)
                kept += sum(normalized[offset] != "于" for offset in offsets)
    assert total > 1000
    assert kept == 0, f"{kept} of {total} 於 not folded to 于"


def test_a_code_pattern_reads_stored_variants_as_they_fold():
    from search.engine.stored import bounded_pattern

    assert bounded_pattern(normalize_for_search("随着5G")).search("隨著5G網路普及")
    assert bounded_pattern(normalize_for_search("于是5G")).search("於是5G")
    assert not bounded_pattern(normalize_for_search("随着5G")).search("隨著55G")


def test_the_preposition_finds_what_t2s_left_as_a_name(tmp_path):
    from search import open_index
    from search.indexer import index_paths

    source = tmp_path / "a.jsonl"
    rows = [
        {"id": "risk", "title": "風險評估", "content": "政府對於潛在風險表示關切，將加強監測。"},
        {"id": "home", "title": "海外置產", "content": "他買下一間位於倫敦市中心的公寓。"},
    ]
    source.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8")
    index_paths([source], tmp_path / "index", procs=1)
    index = open_index(tmp_path / "index")
    for query, found in [("对于", {"risk"}), ("對於", {"risk"}), ("位于", {"home"}), ('"位于伦敦"', {"home"}),
                         ('"位於倫敦"', {"home"}), ('"对于潜在"', {"risk"})]:  # fmt: skip
        assert {hit["id"] for hit in index.search(query)["hits"]} == found, query


def test_analysis_version_is_recorded_beside_the_index(tmp_path):
    from search.analysis_version import read_analysis_version, version_mismatch, write_analysis_version
    from search.normalize import ANALYSIS_VERSION

    assert read_analysis_version(tmp_path) is None
    assert "rebuild" in version_mismatch(tmp_path)
    write_analysis_version(tmp_path)
    assert read_analysis_version(tmp_path) == ANALYSIS_VERSION
    assert version_mismatch(tmp_path) is None


# ---------------------------------------------------------------------------
# Lines wrapped mid-sentence (issue 12, item 7)
# ---------------------------------------------------------------------------

# The opening of a cec report (one word per line, as annotated) and of a fudan
# document (hard-wrapped at a fixed width, paragraphs indented).
CEC_WORDS = "新华社\n武汉\n1月21日\n电\n（记者廖君黎昌政）\n20日，\n武汉市\n成立新型冠状病毒感染的\n肺炎疫情防控指挥部。\n记者从\n指挥部工作会议上\n获悉，\n武汉将\n采取\n更严格的举措，"
FUDAN_WRAPPED = (
    "据新华社华盛顿３月４日电  （记者唐霄）宇宙年龄究竟是１５０亿年还是要年轻\n许多？宇宙膨胀的速度到底多快？"
    "美国天文学家最近就此问题展开了争论。\n    以著名宇宙论学者、华盛顿卡内基研究所天文台６９岁的艾伦·桑德吉为代表的一\n"
    "派支持传统的宇宙“大爆炸”理论，认为宇宙的年龄在１５０亿年以上。桑德吉研究小\n组利用“哈勃”太空望远镜观察位于"
    "８２００万光年之外的一个星系中的造父变星，得\n出宇宙中天体飞离地球的速度"
)


@pytest.mark.parametrize(
    "raw, expected",
    [
        (
            CEC_WORDS,
            "新华社武汉1月21日电（记者廖君黎昌政）20日，武汉市成立新型冠状病毒感染的肺炎疫情防控指挥部。\n"
            "记者从指挥部工作会议上获悉，武汉将采取更严格的举措，",
        ),
        (
            FUDAN_WRAPPED,
            "据新华社华盛顿3月4日电  （记者唐霄）宇宙年龄究竟是150亿年还是要年轻许多？宇宙膨胀的速度到底多快？"
            "美国天文学家最近就此问题展开了争论。\n    以著名宇宙论学者、华盛顿卡内基研究所天文台69岁的艾伦·桑德吉为代表的一"
            "派支持传统的宇宙“大爆炸”理论，认为宇宙的年龄在150亿年以上。桑德吉研究小组利用“哈勃”太空望远镜观察位于"
            "8200万光年之外的一个星系中的造父变星，得出宇宙中天体飞离地球的速度",
        ),
        # Paragraphs of ordinary news keep their lines.
        (
            "新乡市召开会议。\n会议强调发展\n二〇二〇年\n各项工作。",
            "新乡市召开会议。\n会议强调发展\n二〇二〇年\n各项工作。",
        ),
        ("标题\n\n第一段。\n第二段。\n第三段。", "标题\n\n第一段。\n第二段。\n第三段。"),
        # Latin words broken at a wrap keep a space.
        ("使用\nCOVID\n19\n疫苗\n接种\n工作", "使用COVID 19疫苗接种工作"),
    ],
)
def test_wrapped_lines_are_joined(raw, expected):
    assert clean_text(raw) == expected


def _corpus_rows(corpus, name):
    with gzip.open(corpus / name, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


@pytest.mark.corpus
def test_cec_and_fudan_phrases_are_found_across_line_breaks(corpus):
    # Ground truth: the raw text with its line breaks removed.
    cec = _corpus_rows(corpus, "cec.jsonl.gz")
    one_word_lines = [row for row in cec if row["content"].count("\n") > 20 and
                      sorted(map(len, row["content"].split("\n")))[row["content"].count("\n") // 2] <= 8]  # fmt: skip
    assert len(one_word_lines) >= 50
    for row in one_word_lines:
        cleaned = clean_text(row["content"])
        assert cleaned.count("\n") < row["content"].count("\n") / 3, row["id"]
    fudan = _corpus_rows(corpus, "fudan.jsonl.gz")
    holding = [row for row in fudan if "经济体制改革" in fold_characters(row["content"]).replace("\n", "")]
    found = [row for row in holding if "经济体制改革" in clean_text(row["content"])]
    assert len(holding) >= 260  # 265 with title and body
    assert len(found) == len(holding)


def test_index_of_another_analysis_must_be_rebuilt(tmp_path):
    from search import open_index
    from search.analysis_version import AnalysisVersionError
    from search.indexer import index_paths
    from search.normalize import ANALYSIS_FILE

    source = tmp_path / "a.jsonl"
    source.write_text(
        json.dumps({"id": "a", "title": "隨著", "content": "隨著經濟發展。"}, ensure_ascii=False) + "\n"
    )
    index_paths([source], tmp_path / "index", procs=1)
    assert open_index(tmp_path / "index").search("随着")["notes"] == []
    (tmp_path / "index" / ANALYSIS_FILE).write_text('{"version": 1}\n')  # as an older build left it
    with pytest.raises(AnalysisVersionError, match="rebuild"):
        index_paths([source], tmp_path / "index", procs=1)
    assert any("rebuild" in note for note in open_index(tmp_path / "index").search("随着")["notes"])
    index_paths([source], tmp_path / "index", rebuild=True, procs=1)
    assert open_index(tmp_path / "index").search("随着")["total"] == 1


def test_the_stored_folded_jieba_words_are_what_the_dictionary_gives():
    # search/data/jieba_folded.tsv spares every start reading jieba's dictionary;
    # regenerate it with `python -m search.analysis` when jieba or the folds change.
    from search.analysis import FOLDED_WORDS_FILE, folded_dictionary_words, stored_folded_words

    assert FOLDED_WORDS_FILE.exists()  # without it the two below would be one computation
    assert stored_folded_words() == folded_dictionary_words()
    assert any(word == "着名" for word, _ in stored_folded_words())


@pytest.mark.parametrize("table", ["simplified", "searched", "fold"])
def test_translate_through_the_array_is_str_translate_for_every_code_point(table):
    """The NumPy path of ``translate`` (long texts) against ``str.translate``: every code point
    but the surrogates, in one text, and with characters above the table's last key."""
    from search.normalize import _FOLD_TABLE, _full_tables, translate

    chosen = {"simplified": _full_tables()[0], "searched": _full_tables()[1], "fold": _FOLD_TABLE}[table]
    every = "".join(chr(code) for code in range(0x110000) if not 0xD800 <= code < 0xE000)
    assert translate(every, chosen) == every.translate(chosen)
    for start in range(0, len(every), 50_000):  # pieces: some wholly inside the array, some not
        piece = every[start : start + 50_000]
        assert translate(piece, chosen) == piece.translate(chosen)
    lone = "台灣" * 100 + "\udc80"
    assert translate(lone, chosen) == lone.translate(chosen)  # a lone surrogate: str.translate
