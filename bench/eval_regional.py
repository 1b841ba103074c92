"""Regional vocabulary: does a query in one region's word find documents using the other's?

For each pair of ``search/data/regional.tsv`` that occurs in the indexed
articles (xwlb, tw_news, chinatimes), the ground truth is the documents whose
normalized stored title or body holds either form (a substring scan); a query
in each form (typed plainly) is scored by the share of those it finds.

    python bench/eval_regional.py [--xwlb 3000] [--pairs 40]
    PYTHONPATH=<main's checkout> python bench/eval_regional.py   # the baseline, same table

Target: either form finds >= 95% of the documents holding either.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from eval_corpus import ROOT, build_xunwen_index, corpus_present, load_articles  # noqa: E402
from eval_verbatim import Containment, matched  # noqa: E402

TABLE = ROOT / "search" / "data" / "regional.tsv"
TARGET = 0.95


def table_pairs(path: Path) -> list[tuple[str, str]]:
    """(mainland, regional) normalized pairs of the table."""
    pairs = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            mainland, regional = line.split("\t")[:2]
            pairs.append((mainland, regional))
    return list(dict.fromkeys(pairs))  # a pair of both the Taiwan and the Hong Kong table once


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--xwlb", type=int, default=3000, help="xwlb articles to index")
    parser.add_argument("--pairs", type=int, default=40, help="pairs to show (most frequent first)")
    parser.add_argument("--table", type=Path, default=TABLE)
    args = parser.parse_args()
    if not corpus_present():
        print("skipped: the shared corpus is absent")
        return 0
    articles = load_articles("xwlb", args.xwlb) + load_articles("tw_news") + load_articles("chinatimes")
    with tempfile.TemporaryDirectory(prefix="eval-regional-") as work:
        index = build_xunwen_index(articles, Path(work) / "regional")
        containment = Containment(index)
        rows = []
        for mainland, regional in table_pairs(args.table):
            holding = containment.holding(mainland) | containment.holding(regional)
            if not holding:
                continue
            found = [len(matched(index, form) & holding) for form in (mainland, regional)]
            rows.append((mainland, regional, len(holding), *found))
        index.close()
    rows.sort(key=lambda row: (-row[2], row[0]))
    print(
        f"{len(rows)} pairs of the table occur in {len(articles)} articles (xwlb {args.xwlb}, tw_news, chinatimes)"
    )
    print("| mainland | regional | documents holding either | mainland form finds | regional form finds |")
    print("|---|---|---:|---:|---:|")
    for mainland, regional, total, by_mainland, by_regional in rows[: args.pairs]:
        print(f"| {mainland} | {regional} | {total} | {by_mainland} ({by_mainland / total:.0%}) | "
              f"{by_regional} ({by_regional / total:.0%}) |")  # fmt: skip
    expected = sum(2 * row[2] for row in rows)
    found = sum(row[3] + row[4] for row in rows)
    worst = min((min(row[3], row[4]) / row[2] for row in rows), default=1.0)
    print(f"over all {len(rows)} pairs: one query finds {found / max(expected, 1):.1%} of the documents holding "
          f"either form (target >= {TARGET:.0%}); worst pair {worst:.0%}")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
