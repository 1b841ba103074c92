"""Shared fixtures: the seeds, a seeds index built once per session, the corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
CORPUS = ROOT.parent / "shared" / "corpus"


def seed_path(number: str) -> Path:
    """The seed file whose name starts with ``number`` ("000" ... "004")."""
    return next(SEEDS.glob(f"{number}_*.txt"))


def seed_text(number: str) -> str:
    return seed_path(number).read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seeds_index_dir(tmp_path_factory) -> Path:
    """An index of the five seeds, built once (in-process, to keep it quick)."""
    from search.indexer import index_paths

    folder = tmp_path_factory.mktemp("seeds-index")
    summary = index_paths([SEEDS], folder, procs=1)
    assert summary.indexed == 5, summary.as_dict()
    return folder


@pytest.fixture(scope="session")
def seeds_index(seeds_index_dir):
    from search import open_index

    return open_index(seeds_index_dir)


@pytest.fixture
def corpus() -> Path:
    """The shared corpus folder, or a skip when it is absent."""
    if not CORPUS.exists():
        pytest.skip("../shared/corpus is absent")
    return CORPUS


# --- headless Chromium (tests/browser_support.py) ---


@pytest.fixture(scope="module")
def driver():
    """One headless Chromium per test module; a module's own ``server`` serves it."""
    from browser_support import chromium

    with chromium() as browser:
        yield browser


# --- web fixtures ---
# The web tests search the seeds plus a few JSONL articles with given metadata:
# other provinces and years (facets that change), a month-only date, and one
# article full of markup that must show as text everywhere.

XSS = "<script>alert(1)</script>"
WEB_ARTICLES = [
    {"id": "xss-1", "title": f"新乡测试{XSS}标题", "date": "2019-03-05", "source": "测试<b>日报</b>",
     "province": "河南省", "city": "新乡市", "topic": "<i>主题</i>", "url": "javascript:alert(1)",
     "content": f"新乡消息：{XSS}这是一段测试文字。新乡市发布了通知。\n第二段<img src=x onerror=alert(2)>结束。"},
    {"id": "gd-1", "title": "广州客商走进新乡", "date": "2020-05-01", "source": "南方日报",
     "province": "广东省", "city": "广州市", "county": "天河区", "url": "https://example.com/gd-1",
     "content": "广州客商来到新乡考察。双方签订了合作协议；新乡的产品将进入广州市场。"},
    {"id": "zz-1", "title": "郑州金水区推进营商环境", "date": "2019-07", "source": "大河报",
     "province": "河南省", "city": "郑州市", "county": "金水区",
     "content": "金水区召开营商环境大会。会议提出，要学习新乡经验，优化服务。"},
    {"id": "bj-1", "title": "北京冬奥会筹备进展", "date": "2021-01-15", "source": "人民日报",
     "province": "北京市", "city": "北京市",
     "content": "北京冬奥会筹备工作进展顺利。场馆建设基本完成！"},
    {"id": "tw-1", "title": "臺灣選舉結果公佈", "date": "2021-11-20", "source": "中央社",
     "province": "台湾省", "content": "臺灣選舉結果今天公佈。選民投票踴躍，各地秩序良好。"},
]  # fmt: skip


def write_web_articles(folder: Path) -> Path:
    import json

    path = folder / "web_articles.jsonl"
    lines = [json.dumps(article, ensure_ascii=False) for article in WEB_ARTICLES]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def web_index_dir(tmp_path_factory) -> Path:
    """The seeds and ``WEB_ARTICLES`` in one index, built once."""
    from search.indexer import index_paths

    folder = tmp_path_factory.mktemp("web-index")
    articles = write_web_articles(tmp_path_factory.mktemp("web-articles"))
    summary = index_paths([SEEDS, articles], folder / "index", procs=1)
    assert summary.indexed == 5 + len(WEB_ARTICLES), summary.as_dict()
    return folder / "index"


@pytest.fixture(scope="session")
def web_app(web_index_dir):
    from web import create_app

    return create_app({"INDEX_DIR": str(web_index_dir), "TESTING": True})


@pytest.fixture
def client(web_app):
    return web_app.test_client()


# --- many articles (robustness tests: hostile requests, searching while indexing) ---


