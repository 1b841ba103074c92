"""Collapsed search on the 75k-article CCTV index: ``collapse=story`` against
``collapse=none`` (and ``count=stories``), the same queries, one process, warm.

The queries are ``bench_search.py``'s mix (one word, two words, phrases,
filters) plus the newest-first listing of everything; each is run with every
mode after a warm-up round, the modes alternating query by query, 10 hits,
facets and passages on.

    .venv/bin/python bench/bench_collapse.py [--index-dir /tmp/xunwen-bench/xwlb] [--rounds 5]

The index must exist (``bench_search.py`` builds it). If it has no story store
(built before stories existed), the stories are assigned once into a folder
of its own (``--view``: links to the index's segments beside a store), so the
benchmark never writes into the index it reads; later runs reuse that store.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
TARGET_P95_MS = 100.0
MODES = {"documents": {}, "collapse=story": {"collapse": "story"}, "count=stories": {"count": "stories"}}


def story_view(index_dir: Path, view: Path) -> Path:
    """A folder that reads as the index, with a story store (assigned here once if it has none)."""
    from search.stories import StoryBook, store_files

    if store_files(index_dir):
        return index_dir
    view.mkdir(parents=True, exist_ok=True)
    for path in index_dir.iterdir():
        if path.suffix in (".toc", ".seg") and not (view / path.name).exists():
            (view / path.name).symlink_to(path.resolve())
    if not store_files(view):
        from search.engine import open_for_search

        started = time.perf_counter()
        StoryBook.open(view).commit(open_for_search(view))
        print(f"stories assigned to every document in {time.perf_counter() - started:.1f} s (once)")
    return view


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index-dir", type=Path, default=Path("/tmp/xunwen-bench/xwlb"))
    parser.add_argument("--view", type=Path, default=Path("/tmp/xunwen-bench/xwlb-stories"))
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if not (args.index_dir / "_xunwen_1.toc").exists() and not list(args.index_dir.glob("*.toc")):
        print(f"no index at {args.index_dir}: build it with bench/bench_search.py first")
        return 0
    from bench_search import QUERIES

    from search.searcher import SearchIndex

    index = SearchIndex(story_view(args.index_dir, args.view))
    queries = [*QUERIES, ("listing", "", {})]
    every = index.search("", collapse="story", per_page=1)
    print(f"{every['total_documents']:,} documents, {every['total_stories']:,} stories")
    for _, query, filters in queries:  # warm-up: caches, facet and story columns
        for options in MODES.values():
            index.search(query, filters, **options)
    timings: dict[str, list[float]] = {mode: [] for mode in MODES}
    for _ in range(args.rounds):
        for _, query, filters in queries:
            for mode, options in MODES.items():
                started = time.perf_counter()
                index.search(query, filters, **options)
                timings[mode].append((time.perf_counter() - started) * 1000)
    print(f"{len(queries)} queries x {args.rounds} rounds, warm, 10 hits with facets and passages")
    print("mode\tp50 ms\tp95 ms\tmax ms")
    for mode, values in timings.items():
        print(f"{mode}\t{statistics.median(values):.1f}\t{percentile(values, 0.95):.1f}\t{max(values):.1f}")
    p95 = percentile(timings["collapse=story"], 0.95)
    verdict = "within" if p95 <= TARGET_P95_MS else "OVER"
    print(f"collapse=story p95 {p95:.1f} ms: {verdict} the {TARGET_P95_MS:.0f} ms budget")
    for kind, query, filters in queries[:4]:
        collapsed = index.search(query, filters, collapse="story")
        print(
            f"  {kind} {query or '(all)'}: {collapsed['total_documents']} documents, {collapsed['total']} stories"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
