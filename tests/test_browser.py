"""End to end in headless Chromium: the real app under waitress on localhost,
on an index of the seeds plus the web test articles.

Uses Debian's ``chromium`` and ``chromium-driver`` (``python3 run.py test``
installs them); the Service path is always given, so Selenium Manager never
downloads anything. Skipped when either is absent.
"""

from __future__ import annotations

import pytest
from browser_support import CHROMEDRIVER, CHROMIUM, live_app

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (CHROMIUM.exists() and CHROMEDRIVER.exists()), reason="needs /usr/bin/chromium and chromedriver"
    ),
]


@pytest.fixture(scope="module")
def server(web_index_dir):
    """The app under waitress on a free port of 127.0.0.1."""
    with live_app(web_index_dir, threads=4) as url:
        yield url


def css(driver, selector):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def total(driver) -> int:
    return int(css(driver, "#summary .total")[0].text)


def titles(driver) -> list[str]:
    return [link.text for link in css(driver, ".hit-title a")]


def no_alert(driver) -> bool:
    from selenium.common.exceptions import NoAlertPresentException

    try:
        _ = driver.switch_to.alert  # raises when there is no alert
    except NoAlertPresentException:
        return True
    return False


def navigate(driver, action) -> None:
    """Do ``action`` (a click, a key) and wait until the next page has replaced this one."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.support.ui import WebDriverWait

    page = css(driver, "html")[0]
    action()

    def replaced(_) -> bool:
        # Selenium's staleness_of, but asked mid-navigation chromedriver may answer "Node
        # with given id does not belong to the document" instead of a stale reference:
        # the old page is gone either way.
        try:
            page.is_enabled()
        except WebDriverException:
            return True
        return False

    WebDriverWait(driver, 10).until(replaced)


def click(driver, element) -> None:
    navigate(driver, element.click)


def search_for(driver, server, text):
    from selenium.webdriver.common.keys import Keys

    driver.get(server + "/")
    box = css(driver, "#q")[0]
    box.clear()
    navigate(driver, lambda: box.send_keys(text, Keys.ENTER))


def test_typing_a_query_shows_passages_marked_in_both_scripts(driver, server):
    search_for(driver, server, "新乡")
    assert "/search?q=" in driver.current_url
    assert total(driver) == 5
    marks = {mark.text for mark in css(driver, ".snippet mark")}
    assert {"新乡", "新鄉"} <= marks


def test_clicking_a_province_changes_counts_and_hits_and_the_chip_removes_it(driver, server):
    search_for(driver, server, "新乡")
    before = titles(driver)
    click(driver, css(driver, '.facet-value[data-facet="province"][data-value="广东省"]')[0])
    assert total(driver) == 1 and titles(driver) == ["广州客商走进新乡"] != before
    assert [chip.text for chip in css(driver, ".chip span")] == ["省份：广东省"]
    selected = css(driver, '.facet-value[data-facet="province"][data-value="广东省"]')[0]
    assert "selected" in selected.get_attribute("class")
    click(driver, css(driver, '.facet-value[data-facet="city"][data-value="广州市"]')[0])
    assert total(driver) == 1 and len(css(driver, ".chip")) == 2

    click(driver, css(driver, ".chip-remove")[0])  # the province, and the city inside it
    assert css(driver, ".chip") == [] and total(driver) == 5
    assert sorted(titles(driver)) == sorted(before)


def test_opening_a_document_and_switching_the_script(driver, server):
    search_for(driver, server, "新乡")
    link = next(link for link in css(driver, ".hit-title a") if link.text.startswith("新鄉:勇"))
    click(driver, link)
    assert "/doc/000_aafb63f222c135ea" in driver.current_url
    assert css(driver, ".doc-title")[0].text.startswith("新鄉:勇“爭”一流")
    assert len(css(driver, ".doc-body mark")) >= 10
    assert any(cell.text == "河南日報" for cell in css(driver, ".metadata td"))  # 原文: as the seed writes it
    assert css(driver, ".similar li a")

    click(driver, next(link for link in css(driver, ".switch a") if link.text == "简体"))
    assert "script=simplified" in driver.current_url
    assert css(driver, ".doc-title")[0].text.startswith("新乡:勇“争”一流")
    assert {mark.text for mark in css(driver, ".doc-body mark")} == {"新乡"}
    assert any(cell.text == "河南日报" for cell in css(driver, ".metadata td"))
    assert css(driver, ".converted-note")[0].text == "（已由繁体转换）"

    click(driver, next(link for link in css(driver, ".switch a") if link.text == "原文"))
    assert css(driver, ".doc-title")[0].text.startswith("新鄉:勇“爭”一流")


def test_paging_through_results(driver, server):
    driver.get(server + "/search?per_page=3")
    first = titles(driver)
    assert len(first) == 3 and total(driver) == 10
    click(driver, css(driver, ".pagination .next")[0])
    assert "page=2" in driver.current_url
    second = titles(driver)
    assert len(second) == 3 and not set(first) & set(second)
    click(driver, css(driver, ".pagination a")[-2])  # the last page number
    assert "page=4" in driver.current_url and len(titles(driver)) == 1
    click(driver, css(driver, ".pagination .previous")[0])
    assert "page=3" in driver.current_url


def test_markup_in_an_article_is_shown_as_text_and_never_runs(driver, server):
    search_for(driver, server, "测试")
    assert no_alert(driver)
    assert "<script>alert(1)</script>" in titles(driver)[0]
    driver.get(server + "/doc/xss-1?q=新乡")
    assert no_alert(driver)
    assert "<script>alert(1)</script>" in css(driver, ".doc-title")[0].text
    assert "<img src=x onerror=alert(2)>" in css(driver, ".doc-body")[0].text
    assert css(driver, ".doc-body img") == [] and css(driver, ".doc-body script") == []
    assert driver.execute_script("return document.querySelectorAll('script').length") == 1  # app.js only


def test_keyboard_slash_focuses_the_search_box(driver, server):
    from selenium.webdriver.common.action_chains import ActionChains

    driver.get(server + "/search?q=新乡")
    css(driver, "h2")[0].click()
    ActionChains(driver).send_keys("/").perform()
    assert driver.switch_to.active_element.get_attribute("id") == "q"


def test_timeline_bar_chooses_a_year(driver, server):
    driver.get(server + "/search")
    click(driver, css(driver, '.timeline .bar[data-key="2019"]')[0])
    assert "year=2019" in driver.current_url and total(driver) == 2
    assert len(css(driver, ".timeline .bar")) == 12  # the months of 2019


def test_phone_sized_window_does_not_scroll_sideways(driver, server):
    driver.set_window_size(390, 844)
    try:
        for path in ("/search?q=新乡", "/doc/000_aafb63f222c135ea?q=新乡", "/search?q=新乡&province=河南省"):
            driver.get(server + path)
            assert driver.execute_script(
                "return document.documentElement.scrollWidth <= document.documentElement.clientWidth"
            ), path
    finally:
        driver.set_window_size(1280, 900)
