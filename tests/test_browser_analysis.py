"""The trends page and the keywords panel in headless Chromium (the real app under waitress)."""

from __future__ import annotations

import urllib.request

import pytest
from test_browser import CHROMEDRIVER, CHROMIUM, css, server, total  # noqa: F401  (server: a fixture)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not (CHROMIUM.exists() and CHROMEDRIVER.exists()), reason="needs chromium"),
]


def test_trends_chart_has_axis_labels_and_a_point_opens_the_filtered_search(driver, server, tmp_path):  # noqa: F811
    driver.get(f"{server}/trends?q=新乡&q=北京&interval=year")
    assert len(css(driver, "svg polyline.series")) == 2
    x_labels = [label.text for label in css(driver, "svg .x-tick")]
    assert x_labels and all(label.isdigit() for label in x_labels)
    assert [label.text for label in css(driver, "svg .y-tick")][0] == "0"
    svg = css(driver, ".trend-chart svg")[0].rect
    for label in css(driver, "svg .tick"):  # no tick label is clipped by the picture's edge
        box = label.rect
        assert box["x"] >= svg["x"] - 0.5 and box["x"] + box["width"] <= svg["x"] + svg["width"] + 0.5
    driver.save_screenshot(str(tmp_path / "trends.png"))
    point = next(p for p in css(driver, "a.point.series-0") if p.get_attribute("data-key") == "2019")
    expected = int(point.get_attribute("aria-label").rsplit(":", 1)[1])
    point.send_keys("\n")  # reachable by keyboard: Enter on the focused point follows it
    assert "/search" in driver.current_url and "year=2019" in driver.current_url
    assert total(driver) == expected


def test_trends_csv_link_downloads_the_numbers(driver, server):  # noqa: F811
    driver.get(f"{server}/trends?q=新乡&interval=year")
    href = css(driver, "a.download")[0].get_attribute("href")
    with urllib.request.urlopen(href, timeout=10) as response:
        body = response.read().decode("utf-8")
        assert response.headers["Content-Type"].startswith("text/csv")
    assert body.startswith("\ufeffbucket,collection,")


def test_search_page_links_the_trend_and_loads_keywords_on_demand(driver, server):  # noqa: F811
    driver.get(f"{server}/search?q=新乡")
    links = {link.text: link.get_attribute("href") for link in css(driver, ".analysis-links a")}
    assert {"趋势图", "语境", "导出 CSV", "导出 JSONL", "订阅（Atom）"} <= set(links)
    css(driver, ".keywords-panel summary")[0].click()
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 10).until(
        lambda d: css(d, ".keywords-list li") or "没有" in css(d, ".keywords-status")[0].text
    )
    assert "出错" not in css(driver, ".keywords-status")[0].text
