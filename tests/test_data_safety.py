"""Data safety of indexing (issue 10): no update loses a document, no bad input sinks a run.

Every test builds real files and a real index in a temporary folder; the CLI
runs in a subprocess where the exit status or the message is the point.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urljoin

import pytest
from conftest import ROOT, SEEDS, synthetic_articles
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search import open_index
from search.document import id_problem
from search.indexer import DiskFullError, IndexDamagedError, index_paths
from search.loaders import MAX_TEXT_BYTES, LoadError, RawRecord, html_to_text, iter_records
from search.schema import INDEX_NAME

XUNWEN = [sys.executable, "-m", "search.cli"]
BODY = "新乡市召开会议，部署全年工作。会议强调高质量发展。"


def run_xunwen(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([*XUNWEN, *args], capture_output=True, text=True, cwd=ROOT, timeout=timeout)


def write_jsonl(path: Path, lines: list) -> Path:
    """``lines``: dicts (written as JSON, non-ASCII escaped) or raw strings."""
    text = [line if isinstance(line, str) else json.dumps(line) for line in lines]
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    return path


def good_records(prefix: str = "good", count: int = 2) -> list[dict]:
    return [
        {"id": f"{prefix}{n}", "title": f"好文章{n}", "content": f"{BODY}编号{prefix}{n}。"}
        for n in range(count)
    ]


def names(errors: list[LoadError]) -> set[tuple[str, int | None]]:
    return {(Path(error.path).name, error.line) for error in errors}


def reasons(errors: list[LoadError]) -> str:
    return " | ".join(error.reason for error in errors)


# --- data loss -------------------------------------------------------------


@pytest.mark.parametrize("procs", [1, 2])
def test_a_changed_document_whose_new_version_fails_keeps_the_old_one(tmp_path, procs):
    first = write_jsonl(tmp_path / "a.jsonl", [{"id": "a", "title": "旧标题", "content": BODY}])
    index_paths([first], tmp_path / "ix", procs=procs)
    second = write_jsonl(
        tmp_path / "a.jsonl", [{"id": "a", "title": "新\ud800标题", "content": BODY + "补充。"}]
    )
    summary = index_paths([second], tmp_path / "ix", procs=procs)
    assert (summary.indexed, summary.updated, summary.unchanged) == (0, 0, 0)
    assert names(summary.failed) == {("a.jsonl", 1)}
    assert open_index(tmp_path / "ix").document("a")["title"] == "旧标题"


@pytest.mark.parametrize("procs", [1, 2])
def test_counts_are_of_what_was_committed(tmp_path, procs):
    """Mid-run commits (every 2 documents here) and a final one: the counts add up to the index."""
    path = synthetic_articles(tmp_path / "syn.jsonl", 7)
    summary = index_paths([path], tmp_path / "ix", procs=procs, commit_every=2)
    assert (summary.indexed, summary.queued, summary.failed) == (7, 0, [])
    assert open_index(tmp_path / "ix").doc_count() == 7


# --- one bad input sinks the whole run --------------------------------------


def _truncated_gz(folder: Path) -> Path:
    lines = "".join(json.dumps(record) + "\n" for record in good_records("gz", 200)).encode()
    data = gzip.compress(lines)
    path = folder / "cut.jsonl.gz"
    path.write_bytes(data[: len(data) * 2 // 3])
    return path


def _corrupt_gz(folder: Path) -> Path:
    data = bytearray(gzip.compress("".join(json.dumps(r) + "\n" for r in good_records("cz", 200)).encode()))
    data[len(data) // 2 : len(data) // 2 + 64] = b"\xff" * 64
    path = folder / "corrupt.jsonl.gz"
    path.write_bytes(bytes(data))
    return path


def _line(name: str, record: dict | str):
    def make(folder: Path) -> Path:
        return write_jsonl(folder / name, [*good_records(name.split(".")[0]), record])

    return make


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


def _fifo(folder: Path) -> Path:
    os.mkfifo(folder / "pipe.jsonl")
    return folder / "pipe.jsonl"


def _socket(folder: Path) -> Path:
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(folder / "sock.txt"))
    return folder / "sock.txt"


def _unclosed_html(folder: Path) -> Path:
    path = folder / "tags.html"
    path.write_text(
        "<html><body><h1>未闭合的标签</h1>" + "<span>字" * 40_000 + "</body></html>", encoding="utf-8"
    )
    return path


SURROGATE_BODY = {"id": "s-body", "content": "正文\ud800正文"}

BAD_INPUTS = [
    # (make the bad file, (name, line) reported, words of the reason, is a warning)
    (_truncated_gz, ("cut.jsonl.gz", None), "truncated compressed file: its first", True),
    (_corrupt_gz, ("corrupt.jsonl.gz", None), "corrupt compressed data", False),
    (_line("sbody.jsonl", SURROGATE_BODY), ("sbody.jsonl", 3), "lone surrogate", False),
    (_line("stitle.jsonl", {"id": "s-t", "title": "\udc00", "content": BODY}), ("stitle.jsonl", 3), "'title'", False),
    (_line("sid.jsonl", {"id": "\ud83d", "content": BODY}), ("sid.jsonl", 3), "lone surrogate", False),
    (_line("ssource.jsonl", {"id": "s-s", "source": "\ud800", "content": BODY}), ("ssource.jsonl", 3), "'source'",
     False),
    (_line("surl.jsonl", {"id": "s-u", "url": "http://x/\ud800", "content": BODY}), ("surl.jsonl", 3), "'url'", False),
    (_line("deep.jsonl", _nested(100_000)), ("deep.jsonl", 3), "nested too deeply", False),
    (_line("deepextra.jsonl", f'{{"id": "d", "content": "{BODY}", "tree": {_nested(500)}}}'),
     ("deepextra.jsonl", 3), "field 'tree' is too big to keep (nested 500 deep", True),
    (_fifo, ("pipe.jsonl", None), "not a regular file (FIFO)", False),
    (_socket, ("sock.txt", None), "not a regular file (socket)", False),
]  # fmt: skip


@pytest.mark.parametrize("procs", [1, 2])
@pytest.mark.parametrize(
    "make, where, reason, warning", BAD_INPUTS, ids=lambda v: getattr(v, "__name__", None)
)
def test_one_bad_input_is_one_reported_item_and_the_rest_is_committed(
    tmp_path, make, where, reason, warning, procs
):
    folder = tmp_path / "in"
    folder.mkdir()
    write_jsonl(folder / "neighbour.jsonl", good_records("n", 3))
    make(folder)
    summary = index_paths([folder], tmp_path / "ix", procs=procs)
    items = summary.warnings if warning else summary.failed
    assert where in names(items), summary.as_dict()
    assert reason in reasons(items)
    if not warning:
        assert len(summary.failed) == 1, summary.as_dict()
    index = open_index(tmp_path / "ix")
    for n in range(3):
        assert index.document(f"n{n}") is not None
    for name in ("sbody", "stitle", "sid", "ssource", "surl", "deep", "deepextra"):
        if where[0] == f"{name}.jsonl":
            assert index.document(f"{name}0") is not None and index.document(f"{name}1") is not None
    assert index.doc_count() == 3 + summary.indexed - 3


def test_a_truncated_gzip_keeps_the_lines_before_the_cut(tmp_path):
    path = _truncated_gz(tmp_path)
    summary = index_paths([path], tmp_path / "ix", procs=1)
    [warning] = summary.warnings
    kept = int(warning.reason.split("its first ")[1].split()[0])
    assert 100 < kept < 200 and summary.failed == []
    assert summary.indexed == open_index(tmp_path / "ix").doc_count() >= kept - 1


def test_an_integer_of_5000_digits_is_kept_as_its_text(tmp_path):
    number = "7" * 5000
    path = write_jsonl(tmp_path / "n.jsonl", [f'{{"id": "big", "content": "{BODY}", "views": {number}}}'])
    summary = index_paths([path], tmp_path / "ix", procs=1)
    assert (summary.indexed, summary.failed) == (1, [])
    assert open_index(tmp_path / "ix").document("big")["extra"] == {"views": number}


def test_html_with_40000_unclosed_tags_is_read():
    """Linear now (it was quadratic: 48 s); the time is in bench/bench_loaders.py."""
    text, title = html_to_text("<h1>标题</h1>" + "<span>字" * 40_000 + "<p>结尾</p>")
    assert title == "标题" and text == "标题\n" + "字" * 40_000 + "\n结尾"


def test_a_line_over_the_limit_is_one_failed_line_and_reading_goes_on(tmp_path):
    path = tmp_path / "long.jsonl"
    with open(path, "w", encoding="utf-8") as out:
        out.write(json.dumps(good_records("l", 1)[0]) + "\n")
        out.write('{"id": "huge", "content": "' + "长" * (MAX_TEXT_BYTES + 10) + '"}\n')
        out.write(json.dumps(good_records("m", 1)[0]) + "\n")
    items = list(iter_records([path]))
    assert [item.line for item in items] == [1, 2, 3]
    assert isinstance(items[1], LoadError) and "is too long" in items[1].reason
    assert [item.given["id"] for item in items if isinstance(item, RawRecord)] == ["l0", "m0"]


def test_memory_stays_bounded_for_a_line_of_200_mb(tmp_path):
    """The loader in a subprocess: its peak memory is far below the line's size."""
    path = tmp_path / "huge.jsonl"
    with open(path, "wb") as out:
        out.write(b'{"id": "huge", "content": "')
        chunk = "长" * (1 << 20)
        for _ in range(67):  # 3 bytes a character: 201 MB
            out.write(chunk.encode())
        out.write(b'"}\n' + json.dumps(good_records("after", 1)[0]).encode() + b"\n")
    # VmHWM, not ru_maxrss: the latter keeps the forking parent's peak across exec.
    script = (
        "import re, sys; from search.loaders import iter_records; "
        "items = [(type(i).__name__, i.line) for i in iter_records([sys.argv[1]])]; "
        "peak = re.search(r'VmHWM:\\s+(\\d+)', open('/proc/self/status').read()).group(1); "
        "print(items, int(peak) // 1024)"
    )
    done = subprocess.run([sys.executable, "-c", script, str(path)], capture_output=True, text=True, cwd=ROOT,
                          timeout=300)  # fmt: skip
    items, peak_mb = done.stdout.rsplit(" ", 1)
    print(f"peak memory reading a 201 MB line: {peak_mb} MB")
    assert items == "[('LoadError', 1), ('RawRecord', 2)]", done.stderr
    assert int(peak_mb) < 60


