"""Analysis costs on a real index, warm, next to a plain search of the same queries.

    .venv/bin/python bench/bench_analysis.py [--index-dir /tmp/xunwen-bench/xwlb] [--rounds 5]

Prints p50/p95 of: a 5-series monthly trend over the whole span; the
distinctive words of a result set of about 10,000 documents; the first page
of a concordance; and, in a fresh process, the export of every document as
CSV (seconds and peak memory above the process's idle). The baseline is
``SearchIndex.search`` of the same queries in the same process (targets on
the 75k xwlb index: trend p50 <= 150 ms, keywords <= 300 ms, KWIC first page
<= 200 ms, export of 75,000 rows <= 60 s and <= 300 MB above idle).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

TREND_QUERIES = ["地震", "洪水", "疫情", "扶贫", "高铁"]
KWIC_QUERIES = ["地震", "扶贫", "长江", "改革开放", "人工智能"]
KEYWORD_CANDIDATES = ["经济", "改革", "企业", "合作", "国际", "创新", "农村", "文化", "安全", "科技"]


def timed(function, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        function()
        times.append((time.perf_counter() - started) * 1000)
    return times


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def report(name: str, times: list[float], baseline: list[float] | None = None) -> None:
    line = f"{name:<44} p50 {statistics.median(times):8.1f} ms  p95 {percentile(times, 0.95):8.1f} ms"
    if baseline:
        line += f"   (search of the same queries: p50 {statistics.median(baseline):.1f} ms)"
    print(line, flush=True)


EXPORT_CHILD = """
import json, resource, sys, time
from search import open_index, analytics
from search.export import csv_lines
index = open_index(sys.argv[1])
index.search("", per_page=1)
def rss():
    with open("/proc/self/status") as status:
        return next(int(l.split()[1]) for l in status if l.startswith("VmRSS")) / 1024
idle = rss()
started = time.perf_counter()
total, rows = analytics.export_rows(index, "", None, "newest")
written = 0
with open("/dev/null", "w", encoding="utf-8") as out:
    for line in csv_lines(rows):
        out.write(line)
        written += 1
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"rows": written - 1, "total": total, "seconds": seconds, "idle_mb": idle, "peak_mb": peak}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", default="/tmp/xunwen-bench/xwlb")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--skip-export", action="store_true")
    args = parser.parse_args()
    if not Path(args.index_dir).exists():
        print(f"bench_analysis: no index in {args.index_dir}; build it with `xunwen index` first (skipped)")
        return 0
    from search import analytics, open_index

    index = open_index(args.index_dir)
    print(f"index: {args.index_dir}, {index.doc_count()} documents", flush=True)
    for query in TREND_QUERIES + KWIC_QUERIES:  # warm the posting caches
        index.search(query)

    search_times = timed(lambda: [index.search(q, per_page=10) for q in TREND_QUERIES], args.rounds)
    trend_times = timed(lambda: analytics.trend(index, TREND_QUERIES, None, "month", "share"), args.rounds)
    keys = analytics.trend(index, TREND_QUERIES, None, "month")["collection"]
    print(
        f"trend: {len(TREND_QUERIES)} series, {len(keys)} monthly buckets ({keys[0]['key']} .. {keys[-1]['key']})"
    )
    report("trend, 5 series, monthly, share", trend_times, search_times)

    counts = {query: index.count(query) for query in KEYWORD_CANDIDATES}
    query = min(counts, key=lambda q: abs(counts[q] - 10_000))
    print(f"keywords: {query!r} matches {counts[query]} documents")
    keyword_times = timed(lambda: analytics.distinctive_words(index, query), args.rounds)
    report("keywords of ~10,000 documents", keyword_times, timed(lambda: index.search(query), args.rounds))

    kwic_times = []
    for q in KWIC_QUERIES:
        kwic_times += timed(
            lambda q=q: analytics.concordance(index, q, None, 20, "document", 1, 50), args.rounds
        )
    report(
        "KWIC first page (50 lines)", kwic_times, timed(lambda: [index.search(q) for q in KWIC_QUERIES], 1)
    )

    if not args.skip_export:
        child = subprocess.run(
            [sys.executable, "-c", EXPORT_CHILD, args.index_dir], capture_output=True, text=True
        )
        if child.returncode != 0:
            print(child.stderr)
            return 1
        result = json.loads(child.stdout)
        print(
            f"export of every document as CSV: {result['rows']} rows in {result['seconds']:.1f} s, "
            f"peak {result['peak_mb']:.0f} MB, {result['peak_mb'] - result['idle_mb']:.0f} MB above idle"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
