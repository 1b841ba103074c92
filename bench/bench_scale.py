"""How costs grow with the collection: index, start-up, memory and search latency against N.

For every N of ``--sizes``: a generated corpus of N articles
(``bench/make_corpus.py``, made once and kept in ``--work-dir``), then

* **indexing**: ``xunwen index --rebuild`` of it, wall time, index size on
  disk (bytes per article) and peak memory (the sum of the resident memory
  of the indexer and its worker processes, sampled every 0.2 s);
* **serving**: ``xunwen serve`` (gunicorn, ``--workers``), seconds from
  launch until the first search is answered (the index opened and its facet
  columns computed before the port opens); then the search mix of
  ``bench/bench_search.py`` (facets and passages on) over HTTP, once with
  the process's caches empty (**cold**: the operating system's file cache
  is not dropped, that needs root and would disturb the other users of the
  machine) and ``--rounds`` times more (**warm**), p50/p95 of each;
* with ``--cold-start`` (root only: it empties the file cache of the whole
  machine), the start-up once more after ``echo 3 > /proc/sys/vm/drop_caches``:
  a server started after a reboot, whose first search reads its postings
  from the disk (``startup_cold_cache_seconds``);
* **memory** of every server process after the warm rounds, from
  ``/proc/PID/smaps_rollup``: anonymous (its own) and file-backed (the
  mapped index, shared page cache);
* **analysis**: ``/api/trends`` of five queries by month (share), p50 over
  the rounds and the first (cold) one, and ``/api/export`` of every article
  as CSV, read to the end as it streams (seconds, rows, MB);
* **postings per article** (term-document pairs of all fields), read from
  the index, for the sizing in ``docs/scale-out.md``.

``--build-only`` builds and keeps the indexes; ``--reuse-index`` measures a
kept index again with the code of this run (its build figures are kept), so
a million articles indexed once can be measured after a change that does not
touch the index format.

Figures are kept by N in ``--out-dir``/scale.json (runs add to it) and
drawn as one PNG per figure against N (``--out-dir``/scale-<figure>.png).

    .venv/bin/python bench/bench_scale.py --sizes 75000,300000 [--rounds 3] [--workers 1]
        [--work-dir /tmp/xunwen-bench/scale] [--out-dir bench/scale] [--keep-index]

A million articles: ``--sizes 1000000`` (about 1.4 GB of text; about an hour
of indexing on 2 cores, 10+ GB of disk in ``--work-dir``).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from bench_search import QUERIES  # noqa: E402
from load_test import free_port, server_processes, smaps_mb  # noqa: E402
from make_corpus import SOURCE, write_corpus  # noqa: E402

HOST = "127.0.0.1"
STARTUP_TIMEOUT = 600.0
# figure -> (label, unit): what is plotted against N
FIGURES = {
    "index_seconds": ("indexing time", "s"),
    "index_mb": ("index size on disk", "MB"),
    "index_peak_mb": ("peak indexing memory (all processes)", "MB"),
    "startup_seconds": ("server start-up until the first answer", "s"),
    "startup_cold_cache_seconds": ("start-up, file cache dropped", "s"),
    "anon_mb": ("anonymous RSS per server process", "MB"),
    "file_mb": ("file-backed RSS per server process", "MB"),
    "cold_p50_ms": ("search p50, process caches empty", "ms"),
    "cold_p95_ms": ("search p95, process caches empty", "ms"),
    "warm_p50_ms": ("search p50, warm", "ms"),
    "warm_p95_ms": ("search p95, warm", "ms"),
    "trend_p50_ms": ("trend of 5 queries by month, p50", "ms"),
    "export_seconds": ("export of every article as CSV", "s"),
}
# Measured only when asked for (``--cold-start``: root, and it empties the machine's file cache).
OPTIONAL_FIGURES = frozenset({"startup_cold_cache_seconds"})
TREND_URL = "/api/trends?" + urlencode(
    [("q", q) for q in ("地震", "洪水", "疫情", "扶贫", "高铁")]
    + [("interval", "month"), ("measure", "share")]
)
EXPORT_URL = "/api/export?format=csv"


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(share * len(ordered)) - 1))] if ordered else 0.0


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        try:
            todo += [int(c) for c in Path(f"/proc/{current}/task/{current}/children").read_text().split()]
        except OSError:
            pass
    return found


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def run_with_peak_memory(command: list[str]) -> tuple[subprocess.CompletedProcess, float, float]:
    """Run ``command``; (its result, seconds, peak summed RSS of its process tree in MB)."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = [0.0]

    def sample() -> None:
        while process.poll() is None:
            peak[0] = max(peak[0], sum(_rss_mb(pid) for pid in _tree(process.pid)))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = process.communicate()
    seconds = time.perf_counter() - started
    sampler.join()
    return subprocess.CompletedProcess(command, process.returncode, out, err), seconds, peak[0]


