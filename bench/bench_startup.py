"""Start-up: from process start to the first answered search, with the facet columns
computed (the old way) and read from their stored files (the new way), in one run.

    python bench/bench_startup.py [--index /tmp/xunwen-bench/xwlb] [--rounds 3]

The index is never written: two copies are made of hard links under
``--work-dir`` (no bytes copied), ``computed/`` without column files and
``stored/`` with them written (``search.engine.column_store.store_columns``).
Printed: where a fresh process spends its start-up (imports, opening, columns,
story column, first search, suggestion table), then the wall time of a real
server (``xunwen serve``, one gunicorn worker, 127.0.0.1) until its first
answered ``/api/search`` with facets, and of a ``xunwen search ... --json`` run,
old and new way alternating, with the ratio of their medians.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_scale import first_answer  # noqa: E402
from load_test import free_port  # noqa: E402

HOST = "127.0.0.1"
STARTUP_TIMEOUT = 300.0  # seconds a server may take before the run is given up
QUERY = "经济"
COLUMN_PARTS = (".columns.json", ".columns.npy", ".pairs.npy", ".ids.npy")


def linked_copy(index: Path, target: Path, stored: bool) -> Path:
    """``target`` as a copy of ``index`` made of hard links, with or without stored columns."""
    if target.exists():
        shutil.rmtree(target)
    subprocess.run(["cp", "-al", str(index), str(target)], check=True)
    for entry in target.iterdir():
        if entry.name.endswith(COLUMN_PARTS):
            entry.unlink()  # a link: the original keeps its file
    if stored:
        from search.engine import open_for_search
        from search.engine.column_store import store_columns

        store_columns(open_for_search(target))
    return target


# -- where a fresh process spends its start-up -------------------------------

PHASES_SCRIPT = r"""
import json, sys, time
marks = [("start", time.perf_counter())]
def mark(name):
    marks.append((name, time.perf_counter()))
from search.searcher import SearchIndex
from web import create_app
mark("imports (search, web)")
index = SearchIndex(sys.argv[1])
searcher = index._searcher()
mark("open index (TOC, segments checked)")
generation = index._generation(searcher)
mark("facet columns, dates, live mask")
index._story_column(searcher)
mark("story column (store read, joined)")
from search.plan import plan_query
plan_query(sys.argv[2])
mark("first query planned (jieba, regional table)")
index.search(sys.argv[2], per_page=10)
mark("first search with facets")
from search.gazetteer import regions
regions()
mark("gazetteer")
from search.suggest import WordTable
WordTable.from_reader(searcher.reader())
mark("suggestion word table (built on first /api/suggest, in the background)")
steps = [(name, round(end - begin, 3)) for (_, begin), (name, end) in zip(marks, marks[1:])]
print(json.dumps({"stored_segments": generation.columns.stored_segments, "phases": steps}))
"""


def phases(index_dir: Path) -> dict:
    """Seconds per start-up phase in a fresh process."""
    done = subprocess.run([sys.executable, "-c", PHASES_SCRIPT, str(index_dir), QUERY], cwd=ROOT, env=_env(),
                          capture_output=True, text=True, timeout=STARTUP_TIMEOUT, check=True)  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def _env(tree: Path = ROOT) -> dict:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(tree)  # this tree's code, also in the server's processes
    return env


# -- a real server and a CLI run ---------------------------------------------


def server_startup(index_dir: Path, tree: Path = ROOT) -> float:
    """Seconds from starting ``xunwen serve`` to its first answered ``/api/search`` with facets."""
    port = free_port()
    command = [sys.executable, "-m", "web.cli", "serve", "--index-dir", str(index_dir), "--host", HOST,
               "--port", str(port), "--workers", "1"]  # fmt: skip
    started = time.perf_counter()
    server = subprocess.Popen(
        command, cwd=tree, env=_env(tree), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    try:
        conn, seconds, status, body = first_answer(server, port, started, STARTUP_TIMEOUT)
        conn.close()
        found = json.loads(body) if status == 200 else {}
        if not found.get("facets"):
            raise RuntimeError(f"the server answered {status}: {body[:300]!r}")
        return seconds
    finally:
        server.terminate()
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)


def cli_search(index_dir: Path, tree: Path = ROOT) -> float:
    """Seconds of one ``xunwen search QUERY --json`` run."""
    command = [sys.executable, "-m", "web.cli", "search", QUERY, "--json", "--index-dir", str(index_dir)]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=tree, env=_env(tree), capture_output=True, timeout=STARTUP_TIMEOUT)
    seconds = time.perf_counter() - started
    if done.returncode != 0 or not json.loads(done.stdout).get("ok", True):
        raise RuntimeError(f"xunwen search failed: {done.stderr.decode()[-2000:]}")
    return seconds


def side_by_side(measure, ways: list[tuple[Path, Path]], rounds: int) -> list[list[float]]:
    """``measure(index, tree)`` of each way, alternating (a load change hits every way alike)."""
    found: list[list[float]] = [[] for _ in ways]
    for _ in range(rounds):
        for seconds, (index_dir, tree) in zip(found, ways, strict=True):
            seconds.append(measure(index_dir, tree))
    return found


def _line(name: str, names: list[str], found: list[list[float]]) -> str:
    stored = statistics.median(found[1])
    parts = [f"{way} {statistics.median(runs):.2f} s (runs {', '.join(f'{s:.2f}' for s in runs)})"
             for way, runs in zip(names, found, strict=True)]  # fmt: skip
    ratios = ", ".join(f"{statistics.median(runs) / stored:.1f}x" for runs in found[:1] + found[2:])
    return f"{name}: {'; '.join(parts)}; stored is faster by {ratios}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index", type=Path, default=Path("/tmp/xunwen-bench/xwlb"))
    parser.add_argument("--work-dir", type=Path, default=Path("/tmp/xunwen-startup"))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--baseline-tree",
        type=Path,
        help="also time this tree's code (e.g. /work/main) on the copy without columns",
    )
    args = parser.parse_args(argv)
    if not (args.index / "analysis.json").exists() and not any(args.index.glob("_*.toc")):
        print(f"no index in {args.index}: build one (xunwen index ../shared/corpus/xwlb.jsonl.gz --index-dir "
              f"{args.index}) or pass --index; nothing measured")  # fmt: skip
        return 0
    args.work_dir.mkdir(parents=True, exist_ok=True)
    computed = linked_copy(args.index, args.work_dir / "computed", stored=False)
    started = time.perf_counter()
    stored = linked_copy(args.index, args.work_dir / "stored", stored=True)
    print(f"index {args.index}; columns written in {time.perf_counter() - started:.2f} s "
          f"(what store_columns adds to a commit of the whole index); load {os.getloadavg()[0]:.1f}")  # fmt: skip
    for name, copy in (("computed", computed), ("stored", stored)):
        found = phases(copy)
        print(
            f"\nphases of a fresh process, columns {name} ({found['stored_segments']} segments read from files):"
        )
        for phase, seconds in found["phases"]:
            print(f"  {seconds:7.3f} s  {phase}")
    names = ["computed", "stored"] + ([f"{args.baseline_tree} computed"] if args.baseline_tree else [])
    ways = [(computed, ROOT), (stored, ROOT)] + (
        [(computed, args.baseline_tree)] if args.baseline_tree else []
    )
    print()
    print(_line("server, start to first /api/search with facets", names,
                side_by_side(server_startup, ways, args.rounds)))  # fmt: skip
    print(_line("xunwen search --json, whole run", names, side_by_side(cli_search, ways, args.rounds)))
    print(f"load average at the end {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
