"""Stories of reprints (``search.stories``): signatures, grouping, the store, the read side."""

from __future__ import annotations

import gzip
import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from datasketch import LeanMinHash, MinHash, MinHashLSH

from search.indexer import index_paths
from search.normalize import clean_text, convert_for_display
from search.searcher import SearchIndex
from search.stories import (
    LSH_BANDS,
    LSH_ROWS,
    NUM_PERM,
    SEED,
    StoryBook,
    StoryIndex,
    _Bands,
    band_keys,
    content_lines,
    minhash_values,
    read_table,
    same_story,
    shingle_hashes,
    signature,
    store_files,
    story_lead,
)

ROOT = Path(__file__).resolve().parents[1]
# ../shared/corpus as in conftest; XUNWEN_CORPUS names it for a git worktree elsewhere.
CORPUS = Path(os.environ.get("XUNWEN_CORPUS") or ROOT.parent / "shared" / "corpus")

# Two different reports of one office, with the same standing opening (the template case).
COUNTY_ROADS = [
    "新乡县人民政府办公室消息：",
    "今年以来，新乡县把农村公路建设作为乡村振兴的重要抓手，全县新建和改造农村公路一百二十公里，打通了十八条断头路。",
    "县交通运输局负责人介绍，新建道路全部按照四级以上标准施工，沿线村庄实现了客车通达，群众出行时间平均缩短了二十分钟。",
    "下一步，全县将继续推进路域环境整治，建立县乡村三级路长制，确保农村公路建得好、管得好、护得好、运营好。",
    "在翟坡镇，新修的柏油路通到了田间地头，种植大户说，过去运一车蔬菜要绕行十几里，现在半个小时就能送到批发市场。",
]
COUNTY_WATER = [
    "新乡县人民政府办公室消息：",
    "入冬以来，新乡县抓住农闲时节大力开展农田水利建设，全县疏浚沟渠八十多公里，新打机井三百余眼，新增有效灌溉面积两万亩。",
    "县水利局组织技术人员深入各乡镇，现场指导机井选址和渠道衬砌，对工程质量实行全过程监督，确保来年春灌用水。",
    "七里营镇的种粮大户告诉记者，以前浇一遍地要排队好几天，如今机井通电到地头，一个人一天就能浇完五十亩麦田。",
    "据了解，全县今冬明春计划完成水利投资一点二亿元，重点解决高标准农田建设中的灌排配套问题。",
]

ROADS_MORE = (
    "据统计，全县农村公路总里程已达一千三百公里，行政村通硬化路率和通客车率均达到百分之百，位居全市前列。"
)
# A follow-up of the roads report that reuses two of its paragraphs as background.
ROADS_FOLLOW_UP = [
    "新乡县人民政府办公室消息：",
    "记者从新乡县交通运输局获悉，全县农村公路养护工程招标工作日前完成，十二家养护单位中标，将负责今后三年的日常养护。",
    COUNTY_ROADS[1],
    COUNTY_ROADS[2],
    "按照合同约定，养护单位须在接到巡查报告后四十八小时内修复路面坑槽，县里每季度对养护质量进行考核并向社会公布结果。",
    "县交通运输局还开通了农村公路服务热线，群众发现道路损坏、标志缺失等问题可随时反映，受理情况将在三个工作日内答复。",
]


def article(paragraphs: list[str]) -> str:
    return "\n".join(paragraphs)


def traditional_reprint(paragraphs: list[str], header: str = "來源：新華社") -> str:
    """The other script, another outlet's header and editor line, the last paragraph cut."""
    body = convert_for_display(article(paragraphs[:-1]), "traditional")
    return f"{header}\n轉載標題：農村新聞\n{body}\n（責任編輯：王松濤）"


