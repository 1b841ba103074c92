"""The JSON API: every endpoint, parameter and error, through Flask's test client."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

import pytest

NEWEST = ["004", "tw-1", "bj-1", "001", "gd-1", "zz-1", "xss-1", "000", "003", "002"]  # 002 is undated
XINXIANG = {"000", "002", "xss-1", "gd-1", "zz-1"}


def short(doc_id: str) -> str:
    return doc_id if "-" in doc_id else doc_id[:3]


def api(client, url: str, status: int = 200) -> dict:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.content_type == "application/json"
    return response.get_json()


def ids(result: dict) -> list[str]:
    return [short(hit["id"]) for hit in result["hits"]]


def test_search_answers_in_the_documented_shape(client):
    result = api(client, "/api/search?q=新乡")
    assert {"ok", "query", "total", "page", "per_page", "took_ms", "hits", "facets"} <= set(result)
    assert (result["ok"], result["query"], result["total"], result["page"], result["per_page"]) == (
        True,
        "新乡",
        5,
        1,
        10,
    )
    for hit in result["hits"]:
        assert {
            "id",
            "title",
            "date",
            "source",
            "province",
            "city",
            "county",
            "topics",
            "url",
            "path",
            "snippets",
        } <= set(hit)
        assert hit["date"] is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", hit["date"])
        assert 1 <= len(hit["snippets"]) <= 3
    assert set(result["facets"]) == {"province", "city", "county", "year", "topic", "source"}
    for name, values in result["facets"].items():
        assert all(set(item) == {"value", "label", "count", "selected"} for item in values)
        known = [item for item in values if item["value"] != "none"]
        if name == "year":  # newest first
            assert [item["value"] for item in known] == sorted(
                (item["value"] for item in known), reverse=True
            )
        else:
            assert [item["count"] for item in known] == sorted(
                (item["count"] for item in known), reverse=True
            )


@pytest.mark.parametrize(
    "query, expected",
    [
        ("q=新乡", XINXIANG),
        ("q=新鄉", XINXIANG),  # either script
        ("q=新乡&province=河南省", {"000", "002", "xss-1", "zz-1"}),
        ("q=新乡&province=河南省&province=广东省", XINXIANG),  # OR within a facet
        ("q=新乡&province=河南省&year=2019", {"xss-1", "zz-1"}),  # AND across facets
        ("q=新乡&province=河南", {"000", "002", "xss-1", "zz-1"}),  # a short name is resolved
        ("q=新乡&city=新乡市", {"000", "002", "xss-1"}),
        ("q=新乡&county=金水区", {"zz-1"}),
        ("region=新鄉", {"000", "002", "xss-1"}),  # 新鄉 means 新乡市
        ("region=天河区", {"gd-1"}),
        ("region=河北", {"004"}),
        ("region=新乡&region=北京", {"000", "002", "xss-1", "bj-1"}),  # OR across levels
        ("region=台灣", {"tw-1"}),
        ("region=不存在的地方", set()),
        ("topic=经济发展&q=新乡", {"000", "002"}),
        ("topic=" + quote("<i>主题</i>"), set()),  # not in the taxonomy: no document has it
        ("source=南方日报", {"gd-1"}),
        ("source=中央社&source=人民日报", {"tw-1", "bj-1"}),
        ("year=2019", {"xss-1", "zz-1"}),
        ("year=2019&month=2019-07", {"zz-1"}),
        ("date_from=2019-01-01&date_to=2019-12-31", {"xss-1", "zz-1"}),  # 2019-07 (month only) is inside
        ("date_from=2019-07-01&date_to=2019-07-31", {"zz-1"}),
        ("date_from=2021-01-01", {"bj-1", "tw-1", "004"}),
        ("date_to=2018-06-13", {"000", "003"}),  # inclusive
        ("q=source:河南日報", {"000"}),  # a filter in the query text
        ("q=新乡 -广州", {"000", "002", "xss-1", "zz-1"}),
    ],
)
def test_filters(client, query, expected):
    result = api(client, "/api/search?" + query + "&per_page=100")
    assert set(ids(result)) == expected
    assert result["total"] == len(expected)


@pytest.mark.parametrize(
    "query, expected",
    [
        ("", NEWEST),  # no query: every document, newest first
        ("sort=newest", NEWEST),
        ("sort=oldest", ["003", "000", "xss-1", "zz-1", "gd-1", "001", "bj-1", "tw-1", "004", "002"]),
        ("per_page=3", NEWEST[:3]),
        ("per_page=3&page=2", NEWEST[3:6]),
        ("per_page=3&page=4", NEWEST[9:]),
        ("per_page=3&page=5", []),  # past the end: an empty page, not an error
        ("page=1000", []),
        ("q=新乡&sort=newest", ["gd-1", "zz-1", "xss-1", "000", "002"]),
    ],
)
def test_sort_and_paging(client, query, expected):
    result = api(client, "/api/search?" + query)
    assert ids(result) == expected
    assert result["total"] == (5 if "q=" in query else 10)


def test_facets_count_every_match_and_mark_the_selected(client):
    facets = api(client, "/api/search?q=新乡&province=河南省&per_page=1")["facets"]
    # the province facet ignores the province filter, so other provinces stay choosable
    assert facets["province"] == [
        {"value": "河南省", "label": "河南省", "count": 4, "selected": True},
        {"value": "广东省", "label": "广东省", "count": 1, "selected": False},
    ]
    assert facets["city"] == [
        {"value": "新乡市", "label": "新乡市", "count": 3, "selected": False},
        {"value": "郑州市", "label": "郑州市", "count": 1, "selected": False},
    ]
    assert {item["value"]: item["count"] for item in facets["year"]} == {"2019": 2, "2018": 1, "none": 1}


def test_month_facet_appears_within_a_chosen_year(client):
    facets = api(client, "/api/search?year=2019")["facets"]
    assert facets["month"] == [
        {"value": "2019-03", "label": "3月", "count": 1, "selected": False},
        {"value": "2019-07", "label": "7月", "count": 1, "selected": False},
    ]


@pytest.mark.parametrize(
    "script, doc_id, title, marked",
    [
        ("original", "000", "新鄉:勇“爭”一流 讓業績體現在群眾的笑臉上", "<mark>新鄉</mark>"),
        ("simplified", "000", "新乡:勇“争”一流 让业绩体现在群众的笑脸上", "<mark>新乡</mark>"),
        ("traditional", "002", "緊扣高質量發展主題,突出平台培育,注重模式創新", "<mark>新鄉</mark>"),
        ("original", "002", "紧扣高质量发展主题,突出平台培育,注重模式创新", "<mark>新乡</mark>"),
    ],
)
def test_display_script(client, script, doc_id, title, marked):
    result = api(client, f"/api/search?q=新乡&script={script}")
    hit = next(hit for hit in result["hits"] if short(hit["id"]) == doc_id)
    assert hit["title"] == title
    assert any(marked in snippet for snippet in hit["snippets"])


def test_snippets_mark_matches_and_escape_everything_else(client):
    for query in ("新乡", "alert", "script", "测试"):
        for hit in api(client, f"/api/search?q={query}&per_page=100")["hits"]:
            for snippet in hit["snippets"]:
                assert "<" not in re.sub(r"</?mark>", "", snippet), snippet
    hit = api(client, "/api/search?q=测试文字")["hits"][0]
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in "".join(hit["snippets"])


def test_no_results_suggest_what_would_find_something(client):
    result = api(client, "/api/search?q=新乡&province=广东省&year=2019")
    assert result["total"] == 0
    assert result["relaxations"] == [
        {"name": "province", "value": "广东省", "total": 2},
        {"name": "year", "value": "2019", "total": 1},
        {"name": None, "value": None, "total": 5},
    ]
    result = api(client, "/api/search?q=新乡市长")  # no article says 新乡市长
    assert result["total"] == 0
    assert {"query": "新乡", "total": 5} in result["suggestions"]


def test_document(client):
    result = api(client, "/api/doc/000_aafb63f222c135ea?q=新乡")
    document = result["document"]
    assert result["ok"] is True and result["query"] == "新乡"
    assert (document["id"], document["date"], document["source"], document["city"]) == (
        "000_aafb63f222c135ea", "2018-06-13", "河南日报", "新乡市")  # fmt: skip
    assert document["body"].startswith("新鄉:勇“爭”一流")
    assert len(re.findall(r'<mark id="at-\d+">新鄉</mark>', document["body_html"])) >= 10  # places to link to
    assert set(document["basis"]) >= {"title", "published", "source", "region", "topics"}
    assert document["path"].endswith("seeds/000_aafb63f222c135ea.txt")
    assert result["similar"] and all(hit["id"] != document["id"] for hit in result["similar"])


def test_document_in_another_script_keeps_its_marks(client):
    document = api(client, "/api/doc/000_aafb63f222c135ea?q=新乡&script=simplified")["document"]
    assert document["title"].startswith("新乡:勇“争”一流")
    assert len(re.findall(r'<mark id="at-\d+">新乡</mark>', document["body_html"])) >= 10
    assert "新鄉" not in document["body_html"]


@pytest.mark.parametrize(
    "url, status, error",
    [
        ("/api/search?per_page=0", 400, "per_page must be between 1 and 100"),
        ("/api/search?per_page=101", 400, "per_page must be between 1 and 100"),
        ("/api/search?per_page=-5", 400, "per_page must be between 1 and 100"),
        ("/api/search?page=abc", 400, "page must be a whole number, got 'abc'"),
        ("/api/search?page=0", 400, "page must be between 1 and 1000"),
        ("/api/search?page=99999999999999999999", 400, "page must be between 1 and 1000"),
        ("/api/search?date_from=2018-13-01", 400, "date_from is not a valid date: '2018-13-01'"),
        ("/api/search?date_to=yesterday", 400, "date_to must be a date as YYYY-MM-DD, got 'yesterday'"),
        ("/api/search?date_from=2020-01-01&date_to=2019-01-01", 400, "date_from is after date_to"),
        ("/api/search?year=20l8", 400, "year must be four digits or none"),
        ("/api/search?month=2018-6", 400, "month must be YYYY-MM or none"),
        ("/api/search?sort=best", 400, "sort must be one of relevance, newest, oldest"),
        (
            "/api/search?script=pinyin",
            400,
            "script must be one of original, simplified, traditional, traditional-hk",
        ),
        ("/api/search?q=" + "新" * 10_000, 400, "q is too long: at most 200 characters"),
        (
            "/api/doc/000_aafb63f222c135ea?script=x",
            400,
            "script must be one of original, simplified, traditional, traditional-hk",
        ),
        ("/api/doc/no-such-document", 404, "no document with id 'no-such-document'"),
        ("/api/doc/" + "x" * 600, 400, "a document id has 1 to 500 characters"),
        ("/api/nothing-here", 404, None),
        ("/api", 404, None),
    ],
)
def test_errors_have_one_shape(client, url, status, error):
    result = api(client, url, status)
    assert set(result) == {"ok", "error", "status", "code"}
    assert result["ok"] is False and result["status"] == status
    if error is not None:
        assert result["error"] == error


@pytest.mark.parametrize("method", ["post", "put", "delete"])
def test_other_methods_are_405_in_the_same_shape(client, method):
    response = getattr(client, method)("/api/search")
    assert response.status_code == 405
    assert response.get_json() == {
        "ok": False,
        "error": response.get_json()["error"],
        "status": 405,
        "code": "method_not_allowed",
    }


def test_missing_index_is_503_not_500(tmp_path):
    from web import create_app

    client = create_app({"INDEX_DIR": str(tmp_path / "none"), "TESTING": True}).test_client()
    result = api(client, "/api/search?q=新乡", 503)
    assert result == {
        "ok": False,
        "error": "the index has not been built yet",
        "status": 503,
        "code": "index_unavailable",
    }


def test_unexpected_errors_are_500_without_traceback(web_index_dir, monkeypatch):
    from web import create_app, data

    app = create_app({"INDEX_DIR": str(web_index_dir)})  # not TESTING: errors are handled
    monkeypatch.setattr(data, "hit_for_display", lambda hit, script: 1 / 0)
    monkeypatch.setattr("web.api.search_data", data.search_data)
    result = api(app.test_client(), "/api/search?q=新乡", 500)
    assert result == {"ok": False, "error": "internal error", "status": 500, "code": "internal_error"}


def test_running_server_sees_reindexed_documents(tmp_path):
    from search.indexer import index_paths
    from web import create_app

    articles = tmp_path / "a.jsonl"
    articles.write_text(json.dumps({"id": "one", "content": "洛阳牡丹花会开幕。"}, ensure_ascii=False) + "\n")
    index_paths([articles], tmp_path / "ix", procs=1)
    client = create_app({"INDEX_DIR": str(tmp_path / "ix"), "TESTING": True}).test_client()
    assert api(client, "/api/search?q=洛阳")["total"] == 1

    more = tmp_path / "b.jsonl"
    more.write_text(json.dumps({"id": "two", "content": "洛阳龙门石窟游客增多。"}, ensure_ascii=False) + "\n")
    index_paths([more], tmp_path / "ix", procs=1)
    assert sorted(ids(api(client, "/api/search?q=洛阳"))) == ["one", "two"]
    assert api(client, "/api/doc/two")["document"]["body"] == "洛阳龙门石窟游客增多。"
