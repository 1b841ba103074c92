"""Publication dates: explicit timestamps, datelines with an inferred year, and no date
rather than a wrong one. Inputs are lines from the seeds and the shared corpus."""

from __future__ import annotations

import gzip
import json
from datetime import date

import pytest
from conftest import seed_text

from search.extract.date import PublicationDate, extract_date, infer_year, parse_date
from search.normalize import clean_characters


def date_of(text: str, title: str | None = None) -> tuple[str, str] | None:
    found = extract_date(clean_characters(text), title)
    return (found.value, found.precision) if found else None


@pytest.mark.parametrize(
    "seed, expected",
    [
        ("000", ("2018-06-13", "day")),  # "2018-06-13 09:40:57  來源:河南日報"
        ("001", ("2020-05-13", "day")),  # a line of its own under 來源 and 作者
        ("002", None),  # names 2025 only as a target: "到2025年建成…"
        ("003", ("2018-02-27", "day")),  # "本报讯 2月27日上午" + "2017年度…总结表彰大会"
        ("004", ("2022-02-16", "day")),  # "2月16日上午(正月十六)" + "虎年"
    ],
)
def test_seed_dates(seed, expected):
    assert date_of(seed_text(seed)) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        # Timestamps in the head, in the forms sites print them.
        ("標題\n2018-06-13 09:40:57  來源:河南日報  責編:趙瀅溪\n正文第一句。", ("2018-06-13", "day")),
        ("标题\n2018.06.13\n正文第一句。", ("2018-06-13", "day")),
        ("标题\n2018年6月13日 来源：新乡日报\n正文第一句。", ("2018-06-13", "day")),
        ("標題\n發佈時間：2025/11/19\n正文第一句。", ("2025-11-19", "day")),
        ("標題\n2025/11/19 記者\n正文第一句。", ("2025-11-19", "day")),
        (
            "涉嫌骑车逃逸的男子今天上午已归案\n嘉兴在线新闻网 2013年07月13日 13:41:01\n本报讯7月8日晚上7点左右，…。",
            ("2013-07-13", "day"),
        ),
        (
            "抬轎變坐轎 「欽定」主委惹議\n2017年08月29日 【王正寧、周毓翔/台北報導】\n國民黨主席吳敦義上周核定。",
            ("2017-08-29", "day"),
        ),
        # A title that opens with a date loses to the timestamp line under it.
        (
            "2014年1月7日广州番禺商铺火灾：一名女子被烧死\n2014年1月9日\n2014年1月7日，广州番禺…。",
            ("2014-01-09", "day"),
        ),
        # Labelled header lines of the Fudan corpus files.
        (
            "【 日  期 】19960306\n【 版  号 】7\n【 标  题 】探讨宇宙年纪  专家说法不一",
            ("1996-03-06", "day"),
        ),
        ("【原文出处】咸宁师专学报\n【原刊期号】199802\n【复印期号】199808", ("1998", "year")),
        ("【原文出处】社会科学论坛\n【原刊期号】199905/06", ("1999", "year")),
        # 中央社 ends with its date in the ROC calendar.
        (
            "（中央社記者陳容琛新北12日電）正文。（編輯：吳素柔）1141112 本網站之文字、圖片及影音，非經授權，不得轉載。",
            ("2025-11-12", "day"),
        ),
        # A received date is not a publication date.
        ("历代谋略与中国文化\n收稿日期：1994年10月20日\n三代之际为中国谋略学的早期发展阶段。", None),
    ],
)
def test_explicit_dates(text, expected):
    assert date_of(text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        # A dateline gives month and day; the article gives the year, or nothing does.
        ("郑州全力抢险救灾\n（新华社郑州7月21日电）记者今天从郑州市防汛指挥部获悉，全市降雨已减弱。", None),
        (
            "郑州2021年特大暴雨灾害\n（新华社郑州7月21日电）记者今天从郑州市防汛指挥部获悉，全市降雨已减弱。",
            ("2021-07-21", "day"),
        ),
        (
            "经贸委要求搞好春运\n本报北京1月17日电  国家经贸委今天召开1996年全国春运电话会议。",
            ("1996-01-17", "day"),
        ),
        # A past year in the lead says nothing about when the news is.
        (
            "公交系统引进竞争机制\n据新华社广州5月8日电  据了解，1994年以来，广州市已扭转了公交客运量下降的趋势。",
            None,
        ),
        (
            "第五届全国民运会圆满闭幕 下届民运会1999年在北京举行\n本报昆明11月12日电  第五届全国少数民族传统体育运动会今晚闭幕。",
            None,
        ),
        # A yearly review early in the year is held in the year after the one reviewed.
        (
            "管城回族区召开2017年度综合目标考核总结表彰大会\n\n本报讯 2月27日上午,管城区召开2017年度综合目标考核总结表彰大会。",
            ("2018-02-27", "day"),
        ),
        # Lunar and zodiac cues: 正月十六 fell on 16 February in 2022, a year of the tiger.
        (
            "虎年新春第一会\n\n本报记者 焦明瑞\n\n人勤春来早,奋斗新征程。\n\n2月16日上午(正月十六),元宵节刚过,枣强县就召开了虎年新春第一会。",
            ("2022-02-16", "day"),
        ),
        # Only a target year: no publication year.
        ("新乡加快发展\n本报讯 3月5日上午,市委召开会议,提出到2025年建成国家创新型城市。", None),
        # Several candidate years, or a zodiac year against the context year: no date.
        (
            "新乡2019年经济运行情况\n\n本报讯 3月5日上午，市政府今天召开2020年全市工作会议，部署全年任务。",
            None,
        ),
        ("枣强县2021年虎年新春第一会\n\n本报讯 2月16日上午，枣强县召开新春第一会。", None),
        ("枣强县2022年虎年新春第一会\n\n本报讯 2月16日上午，枣强县召开新春第一会。", ("2022-02-16", "day")),
    ],
)
def test_datelines_and_inferred_years(text, expected):
    assert date_of(text) == expected


