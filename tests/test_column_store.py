"""search.engine.column_store: columns stored at commit equal the computed ones, and a
missing, truncated or damaged file falls back to computing (never trusted)."""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from whoosh import index as whoosh_index

from search.engine import open_for_search
from search.engine.column_store import ROWS, read_segment, read_story_rows, store_columns
from search.engine.columns import FacetColumns
from search.indexer import index_paths
from search.request import FACETS, UNKNOWN
from search.schema import INDEX_NAME
from search.searcher import SearchIndex
from tests.conftest import synthetic_articles

PARTS = ("columns.json", "columns.npy", "pairs.npy", "ids.npy")

# (query, filters, sort, collapse): facets, filters (unknown bucket, regions, dates), sorts and stories.
SEARCHES = [
    ("", {}, None, None),
    ("台灣", {}, "newest", None),
    ("地震", {"year": ["none"]}, "oldest", None),
    ("", {"source": ["中央社"]}, "newest", None),
    ("", {"topic": ["none"], "date_from": "2010-01-01"}, "oldest", None),
    ("发生", {"province": ["台湾省"]}, None, "story"),
    ("", {"region": ["四川省"]}, "newest", "story"),
]


def segment_ids(index_dir: Path) -> set[str]:
    return {segment.segment_id() for segment in open_for_search(index_dir)._segments()}


def column_files(index_dir: Path) -> dict[str, set[str]]:
    """Segment -> the column parts in the folder."""
    found: dict[str, set[str]] = {}
    for entry in index_dir.iterdir():
        segment, _, part = entry.name.partition(".")
        if part in PARTS:
            found.setdefault(segment, set()).add(part)
    return found


def without_columns(index_dir: Path, target: Path) -> Path:
    """A copy of the index made of hard links, its column files left out (the old way)."""
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(index_dir, target, copy_function=os.link)
    for entry in target.iterdir():
        if entry.name.partition(".")[2] in PARTS or entry.name.startswith("xunwen-stories-"):
            entry.unlink()
    return target


def assert_same_columns(first: FacetColumns, second: FacetColumns) -> None:
    assert first.size == second.size
    assert np.array_equal(first.live, second.live)
    assert np.array_equal(first.dates, second.dates) and first.dates.dtype == second.dates.dtype
    assert first.traditional_sources == second.traditional_sources
    for name, column in first.columns.items():
        other = second.columns[name]
        assert column.values == other.values, name
        assert np.array_equal(column.doc_codes, other.doc_codes), name
        assert column.doc_codes.dtype == other.doc_codes.dtype, name
        assert (column.pair_docs is None) == (other.pair_docs is None), name
        if column.pair_docs is not None:
            assert np.array_equal(column.pair_docs, other.pair_docs), name


def scanned_facets(index_dir: Path) -> dict[str, Counter]:
    """Ground truth: each facet's values counted by a scan of the live documents' stored fields."""
    counts: dict[str, Counter] = {name: Counter() for name in FACETS}
    with open_for_search(index_dir).reader() as reader:
        for _, stored in reader.iter_docs():
            for name, (fieldname, multi) in FACETS.items():
                value = stored.get(fieldname)
                values = (
                    [item for item in (value or "").split(",") if item] if multi else [value] if value else []
                )
                counts[name].update(values or [UNKNOWN])
    return counts


def searched(index: SearchIndex, query, filters, sort, collapse) -> dict:
    result = index.search(query, filters, per_page=20, sort=sort, collapse=collapse)
    result.pop("took_ms")
    return result


def assert_stored_like_computed(index_dir: Path, scratch: Path, story_rows: bool = True) -> None:
    """Every segment read from its files (and the story column, where an indexing run wrote
    it); the same arrays, searches and stories as computed; the facets of everything equal
    to a scan of the stored fields."""
    ix = open_for_search(index_dir)
    with ix.reader() as reader:
        stored = FacetColumns.from_reader(reader, index_dir)
        assert stored.stored_segments == len(reader.leaf_readers())
        assert_same_columns(stored, FacetColumns.from_reader(reader, None))
    old_way = SearchIndex(without_columns(index_dir, scratch))
    new_way = SearchIndex(index_dir)
    generation = ix.latest_generation()
    assert (read_story_rows(index_dir, generation, stored.size) is not None) == story_rows
    assert read_story_rows(old_way.index_dir, generation, stored.size) is None
    assert np.array_equal(new_way._story_column(new_way._searcher()).rows,
                          old_way._story_column(old_way._searcher()).rows)  # fmt: skip
    for query, filters, sort, collapse in SEARCHES:
        assert searched(new_way, query, filters, sort, collapse) == searched(
            old_way, query, filters, sort, collapse
        )
    everything = new_way.search("", per_page=100)
    assert everything["total"] == sum(1 for _ in ix.reader().all_doc_ids())
    truth = scanned_facets(index_dir)
    for name in ("province", "year", "topic", "source"):
        assert {item["value"]: item["count"] for item in everything["facets"][name]} == {
            value: truth[name][value] for value in (item["value"] for item in everything["facets"][name])
        }, name
    for hit in everything["hits"][:20]:
        assert new_way.story(hit["id"]) == old_way.story(hit["id"])
    old_way.close()
    new_way.close()


