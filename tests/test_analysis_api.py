"""The analysis endpoints on a real index through the real app: trends, export,
concordance, keywords, feeds. Every count is checked against the search's own
total or a plain scan of the stored text."""

from __future__ import annotations

import csv
import html
import io
import json
import re

import pytest

from search.normalize import normalize_for_search


def search_total(client, **args) -> int:
    response = client.get("/api/search", query_string=args)
    assert response.status_code == 200
    return response.get_json()["total"]


@pytest.mark.parametrize("interval", ["year", "month", "week", "day", "auto"])
@pytest.mark.parametrize("query", ["新乡", "", "北京 OR 臺灣", "不存在的词语"])
def test_trend_counts_add_up_to_the_search_total(client, query, interval):
    data = client.get("/api/trends", query_string={"q": query, "interval": interval}).get_json()
    assert data["ok"] is True
    (series,) = data["series"]
    assert sum(bucket["count"] for bucket in series["buckets"]) + series["undated"] == series["total"]
    assert series["total"] == search_total(client, q=query)
    keys = [bucket["key"] for bucket in series["buckets"]]
    assert keys == [bucket["key"] for bucket in data["collection"]]
    assert len(keys) == len(set(keys)) and keys == sorted(keys)  # every bucket once, in order


def test_trend_share_is_count_over_the_collection_and_filters_apply_to_both(client):
    data = client.get("/api/trends", query_string=[("q", "新乡"), ("q", "北京"), ("interval", "year"),
                                                   ("measure", "share"), ("province", "河南省")]).get_json()  # fmt: skip
    assert data["filters"] == {"province": ["河南省"]}
    for series in data["series"]:
        assert series["total"] == search_total(client, q=series["query"], province="河南省")
        for bucket, whole in zip(series["buckets"], data["collection"], strict=True):
            assert bucket["share"] == (bucket["count"] / whole["count"] if whole["count"] else None)
    collection = data["collection_total"]
    assert collection == search_total(client, province="河南省")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ({"interval": "hour"}, "interval"),
        ({"measure": "ratio"}, "measure"),
        ([("q", str(n)) for n in range(6)], "at most 5"),
    ],  # fmt: skip
)
def test_bad_trend_parameters_are_400_with_the_json_error_shape(client, args, message):
    response = client.get("/api/trends", query_string=args)
    assert response.status_code == 400
    body = response.get_json()
    assert body["ok"] is False and body["status"] == 400 and message in body["error"]