def synthetic_articles(path: Path, count: int, first: int = 0) -> Path:
    """A JSONL file of ``count`` distinct articles made of the seeds' sentences,
    ids ``syn{first}`` onwards (no corpus needed); every title and body says 样本文章."""
    import json
    import random

    sentences = [s for n in ("002", "003", "004") for s in seed_text(n).replace("\n", "").split("。") if s]
    rng = random.Random(first)
    with open(path, "w", encoding="utf-8") as out:
        for number in range(first, first + count):
            body = "。".join(rng.sample(sentences, 12)) + f"。样本文章，编号{number}。"
            article = {"id": f"syn{number}", "title": f"样本文章{number}", "content": body}
            out.write(json.dumps(article, ensure_ascii=False) + "\n")
    return path


class LiveServer:
    """The app under waitress on 127.0.0.1 (a free port), in a thread of this process."""

    def __init__(self, app, threads: int = 4):
        import threading

        import waitress

        self.server = waitress.create_server(app, host="127.0.0.1", port=0, threads=threads)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def get(self, path: str, timeout: float = 60.0) -> tuple[int, str, str]:
        """(status, content type, body) of a GET; error statuses are answers too.
        Characters a URL cannot hold as they are (新乡, spaces) are percent-encoded."""
        import urllib.error
        import urllib.parse
        import urllib.request

        url = self.url + urllib.parse.quote(path, safe="!#$%&'()*+,/:;=?@[]~")
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # never via a proxy
        try:
            with direct.open(url, timeout=timeout) as response:
                return response.status, response.headers["Content-Type"], response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            return error.code, error.headers["Content-Type"], error.read().decode("utf-8")

    def __enter__(self) -> LiveServer:
        self.thread.start()
        return self

    def _close_everything(self) -> None:
        for channel in list(self.server._map.values()):  # the listener, the trigger, connections
            channel.close()

    def __exit__(self, *exc) -> None:
        # Closed by the server's own thread (sockets closed under its poll would
        # fail it); with nothing left to watch, its loop returns.
        self.server.trigger.pull_trigger(self._close_everything)
        self.thread.join(timeout=10)
        self.server.task_dispatcher.shutdown()
        assert not self.thread.is_alive(), "the server did not stop"


# --- an indexing run held at a known point (robustness tests) ---


class PausedRun:
    """``tests/pausable_run.py`` in a subprocess: a real run of ``index_paths``
    that stops after ``pause_at`` records until ``resume()``; ``kill()`` is SIGKILL."""

    def __init__(self, index_dir: Path, paths: list[Path], pause_at: int, procs: int = 2,
                 commit_every: int | None = None):  # fmt: skip
        import subprocess
        import sys
        import tempfile

        command = [sys.executable, str(ROOT / "tests" / "pausable_run.py"), str(index_dir), *map(str, paths),
                   "--pause-at", str(pause_at), "--procs", str(procs)]  # fmt: skip
        if commit_every is not None:
            command += ["--commit-every", str(commit_every)]
        self.errors = tempfile.TemporaryFile(mode="w+", encoding="utf-8")  # a pipe nobody reads could fill
        self.process = subprocess.Popen(command, cwd=ROOT, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=self.errors, text=True, encoding="utf-8")  # fmt: skip

    def stderr(self) -> str:
        self.errors.seek(0)
        return self.errors.read()

    def wait_until_paused(self) -> None:
        """Block until the run has reached its pause (a line on its stdout, not a sleep)."""
        line = self.process.stdout.readline()
        assert line.startswith("paused after"), (line, self.stderr())

    def resume(self) -> None:
        import threading

        self.process.stdin.write("go on\n")
        self.process.stdin.close()
        # The rest of its stdout (the summary) is read as it comes: a summary larger than the
        # pipe holds (every record failed) blocked the run while a test polled it, until the timeout.
        self._output: list[str] = []
        self._reader = threading.Thread(target=lambda: self._output.append(self.process.stdout.read()),
                                        daemon=True)  # fmt: skip
        self._reader.start()

    def finish(self, timeout: float = 280) -> tuple[int, dict]:
        """Resume if paused, wait for the end: (exit status, summary dict)."""
        import json

        if not self.process.stdin.closed:
            self.resume()
        status = self.process.wait(timeout=timeout)
        self._reader.join(timeout=timeout)
        assert status in (0, 1), (status, self.stderr())
        return status, json.loads("".join(self._output).strip().splitlines()[-1])

    def kill(self) -> None:
        import signal

        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def __enter__(self) -> PausedRun:
        return self

    def __exit__(self, *exc) -> None:
        if self.process.poll() is None:
            self.kill()
        for stream in (self.process.stdin, self.process.stdout, self.errors):
            stream.close()
