"""Trend buckets, KWIC lines, keyness and the chart geometry: pure functions, exact values."""

from __future__ import annotations

import numpy as np
import pytest

from search import keywords, kwic, trends
from web import chart

DATES = np.array([20200305, 20200331, 20200400, 20200000, 0, 20200512, 20191231], dtype=np.int64)


@pytest.mark.parametrize(
    ("first", "last", "interval", "expected"),
    [
        (20191231, 20200512, "month", ["2019-12", "2020-01", "2020-02", "2020-03", "2020-04", "2020-05"]),
        (20191231, 20200512, "year", ["2019", "2020"]),
        (20200305, 20200307, "day", ["2020-03-05", "2020-03-06", "2020-03-07"]),
        (20200301, 20200316, "week", ["2020-W09", "2020-W10", "2020-W11", "2020-W12"]),
        (20200000, 20200400, "month", ["2020-01", "2020-02", "2020-03", "2020-04"]),
    ],
)
def test_span_keys_cover_every_bucket(first, last, interval, expected):
    assert trends.span_keys(first, last, interval) == expected


def test_counts_and_undated_add_up_to_the_total():
    bucketed = trends.buckets(DATES, "month", 20191231, 20200512)
    mask = np.ones(len(DATES), dtype=bool)
    counts, undated = trends.tally(bucketed, mask)
    assert counts == [1, 0, 0, 2, 1, 1]  # 2020-04 (month precision) counts; 2020 (year only) does not
    assert undated == 2  # the year-only date and the unknown one
    assert sum(counts) + undated == int(mask.sum())


def test_a_year_only_date_counts_in_a_yearly_trend():
    bucketed = trends.buckets(DATES, "year", 20191231, 20200512)
    counts, undated = trends.tally(bucketed, np.ones(len(DATES), dtype=bool))
    assert (counts, undated) == ([1, 5], 1)


def test_share_is_count_over_the_collection_and_null_where_it_is_empty():
    bucketed = trends.buckets(DATES, "month", 20191231, 20200512)
    collection, _ = trends.tally(bucketed, np.ones(len(DATES), dtype=bool))
    mask = np.array([True, False, True, False, False, False, False])
    result = trends.series(bucketed, mask, collection)
    assert result["total"] == 2 and result["undated"] == 0
    assert [(b["key"], b["count"], b["share"]) for b in result["buckets"]] == [
        ("2019-12", 0, 0.0), ("2020-01", 0, None), ("2020-02", 0, None),
        ("2020-03", 1, 0.5), ("2020-04", 1, 1.0), ("2020-05", 0, 0.0),
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("first", "last", "expected"),
    [
        (20200301, 20200320, "day"),
        (20200101, 20230601, "week"),
        (20200101, 20231231, "month"),
        (20120702, 20260821, "month"),
        (18000101, 20260101, "year"),
    ],  # fmt: skip
)
def test_auto_interval_keeps_the_chart_readable(first, last, expected):
    assert trends.choose_interval(first, last) == expected


def test_kwic_lines_keep_the_original_script_and_flatten_line_breaks():
    text = "臺灣發生地震。\n地震造成損失，救援隊趕到地震現場"
    lines = kwic.lines_in_text(text, ["地震"], width=4)
    assert lines == [
        (4, 6, "臺灣發生", "地震", "。 地震"),
        (8, 10, "地震。 ", "地震", "造成損失"),
        (20, 22, "救援隊趕到"[-4:], "地震", "現場"),
    ]


def test_kwic_sorts_left_context_outward_from_the_match():
    make = lambda left, right: kwic.KwicLine("d", 0, 1, left, "X", right)  # noqa: E731
    lines = [make("ab", "z"), make("ba", "y"), make("cb", "x")]
    assert [line.left for line in kwic.sort_lines(lines, "left")] == ["ba", "ab", "cb"]
    assert [line.right for line in kwic.sort_lines(lines, "right")] == ["x", "y", "z"]