# --- exit statuses ------------------------------------------------------------


def test_exit_statuses_tell_a_partial_run_from_a_damaged_index(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    write_jsonl(folder / "a.jsonl", [*good_records(), "{broken"])
    partial = run_xunwen("index", "--index-dir", str(tmp_path / "ix"), "--quiet", str(folder))
    assert partial.returncode == 1 and "failed: " in partial.stdout
    (tmp_path / "ix" / f"_{INDEX_NAME}_1.toc").write_bytes(b"not a table of contents")
    damaged = run_xunwen("index", "--index-dir", str(tmp_path / "ix"), "--quiet", str(folder))
    assert damaged.returncode == 3
    assert "is damaged" in damaged.stderr and "Traceback" not in damaged.stderr


# --- wrong JSON types -----------------------------------------------------------

TYPED_FIELDS = [
    # (given fields, what the stored document shows, warning naming the field or None)
    ({"title": ["主标题", "副标题"]}, {"title": "主标题"}, None),
    ({"title": 2018}, {"title": "2018"}, None),
    ({"title": {"zh": "标题"}}, {"title": "新乡市召开会议，部署全年工作"}, "'title' is an object"),
    ({"tags": ["甲", 1, None, "乙"]}, {"tags": ["甲", "乙"]}, None),
    ({"tags": {"x": 1}}, {}, "'tags' is an object"),
    ({"topic": {"x": 1}}, {}, "'topic' is an object"),
    ({"url": 12345}, {"url": None}, "'url' is a number"),
    ({"url": ["http://a"]}, {"url": None}, "'url' is a list"),
    ({"url": {"href": "http://a"}}, {"url": None}, "'url' is an object"),
    ({"source": True}, {}, "'source' is true/false"),
    ({"date": 20180301}, {"date": "2018-03-01"}, None),
    ({"id": 42}, {"id": "42"}, None),
]


@pytest.mark.parametrize("fields, shown, warning", TYPED_FIELDS)
def test_fields_of_the_wrong_json_type(tmp_path, fields, shown, warning):
    from web import create_app

    record = {"id": "typed", **fields, "content": BODY}
    summary = index_paths([write_jsonl(tmp_path / "t.jsonl", [record])], tmp_path / "ix", procs=1)
    assert summary.indexed == 1
    refused = [w.reason for w in summary.warnings if "not kept" in w.reason]
    assert len(refused) == (warning is not None) and all(warning in reason for reason in refused)
    doc_id = str(record["id"])
    response = (
        create_app({"INDEX_DIR": str(tmp_path / "ix"), "TESTING": True}).test_client().get(f"/doc/{doc_id}")
    )
    assert response.status_code == 200
    document = open_index(tmp_path / "ix").document(doc_id)
    for key, value in shown.items():
        assert document[key] == value
    assert "{'" not in json.dumps(document, ensure_ascii=False)  # never a Python repr


# --- unusual ids -------------------------------------------------------------------

REFUSED_IDS = [".", "..", "../x", "a/./b", "a/../b", "/abs", "a/", "a//b", "a\\b", "a\nb", "a\tb", "nul\x00",
               "del\x7f", "x" * 501, ""]  # fmt: skip
ACCEPTED_IDS = ["a/b", "中文/标题", "a b", "a?b=1", "a#b", "a%2Fb", "%", "a+b&c", "<script>", "..a", "a..",
                ".hidden", "x" * 500, "😀", "a;b", "~user", "Ünïcode"]  # fmt: skip


@pytest.mark.parametrize("doc_id", REFUSED_IDS + ACCEPTED_IDS)
def test_id_problem_refuses_exactly_the_ids_a_url_cannot_carry(doc_id):
    assert (id_problem(doc_id) is not None) == (doc_id in REFUSED_IDS)


def test_every_indexed_id_is_reachable_from_the_web(tmp_path):
    from flask import url_for

    from web import create_app

    records = [{"id": doc_id, "title": f"标题{n}", "content": f"{BODY}{n}"}
               for n, doc_id in enumerate(REFUSED_IDS + ACCEPTED_IDS + ["\ud800x"])]  # fmt: skip
    summary = index_paths([write_jsonl(tmp_path / "ids.jsonl", records)], tmp_path / "ix", procs=1)
    refused_lines = {error.line for error in summary.failed}
    # "" is not an id at all: that record gets its content hash as its id.
    assert refused_lines == set(range(1, len(REFUSED_IDS))) | {len(records)}
    assert summary.indexed == len(ACCEPTED_IDS) + 1
    app = create_app({"INDEX_DIR": str(tmp_path / "ix"), "TESTING": True})
    client = app.test_client()
    for doc_id in ACCEPTED_IDS:
        with app.test_request_context():
            path = url_for("api.document", doc_id=doc_id)
        resolved = urljoin("http://127.0.0.1/", path)[len("http://127.0.0.1") :]  # as a browser would
        response = client.get(resolved)
        assert response.status_code == 200, (doc_id, path)
        assert response.get_json()["document"]["id"] == doc_id


# --- --rebuild from any state, disk full ----------------------------------------------


def _damage_toc(ix: Path) -> None:
    [toc] = ix.glob(f"_{INDEX_NAME}_*.toc")
    toc.write_bytes(toc.read_bytes()[:20])


def _delete_toc(ix: Path) -> None:
    for toc in ix.glob(f"_{INDEX_NAME}_*.toc"):
        toc.unlink()


def _truncate_segment(ix: Path) -> None:
    [segment] = ix.glob(f"{INDEX_NAME}_*.seg")
    segment.write_bytes(segment.read_bytes()[:1000])


@pytest.mark.parametrize("damage", [_damage_toc, _delete_toc, _truncate_segment])
def test_a_damaged_index_is_named_and_rebuild_starts_over(tmp_path, damage):
    ix = tmp_path / "ix"
    index_paths([SEEDS], ix, procs=1)
    damage(ix)
    with pytest.raises(IndexDamagedError, match=f"the index in {ix} is damaged: .*; run with --rebuild"):
        index_paths([SEEDS], ix, procs=1)
    done = run_xunwen("index", "--index-dir", str(ix), "--quiet", "--rebuild", str(SEEDS))
    assert done.returncode == 0, done.stderr
    assert open_index(ix).doc_count() == 5


def _tmpfs(folder: Path, size: str) -> None:
    folder.mkdir(exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)],
                             capture_output=True)  # fmt: skip
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")


@pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root")
def test_disk_full_keeps_the_old_index_removes_partial_files_and_a_retry_works(tmp_path):
    """A real full disk: the index (2 MB) lives on a 5 MB tmpfs and the run needs 8 MB."""
    disk = tmp_path / "disk"
    _tmpfs(disk, "5m")
    try:
        ix = disk / "ix"
        index_paths([SEEDS], ix, procs=1)
        before = sorted(path.name for path in ix.rglob("*"))
        big = synthetic_articles(tmp_path / "big.jsonl", 1000)
        done = run_xunwen("index", "--index-dir", str(ix), "--quiet", "--procs", "2", str(big), timeout=600)
        assert done.returncode == 4, done.stderr
        assert "disk full" in done.stderr and "Traceback" not in done.stderr
        assert sorted(path.name for path in ix.rglob("*")) == before
        assert open_index(ix).doc_count() == 5
        with pytest.raises(DiskFullError):
            index_paths([big], ix, procs=1)
        assert sorted(path.name for path in ix.rglob("*")) == before
        subprocess.run(["mount", "-o", "remount,size=96m", str(disk)], check=True)
        again = index_paths([big], ix, procs=2)
        assert (again.indexed, again.failed) == (1000, [])
        assert open_index(ix).doc_count() == 1005
    finally:
        subprocess.run(["umount", "-l", str(disk)])


