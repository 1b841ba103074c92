"""Region extraction: seeds, ambiguous names, scripts, and what is not a region."""

from __future__ import annotations

import pytest
from conftest import seed_text

from search.extract.region import RegionResult, extract_region
from search.normalize import clean_text


def _primary(result: RegionResult | None) -> tuple[str | None, str | None, str | None] | None:
    return None if result is None else (result.province, result.city, result.county)


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        ("000", ("河南省", "新乡市", None)),  # Traditional script
        ("001", ("河南省", "周口市", None)),  # Traditional with inline pinyin; "开发区" throughout
        ("002", ("河南省", "新乡市", None)),
        ("003", ("河南省", "郑州市", "管城回族区")),  # the text says 管城区 and 郑州
        ("004", ("河北省", "衡水市", "枣强县")),  # 衡水 named once; 枣强县 throughout
    ],
)
def test_seeds(number, expected):
    assert _primary(extract_region(clean_text(seed_text(number)))) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # 朝阳区 is in Beijing and in Changchun: the co-occurring parent decides.
        ("北京市朝阳区今天召开安全生产会议，朝阳区各街道负责人参加。", ("北京市", "北京市", "朝阳区")),
        ("长春市朝阳区今天召开安全生产会议，朝阳区各街道负责人参加。", ("吉林省", "长春市", "朝阳区")),
        ("朝阳区今天召开安全生产会议。", None),
        # 鼓楼区: Nanjing, Xuzhou, Kaifeng, Fuzhou.
        ("福州市鼓楼区今天召开会议，鼓楼区各街道参加。", ("福建省", "福州市", "鼓楼区")),
        ("南京鼓楼区召开会议，鼓楼区各街道参加。", ("江苏省", "南京市", "鼓楼区")),
        ("鼓楼区召开会议，鼓楼区各街道参加。", None),
        # A former name gives today's division.
        ("长垣县召开表彰大会，长垣县各乡镇负责人参加。", ("河南省", "新乡市", "长垣市")),
        # Traditional script, Taiwan, Hong Kong, Macao.
        ("臺灣高雄市鳳山區今天發生火災，鳳山區消防隊趕到現場。", ("台湾省", "高雄市", "凤山区")),
        ("香港灣仔區今日舉行活動，灣仔區議員出席。", ("香港特别行政区", None, "湾仔区")),
        ("澳門特別行政區政府今日宣布新措施。", ("澳门特别行政区", None, None)),
        ("新北市政府今日宣布，新北市將加強防疫。", ("台湾省", "新北市", None)),
        # A two-character county name counts once its province is named.
        ("河北枣强召开大会，枣强各界参加。", ("河北省", "衡水市", "枣强县")),
        # Generic words and ordinary words are not regions.
        ("开发区管委会召开会议，开发区各部门负责人参加。", None),
        ("高新区和新区的企业负责人参加了会议。", None),
        ("和平与发展是时代主题，维护世界和平。", None),
        ("湖北省公安厅通报，全省公安机关开展专项行动。", ("湖北省", None, None)),  # 公安 is also a county
        ("北京时间5月12日，国际足联宣布了新规则。", None),
        ("广州市民在北京路步行街购物，广州市商务局表示。", ("广东省", "广州市", None)),  # 北京路 is a street
        # A national roundup has no primary region.
        ("全国多地出现降雨：河北、山西、河南、山东、江苏、安徽、湖北等地有中到大雨。", (None, None, None)),
        ("", None),
        ("   \n  ", None),
        ("abc 123", None),
    ],
)
def test_extract_region(text, expected):
    assert _primary(extract_region(text)) == expected


def test_title_and_lead_outweigh_the_body():
    body = "郑州市召开会议。" + "会议期间，代表们讨论了工作。" * 20 + "洛阳市、洛阳的代表也参加了。"
    assert _primary(extract_region(body, title="郑州：全市动员")) == ("河南省", "郑州市", None)
    assert _primary(extract_region(body, title="洛阳代表团赴会")) == ("河南省", "洛阳市", None)


def test_result_shape():
    result = extract_region("新乡:勇争一流\n\n新乡市各级各部门按照市委要求，与郑州、洛阳对标。新乡发展。")
    assert result == RegionResult(
        province="河南省",
        city="新乡市",
        county=None,
        others=("洛阳市", "郑州市"),
        basis="title: 新乡 (city) ×1; lead: 新乡市 (city) ×1, 新乡 (city) ×1",
    )
    assert result.as_dict() == {
        "province": "河南省",
        "city": "新乡市",
        "county": None,
        "others": ["洛阳市", "郑州市"],
        "basis": "title: 新乡 (city) ×1; lead: 新乡市 (city) ×1, 新乡 (city) ×1",
    }


def test_the_name_index_is_built_once_not_per_text():
    # Speed itself is measured by bench/bench_region.py (a wall clock here failed on load):
    # what keeps extraction cheap is that the gazetteer's name index is built once.
    from search.extract.region import _name_index

    texts = [clean_text(seed_text(number)) for number in ("000", "001", "002", "003", "004")]
    _name_index.cache_clear()
    for text in texts * 2:
        extract_region(text)
    assert _name_index.cache_info().misses == 1
    assert _name_index.cache_info().hits >= len(texts) * 2 - 1


