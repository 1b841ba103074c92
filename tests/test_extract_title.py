"""Titles: the first meaningful line(s) of the head, a labelled title, or a short title
derived from the first sentence. Inputs are lines from the seeds and the shared corpus."""

from __future__ import annotations

import pytest
from conftest import seed_text

from search.extract.title import Title, clean_title, extract_title, split_head
from search.normalize import clean_characters


def title_of(text: str) -> Title | None:
    return extract_title(clean_characters(text))


@pytest.mark.parametrize(
    "seed, expected",
    [
        ("000", Title("新鄉:勇“爭”一流 讓業績體現在群眾的笑臉上", False, "first line")),
        # "全部" (a crumb) is skipped; the pinyin is gone; the "——" subtitle stays.
        (
            "001",
            Title(
                "激發改革轉型新動力 打好高質量發展組合拳——開發區以創新改革推進高質量發展", False, "first line"
            ),
        ),
        # No title at all: "(上接第一版)" then the body.
        ("002", Title("紧扣高质量发展主题,突出平台培育,注重模式创新", True, "derived from first sentence")),
        (
            "003",
            Title(
                "管城回族区召开2017年度综合目标考核总结表彰大会 2017成绩优异 2018再接再厉",
                False,
                "first line",
            ),
        ),
        (
            "004",  # a kicker, the title and a "——" subtitle, each on its own line
            Title(
                "拉高标杆 奋勇争先 转变作风 狠抓落实 虎年新春第一会 奏响发展最强音——枣强县三级干部大会暨开展"
                "“三统筹三扩大四创建”活动和深化纠正“四风”作风纪律专项整治动员大会精神解读",
                False,
                "first line",
            ),
        ),
    ],
)
def test_seed_titles(seed, expected):
    assert title_of(seed_text(seed)) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        # Crumbs, bylines, datelines and source lines are not titles.
        ("首页 > 新闻中心 > 本地新闻\n郑州全力抢险救灾\n2021-07-21\n正文。", "郑州全力抢险救灾"),
        ("本报记者 焦明瑞\n人勤春来早,奋斗新征程。", "人勤春来早,奋斗新征程"),
        ("标题在这里\n聯合新聞網/ 綜合報導\n重大食安警報再度響起！正文。", "标题在这里"),
        (
            "又是接獲民眾檢舉 罷免王浩宇\n【呂筱蟬、張立勳、趙婉淳/連線報導】\n正文第一句。",
            "又是接獲民眾檢舉 罷免王浩宇",
        ),
        # A title may have a comma or an exclamation mark and still be one line of title.
        (
            "黃國昌失去舞台？粉專曝鄭麗文盤算嗆：藍白合下去，吃虧的是民眾黨自己 | 政治 | 三立新聞網 SETN.COM\n2025/11/18 三立新聞網\n正文。",
            "黃國昌失去舞台？粉專曝鄭麗文盤算嗆：藍白合下去，吃虧的是民眾黨自己",
        ),
        # Labelled titles of the Fudan corpus files, with a wrapped subtitle.
        (
            "【 日  期 】19960306\n【 标  题 】探讨宇宙年纪  专家说法不一\n【 作  者 】唐霄\n正文。",
            "探讨宇宙年纪 专家说法不一",
        ),
        (
            "【原文出处】人民日报\n【 标  题 】历史的昭示\n    ——纪念“七七”事变五十八周年\n今年，是世界反法西斯战争胜利50周年。",
            "历史的昭示——纪念“七七”事变五十八周年",
        ),
    ],
)
def test_titles(text, expected):
    assert title_of(text).text == expected


def test_a_derived_title_is_cut_at_a_clause_and_keeps_the_script():
    found = title_of(
        "（中央社記者陳容琛新北12日電）2025東京達福林匹克運動會將於11月15日至26日登場，總統賴清德今天透過影片為台灣代表團加油打氣。"
    )
    assert found == Title(
        "2025東京達福林匹克運動會將於11月15日至26日登場", True, "derived from first sentence"
    )


def test_no_text_no_title():
    assert extract_title("") is None
    assert extract_title("\n\n全部\n") is None


@pytest.mark.parametrize(
    "title, expected",
    [
        (
            "泰破獲野生動物走私 62隻瀕危長尾獼猴被塞塑膠袋│TVBS新聞網",
            "泰破獲野生動物走私 62隻瀕危長尾獼猴被塞塑膠袋",
        ),
        ("成龍又爆死訊！竟是AI合成圖 | 娛樂星聞 | 三立新聞網 SETN.COM", "成龍又爆死訊！竟是AI合成圖"),
        ("觀點投書：蔣中正敢通緝毛澤東 | 沈迺訓 | 評論", "觀點投書：蔣中正敢通緝毛澤東"),
        # " - " inside a headline is not a site suffix: the part after it has a comma.
        (
            "一週天氣預報 - 東北季風增強，北東有雨、離島強風，週中最涼|壹蘋新聞網",
            "一週天氣預報 - 東北季風增強，北東有雨、離島強風，週中最涼",
        ),
        ("新鄉:勇“爭”一流 讓業績體現在群眾的笑臉上", "新鄉:勇“爭”一流 讓業績體現在群眾的笑臉上"),
    ],
)
def test_clean_title(title, expected):
    assert clean_title(title) == expected


def test_head_roles_of_seed_001():
    head = split_head(clean_characters(seed_text("001")))
    assert [line.role for line in head.lines] == ["nav", "title", "label", "label", "dateline"]
    assert head.lead[0].startswith("开发区代表队参加全市主题教育知识竞赛")
