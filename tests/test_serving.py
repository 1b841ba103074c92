"""Serving: gunicorn workers and the waitress fallback; waitress's queue warnings summarized."""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

import pytest

from web.serve import choose_server, gunicorn_options
from web.serving import QueueDepthSummary, summarize_queue_warnings


def _record(message: str, *args) -> logging.LogRecord:
    return logging.LogRecord("waitress.queue", logging.WARNING, __file__, 1, message, args, None)


def test_one_queue_warning_per_interval_with_a_count_of_the_rest():
    now = [100.0]
    summary = QueueDepthSummary(interval=60, clock=lambda: now[0])
    first = _record("Task queue depth is %d", 1)
    assert summary.filter(first)
    for depth in (2, 5, 3):
        now[0] += 10
        assert not summary.filter(_record("Task queue depth is %d", depth))
    now[0] += 40  # 70 s after the first
    later = _record("Task queue depth is %d", 2)
    assert summary.filter(later)
    assert later.getMessage() == "Task queue depth is 2 (3 more in the last 70 s, deepest 5)"
    now[0] += 1
    assert not summary.filter(_record("Task queue depth is %d", 1))


def test_other_waitress_messages_pass_untouched():
    summary = QueueDepthSummary(interval=60, clock=lambda: 0.0)
    assert summary.filter(_record("Task queue depth is %d", 1))
    other = _record("Serving on http://%s", "x")
    assert summary.filter(other) and other.getMessage() == "Serving on http://x"


def test_installing_twice_keeps_one_filter():
    logger = logging.getLogger("waitress.queue")
    try:
        first = summarize_queue_warnings()
        assert summarize_queue_warnings() is first
        assert sum(isinstance(f, QueueDepthSummary) for f in logger.filters) == 1
    finally:
        for existing in list(logger.filters):
            logger.removeFilter(existing)


# -- xunwen serve: gunicorn workers, waitress fallback -------------------------

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.mark.parametrize(
    ("threads", "preload", "expected"),
    [
        (4, True, {"workers": 2, "threads": 4, "worker_class": "gthread", "preload_app": True}),
        (1, False, {"workers": 2, "threads": 1, "worker_class": "sync", "preload_app": False}),
    ],
)
def test_gunicorn_options(threads, preload, expected):
    options = gunicorn_options("127.0.0.1", 5000, 2, threads, preload)
    assert {key: options[key] for key in expected} == expected
    assert options["bind"] == "127.0.0.1:5000"


def test_auto_picks_gunicorn_on_posix_and_an_explicit_choice_is_kept():
    assert choose_server("auto") == "gunicorn"  # this suite runs on Linux, gunicorn installed
    assert choose_server("waitress") == "waitress"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _total(port: int, query: str) -> int:
    url = f"http://127.0.0.1:{port}/api/search?q={quote(query)}"
    with urllib.request.urlopen(url, timeout=10) as response:
        return json.load(response)["total"]


def _serve(index_dir: Path, *options: str) -> tuple[subprocess.Popen, int]:
    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "web.cli", "serve", "--index-dir", str(index_dir), "--port", str(port), *options],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while True:
        try:
            _total(port, "新乡")
            return server, port
        except OSError:
            assert server.poll() is None, server.stderr.read()
            assert time.monotonic() < deadline, "the server did not answer within 60 s"
            time.sleep(0.3)


def _children(pid: int) -> list[int]:
    return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def _stop(server: subprocess.Popen) -> str:
    server.terminate()
    return server.communicate(timeout=30)[1]


@pytest.fixture
def seeds_index(tmp_path):
    from search.indexer import index_paths

    index_paths([SEEDS], tmp_path / "ix", procs=1)
    return tmp_path / "ix"


@pytest.mark.parametrize("preload", [(), ("--no-preload",)])
def test_gunicorn_workers_share_one_port_and_each_moves_to_a_new_commit(seeds_index, tmp_path, preload):
    from search.indexer import index_paths

    server, port = _serve(seeds_index, "--workers", "2", "--threads", "2", *preload)
    try:
        # Two worker processes under the master. The first answer can come from the first
        # worker while the master is still forking the second (one CI run saw 1).
        deadline = time.monotonic() + 20
        while len(_children(server.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert len(_children(server.pid)) == 2
        # The master warmed the app and let its searcher go: it maps no segment
        # file, so none is kept on disk or in memory after a re-index deletes it.
        assert ".seg" not in Path(f"/proc/{server.pid}/maps").read_text()
        assert [_total(port, "新乡") for _ in range(12)] == [2] * 12
        extra = tmp_path / "extra"
        extra.mkdir()
        (extra / "xinxiang.txt").write_text("新乡市举办新春灯会\n\n新乡市民众观看灯会。", encoding="utf-8")
        index_paths([extra], seeds_index, procs=1)
        # New connections land on either worker: every answer counts the new article.
        assert [_total(port, "新乡") for _ in range(12)] == [3] * 12
    finally:
        stderr = _stop(server)
    assert f"on http://127.0.0.1:{port}/ (gunicorn, 2 processes x 2 threads)" in stderr


def test_waitress_serves_when_asked(seeds_index):
    server, port = _serve(seeds_index, "--server", "waitress", "--threads", "2")
    try:
        assert _total(port, "新鄉") == 2
    finally:
        stderr = _stop(server)
    assert f"on http://127.0.0.1:{port}/ (waitress, 1 process, 2 threads)" in stderr
