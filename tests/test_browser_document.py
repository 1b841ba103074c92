"""The document page and the search box in headless Chromium: the back link
keeps the search, ``n``/``p`` step through the matches, the citation is copied,
suggestions appear as one types, and Chinese text is drawn in a CJK font.

Same set-up as ``tests/test_browser.py`` (Debian's chromium and
chromium-driver, the app under waitress on 127.0.0.1); skipped without them.
Screenshots go to ``$XUNWEN_SCREENSHOTS`` when it is set.
"""

from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import parse_qsl, quote, urlsplit

import pytest
from browser_support import CHROMEDRIVER, CHROMIUM, live_app

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not (CHROMIUM.exists() and CHROMEDRIVER.exists()), reason="needs /usr/bin/chromium and chromedriver"
    ),
]
DOCUMENT = "000_aafb63f222c135ea"  # a seed that says 新鄉 more than ten times


@pytest.fixture(scope="module")
def server(web_index_dir):
    with live_app(web_index_dir, threads=4) as url:
        yield url


def css(driver, selector):
    from selenium.webdriver.common.by import By

    return driver.find_elements(By.CSS_SELECTOR, selector)


def wait_for(driver, condition, timeout: float = 5.0):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(lambda _: condition())


def press(driver, key: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).send_keys(key).perform()


