"""What the display script and the reader's labels cost a result page (issue 15).

On an index of tw_news, chinatimes and cec (mixed scripts, many Taiwan
outlets), in one process: ``SearchIndex.search`` alone (the baseline), then
``web.data.search_data`` (the search plus per-hit script detection, display
conversion and facet labels) in each display script, and the facet columns'
load with and without the per-source script sampling.

    .venv/bin/python bench/bench_display_script.py [--index-dir /tmp/xunwen-bench/scripts] [--rounds 5]

Builds the index first if it is missing (about a minute). Exits 0 with a
message when the corpus is absent.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "corpus"
FILES = ("tw_news.jsonl.gz", "chinatimes.jsonl.gz", "cec.jsonl.gz")
QUERIES = ["台北", "颱風", "地震", "疫情", "选举", "", "经济 发展", "台湾"]


def median_ms(function, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        start = time.perf_counter()
        function()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", default="/tmp/xunwen-bench/scripts")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    if not all((CORPUS / name).exists() for name in FILES):
        print(f"corpus absent ({CORPUS}): nothing to measure")
        return 0
    from search import open_index
    from search.engine import columns as columns_module
    from search.indexer import index_paths
    from web import create_app
    from web.data import search_data
    from web.params import SearchParams

    index_dir = Path(args.index_dir)
    if not index_dir.exists():
        index_paths([CORPUS / name for name in FILES], index_dir, procs=1)
    index = open_index(index_dir)
    print(f"{index.doc_count()} documents, median of {args.rounds} rounds, ms per page of 10 hits")
    with create_app({"INDEX_DIR": str(index_dir), "TESTING": True}).app_context():
        for query in QUERIES:
            index.search(query)  # warm the caches
            row = [
                f"{query or '(none)':8}",
                f"search {median_ms(lambda query=query: index.search(query), args.rounds):7.1f}",
            ]
            for script in ("original", "simplified", "traditional", "traditional-hk"):
                params = SearchParams(q=query, script=script)
                row.append(
                    f"{script} {median_ms(lambda params=params: search_data(index, params), args.rounds):7.1f}"
                )
            print("  ".join(row))
    reader = index._searcher().reader()
    with_sources = median_ms(lambda: columns_module.FacetColumns.from_reader(reader), args.rounds)
    sampled = columns_module.FacetColumns.from_reader(reader).columns["source"]
    sampling = median_ms(lambda: columns_module._traditional_sources(reader, sampled), args.rounds)
    print(f"facet columns load {with_sources:.1f} ms, of which per-source script sampling {sampling:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