def build_index(corpus: Path, index_dir: Path) -> dict:
    """Index ``corpus`` from scratch; time, size and peak memory."""
    command = [sys.executable, "-m", "search.cli", "index", "--rebuild", "--quiet", "--json"]
    done, seconds, peak = run_with_peak_memory([*command, "--index-dir", str(index_dir), str(corpus)])
    if done.returncode not in (0, 1):
        raise RuntimeError(f"indexing failed ({done.returncode}): {done.stderr[-2000:]}")
    size = sum(path.stat().st_size for path in index_dir.iterdir() if path.is_file())
    return {
        "index_seconds": round(seconds, 1),
        "index_mb": round(size / 1e6, 1),
        "index_peak_mb": round(peak),
        "indexed": json.loads(done.stdout).get("indexed"),
        "text_mb": round(corpus.stat().st_size / 1e6, 1),
    }


POSTINGS_PROBE = """
import json, sys
from search import open_index
reader = open_index(sys.argv[1])._searcher().reader()
pairs = {}
for segment, _offset in reader.leaf_readers():
    for fieldname, text in segment.all_terms():
        pairs[fieldname] = pairs.get(fieldname, 0) + segment.doc_frequency(fieldname, text)
print(json.dumps({"docs": reader.doc_count(), "pairs": pairs}))
"""


def postings_per_article(index_dir: Path) -> dict:
    """Term-document pairs per live article, per field and in all (read in a subprocess)."""
    done = subprocess.run(
        [sys.executable, "-c", POSTINGS_PROBE, str(index_dir)], capture_output=True, text=True, cwd=ROOT
    )
    if done.returncode:
        return {"postings_error": done.stderr[-500:]}
    found = json.loads(done.stdout)
    docs = max(1, found["docs"])
    per_field = {field: round(count / docs, 1) for field, count in sorted(found["pairs"].items())}
    return {
        "postings_per_article": round(sum(found["pairs"].values()) / docs, 1),
        "postings_by_field": per_field,
    }


def _url(query: str, filters: dict[str, list[str]]) -> str:
    pairs = ([("q", query)] if query else []) + [
        (name, v) for name, values in filters.items() for v in values
    ]
    return f"/api/search?{urlencode(pairs)}"


def _get(conn: http.client.HTTPConnection, url: str) -> float:
    started = time.perf_counter()
    conn.request("GET", url)
    response = conn.getresponse()
    response.read()
    if response.status != 200:
        raise RuntimeError(f"{url}: HTTP {response.status}")
    return (time.perf_counter() - started) * 1000


FIRST_SEARCH = "/api/search?q=%E7%BB%8F%E6%B5%8E&per_page=10"  # 经济, with facets


def first_answer(
    server: subprocess.Popen, port: int, started: float, timeout: float = STARTUP_TIMEOUT
) -> tuple[http.client.HTTPConnection, float, int, bytes]:
    """Poll a starting ``xunwen serve`` until it answers ``FIRST_SEARCH``: (the open
    connection, seconds since ``started``, HTTP status, body). Raises if it exits or
    takes longer than ``timeout``."""
    while True:
        if server.poll() is not None:
            raise RuntimeError(f"the server exited: {server.stderr.read().decode()[-2000:]}")
        if time.perf_counter() - started > timeout:
            raise RuntimeError("the server did not answer in time")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
            conn.request("GET", FIRST_SEARCH)
            response = conn.getresponse()
            return conn, time.perf_counter() - started, response.status, response.read()
        except (OSError, http.client.HTTPException):
            time.sleep(0.05)


