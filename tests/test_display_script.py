"""The display script: text already in the reader's script is shown as written,
other text is converted to the reader's standard and says so; labels follow
the reader's script while filter values stay as the index holds them."""

from __future__ import annotations

import gzip
import itertools
import json
import re
from html import unescape
from pathlib import Path

import pytest
from browser_support import CHROMEDRIVER, CHROMIUM, live_app

from search.normalize import to_simplified
from search.script import text_script, to_reader, to_traditional_name
from web.display import label

CNA_BODY = (
    "（中央社記者葉素萍台北12日電）壯闊台灣聯盟創辦人吳怡農日前赴民進黨中央遞交意願表，爭取參選台北市長。"
    "台灣海峽情勢備受關注，線上平台也有討論。"
)
ARTICLES = [
    {"id": "cna-1", "title": "爭取參選台北市長 吳怡農盼黨內有志者儘早表態", "date": "2025-11-12",
     "source": "中央社", "province": "台湾省", "city": "台北市", "content": CNA_BODY},
    {"id": "setn-1", "title": "台北市長選戰 各黨布局", "date": "2025-11-13", "source": "三立新聞網",
     "province": "台湾省", "city": "台北市", "content": "台北市長選戰開打，各黨積極布局。選民關心台北的發展。"},
    {"id": "cn-1", "title": "新乡市发布通知 为企业搭建服务平台", "date": "2019-03-05", "source": "河南日报",
     "province": "河南省", "city": "新乡市", "topic": "经济发展",
     "content": "新乡市发布通知，为企业搭建服务平台。台北来的客商也参加了发布会。"},
]  # fmt: skip


@pytest.mark.parametrize(
    "text, script",
    [
        (CNA_BODY, "traditional"),
        ("爭取參選台北市長", "traditional"),
        ("新乡市发布通知，为企业搭建服务平台。", "simplified"),
        ("台北市", "simplified"),  # no Traditional-only character: either script writes it so
        ("COVID-19 2025", "simplified"),
        ("", "simplified"),
    ],
)
def test_text_script(text, script):
    assert text_script(text) == script


@pytest.mark.parametrize(
    "text, script, expected",
    [
        # already in the reader's script: as written
        ("台北市政府宣布，台灣海峽", "traditional", "台北市政府宣布，台灣海峽"),
        ("台北市政府宣布，台灣海峽", "traditional-hk", "台北市政府宣布，台灣海峽"),
        ("新乡市发布通知", "simplified", "新乡市发布通知"),
        # Simplified for a Taiwan reader: 為 (not 爲), 台北 and 平台 as Taiwan's press writes them;
        # character tables only, so 发布 stays 發佈 (s2twp would make it 釋出)
        ("为企业搭建平台，台北发布", "traditional", "為企業搭建平台，台北發佈"),
        ("台风过后台灯亮了", "traditional", "颱風過後檯燈亮了"),
        ("为企业搭建平台，台北发布", "traditional-hk", "為企業搭建平台，台北發佈"),
        ("臺灣選舉結果公佈", "simplified", "台湾选举结果公布"),
    ],
)
def test_to_reader(text, script, expected):
    assert to_reader(text, script) == expected


@pytest.mark.parametrize(
    "name, script, official, expected",
    [
        ("三立新闻网", "traditional", False, "三立新聞網"),
        ("台视", "traditional", False, "台視"),
        ("台北市", "traditional", True, "臺北市"),
        ("台北市", "traditional-hk", True, "台北市"),
    ],
)
def test_to_traditional_name(name, script, official, expected):
    assert to_traditional_name(name, script, official) == expected


SOURCES = frozenset({"三立新闻网", "中央社"})


@pytest.mark.parametrize(
    "name, value, script, expected",
    [
        ("source", "三立新闻网", "original", "三立新聞網"),  # a Taiwan outlet as it writes itself
        ("source", "河南日报", "original", "河南日报"),
        ("source", "三立新闻网", "simplified", "三立新闻网"),
        ("source", "河南日报", "traditional", "河南日報"),
        ("province", "台湾省", "original", "臺灣"),  # by its own name
        ("province", "台湾省", "simplified", "台湾"),
        ("province", "台湾省", "traditional-hk", "台灣"),
        ("city", "台北市", "original", "臺北市"),  # official form
        ("city", "新乡市", "original", "新乡市"),
        ("city", "新乡市", "traditional", "新鄉市"),
        ("province", "香港特别行政区", "original", "香港特別行政區"),
        ("topic", "经济发展", "original", "经济发展"),  # our vocabulary: the UI's script
        ("topic", "经济发展", "traditional", "經濟發展"),
        ("year", "none", "traditional", "未知"),
        ("year", "2018", "traditional", "2018年"),
    ],
)
def test_labels_follow_the_reader(name, value, script, expected):
    assert label(name, value, script, SOURCES) == expected


