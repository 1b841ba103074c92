#!/usr/bin/env python3
"""Measure metadata extraction against labelled real articles in ../shared/corpus.

    python bench/eval_extract.py             # every table, 15 confusion cases per table
    python bench/eval_extract.py --show 50   # more cases to study
    python bench/eval_extract.py --only date

Each article is fed to the extractors as raw text, the way it would sit in a
scraped file, never as its JSON fields:

* tw_news, chinatimes: the title line, a dateline line (the date as the site
  prints it, followed by the byline the site shows) and the body. Articles the
  corpus has no date for get no date on their dateline: their text does not
  state one, so the right answer for them is "no date".
* fudan, as "file": the original file, its 【 日  期 】 / 【原文出处】 header
  and then the body; as "article": the title line and the body alone, which
  leaves only in-text datelines (``本报无锡4月12日电``), usually without a year.

Per field: right, wrong and none (no value) counts. "States it" are the
articles whose text carries the labelled value; for those the target is at
least 95% right; for the rest the target is at least 99% with no date rather
than a wrong one. Topics: the Fudan classes that correspond to a topic of the
taxonomy, top topic right, tuned on the train split, reported on both.

The script exits 0 with a message when the corpus is absent.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from search.extract import extract_date, extract_source, extract_title, extract_topics  # noqa: E402
from search.extract.source import canonical_source  # noqa: E402
from search.extract.title import clean_title  # noqa: E402
from search.normalize import clean_characters  # noqa: E402

CORPUS = Path(__file__).resolve().parents[1].parent / "shared" / "corpus"

# How each Taiwan site prints its dateline (date only: the corpus has no times).
SITE_DATELINES = {
    "中央社": "{y}/{m:02d}/{d:02d}",
    "自由時報": "{y}/{m:02d}/{d:02d}",
    "聯合報": "{y}-{m:02d}-{d:02d}",
    "三立新聞網": "{y}/{m:02d}/{d:02d}",
    "TVBS新聞網": "發佈時間：{y}/{m:02d}/{d:02d}",
    "公視新聞": "{y}-{m:02d}-{d:02d}",
    "壹蘋新聞網": "{y}/{m:02d}/{d:02d}",
    "東森新聞雲": "{y}年{m:02d}月{d:02d}日",
    "風傳媒": "{y}-{m:02d}-{d:02d}",
    "中時新聞網": "{y}/{m:02d}/{d:02d}",
}
CHINATIMES_DATELINE = "{y}年{m:02d}月{d:02d}日"

# Fudan classes and the topics of our taxonomy that correspond to them.
FUDAN_TOPICS = {
    "C34-Economy": {"经济发展"},
    "C32-Agriculture": {"农业农村"},
    "C39-Sports": {"体育"},
    "C38-Politics": {"时政", "党建纪检"},
    "C3-Art": {"文化旅游"},
    "C4-Literature": {"文化旅游"},
    "C31-Enviornment": {"生态环境"},
    "C5-Education": {"教育"},
    "C29-Transport": {"交通运输"},
    "C19-Computer": {"科技创新"},
    "C16-Electronics": {"科技创新"},
    "C17-Communication": {"科技创新"},
    "C11-Space": {"科技创新"},
}  # C7-History, C6-Philosophy, C15-Energy, C23-Mine have no counterpart: shown, not scored


@dataclass
class Case:
    """One article as the extractors see it, and its labels."""

    dataset: str
    id: str
    text: str
    date: str | None = None  # "YYYY-MM-DD" or "YYYY"
    date_stated: bool = False
    source: str | None = None
    title: str | None = None
    topic_class: str | None = None
    split: str | None = None
    reprint_class: str | None = None  # 【分 类 名】 of a journal reprint (体育, 中小学教育, …)


@dataclass
class Tally:
    """Right / wrong / none counts of one field on one group, with the cases to study."""

    counts: Counter = field(default_factory=Counter)
    confusions: list[str] = field(default_factory=list)

    def add(self, outcome: str, note: str | None = None) -> None:
        self.counts[outcome] += 1
        if note and outcome != "right":
            self.confusions.append(f"[{outcome}] {note}")

    def row(self, name: str) -> str:
        total = sum(self.counts.values()) or 1
        right, wrong, none = (self.counts[key] for key in ("right", "wrong", "none"))
        return f"  {name:<34} {total:>6} {right:>6} {wrong:>6} {none:>6}   right {right / total:6.1%}   not wrong {(right + none) / total:6.1%}"


def read_jsonl(name: str) -> Iterator[dict]:
    with gzip.open(CORPUS / name, "rt", encoding="utf-8") as handle:
        for line in handle:
            yield json.loads(line)


def _ymd(value: str | None) -> tuple[int, int, int] | None:
    match = re.fullmatch(r"(\d{4})[-/]?(\d{2})[-/]?(\d{2})", value or "")
    return tuple(int(part) for part in match.groups()) if match else None  # type: ignore[return-value]


def _iso(parts: tuple[int, int, int]) -> str:
    year, month, day = parts
    return f"{year:04d}-{month:02d}-{day:02d}"


def tw_cases() -> Iterator[Case]:
    for row in read_jsonl("tw_news.jsonl.gz"):
        day = _ymd(row.get("date"))
        pattern = SITE_DATELINES.get(row["source"], "{y}/{m:02d}/{d:02d}")
        dateline = pattern.format(y=day[0], m=day[1], d=day[2]) if day else ""
        byline = (row.get("author") or "").strip()
        head = " ".join(part for part in (dateline, byline) if part)
        text = "\n".join(part for part in (row["title"], head, row["content"]) if part)
        yield Case(
            "tw_news",
            row["id"],
            text,
            _iso(day) if day else None,
            bool(day),
            row["source"],
            clean_title(row["title"]),
        )


def chinatimes_cases() -> Iterator[Case]:
    for row in read_jsonl("chinatimes.jsonl.gz"):
        day = _ymd(row.get("date"))
        dateline = CHINATIMES_DATELINE.format(y=day[0], m=day[1], d=day[2]) if day else ""
        head = " ".join(part for part in (dateline, row.get("author_line") or "") if part)
        text = "\n".join(part for part in (row["title"], head, row["content"]) if part)
        yield Case("chinatimes", row["id"], text, _iso(day) if day else None, bool(day), title=row["title"])


def cec_cases() -> Iterator[Case]:
    """The emergency reports: the scraped page (its first line is the timestamp) where
    the corpus kept it, else the annotated text, which starts with the lead."""
    for row in read_jsonl("cec.jsonl.gz"):
        match = re.search(r"(\d{4})\D(\d{1,2})\D(\d{1,2})", row.get("date") or "")
        day = tuple(int(part) for part in match.groups()) if match else None
        raw = row.get("raw_text") or ""
        body = raw or "".join(row.get("content", "").split("\n"))  # the annotation splits words by lines
        first_line = raw.split("\n", 1)[0]
        # Stated: the page opens with its timestamp line, not with the lead.
        stated = bool(day and len(first_line) <= 40 and str(day[0]) in first_line)
        title = re.sub(r"/\w+$", "", row["title"])  # "…已被控制/v": an annotation tag
        yield Case("cec", row["id"], title + "\n" + body, _iso(day) if day else None, stated)  # type: ignore[arg-type]


def _fudan_date(row: dict) -> str | None:
    """The newspaper date, else the original issue: 19950707 is a day, 199802 only a year."""
    issue = row.get("issue") or ""
    day = _ymd(row.get("date")) or (_ymd(issue) if re.fullmatch(r"\d{8}", issue) else None)
    if day and _valid(day):
        return _iso(day)
    # "199802" is the 2nd issue of 1998, "199905/06" a double issue: a year, no more.
    return issue[:4] if re.match(r"(19|20)\d{2}", issue) else None


def _valid(day: tuple[int, int, int]) -> bool:
    try:
        date(*day)
    except ValueError:
        return False
    return True


def fudan_cases(variant: str) -> Iterator[Case]:
    for row in read_jsonl("fudan.jsonl.gz"):
        if variant == "file":
            text = row["raw_header"] + "\n" + row["content"]
        else:
            text = row["title"] + "\n" + row["content"]
        label = _fudan_date(row)
        yield Case(
            f"fudan/{variant}",
            row["id"],
            text,
            label,
            variant == "file" and label is not None,
            row.get("source") if variant == "file" else None,
            re.sub(r"\s+", "", row["title"]),
            row["category"],
            row["split"],
            row.get("class_name"),
        )


def _head(text: str, chars: int = 90) -> str:
    return re.sub(r"\s+", " ", text[:chars])


def date_outcome(case: Case, found) -> str:
    if found is None:
        return "none"
    if case.date and found.value[: len(case.date)] == case.date:
        return "right"
    return "wrong"


def evaluate_dates(cases: list[Case], tallies: dict[str, Tally]) -> None:
    for case in cases:
        found = extract_date(case.text)
        group = f"{case.dataset} date, states it" if case.date_stated else f"{case.dataset} date, rest"
        outcome = date_outcome(case, found)
        if not case.date_stated and outcome == "none":
            outcome = "right" if case.date is None else "none"
        note = f"{case.id}: label {case.date} got {found.value if found else None} ({found.basis if found else '-'}) | {_head(case.text)}"
        # For the rest, only a wrong date is worth studying: no date is what they should get.
        tallies[group].add(outcome, note if case.date_stated or outcome == "wrong" else None)


def evaluate_sources(cases: list[Case], tallies: dict[str, Tally], elsewhere: Counter) -> None:
    for case in cases:
        if not case.source:
            continue
        found = extract_source(case.text)
        expected = canonical_source(clean_characters(case.source))  # the label has full-width forms
        if found is None:
            outcome = "none"
        else:
            outcome = "right" if found.name == expected else "wrong"
        note = f"{case.id}: label {expected} got {found.name if found else None} ({found.basis if found else '-'}) | {_head(case.text)}"
        tallies[f"{case.dataset} source"].add(outcome, note)
        if outcome == "wrong" and found and found.basis in ("byline", "dateline"):
            # "經濟日報/ 記者", "中央社/ 台北18日電" on udn.com: the label is the site that
            # hosts the story, the text names the outlet that wrote it.
            elsewhere[f"{case.dataset} source"] += 1


def evaluate_titles(cases: list[Case], tallies: dict[str, Tally]) -> None:
    for case in cases:
        if not case.title:
            continue
        found = extract_title(case.text)
        got = re.sub(r"\s+", "", found.text) if found else None
        expected = re.sub(r"\s+", "", clean_characters(case.title))  # folded, as the text was
        outcome = "none" if got is None else "right" if got == expected else "wrong"
        tallies[f"{case.dataset} title"].add(outcome, f"{case.id}: label {expected} got {got}")


def evaluate_topics(cases: list[Case], show: int) -> None:
    """Top topic against the Fudan class, per split and per class, with what the misses got."""
    tallies: dict[str, Tally] = defaultdict(Tally)
    among: Counter = Counter()  # the class's topic among the labels given, not only first
    missed: dict[str, Counter] = defaultdict(Counter)
    spread: dict[str, Counter] = defaultdict(Counter)
    for case in sorted(cases, key=lambda c: (c.split != "train", c.topic_class or "")):
        found = extract_topics(case.text)
        top = found.labels[0] if found else None
        expected = FUDAN_TOPICS.get(case.topic_class or "")
        if expected is None:
            spread[case.topic_class or "?"][top or "(none)"] += 1
            continue
        outcome = "none" if top is None else "right" if top in expected else "wrong"
        note = f"{case.id}: class {case.topic_class} got {found.basis if found else None} | {_head(case.text, 40)}"
        groups = [f"split {case.split}", f"{case.topic_class} ({case.split})"]
        noisy = case.topic_class == "C39-Sports" and case.reprint_class not in (None, "体育")
        if not noisy:
            groups.append(f"split {case.split}, C39 noise left out")
        if case.topic_class == "C39-Sports" and case.reprint_class:
            # Fudan's C39 also holds the reprint classes 中小学教育, 教育学, 高等教育…
            groups.append("C39-Sports, 分类名 " + ("体育" if not noisy else "not 体育"))
        for group in groups:
            tallies[group].add(outcome, note if group in (f"split {case.split}",) else None)
            among[group] += bool(found and expected & set(found.labels))
        if outcome != "right":
            missed[f"{case.topic_class} ({case.split})"][top or "(none)"] += 1
    print("\nTOPIC (Fudan classes with a counterpart; right = the top topic; among = in the labels given)")
    print(f"  {'':<34} {'n':>6} {'right':>6} {'wrong':>6} {'none':>6}")
    for name in sorted(
        tallies, key=lambda name: (not name.startswith("split"), name.startswith("C39-Sports,"), name)
    ):
        tally = tallies[name]
        total = sum(tally.counts.values())
        misses = ", ".join(f"{label} {count}" for label, count in missed[name].most_common(3))
        print(
            tally.row(name)
            + f"   among {among[name] / total:6.1%}"
            + (f"   misses: {misses}" if misses else "")
        )
    print("\n  classes without a counterpart (top topic given):")
    for name, counts in sorted(spread.items()):
        print(f"    {name:<18} " + ", ".join(f"{label} {count}" for label, count in counts.most_common(4)))
    for name, tally in tallies.items():
        if name.startswith("split") and tally.confusions and show:
            print(f"\n  -- {name}: {len(tally.confusions)} cases, first {min(show, len(tally.confusions))}")
            for line in tally.confusions[:show]:
                print("    " + line[:260])


def print_tables(title: str, tallies: dict[str, Tally], show: int) -> None:
    print(f"\n{title}")
    print(f"  {'':<34} {'n':>6} {'right':>6} {'wrong':>6} {'none':>6}")
    for name, tally in tallies.items():
        print(tally.row(name))
    for name, tally in tallies.items():
        if tally.confusions and show:
            print(
                f"\n  -- {name.strip()}: {len(tally.confusions)} cases, first {min(show, len(tally.confusions))}"
            )
            for line in tally.confusions[:show]:
                print("    " + line[:260])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--show", type=int, default=15, help="confusion cases printed per table")
    parser.add_argument("--only", choices=["date", "source", "title", "topic"], help="one field only")
    args = parser.parse_args(argv)
    if not CORPUS.exists():
        print(f"eval_extract: corpus not found at {CORPUS}; nothing to evaluate")
        return 0
    started = time.perf_counter()
    loaded: dict[str, list[Case]] = {}
    for name, cases in (
        ("tw_news", tw_cases()),
        ("chinatimes", chinatimes_cases()),
        ("cec", cec_cases()),
        ("fudan/file", fudan_cases("file")),
        ("fudan/article", fudan_cases("article")),
    ):
        loaded[name] = []
        for case in cases:
            case.text = clean_characters(case.text)  # as the indexer does before extraction
            loaded[name].append(case)
    size = sum(len(case.text.encode("utf-8")) for cases in loaded.values() for case in cases)
    print(f"eval_extract: {sum(map(len, loaded.values()))} articles, {size / 1e6:.1f} MB, from {CORPUS}")

    if args.only in (None, "date"):
        tallies: dict[str, Tally] = defaultdict(Tally)
        for cases in loaded.values():
            evaluate_dates(cases, tallies)
        print_tables("DATE (publication date; right = equal at the label's precision)", tallies, args.show)
    if args.only in (None, "source"):
        tallies = defaultdict(Tally)
        elsewhere: Counter = Counter()
        for name in ("tw_news", "fudan/file"):
            evaluate_sources(loaded[name], tallies, elsewhere)
        print_tables("SOURCE (canonical Simplified name)", tallies, args.show)
        for name, count in elsewhere.items():
            print(f"\n  {name}: {count} of the wrong name another outlet in their own byline or dateline")
    if args.only in (None, "title"):
        tallies = defaultdict(Tally)
        for name in ("tw_news", "chinatimes", "fudan/file"):
            evaluate_titles(loaded[name], tallies)
        print_tables("TITLE (whitespace ignored)", tallies, args.show)
    if args.only in (None, "topic"):
        evaluate_topics(loaded["fudan/article"], args.show)
    print(f"\neval_extract: {time.perf_counter() - started:.1f}s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
