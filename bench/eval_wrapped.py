"""Words split by line breaks: do quoted phrases find their own cec and fudan documents?

Ground truth is the raw text with its line breaks removed: a 6-character run of
Han characters drawn from it (cec), or every fudan document holding
``经济体制改革``. A phrase is found when the stored text (``clean_text``, what the
verbatim matcher reads, after ``normalize_for_search``) holds it.

    python bench/eval_wrapped.py            # this code
    PYTHONPATH=../main python bench/eval_wrapped.py   # main's, for the baseline
"""

from __future__ import annotations

import gzip
import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from search.normalize import clean_text, fold_characters, normalize_for_search  # noqa: E402

SEED = 20181
_HAN_RUN = re.compile(r"[\u4e00-\u9fff]{6,}")


def _rows(name: str) -> list[dict]:
    with gzip.open(CORPUS / name, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle]


def cec_phrases(rows: list[dict], rng: random.Random) -> list[tuple[str, dict]]:
    """One 6-character phrase from each cec report, drawn from its text without line breaks."""
    phrases = []
    for row in rows:
        runs = _HAN_RUN.findall(fold_characters(row["content"]).replace("\n", ""))
        if runs:
            run = rng.choice(runs)
            start = rng.randrange(len(run) - 5)
            phrases.append((run[start : start + 6], row))
    return phrases


def main() -> int:
    rng = random.Random(SEED)
    cec = _rows("cec.jsonl.gz")
    wrapped = [row for row in cec if sorted(map(len, row["content"].split("\n")))[row["content"].count("\n") // 2] <= 8
               and row["content"].count("\n") > 20]  # fmt: skip
    for label, rows in (("cec, one word per line", wrapped), ("cec, all reports", cec)):
        phrases = cec_phrases(rows, rng)
        found = sum(
            normalize_for_search(p) in normalize_for_search(clean_text(row["content"])) for p, row in phrases
        )
        print(
            f"{label}: a quoted 6-character phrase finds its own report {found}/{len(phrases)} ({found / len(phrases):.1%})"
        )
    fudan = _rows("fudan.jsonl.gz")
    needle = "经济体制改革"
    holding = [
        row
        for row in fudan
        if needle in fold_characters(row["title"] + "\n" + row["content"]).replace("\n", "")
    ]
    found = sum(needle in clean_text(row["title"] + "\n" + row["content"]) for row in holding)
    print(f'fudan: "{needle}" finds {found} of the {len(holding)} documents holding it')
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