# ---------------------------------------------------------------------------
# Signatures
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["新乡县农村公路建设", "a", "今天天气很好，我们一起去公园散步吧。" * 30])
def test_minhash_is_datasketchs(text):
    hashes = shingle_hashes(text)
    reference = MinHash(num_perm=128, seed=1, scheme="affine32", hashfunc=int)
    reference.update_batch(hashes.tolist())
    assert np.array_equal(minhash_values(hashes), reference.hashvalues)


@pytest.mark.parametrize(
    "body, expected",
    [
        ("央视网消息(新闻联播)：国家主席习近平今天在人民大会堂会见了来访的外国领导人并举行会谈", ["国家主席习近平今天在人民大会堂会见了来访的外国领导人并举行会谈"]),
        ("（中央社記者王某台北3日電）行政院今天召開院會通過明年度總預算案並送立法院審議", ["行政院今天召开院会通过明年度总预算案并送立法院审议"]),
        ("來源：新華社\n（責任編輯：王松濤）\n本文转载自其他网站，版权归原作者所有，如有侵权请联系删除。", []),
        ("新华社北京3月5日电（记者 王某）国务院总理今天在人民大会堂作政府工作报告说明", ["国务院总理今天在人民大会堂作政府工作报告说明"]),
    ],
)  # fmt: skip
def test_content_lines(body, expected):
    assert content_lines(body) == expected


# ---------------------------------------------------------------------------
# Grouping
# ---------------------------------------------------------------------------


def test_reprint_in_the_other_script_joins_and_a_templated_report_does_not():
    stories = StoryIndex()
    roads = stories.add("roads", article(COUNTY_ROADS))
    water = stories.add("water", article(COUNTY_WATER))
    assert roads != water
    assert stories.add("roads-reprint", traditional_reprint(COUNTY_ROADS)) == roads
    assert stories.add("water-reprint", traditional_reprint(COUNTY_WATER, "來源：河南日報")) == water
    assert stories.groups() == {roads: ["roads", "roads-reprint"], water: ["water", "water-reprint"]}


@pytest.mark.parametrize(
    "first, second, expected",
    [
        (article(COUNTY_ROADS), traditional_reprint(COUNTY_ROADS), True),
        (article(COUNTY_ROADS), article(COUNTY_ROADS[:3]), True),  # half the article
        (article(COUNTY_ROADS + [ROADS_MORE]), article(COUNTY_ROADS[:3]), True),  # two fifths: contained
        (article(COUNTY_ROADS), article(COUNTY_ROADS + COUNTY_WATER[1:2]), True),  # a paragraph added
        (article(COUNTY_ROADS), article(ROADS_FOLLOW_UP), False),  # shared background only
        (article(COUNTY_ROADS), article(COUNTY_WATER), False),  # the same opening only
    ],
)
def test_same_story_verification(first, second, expected):
    assert same_story(signature(first), signature(second)) is expected


def daily_count(day: int, cases: int, imported: int) -> str:
    """One day's report of a template (xwlb's daily case counts): only the numbers change."""
    return (
        f"国家卫生健康委今天通报，7月{day}日0至24时，31个省（自治区、直辖市）和新疆生产建设兵团报告新增确诊病例"
        f"{cases}例，其中境外输入病例{imported}例，本土病例{cases - imported}例。截至7月{day}日24时，现有确诊病例"
        f"{200 + cases}例，累计治愈出院病例{80000 + day * 7}例，累计报告确诊病例{86000 + day * 9}例。\n"
        "国家卫生健康委提醒，当前境外疫情仍处于高位，各地要毫不放松抓好常态化疫情防控，坚持人物同防，"
        "严格落实入境人员闭环管理和重点人群定期核酸检测，加强农贸市场、冷链物流等重点场所的监测预警，"
        "广大群众要继续做好个人防护，坚持戴口罩、勤洗手、常通风、少聚集，出现发热等症状及时就医。"
    )