def test_the_basis_says_how_the_year_was_found():
    found = extract_date(clean_characters(seed_text("003")))
    assert found == PublicationDate("2018-02-27", "day", "dateline+context year (yearly review)")
    lunar = extract_date(clean_characters(seed_text("004")))
    assert lunar.basis == "lead date+lunar date (正月十六)+zodiac (虎年)"


def test_a_date_under_a_speech_title_is_marked_as_such():
    text = "在1996年全国艺术创作会议上的讲话\n（1996年4月16日于北京）\n同志们：\n会议今天开幕了。"
    assert extract_date(text) == PublicationDate("1996-04-16", "day", "date under title")


def test_a_given_title_counts_as_context():
    body = "（新华社郑州7月21日电）记者今天从郑州市防汛指挥部获悉，全市降雨已减弱。"
    assert extract_date(body) is None
    assert extract_date(body, title="郑州2021年特大暴雨灾害").value == "2021-07-21"


@pytest.mark.parametrize(
    "month, day, title, lead, expected",
    [
        (
            2,
            16,
            "",
            "2月16日上午(正月十六),元宵节刚过,虎年新春第一会",
            (2022, "lunar date (正月十六)+zodiac (虎年)"),
        ),
        (
            2,
            16,
            "",
            "2月16日上午(正月十六),元宵节刚过",
            None,
        ),  # 正月十六 was 16 February in 2003 and 2022 too
        (2, 27, "召开2017年度综合目标考核总结表彰大会", "", (2018, "context year (yearly review)")),
        (
            9,
            27,
            "召开2017年度综合目标考核总结表彰大会",
            "",
            (2017, "context year (title)"),
        ),  # not early in the year
        (5, 8, "", "据了解，1994年以来，广州市已扭转了趋势", None),
        (3, 12, "纪念毛泽东批示发表31周年", "1965年1月12日，毛泽东同志作了批示", None),
        # Two cues, two years: no date rather than the first of them.
        (3, 5, "新乡2019年经济运行情况", "今天召开2020年全市工作会议，部署全年任务", None),
        (3, 5, "新乡2019年经济运行情况", "", (2019, "context year (title)")),
        # A zodiac year that contradicts the context year: no date (16 February 2021 was in the year of the ox).
        (2, 16, "枣强县2021年虎年新春第一会", "", None),
        (2, 16, "2021年", "元宵节刚过，枣强县召开虎年新春第一会", None),
        (2, 16, "枣强县2022年虎年新春第一会", "", (2022, "context year (title)")),
    ],
)
def test_infer_year(month, day, title, lead, expected):
    assert infer_year(month, day, title, lead) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("2018-06-13", ("2018-06-13", "day")),
        ("2018-06-13 09:40", ("2018-06-13", "day")),
        ("2018-06-13T09:40:57", ("2018-06-13", "day")),
        ("20180613", ("2018-06-13", "day")),
        ("2018年6月13日", ("2018-06-13", "day")),
        ("2017/12/26", ("2017-12-26", "day")),
        ("2006年05月27日15:24", ("2006-05-27", "day")),
        ("2018-06", ("2018-06", "month")),
        ("2018年6月", ("2018-06", "month")),
        ("2018", ("2018", "year")),
        ("2018-02-30", None),
        ("昨天", None),
    ],
)
def test_parse_given_dates(value, expected):
    found = parse_date(value)
    assert ((found.value, found.precision) if found else None) == expected
    if found:
        assert found.basis == "given"


@pytest.mark.corpus
def test_cna_tail_codes_agree_with_the_corpus_dates(corpus):
    """中央社 articles end with their date as an ROC code; nearly every article has
    it, and it is the corpus date or, for a story filed abroad ("曼谷12日專電") and
    posted in Taipei after midnight, the day before."""
    found_dates = 0
    with gzip.open(corpus / "tw_news.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            if row["source"] == "中央社" and row["date"]:
                found = extract_date(clean_characters(row["title"] + "\n" + row["content"]))
                if found:
                    lag = date.fromisoformat(row["date"]) - date.fromisoformat(found.value)
                    assert lag.days in (0, 1), row["id"]
                    found_dates += 1
    assert found_dates >= 110