def test_log_likelihood_ranks_over_represented_words():
    words = ["地震", "救援", "会议", "的"]
    in_result = np.array([90, 40, 2, 100])
    in_collection = np.array([100, 60, 500, 1000])
    ranked = keywords.rank(words, in_result, 100, in_collection, 1000)
    assert [row["word"] for row in ranked] == ["地震", "救援"]  # 会议 and 的 are not over-represented
    assert ranked[0]["documents"] == 90 and ranked[0]["collection_documents"] == 100
    # Dunning's G2 for 地震: 90 of 100 against 10 of 900.
    a, b, c, d = 90, 10, 100, 900
    e1, e2 = c * (a + b) / (c + d), d * (a + b) / (c + d)
    assert ranked[0]["score"] == round(2 * (a * np.log(a / e1) + b * np.log(b / e2)), 2)


def test_chart_labels_fit_inside_the_picture():
    keys = [f"{year}-{month:02d}" for year in range(2012, 2027) for month in range(1, 13)]
    values = [float(n % 17) for n in range(len(keys))]
    drawn = chart.line_chart(keys, [("地震", values, ["/search"] * len(keys))])
    left, top, right, bottom = drawn.plot
    half = len("2012-01") * chart.CHAR_WIDTH / 2
    assert all(x - half >= 0 and x + half <= drawn.width for x, _ in drawn.x_ticks)
    xs = [x for x, _ in drawn.x_ticks]
    assert all(b - a >= 2 * half for a, b in zip(xs, xs[1:], strict=False))  # neighbours never overlap
    assert [label for _, label in drawn.y_ticks] == ["0", "5", "10", "15", "20", "25"]
    assert len(drawn.lines[0].points) == len(keys)


def test_atom_feed_parses_back_with_a_real_feed_parser():
    import feedparser

    from web import feed

    entries = [
        {"link": "http://127.0.0.1:5000/doc/a%2Fb", "title": "臺北 <b>地震</b> & 救援", "published": "2020-03-05",
         "source": "中央社", "region": "台湾省", "summary": "地震造成 <script>x</script> 損失"},
        {"link": "http://127.0.0.1:5000/doc/c", "title": "", "published": "2019", "source": None, "summary": ""},
    ]  # fmt: skip
    text = feed.atom_feed(
        "寻闻：地震", "http://127.0.0.1:5000/feed.atom?q=地震", "http://127.0.0.1:5000/search?q=地震", entries
    )
    parsed = feedparser.parse(text)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    assert parsed.feed.title == "寻闻：地震"
    assert [entry.title for entry in parsed.entries] == [
        "臺北 <b>地震</b> & 救援",
        "http://127.0.0.1:5000/doc/c",
    ]
    assert parsed.entries[0].link == "http://127.0.0.1:5000/doc/a%2Fb"
    assert parsed.entries[0].author == "中央社"
    assert parsed.entries[0].published == "2020-03-05T00:00:00Z"
    assert parsed.feed.updated == "2020-03-05T00:00:00Z"


def test_csv_export_round_trips_through_the_csv_module():
    import csv
    import io

    from search import export

    rows = [
        {
            "id": "a,1",
            "title": '他说"好"\n第二行',
            "topics": ["灾害", "救援"],
            "score": 1.23456,
            "source": None,
        },
        {"id": "b", "title": "普通"},
    ]
    text = "".join(export.csv_lines(rows))
    assert text.startswith("\ufeffid,title,")
    parsed = list(csv.DictReader(io.StringIO(text[1:], newline="")))
    assert [row["id"] for row in parsed] == ["a,1", "b"]
    assert parsed[0]["title"] == '他说"好"\n第二行'
    assert parsed[0]["topics"] == "灾害;救援" and parsed[0]["score"] == "1.2346" and parsed[0]["source"] == ""


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("地震", "xunwen-地震-2026-12-01.csv"),
        ('a/b:"c"', "xunwen-a_b_c-2026-12-01.csv"),
        ("", "xunwen-all-2026-12-01.csv"),
    ],
)
def test_export_file_name_says_the_query_and_date(query, expected):
    from search import export

    assert export.file_name(query, "2026-12-01", "csv") == expected


def test_small_counts_tick_by_whole_documents():
    drawn = chart.line_chart(["2018", "2019"], [("x", [1.0, 2.0], ["/", "/"])])
    assert [label for _, label in drawn.y_ticks] == ["0", "1", "2", "3", "4", "5"]
    shares = chart.line_chart(["2018", "2019"], [("x", [0.01, 0.034], ["/", "/"])], share=True)
    assert [label for _, label in shares.y_ticks] == ["0%", "1%", "2%", "3%", "4%", "5%"]