@pytest.mark.parametrize(
    "first, second, expected",
    [
        (daily_count(18, 16, 3), daily_count(22, 22, 3), False),  # another day's report
        (daily_count(18, 16, 3), daily_count(18, 16, 3) + "\n（编辑：王明）", True),  # a reprint
        (daily_count(18, 16, 3), convert_for_display(daily_count(18, 16, 3), "traditional"), True),
    ],
)
def test_templated_reports_differ_in_their_numbers(first, second, expected):
    assert same_story(signature(first), signature(second)) is expected
    stories = StoryIndex()
    assert (stories.add("first", first) == stories.add("second", second)) is expected


def test_a_document_that_reprints_two_stories_joins_them():
    stories = StoryIndex()
    cut = stories.add("cut", article(COUNTY_ROADS[:3]))  # the first half
    rest = stories.add("rest", article(COUNTY_ROADS[:1] + COUNTY_ROADS[3:] + [ROADS_MORE]))  # the other
    assert cut != rest
    whole = stories.add("whole", article(COUNTY_ROADS + [ROADS_MORE]))
    assert stories.story_of("cut") == stories.story_of("rest") == whole


def test_records_with_their_own_ids_and_the_same_text_are_one_story():
    stories = StoryIndex()
    assert stories.add("a", article(COUNTY_ROADS)) == stories.add("b", article(COUNTY_ROADS))


def test_a_replaced_document_leaves_its_story():
    stories = StoryIndex()
    roads = stories.add("roads", article(COUNTY_ROADS))
    water = stories.add("water", article(COUNTY_WATER))
    stories.add("copy", article(COUNTY_ROADS))
    assert stories.add("copy", traditional_reprint(COUNTY_WATER)) == water
    assert stories.groups() == {roads: ["roads"], water: ["water", "copy"]}


def xwlb_day(day_index: int = 3) -> list[dict]:
    """Every item of one day of 新闻联播 (they share the programme's template)."""
    if not CORPUS.exists():
        pytest.skip("../shared/corpus is absent")
    with gzip.open(CORPUS / "xwlb.jsonl.gz", "rt", encoding="utf-8") as handle:
        items = [json.loads(line) for line in itertools.islice(handle, 400)]
    days = sorted({item["date"] for item in items})
    return [item for item in items if item["date"] == days[day_index]]


@pytest.mark.corpus
def test_real_reprint_joins_and_same_day_xwlb_items_stay_apart():
    items = xwlb_day()
    original = next(item for item in items if len(clean_text(item["content"]).split("\n")) >= 4)
    stories = StoryIndex()
    for item in items:
        stories.add(item["id"], clean_text(item["content"]))
    assert len(stories.groups()) == len(items)  # a day's different items: one story each
    paragraphs = clean_text(original["content"]).split("\n")
    joined = stories.add("reprint", traditional_reprint(paragraphs, "來源：央視網"))
    assert joined == stories.story_of(original["id"])
    assert len(stories.groups()) == len(items)


@pytest.mark.corpus
def test_banded_candidates_are_datasketchs(monkeypatch):
    """Our banded index proposes exactly the candidates datasketch's MinHashLSH does, as rows are
    added (through many flushes and merges of runs), removed and restored at once."""
    if not CORPUS.exists():
        pytest.skip("../shared/corpus is absent")
    monkeypatch.setattr(_Bands, "FLUSH_ROWS", 37)
    with gzip.open(CORPUS / "xwlb.jsonl.gz", "rt", encoding="utf-8") as handle:
        bodies = [clean_text(json.loads(line)["content"]) for line in itertools.islice(handle, 1200)]
    bodies += [traditional_reprint(body.split("\n")) for body in bodies[::7]]  # candidates to find
    values = [signature(body).hashvalues for body in bodies]
    bands, reference = _Bands(), MinHashLSH(num_perm=NUM_PERM, params=(LSH_BANDS, LSH_ROWS))
    proposed = 0
    for row, hashvalues in enumerate(values):
        minhash = LeanMinHash(seed=SEED, hashvalues=hashvalues, scheme="affine32")
        expected = sorted(reference.query(minhash))
        assert bands.candidates(band_keys(hashvalues)).tolist() == expected
        proposed += len(expected)
        bands.add(row, band_keys(hashvalues))
        reference.insert(row, minhash)
    assert proposed > len(bodies) // 7  # the reprints found their originals, and more
    removed = np.zeros(len(values), dtype=bool)
    removed[::3] = True
    bands.drop(removed)
    restored = _Bands()
    restored.add_many(np.flatnonzero(~removed), band_keys(np.array(values)[~removed]))
    for row in np.flatnonzero(removed).tolist():
        reference.remove(row)
    for hashvalues in values[::5]:
        expected = sorted(reference.query(LeanMinHash(seed=SEED, hashvalues=hashvalues, scheme="affine32")))
        assert bands.candidates(band_keys(hashvalues)).tolist() == expected
        assert restored.candidates(band_keys(hashvalues)).tolist() == expected


