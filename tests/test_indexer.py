"""Building the index: incremental runs, duplicates, failures, rebuilds."""

from __future__ import annotations

import json
import shutil

import pytest
from conftest import SEEDS

from search import open_index
from search.indexer import IndexLockedError, index_paths, known_documents, open_or_create


def _copy_seeds(folder):
    target = folder / "articles"
    shutil.copytree(SEEDS, target)
    return target


@pytest.mark.parametrize("procs", [1, 2])
def test_reindexing_the_seeds_changes_nothing(tmp_path, procs):
    first = index_paths([SEEDS], tmp_path / "ix", procs=procs)
    assert (first.indexed, first.updated, first.unchanged, first.failed) == (5, 0, 0, [])
    before = known_documents(open_or_create(tmp_path / "ix"))
    second = index_paths([SEEDS], tmp_path / "ix", procs=procs)
    assert (second.indexed, second.updated, second.unchanged, second.failed) == (0, 0, 5, [])
    assert known_documents(open_or_create(tmp_path / "ix")) == before
    assert sorted(before) == sorted(path.stem for path in SEEDS.glob("*.txt"))


def test_changed_file_is_replaced_and_new_file_added(tmp_path):
    articles = _copy_seeds(tmp_path)
    index_paths([articles], tmp_path / "ix", procs=1)
    changed = next(articles.glob("003_*.txt"))
    changed.write_text(changed.read_text(encoding="utf-8") + "\n补充一段：管城区再创佳绩。", encoding="utf-8")
    (articles / "new.txt").write_text("新文章标题\n\n枣强县召开新闻发布会。", encoding="utf-8")
    summary = index_paths([articles], tmp_path / "ix", procs=2)
    assert (summary.indexed, summary.updated, summary.unchanged) == (1, 1, 4)
    index = open_index(tmp_path / "ix")
    assert index.doc_count() == 6
    assert index.search("再创佳绩")["total"] == 1
    assert index.search("新闻发布会")["hits"][0]["id"] == "new"


def test_files_with_the_same_text_are_all_indexed_and_marked(tmp_path):
    articles = _copy_seeds(tmp_path)
    original = next(articles.glob("004_*.txt"))
    shutil.copy(original, articles / "copy_of_004.txt")
    summary = index_paths([articles], tmp_path / "ix", procs=1)
    assert summary.indexed == 6
    assert summary.same_text == [(str(articles / "copy_of_004.txt"), "copy_of_004", original.stem)]
    index = open_index(tmp_path / "ix")
    assert index.document("copy_of_004")["same_text_as"] == original.stem
    assert index.document(original.stem)["same_text_as"] is None


def test_rebuild_replaces_the_index(tmp_path):
    index_paths([SEEDS], tmp_path / "ix", procs=1)
    one = tmp_path / "one.jsonl"
    one.write_text(json.dumps({"id": "x", "title": "唯一", "content": "只有这一篇。"}, ensure_ascii=False))
    summary = index_paths([one], tmp_path / "ix", rebuild=True, procs=1)
    assert summary.indexed == 1
    assert open_index(tmp_path / "ix").doc_count() == 1


def test_bad_files_are_reported_and_good_ones_indexed(tmp_path):
    folder = tmp_path / "mixed"
    folder.mkdir()
    (folder / "gbk.txt").write_bytes("郑州市召开经济工作会议\n\n会议强调高质量发展。".encode("gbk"))
    (folder / "big5.txt").write_bytes("臺北市召開記者會\n\n市長說明防疫措施。".encode("big5"))
    (folder / "empty.txt").write_bytes(b"")
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 8)
    lines = [
        json.dumps(
            {"id": "j1", "title": "甲", "content": "新乡市发布通知。", "date": "2020-01-02"},
            ensure_ascii=False,
        ),
        "{not json",
        json.dumps({"id": "j3", "title": "丙", "content": "周口市举行活动。"}, ensure_ascii=False),
    ]
    (folder / "items.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    summary = index_paths([folder], tmp_path / "ix", procs=2)
    failed = sorted((error.path.rsplit("/", 1)[-1], error.line) for error in summary.failed)
    assert failed == [("binary.txt", None), ("empty.txt", None), ("items.jsonl", 2)]
    assert summary.indexed == 4
    index = open_index(tmp_path / "ix")
    assert index.search("防疫")["total"] == 1  # Big5, found in Simplified
    assert index.search("高质量发展")["total"] == 1  # GBK
    assert index.document("j1")["date"] == "2020-01-02"


def test_a_second_writer_is_refused_with_a_clear_message(tmp_path):
    ix = open_or_create(tmp_path / "ix")
    writer = ix.writer()
    try:
        with pytest.raises(IndexLockedError, match="another xunwen process"):
            index_paths([SEEDS], tmp_path / "ix", procs=1)
    finally:
        writer.cancel()
    assert index_paths([SEEDS], tmp_path / "ix", procs=1).indexed == 5


def _fails_for_changed(cleaned):
    """A preparer whose work fails for the ids starting with "changed" (as a bad record would in a worker)."""
    from search.indexer import fields_or_error
    from search.loaders import LoadError

    if cleaned.id.startswith("changed"):
        return LoadError(cleaned.record.path, "could not process", cleaned.record.line, doc_id=cleaned.id)
    return fields_or_error(cleaned)


def test_a_replacement_that_fails_in_a_worker_keeps_the_old_version(tmp_path):
    """Worker failures come back at commit time: the deletes of the old versions wait for them."""
    from search.engine.writer import PreparingWriter
    from search.indexer import clean_record
    from search.loaders import RawRecord

    old = [
        {"id": doc_id, "title": "旧版", "content": f"旧的正文{doc_id}。"} for doc_id in ("changed1", "kept1")
    ]
    first = tmp_path / "old.jsonl"
    first.write_text("\n".join(json.dumps(record, ensure_ascii=False) for record in old), encoding="utf-8")
    index_paths([first], tmp_path / "ix", procs=1)
    writer = PreparingWriter(open_or_create(tmp_path / "ix"), _fails_for_changed, procs=2)
    for doc_id in ("changed1", "kept1"):
        writer.add_record(
            clean_record(RawRecord("new.jsonl", f"新的正文{doc_id}。", {"id": doc_id, "title": "新版"}))
        )
    writer.commit(replacing=["changed1", "kept1"])
    assert [failure.doc_id for failure in writer.failures] == ["changed1"]
    index = open_index(tmp_path / "ix")
    assert (index.document("changed1")["title"], index.document("kept1")["title"]) == ("旧版", "新版")
    assert index.doc_count() == 2


@pytest.mark.parametrize("procs", [1, 2])
def test_indexing_collects_young_garbage_less_often_and_restores_the_collector(tmp_path, procs):
    import gc

    from search.engine.writer import YOUNG_COLLECTION_EVERY

    before = gc.get_threshold()
    during = []
    summary = index_paths(
        [SEEDS], tmp_path / "ix", procs=procs, progress=lambda _: during.append(gc.get_threshold())
    )
    assert summary.indexed == 5 and not summary.failed
    assert during and all(threshold[0] >= YOUNG_COLLECTION_EVERY for threshold in during)
    assert gc.get_threshold() == before
