"""Known-item search: a reader who remembers an article's title, or one sentence of it.

For a fixed sample of articles (half from the first 3,000 of xwlb, half from
tw_news) the search is given the title, and a distinctive sentence of the
body, each in its own script and converted to the other with OpenCC; the
article should come first. Only articles that can be told apart are asked
for: the title occurs once among the indexed articles and has at least six
characters (xwlb has 158 items called 国内联播快讯), and the sentence, of 12
to 60 characters, occurs in no other article.

    .venv/bin/python bench/eval_known_item.py [--articles 300]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_corpus import NATIVE_SCRIPT, OTHER_SCRIPT, SEED, convert, corpus_present, news_index  # noqa: E402
from eval_ranking import DEPTH, reciprocal_rank  # noqa: E402

from search.normalize import normalize_for_search  # noqa: E402

ARTICLES = 300
TARGET = 0.95
SHORTEST_TITLE = 6
SENTENCE_LENGTHS = (12, 60)
_SENTENCE_END = re.compile(r"(?<=[。！？；!?])|\n")


@dataclass(frozen=True)
class KnownItem:
    id: str
    source: str
    title: str
    sentence: str


def sentences(text: str) -> list[str]:
    return [piece.strip() for piece in _SENTENCE_END.split(text) if piece.strip()]


def pick_items(
    documents: list[dict], source_of: dict[str, str], count: int, seed: int = SEED
) -> list[KnownItem]:
    """``count`` articles with a unique title and a sentence found nowhere else,
    half from each source (``documents`` are stored fields of the index)."""
    documents = sorted(documents, key=lambda stored: stored["id"])
    titles = Counter(normalize_for_search(stored.get("title") or "") for stored in documents)
    bodies = [normalize_for_search(stored.get("body") or "") for stored in documents]
    rng = random.Random(seed)
    by_source: dict[str, list[KnownItem]] = {source: [] for source in sorted(set(source_of.values()))}
    order = list(range(len(documents)))
    rng.shuffle(order)
    wanted = -(-count // len(by_source))
    for position in order:
        stored = documents[position]
        source = source_of.get(stored["id"])
        title = (stored.get("title") or "").strip()
        if source is None or len(by_source[source]) >= wanted:
            continue
        if len(title) < SHORTEST_TITLE or titles[normalize_for_search(title)] > 1:
            continue
        low, high = SENTENCE_LENGTHS
        candidates = [s for s in sentences(stored.get("body") or "")[1:] if low <= len(s) <= high]
        rng.shuffle(candidates)
        for sentence in candidates:
            needle = normalize_for_search(sentence)
            if sum(needle in body for body in bodies) == 1:
                by_source[source].append(KnownItem(stored["id"], source, title, sentence))
                break
    return [item for items in by_source.values() for item in items][:count]


def known_item_scores(index, items: list[KnownItem]) -> dict[tuple[str, str], tuple[float, float]]:
    """``(query kind, script) -> (MRR@10, share first)``."""
    ranks: dict[tuple[str, str], list[float]] = {}
    for item in items:
        other = OTHER_SCRIPT[NATIVE_SCRIPT[item.source]]
        for kind, text in (("title", item.title), ("sentence", item.sentence)):
            for script, query in (("as written", text), ("converted", convert(text, other))):
                hits = index.search(query, per_page=DEPTH)["hits"]
                ranks.setdefault((kind, script), []).append(
                    reciprocal_rank([h["id"] for h in hits], {item.id})
                )
    return {key: (sum(r) / len(r), sum(x == 1.0 for x in r) / len(r)) for key, r in ranks.items()}


def known_item_section(work: Path, count: int = ARTICLES) -> tuple[str, list[str], list[str]]:
    """Title, table and missed targets (MRR@10 at least 0.95 for every kind and script)."""
    index, articles = news_index(work)
    source_of = {article.id: source for source, group in articles.items() for article in group}
    documents = [stored for _, stored in index._searcher().reader().iter_docs()]
    items = pick_items(documents, source_of, count)
    scores = known_item_scores(index, items)
    counts = Counter(item.source for item in items)
    lines = [
        f"{len(items)} articles ({', '.join(f'{n} from {s}' for s, n in sorted(counts.items()))}), "
        "each asked for by its title and by one sentence of its body.",
        "",
        "| query | script | MRR@10 | first |",
        "|---|---|---|---|",
    ]
    failures = []
    for (kind, script), (mrr, first) in sorted(scores.items(), reverse=True):
        lines.append(f"| {kind} | {script} | {mrr:.3f} | {first:.1%} |")
        if mrr < TARGET:
            failures.append(f"known-item MRR@10 ({kind}, {script}): {mrr:.3f} < {TARGET}")
    return "Known-item search", lines, failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--articles", type=int, default=ARTICLES)
    args = parser.parse_args()
    if not corpus_present():
        print("eval_known_item: ../shared/corpus is absent; nothing to evaluate")
        return 0
    with tempfile.TemporaryDirectory(prefix="xunwen-eval-") as work:
        _, table, failures = known_item_section(Path(work), args.articles)
    print("\n".join(table + [""] + (failures or ["Targets met."])))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
