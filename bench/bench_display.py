"""Display conversion of one long article: OpenCC itself, the fast converter,
and the page a reader asks for, in one process.

The article is the first ``--chars`` characters of corpus text (xwlb,
Simplified, shown in Traditional with ``s2t``; tw_news, Traditional, shown in
Simplified with ``t2s``), about 2 MB of UTF-8 by default, the largest text the
indexer keeps. Times are the median of ``--rounds``:

* ``opencc``: ``opencc.OpenCC(conversion).convert`` (what every request did before);
* ``fast``: ``search.convert.convert`` (same output, checked here too);
* ``GET /doc/<id>?script=...``: the document page through the Flask test
  client, first request (converted) and again (from the conversion cache),
  against ``script=original``.

    .venv/bin/python bench/bench_display.py [--chars 660000] [--rounds 3] [--corpus DIR]

Builds a one-article index in a temporary folder (about 10 s). Exits 0 with a
message when the corpus is absent.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "corpus"
SOURCES = {"s2t": ("xwlb.jsonl.gz", "traditional"), "t2s": ("tw_news.jsonl.gz", "simplified")}


def corpus_text(corpus: Path, name: str, chars: int) -> str:
    """Article bodies of one corpus file, joined, up to ``chars`` characters."""
    pieces, total = [], 0
    with gzip.open(corpus / name, "rt", encoding="utf-8") as handle:
        for line in handle:
            body = json.loads(line).get("content") or ""
            pieces.append(body)
            total += len(body) + 1
            if total >= chars:
                break
    return "\n".join(pieces)[:chars]


def median_seconds(action, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def bench_conversion(conversion: str, text: str, rounds: int) -> None:
    import opencc

    from search.convert import convert

    converter = opencc.OpenCC(conversion)
    assert convert(text, conversion) == converter.convert(text), "fast conversion differs from OpenCC"
    slow = median_seconds(lambda: converter.convert(text), rounds)
    fast = median_seconds(lambda: convert(text, conversion), rounds)
    size = len(text.encode("utf-8")) / 1e6
    print(f"{conversion} of {len(text):,} characters ({size:.1f} MB), identical output:")
    print(f"  opencc {slow * 1000:8.0f} ms   fast {fast * 1000:6.0f} ms   ({slow / fast:.1f}x)")


def bench_page(conversion: str, text: str, rounds: int, workdir: Path) -> None:
    from search.indexer import index_paths
    from web import create_app, display

    article = {"id": f"long-{conversion}", "title": text[:20], "date": "2020-01-01", "content": text}
    source = workdir / f"{conversion}.jsonl"
    source.write_text(json.dumps(article, ensure_ascii=False) + "\n", encoding="utf-8")
    index_dir = workdir / f"index-{conversion}"
    index_paths([source], index_dir, procs=1)
    client = create_app({"INDEX_DIR": str(index_dir), "TESTING": True}).test_client()
    script = SOURCES[conversion][1]

    def get(query: str) -> None:
        response = client.get(f"/doc/{article['id']}?{query}")
        assert response.status_code == 200, response.status_code

    get("script=original")  # open the index and load its columns
    original = median_seconds(lambda: get("script=original"), rounds)
    display._cache = display.ConversionCache()
    first = median_seconds(lambda: get(f"script={script}"), 1)
    again = median_seconds(lambda: get(f"script={script}"), rounds)
    print(f"  GET /doc/<id>: original {original * 1000:.0f} ms, {script} first {first * 1000:.0f} ms,"
          f" again {again * 1000:.0f} ms (cached)")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chars", type=int, default=660_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the corpus folder")
    args = parser.parse_args()
    if not args.corpus.exists():
        print(f"corpus absent ({args.corpus}): nothing to measure")
        return 0
    with tempfile.TemporaryDirectory() as folder:
        for conversion, (name, _) in SOURCES.items():
            text = corpus_text(args.corpus, name, args.chars)
            bench_conversion(conversion, text, args.rounds)
            bench_page(conversion, text, args.rounds, Path(folder))
    return 0


if __name__ == "__main__":
    sys.exit(main())
