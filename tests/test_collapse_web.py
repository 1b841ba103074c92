"""Collapsed reprints on the web: the API's ``collapse``/``count``, the result
page's toggle and its "另有 N 篇转载" list (the test client and headless Chromium)."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_support import live_app
from test_stories import ORIGINALS, REPRINT, write_jsonl

from search.indexer import index_paths

# The roads report, its Traditional reprint (another header, a paragraph cut) and a second
# reprint; the water report of the same office and day is a story of its own.
SECOND_REPRINT = dict(REPRINT, id="reprint2", title="新乡农村公路建设", source="大河网", date="2024-03-09")


@pytest.fixture(scope="module")
def story_index(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("collapse-web")
    index_paths(
        [write_jsonl(folder / "a" / "docs.jsonl", [*ORIGINALS, REPRINT, SECOND_REPRINT])],
        folder / "index",
        procs=1,
    )
    return folder / "index"


@pytest.fixture(scope="module")
def client(story_index):
    from web import create_app

    return create_app({"INDEX_DIR": str(story_index), "TESTING": True}).test_client()


def hit_ids(data: dict) -> list[str]:
    return [hit["id"] for hit in data["hits"]]


@pytest.mark.parametrize(
    ("arguments", "total", "ids", "sizes"),
    [
        ("", 4, ["reprint2", "reprint", "roads", "water"], [3, 3, 3, 1]),  # newest first, every document
        ("collapse=none", 4, ["reprint2", "reprint", "roads", "water"], [3, 3, 3, 1]),
        ("collapse=story", 2, ["reprint2", "water"], [3, 1]),
        ("collapse=story&sort=oldest", 2, ["roads", "water"], [3, 1]),
        ("count=stories", 2, ["reprint2", "reprint", "roads", "water"], [3, 3, 3, 1]),
        ("q=公路&collapse=story", 1, ["reprint2"], [3]),  # its title holds 公路 too: it ranks first
    ],
)
def test_api_collapse_and_count(client, arguments, total, ids, sizes):
    data = client.get(f"/api/search?{arguments}").get_json()
    assert (data["total"], hit_ids(data), [hit["story_size"] for hit in data["hits"]]) == (total, ids, sizes)
    assert data["total_documents"] == (3 if "公路" in arguments else 4)


def test_api_collapsed_hit_counts_its_matching_members_and_lists_the_others(client):
    data = client.get("/api/search?q=公路&collapse=story").get_json()
    (hit,) = data["hits"]
    assert (hit["story_matched"], data["pages"]) == (3, 1)
    assert [(m["id"], m["lead"]) for m in hit["reprints"]] == [("roads", True), ("reprint", False)]


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ("collapse=yes", "collapse must be one of none, story"),
        ("count=pages", "count must be one of documents, stories"),
    ],
)
def test_api_bad_collapse_or_count_is_a_400(client, arguments, message):
    response = client.get(f"/api/search?{arguments}")
    assert response.status_code == 400
    body = response.get_json()
    assert body["ok"] is False and message in body["error"]


def test_result_page_collapses_by_default_and_toggles(client):
    page = client.get("/search?q=公路").get_data(as_text=True)
    assert '<strong class="total">1</strong> 篇报道' in page and "另有 2 篇转载" in page
    assert '<a href="/search?q=%E5%85%AC%E8%B7%AF&amp;collapse=none">逐篇</a>' in page
    assert '<a href="/doc/roads?q=%E5%85%AC%E8%B7%AF">新乡县农村公路</a>' in page
    every = client.get("/search?q=公路&collapse=none").get_data(as_text=True)
    assert '<strong class="total">3</strong> 篇' in every and "另有" not in every
    assert 'aria-current="true" href="/search?q=%E5%85%AC%E8%B7%AF&amp;collapse=none">逐篇' in every


# -- headless Chromium ---------------------------------------------------------


@pytest.fixture(scope="module")
def server(story_index):
    with live_app(story_index, threads=2) as url:
        yield url


@pytest.mark.browser
def test_browser_shows_the_collapsed_list_expands_it_and_toggles(driver, server):
    from selenium.webdriver.common.by import By

    driver.get(f"{server}/search?q=公路")
    hits = driver.find_elements(By.CSS_SELECTOR, "li.hit")
    assert len(hits) == 1
    summary = hits[0].find_element(By.CSS_SELECTOR, "details.reprints summary")
    assert summary.text == "另有 2 篇转载（2 篇也符合本次搜索）"
    links = hits[0].find_elements(By.CSS_SELECTOR, "details.reprints li a")
    assert [link.is_displayed() for link in links] == [False, False]  # closed until asked
    summary.click()
    assert [link.text for link in links if link.is_displayed()] == ["新乡县农村公路", "農村新聞"]
    links[1].click()
    assert driver.find_element(By.CSS_SELECTOR, "h1").text == "農村新聞"
    driver.get(f"{server}/search?q=公路")
    driver.find_element(By.LINK_TEXT, "逐篇").click()
    assert len(driver.find_elements(By.CSS_SELECTOR, "li.hit")) == 3
    assert not driver.find_elements(By.CSS_SELECTOR, "details.reprints")


@pytest.mark.parametrize(
    ("arguments", "total", "collection"),
    [("", 4, 4), ("count=stories", 2, 2), ("q=公路&count=stories", 1, 2)],
)
def test_api_trends_count_documents_or_stories(client, arguments, total, collection):
    data = client.get(f"/api/trends?interval=day&{arguments}").get_json()
    assert (data["series"][0]["total"], data["collection_total"]) == (total, collection)
    if "stories" in arguments:  # the roads story counts on its earliest day, the 5th
        assert {b["key"]: b["count"] for b in data["series"][0]["buckets"] if b["count"]}[
            "2024-03-05"
        ] == total


def test_trends_page_offers_both_counts_and_a_bad_count_is_a_400(client):
    page = client.get("/trends?count=stories").get_data(as_text=True)
    assert '<option value="stories" selected>每篇报道（转载只算一次）</option>' in page
    assert client.get("/api/trends?count=story").status_code == 400


@pytest.mark.parametrize(("count", "expected"), [("documents", 4), ("stories", 2)])
def test_cli_trends_count(story_index, capsys, count, expected):
    import json

    from search.cli import main

    assert main(["trends", "--index-dir", str(story_index), "--count", count, "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["series"][0]["total"] == expected
