"""Load test: concurrent clients against the real ``xunwen serve`` on 127.0.0.1.

Starts ``xunwen serve`` on a free local port as a subprocess, waits until it
answers and warms it up: every search of the mix once (collecting document
ids), then ``--warmup`` seconds of the full load, unmeasured, so that every
server thread has opened its searcher. Then ``--clients`` threads run for
``--seconds``, each on one HTTP/1.1 connection (as a browser does), sending
requests back to back (no think time) from a realistic mix: one-word,
regional, two-word, quoted-phrase, Traditional-script and question queries;
filter-only browsing (empty ``q``, newest first); filters with a query;
pages 2-5; the HTML search page; and document pages (``/api/doc/<id>`` and
``/doc/<id>``, ids from earlier results).

The same mix runs once per ``--workers`` count (default ``1,N`` with N the
number of cores), each against a fresh server, so one run compares one
worker process with N. Reports, per run: requests, errors (non-2xx or
exceptions, broken down), throughput, p50/p95/p99/max latency overall and
per kind of request, the slowest requests, and the memory of every server
process (anonymous, file-backed and proportional, from
``/proc/PID/smaps_rollup``) and their CPU use; then the throughput ratio of
N workers to one. The targets (issue 16): zero errors and a p99 under 500 ms
in every run, and N=2 workers at least 1.7 times one worker. Exits 0 if
they are met, 1 if one is missed, 2 if there is no index or a server could
not be started.

    .venv/bin/python bench/load_test.py [--index-dir /tmp/xunwen-bench/xwlb]
        [--clients 16] [--seconds 60] [--workers 1,2] [--threads N] [--port 0] [--json]

The number of requests is bounded (``--max-requests``) and only 127.0.0.1 is
ever contacted.
"""

from __future__ import annotations

import argparse
import heapq
import http.client
import json
import math
import os
import random
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, urlencode

ROOT = Path(__file__).resolve().parents[1]
HOST = "127.0.0.1"
TARGET_P99_MS = 500.0
TARGET_SPEEDUP = 1.7  # N=2 workers over one, on 2 cores
REQUEST_TIMEOUT = 30.0
MAX_DOC_IDS = 2000
SLOWEST = 5  # slowest requests listed

# -- the query mix -------------------------------------------------------------

WORDS = "发展 经济 会议 习近平 疫情 教育 改革 中国 农业 科技 创新 扶贫 文化 环境 人民 乡村振兴".split()
REGIONS = "河南|新乡|广东 深圳|浙江|四川 成都|湖北 武汉|上海|西藏|新疆|雄安新区|河南 郑州".split("|")
TWO_WORDS = "经济 发展|脱贫 攻坚|科技 创新|生态 环境|习近平 会见|河南 农业|新冠 疫苗|民营 企业".split("|")
PHRASES = '"高质量发展" "一带一路" "人类命运共同体" "乡村振兴" "国务院常务会议" "粤港澳大湾区"'.split()
TRADITIONAL = "經濟 發展|習近平|鄉村振興|科技 創新|環境 保護|國務院|臺灣|疫情 防控|廣東 深圳".split("|")
QUESTIONS = "什么是乡村振兴 如何推进高质量发展 新冠疫苗什么时候上市 为什么要建设雄安新区".split()
BROWSE: list[list[tuple[str, str]]] = [
    [("province", "河南省")],
    [("year", "2019")],
    [("province", "广东省"), ("sort", "newest")],
    [("year", "2020"), ("sort", "newest")],
    [("month", "2021-07")],
    [("topic", "科技创新")],
    [("city", "新乡市")],
    [("province", "浙江省"), ("year", "2018")],
    [("sort", "oldest")],
    [],  # the front page: newest documents
]
FILTERED: list[tuple[str, list[tuple[str, str]]]] = [
    ("经济", [("year", "2018")]),
    ("疫情", [("province", "湖北省")]),
    ("改革", [("date_from", "2015-01-01"), ("date_to", "2016-12-31")]),
    ("农业", [("province", "河南省"), ("province", "山东省")]),
    ("教育", [("topic", "科技创新"), ("year", "2021")]),
    ("发展", [("city", "深圳市")]),
    ("会议", [("year", "2022"), ("sort", "newest")]),
    ("扶贫", [("province", "贵州省"), ("topic", "农业农村")]),
]