@pytest.mark.corpus
@pytest.mark.parametrize(
    "name, script",
    [
        ("tw_news", "traditional"),
        ("chinatimes", "traditional"),
        ("cec", "simplified"),
        ("fudan", "simplified"),
    ],
)
def test_every_corpus_article_is_judged_in_its_script(corpus, name, script):
    wrong, total = [], 0
    with gzip.open(corpus / f"{name}.jsonl.gz", "rt", encoding="utf-8") as lines:
        for line in itertools.islice(lines, 2000):
            record = json.loads(line)
            text = (record.get("title") or "") + (record.get("content") or "")
            total += 1
            if text_script(text) != script:
                wrong.append(record.get("title"))
    assert total > 100 and wrong == []


# --- the web --------------------------------------------------------------


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    from search.indexer import index_paths

    folder = tmp_path_factory.mktemp("scripts")
    path = folder / "articles.jsonl"
    path.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in ARTICLES), encoding="utf-8")
    assert index_paths([path], folder / "index", procs=1).indexed == len(ARTICLES)
    return folder / "index"


@pytest.fixture(scope="module")
def client(index_dir):
    from web import create_app

    return create_app({"INDEX_DIR": str(index_dir), "TESTING": True}).test_client()


def text_of(html: str) -> str:
    return unescape(re.sub(r"<[^>]+>", "", html))


@pytest.mark.parametrize(
    "doc_id, script, converted_from",
    [
        ("cna-1", "traditional", None),
        ("cna-1", "traditional-hk", None),
        ("cna-1", "original", None),
        ("cna-1", "simplified", "traditional"),
        ("cn-1", "traditional", "simplified"),
        ("cn-1", "traditional-hk", "simplified"),
        ("cn-1", "simplified", None),
    ],
)
def test_document_text_is_as_written_or_converted_and_says_so(client, doc_id, script, converted_from):
    original = client.get(f"/api/doc/{doc_id}").get_json()["document"]
    document = client.get(f"/api/doc/{doc_id}?script={script}").get_json()["document"]
    assert document["converted_from"] == converted_from
    expected = original["body"] if converted_from is None else to_reader(original["body"], script)
    assert document["body"] == expected
    assert text_of(document["body_html"]) == expected
    page = client.get(f"/doc/{doc_id}?script={script}").get_data(as_text=True)
    note = {"simplified": "（已由简体转换）", "traditional": "（已由繁体转换）", None: None}[converted_from]
    assert ('class="converted-note"' in page) == (note is not None)
    if note:
        assert f'<p class="converted-note">{note}</p>' in page


def test_traditional_view_of_a_cna_article_keeps_its_own_text(client):
    document = client.get("/api/doc/cna-1?script=traditional").get_json()["document"]
    assert document["body"] == CNA_BODY and "臺" not in document["body"] + document["title"]
    simplified = client.get("/api/doc/cn-1?script=traditional").get_json()["document"]
    assert "爲" not in simplified["body"] and "平臺" not in simplified["body"]
    assert "為企業搭建服務平台" in simplified["body"] and "台北" in simplified["body"]


def test_hits_say_which_were_converted(client):
    result = client.get("/api/search?q=台北&script=traditional").get_json()
    by_id = {hit["id"]: hit for hit in result["hits"]}
    assert {name: hit["converted_from"] for name, hit in by_id.items()} == {
        "cna-1": None,
        "setn-1": None,
        "cn-1": "simplified",
    }
    assert by_id["cna-1"]["title"] == ARTICLES[0]["title"]
    assert all("臺" not in text_of(snippet) for hit in by_id.values() for snippet in hit["snippets"])
    page = client.get("/search?q=台北&script=traditional").get_data(as_text=True)
    assert page.count('<small class="converted-note">（已由简体转换）</small>') == 1