def launch_server(index_dir: Path, workers: int) -> tuple[subprocess.Popen, int, float]:
    """``xunwen serve`` of ``index_dir`` on a free port: (the process, its port, when it started)."""
    port = free_port()
    command = [sys.executable, "-m", "web.cli", "serve", "--index-dir", str(index_dir), "--host", HOST]
    command += ["--port", str(port), "--workers", str(workers)]
    started = time.perf_counter()
    server = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    return server, port, started


def measure_server(index_dir: Path, workers: int, rounds: int) -> dict:
    """Start-up, cold and warm latency of the mix, and memory per process."""
    server, port, started = launch_server(index_dir, workers)
    try:
        conn, startup, status, _ = first_answer(server, port, started)
        if status != 200:
            raise RuntimeError(f"{FIRST_SEARCH}: HTTP {status}")
        urls = [_url(query, filters) for _kind, query, filters in QUERIES]
        cold = [_get(conn, url) for url in urls]
        warm = [_get(conn, url) for _ in range(rounds) for url in urls]
        memory = [smaps_mb(pid) for pid in server_processes(server.pid)]
        trend = [_get(conn, TREND_URL) for _ in range(max(3, rounds))]
        exported = export_cost(conn)
        conn.close()
    finally:
        server.terminate()
        server.wait(30)
    return {
        "startup_seconds": round(startup, 2),
        "cold_p50_ms": round(percentile(cold, 0.5), 1),
        "cold_p95_ms": round(percentile(cold, 0.95), 1),
        "warm_p50_ms": round(percentile(warm, 0.5), 1),
        "warm_p95_ms": round(percentile(warm, 0.95), 1),
        "anon_mb": round(max(row.get("anon_mb", 0) for row in memory), 1),
        "file_mb": round(max(row.get("file_mb", 0) for row in memory), 1),
        "server_processes": memory,
        "queries": len(urls),
        "warm_mean_ms": round(statistics.fmean(warm), 1),
        "trend_p50_ms": round(statistics.median(trend), 1),
        "trend_first_ms": round(trend[0], 1),
        **exported,
    }


def drop_file_cache() -> None:
    """Write dirty pages out, then empty the kernel's file cache (root only)."""
    os.sync()
    Path("/proc/sys/vm/drop_caches").write_text("3\n")


def cold_cache_startup(index_dir: Path, workers: int) -> float:
    """Seconds until ``FIRST_SEARCH`` is answered by a server started on an empty file cache."""
    drop_file_cache()
    server, port, started = launch_server(index_dir, workers)
    try:
        conn, startup, status, _ = first_answer(server, port, started)
        conn.close()
        if status != 200:
            raise RuntimeError(f"{FIRST_SEARCH}: HTTP {status}")
    finally:
        server.terminate()
        server.wait(30)
    return round(startup, 2)


def export_cost(conn: http.client.HTTPConnection) -> dict:
    """Seconds and rows of ``/api/export`` of every article as CSV, read as it streams."""
    started = time.perf_counter()
    conn.request("GET", EXPORT_URL)
    response = conn.getresponse()
    if response.status != 200:
        raise RuntimeError(f"{EXPORT_URL}: HTTP {response.status}")
    rows, size = 0, 0
    while chunk := response.read(1 << 20):
        rows += chunk.count(b"\n")
        size += len(chunk)
    seconds = time.perf_counter() - started
    # Rows hold newlines of their own (quoted bodies): X-Total-Count is the number of articles.
    total = int(response.getheader("X-Total-Count") or 0)
    return {"export_seconds": round(seconds, 2), "export_rows": total, "export_mb": round(size / 1e6, 3)}