# --- Datelines are weaker evidence than the story's own places (issue 12, item 10) ---

# Openings of real cec reports (title, date line, then the body as the source has it).
TIANZHU = (
    "甘肃天祝发生4.3级地震 青海门源震感强烈\n\n2014年02月22日 19:59\n"
    "中新网西宁2月22日电记者刚刚从青海省地震局获悉，甘肃省天祝县发生4.3级地震后，青海省海北州门源县朱固乡震感强烈。\n\n"
    "2月22日12时56分在甘肃省武威市天祝藏族自治县(北纬37.6度，东经102.3度)发生4.3级地震，震源深度6千米。\n\n"
    "记者从青海省政府应急办了解到，截至目前，尚未收到关于门源县人员伤亡和财产损失的报告。"
)
WENCHUAN = (
    "四川汶川强地震近万人丧生 中国各界奋力救灾\n\n2008-5-13\n"
    "中新社北京五月十三日电综合消息(截至北京时间十时)北京时间五月十二日十四时二十八分，四川汶川县发生七点八级地震。"
    "本次四川地震震级高，有感范围大，波及宁夏、甘肃、陕西、山西、山东、河南、湖北、湖南、重庆、贵州、云南、广西、西藏、"
    "江苏、辽宁、北京、上海等地。\n\n因此次四川地震震级高，又属浅源性地震，释放能量剧烈，给当地民众生命财产造成巨大的伤害和损失。"
    "据中国民政部统计，截至十三日九时，四川汶川县地震已造成四川、甘肃、陕西、重庆、云南、山西、贵州、湖北八省市共九千二百余人死亡，"
    "倒塌房屋五十余万间。"
)


@pytest.mark.parametrize(
    "text, expected",
    [
        (TIANZHU, ("甘肃省", "武威市", "天祝藏族自治县")),
        (WENCHUAN, ("四川省", None, None)),
        # A dateline alone does not make a national story a Beijing one.
        ("国务院召开常务会议\n\n新华社北京1月2日电 国务院总理主持召开国务院常务会议，部署下一步工作。", None),
        # The story's own place wins over the dateline's.
        ("新华社北京5月12日电 河南新乡召开防汛会议。", ("河南省", "新乡市", None)),
    ],
)
def test_dateline_weighs_less_than_the_storys_places(text, expected):
    result = extract_region(text)
    assert (None if result is None or result.province is None else _primary(result)) == expected


@pytest.mark.parametrize(
    "text, dateline",
    [
        ("新华社北京5月12日电 正文", "新华社北京5月12日电"),
        ("2008-5-13\n中新社北京五月十三日电综合消息", "中新社北京五月十三日电"),
        ("本报兰州讯 正文", "本报兰州讯"),
        ("据新华社华盛顿3月4日电  （记者唐霄）", "据新华社华盛顿3月4日电"),
        ("北京市召开会议。", ""),
    ],
)
def test_dateline_is_found(text, dateline):
    from search.extract.region import _zones

    zones = dict(_zones(text, "标题"))
    assert zones.get("dateline", "") == dateline


# --- The scan that skips to where a name may start finds what the plain scan finds ---


def _plain_names(text: str) -> list[tuple[str, int]]:
    """The scan as written first: every character probed (the reference)."""
    from search.extract.region import _name_index

    index = _name_index()
    found, position = [], 0
    while position < len(text) - 1:
        for length in index.lengths.get(text[position : position + 2], ()):
            if text[position : position + length] in index.names:
                found.append((text[position : position + length], position + length))
                position += length
                break
        else:
            position += 1
    return found


def _texts_to_scan(corpus_dir) -> list[str]:
    from search.normalize import to_simplified

    texts = [to_simplified(clean_text(seed_text(number))) for number in ("000", "001", "002", "003", "004")]
    # Names that overlap, touch, end the text, and a name inside a longer one.
    texts += [
        "河南省新乡市长垣县" * 8,
        "新乡新乡市" * 20 + "新乡",
        "吉林省吉林市" * 11 + "吉林",
        "乡" * 70 + "新乡",
    ]
    if corpus_dir is not None:
        import gzip
        import itertools
        import json

        with gzip.open(corpus_dir / "xwlb.jsonl.gz", "rt", encoding="utf-8") as handle:
            for line in itertools.islice(handle, 0, 3000, 10):
                texts.append(to_simplified(clean_text(json.loads(line).get("content", ""))))
    return texts


def test_skipping_scan_finds_the_plain_scans_names(request):
    from search.extract.region import _ARRAY_SCAN_CHARS, _find_names

    corpus_dir = None
    try:
        corpus_dir = request.getfixturevalue("corpus")
    except pytest.skip.Exception:
        pass  # the seeds and the made-up texts alone
    texts = _texts_to_scan(corpus_dir)
    long_texts = [text for text in texts if len(text) >= _ARRAY_SCAN_CHARS]
    assert len(long_texts) >= 9  # the skipping scan is the one compared
    names = 0
    for text in texts:
        expected = _plain_names(text)
        assert list(_find_names(text)) == expected, text[:80]
        names += len(expected)
    assert names > 100