@pytest.fixture(scope="module")
def corpus_index(tmp_path_factory) -> Path:
    corpus = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
    if not (corpus / "tw_news.jsonl.gz").exists():
        pytest.skip("../shared/corpus is absent")
    index_dir = tmp_path_factory.mktemp("columns") / "index"
    index_paths([corpus / "tw_news.jsonl.gz"], index_dir, procs=1)
    return index_dir


@pytest.mark.corpus
def test_stored_columns_through_add_replace_delete_and_merge(corpus_index, tmp_path):
    index_dir = corpus_index
    shared = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"
    first = segment_ids(index_dir)
    assert set(column_files(index_dir)) == first and all(
        len(p) == 4 for p in column_files(index_dir).values()
    )
    assert_stored_like_computed(index_dir, tmp_path / "a")

    # An incremental run writes its new segment's files only.
    before = {
        path.name: path.stat().st_ino for path in index_dir.iterdir() if path.name.partition(".")[2] in PARTS
    }
    index_paths([shared / "cec.jsonl.gz"], index_dir, procs=1)
    assert set(column_files(index_dir)) == segment_ids(index_dir) and len(segment_ids(index_dir)) > len(first)
    kept = {name: inode for name, inode in before.items() if name.split(".")[0] in segment_ids(index_dir)}
    assert {name: (index_dir / name).stat().st_ino for name in kept} == kept
    assert_stored_like_computed(index_dir, tmp_path / "b")

    # A replacement: the old version is deleted in its old segment, applied on top of its files.
    with open_for_search(index_dir).reader() as reader:
        doc_id = next(fields["id"] for _, fields in reader.iter_docs() if fields.get("province"))
    replaced = tmp_path / "replace.jsonl"
    replaced.write_text(json.dumps({"id": doc_id, "title": "四川地震消息", "date": "2001-05-04",
                                    "content": "四川省成都市今天发生地震，居民安全。" * 5}, ensure_ascii=False) + "\n")  # fmt: skip
    summary = index_paths([replaced], index_dir, procs=1)
    assert summary.updated == 1
    assert_stored_like_computed(index_dir, tmp_path / "c")
    assert SearchIndex(index_dir).search("", {"year": ["2001"]})["total"] == 1

    # A deletion alone (no new segment, no merge).
    with open_for_search(index_dir).reader() as reader:
        other = next(
            fields["id"]
            for _, fields in reader.iter_docs()
            if fields.get("source") and fields["id"] != doc_id
        )
    ix = whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME)
    writer = ix.writer()
    writer.delete_by_term("id", other)
    writer.commit(merge=False)
    assert_stored_like_computed(index_dir, tmp_path / "d", story_rows=False)  # no indexing run: joined

    # A merge: the merged-away segments' files go with them, the new segment's are written.
    ix.optimize()
    assert set(column_files(index_dir)) <= segment_ids(index_dir)
    assert store_columns(ix) == sorted(segment_ids(index_dir))
    assert set(column_files(index_dir)) == segment_ids(index_dir)
    assert_stored_like_computed(index_dir, tmp_path / "e")


# -- damaged and missing files (a small index of synthetic articles) --------


@pytest.fixture
def small_index(tmp_path) -> Path:
    index_dir = tmp_path / "index"
    index_paths([synthetic_articles(tmp_path / "a.jsonl", 40)], index_dir, procs=1)
    index_paths([synthetic_articles(tmp_path / "b.jsonl", 20, first=40)], index_dir, procs=1)
    return index_dir


def _segment(index_dir: Path) -> tuple[str, int]:
    with open_for_search(index_dir).reader() as reader:
        leaf = reader.leaf_readers()[0][0]
        return leaf.segment().segment_id(), leaf.doc_count_all()


def _truncate(path: Path) -> None:
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])


def _stamp_edit(key, value):
    def edit(index_dir: Path, segment: str) -> None:
        path = index_dir / f"{segment}.columns.json"
        stamp = json.loads(path.read_text())
        stamp[key] = value
        path.write_text(json.dumps(stamp))

    return edit


