"""Regional vocabulary (issue 12, item 1): the table, the runtime lookup, and
queries in one region's word finding documents in the other's."""

from __future__ import annotations

import json

import pytest

from search.normalize import normalize_for_search
from search.plan import plan_query
from search.query import QUOTED_REGIONAL_NOTE
from search.regional import _TABLE, as_written, equivalents


def parse_query(text: str):
    """The query as the plan holds it: regional equivalents are added when it is planned."""
    return plan_query(text).parsed


def highlight_terms(parsed):
    from search.plan import highlight_terms as terms

    return terms(parsed)


@pytest.mark.parametrize(
    "word, expected",
    [
        ("软件", ("软体",)),
        ("软体", ("软件",)),
        ("鼠标", ("滑鼠",)),
        ("信息", ("资讯",)),
        ("网络", ("网路",)),
        ("悉尼", ("雪梨",)),
        ("特朗普", ("川普",)),
        ("奥巴马", ("欧巴马",)),
        ("打印机", ("印表机",)),
        ("新乡", ()),  # not in the table
    ],
)
def test_equivalents(word, expected):
    assert equivalents(word) == expected


@pytest.mark.parametrize(
    "ambiguous",
    [
        "数据",  # 資料 in Taiwan, but 资料 is a mainland word of its own (materials): corpus rule
        "资料",
        "出租车",  # 計程車 also stands for 的士: several targets
        "程序",  # also a procedure, in Taiwan text too (corpus rule)
        "视频",  # 影片 or 視訊
    ],
)
def test_ambiguous_words_are_not_expanded(ambiguous):
    assert equivalents(ambiguous) == ()


def _table_rows() -> list[list[str]]:
    lines = _TABLE.read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line and not line.startswith("#")]


def test_table_holds_normalized_unambiguous_pairs_of_words():
    rows = _table_rows()
    assert len(rows) >= 100
    targets: dict[tuple[str, str], set[str]] = {}
    for mainland, regional, region, *_ in rows:
        assert normalize_for_search(mainland) == mainland and normalize_for_search(regional) == regional
        assert len(mainland) >= 2 and len(regional) >= 2 and mainland != regional
        targets.setdefault((mainland, region), set()).add(regional)
    assert all(len(found) == 1 for found in targets.values())


def test_query_word_also_searches_its_equivalents():
    parsed = parse_query("软件")
    assert [clause.text for clause in parsed.groups[0]] == ["软件", "软体"]
    assert parsed.notes == ["也搜索了：軟體"]
    assert set(highlight_terms(parsed)) >= {"软件", "软体"}
    assert as_written("软体") == "軟體"


@pytest.mark.parametrize(
    "query, texts",
    [
        ("開源軟體", ["開源軟體", "開源软件"]),  # a word inside a longer clause
        ('"川普"', ["川普"]),  # quoted: verbatim means verbatim, even for a table entry
        ('"川普說"', ["川普說"]),
        ("title:悉尼", ["悉尼", "雪梨"]),
        # entries jieba cuts into pieces (英/伟达, 智慧/财产权) are found as runs of words
        ("英伟达", ["英伟达", "辉达"]),
        ("智慧財產權", ["智慧財產權", "知识产权"]),
        ("英伟达 芯片", ["英伟达", "辉达"]),
    ],
)
def test_clauses_expanded(query, texts):
    assert [clause.text for clause in parse_query(query).groups[0]] == texts


def test_excluded_word_excludes_its_equivalents_too():
    assert [clause.text for clause in parse_query("新闻 -软件").excluded] == ["软件", "软体"]


def test_natural_language_question_is_not_expanded():
    parsed = parse_query("软件是什么？")
    assert all(len(group) == 1 for group in parsed.groups)
    assert not any(note.startswith("也搜索了") for note in parsed.notes)


# Real sentences: tw_news (Taiwan) and xwlb (mainland).
ARTICLES = [
    {"id": "tw-1", "title": "Cloudflare當機", "content": "導致處理多項Cloudflare服務流量的軟體系統癱瘓。"},
    {
        "id": "cn-1",
        "title": "座谈会",
        "content": "温家宝与来自轻纺、软件、物流、钢铁、化工、装备制造等领域的30多家企业和行业协会负责人座谈。",
    },
    {
        "id": "tw-2",
        "title": "毒品",
        "content": "川普回答說：「我會在墨西哥發動攻擊以杜絕毒品流入美國嗎？我不反對。」",
    },
    {"id": "cn-2", "title": "会谈", "content": "美国总统特朗普当天在白宫会见了来访的客人。"},
]


@pytest.fixture(scope="module")
def regional_index(tmp_path_factory):
    from search import open_index
    from search.indexer import index_paths

    folder = tmp_path_factory.mktemp("regional")
    source = folder / "articles.jsonl"
    source.write_text(
        "\n".join(json.dumps(row, ensure_ascii=False) for row in ARTICLES) + "\n", encoding="utf-8"
    )
    summary = index_paths([source], folder / "index", procs=1)
    assert summary.indexed == len(ARTICLES)
    return open_index(folder / "index")


@pytest.mark.parametrize(
    "query, ids, note",
    [
        ("软件", {"tw-1", "cn-1"}, "也搜索了：軟體"),
        ("軟體", {"tw-1", "cn-1"}, "也搜索了：软件"),
        ("特朗普", {"tw-2", "cn-2"}, "也搜索了：川普"),
        ('"川普"', {"tw-2"}, QUOTED_REGIONAL_NOTE + "特朗普"),
        ('"特朗普" OR "川普"', {"tw-2", "cn-2"}, None),
        ("-川普", {"tw-1", "cn-1"}, "也搜索了：特朗普"),
    ],
)
def test_search_finds_either_form_and_says_so(regional_index, query, ids, note):
    result = regional_index.search(query, per_page=10)
    assert {hit["id"] for hit in result["hits"]} == ids
    assert note in result["notes"] if note else not result["notes"]


def test_passages_mark_each_form(regional_index):
    hits = {hit["id"]: hit for hit in regional_index.search("软件", per_page=10)["hits"]}

    def marked(hit) -> list[str]:
        passage = hit["passages"][0]
        return [passage["text"][start:end] for start, end in passage["ranges"]]

    assert "軟體" in marked(hits["tw-1"])
    assert "软件" in marked(hits["cn-1"])
