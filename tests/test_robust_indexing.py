"""Bad input, interrupted and concurrent indexing: nothing good is lost, every bad item is named."""

from __future__ import annotations

import contextlib
import json
import os
import random
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
from conftest import ROOT, SEEDS, PausedRun, synthetic_articles

from search import open_index
from search.indexer import index_paths
from search.schema import INDEX_NAME

XUNWEN = [sys.executable, "-m", "search.cli"]


def run_xunwen(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([*XUNWEN, *args], capture_output=True, text=True, cwd=ROOT, **kwargs)


@pytest.fixture
def messy_folder(tmp_path) -> Path:
    """Every kind of bad and good input the issue lists, built here, not committed."""
    folder = tmp_path / "messy"
    folder.mkdir()
    (folder / "gbk.txt").write_bytes("郑州市召开经济工作会议\n\n会议强调高质量发展。".encode("gbk"))
    (folder / "big5.txt").write_bytes("臺北市召開記者會\n\n市長說明防疫措施。".encode("big5"))
    (folder / "utf16.txt").write_bytes("周口市举行升旗仪式\n\n干部参加党性教育。".encode("utf-16"))
    (folder / "bom.txt").write_bytes("\ufeff衡水市枣强县召开大会\n\n部署全年工作。".encode("utf-8"))
    (folder / "empty.txt").write_bytes(b"")
    rng = random.Random(1)
    (folder / "binary.txt").write_bytes(bytes(rng.randrange(256) for _ in range(4096)))
    (folder / "truncated.txt").write_bytes("新乡市发布截断的文章\n\n最后一个字被截断了".encode()[:-1])
    with open(folder / "huge.txt", "wb") as handle:  # 50 MB, no line break
        chunk = ("新乡市持续优化营商环境推动高质量发展" * 1000).encode("utf-8")
        while handle.tell() < 50 * 1024 * 1024:
            handle.write(chunk)
    lines = [
        {"id": "j1", "title": "第一", "content": "漯河市召开会议。"},
        {"id": "j2", "title": "第二", "content": "许昌市发布通知。"},
        None,  # broken
        {"id": "j4", "title": "第四", "content": "开封市举行活动。"},
        {"id": "j5", "title": "第五，没有正文"},
    ]
    text = "\n".join("{broken" if line is None else json.dumps(line, ensure_ascii=False) for line in lines)
    (folder / "items.jsonl").write_text(text + "\n", encoding="utf-8")
    (folder / "page.html").write_text(
        "<html><head><title>页面</title><style>body{}</style><script>alert('脚本')</script></head>"
        "<body><h1>洛阳市推进文旅融合</h1><p>正文内容。</p><script>var 不可见 = 1;</script></body></html>",
        encoding="utf-8",
    )
    unreadable = folder / "unreadable.txt"
    unreadable.write_text("南阳市无权限文章\n\n正文。", encoding="utf-8")
    unreadable.chmod(0)
    os.symlink(folder / "loop_b.txt", folder / "loop_a.txt")
    os.symlink(folder / "loop_a.txt", folder / "loop_b.txt")
    return folder


def test_messy_folder_reports_every_bad_item_and_indexes_every_good_one(messy_folder, tmp_path):
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    done = run_xunwen("index", "--index-dir", str(tmp_path / "ix"), "--json", "--quiet", str(messy_folder))
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(f"peak memory of the indexing run: {peak_mb:.0f} MB (before: {before / 1024:.0f} MB)")
    assert done.returncode == 1, done.stderr  # documented: 1 when something failed
    summary = json.loads(done.stdout)
    failed = {(Path(item["path"]).name, item["line"]) for item in summary["failed"]}
    expected_failed = {("empty.txt", None), ("binary.txt", None), ("items.jsonl", 3), ("items.jsonl", 5)}
    expected_failed |= {("loop_a.txt", None), ("loop_b.txt", None)}
    readable_anyway = os.geteuid() == 0  # root reads a file whatever its mode
    if not readable_anyway:
        expected_failed.add(("unreadable.txt", None))
    assert failed == expected_failed
    warnings = {Path(item["path"]).name for item in summary["warnings"]}
    assert warnings == {"truncated.txt", "huge.txt"}
    assert all(item["reason"] for item in summary["failed"] + summary["warnings"])
    assert summary["indexed"] == 10 + (1 if readable_anyway else 0)
    assert peak_mb < 1500

    index = open_index(tmp_path / "ix")
    for query, count in [("高质量发展", 2), ("防疫", 1), ("升旗", 1), ("枣强", 1), ("截断", 1),
                         ("漯河", 1), ("开封", 1), ("文旅融合", 1), ("脚本", 0), ("不可见", 0)]:  # fmt: skip
        assert index.search(query)["total"] == count, query


def toc_generation(index_dir: Path) -> int:
    """The generation of the index's newest table of contents (one more per commit)."""
    return max(int(path.stem.rsplit("_", 1)[1]) for path in index_dir.glob(f"_{INDEX_NAME}_*.toc"))


def wait_for_no_orphans(index_dir: Path, timeout: float = 60.0) -> list[str]:
    """The processes still running for ``index_dir`` once they all stopped, or after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        orphans = subprocess.run(
            ["pgrep", "-f", str(index_dir)], capture_output=True, text=True
        ).stdout.split()
        if not orphans or time.monotonic() > deadline:
            return orphans
        time.sleep(0.2)  # polling for an event, not guessing how long it takes


@pytest.mark.timeout(600)  # several indexing runs of up to 1,500 articles
def test_a_killed_build_leaves_the_previous_index_and_the_next_run_completes(tmp_path):
    index_dir = tmp_path / "ix"
    index_paths([SEEDS], index_dir, procs=1)
    articles = synthetic_articles(tmp_path / "many.jsonl", 1500)
    with PausedRun(index_dir, [articles], pause_at=1000, procs=2) as run:
        run.wait_until_paused()  # 1,000 records handed to its workers, none committed
        run.kill()

    index = open_index(index_dir)
    assert index.doc_count() == 5
    assert index.search("新乡")["total"] == 2

    summary = index_paths([SEEDS, articles], index_dir, procs=2)
    assert summary.unchanged == 5 and summary.indexed == 1500 and not summary.failed
    assert open_index(index_dir).doc_count() == 1505
    assert wait_for_no_orphans(index_dir) == []  # orphaned workers notice their parent is gone and stop


def test_an_orphaned_worker_stops_even_when_its_result_pipe_is_full_and_its_batch_fails(tmp_path):
    # The race a clone CI run lost: the next run cleared a killed run's batch
    # files while its worker still read them, and the worker, failing with a
    # full result pipe that nobody read, waited for its feeder thread forever.
    index_dir = tmp_path / "ix"
    main = subprocess.Popen([sys.executable, str(ROOT / "tests" / "orphaned_worker_run.py"), str(index_dir)],
                            cwd=ROOT, stdout=subprocess.PIPE, text=True)  # fmt: skip
    try:
        assert main.stdout.readline() == "ready\n"
        main.kill()
        main.wait()
        assert wait_for_no_orphans(index_dir, timeout=30) == []
    finally:
        main.stdout.close()
        for pid in wait_for_no_orphans(index_dir, timeout=0):  # a worker the old code left behind
            with contextlib.suppress(ProcessLookupError):
                os.kill(int(pid), signal.SIGKILL)


def test_the_default_commit_interval_is_20000_documents():
    import inspect

    from search.indexer import COMMIT_EVERY

    assert COMMIT_EVERY == 20_000  # the README's promise
    assert inspect.signature(index_paths).parameters["commit_every"].default == COMMIT_EVERY


@pytest.mark.parametrize("procs", [1, 2])
def test_a_killed_run_keeps_its_commits_and_the_next_run_skips_them(tmp_path, procs):
    index_dir = tmp_path / "ix"
    index_paths([SEEDS], index_dir, procs=1)
    before = toc_generation(index_dir)
    articles = synthetic_articles(tmp_path / "many.jsonl", 400)
    with PausedRun(index_dir, [articles], pause_at=120, procs=procs, commit_every=50) as run:
        run.wait_until_paused()  # 120 records read: committed after 50 and after 100
        assert toc_generation(index_dir) == before + 2
        run.kill()

    index = open_index(index_dir)
    assert index.doc_count() == 105
    committed = {f"syn{n}" for n in range(400) if index.document(f"syn{n}") is not None}
    assert committed == {f"syn{n}" for n in range(100)}  # exactly the first two commits
    assert index.search("样本文章")["total"] == 100

    summary = index_paths([SEEDS, articles], index_dir, procs=2)
    assert (summary.unchanged, summary.indexed, summary.updated, summary.failed) == (105, 300, 0, [])
    assert open_index(index_dir).doc_count() == 405
    assert wait_for_no_orphans(index_dir) == []


@pytest.mark.parametrize("procs", [1, 2])
def test_a_writer_holds_the_index_lock_until_it_commits(tmp_path, procs):
    from search.indexer import IndexLockedError, _open_writer, open_or_create

    index_dir = tmp_path / "ix"
    index_paths([SEEDS], index_dir, procs=1)
    writer = _open_writer(open_or_create(index_dir), procs, wait_for_lock=0)  # 2: the multi-process writer
    try:
        for other in (1, 2):
            with pytest.raises(IndexLockedError, match="another xunwen process is writing"):
                index_paths([SEEDS], index_dir, procs=other)
        second = run_xunwen("index", "--index-dir", str(index_dir), "--quiet", str(SEEDS))
        assert second.returncode == 3, second.stderr
    finally:
        writer.cancel()
    assert index_paths([SEEDS], index_dir, procs=procs).unchanged == 5  # released


@pytest.mark.timeout(600)  # several indexing runs of up to 1,500 articles
def test_two_runs_at_once_the_second_refuses_or_waits(tmp_path):
    index_dir = tmp_path / "ix"
    articles = synthetic_articles(tmp_path / "many.jsonl", 600)
    with PausedRun(index_dir, [articles], pause_at=300, procs=2) as first:
        first.wait_until_paused()  # holding the lock, with work in its workers
        second = run_xunwen("index", "--index-dir", str(index_dir), "--quiet", str(SEEDS))
        assert second.returncode == 3
        assert "another xunwen process is writing to this index" in second.stderr
        waiting = subprocess.Popen(
            [*XUNWEN, "index", "--index-dir", str(index_dir), "--quiet", "--wait", "120", str(SEEDS)],
            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
        with pytest.raises(subprocess.TimeoutExpired):  # it waits while the lock is held
            waiting.wait(timeout=3)
        status, summary = first.finish()
        assert status == 0 and summary["indexed"] == 600
    _, errors = waiting.communicate(timeout=240)
    assert waiting.returncode == 0, errors
    assert open_index(index_dir).doc_count() == 605


NOBODY = 65534


def index_as_nobody(paths: list[Path], index_dir: Path) -> dict:
    """``index_paths(paths, index_dir).as_dict()`` run by user ``nobody`` (root reads
    a file whatever its mode). A fork, not a new interpreter: ``nobody`` may not
    be able to read the Python installation, so everything is imported before."""
    index_paths(paths, index_dir.parent / "warm-up", procs=1)  # every lazy import done as root
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # the child: drop privileges, index, report, and never return into pytest
        status = 0
        try:
            os.close(reader)
            os.setgroups([])
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            summary = index_paths(paths, index_dir, procs=1).as_dict()
            os.write(writer, json.dumps(summary, ensure_ascii=False).encode("utf-8"))
        except BaseException as error:
            os.write(writer, json.dumps({"error": repr(error)}).encode("utf-8"))
            status = 1
        finally:
            os._exit(status)
    os.close(writer)
    with os.fdopen(reader, "rb") as pipe:
        answer = json.loads(pipe.read() or b"{}")
    os.waitpid(child, 0)
    assert "error" not in answer, answer
    return answer


def test_unreadable_files_and_folders_are_reported_even_when_run_as_root():
    base = Path(tempfile.mkdtemp(prefix="xunwen-unreadable-"))  # not under pytest's root-only folders
    folder, closed = base / "articles", base / "articles" / "closed"
    try:
        closed.mkdir(parents=True)
        (folder / "good.txt").write_text("南阳市召开会议\n\n会议部署全年工作。", encoding="utf-8")
        (folder / "secret.txt").write_text("南阳市无权限文章\n\n正文。", encoding="utf-8")
        (closed / "inner.txt").write_text("南阳市关闭的文件夹\n\n正文。", encoding="utf-8")
        (folder / "nowhere.txt").symlink_to(folder / "gone.txt")  # unreadable for root too
        for path in (base, folder):
            path.chmod(0o777)
        (folder / "secret.txt").chmod(0)
        closed.chmod(0)
        if os.geteuid() == 0:
            summary = index_as_nobody([folder], base / "ix")
        else:
            summary = index_paths([folder], base / "ix", procs=1).as_dict()
        failed = {Path(item["path"]).name: item["reason"] for item in summary["failed"]}
        assert set(failed) == {"secret.txt", "closed", "nowhere.txt"}, failed
        assert "Permission denied" in failed["secret.txt"] and "Permission denied" in failed["closed"]
        assert summary["indexed"] == 1
    finally:
        closed.chmod(0o755)
        shutil.rmtree(base)


def _die_on_the_tenth(record):
    """A preparer whose worker process dies the way a crashed one would."""
    if record == 10:
        os._exit(1)
    return {"id": f"d{record}", "content": "测试"}


def test_a_dead_worker_fails_the_run_instead_of_hanging(tmp_path):
    from search.engine.writer import PreparingWriter
    from search.indexer import open_or_create

    index_dir = tmp_path / "ix"
    index_paths([SEEDS], index_dir, procs=1)
    writer = PreparingWriter(open_or_create(index_dir), _die_on_the_tenth, procs=2, batchsize=4)
    started = time.monotonic()
    with pytest.raises(RuntimeError, match="died"):
        for record in range(5000):  # far more jobs than the bounded queue holds
            writer.add_record(record)
        writer.commit()
    assert time.monotonic() - started < 60
    assert all(not task.is_alive() for task in writer.tasks)
    assert open_index(index_dir).doc_count() == 5