def _codes_out_of_range(index_dir: Path, segment: str) -> None:
    path = index_dir / f"{segment}.columns.npy"
    rows = np.load(path)
    rows[ROWS.index("province"), 0] = 10_000
    np.save(path, rows)


def _wrong_shape(index_dir: Path, segment: str) -> None:
    path = index_dir / f"{segment}.columns.npy"
    np.save(path, np.load(path)[:, :-1])


def _wrong_dtype(index_dir: Path, segment: str) -> None:
    path = index_dir / f"{segment}.pairs.npy"
    np.save(path, np.load(path).astype(np.int64))


@pytest.mark.parametrize(
    "damage",
    [
        lambda index_dir, segment: (index_dir / f"{segment}.ids.npy").unlink(),  # a killed run
        lambda index_dir, segment: (index_dir / f"{segment}.columns.json").unlink(),
        lambda index_dir, segment: _truncate(index_dir / f"{segment}.columns.npy"),
        lambda index_dir, segment: _truncate(index_dir / f"{segment}.columns.json"),
        lambda index_dir, segment: (index_dir / f"{segment}.pairs.npy").write_bytes(b"not numpy"),
        _stamp_edit("version", 999),
        _stamp_edit("documents", 7),
        _stamp_edit("rows", ["date"]),
        _stamp_edit("facets", {"province": ["province", True]}),
        _codes_out_of_range,
        _wrong_shape,
        _wrong_dtype,
    ],
    ids=[
        "missing-ids",
        "missing-stamp",
        "truncated-npy",
        "truncated-json",
        "not-npy",
        "version",
        "documents",
        "rows",
        "schema",
        "codes-out-of-range",
        "shape",
        "dtype",
    ],  # fmt: skip
)
def test_missing_or_damaged_files_fall_back_to_computing(small_index, damage, tmp_path):
    segment, size = _segment(small_index)
    assert read_segment(small_index, segment, size) is not None
    expected = searched(SearchIndex(without_columns(small_index, tmp_path / "old")), "样本", {}, None, None)
    damage(small_index, segment)
    assert read_segment(small_index, segment, size) is None
    index = SearchIndex(small_index)
    assert searched(index, "样本", {}, None, None) == expected
    assert index._generation(index._searcher()).columns.stored_segments == 1  # the other segment's files
    # The next indexing run writes the files again.
    assert store_columns(open_for_search(small_index)) == [segment]
    assert read_segment(small_index, segment, size) is not None


def test_stale_and_temporary_files_are_removed(small_index):
    gone = small_index / "xunwen_0000000000000000.columns.npy"  # a segment no TOC names
    gone.write_bytes(b"")
    dead = small_index / ".xunwen_0000000000000001.ids.npy.999999999.tmp"  # a killed run's
    dead.write_bytes(b"")
    alive = small_index / f".xunwen_0000000000000002.ids.npy.{os.getppid()}.tmp"  # a running writer's
    alive.write_bytes(b"")
    old_stories = small_index / "xunwen-stories-v1-0.npy"  # the story column of a generation long gone
    old_stories.write_bytes(b"")
    assert store_columns(open_for_search(small_index)) == []
    assert not gone.exists() and not dead.exists() and alive.exists() and not old_stories.exists()
    assert len(list(small_index.glob("xunwen-stories-v1-*.npy"))) == 1  # the newest generation's


def _story_rows_file(index_dir: Path) -> Path:
    return max(index_dir.glob("xunwen-stories-v*-*.npy"), key=lambda path: int(path.stem.rsplit("-", 1)[1]))


@pytest.mark.parametrize(
    "damage",
    [
        lambda path: path.unlink(),
        _truncate,
        lambda path: np.save(path, np.load(path)[:, :-1]),  # another generation's length
        lambda path: np.save(path, np.load(path).astype(np.int32)),
        lambda path: np.save(path, np.load(path) - 5),  # story ids below -1, sizes below 1
    ],
    ids=["missing", "truncated", "shape", "dtype", "values"],
)
def test_damaged_story_column_is_joined_again(small_index, damage, tmp_path):
    expected = searched(
        SearchIndex(without_columns(small_index, tmp_path / "old")), "样本", {}, None, "story"
    )
    path = _story_rows_file(small_index)
    assert path.name.endswith(f"-{open_for_search(small_index).latest_generation()}.npy")
    damage(path)
    index = SearchIndex(small_index)
    assert read_story_rows(small_index, open_for_search(small_index).latest_generation(), 60) is None
    assert searched(index, "样本", {}, None, "story") == expected