def plot(results: dict[str, dict], out_dir: Path) -> list[Path]:
    """One PNG per figure against N."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    sizes = sorted(results, key=int)
    written = []
    for figure, (label, unit) in FIGURES.items():
        points = [(int(n), results[n][figure]) for n in sizes if figure in results[n]]
        if not points:
            continue
        fig, axes = plt.subplots(figsize=(5, 3.2), dpi=100)
        axes.plot([n for n, _ in points], [v for _, v in points], marker="o")
        axes.set_xlabel("articles (N)")
        axes.set_ylabel(f"{label} ({unit})", fontsize=8)
        axes.set_title(label, fontsize=9)
        axes.set_ylim(bottom=0)
        axes.grid(alpha=0.3)
        fig.tight_layout()
        path = out_dir / f"scale-{figure}.png"
        fig.savefig(path)
        plt.close(fig)
        written.append(path)
    return written


def run_size(count: int, args: argparse.Namespace, previous: dict) -> dict:
    corpus = args.work_dir / f"corpus-{count}.jsonl"
    if not corpus.exists():
        write_corpus(count, corpus, args.source, args.seed)
    index_dir = args.work_dir / f"index-{count}"
    figures: dict = {"articles": count, "date": time.strftime("%Y-%m-%d"), "cores": os.cpu_count()}
    figures["load_average_before"] = round(os.getloadavg()[0], 2)
    if args.reuse_index and any(index_dir.glob("*.toc")):
        # Measured again with this code on the index built before: its build figures stay.
        figures.update({key: value for key, value in previous.items() if key.startswith("index_")})
        figures.update({key: previous[key] for key in ("indexed", "text_mb") if key in previous})
        figures["index_reused"] = True
    else:
        figures.update(build_index(corpus, index_dir))
    figures["bytes_per_article"] = round(figures["index_mb"] * 1e6 / count)
    if args.build_only:
        return figures
    if args.cold_start:  # first: the main measurement then starts from a warm file cache again
        figures["startup_cold_cache_seconds"] = cold_cache_startup(index_dir, args.workers)
    figures.update(measure_server(index_dir, args.workers, args.rounds))
    if figures.get("index_reused") and "postings_per_article" in previous:  # the same index: counted before
        figures.update({key: value for key, value in previous.items() if key.startswith("postings_")})
    else:
        figures.update(postings_per_article(index_dir))
    if not (args.keep_index or args.reuse_index):
        shutil.rmtree(index_dir, ignore_errors=True)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="75000", help="comma-separated numbers of articles")
    parser.add_argument("--rounds", type=int, default=3, help="warm passes over the search mix")
    parser.add_argument("--workers", type=int, default=1, help="server worker processes")
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--seed", type=int, default=16)
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/xunwen-bench/scale"))
    parser.add_argument("--out-dir", type=Path, default=ROOT / "bench" / "scale")
    parser.add_argument("--keep-index", action="store_true", help="keep each index in --work-dir")
    parser.add_argument(
        "--reuse-index", action="store_true",
        help="measure a kept index again (with this code) instead of building it; its build figures stay",
    )  # fmt: skip
    parser.add_argument(
        "--build-only", action="store_true", help="build (and keep) the indexes, measure nothing"
    )
    parser.add_argument(
        "--cold-start", action="store_true",
        help="also time a start-up on an emptied file cache (root; drops the whole machine's cache)",
    )  # fmt: skip
    parser.add_argument("--plot-only", action="store_true", help="redraw the plots from scale.json")
    args = parser.parse_args(argv)
    if args.cold_start and not os.access("/proc/sys/vm/drop_caches", os.W_OK):
        parser.error("--cold-start needs root (it writes /proc/sys/vm/drop_caches)")
    sizes = [int(part) for part in args.sizes.split(",") if part.strip()]
    if not sizes or min(sizes) < 100:
        parser.error("--sizes are numbers of articles, 100 or more")
    if not args.source.exists():
        print(f"bench_scale: {args.source} is missing; nothing measured", file=sys.stderr)
        return 0
    args.work_dir.mkdir(parents=True, exist_ok=True)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    store = args.out_dir / "scale.json"
    results = json.loads(store.read_text()) if store.exists() else {}
    if args.plot_only:
        sizes = []
    for count in sizes:
        print(f"bench_scale: {count} articles ...", file=sys.stderr, flush=True)
        results[str(count)] = run_size(count, args, results.get(str(count), {}))
        if store.exists():  # another run may have added sizes meanwhile
            results = {**json.loads(store.read_text()), str(count): results[str(count)]}
        store.write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
        print(json.dumps(results[str(count)], ensure_ascii=False), flush=True)
    for path in plot(results, args.out_dir):
        print(f"plot: {path}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
