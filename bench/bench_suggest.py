#!/usr/bin/env python3
"""Latency of suggestions as you type (``GET /api/suggest``) on a real index.

    python bench/bench_suggest.py                       # /tmp/xunwen-bench/xwlb
    python bench/bench_suggest.py --index-dir /tmp/ui-xwlb20k --prefixes 300

Prefixes are what a user types: the first one and two characters of words
from the titles of the index itself (a seeded sample), half of them in
Traditional script. First the word table of the index is built (what the
first request of a server starts in the background; its time is printed),
then each prefix is asked once through the app's test client (the whole
request: parsing, lookup, JSON) and again. In the same process the baseline
is the lookup a server answers with before its table is built: a capped scan
of Whoosh's merged lexicon. Prints p50 / p95 / max in ms.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def percentiles(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return f"p50 {statistics.median(ordered):6.1f}  p95 {p95:6.1f}  max {ordered[-1]:6.1f} ms"


def sample_prefixes(index, count: int, seed: int = 15) -> list[str]:
    """One- and two-character prefixes of title words, half in Traditional."""
    from search.analysis import segment_words
    from search.normalize import convert_for_display

    searcher = index._searcher()
    rng = random.Random(seed)
    docnums = rng.sample(range(searcher.doc_count_all()), min(400, searcher.doc_count_all()))
    words = []
    for docnum in docnums:
        title = searcher.stored_fields(docnum).get("title") or ""
        words += [word for word in segment_words(title) if len(word) >= 2 and not word.isascii()]
    prefixes = []
    for number in range(count):
        word = rng.choice(words)
        prefix = word[: 1 + number % 2]
        prefixes.append(convert_for_display(prefix, "traditional") if number % 4 >= 2 else prefix)
    return prefixes


def timed_requests(client, prefixes: list[str]) -> list[float]:
    times = []
    for prefix in prefixes:
        start = time.perf_counter()
        response = client.get("/api/suggest", query_string={"q": prefix})
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.get_data(as_text=True)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--index-dir", default="/tmp/xunwen-bench/xwlb")
    parser.add_argument("--prefixes", type=int, default=200, help="prefixes typed (bounded run)")
    args = parser.parse_args()
    if not Path(args.index_dir).exists():
        print(f"bench_suggest: no index at {args.index_dir}; build one with xunwen index")
        return 0

    from search import open_index, suggest
    from web import create_app

    index = open_index(args.index_dir)
    app = create_app({"INDEX_DIR": args.index_dir, "TESTING": True})
    client = app.test_client()
    client.get("/api/suggest?q=x")  # opens the index once, as a running server has
    prefixes = sample_prefixes(index, args.prefixes)
    print(f"bench_suggest: {index.doc_count()} documents in {args.index_dir}, {len(prefixes)} prefixes")

    reader = index._searcher().reader()
    start = time.perf_counter()
    table = suggest.word_table(reader, index._ix.reader, wait=True)
    print(f"  word table built in {time.perf_counter() - start:.1f} s: {len(table.words)} words")

    first = timed_requests(client, prefixes)
    again = timed_requests(client, prefixes)
    one = [time for time, prefix in zip(first, prefixes, strict=True) if len(prefix) == 1]
    two = [time for time, prefix in zip(first, prefixes, strict=True) if len(prefix) == 2]
    print(f"  /api/suggest                 {percentiles(first)}")
    print(f"    one-character prefixes     {percentiles(one)}")
    print(f"    two-character prefixes     {percentiles(two)}")
    print(f"  /api/suggest, again          {percentiles(again)}")

    with_table, scanned = [], []
    for prefix in prefixes[: min(60, len(prefixes))]:
        start = time.perf_counter()
        found = suggest.suggest(reader, prefix, 8, open_reader=index._ix.reader)
        with_table.append((time.perf_counter() - start) * 1000)
        built, suggest._tables = suggest._tables, {}  # as before the table is built
        try:
            start = time.perf_counter()
            baseline = suggest.suggest(reader, prefix, 8)  # the capped scan
            scanned.append((time.perf_counter() - start) * 1000)
        finally:
            suggest._tables = built
        assert found == baseline or len(prefix) == 1, (prefix, found, baseline)  # a capped scan may miss some
    print(f"  lookup with the table        {percentiles(with_table)}")
    print(f"  baseline: scan of the lexicon {percentiles(scanned)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
