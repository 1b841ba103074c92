"""What single characters in the ``chars`` field cost: index size and query time.

The same articles (the first ``--articles`` of xwlb and all of tw_news) are
indexed twice in this process: with the ``chars`` field as it is (bigrams and
every character alone, ``search.analysis.character_grams``) and with bigrams
only (before single characters were matched). Then single-character queries
are matched on both (warm: posting lists cached after a first round), and
the index folders' sizes compared.

    .venv/bin/python bench/bench_characters.py [--articles 2000] [--rounds 5]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_corpus import CORPUS, load_articles  # noqa: E402

from search import indexer  # noqa: E402
from search.analysis import bigrams, character_grams  # noqa: E402

CHARACTERS = ["雨", "蝶", "刘", "劉", "国", "的", "台", "颱", "鱼", "港"]


def build(articles, folder: Path, grams) -> Path:
    """An index of ``articles`` whose chars field holds ``grams(text)``."""
    import json

    source = folder / "articles.jsonl"
    with open(source, "w", encoding="utf-8") as out:
        for article in articles:
            row = {"id": article.id, "title": article.title, "content": article.text, "date": article.date}
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    indexer.character_grams = grams  # in this process: procs=1 prepares here
    try:
        summary = indexer.index_paths([source], folder / "index", rebuild=True, procs=1)
    finally:
        indexer.character_grams = character_grams
    assert not summary.failed
    return folder / "index"


def size_mb(folder: Path) -> float:
    return sum(path.stat().st_size for path in folder.iterdir()) / 1e6


def match_ms(index_dir: Path, rounds: int) -> tuple[float, list[int]]:
    """Median milliseconds to match each character (warm), and the match counts."""
    from search import open_index

    index = open_index(index_dir)
    counts = [index.count(char) for char in CHARACTERS]  # warm-up
    times = []
    for _ in range(rounds):
        for char in CHARACTERS:
            started = time.perf_counter()
            index.count(char)
            times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), counts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--articles", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args(argv)
    if not (CORPUS / "xwlb.jsonl.gz").exists():
        print("the shared corpus is missing: nothing to measure")
        return 0
    articles = load_articles("xwlb", args.articles) + load_articles("tw_news")
    with tempfile.TemporaryDirectory(prefix="xunwen-chars-") as work:
        rows = []
        for name, grams in (("bigrams only", bigrams), ("bigrams + characters", character_grams)):
            folder = Path(work) / name.replace(" ", "_").replace("+", "and")
            folder.mkdir()
            started = time.perf_counter()
            index_dir = build(articles, folder, grams)
            seconds = time.perf_counter() - started
            median, counts = match_ms(index_dir, args.rounds)
            rows.append((name, size_mb(index_dir), seconds, median, counts))
    print(f"{len(articles)} articles; characters: {' '.join(CHARACTERS)}")
    print("| chars field | index MB | indexing s | match ms (median) | documents found |")
    print("|---|---|---|---|---|")
    for name, size, seconds, median, counts in rows:
        print(f"| {name} | {size:.1f} | {seconds:.0f} | {median:.2f} | {' '.join(map(str, counts))} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