def screenshot(driver, name: str) -> None:
    folder = os.environ.get("XUNWEN_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(str(Path(folder) / f"{name}.png"))


def test_back_link_keeps_the_search(driver, server):
    search = "/search?q=新乡&province=河南省&sort=newest&per_page=2&page=2&script=traditional"
    driver.get(server + search)
    chips = [chip.text for chip in css(driver, ".chip span")]
    css(driver, ".hit-title a")[0].click()
    wait_for(driver, lambda: "/doc/" in driver.current_url)
    css(driver, ".back a")[0].click()
    wait_for(driver, lambda: "/search" in driver.current_url)
    back = urlsplit(driver.current_url)
    assert sorted(parse_qsl(back.query)) == sorted(parse_qsl(urlsplit(search).query))
    assert [chip.text for chip in css(driver, ".chip span")] == chips
    assert css(driver, ".pagination .current")[0].text == "2"


def test_n_and_p_step_through_the_matches(driver, server):
    driver.get(f"{server}/doc/{DOCUMENT}?q={quote('新乡')}")
    total = int(css(driver, ".match-count")[0].get_attribute("data-total"))
    assert total > 10
    assert css(driver, ".match-count")[0].text == f"共 {total} 处匹配"

    def current() -> tuple[str, int]:
        marks = driver.execute_script(
            "var marks = Array.from(document.querySelectorAll('.doc-body mark'));"
            "return [document.querySelector('.match-count').textContent,"
            " marks.indexOf(document.querySelector('.doc-body mark.current'))];"
        )
        return marks[0], marks[1]

    press(driver, "n")
    assert current() == (f"第 1 / {total} 处", 0)
    press(driver, "n")
    press(driver, "n")
    assert current() == (f"第 3 / {total} 处", 2)
    press(driver, "p")
    assert current() == (f"第 2 / {total} 处", 1)
    css(driver, ".match-previous")[0].click()
    css(driver, ".match-previous")[0].click()
    assert current() == (f"第 {total} / {total} 处", total - 1)  # before the first comes the last
    css(driver, ".match-next")[0].click()
    assert current() == (f"第 1 / {total} 处", 0)
    # the current match is scrolled into view
    assert driver.execute_script(
        "var box = document.querySelector('.doc-body mark.current').getBoundingClientRect();"
        "return box.top >= 0 && box.bottom <= window.innerHeight;"
    )
    screenshot(driver, "document-page")


def test_n_in_the_search_box_is_typed_not_a_jump(driver, server):
    driver.get(f"{server}/doc/{DOCUMENT}?q={quote('新乡')}")
    box = css(driver, "#q")[0]
    box.click()
    box.send_keys("n")
    assert css(driver, ".doc-body mark.current") == []


def test_copy_citation(driver, server):
    driver.get(f"{server}/doc/gd-1?q={quote('新乡')}")
    driver.execute_cdp_cmd(
        "Browser.grantPermissions",
        {"origin": server, "permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]},
    )
    expected = css(driver, ".citation-text")[0].get_attribute("value")
    assert expected.startswith(
        "南方日报：《广州客商走进新乡》，2020-05-01，https://example.com/gd-1（检索于 "
    )
    css(driver, ".copy-citation")[0].click()
    wait_for(driver, lambda: css(driver, ".copy-status")[0].text != "")
    copied = driver.execute_async_script(
        "var done = arguments[0]; navigator.clipboard.readText().then(done, function () { done(null); });"
    )
    assert copied == expected


def test_copy_citation_without_the_clipboard_api(driver, server):
    driver.get(f"{server}/doc/gd-1")
    driver.execute_script("Object.defineProperty(navigator, 'clipboard', {value: undefined});")
    css(driver, ".copy-citation")[0].click()
    wait_for(driver, lambda: css(driver, ".copy-status")[0].text != "")
    assert css(driver, ".citation")[0].get_attribute("open") is not None  # the text is shown, selected
    selected = driver.execute_script(
        "var text = document.querySelector('.citation-text');"
        "return text.value.substring(text.selectionStart, text.selectionEnd);"
    )
    assert selected == css(driver, ".citation-text")[0].get_attribute("value")


def test_suggestions_appear_as_one_types(driver, server):
    driver.get(server + "/")
    driver.execute_script("window.samePage = true;")
    box = css(driver, "#q")[0]
    box.click()
    box.send_keys("新")
    wait_for(driver, lambda: css(driver, "#suggestions li"))
    items = [item.text.split("\n")[0] for item in css(driver, "#suggestions .suggestion-text")]
    assert items and all(item.startswith("新") for item in items)
    counts = [int(item.text.split()[0]) for item in css(driver, "#suggestions .suggestion-count")]
    assert counts == sorted(counts, reverse=True)
    assert any(item.get_attribute("class").endswith("place") for item in css(driver, "#suggestions li"))
    screenshot(driver, "suggestions")
    # keyboard: down, down, Enter takes the second suggestion into the box, without a page load
    press(driver, "\ue015")  # ArrowDown
    press(driver, "\ue015")
    assert box.get_attribute("aria-activedescendant") == "suggestion-1"
    press(driver, "\ue007")  # Enter
    assert box.get_attribute("value") == items[1]
    assert css(driver, "#suggestions")[0].get_attribute("hidden") is not None
    assert driver.execute_script("return window.samePage === true;")


def test_suggestions_complete_the_last_word_in_either_script(driver, server):
    driver.get(server + "/")
    box = css(driver, "#q")[0]
    box.click()
    box.send_keys("营商 新鄉")
    wait_for(driver, lambda: css(driver, "#suggestions li"))
    first = css(driver, "#suggestions .suggestion-text")[0].text
    assert first.startswith("新乡")
    press(driver, "\ue015")
    press(driver, "\ue007")
    assert box.get_attribute("value") == "营商 " + first
    press(driver, "\ue00c")  # Escape


def test_chinese_renders_in_a_cjk_font(driver, server):
    driver.get(server + "/")
    assert driver.execute_script("return document.fonts.check('16px \"Noto Sans CJK SC\"');")
    widths = driver.execute_script(
        "var canvas = document.createElement('canvas').getContext('2d');"
        "function width(font, text) { canvas.font = font; return canvas.measureText(text).width; }"
        "var page = getComputedStyle(document.documentElement).fontFamily;"
        "return [width('32px ' + page, '寻闻'), width('32px \"Noto Sans CJK SC\"', '寻闻'),"
        " width('32px ' + page, '\\u{10FFFF}\\u{10FFFE}')];"
    )
    page_width, noto_width, box_width = widths
    assert page_width == noto_width  # the page's font stack draws 寻闻 with Noto Sans CJK
    assert page_width != box_width  # ... and not as the boxes of a missing glyph
