"""Region extraction speed: ``extract_region`` per kilobyte of text, against jieba's
segmentation of the same text (which every indexed document pays anyway), in one process.

    .venv/bin/python bench/bench_region.py [--rounds 20]

The texts are the five seeds (always there) and, when ``../shared/corpus`` is
present, the first 500 xwlb items. The test suite used to assert "under 1 ms
per KB" with a wall clock; on a shared machine that failed on load, not on a
regression, so the figure is measured here instead.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
XWLB = ROOT.parent / "shared" / "corpus" / "xwlb.jsonl.gz"

from search.analysis import segment_words  # noqa: E402
from search.extract.region import extract_region  # noqa: E402
from search.normalize import clean_text  # noqa: E402


def texts() -> dict[str, list[str]]:
    """Named sets of cleaned texts."""
    sets = {
        "seeds": [
            clean_text(path.read_text(encoding="utf-8")) for path in sorted((ROOT / "seeds").glob("*.txt"))
        ]
    }
    if XWLB.exists():
        with gzip.open(XWLB, "rt", encoding="utf-8") as handle:
            items = [json.loads(line) for _, line in zip(range(500), handle, strict=False)]
        sets["xwlb 500"] = [
            clean_text(f"{item.get('title', '')}\n{item.get('content', '')}") for item in items
        ]
    return sets


def ms_per_kb(function, batch: list[str], rounds: int) -> float:
    kilobytes = sum(len(text.encode("utf-8")) for text in batch) / 1024
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for text in batch:
            function(text)
        best = min(best, time.perf_counter() - started)
    return best * 1000 / kilobytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()
    sets = texts()
    extract_region(sets["seeds"][0])  # builds the name index once
    segment_words(sets["seeds"][0])  # loads jieba's dictionary once
    for name, batch in sets.items():
        region = ms_per_kb(extract_region, batch, args.rounds)
        jieba = ms_per_kb(segment_words, batch, args.rounds)
        print(f"{name}: extract_region {region:.3f} ms/KB, jieba segmentation {jieba:.3f} ms/KB "
              f"({region / jieba:.2f}x)")  # fmt: skip


if __name__ == "__main__":
    main()
