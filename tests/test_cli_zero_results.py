"""``xunwen search`` on zero results offers what the web offers (``search.relax``),
and ``--json`` carries the keys of ``/api/search``."""

from __future__ import annotations

import json

import pytest

from search.cli import EXIT_OK, main
from search.relax import filter_dict, filter_pairs, without_filter


@pytest.fixture(scope="module")
def client(web_index_dir):
    from web import create_app

    return create_app({"INDEX_DIR": str(web_index_dir), "TESTING": True}).test_client()


def cli_json(index_dir, *args: str, capsys) -> dict:
    assert main(["search", "--index-dir", str(index_dir), "--json", *args]) == EXIT_OK
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize(
    "cli, url",
    [
        (["新乡", "--province", "北京市", "--year", "2019"], "/api/search?q=新乡&province=北京市&year=2019"),
        (["新乡", "--province", "北京市"], "/api/search?q=新乡&province=北京市"),
        (["新乡啊啊", "--source", "南方日报"], "/api/search?q=新乡啊啊&source=南方日报"),
        (["新乡啊啊"], "/api/search?q=新乡啊啊"),
        (
            ["冬奥会", "--year", "2019", "--date-from", "2019-01-01"],
            "/api/search?q=冬奥会&year=2019&date_from=2019-01-01",
        ),
        (["新乡"], "/api/search?q=新乡"),  # results: the keys are there, empty
    ],
)
def test_json_carries_the_apis_relaxations_and_suggestions(web_index_dir, client, capsys, cli, url):
    ours = cli_json(web_index_dir, *cli, capsys=capsys)
    theirs = client.get(url).get_json()
    for key in ("ok", "total", "relaxations", "suggestions"):
        assert ours[key] == theirs[key], key
    assert ours["ok"] is True
    if ours["total"] == 0:
        assert ours["relaxations"] or ours["suggestions"]


def test_text_output_on_zero_results_lists_them(web_index_dir, capsys):
    assert (
        main(["search", "--index-dir", str(web_index_dir), "新乡", "--province", "北京市", "--year", "2019"])
        == 0
    )
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("0 results")
    start = out.index("try without a filter:")
    assert out[start + 1 :][:3] == [
        "  without --province 北京市: 2 results",
        "  without --year 2019: 0 results",
        "  without any filter: 5 results",
    ]


def test_text_output_suggests_other_spellings(web_index_dir, capsys):
    assert main(["search", "--index-dir", str(web_index_dir), "新乡啊啊"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("0 results") and "try another spelling:" in out
    assert "  新乡: 5 results" in out.splitlines()


@pytest.mark.parametrize(
    "pairs, dropped, expected",
    [
        (
            (("province", "河南省"), ("city", "新乡市"), ("year", "2019")),
            ("province", "河南省"),
            (("year", "2019"),),
        ),
        ((("province", "河南省"), ("city", "广州市")), ("province", "河南省"), (("city", "广州市"),)),
        ((("city", "新乡市"), ("county", "红旗区")), ("city", "新乡市"), ()),
        ((("year", "2019"), ("year", "none")), ("year", "none"), (("year", "2019"),)),
    ],
)
def test_without_filter_drops_the_drill_down_under_it(pairs, dropped, expected):
    assert without_filter(pairs, *dropped) == expected


def test_filter_pairs_round_trip():
    filters = {"province": ["河南省", "北京市"], "date_from": "2019-01-01"}
    assert filter_pairs(filters) == [
        ("province", "河南省"),
        ("province", "北京市"),
        ("date_from", "2019-01-01"),
    ]
    assert filter_dict(filter_pairs(filters)) == {
        "province": ["河南省", "北京市"],
        "date_from": ["2019-01-01"],
    }
