"""Indexing throughput: the naive pipeline against xunwen, same documents, same process.

The naive pipeline is what a hand-rolled script does: ``jieba.analyse.ChineseAnalyzer``
into a plain Whoosh schema (title and content as TEXT, content stored), one
writer, one process. xunwen is measured twice: with its word fields alone
(the ``chars`` verbatim-recall field dropped), and complete; with ``--pure-python``
a third time, complete without its C loops (``search/_speedups.c``), to show what they give.

    .venv/bin/python bench/bench_index.py [--docs 4000] [--procs 2] [--repeats 1] [--pure-python]

Prints MB/s, documents/s and each ratio to the naive run, by wall time and by
CPU seconds of all processes (the main one and its workers: on a machine shared
with other work, CPU time drifts less than wall time). Absolute times vary with
the machine; the ratios are the figures to compare. With ``--repeats N`` the
pipelines run in turn N times (so a slow minute of the machine falls on
all of them), every other round in reverse order (so a steady drift of the
machine's speed favours each side in turn), and the medians of each one's times
and of each round's ratios are printed after the rounds. jieba's dictionary and
xunwen's tables are loaded before the first round, so every round measures the same.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "corpus" / "xwlb.jsonl.gz"


def sample(count: int, folder: Path) -> tuple[Path, list[dict], float]:
    """The first ``count`` items of xwlb as a JSONL file, and their size in MB."""
    with gzip.open(CORPUS, "rt", encoding="utf-8") as handle:
        items = [json.loads(line) for line in itertools.islice(handle, count)]
    path = folder / "sample.jsonl"
    with open(path, "w", encoding="utf-8") as out:
        for item in items:
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
    megabytes = sum(len(item.get("content", "").encode("utf-8")) for item in items) / 1e6
    return path, items, megabytes


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (the indexing workers)."""
    now = os.times()
    return now.user + now.system + now.children_user + now.children_system


def _warm_up() -> None:
    """Load jieba's dictionary and xunwen's tables once, before any round: each is loaded
    once per process, so otherwise the first round alone would pay for them (about a second
    each) and it would not measure what the others do."""
    from jieba.analyse import ChineseAnalyzer

    import search.indexer as indexer

    list(ChineseAnalyzer()("河南省郑州市召开会议"))
    indexer._warm_up()


def run_naive(items: list[dict], folder: Path) -> tuple[float, float]:
    """jieba's ChineseAnalyzer into plain Whoosh: the baseline."""
    from jieba.analyse import ChineseAnalyzer
    from whoosh import fields, index

    analyzer = ChineseAnalyzer()
    schema = fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=fields.TEXT(stored=True, analyzer=analyzer),
        content=fields.TEXT(stored=True, analyzer=analyzer),
    )
    folder.mkdir(parents=True, exist_ok=True)
    ix = index.create_in(str(folder), schema)
    started, started_cpu = time.perf_counter(), _cpu_seconds()
    writer = ix.writer()
    for number, item in enumerate(items):
        writer.add_document(id=str(number), title=item.get("title", ""), content=item.get("content", ""))
    writer.commit()
    return time.perf_counter() - started, _cpu_seconds() - started_cpu