@dataclass
class DocIds:
    """Document ids seen in results, shared by the clients."""

    ids: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    rng: random.Random = field(default_factory=lambda: random.Random(0))

    def add(self, new: list[str]) -> None:
        with self.lock:
            for doc_id in new:
                if len(self.ids) >= MAX_DOC_IDS:
                    self.ids[self.rng.randrange(MAX_DOC_IDS)] = doc_id
                else:
                    self.ids.append(doc_id)

    def pick(self, rng: random.Random) -> str:
        with self.lock:
            return rng.choice(self.ids)  # never empty: the warm-up filled it


def _search(path: str, q: str, pairs: list[tuple[str, str]] | None = None) -> str:
    args = ([("q", q)] if q else []) + list(pairs or [])
    return f"{path}?{urlencode(args)}" if args else path


def _doc(path: str, doc_id: str, q: str = "") -> str:
    url = f"{path}/{quote(doc_id, safe='')}"
    return f"{url}?{urlencode({'q': q})}" if q else url


# kind -> (weight, url maker); weights are percent of requests.
def build_mix(ids: DocIds):
    api, html = "/api/search", "/search"
    return {
        "one word": (14, lambda r: _search(api, r.choice(WORDS))),
        "region": (8, lambda r: _search(api, r.choice(REGIONS))),
        "two words": (10, lambda r: _search(api, r.choice(TWO_WORDS))),
        "phrase": (6, lambda r: _search(api, r.choice(PHRASES))),
        "traditional": (4, lambda r: _search(api, r.choice(TRADITIONAL))),
        "question": (4, lambda r: _search(api, r.choice(QUESTIONS))),
        "browse (no q)": (8, lambda r: _search(api, "", r.choice(BROWSE))),
        "filters + q": (8, lambda r: _search(api, *r.choice(FILTERED))),
        "page 2-5": (
            8,
            lambda r: _search(api, r.choice(WORDS + TWO_WORDS + REGIONS), [("page", str(r.randint(2, 5)))]),
        ),
        "html search": (
            12,
            lambda r: _search(
                html,
                r.choice(WORDS + REGIONS + PHRASES + TRADITIONAL),
                r.choice([[], [], [("year", "2019")], [("province", "河南省")]]),
            ),
        ),
        "api doc": (8, lambda r: _doc("/api/doc", ids.pick(r), r.choice(["", *WORDS]))),
        "html doc": (10, lambda r: _doc("/doc", ids.pick(r), r.choice(["", "", *WORDS]))),
    }


# -- measuring -------------------------------------------------------------------


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)  # kind -> seconds
    errors: Counter = field(default_factory=Counter)  # (kind, what) -> count
    samples: list[str] = field(default_factory=list)  # a few failed requests
    slowest: list[tuple[float, str]] = field(default_factory=list)  # a min-heap of the slowest
    lock: threading.Lock = field(default_factory=threading.Lock)
    issued: int = 0

    def take_ticket(self, limit: int) -> bool:
        with self.lock:
            if self.issued >= limit:
                return False
            self.issued += 1
            return True

    def record(self, kind: str, seconds: float, error: str | None, url: str) -> None:
        with self.lock:
            self.latencies.setdefault(kind, []).append(seconds)
            if len(self.slowest) < SLOWEST:
                heapq.heappush(self.slowest, (seconds, url))
            elif seconds > self.slowest[0][0]:
                heapq.heapreplace(self.slowest, (seconds, url))
            if error:
                self.errors[(kind, error)] += 1
                if len(self.samples) < 10:
                    self.samples.append(f"{error}: {url}")


def percentile(ordered: list[float], fraction: float) -> float:
    """Nearest-rank percentile of a sorted list."""
    if not ordered:
        return 0.0
    return ordered[max(1, math.ceil(fraction * len(ordered))) - 1]


