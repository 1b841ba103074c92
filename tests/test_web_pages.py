"""The HTML pages through Flask's test client: what each page shows and links to."""

from __future__ import annotations

import re
from html import unescape
from urllib.parse import parse_qsl, urlsplit

import pytest


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[:500]
    assert response.content_type == "text/html; charset=utf-8"
    return response.get_data(as_text=True)


def hit_titles(html: str) -> list[str]:
    titles = re.findall(r'<h2 class="hit-title"><a href="[^"]*">(.*?)</a></h2>', html, re.S)
    return [unescape(re.sub(r"</?mark>", "", title)) for title in titles]


def facet_links(html: str, name: str) -> dict[str, tuple[str, int, bool]]:
    """value -> (url, count, selected) of one facet's values."""
    found = {}
    pattern = (r'<a class="facet-value( selected)?" href="([^"]*)"\s+data-facet="' + name
               + r'" data-value="([^"]*)".*?<span class="count">(\d+)</span>')  # fmt: skip
    for selected, url, value, count in re.findall(pattern, html, re.S):
        found[unescape(value)] = (unescape(url), int(count), bool(selected))
    return found


def args(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query)


def test_home_page_browses_everything_newest_first(client):
    html = page(client, "/")
    assert '共 <strong class="total">10</strong> 篇，最新在前' in html
    assert hit_titles(html)[:3] == ["拉高标杆 奋勇争先 转变作风 狠抓落实 虎年新春第一会 奏响发展最强音——枣强县三级干部大会暨开展“三统筹三扩大四创建”活动和深化纠正“四风”作风纪律专项整治动员大会精神解读",
                                    "臺灣選舉結果公佈", "北京冬奥会筹备进展"]  # fmt: skip
    assert 'name="q"' in html and 'lang="zh-CN"' in html


def test_search_page_shows_hits_with_marked_passages_in_both_scripts(client):
    html = page(client, "/search?q=新乡")
    assert '找到 <strong class="total">5</strong> 篇' in html and "毫秒" in html
    assert "<mark>新鄉</mark>" in html and "<mark>新乡</mark>" in html
    assert '<p class="snippet">' in html
    assert 'href="/doc/000_aafb63f222c135ea?q=%E6%96%B0%E4%B9%A1"' in html
    assert (
        '<span class="date">2018-06-13</span>' in html and '<span class="source">河南日報</span>' in html
    )  # 原文: as seed 000 writes it (來源:河南日報)
    assert '<span class="region">河南省 / 新乡市</span>' in html
    assert '<span class="topic">科技创新</span>' in html
    assert 'value="新乡"' in html  # the query stays in the box


def test_facets_drill_down_from_province_to_city_to_county(client):
    html = page(client, "/search?q=新乡")
    provinces = facet_links(html, "province")
    assert {value: count for value, (_, count, _) in provinces.items()} == {"河南省": 4, "广东省": 1}
    assert facet_links(html, "city") == {}  # cities appear once a province is chosen

    html = page(client, provinces["河南省"][0])
    assert facet_links(html, "province")["河南省"][2] is True
    cities = facet_links(html, "city")
    assert {value: count for value, (_, count, _) in cities.items()} == {"新乡市": 3, "郑州市": 1}
    assert facet_links(html, "county") == {}

    html = page(client, cities["郑州市"][0])
    assert hit_titles(html) == ["郑州金水区推进营商环境"]
    assert set(facet_links(html, "county")) == {"金水区"}


def test_several_values_of_a_facet_can_be_chosen(client):
    html = page(client, "/search?q=新乡&province=河南省")
    url = facet_links(html, "province")["广东省"][0]
    assert args(url) == [("q", "新乡"), ("province", "河南省"), ("province", "广东省")]
    assert len(hit_titles(page(client, url))) == 5


def test_chips_show_active_filters_and_remove_them(client):
    html = page(client, "/search?q=新乡&province=河南省&city=新乡市&year=2019")
    chips = re.findall(r'<li class="chip"><span>(.*?)</span>\s*<a class="chip-remove" href="([^"]*)"', html)
    assert [text for text, _ in chips] == ["省份：河南省", "城市：新乡市", "年份：2019年"]
    removals = {text: args(unescape(url)) for text, url in chips}
    # removing the province also removes the city chosen inside it
    assert removals["省份：河南省"] == [("q", "新乡"), ("year", "2019")]
    assert removals["年份：2019年"] == [("q", "新乡"), ("province", "河南省"), ("city", "新乡市")]
    assert "全部清除" in html


def test_timeline_shows_years_and_the_months_of_a_chosen_year(client):
    html = page(client, "/search")
    bars = re.findall(r'<a class="bar( selected)?" href="[^"]*" tabindex="-1" data-key="(\d{4})">', html)
    assert [key for _, key in bars] == ["2018", "2019", "2020", "2021", "2022"]
    html = page(client, "/search?year=2019")
    months = re.findall(r'data-key="(2019-\d\d)"', html)
    assert months == [f"2019-{month:02d}" for month in range(1, 13)]
    assert "2019年各月匹配篇数" in html
    assert set(facet_links(html, "month")) == {"2019-03", "2019-07"}


def test_date_range_form_keeps_the_other_arguments(client):
    html = page(client, "/search?q=新乡&province=河南省&date_from=2019-01-01")
    form = re.search(r'<form class="date-range".*?</form>', html, re.S).group(0)
    assert re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form) == [
        ("q", "新乡"),
        ("province", "河南省"),
    ]
    assert 'name="date_from" value="2019-01-01"' in form and 'name="date_to" value=""' in form
    assert "起始日期：2019-01-01" in html


