"""Search latency on the 75k-article CCTV corpus: xunwen against Whoosh's ``groupedby`` facets.

A fixed mix of one-word, two-word, phrase and filtered queries, every facet and
highlighted passages on, 10 hits, measured warm (index open, facet columns
loaded) in one process:

* ``SearchIndex.search`` after a warm-up round (its posting and phrase caches filled);
* the same with those caches emptied before every query (a query never seen before);
* ``GET /api/search`` through Flask's test client (the search plus JSON);
* Whoosh's own way: ``searcher.search(q, filter=..., groupedby=<every facet>, limit=10)``
  and the same passages for the 10 hits.

    .venv/bin/python bench/bench_search.py [--index-dir /tmp/xunwen-bench/xwlb] [--rounds 5]

Builds the index first if it is missing (several minutes). Exits 0 with a
message when the corpus is absent.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "corpus" / "xwlb.jsonl.gz"
TARGET_P50_MS, TARGET_P95_MS = 30.0, 100.0

# (kind, query, filters)
QUERIES: list[tuple[str, str, dict[str, list[str]]]] = [
    ("one word", "经济", {}),
    ("one word", "习近平", {}),
    ("one word", "疫情", {}),
    ("one word", "中国", {}),
    ("one word", "教育", {}),
    ("one word", "新乡", {}),
    ("one word", "乡村振兴", {}),
    ("one word", "北京冬奥会", {}),
    ("two words", "经济 发展", {}),
    ("two words", "脱贫 攻坚", {}),
    ("two words", "习近平 会见", {}),
    ("two words", "河南 农业", {}),
    ("two words", "新冠 疫苗", {}),
    ("two words", "科技 创新", {}),
    ("phrase", '"高质量发展"', {}),
    ("phrase", '"一带一路"', {}),
    ("phrase", '"人类命运共同体"', {}),
    ("phrase", '"国务院常务会议"', {}),
    ("filtered", "经济", {"year": ["2018"]}),
    ("filtered", "疫情", {"province": ["湖北省"]}),
    ("filtered", "改革", {"date_from": ["2015-01-01"], "date_to": ["2016-12-31"]}),
    ("filtered", "", {"year": ["2019"]}),
    ("filtered", "教育", {"topic": ["科技创新"], "year": ["2021"]}),
    ("filtered", "农业", {"province": ["河南省", "山东省"]}),
]


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def measure(run, rounds: int, before=None) -> dict[str, list[float]]:
    """Milliseconds per query kind over ``rounds`` of the mix (after one warm-up round)."""
    for _kind, query, filters in QUERIES:
        run(query, filters)
    times: dict[str, list[float]] = {}
    for _ in range(rounds):
        for kind, query, filters in QUERIES:
            if before:
                before()
            started = time.perf_counter()
            run(query, filters)
            times.setdefault(kind, []).append((time.perf_counter() - started) * 1000)
    return times


def groupedby_runner(index):
    """Whoosh's own faceted search: the same query, filters as queries, ``groupedby`` facets."""
    from whoosh import query as wq
    from whoosh import sorting

    from search import results as result_dicts
    from search.plan import highlight_terms, scoring_query
    from search.query import parse_query
    from search.request import FACETS as FACET_FIELDS
    from web.display import passage_html

    searcher = index._searcher()

    def run(query, filters):
        parsed = parse_query(query)
        facets = sorting.Facets()
        for name, (fieldname, multi) in FACET_FIELDS.items():
            if name != "month" or "year" in filters:
                facets.add_facet(name, sorting.FieldFacet(fieldname, allow_overlap=multi))
        clauses = []
        for name, values in filters.items():
            if name in ("date_from", "date_to"):
                continue
            fieldname = FACET_FIELDS[name][0]
            clauses.append(wq.Or([wq.Term(fieldname, value) for value in values]))
        if "date_from" in filters or "date_to" in filters:
            clauses.append(
                wq.TermRange("date", filters.get("date_from", [None])[0], filters.get("date_to", [None])[0])
            )
        results = searcher.search(
            scoring_query(parsed), filter=wq.And(clauses) if clauses else None, groupedby=facets, limit=10
        )
        counts = {name: results.groups(name) for name in facets.names()}
        terms = highlight_terms(parsed)
        hits = [[passage_html(p) for p in result_dicts.hit(hit, terms)["passages"]] for hit in results]
        return len(results), counts, hits

    return run


def summary(label: str, times: dict[str, list[float]]) -> tuple[float, float]:
    every = [value for values in times.values() for value in values]
    p50, p95 = percentile(every, 0.5), percentile(every, 0.95)
    kinds = "  ".join(f"{kind} {statistics.median(values):.1f}" for kind, values in times.items())
    print(f"{label:<44} p50 {p50:7.1f} ms   p95 {p95:7.1f} ms   (medians: {kinds})")
    return p50, p95


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", default="/tmp/xunwen-bench/xwlb")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    if not CORPUS.exists():
        print(f"bench_search: {CORPUS} is absent; skipped")
        return 0

    from search.searcher import SearchIndex, open_index

    index_dir = Path(args.index_dir)
    try:
        index = open_index(index_dir)
    except FileNotFoundError:
        from search.indexer import index_paths

        print(f"building {index_dir} from {CORPUS.name} (several minutes) ...", flush=True)
        started = time.perf_counter()
        index_paths([CORPUS], index_dir)
        print(f"built in {time.perf_counter() - started:.0f} s")
        index = open_index(index_dir)
    assert isinstance(index, SearchIndex)

    from web import create_app

    client = create_app({"INDEX_DIR": str(index_dir), "TESTING": True}).test_client()

    def api(query, filters):
        response = client.get("/api/search?" + urlencode({"q": query, **filters}, doseq=True))
        assert response.status_code == 200, response.get_data(as_text=True)

    started = time.perf_counter()
    index.search("经济")
    print(f"{index.doc_count()} documents; first search (opens the index, loads facet columns) "
          f"{(time.perf_counter() - started) * 1000:.0f} ms")  # fmt: skip
    print(f"{len(QUERIES)} queries x {args.rounds} rounds, every facet, passages on, 10 hits\n")

    ours = summary("xunwen SearchIndex.search (warm)", measure(index.search, args.rounds))
    summary(
        "xunwen, caches emptied before each query", measure(index.search, args.rounds, index.clear_caches)
    )
    summary("xunwen GET /api/search (Flask test client)", measure(api, args.rounds))
    theirs = summary("Whoosh groupedby facets (same queries)", measure(groupedby_runner(index), 1))
    print(f"\ngroupedby / xunwen: p50 {theirs[0] / ours[0]:.0f}x, p95 {theirs[1] / ours[1]:.0f}x")
    met = ours[0] <= TARGET_P50_MS and ours[1] <= TARGET_P95_MS
    print(
        f"target p50 <= {TARGET_P50_MS:.0f} ms and p95 <= {TARGET_P95_MS:.0f} ms: {'met' if met else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
