"""web.display: the one place that makes HTML of result data (escaped, ranges in <mark>)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from search import results
from search.highlight import passages
from web.display import document_for_display, hit_for_display, marked_html, passage_html

TRADITIONAL = "新鄉市發布通知。會議在新鄉召開！鄭州也派人參加；大家都很高興？最後散會"


@pytest.mark.parametrize(
    "text, ranges, script, html",
    [
        ("<script>alert(1)</script>", [], "original", "&lt;script&gt;alert(1)&lt;/script&gt;"),
        ("a<b>新乡</b>", [(4, 6)], "original", "a&lt;b&gt;<mark>新乡</mark>&lt;/b&gt;"),
        ("\"&'", [(1, 2)], "original", "&quot;<mark>&amp;</mark>&#x27;"),
        ("新鄉和新乡<", [(0, 2), (3, 5)], "original", "<mark>新鄉</mark>和<mark>新乡</mark>&lt;"),
        # each piece converted on its own: the marks stay on the matched words
        ("新鄉市發布通知。", [(0, 2)], "simplified", "<mark>新乡</mark>市发布通知。"),
        ("新乡市发布通知<", [(0, 2)], "traditional", "<mark>新鄉</mark>市發佈通知&lt;"),
        ("", [], "simplified", ""),
    ],
)
def test_marked_html_escapes_everything_but_the_marks(text, ranges, script, html):
    assert marked_html(text, ranges, script) == html


@pytest.mark.parametrize(
    "cut_before, cut_after, html",
    [
        (False, False, "<mark>新鄉</mark>市"),
        (True, False, "…<mark>新鄉</mark>市"),
        (True, True, "…<mark>新鄉</mark>市…"),
    ],
)
def test_cut_passages_carry_ellipses(cut_before, cut_after, html):
    passage = {"text": "新鄉市", "ranges": [[0, 2]], "cut_before": cut_before, "cut_after": cut_after}
    assert passage_html(passage) == html


def test_passages_of_a_hit_become_snippets_in_the_display_script():
    stored = {"id": "x", "title": "新鄉新聞", "body": TRADITIONAL}
    hit = results.hit(stored, ["新乡"])
    assert hit["passages"][0] == {
        "text": "新鄉市發布通知。",
        "ranges": [[0, 2]],
        "cut_before": False,
        "cut_after": False,
    }
    shown = hit_for_display(hit, "simplified")
    assert shown["snippets"][:2] == ["<mark>新乡</mark>市发布通知。", "会议在<mark>新乡</mark>召开！"]
    assert shown["title_html"] == "<mark>新乡</mark>新闻" and shown["title"] == "新乡新闻"
    assert shown["passages"] == hit["passages"]  # the data stays in the document's own script


def test_document_body_is_marked_and_converted():
    document = results.document({"id": "x", "title": "<新鄉>", "body": TRADITIONAL}, ["新乡"])
    shown = document_for_display(document, "original")
    assert shown["title_html"] == "&lt;<mark>新鄉</mark>&gt;"
    # Each mark of the body is a place a concordance line links to (#at-START).
    assert re.findall(r'<mark id="at-(\d+)">新鄉</mark>', shown["body_html"]) == [
        str(start) for start, _ in document["body_ranges"]
    ]
    assert len(document["body_ranges"]) == 2


@given(st.text(max_size=200), st.lists(st.text(min_size=1, max_size=3), max_size=3))
def test_rendered_passages_hold_no_markup_but_marks(text, terms):
    for passage in passages(text, terms):
        html = passage_html(results.passage_data(passage))
        assert "<" not in re.sub(r"</?mark>", "", html)