# --- encodings, skipped files, leftovers ------------------------------------------------


def test_a_gbk_jsonl_file_is_decoded_once_for_the_whole_file(tmp_path):
    lines = [json.dumps(record, ensure_ascii=False) for record in good_records("gbk", 5)]
    (tmp_path / "gbk.jsonl").write_bytes("\n".join(lines).encode("gbk") + b"\n")
    summary = index_paths([tmp_path / "gbk.jsonl"], tmp_path / "ix", procs=1)
    assert (summary.indexed, summary.failed) == (5, [])
    assert open_index(tmp_path / "ix").document("gbk3")["title"] == "好文章3"


@pytest.mark.parametrize("encoding", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_text(tmp_path, encoding):
    text = "周口市举行升旗仪式\n\n2019年3月5日，干部参加党性教育（第1期）。"
    (tmp_path / "a.txt").write_bytes(text.encode(encoding))
    [record] = list(iter_records([tmp_path / "a.txt"]))
    assert isinstance(record, RawRecord) and record.text == text


def test_empty_jsonl_and_unsupported_files_are_listed_as_skipped(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    write_jsonl(folder / "good.jsonl", good_records())
    (folder / "empty.jsonl").write_text("\n\n", encoding="utf-8")
    (folder / "photo.jpg").write_bytes(b"\xff\xd8\xff")
    (folder / "README").write_text("notes", encoding="utf-8")
    done = run_xunwen("index", "--index-dir", str(tmp_path / "ix"), "--quiet", str(folder))
    assert done.returncode == 0, done.stderr
    assert "failed 0, skipped 3" in done.stdout
    for line in ("empty.jsonl: empty file (no JSON lines)", "photo.jpg: unsupported file type (.jpg)",
                 "README: unsupported file type (without a suffix)"):  # fmt: skip
        assert line in done.stdout


def test_the_leftovers_of_a_crashed_run_are_removed(tmp_path):
    """The next run removes them before it writes (a failed run removes its own at
    once: see the disk-full test, which fails when they stay)."""
    ix = tmp_path / "ix"
    index_paths([SEEDS], ix, procs=1)
    # The story store keeps its newest two generations (search.stories): not a leftover.
    kept = sorted(path.name for path in ix.iterdir() if not path.name.startswith("stories-"))
    temp = ix / f"{INDEX_NAME}.tmp"
    temp.mkdir(exist_ok=True)
    (temp / "abc.doclist").write_bytes(b"x" * 1000)
    [segment] = ix.glob(f"{INDEX_NAME}_*.seg")
    orphan = segment.with_name(f"{INDEX_NAME}_{'z' * (len(segment.stem) - len(INDEX_NAME) - 1)}.seg")
    shutil.copy(segment, orphan)
    index_paths([SEEDS], ix, procs=1)
    assert not orphan.exists() and not (temp / "abc.doclist").exists()
    now = [path for path in ix.iterdir() if not path.name.startswith("stories-")]
    assert len(now) == len(kept)  # the same files (the TOC one generation on)


# --- same text, repeated ids (issue 12 item 8, issue 15) ----------------------------------------


@pytest.mark.parametrize("procs", [1, 2])
def test_records_with_their_own_ids_and_the_same_text_are_all_indexed(tmp_path, procs):
    records = [{"id": f"tw{n}", "title": title, "source": "中央社", "content": BODY}
               for n, title in enumerate(["颱風登陸花蓮", "地震震央在宜蘭", "選舉結果公佈"])]  # fmt: skip
    path = write_jsonl(tmp_path / "tw.jsonl", [*records, records[0]])
    summary = index_paths([path], tmp_path / "ix", procs=procs)
    assert summary.indexed == 3
    assert summary.same_text == [(f"{path}:2", "tw1", "tw0"), (f"{path}:3", "tw2", "tw0")]
    assert summary.repeated == [(f"{path}:4", "tw0")] and summary.unchanged == 0
    index = open_index(tmp_path / "ix")
    for record in records:
        assert index.search(record["title"][:2])["total"] >= 1
        assert index.document(record["id"])["source"] == "中央社"
    from web import create_app

    client = create_app({"INDEX_DIR": str(tmp_path / "ix"), "TESTING": True}).test_client()
    assert client.get("/api/doc/tw2").get_json()["document"]["same_text_as"] == "tw0"
    assert client.get("/api/doc/tw0").get_json()["document"]["same_text_as"] is None
    again = index_paths([path], tmp_path / "ix", procs=procs)
    assert (again.indexed, again.unchanged, again.same_text, len(again.repeated)) == (0, 3, [], 1)


def test_the_summary_names_same_text_and_repeated_ids(tmp_path):
    records = [{"id": "a", "content": BODY}, {"id": "b", "content": BODY}, {"id": "a", "content": BODY}]
    done = run_xunwen("index", "--index-dir", str(tmp_path / "ix"), "--quiet",
                      str(write_jsonl(tmp_path / "r.jsonl", records)))  # fmt: skip
    assert done.returncode == 0
    assert "indexed 2, updated 0, unchanged 0, same text as 1, repeated id 1, failed 0" in done.stdout
    assert "repeated id in this run: a" in done.stdout and "same text as a: b" in done.stdout
    assert "one story with it" in done.stdout


def test_the_summary_says_when_the_same_text_is_another_story(tmp_path):
    """The same words a year apart (a yearly announcement) are marked same_text_as, but are two stories."""
    records = [{"id": "a", "content": BODY, "date": "2022-09-29"}, {"id": "b", "content": BODY, "date": "2023-09-29"},
               {"id": "c", "content": BODY, "date": "2022-10-02"}]  # fmt: skip
    done = run_xunwen("index", "--index-dir", str(tmp_path / "ix"), "--quiet", "--json",
                      str(write_jsonl(tmp_path / "r.jsonl", records)))  # fmt: skip
    marked = {item["id"]: item["same_story"] for item in json.loads(done.stdout)["same_text_as"]}
    assert marked == {"b": False, "c": True}
    done = run_xunwen("index", "--index-dir", str(tmp_path / "ix2"), "--quiet",
                      str(write_jsonl(tmp_path / "r.jsonl", records)))  # fmt: skip
    assert (
        "same text as a: b" in done.stdout
        and "a story of its own: published more than 31 days apart" in done.stdout
    )
    assert "same text as a: c" in done.stdout


# --- property: arbitrary records ----------------------------------------------------------------

JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=5), children, max_size=4)
    ),
    max_leaves=12,
)
FIELDS = st.dictionaries(
    st.sampled_from(["title", "date", "source", "url", "region", "province", "tags", "topic", "category", "x"]),
    JSON_VALUES, max_size=6,
)  # fmt: skip
BROKEN_LINES = st.sampled_from([
    "{broken", "[1, 2]", '"text"', "42", '{"title": "no body"}', '{"content": 5}', '{"content": "x\\ud800"}',
    '{"id": [1], "content": "有正文"}', _nested(5000), '{"content": "有正文", "id": "../up"}',
])  # fmt: skip


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(lines=st.lists(st.one_of(FIELDS.map(lambda f: ("good", f)), BROKEN_LINES.map(lambda b: ("bad", b))),
                      min_size=1, max_size=12))  # fmt: skip
def test_arbitrary_records_are_committed_or_reported(tmp_path_factory, lines):
    folder = tmp_path_factory.mktemp("prop")
    written, good, bad = [], [], []
    for number, (kind, value) in enumerate(lines, start=1):
        if kind == "good":
            doc_id = f"p{number}"
            written.append(json.dumps({**value, "id": doc_id, "content": f"{BODY}第{number}篇。"}))
            good.append(doc_id)
        else:
            written.append(value)
            bad.append(number)
    path = folder / "p.jsonl"
    path.write_text("\n".join(written) + "\n", encoding="utf-8")
    summary = index_paths([path], folder / "ix", procs=1)
    assert summary.indexed == len(good)
    assert {(error.path, error.line) for error in summary.failed} == {(str(path), line) for line in bad}
    index = open_index(folder / "ix")
    assert index.doc_count() == len(good)
    for doc_id in good:
        document = index.document(doc_id)
        assert document is not None
        assert all(isinstance(document[key], str | None) for key in ("title", "url", "source", "date"))
