"""Region extraction against hand-annotated locations (CEC, 524 emergency reports).

Each report goes to ``extract_region`` as a scraped file would: the title on the
first line, then the body. The reference is the set of provinces named by the
report's annotated location phrases ("101国道密云县庄头峪村附近路段上" names
北京市). Only reports whose annotations name exactly one province are scored;
the figure is the share of those whose extracted province is that one.

    .venv/bin/python bench/eval_region.py [--show 40]

Reading the annotations is kept simpler and stricter than the extractor: a name
counts only if it is not an ordinary word, has at least three characters or
names a province or a prefecture, all its meanings lie in one province, and it
is not followed by 路 or 街 (同济南路 is a street in Beijing, not 济南).
Exits 0 with a message when the corpus is absent.
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
CORPUS = ROOT.parent / "shared" / "corpus" / "cec.jsonl.gz"
TARGET = 0.90

from search import gazetteer  # noqa: E402
from search.extract.region import extract_region  # noqa: E402


def reference_provinces(locations: list[str]) -> set[str]:
    """The provinces the annotated location phrases name, read conservatively."""
    names = gazetteer.name_senses()
    longest = max(map(len, names))
    found: set[str] = set()
    for phrase in locations:
        start = 0
        while start < len(phrase) - 1:
            for end in range(min(len(phrase), start + longest), start + 1, -1):
                senses = names.get(phrase[start:end])
                if senses and phrase[end : end + 1] in ("路", "街"):  # 同济南路 is a street, not 济南
                    senses = ()
                if senses:
                    found |= _provinces_of(phrase[start:end], senses)
                    start = end
                    break
            else:
                start += 1
    return found


def _provinces_of(name: str, senses: tuple[gazetteer.Sense, ...]) -> set[str]:
    if any(sense.word_like for sense in senses):
        return set()
    if len(name) < 3 and any(sense.region.level == "county" for sense in senses):
        return set()
    provinces = {sense.region.province for sense in senses}
    return provinces if len(provinces) == 1 else set()


def article_text(report: dict) -> str:
    """Title and body as in a scraped file; ``content`` splits words over lines."""
    body = report.get("raw_text") or report.get("content", "").replace("\n", "")
    return f"{report.get('title', '')}\n\n{body}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", type=int, default=60, help="confusion cases to print")
    args = parser.parse_args()
    if not CORPUS.exists():
        print(f"skipped: {CORPUS} is absent")
        return 0
    with gzip.open(CORPUS, "rt", encoding="utf-8") as handle:
        reports = [json.loads(line) for line in handle]

    scored = right = unknown = 0
    characters = 0
    elapsed = 0.0
    confusions = []
    for report in reports:
        text = article_text(report)
        started = time.perf_counter()
        result = extract_region(text)
        elapsed += time.perf_counter() - started
        characters += len(text)
        reference = reference_provinces(report.get("annotated_locations") or [])
        if len(reference) != 1:
            continue
        expected = next(iter(reference))
        scored += 1
        got = result.province if result else None
        if got == expected:
            right += 1
            continue
        unknown += got is None
        confusions.append((expected, got, report.get("title", ""), result.basis if result else "-"))

    kilobytes = characters * 3 / 1024  # UTF-8 Chinese text: about three bytes a character
    print(f"reports: {len(reports)}; scored (one annotated province): {scored}")
    print(f"province right: {right}/{scored} = {right / max(scored, 1):.1%} (target {TARGET:.0%})")
    print(f"wrong: {scored - right - unknown}; unknown: {unknown}")
    print(f"speed: {elapsed * 1000 / max(kilobytes, 1):.3f} ms per KB over {kilobytes:.0f} KB")
    for expected, got, title, basis in confusions[: args.show]:
        print(f"  expected {expected}, got {got}: {title} [{basis}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