def run_xunwen(
    path: Path, folder: Path, procs: int, words_only: bool, pure: bool = False
) -> tuple[float, float]:
    import search.indexer as indexer

    if pure:  # the C loops (search/_speedups.c) off for this run, as XUNWEN_PURE_PYTHON=1 does
        from search import speedups

        with speedups.pure_python():
            return run_xunwen(path, folder, procs, words_only)
    original = indexer.index_fields
    if words_only:
        # Benchmark only: leave out the verbatim-recall field.
        def without_chars(prepared):
            fields = original(prepared)
            fields.pop("chars", None)
            return fields

        indexer.index_fields = without_chars
    try:
        started, started_cpu = time.perf_counter(), _cpu_seconds()
        summary = indexer.index_paths([path], folder, procs=procs)
        elapsed, cpu = time.perf_counter() - started, _cpu_seconds() - started_cpu
    finally:
        indexer.index_fields = original
    if summary.failed:
        print(f"  ({len(summary.failed)} failed: {summary.failed[0]})")
    return elapsed, cpu


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=4000, help="first N items of xwlb (default 4000)")
    parser.add_argument("--procs", type=int, default=2, help="xunwen worker processes (default 2)")
    parser.add_argument("--repeats", type=int, default=1, help="rounds of all the pipelines (default 1)")
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--pure-python", action="store_true",
                        help="also xunwen complete without its C loops (search/_speedups.c)")  # fmt: skip
    args = parser.parse_args()
    if not CORPUS.exists():
        print(f"bench_index: {CORPUS} is absent; skipped")
        return 0
    work = Path(tempfile.mkdtemp(prefix="xunwen-bench-"))
    try:
        path, items, megabytes = sample(args.docs, work)
        print(f"xwlb sample: {len(items)} documents, {megabytes:.2f} MB of text; {args.procs} processes")
        _warm_up()
        rounds = []
        wanted = max(args.repeats, 1)
        pipelines = [
            ("xunwen, word fields only", lambda folder: run_xunwen(path, folder / "words", args.procs, True)),
            ("xunwen, complete (with verbatim recall)",
             lambda folder: run_xunwen(path, folder / "full", args.procs, False)),
        ]  # fmt: skip
        if args.pure_python:
            pipelines.append(("xunwen, complete, Python loops (no C)",
                              lambda folder: run_xunwen(path, folder / "pure", args.procs, False, True)))  # fmt: skip
        if not args.skip_naive:
            pipelines.insert(
                0, ("naive (ChineseAnalyzer, 1 process)", lambda folder: run_naive(items, folder / "naive"))
            )
        for number in range(wanted):
            folder = work / f"round{number}"  # each round's three indexes, removed after it
            # Every other round runs the pipelines in reverse order: the machine's speed drifts
            # within a round (the naive run alone takes minutes), and a steady drift then
            # favours the naive run in one round and xunwen in the next.
            order = pipelines if number % 2 == 0 else pipelines[::-1]
            measured = {name: run(folder) for name, run in order}
            runs = [(name, measured[name]) for name, _ in pipelines]
            shutil.rmtree(folder, ignore_errors=True)
            rounds.append(runs)
            baseline = None if args.skip_naive else runs[0][1]
            direction = "" if number % 2 == 0 else ", in reverse order"
            _print_round(runs, megabytes, len(items), baseline, f"round {number + 1} of {wanted}{direction}")
        if len(rounds) > 1:
            _print_medians(rounds, megabytes, len(items), args.skip_naive)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


_HEADER = f"{'pipeline':42} {'seconds':>8} {'MB/s':>7} {'docs/s':>8} {'× naive':>8} {'CPU s':>7} {'× naive CPU':>11}"


def _print_round(runs, megabytes: float, documents: int, baseline, title: str) -> None:
    print(f"{title}:")
    print(_HEADER)
    for name, (seconds, cpu) in runs:
        ratio = f"{baseline[0] / seconds:8.2f}" if baseline else "       -"
        cpu_ratio = f"{baseline[1] / cpu:11.2f}" if baseline else "          -"
        print(f"{name:42} {seconds:8.1f} {megabytes / seconds:7.3f} {documents / seconds:8.0f} {ratio}"
              f" {cpu:7.1f} {cpu_ratio}")  # fmt: skip


def _print_medians(rounds, megabytes: float, documents: int, skip_naive: bool) -> None:
    """Each pipeline's median seconds and CPU, and the median of its per-round ratios."""
    print(f"medians of {len(rounds)} rounds (ratios: the median of each round's own ratio):")
    print(_HEADER)
    for index, (name, _) in enumerate(rounds[0]):
        seconds = statistics.median(runs[index][1][0] for runs in rounds)
        cpu = statistics.median(runs[index][1][1] for runs in rounds)
        if skip_naive:
            ratio, cpu_ratio = "       -", "          -"
        else:
            ratio = f"{statistics.median(runs[0][1][0] / runs[index][1][0] for runs in rounds):8.2f}"
            cpu_ratio = f"{statistics.median(runs[0][1][1] / runs[index][1][1] for runs in rounds):11.2f}"
        print(f"{name:42} {seconds:8.1f} {megabytes / seconds:7.3f} {documents / seconds:8.0f} {ratio}"
              f" {cpu:7.1f} {cpu_ratio}")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
