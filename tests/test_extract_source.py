"""Sources: the outlet that first published an article, canonical and Simplified.
Inputs are lines from the seeds and the shared corpus."""

from __future__ import annotations

import pytest
from conftest import seed_text

from search.extract.source import Source, canonical_source, extract_source
from search.normalize import clean_characters


def source_of(text: str, title: str | None = None) -> Source | None:
    return extract_source(clean_characters(text), title)


@pytest.mark.parametrize(
    "seed, expected",
    [
        # 國際在線 republished it (its disclaimer says so); 河南日報 is on the 來源 line.
        ("000", Source("河南日报", "来源 line")),
        # The 來源 line is damaged ("周口日?qǐng)?bào)" reads "周口日??" once cleaned); the
        # 中華龍都網 footer is only a fallback.
        ("001", Source("周口日报", "来源 line (repaired)")),
        ("002", None),
        ("003", None),  # "本报讯" and "记者 柴琳琳" name no outlet
        ("004", None),  # "本报记者 焦明瑞" names no outlet
    ],
)
def test_seed_sources(seed, expected):
    assert source_of(seed_text(seed)) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        # Source lines, in either script, with the fields that follow them.
        ("標題\n2018-06-13 09:40:57  來源:河南日報  責編:趙瀅溪\n正文。", Source("河南日报", "来源 line")),
        ("标题\n来源：人民网-人民日报\n正文。", Source("人民日报", "来源 line")),
        ("标题\n来源：本站原创\n正文。", None),
        (
            "【 文献号 】1-4285\n【原文出处】咸宁师专学报\n【原刊期号】199802",
            Source("咸宁师专学报", "原文出处 line"),
        ),
        # Datelines naming an agency or a paper.
        ("标题\n（新华社郑州7月21日电）记者今天从郑州市获悉，全市降雨已减弱。", Source("新华社", "dateline")),
        (
            "标题\n据新华社华盛顿3月4日电  （记者唐霄）宇宙年龄究竟是150亿年还是要年轻许多？",
            Source("新华社", "dateline"),
        ),
        (
            "標題\n（中央社記者陳容琛新北12日電）總統賴清德今天透過影片為台灣代表團加油打氣。",
            Source("中央社", "dateline"),
        ),
        (
            "標題\n（中央社記者曾婷瑄河內18日專電）邁入冬季，越南又將面臨空氣品質惡化問題。",
            Source("中央社", "dateline"),
        ),
        ("标题\n大河报讯（记者 张三）昨日上午，郑州市召开会议，部署防汛工作。", Source("大河报", "dateline")),
        (
            "标题\n央视网消息（新闻联播）：国务院总理今天主持召开国务院常务会议。",
            Source("央视网", "dateline"),
        ),
        ("标题\n本报讯 2月27日上午,管城区召开2017年度综合目标考核总结表彰大会。", None),
        # Bylines and timestamp lines with an outlet.
        ("標題\n聯合報／ 記者\n美國政策衝擊台灣蘭花外銷量。", Source("联合报", "byline")),
        ("標題\n聯合新聞網/ 綜合報導\n重大食安警報再度響起！", Source("联合报", "byline")),
        ("標題\n2025年11月18日 ETtoday新聞雲\n記者吳美依／綜合報導。", Source("东森新闻云", "byline")),
        (
            "标题\n嘉兴在线新闻网 2013年07月13日 13:41:01\n本报讯7月8日晚上7点左右，发生一起事故。",
            Source("嘉兴在线新闻网", "byline"),
        ),
        ("标题\n本报记者 焦明瑞\n人勤春来早,奋斗新征程。", None),
        # A site name appended to the title.
        (
            "泰破獲野生動物走私 62隻瀕危長尾獼猴被塞塑膠袋│TVBS新聞網\n泰國破獲一起走私案。",
            Source("TVBS新闻网", "title suffix"),
        ),
        (
            "快訊/台中死亡事故！ | 社會 | 三立新聞網 SETN.COM\n記者陳弘逸/台中報導。",
            Source("三立新闻网", "title suffix"),
        ),
        # Footers: the site's own, or a republisher's disclaimer (no source).
        ("标题\n正文第一句。\n中華龍都網版權所有,未經授權不得轉載", Source("中华龙都网", "footer")),
        (
            "标题\n正文第一句。\n本網其他來源作品,均轉載自其他媒體,轉載目的在於傳播更多信息。\nXX网版权所有",
            None,
        ),
    ],
)
def test_sources(text, expected):
    assert source_of(text) == expected


def test_a_given_title_can_name_the_site():
    assert source_of("泰國破獲一起走私案。", title="泰破獲野生動物走私│TVBS新聞網") == Source(
        "TVBS新闻网", "title suffix"
    )


@pytest.mark.parametrize(
    "name, expected",
    [
        ("河南日報", "河南日报"),  # one source in either script
        ("河南日报", "河南日报"),
        ("《人民日报》", "人民日报"),
        ("中央通訊社", "中央社"),
        ("ETtoday新聞雲", "东森新闻云"),
        ("三立新聞網 SETN.COM", "三立新闻网"),
        ("自由時報電子報", "自由时报"),
        ("周口日??", "周口日报"),  # a damaged name matched against the known outlets
        ("许昌日??", "许昌日报"),  # ... or repaired from its ending
        ("??日报", None),
        ("本站", None),
        ("网络", None),
        ("央视《新闻联播》(CCTV)", "中央电视台"),  # the outlet named in the bracketed note
        ("新华社（北京）", "新华社"),  # ... or before it
        ("某县融媒体中心(内部)", "某县融媒体中心(内部)"),  # neither known: kept whole, brackets balanced
        ("CNTV", "央视网"),  # one outlet under its three names
        ("中国网络电视台", "央视网"),
        ("人民日报)", "人民日报"),  # a stray bracket goes
        ("：《光明日报》", "光明日报"),
        ("", None),
    ],
)
def test_canonical_source(name, expected):
    assert canonical_source(name) == expected