def test_trend_csv_has_a_row_per_bucket(client):
    response = client.get("/api/trends.csv", query_string={"q": "新乡", "interval": "year"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    data = client.get("/api/trends", query_string={"q": "新乡", "interval": "year"}).get_json()
    assert rows[0] == ["bucket", "collection", "新乡 count", "新乡 share"]
    assert [row[0] for row in rows[1:-1]] == [bucket["key"] for bucket in data["collection"]]
    assert [int(row[2]) for row in rows[1:-1]] == [bucket["count"] for bucket in data["series"][0]["buckets"]]
    assert rows[-1][0] == "undated" and int(rows[-1][2]) == data["series"][0]["undated"]


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
@pytest.mark.parametrize("query", ["新乡", "", "广州 OR 北京"])
def test_export_holds_every_matching_document(client, kind, query):
    response = client.get("/api/export", query_string={"q": query, "format": kind})
    assert response.status_code == 200
    text = response.get_data(as_text=True)
    if kind == "csv":
        assert text.startswith("\ufeff")
        rows = list(csv.DictReader(io.StringIO(text[1:], newline="")))
    else:
        rows = [json.loads(line) for line in text.splitlines()]
    total = search_total(client, q=query)
    assert len(rows) == total == int(response.headers["X-Total-Count"])
    assert len({row["id"] for row in rows}) == total
    first_page = client.get("/api/search", query_string={"q": query, "per_page": 5}).get_json()["hits"]
    assert [row["id"] for row in rows[:5]] == [hit["id"] for hit in first_page]  # the search's own order


def test_export_keeps_markup_as_text_and_carries_extra_fields(client):
    rows = [
        json.loads(line)
        for line in client.get("/api/export?format=jsonl&q=测试").get_data(as_text=True).splitlines()
    ]
    (row,) = [row for row in rows if row["id"] == "xss-1"]
    assert "<script>" in row["title"] and row["snippets"][0]["text"]
    assert isinstance(row["extra"], dict)


def _occurrences(text: str, needle: str) -> int:
    haystack, count, start = normalize_for_search(text), 0, 0
    while (start := haystack.find(needle, start)) != -1:
        count, start = count + 1, start + len(needle)
    return count


def test_kwic_lists_every_occurrence_in_the_original_script(client, web_index_dir):
    from search import open_index

    data = client.get("/api/kwic", query_string={"q": "新乡", "per_page": 100}).get_json()
    index = open_index(web_index_dir)
    bodies = [index.document(doc_id)["body"] for doc_id in {line["id"] for line in data["lines"]}]
    expected = sum(_occurrences(body, "新乡") for body in bodies)
    assert data["total_lines"] == expected == len(data["lines"]) and data["total_exact"]
    for line in data["lines"]:
        body = index.document(line["id"])["body"]
        assert body[line["start"] : line["end"]] == line["match"]
        assert normalize_for_search(line["match"]) == "新乡"


def test_kwic_of_a_traditional_document_keeps_its_script(client):
    data = client.get("/api/kwic", query_string={"q": "台湾选举", "width": 3}).get_json()
    assert [line["match"] for line in data["lines"]] == ["臺灣選舉"]
    assert data["lines"][0]["right"] == "結果今"


def test_kwic_csv_and_page(client):
    response = client.get("/api/kwic.csv", query_string={"q": "新乡"})
    rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows and all(normalize_for_search(row["match"]) == "新乡" for row in rows)
    page = client.get("/kwic", query_string={"q": "新乡", "sort_lines": "left"})
    assert page.status_code == 200 and "kwic-lines" in page.get_data(as_text=True)


def test_keywords_are_over_represented_and_counted_in_both_sets(client):
    data = client.get("/api/keywords", query_string={"q": "新乡"}).get_json()
    assert data["ok"] and data["documents"] == search_total(client, q="新乡")
    assert data["keywords"], data
    for row in data["keywords"]:
        assert row["word"] != "新乡"
        # Counted as a body word: never more than the documents holding it verbatim.
        assert 2 <= row["documents"] <= search_total(client, q='"' + row["word"] + '" 新乡')
        assert (
            row["documents"] / data["documents"] > row["collection_documents"] / data["collection_documents"]
        )


def test_feed_is_valid_atom_of_the_newest_matches(client):
    import feedparser

    response = client.get("/feed.atom", query_string={"q": "新乡"})
    assert response.status_code == 200 and response.mimetype == "application/atom+xml"
    parsed = feedparser.parse(response.get_data())
    assert not parsed.bozo and parsed.version == "atom10"
    newest = client.get(
        "/api/search", query_string={"q": "新乡", "sort": "newest", "per_page": 50}
    ).get_json()
    assert [entry.link.rsplit("/doc/", 1)[1] for entry in parsed.entries] == [
        hit["id"] for hit in newest["hits"]
    ]
    assert "<script>" not in response.get_data(as_text=True)


def test_trends_page_draws_the_chart_with_labels_and_links(client):
    page = client.get("/trends", query_string=[("q", "新乡"), ("q", "北京"), ("interval", "year")])
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert text.count("<polyline") == 2 and "x-tick" in text and "y-tick" in text
    assert "/search?q=%E6%96%B0%E4%B9%A1&amp;year=" in text  # a bucket links to the search filtered to it


def test_each_kwic_line_links_to_its_place_in_the_document(client):
    data = client.get("/api/kwic", query_string={"q": "新乡", "per_page": 100}).get_json()
    page = client.get("/kwic", query_string={"q": "新乡"}).get_data(as_text=True)
    links = re.findall(r'<td class="match"><a href="([^"]+)"', page)
    assert links and len(links) == min(10, len(data["lines"]))  # the page's first 10 lines
    for link, line in zip(links, data["lines"], strict=False):
        path, anchor = html.unescape(link).split("#")
        assert anchor == f"at-{line['start']}"
        document = client.get(path).get_data(as_text=True)
        assert f'<mark id="{anchor}">' in document, (path, anchor)
