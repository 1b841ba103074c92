"""A reproducible corpus of N news articles made from the shared corpus, without duplicates.

Each article is recombined from paragraphs of 2-6 different real articles
of one year (the CCTV xwlb corpus: 75k items, 2012-2026) and re-dated to a
day of that year drawn from the same seed:

* a paragraph is a line of a real article; the broadcaster's standing lines
  (editor credits, under 20 characters) are left out, identical paragraphs
  within a year are kept once;
* the title and tags are those of the article the first paragraph came from;
* **no exact or near duplicates**: no two generated articles share two
  paragraphs (every pair of paragraphs is used at most once), so any two
  overlap in at most one paragraph (about a fifth of the shorter).

The text is real Chinese news, so segmentation, postings per article and
index size behave as on real news; but term statistics (document
frequencies, co-occurrence, the mix of years and regions in one article)
are only approximately those of real news. The same ``--seed`` and N give
the same file byte for byte.

    .venv/bin/python bench/make_corpus.py 300000 /tmp/xunwen-bench/scale/corpus-300000.jsonl
        [--source ../shared/corpus/xwlb.jsonl.gz] [--seed 16]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import random
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared" / "corpus" / "xwlb.jsonl.gz"
MIN_PARAGRAPH = 20  # characters; shorter lines are credits and standing phrases
PARAGRAPHS = (2, 6)  # per generated article, inclusive
MAX_TRIES = 50  # draws of one article before giving up (the pool is too small for N)


@dataclass(frozen=True)
class Lead:
    """What a generated article takes from the real article of its first paragraph."""

    title: str
    tags: tuple[str, ...]


@dataclass
class YearPool:
    """The paragraphs of one year, each with the real article it came from."""

    year: int
    paragraphs: list[str]
    article_of: list[int]  # paragraph -> index into leads
    leads: list[Lead]


def _open(path: Path):
    return gzip.open(path, "rt", encoding="utf-8") if path.suffix == ".gz" else path.open(encoding="utf-8")


def read_pools(source: Path) -> list[YearPool]:
    """Paragraphs of the source corpus grouped by year (sorted, so the order is stable)."""
    pools: dict[int, YearPool] = {}
    seen: dict[int, set[str]] = {}
    with _open(source) as lines:
        for line in lines:
            article = json.loads(line)
            year = int(str(article.get("date") or "0")[:4] or 0)
            if year < 1900:
                continue
            pool = pools.setdefault(year, YearPool(year, [], [], []))
            known = seen.setdefault(year, set())
            lead = len(pool.leads)
            pool.leads.append(Lead(article.get("title") or "", tuple(article.get("tags") or ())))
            for paragraph in str(article.get("content") or "").split("\n"):
                paragraph = paragraph.strip()
                if len(paragraph) >= MIN_PARAGRAPH and paragraph not in known:
                    known.add(paragraph)
                    pool.paragraphs.append(paragraph)
                    pool.article_of.append(lead)
    return [pools[year] for year in sorted(pools) if len(pools[year].paragraphs) > PARAGRAPHS[1]]


def _draw(pool: YearPool, rng: random.Random, used_pairs: set[int]) -> list[int] | None:
    """Paragraph numbers of one new article: distinct source articles, no pair used before."""
    count = rng.randint(*PARAGRAPHS)
    for _ in range(MAX_TRIES):
        chosen = rng.sample(range(len(pool.paragraphs)), count)
        articles = {pool.article_of[p] for p in chosen}
        if len(articles) < count:
            continue
        size = len(pool.paragraphs)
        pairs = {min(a, b) * size + max(a, b) for i, a in enumerate(chosen) for b in chosen[i + 1 :]}
        if pairs & used_pairs:
            continue
        used_pairs |= pairs
        return chosen
    return None


def generate(pools: list[YearPool], count: int, seed: int = 16) -> Iterator[dict]:
    """``count`` articles as JSONL records (id, title, content, date, source, program, tags)."""
    rng = random.Random(seed)
    weights = [len(pool.leads) for pool in pools]
    used = {pool.year: set() for pool in pools}
    for number in range(count):
        pool = rng.choices(pools, weights)[0]
        chosen = _draw(pool, rng, used[pool.year])
        if chosen is None:
            raise ValueError(f"the {pool.year} paragraphs cannot make {count} distinct articles")
        lead = pool.leads[pool.article_of[chosen[0]]]
        day = dt.date(pool.year, 1, 1) + dt.timedelta(days=rng.randrange(365))
        yield {
            "id": f"gen{seed}-{number:07d}",
            "title": lead.title,
            "content": "\n".join(pool.paragraphs[p] for p in chosen),
            "date": day.isoformat(),
            "source": "央视网",
            "program": "新闻联播",
            "tags": list(lead.tags),
        }


def write_corpus(count: int, out: Path, source: Path = SOURCE, seed: int = 16) -> Path:
    """Write ``count`` generated articles to ``out`` (``.jsonl`` or ``.jsonl.gz``)."""
    pools = read_pools(source)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(out.name + ".partial")
    with partial.open("wb") as raw:
        # No name and no time in the gzip header: the same file byte for byte.
        handle = gzip.GzipFile(fileobj=raw, mode="wb", filename="", mtime=0) if out.suffix == ".gz" else raw
        with handle:
            for record in generate(pools, count, seed):
                handle.write(json.dumps(record, ensure_ascii=False).encode("utf-8") + b"\n")
    partial.replace(out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("count", type=int, help="number of articles")
    parser.add_argument("out", type=Path, help="the .jsonl or .jsonl.gz file to write")
    parser.add_argument("--source", type=Path, default=SOURCE, help="a JSONL(.gz) corpus (default: xwlb)")
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args(argv)
    if args.count < 1:
        parser.error("count must be at least 1")
    if not args.source.exists():
        print(f"make_corpus: {args.source} is missing", file=sys.stderr)
        return 2
    write_corpus(args.count, args.out, args.source, args.seed)
    print(f"{args.count} articles in {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