def facet_items(page: str, facet: str) -> list[tuple[str, str, str]]:
    """(data-value, label, href) of each value of a facet on a result page."""
    section = page[page.index(f'data-facet="{facet}" aria-labelledby') :]
    section = section[: section.index("</section>")]
    return [
        (value, unescape(text), unescape(href))
        for href, value, text in re.findall(
            r'href="([^"]*)"\s+data-facet="[^"]*" data-value="([^"]*)".*?class="facet-label">([^<]*)<',
            section,
            re.S,
        )
    ]


@pytest.mark.parametrize(
    "script, source, province, topic",
    [
        ("original", "三立新聞網", "臺灣", "经济发展"),
        ("traditional", "三立新聞網", "臺灣", "經濟發展"),
        ("simplified", "三立新闻网", "台湾", "经济发展"),
    ],
)
def test_facet_labels_follow_the_reader_and_filter_values_stay(client, script, source, province, topic):
    page = client.get(f"/search?script={script}").get_data(as_text=True)
    sources = {value: text for value, text, _ in facet_items(page, "source")}
    assert sources["三立新闻网"] == source
    provinces = {value: (text, href) for value, text, href in facet_items(page, "province")}
    text, href = provinces["台湾省"]
    assert text == province and "province=台湾省" in href.replace("%E5%8F%B0%E6%B9%BE%E7%9C%81", "台湾省")
    assert {value: text for value, text, _ in facet_items(page, "topic")}.get("经济发展") == topic
    chosen = client.get(f"/search?script={script}&province=台湾省").get_data(as_text=True)
    assert f"<span>省份：{province}</span>" in chosen
    assert '<strong class="total">2</strong>' in chosen
    # a hit's facts line too
    hits = client.get(f"/search?q=選戰&script={script}").get_data(as_text=True)
    assert f'<span class="source">{source}</span>' in hits


def test_filter_values_of_either_script_find_the_same(client):
    totals = {
        value: client.get(f"/api/search?source={value}").get_json()["total"]
        for value in ("三立新聞網", "三立新闻网")
    }
    assert totals == {"三立新聞網": 1, "三立新闻网": 1}
    assert to_simplified("三立新聞網") == "三立新闻网"


# --- in headless Chromium -------------------------------------------------


@pytest.fixture(scope="module")
def server(index_dir):
    with live_app(index_dir, threads=2) as url:
        yield url


@pytest.mark.browser
@pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()), reason="needs /usr/bin/chromium and chromedriver"
)
def test_the_traditional_view_of_a_taiwan_article_keeps_taibei_in_the_browser(server, driver):
    from selenium.webdriver.common.by import By

    driver.get(server + "/doc/cna-1")
    driver.find_element(By.LINK_TEXT, "繁體").click()
    assert "script=traditional" in driver.current_url
    body = driver.find_element(By.CSS_SELECTOR, ".doc-body").text
    assert "台北12日電" in body and "台灣海峽" in body and "臺" not in body
    assert driver.find_elements(By.CSS_SELECTOR, ".converted-note") == []
    assert "中央社" in driver.find_element(By.CSS_SELECTOR, ".facts .source").text
    assert driver.find_element(By.CSS_SELECTOR, ".facts .region").text == "臺灣 / 臺北市"
    driver.get(server + "/doc/cn-1")
    driver.find_element(By.LINK_TEXT, "繁體").click()
    body = driver.find_element(By.CSS_SELECTOR, ".doc-body").text
    assert "為企業搭建服務平台" in body and "爲" not in body
    assert driver.find_element(By.CSS_SELECTOR, ".converted-note").text == "（已由简体转换）"


@pytest.mark.parametrize(
    "doc_id, script, traditional",
    [
        ("cna-1", "original", True),
        ("cna-1", "simplified", False),
        ("cn-1", "original", False),
        ("cn-1", "traditional", True),
    ],
)
def test_tags_follow_the_document_in_original_and_the_reader_otherwise(client, doc_id, script, traditional):
    document = client.get(f"/api/doc/{doc_id}?script={script}").get_json()["document"]
    assert document["tags"], "the tags are extracted from the text"
    expected = [to_traditional_name(tag) for tag in document["tags"]] if traditional else document["tags"]
    assert document["labels"]["tags"] == expected
    page = client.get(f"/doc/{doc_id}?script={script}").get_data(as_text=True)
    assert "、".join(expected) in page