def summarize(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    ms = lambda seconds: round(seconds * 1000, 1)  # noqa: E731
    return {
        "requests": len(ordered),
        "p50_ms": ms(percentile(ordered, 0.50)),
        "p95_ms": ms(percentile(ordered, 0.95)),
        "p99_ms": ms(percentile(ordered, 0.99)),
        "max_ms": ms(ordered[-1]) if ordered else 0.0,
    }


class Client:
    """One keep-alive connection; reconnects after a failure."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.conn: http.client.HTTPConnection | None = None

    def get(self, url: str) -> tuple[int, bytes]:
        if self.conn is None:
            self.conn = http.client.HTTPConnection(HOST, self.port, timeout=REQUEST_TIMEOUT)
        try:
            self.conn.request("GET", url, headers={"Accept-Encoding": "identity"})
            response = self.conn.getresponse()
            body = response.read()
        except BaseException:
            self.close()
            raise
        if response.will_close:
            self.close()
        return response.status, body

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def harvest(body: bytes, ids: DocIds) -> None:
    """Document ids from a JSON search result."""
    try:
        hits = json.loads(body).get("hits") or []
    except ValueError:
        return
    ids.add([hit["id"] for hit in hits if isinstance(hit, dict) and hit.get("id")])


def client_loop(
    number: int, port: int, mix, deadline: float, limit: int, stats: Stats, ids: DocIds, seed: int
) -> None:
    rng = random.Random(seed * 1000 + number)
    kinds = list(mix)
    weights = [mix[kind][0] for kind in kinds]
    client = Client(port)
    try:
        while time.perf_counter() < deadline and stats.take_ticket(limit):
            kind = rng.choices(kinds, weights)[0]
            url = mix[kind][1](rng)
            started = time.perf_counter()
            error = None
            try:
                status, body = client.get(url)
                if not 200 <= status < 300:
                    error = f"HTTP {status}"
                elif url.startswith("/api/search") and rng.random() < 0.3:
                    harvest(body, ids)
            except Exception as exc:  # every failure is counted, none stops the client
                error = type(exc).__name__
            stats.record(kind, time.perf_counter() - started, error, url)
    finally:
        client.close()


# -- the server --------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def server_command(
    index_dir: Path, port: int, threads: int | None, workers: int = 1, preload: bool = True
) -> list[str]:
    # ``-m web.cli``: the venv's console script may predate ``serve --workers``.
    command = [sys.executable, "-m", "web.cli", "serve", "--index-dir", str(index_dir)]
    command += ["--host", HOST, "--port", str(port), "--workers", str(workers)]
    if threads:
        command += ["--threads", str(threads)]
    if not preload:
        command.append("--no-preload")
    return command


def server_processes(pid: int) -> list[int]:
    """The server's worker processes (gunicorn's children), or the server itself."""
    try:
        with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as handle:
            children = [int(child) for child in handle.read().split()]
    except OSError:
        children = []
    return children or [pid]


SMAPS_KEYS = {"Rss": "rss_mb", "Pss": "pss_mb", "Anonymous": "anon_mb", "Shared_Clean": "shared_clean_mb"}


def smaps_mb(pid: int) -> dict[str, float]:
    """A process's resident memory from ``/proc/PID/smaps_rollup`` in MB (Linux).

    ``anon_mb`` is what the process computed (its own); ``file_mb`` is mapped
    file pages (the index's segments: page cache, shared with every other
    process that maps them); ``pss_mb`` divides shared pages among sharers.
    """
    found: dict[str, float] = {}
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                if key in SMAPS_KEYS:
                    found[SMAPS_KEYS[key]] = round(int(value.split()[0]) / 1024, 1)
    except OSError:
        return found
    if "rss_mb" in found and "anon_mb" in found:
        found["file_mb"] = round(found["rss_mb"] - found["anon_mb"], 1)
    return found


def wait_until_up(server: subprocess.Popen, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    client = Client(port)
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited with code {server.returncode}")
        try:
            status, _ = client.get("/api/search?q=%E7%BB%8F%E6%B5%8E")
            client.close()
            if status == 200:
                return
            raise RuntimeError(f"the server answers HTTP {status}")
        except OSError:
            time.sleep(0.25)
    raise RuntimeError(f"no answer on port {port} within {timeout:.0f} s")


MEMORY_KEYS = {"VmRSS": "rss_mb", "VmHWM": "peak_rss_mb", "RssAnon": "anon_mb", "RssFile": "file_mb"}


def rss_mb(pid: int) -> dict[str, float]:
    """Resident memory of a process in MB (Linux): all, peak, anonymous and file-backed.

    File-backed pages (the index's mapped segments) are shared page cache and
    are counted once per mapping; the anonymous part is what the process owns.
    """
    found: dict[str, float] = {}
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                key, _, value = line.partition(":")
                if key in MEMORY_KEYS:
                    found[MEMORY_KEYS[key]] = round(int(value.split()[0]) / 1024, 1)
    except OSError:
        pass
    return found


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far (Linux), 0.0 if unknown."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            fields = handle.read().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError):
        return 0.0


def stop(server: subprocess.Popen) -> None:
    if server.poll() is None:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


# -- running -----------------------------------------------------------------------


def run_clients(port: int, mix, clients: int, seconds: float, limit: int, ids: DocIds, seed: int) -> Stats:
    """``clients`` threads sending requests of the mix for ``seconds``."""
    stats = Stats()
    deadline = time.perf_counter() + seconds
    threads = [
        threading.Thread(
            target=client_loop, args=(n, port, mix, deadline, limit, stats, ids, seed), daemon=True
        )
        for n in range(clients)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return stats


def warm_up(port: int, mix, ids: DocIds, clients: int, seconds: float) -> int:
    """Every search of the mix once (document ids collected), then ``seconds`` of the
    full load, so that every server thread has opened its searcher."""
    client = Client(port)
    urls = [
        _search("/api/search", q) for q in WORDS + REGIONS + TWO_WORDS + PHRASES + TRADITIONAL + QUESTIONS
    ]
    urls += [_search("/api/search", "", pairs) for pairs in BROWSE]
    urls += [_search("/api/search", q, pairs) for q, pairs in FILTERED]
    try:
        for url in urls:
            _status, body = client.get(url)
            harvest(body, ids)
    except (OSError, http.client.HTTPException) as exc:
        raise RuntimeError(f"the warm-up failed: {type(exc).__name__}: {exc}") from exc
    finally:
        client.close()
    if not ids.ids:
        raise RuntimeError("the warm-up searches returned no document ids; is the index empty?")
    stats = run_clients(port, mix, clients, seconds, 1_000_000, ids, seed=0)
    return len(urls) + sum(len(values) for values in stats.latencies.values())


def run(args: argparse.Namespace, workers: int = 1) -> dict:
    """One server with ``workers`` processes under the load of the mix."""
    port = args.port or free_port()
    log = tempfile.NamedTemporaryFile(prefix="xunwen-load-", suffix=".log", delete=False)
    command = server_command(args.index_dir, port, args.threads, workers, args.preload)
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    kept = f", log {log.name}" if args.keep_log else ""
    print(f"server: pid {server.pid}, http://{HOST}:{port}/{kept}", file=sys.stderr)
    try:
        started = time.perf_counter()
        wait_until_up(server, port, args.startup_timeout)
        startup = time.perf_counter() - started
        ids = DocIds()
        mix = build_mix(ids)
        warmed = warm_up(port, mix, ids, args.clients, args.warmup)
        print(
            f"server up in {startup:.1f} s; warm-up {warmed} requests, {len(ids.ids)} document ids; "
            f"{args.clients} clients for {args.seconds:.0f} s ...",
            file=sys.stderr,
        )
        processes = [server.pid, *[pid for pid in server_processes(server.pid) if pid != server.pid]]
        rss_warm = rss_mb(server.pid)
        load_average = os.getloadavg()[0]
        cpu_before, own_cpu_before = sum(map(cpu_seconds, processes)), time.process_time()
        began = time.perf_counter()
        stats = run_clients(port, mix, args.clients, args.seconds, args.max_requests, ids, args.seed)
        elapsed = time.perf_counter() - began
        rss_after = rss_mb(server.pid)
        per_process = {str(pid): smaps_mb(pid) for pid in processes}
        server_cpu = sum(map(cpu_seconds, processes)) - cpu_before
        own_cpu = time.process_time() - own_cpu_before
        alive = server.poll() is None
    finally:
        stop(server)
        log.close()
    with open(log.name, encoding="utf-8", errors="replace") as handle:
        server_log = handle.read().splitlines()
    if not args.keep_log:
        os.unlink(log.name)
    everything = [value for values in stats.latencies.values() for value in values]
    errors = sum(stats.errors.values())
    overall = summarize(everything)
    result = {
        "host": HOST,
        "port": port,
        "index_dir": str(args.index_dir),
        "clients": args.clients,
        "seconds": round(elapsed, 1),
        "server_workers": workers,
        "server_preload": args.preload,
        "server_threads": args.threads or "default",
        "startup_seconds": round(startup, 1),
        "requests": len(everything),
        "errors": errors,
        "throughput_rps": round(len(everything) / elapsed, 1) if elapsed else 0.0,
        **overall,
        "kinds": {
            kind: {**summarize(values), "errors": sum(n for (k, _), n in stats.errors.items() if k == kind)}
            for kind, values in sorted(stats.latencies.items())
        },
        "error_breakdown": {f"{kind}: {what}": n for (kind, what), n in stats.errors.most_common()},
        "error_samples": stats.samples,
        "slowest": [
            {"ms": round(seconds * 1000, 1), "url": url}
            for seconds, url in sorted(stats.slowest, reverse=True)
        ],
        "server_memory_after_warmup": rss_warm,
        "server_memory_after": rss_after,
        "server_processes_memory_after": per_process,  # pid -> smaps_rollup figures (master first)
        "server_cpu_percent": round(100 * server_cpu / elapsed) if elapsed else 0,
        "load_generator_cpu_percent": round(100 * own_cpu / elapsed) if elapsed else 0,
        "cores": os.cpu_count(),
        "load_average_before": round(load_average, 2),
        "server_alive_at_end": alive,
        "server_queue_warnings": sum("Task queue depth" in line for line in server_log),
        "server_log_tail": server_log[-5:] if errors or not alive else [],
        "bounded_by_max_requests": stats.issued >= args.max_requests,
    }
    result["target"] = {"errors": 0, "p99_ms_below": TARGET_P99_MS}
    result["met"] = errors == 0 and alive and overall["p99_ms"] < TARGET_P99_MS
    return result


def compare(runs: list[dict]) -> dict:
    """The runs side by side: throughput of each worker count over the first (one worker)."""
    base = runs[0]["throughput_rps"] or 1.0
    ratios = {str(run["server_workers"]): round(run["throughput_rps"] / base, 2) for run in runs}
    two = ratios.get("2")
    met = all(run["met"] for run in runs) and (two is None or two >= TARGET_SPEEDUP)
    return {"runs": runs, "throughput_ratio": ratios, "target_speedup_2_workers": TARGET_SPEEDUP, "met": met}


def report(result: dict) -> str:
    lines = [
        f"xunwen load test: {result['clients']} clients, {result['seconds']} s, "
        f"server workers {result['server_workers']} x threads {result['server_threads']}"
        f"{'' if result['server_preload'] else ' (no preload)'}, "
        f"index {result['index_dir']}",
        f"requests {result['requests']}, errors {result['errors']}, "
        f"throughput {result['throughput_rps']} req/s",
        f"latency ms: p50 {result['p50_ms']}  p95 {result['p95_ms']}  p99 {result['p99_ms']}  "
        f"max {result['max_ms']}",
        "",
        f"{'kind':16} {'requests':>8} {'errors':>6} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8}",
    ]
    for kind, row in result["kinds"].items():
        lines.append(
            f"{kind:16} {row['requests']:8} {row['errors']:6} {row['p50_ms']:8.1f} "
            f"{row['p95_ms']:8.1f} {row['p99_ms']:8.1f} {row['max_ms']:8.1f}"
        )
    if result["error_breakdown"]:
        lines += ["", "errors:"] + [f"  {what}: {n}" for what, n in result["error_breakdown"].items()]
        lines += ["first failures:"] + [f"  {sample}" for sample in result["error_samples"]]
    lines += ["", "slowest requests:"] + [
        f"  {row['ms']:8.1f} ms  {unquote(row['url'])}" for row in result["slowest"]
    ]
    memory = result["server_memory_after"]
    lines += [
        "",
        f"server RSS: {result['server_memory_after_warmup'].get('rss_mb', '?')} MB after warm-up, "
        f"{memory.get('rss_mb', '?')} MB at the end (peak {memory.get('peak_rss_mb', '?')} MB; "
        f"anonymous {memory.get('anon_mb', '?')} MB, file-backed {memory.get('file_mb', '?')} MB);\n"
        f"CPU: server {result['server_cpu_percent']}% of one core, this load generator "
        f"{result['load_generator_cpu_percent']}% ({result['cores']} cores; load average "
        f"{result['load_average_before']} before the run); waitress queue warnings: "
        f"{result['server_queue_warnings']}",
        "memory per process after the run, MB (smaps_rollup; the first is gunicorn's master):",
    ]
    for pid, row in result["server_processes_memory_after"].items():
        lines.append(
            f"  pid {pid}: anonymous {row.get('anon_mb', '?')}, file-backed {row.get('file_mb', '?')}, "
            f"shared clean {row.get('shared_clean_mb', '?')}, PSS {row.get('pss_mb', '?')}"
        )
    if not result["server_alive_at_end"]:
        lines.append("the server died during the test; log tail:")
        lines += [f"  {line}" for line in result["server_log_tail"]]
    if result["bounded_by_max_requests"]:
        lines.append("stopped early: --max-requests reached")
    verdict = "PASS" if result["met"] else "FAIL"
    lines.append(
        f"verdict: {verdict} (target: zero errors and p99 < {TARGET_P99_MS:.0f} ms; "
        f"got {result['errors']} errors, p99 {result['p99_ms']} ms)"
    )
    return "\n".join(lines)


def report_comparison(comparison: dict) -> str:
    parts = [report(run) for run in comparison["runs"]]
    rows = ", ".join(
        f"{run['server_workers']} workers {run['throughput_rps']} req/s (p99 {run['p99_ms']} ms, "
        f"{run['errors']} errors)"
        for run in comparison["runs"]
    )
    ratios = ", ".join(
        f"{workers} workers {ratio}x" for workers, ratio in comparison["throughput_ratio"].items()
    )
    verdict = "PASS" if comparison["met"] else "FAIL"
    parts.append(
        f"side by side: {rows}\nthroughput over one worker: {ratios} "
        f"(target: 2 workers >= {TARGET_SPEEDUP}x)\noverall verdict: {verdict}"
    )
    return ("\n\n" + "=" * 72 + "\n\n").join(parts)


def worker_counts(text: str) -> list[int]:
    """``"1,2"`` -> [1, 2]."""
    counts = [int(part) for part in text.split(",") if part.strip()]
    if not counts or any(count < 1 or count > 64 for count in counts):
        raise argparse.ArgumentTypeError("worker counts are 1-64, comma-separated")
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index-dir", type=Path, default=Path("/tmp/xunwen-bench/xwlb"))
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--host", default=HOST, help="only 127.0.0.1 is allowed")
    parser.add_argument("--port", type=int, default=0, help="0: a free port")
    parser.add_argument("--threads", type=int, default=None, help="the server's --threads (default: its own)")
    parser.add_argument(
        "--workers",
        type=worker_counts,
        default=[1, os.cpu_count() or 1] if (os.cpu_count() or 1) > 1 else [1],
        help="worker counts to run the mix with, one server each (default: 1,<cores>)",
    )
    parser.add_argument(
        "--warmup", type=float, default=10.0, help="seconds of the full load before measuring (default 10)"
    )
    parser.add_argument(
        "--no-preload", dest="preload", action="store_false", help="pass --no-preload to the server"
    )
    parser.add_argument("--max-requests", type=int, default=100_000, help="stop after this many requests")
    parser.add_argument("--startup-timeout", type=float, default=180.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep-log", action="store_true", help="keep the server's log file")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    if args.host != HOST:
        parser.error(f"--host must be {HOST}: this test runs against the local machine only")
    if not 1 <= args.clients <= 256 or args.seconds <= 0 or args.max_requests < 1:
        parser.error("--clients must be 1-256, --seconds and --max-requests positive")
    if not args.index_dir.is_dir() or not any(args.index_dir.glob("*.toc")):
        print(
            f"load_test: no index in {args.index_dir}; build it with "
            f"`xunwen index --index-dir {args.index_dir} ../shared/corpus/xwlb.jsonl.gz`",
            file=sys.stderr,
        )
        return 2
    try:
        comparison = compare([run(args, workers) for workers in args.workers])
    except RuntimeError as exc:
        print(f"load_test: {exc}", file=sys.stderr)
        return 2
    print(
        json.dumps(comparison, ensure_ascii=False, indent=2) if args.json else report_comparison(comparison)
    )
    return 0 if comparison["met"] else 1


if __name__ == "__main__":
    sys.exit(main())