def test_sort_and_script_switches_and_pagination_are_links(client):
    html = page(client, "/search?per_page=3&page=2")
    assert hit_titles(html) == ["激發改革轉型新動力 打好高質量發展組合拳——開發區以創新改革推進高質量發展",
                                "广州客商走进新乡", "郑州金水区推进营商环境"]  # fmt: skip
    pager = re.search(r'<nav class="pagination".*?</nav>', html, re.S).group(0)
    assert 'aria-current="page" href="/search?per_page=3&amp;page=2">2</a>' in pager
    assert (
        'rel="prev" href="/search?per_page=3"' in pager
        and 'rel="next" href="/search?per_page=3&amp;page=3"' in pager
    )
    assert 'href="/search?sort=oldest&amp;per_page=3">最早</a>' in html
    assert 'href="/search?per_page=3&amp;script=traditional&amp;page=2">繁體</a>' in html


def test_pages_in_another_script(client):
    html = page(client, "/search?q=新乡&script=simplified")
    assert "<mark>新乡</mark>:勇“争”一流" in html and "新鄉" not in html
    html = page(client, "/search?q=新乡&script=traditional")
    assert "<mark>新鄉</mark>" in html and "緊扣高質量發展主題" in html


def test_no_results_page_offers_ways_out(client):
    html = page(client, "/search?q=新乡&province=广东省&year=2019")
    assert "没有找到与「新乡」相关的文档" in html
    relaxations = re.findall(r'<li><a href="([^"]*)">(.*?)</a>（(\d+) 篇）</li>', html)
    assert [(text, int(count)) for _, text, count in relaxations] == [
        ("去掉「省份：广东省」", 2), ("去掉「年份：2019年」", 1), ("去掉所有筛选条件", 5)]  # fmt: skip
    html = page(client, "/search?q=新乡市长")
    assert re.search(r'<a href="/search\?q=%E6%96%B0%E4%B9%A1" lang="zh">新乡</a>（5 篇）', html)


def test_query_notes_are_shown_in_chinese(client):
    assert "引号不成对，已按普通文字搜索" in page(client, '/search?q="新乡')


def test_document_page(client):
    html = page(client, "/doc/000_aafb63f222c135ea?q=新乡")
    assert '<h1 class="doc-title"><mark>新鄉</mark>:勇“爭”一流' in html
    body = re.search(r'<div class="doc-body">(.*?)</div>', html, re.S).group(1)
    assert len(re.findall(r'<mark id="at-\d+">新鄉</mark>', body)) >= 10  # each a place to link to
    rows = dict(
        re.findall(r'<tr><th scope="row">(.*?)</th><td>.*?</td><td class="basis">(.*?)</td></tr>', html, re.S)
    )
    assert rows["来源"] == "“来源”行" and rows["日期"] == "正文开头的时间"
    assert "<td>2018-06-13</td>" in html and "seeds/000_aafb63f222c135ea.txt" in html
    assert re.search(
        r'<section class="similar".*?<li><a href="/doc/[^"]+\?q=%E6%96%B0%E4%B9%A1">', html, re.S
    )
    assert 'href="/search?q=%E6%96%B0%E4%B9%A1">← 返回搜索' in html


def test_document_page_links_only_web_urls(client):
    html = page(client, "/doc/gd-1")
    assert (
        '<a href="https://example.com/gd-1" rel="noopener noreferrer nofollow">https://example.com/gd-1</a>'
        in html
    )
    html = page(client, "/doc/xss-1")
    assert "javascript:alert(1)" in html and 'href="javascript' not in html


def test_document_page_in_another_script_keeps_marks(client):
    html = page(client, "/doc/000_aafb63f222c135ea?q=新乡&script=simplified")
    assert '<h1 class="doc-title"><mark>新乡</mark>:勇“争”一流' in html
    assert (
        'aria-current="true" href="/doc/000_aafb63f222c135ea?q=%E6%96%B0%E4%B9%A1&amp;script=simplified">简体'
        in html
    )


@pytest.mark.parametrize(
    "url, status, text",
    [
        # the pages say the API's English errors in Chinese (web/messages.py)
        ("/search?page=abc", 400, "页码须是正整数。"),
        ("/search?per_page=0", 400, "每页篇数须在 1 到 100 之间。"),
        ("/search?date_from=2018-13-01", 400, "起始日期 &#39;2018-13-01&#39; 不是存在的日期。"),
        ("/doc/no-such-document", 404, "没有这篇文档：no-such-document"),
        ("/no/such/page", 404, "这个地址没有内容。"),
    ],
)
def test_error_pages(client, url, status, text):
    html = page(client, url, status)
    assert text in html and "Traceback" not in html
    assert 'name="q"' in html  # the search box is still there


def test_missing_index_page_is_503(tmp_path):
    from web import create_app

    client = create_app({"INDEX_DIR": str(tmp_path / "none"), "TESTING": True}).test_client()
    assert "索引尚未建立" in page(client, "/", 503)


def test_static_assets_are_served(client):
    for name in ("style.css", "app.js", "favicon.svg"):
        assert client.get(f"/static/{name}").status_code == 200


def test_a_page_past_the_end_links_back_to_the_first(client):
    html = page(client, "/search?q=新乡&province=河南省&page=9")
    assert "这一页没有结果了" in html
    assert 'href="/search?q=%E6%96%B0%E4%B9%A1&amp;province=%E6%B2%B3%E5%8D%97%E7%9C%81">回到第一页' in html
