"""Pathological queries next to an ordinary one, timed in one process.

Builds (or reuses) an index of the first N articles of the CCTV corpus, then
times ``SearchIndex.search`` for each hostile query of issue 6 (a 10,000
character query, 1,000 ORs, exclusions and quoted texts, wildcards, deep
nesting, the last page) and for ordinary queries: cold (caches emptied before
each run) and warm, the median of ``--rounds``. The worst requests the web
accepts (200 characters) are timed through ``GET /api/search`` as well, where
a search that finds nothing also counts its relaxations and suggestions.

    .venv/bin/python bench/bench_pathological.py [--docs 5000] [--index-dir DIR] [--rounds 3]

The first run builds the index (a few minutes for 5000 articles). Exits 0 with
a message when the corpus is absent.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "corpus" / "xwlb.jsonl.gz"
ORDINARY = ["经济 发展", "新乡", '"改革开放"']
# Phrases most articles of the corpus hold: quoted, each must be checked against the stored text.
COMMON_PHRASES = ["新闻联播", "视频编辑", "文字编辑", "网络电视台", "中国网络", "电视台消息", "习近平", "总书记"]  # fmt: skip


def repeat(text: str, size: int) -> str:
    return (text * (size // len(text) + 1))[:size]


def pathological(text: str) -> dict[str, str]:
    """The hostile queries, made of real article ``text``."""

    def pieces(size: int, count: int, separator: str = " ", template: str = "{}") -> str:
        return separator.join(template.format(text[size * n : size * n + size]) for n in range(count))

    return {
        "10,000 characters of article text": repeat(text, 10_000),
        "1,000 characters ending in ？ (a question)": repeat(text, 999) + "？",
        "10,000 times one character": "新" * 10_000,
        "10,000 characters of words and spaces": repeat("经济 发展 中国 ", 10_000),
        "a quoted text of 10,000 characters": '"' + repeat(text, 10_000) + '"',
        "1,000 OR terms": pieces(2, 1_000, " OR "),
        "1,000 exclusions": "中国 " + pieces(2, 1_000, template="-{}"),
        "1,000 quoted texts": pieces(3, 1_000, template='"{}"'),
        "64 common quoted phrases": " ".join(f'"{phrase}"' for phrase in COMMON_PHRASES * 8),
        "64 common quoted phrases, ORed": " OR ".join(f'"{phrase}"' for phrase in COMMON_PHRASES * 8),
        "wildcards galore": "* ? " * 2_500,
        "新* (a wildcard)": "新*",
        "500 nested parentheses": "(" * 500 + "经济" + ")" * 500,
        "100 nested ORs": "(经济 OR " * 100 + "发展" + ")" * 100,
        "quotes galore": '"' * 10_000,
    }


def web_requests(text: str) -> dict[str, str]:
    """The worst the web accepts: 200 characters, 20 filter values."""
    quoted = " ".join(f'"{text[3 * n : 3 * n + 3]}"' for n in range(40))[:200]
    provinces = [f"省{n}" for n in range(20)]
    return {
        "ordinary: 经济 发展": urlencode({"q": "经济 发展"}),
        "200 characters of article text": urlencode({"q": text[:200]}),
        "199 characters and ？": urlencode({"q": text[:199] + "？"}),
        "33 quoted texts": urlencode({"q": quoted}),
        "200 characters, 20 provinces (finds nothing)": urlencode(
            {"q": text[:200], "province": provinces}, True
        ),
        "33 quoted texts, 20 provinces (finds nothing)": urlencode(
            {"q": quoted, "province": provinces}, True
        ),
    }


def sample(count: int, folder: Path) -> tuple[Path, str]:
    """The first ``count`` articles as JSONL, and the text of the next few (query material)."""
    path = folder / f"xwlb-{count}.jsonl"
    with gzip.open(CORPUS, "rt", encoding="utf-8") as handle, open(path, "w", encoding="utf-8") as out:
        out.writelines(itertools.islice(handle, count))
        following = [json.loads(line).get("content", "") for line in itertools.islice(handle, 20)]
    return path, "".join(following).replace("\n", "")


def timed(run, rounds: int, before=None) -> float:
    """Median milliseconds of ``run()`` over ``rounds`` (``before()`` untimed before each)."""
    times = []
    for _ in range(rounds):
        if before:
            before()
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def index_exists(index_dir: Path) -> bool:
    from whoosh import index as whoosh_index

    from search.schema import INDEX_NAME

    return whoosh_index.exists_in(str(index_dir), indexname=INDEX_NAME)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5000, help="articles to index (default 5000)")
    parser.add_argument("--index-dir", default=None, help="default: /tmp/xunwen-bench/pathological-DOCS")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    if not CORPUS.exists():
        print(f"bench_pathological: {CORPUS} is absent; skipped")
        return 0

    from search.indexer import index_paths
    from search.searcher import MAX_PAGE, MAX_PER_PAGE
    from web import create_app
    from web.index_store import EXTENSION

    index_dir = Path(args.index_dir or f"/tmp/xunwen-bench/pathological-{args.docs}")
    with tempfile.TemporaryDirectory() as folder:
        articles, text = sample(args.docs, Path(folder))
        if not index_exists(index_dir):
            print(f"building {index_dir} from the first {args.docs} articles ...", flush=True)
            started = time.perf_counter()
            index_paths([articles], index_dir)
            print(f"built in {time.perf_counter() - started:.0f} s")
    app = create_app({"INDEX_DIR": str(index_dir), "TESTING": True})
    client = app.test_client()
    client.get("/api/search?q=经济")
    index = app.extensions[EXTENSION].get()  # the app's own open index: one in memory, not two
    print(f"{index.doc_count()} documents; median of {args.rounds} runs; cold = caches emptied first\n")

    print(f"{'query':<46} {'chars':>6} {'cold ms':>9} {'× ordinary':>10} {'warm ms':>9} {'found':>6}  notes")
    baseline = None
    queries = {f"ordinary: {query}": query for query in ORDINARY} | pathological(text)
    for name, query in queries.items():
        cold = timed(lambda q=query: index.search(q), args.rounds, index.clear_caches)
        warm = timed(lambda q=query: index.search(q), args.rounds)
        baseline = baseline or cold
        result = index.search(query)
        notes = "; ".join(result["notes"])
        ratio = cold / baseline
        print(
            f"{name:<46} {len(query):>6} {cold:>9.1f} {ratio:>10.1f} {warm:>9.1f} {result['total']:>6}  {notes}"
        )
    last = -(-index.search("中国")["total"] // MAX_PER_PAGE)  # ranked deeper than Whoosh rescores
    for page in (last, MAX_PAGE):
        cold = timed(lambda p=page: index.search("中国", page=p, per_page=MAX_PER_PAGE), args.rounds,
                     index.clear_caches)  # fmt: skip
        warm = timed(lambda p=page: index.search("中国", page=p, per_page=MAX_PER_PAGE), args.rounds)
        print(
            f"{f'中国, page {page} of {MAX_PER_PAGE}':<46} {2:>6} {cold:>9.1f} {cold / baseline:>10.1f} {warm:>9.1f}"
        )

    print(
        f"\nGET /api/search (Flask test client, caches emptied first)\n{'request':<46} {'ms':>9} {'× ordinary':>10}"
    )
    web_baseline = None
    for name, arguments in web_requests(text).items():

        def get(arguments=arguments):
            response = client.get("/api/search?" + arguments)
            assert response.status_code == 200, response.get_data(as_text=True)[:200]

        took = timed(get, args.rounds, index.clear_caches)
        web_baseline = web_baseline or took
        print(f"{name:<46} {took:>9.1f} {took / web_baseline:>10.1f}")
    print(f"\n× ordinary: against the first ordinary query ({ORDINARY[0]!r}), the same way, in this process")
    return 0


if __name__ == "__main__":
    sys.exit(main())
