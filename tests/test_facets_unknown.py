"""Every facet's unknown bucket (``none``): counted, listed last, chosen as a filter.

The ground truth is a scan of the stored documents: which of them hold the
query (in Simplified) and which carry no value of a facet.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from browser_support import CHROMEDRIVER, CHROMIUM, live_app

from search.normalize import to_simplified

# Articles with and without each kind of metadata (no date, no place, no outlet, no topic).
ARTICLES = [
    {"id": "u1", "title": "新乡市举行防汛演练", "date": "2019-03-05", "source": "河南日报", "province": "河南省",
     "city": "新乡市", "topic": "应急管理", "content": "新乡市举行防汛演练。各部门参加了演练。"},
    {"id": "u2", "title": "防汛工作会议召开", "source": "大河报", "province": "河南省",
     "content": "防汛工作会议召开，会议部署了防汛工作。"},
    {"id": "u3", "title": "防汛物资准备就绪", "date": "2020-05-01",
     "content": "防汛物资已经准备就绪，随时可以调用。"},
    {"id": "u4", "title": "周末天气晴朗", "content": "周末天气晴朗，适合出游。"},
    {"id": "u5", "title": "颱風來襲 台北嚴陣以待", "date": "2018-08-12", "source": "中央社", "province": "台湾省",
     "city": "台北市", "content": "（中央社記者台北12日電）颱風來襲，台北市政府今天宣布防汛準備完成。"},
    {"id": "u6", "title": "防汛检查", "date": "2021-11", "source": "大河报",
     "content": "防汛检查发现了问题，已经整改。"},
    {"id": "u7", "title": "颱風過後清理街道", "date": "2018-08-14", "source": "中央社",
     "content": "颱風過後，居民清理街道。"},
]  # fmt: skip
SINGLE = ("province", "city", "county", "year", "source")


@pytest.fixture(scope="module")
def index_dir(tmp_path_factory) -> Path:
    from search.indexer import index_paths

    folder = tmp_path_factory.mktemp("unknown")
    path = folder / "articles.jsonl"
    path.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in ARTICLES), encoding="utf-8")
    summary = index_paths([path], folder / "index", procs=1)
    assert summary.indexed == len(ARTICLES)
    return folder / "index"


@pytest.fixture(scope="module")
def index(index_dir):
    from search import open_index

    return open_index(index_dir)


@pytest.fixture(scope="module")
def client(index_dir):
    from web import create_app

    return create_app({"INDEX_DIR": str(index_dir), "TESTING": True}).test_client()


def stored(index) -> list[dict]:
    """Every document as stored, with ``year`` and its text (the scan's input)."""
    documents = []
    for hit in index.search("", per_page=100)["hits"]:
        document = index.document(hit["id"])
        document["year"] = (document["published"] or "")[:4] or None
        document["topic"] = document["topics"]
        documents.append(document)
    assert len(documents) == len(ARTICLES)
    return documents


def holding(documents: list[dict], query: str) -> list[dict]:
    """The documents whose title or text holds ``query`` (compared in Simplified)."""
    return [d for d in documents if to_simplified(query) in to_simplified(d["title"] + d["body"])]


def test_the_articles_leave_every_facet_unknown_somewhere(index):
    documents = stored(index)
    for name in (*SINGLE, "topic"):
        assert any(not d[name] for d in documents), name
        assert any(d[name] for d in documents) or name == "county", name


@pytest.mark.parametrize("query", ["", "防汛", "颱風", "台北"])
def test_unknown_counts_equal_a_scan_and_single_valued_facets_sum_to_the_total(index, query):
    result = index.search(query, per_page=100)
    matched = holding(stored(index), query)
    assert result["total"] == len(matched)
    for name in (*SINGLE, "topic"):
        counts = {item["value"]: item["count"] for item in result["facets"][name]}
        assert counts.get("none", 0) == sum(1 for d in matched if not d[name]), name
        if name in SINGLE:
            assert sum(counts.values()) == result["total"], name
        assert [item["value"] for item in result["facets"][name]][-1:] in (
            [],
            ["none"],
        ) or "none" not in counts


@pytest.mark.parametrize(
    "filters",
    [
        {"year": ["none"]},
        {"province": ["none"]},
        {"city": ["none"]},
        {"county": ["none"]},
        {"source": ["none"]},
        {"topic": ["none"]},
        {"year": ["none", "2019"]},  # OR within a facet
        {"source": ["none", "中央社"]},
        {"year": ["none"], "province": ["河南省"]},  # AND across facets
        {"year": ["2018"], "province": ["none"]},
    ],
)
def test_none_filters_select_what_a_scan_does(index, filters):
    def keeps(document: dict) -> bool:
        for name, values in filters.items():
            value = document[name]
            held = set(value) if isinstance(value, list) else {value} if value else set()
            if not (held & set(values) or ("none" in values and not held)):
                return False
        return True

    expected = {d["id"] for d in stored(index) if keeps(d)}
    result = index.search("", filters, per_page=100)
    assert {hit["id"] for hit in result["hits"]} == expected
    assert result["total"] == len(expected)
    for name, values in filters.items():  # a chosen value is listed and marked, even with no match
        chosen = [item for item in result["facets"][name] if item["selected"]]
        assert sorted(item["value"] for item in chosen) == sorted(values)


def test_none_is_listed_last_and_years_newest_first(index):
    facets = index.search("", per_page=1)["facets"]
    assert [item["value"] for item in facets["year"]] == ["2021", "2020", "2019", "2018", "none"]
    assert [item["count"] for item in facets["year"]] == [1, 1, 1, 2, 2]
    sources = [item["value"] for item in facets["source"]]
    assert sources[-1] == "none" and sources[:2] == ["中央社", "大河报"]  # most frequent first, ties by value


def test_month_facet_counts_the_chosen_years_articles_without_a_month(index):
    facets = index.search("", {"year": ["2021"]}, per_page=1)["facets"]
    assert [(item["value"], item["count"]) for item in facets["month"]] == [("2021-11", 1)]
    assert "month" not in index.search("", {"year": ["none"]}, per_page=1)["facets"]


@pytest.mark.parametrize(
    "url, error",
    [
        ("/api/search?region=none", "region=none is not a filter: use province=none"),
        ("/api/search?year=none&year=19", "year must be four digits or none"),
        ("/api/search?month=nope", "month must be YYYY-MM or none"),
    ],
)
def test_bad_none_filters_are_400s(client, url, error):
    response = client.get(url)
    assert response.status_code == 400
    assert response.get_json() == {"ok": False, "error": error, "status": 400, "code": "bad_parameter"}


def test_api_lists_none_with_its_label(client):
    result = client.get("/api/search?q=防汛&year=none").get_json()
    assert result["total"] == 1
    assert result["facets"]["year"][-1] == {"value": "none", "label": "未知", "count": 1, "selected": True}


def test_page_shows_unknown_as_a_filter_and_a_chip(client):
    html = client.get("/search?q=防汛").get_data(as_text=True)
    year = html[html.index('data-facet="year" aria-labelledby') :]
    year = year[: year.index("</section>")]
    assert 'data-value="none"' in year and '<span class="facet-label">未知</span>' in year
    assert 'href="/search?q=%E9%98%B2%E6%B1%9B&amp;year=none"' in year
    chosen = client.get("/search?q=防汛&year=none").get_data(as_text=True)
    assert "<span>年份：未知</span>" in chosen and '<strong class="total">1</strong>' in chosen


# --- in headless Chromium -------------------------------------------------

needs_browser = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()), reason="needs /usr/bin/chromium and chromedriver"
)


@pytest.fixture(scope="module")
def server(index_dir):
    with live_app(index_dir, threads=2) as url:
        yield url


@pytest.mark.browser
@needs_browser
@pytest.mark.parametrize("facet", ["year", "source", "province"])
def test_choosing_unknown_in_the_browser_filters_to_the_documents_without_a_value(
    server, driver, index, facet
):
    from selenium.webdriver.common.by import By

    expected = {d["id"] for d in holding(stored(index), "防汛") if not d[facet]}
    driver.get(server + "/search?q=防汛")
    link = driver.find_element(By.CSS_SELECTOR, f'.facet[data-facet="{facet}"] a[data-value="none"]')
    assert link.text.split() == ["未知", str(len(expected))]
    link.click()
    assert int(driver.find_element(By.CSS_SELECTOR, "#summary .total").text) == len(expected)
    chip = driver.find_element(By.CSS_SELECTOR, ".chips .chip span").text
    assert chip.endswith("：未知")
    chosen = driver.find_element(By.CSS_SELECTOR, f'.facet[data-facet="{facet}"] a[data-value="none"]')
    assert "selected" in chosen.get_attribute("class")
