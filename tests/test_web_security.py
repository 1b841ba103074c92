"""What a client or a document can send that must not hurt: markup in text,
paths that climb out of the index, and parameters far out of range."""

from __future__ import annotations

import re

import pytest
from conftest import XSS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from web import CONTENT_SECURITY_POLICY

# Markup from the test articles that must only ever appear escaped.
RAW_MARKUP = [XSS, "<b>日报</b>", "<i>主题</i>", "<img src=x onerror=alert(2)>", 'href="javascript']

PAGES_WITH_THE_ARTICLE = [
    "/",
    "/search?q=新乡",
    "/search?q=alert",
    "/search?q=script&script=traditional",
    "/search?q=测试&province=河南省&city=新乡市",
    "/search?source=测试<b>日报</b>",
    "/search?topic=<i>主题</i>",
    "/doc/xss-1",
    "/doc/xss-1?q=script",
    "/doc/xss-1?q=新乡&script=simplified",
    "/doc/000_aafb63f222c135ea?q=新乡",  # its similar articles may include the article
    "/search?q=<script>alert(1)</script>",  # the query itself, echoed back
    "/search?q=新乡&province=<script>alert(1)</script>",  # a filter, echoed in a chip
    "/doc/<script>alert(1)</script>",  # an id, echoed in the 404 page
]


@pytest.mark.parametrize("url", PAGES_WITH_THE_ARTICLE)
def test_markup_in_documents_and_requests_shows_as_text(client, url):
    html = client.get(url).get_data(as_text=True)
    for markup in RAW_MARKUP:
        assert markup not in html, (url, markup)
    assert "&lt;" in html  # the markup is there, as text


def test_the_article_is_found_and_escaped(client):
    html = client.get("/doc/xss-1").get_data(as_text=True)
    assert "新乡测试&lt;script&gt;alert(1)&lt;/script&gt;标题" in html
    assert "&lt;img src=x onerror=alert(2)&gt;" in html
    assert "测试&lt;b&gt;日报&lt;/b&gt;" in html


@pytest.mark.parametrize(
    "url", ["/", "/search?q=新乡", "/doc/xss-1", "/doc/none", "/search?page=x", "/static/app.js"]
)
def test_every_response_forbids_inline_scripts(client, url):
    response = client.get(url)
    assert response.headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "script-src 'self'" in CONTENT_SECURITY_POLICY and "unsafe-inline" not in CONTENT_SECURITY_POLICY
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"  # no page can be framed (clickjacking)
    assert response.headers["Referrer-Policy"] == "same-origin"  # queries do not leak to other sites


@pytest.mark.parametrize(
    "url", ["/", "/search?q=新乡&year=2018", "/doc/xss-1?q=新乡", "/search?q=无结果词语xyz"]
)
def test_pages_have_no_inline_script_and_nothing_from_elsewhere(client, url):
    html = client.get(url).get_data(as_text=True)
    assert re.findall(r"<script\b[^>]*>", html) == ['<script src="/static/app.js" defer>']
    assert not re.search(r"<[a-z][^>]*\son[a-z]+\s*=", html)  # no inline event handlers
    assert not re.search(r"\sstyle\s*=", html)  # no inline styles either
    for tag, attribute in re.findall(r'<((?:script|link|img)\b[^>]*)\b(?:src|href)="([^"]*)"', html):
        if 'rel="alternate"' in tag:  # the search's own Atom feed: same origin, not an asset
            assert attribute.startswith("/feed.atom"), attribute
        else:
            assert attribute.startswith("/static/"), attribute


@pytest.mark.parametrize(
    "url",
    [
        "/doc/../../etc/passwd",
        "/doc/..%2f..%2f..%2fetc%2fpasswd",
        "/doc/%2e%2e/%2e%2e/setup.cfg",
        "/doc//etc/passwd",
        "/doc/%2Fetc%2Fpasswd",
        "/doc/seeds/000_aafb63f222c135ea.txt",
        "/api/doc/..%2F..%2Fsetup.cfg",
        "/api/doc//etc/passwd",
        "/static/../../setup.cfg",
        "/static/%2e%2e/%2e%2e/setup.cfg",
        "/static/..%2f..%2fsetup.cfg",
        "/static//etc/passwd",
        "/static/%2Fetc%2Fpasswd",
    ],
)
def test_nothing_outside_the_index_can_be_read(client, url):
    response = client.get(url, follow_redirects=True)
    body = response.get_data(as_text=True)
    assert response.status_code in (400, 404), (url, response.status_code)
    assert "root:" not in body and "[metadata]" not in body and "Traceback" not in body


@pytest.mark.parametrize(
    "query, status",
    [
        ("page=1000000", 400),
        ("per_page=1000000", 400),
        ("page=-1", 400),
        ("page=1%00", 400),
        ("page=1000&per_page=100", 200),  # the last allowed page: bounded, empty
        ("q=" + "新" * 10_000, 400),
        ("q=" + "新乡 " * 66, 200),  # 198 characters, dozens of words
        ("q=%00%01%02", 200),
        ("q=%ff%fe%fd", 200),  # not UTF-8
        ("q=%ED%A0%80", 200),  # a lone surrogate's bytes
        ("q=((((((((((", 200),
        ('q="""""""""', 200),
        ("q=OR OR OR NOT NOT", 200),
        ("q=*?[]{}~^:", 200),
        ("q=title:", 200),
        ("q=source:" + "报" * 150, 200),
        ("region=" + "区" * 100, 200),
        ("region=" + "区" * 101, 400),
        ("province=" + "&province=".join(str(n) for n in range(20)), 200),
        ("province=" + "&province=".join(str(n) for n in range(21)), 400),
        ("year=0000", 200),
        ("date_from=0001-01-01&date_to=9999-12-31", 200),
        ("sort=", 200),
        ("script=", 200),
    ],
)
def test_pathological_parameters_give_400_or_a_bounded_answer(client, query, status):
    for prefix in ("/api/search?", "/search?"):
        response = client.get(prefix + query)
        assert response.status_code == status, (prefix + query[:80], response.get_data(as_text=True)[:300])
    assert_json_shape(client.get("/api/search?" + query), status)


def assert_json_shape(response, status: int) -> None:
    """The API's one JSON shape: ``{"ok": true, ...}`` or ``{"ok": false, "error", "status", "code"}``."""
    assert response.status_code == status
    assert response.mimetype == "application/json"
    data = response.get_json()
    if status == 200:
        assert data["ok"] is True and isinstance(data["hits"], list) and data["total"] >= len(data["hits"])
    else:
        assert data == {"ok": False, "error": data["error"], "status": status, "code": data["code"]}
        assert isinstance(data["error"], str) and data["error"].strip()
        assert isinstance(data["code"], str) and data["code"].isidentifier()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["q", "page", "per_page", "sort", "province", "region", "year", "month",
                             "date_from", "date_to", "script", "topic", "x"]),
            st.text(max_size=30),
        ),
        max_size=5,
    )
)  # fmt: skip
def test_any_arguments_give_200_or_400_in_the_json_shape(client, pairs):
    from urllib.parse import urlencode

    for prefix in ("/api/search?", "/search?"):
        response = client.get(prefix + urlencode(pairs))
        assert response.status_code in (200, 400), (pairs, response.get_data(as_text=True)[:300])
        if prefix == "/api/search?":
            assert_json_shape(response, response.status_code)
        else:
            assert response.mimetype == "text/html" and "Traceback" not in response.get_data(as_text=True)