# ---------------------------------------------------------------------------
# Stories in the index: incremental, replaced, killed
# ---------------------------------------------------------------------------


def write_jsonl(path: Path, records: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    return path


ORIGINALS = [
    {"id": "roads", "title": "新乡县农村公路", "content": article(COUNTY_ROADS), "date": "2024-03-05", "source": "新乡日报"},
    {"id": "water", "title": "新乡县农田水利", "content": article(COUNTY_WATER), "date": "2024-03-05", "source": "新乡日报"},
]  # fmt: skip
REPRINT = {"id": "reprint", "title": "農村新聞", "content": traditional_reprint(COUNTY_ROADS),
           "date": "2024-03-08", "source": "聯合報"}  # fmt: skip


def test_incremental_run_joins_the_existing_story_and_a_replacement_moves(tmp_path):
    index_dir = tmp_path / "index"
    index_paths([write_jsonl(tmp_path / "a" / "first.jsonl", ORIGINALS)], index_dir, procs=1)
    first = read_table(index_dir)
    roads = first.story_of("roads")
    index_paths([write_jsonl(tmp_path / "b" / "later.jsonl", [REPRINT])], index_dir, procs=1)
    index = SearchIndex(index_dir)
    story = index.story("reprint")
    assert story["id"] == roads and story["size"] == 2 and story["lead"] == "roads"
    assert [(m["id"], m["date"], m["lead"]) for m in story["members"]] == [
        ("roads", "2024-03-05", True),
        ("reprint", "2024-03-08", False),
    ]
    hits = {hit["id"]: (hit["story"], hit["story_size"]) for hit in index.search("", per_page=10)["hits"]}
    assert hits == {"roads": (roads, 2), "reprint": (roads, 2), "water": (first.story_of("water"), 1)}
    # The same id, now a reprint of the other report: it leaves one story and joins the other.
    moved = dict(REPRINT, content=traditional_reprint(COUNTY_WATER))
    index_paths([write_jsonl(tmp_path / "b" / "later.jsonl", [moved])], index_dir, procs=1)
    table = read_table(index_dir)
    assert table.story_of("reprint") == table.story_of("water") != table.story_of("roads")
    assert table.size(table.story_of("roads")) == 1
    assert len(store_files(index_dir)) == 2  # the newest and the one before it


KILLER = """
import os, signal, sys
from search import indexer, stories
saves = []
real_save = stories.StoryBook.save
def save(self, generation):
    saves.append(generation)
    if len(saves) == 2:  # the index has just committed its second batch
        os.kill(os.getpid(), signal.SIGKILL)
    return real_save(self, generation)
stories.StoryBook.save = save
indexer.index_paths([sys.argv[1]], sys.argv[2], procs=1, commit_every=2)
"""


def test_a_run_killed_before_the_store_is_written_is_repaired_next_run(tmp_path):
    second = dict(REPRINT, id="reprint2", content=traditional_reprint(COUNTY_ROADS, "來源：自由時報"))
    records = ORIGINALS + [REPRINT, second]
    source = write_jsonl(tmp_path / "docs" / "all.jsonl", records)
    index_dir = tmp_path / "index"
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    run = subprocess.run([sys.executable, "-c", KILLER, str(source), str(index_dir)], env=env, timeout=120)
    assert run.returncode == -9
    index = SearchIndex(index_dir)
    assert index.doc_count() == 4  # both batches committed
    table = read_table(index_dir)
    assert table.generation == 1 and set(table.ids.tolist()) == {"roads", "water"}  # the old, complete store
    assert index.story("reprint") is None  # not yet assigned: a story-less document, not an error
    summary = index_paths([source], index_dir, procs=1)  # nothing new: every record unchanged
    assert summary.unchanged == 4
    table = read_table(index_dir)
    assert table.generation > 1 and len(table.ids) == 4
    assert table.story_of("reprint") == table.story_of("reprint2") == table.story_of("roads")
    assert table.story_of("water") != table.story_of("roads")


def test_story_store_survives_reopening(tmp_path):
    index_dir = tmp_path / "index"
    index_paths([write_jsonl(tmp_path / "a" / "first.jsonl", ORIGINALS + [REPRINT])], index_dir, procs=1)
    book = StoryBook.open(index_dir)
    assert book.stories.groups() == StoryBook.open(index_dir).stories.groups()
    assert book.stories.story_of("reprint") == book.stories.story_of("roads")
    # A further reprint joins through the reloaded LSH, not a rebuild.
    assert book.add("again", traditional_reprint(COUNTY_ROADS, "來源：中央社")) == book.stories.story_of(
        "roads"
    )


@pytest.mark.parametrize(
    "members, lead",
    [
        ([{"id": "b", "published": "2024-03-08"}, {"id": "a", "published": "2024-03-05"}], "a"),
        ([{"id": "a", "published": None}, {"id": "b", "published": "2024-03-08"}], "b"),
        ([{"id": "a", "published": "2024-03"}, {"id": "b", "published": "2024-03-08"}], "b"),
        # Same day: the outlet the story's documents name most (the original) leads.
        ([{"id": "a", "published": "2024-03-05", "source": "联合报"},
          {"id": "b", "published": "2024-03-05", "source": "新华社"},
          {"id": "c", "published": "2024-03-07", "source": "新华社"}], "b"),
    ],
)  # fmt: skip
def test_story_lead(members, lead):
    assert story_lead(members) == lead


# ---------------------------------------------------------------------------
# The API and the document page
# ---------------------------------------------------------------------------


@pytest.fixture
def story_client(tmp_path):
    from web import create_app

    index_dir = tmp_path / "index"
    index_paths([write_jsonl(tmp_path / "a" / "docs.jsonl", ORIGINALS + [REPRINT])], index_dir, procs=1)
    return create_app({"INDEX_DIR": str(index_dir), "TESTING": True}).test_client()


def test_api_doc_lists_the_story(story_client):
    data = story_client.get("/api/doc/reprint").get_json()
    story = data["story"]
    assert (story["size"], story["lead"]) == (2, "roads")
    assert story["others"] == [
        {"id": "roads", "source": "新乡日报", "date": "2024-03-05", "published": "2024-03-05",
         "title": "新乡县农村公路", "lead": True},
    ]  # fmt: skip
    assert story_client.get("/api/doc/water").get_json()["story"]["others"] == []


def test_document_page_lists_the_story_and_marks_the_lead(story_client):
    page = story_client.get("/doc/reprint").get_data(as_text=True)
    assert "同一报道的其他 1 篇" in page
    assert '<a href="/doc/roads">新乡县农村公路</a>' in page and "首发" in page
    lead_page = story_client.get("/doc/roads").get_data(as_text=True)
    assert "本文是这篇报道最早的一篇" in lead_page and '<a href="/doc/reprint">農村新聞</a>' in lead_page
    assert "同一报道" not in story_client.get("/doc/water").get_data(as_text=True)
