"""Searching while indexing (issue 6): a running server answers from the last
commit while ``xunwen index`` adds documents, and sees them once it has
committed, without a restart. A real indexing run in a subprocess, held at a
known point while the searches overlap it (tests/pausable_run.py), the real app
under waitress."""

from __future__ import annotations

import json
import threading
from urllib.parse import urlencode

import pytest
from conftest import SEEDS, LiveServer, PausedRun, synthetic_articles

from search.indexer import index_paths

BATCHES = (400, 150)  # two runs: two commits


def totals(server: LiveServer) -> tuple[int, int]:
    """How many documents the server finds: all of them, and the synthetic ones (样本文章)."""
    everything = server.get("/api/search?" + urlencode({"per_page": 1}))
    synthetic = server.get("/api/search?" + urlencode({"q": "样本文章", "per_page": 1}))
    answers = []
    for status, content_type, body in (everything, synthetic):
        assert status == 200 and content_type.startswith("application/json"), body[:300]
        answers.append(json.loads(body)["total"])
    return answers[0], answers[1]


@pytest.fixture
def server_and_index(tmp_path):
    from web import create_app

    index_dir = tmp_path / "index"
    index_paths([SEEDS], index_dir, procs=1)
    with LiveServer(create_app({"INDEX_DIR": str(index_dir)}), threads=4) as server:
        yield server, index_dir


@pytest.mark.timeout(600)  # two indexing runs with searches throughout
def test_requests_see_the_last_commit_while_indexing_and_the_new_documents_after(server_and_index, tmp_path):
    server, index_dir = server_and_index
    committed = [5]  # the documents of each commit so far
    assert totals(server) == (5, 0)
    assert server.get("/api/doc/syn0")[0] == 404

    first = 0
    for count in BATCHES:
        articles = synthetic_articles(tmp_path / f"batch{first}.jsonl", count, first=first)
        with PausedRun(index_dir, [articles], pause_at=count // 2, procs=2) as run:
            run.wait_until_paused()  # half the documents in its workers, the lock held, nothing committed
            held = [totals(server) for _ in range(3)]
            assert held == [(committed[-1], committed[-1] - 5)] * 3
            assert server.get(f"/api/doc/syn{first}")[0] == 404  # handed to the writer, not committed
            run.resume()
            seen_during = [everything for everything, _ in held]
            while run.process.poll() is None:
                everything, synthetic = totals(server)
                # Never an error, never a count between two commits.
                assert everything in (committed[-1], committed[-1] + count), everything
                assert synthetic in (committed[-1] - 5, committed[-1] - 5 + count), synthetic
                seen_during.append(everything)
            status, summary = run.finish()
            assert status == 0 and summary["indexed"] == count, run.stderr()

        assert seen_during == sorted(seen_during)  # the count never goes back
        committed.append(committed[-1] + count)
        assert totals(server) == (committed[-1], committed[-1] - 5)  # no restart
        status, _, body = server.get(f"/api/doc/syn{first + count - 1}")
        assert status == 200 and json.loads(body)["document"]["title"] == f"样本文章{first + count - 1}"
        print(f"{len(seen_during)} searches answered during the run of {count} documents")
        first += count


def test_pages_keep_answering_while_indexing(server_and_index, tmp_path):
    server, index_dir = server_and_index
    paths = ["/search?q=新乡", "/search?q=样本文章&sort=newest", "/", "/doc/syn1", "/api/search?q=新乡 发展"]
    answers: list[tuple[str, int]] = []
    problems: list[str] = []
    stop = threading.Event()
    browsed_during_the_run = threading.Event()

    def browse() -> None:
        try:
            while not stop.is_set():
                for path in paths:
                    status, _, body = server.get(path)
                    answers.append((path, status))
                    if "Traceback" in body:
                        problems.append(path)
                if len(answers) >= 2 * len(paths):
                    browsed_during_the_run.set()
        except Exception as error:  # reported by the test below
            problems.append(f"{type(error).__name__}: {error}")
            browsed_during_the_run.set()

    readers = [threading.Thread(target=browse) for _ in range(3)]
    with PausedRun(index_dir, [synthetic_articles(tmp_path / "batch.jsonl", 250)], pause_at=125) as run:
        run.wait_until_paused()
        for reader in readers:
            reader.start()
        try:
            # The run waits until every page was answered twice while it held the index.
            assert browsed_during_the_run.wait(timeout=240)
            during = list(answers)
            status, _ = run.finish()
        finally:
            stop.set()
            for reader in readers:
                reader.join()
        assert status == 0, run.stderr()
    assert problems == []
    assert len(during) >= 2 * len(paths)
    # Before the commit the new document is unknown; every other page answers.
    assert {status for path, status in during if path == "/doc/syn1"} == {404}
    assert {status for path, status in answers if path != "/doc/syn1"} == {200}
    assert {status for path, status in answers if path == "/doc/syn1"} <= {404, 200}
    assert server.get("/doc/syn1")[0] == 200
