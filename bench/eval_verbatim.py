"""Verbatim recall: does every document that contains a piece of text come back?

Substrings of 2 to 8 characters are drawn (fixed seed) from the stored text of
real articles (the first 3,000 of xwlb, all of tw_news): from random places,
so most start or end inside a jieba word, and a quarter of them around a digit
or a Latin letter. Each is searched in its own script and converted to the
other with OpenCC, plain and in quotes. A document *contains* a query when its
normalized title or body holds the normalized query text (typed without
quotes, a code or number in it must also stand whole there, issue 12:
``019年`` is not in 2019年); recall is the share of those documents the search
matches, and a quoted search must match no other document.

    .venv/bin/python bench/eval_verbatim.py [--substrings 600]

The matched set is read from the searcher's own matching step
(``SearchIndex._match``), which is what every page of results is cut from.
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_corpus import NATIVE_SCRIPT, OTHER_SCRIPT, SEED, Passage, convert, corpus_present, news_index  # noqa: E402

from search.analysis import segment_words  # noqa: E402
from search.engine.stored import bounded_pattern  # noqa: E402
from search.normalize import normalize_for_search  # noqa: E402
from search.plan import code_needle  # noqa: E402

SUBSTRINGS = 600
SHORTEST, LONGEST = 2, 8
OPERATORS = {"or", "and", "not"}  # as whole queries these are syntax, not text


@dataclass(frozen=True)
class Substring:
    text: str
    source: str  # "xwlb" or "tw_news": decides the native script
    inside_word: bool  # starts or ends inside a jieba word of its article
    has_ascii: bool  # holds a digit or a Latin letter


def _word_boundaries(text: str) -> set[int]:
    boundaries, position = {0, len(text)}, 0
    normalized = normalize_for_search(text)
    for word in segment_words(text):
        position = normalized.find(word, position)
        if position >= 0:
            boundaries.update((position, position + len(word)))
            position += len(word)
        else:
            position = 0
    return boundaries


def _runs(text: str) -> list[tuple[int, int]]:
    """(start, end) of the maximal runs of letters and digits."""
    runs, start = [], None
    for index, char in enumerate(text + " "):
        if char.isalnum() and start is None:
            start = index
        elif not char.isalnum() and start is not None:
            if index - start >= SHORTEST:
                runs.append((start, index))
            start = None
    return runs


def draw_substring(text: str, source: str, rng: random.Random, near_ascii: bool) -> Substring | None:
    """One substring of a run of letters and digits of ``text``, or None."""
    runs = _runs(text)
    if near_ascii:
        runs = [(s, e) for s, e in runs if any(c.isascii() for c in text[s:e])]
    if not runs:
        return None
    start, end = rng.choice(runs)
    length = rng.randint(SHORTEST, min(LONGEST, end - start))
    if near_ascii:  # make the piece cover an ASCII character of the run
        anchors = [i for i in range(start, end) if text[i].isascii()]
        anchor = rng.choice(anchors)
        first = rng.randint(max(start, anchor - length + 1), min(anchor, end - length))
    else:
        first = rng.randint(start, end - length)
    piece = text[first : first + length]
    if piece.lower() in OPERATORS:
        return None
    boundaries = _word_boundaries(text[max(0, first - 20) : first + length + 20])
    offset = first - max(0, first - 20)
    inside = offset not in boundaries or offset + length not in boundaries
    return Substring(piece, source, inside, any(c.isascii() for c in piece))


def draw_substrings(bodies: dict[str, list[str]], count: int, seed: int = SEED) -> list[Substring]:
    """``count`` substrings, half from each source's texts, a quarter of them around ASCII."""
    rng = random.Random(seed)
    drawn: list[Substring] = []
    sources = sorted(bodies)
    while len(drawn) < count:
        source = sources[len(drawn) % len(sources)]
        near_ascii = len(drawn) % 4 == 3
        found = draw_substring(rng.choice(bodies[source]), source, rng, near_ascii)
        if found is not None and found not in drawn:
            drawn.append(found)
    return drawn


class Containment:
    """Which documents of an index hold a text (normalized title or body)."""

    def __init__(self, index):
        self.stored = dict(index._searcher().reader().iter_docs())
        self.texts = {
            docnum: (
                normalize_for_search(stored.get("title") or ""),
                normalize_for_search(stored.get("body") or ""),
            )
            for docnum, stored in self.stored.items()
        }

    def bodies(self, articles: dict[str, list[Passage]]) -> dict[str, list[str]]:
        """The stored bodies (as indexed, in their own script) of each source's articles."""
        source_of = {article.id: source for source, group in articles.items() for article in group}
        bodies: dict[str, list[str]] = {source: [] for source in articles}
        # By id: document numbers depend on how the indexing workers interleaved.
        for stored in sorted(self.stored.values(), key=lambda stored: stored.get("id") or ""):
            if stored.get("id") in source_of:
                bodies[source_of[stored["id"]]].append(stored.get("body") or "")
        return bodies

    def holding(self, query_text: str, plain: bool = False) -> set[int]:
        """Documents holding the text; ``plain`` (typed without quotes): where
        a code or number in it stands whole, too (``019年`` is not in 2019年)."""
        needle = normalize_for_search(query_text)
        held = {docnum for docnum, texts in self.texts.items() if any(needle in text for text in texts)}
        code = code_needle(needle) if plain else None
        if code is None:
            return held
        pattern = bounded_pattern(code)
        return {docnum for docnum in held if any(pattern.search(text) for text in self.texts[docnum])}


def matched(index, query: str) -> set[int]:
    """The documents a search matches (all of them, before paging)."""
    return {int(docnum) for docnum in index._match(query, None).final.nonzero()[0]}


@dataclass
class Tally:
    """Recall over (query, containing document) pairs; quoted precision."""

    queries: int = 0
    expected: int = 0
    found: int = 0
    complete: int = 0  # queries that found every containing document
    returned: int = 0  # quoted: documents returned
    wrong: int = 0  # quoted: returned documents that do not hold the text

    def add(self, expected: set[int], got: set[int], quoted: bool) -> None:
        self.queries += 1
        self.expected += len(expected)
        self.found += len(expected & got)
        self.complete += expected <= got
        if quoted:
            self.returned += len(got)
            self.wrong += len(got - expected)

    @property
    def recall(self) -> float:
        return self.found / self.expected if self.expected else 1.0


def evaluate(index, containment: Containment, substrings: list[Substring]) -> dict[tuple[str, str], Tally]:
    """Tallies per (script, form): ``("as written" | "converted", "plain" | "quoted")``."""
    tallies: dict[tuple[str, str], Tally] = {}
    for piece in substrings:
        other = OTHER_SCRIPT[NATIVE_SCRIPT[piece.source]]
        for script, text in (("as written", piece.text), ("converted", convert(piece.text, other))):
            for form, query in (("plain", text), ("quoted", f'"{text}"')):
                expected = containment.holding(text, plain=form == "plain")
                tallies.setdefault((script, form), Tally()).add(
                    expected, matched(index, query), form == "quoted"
                )
    return tallies


def verbatim_table(substrings: list[Substring], tallies: dict[tuple[str, str], Tally]) -> list[str]:
    inside = sum(piece.inside_word for piece in substrings)
    ascii_ = sum(piece.has_ascii for piece in substrings)
    lines = [
        f"{len(substrings)} substrings of {SHORTEST}–{LONGEST} characters ({inside} start or end inside a word, "
        f"{ascii_} with digits or Latin letters), each in its own script and converted with OpenCC.",
        "",
        "| query | form | queries | containing documents | recall | queries complete | quoted results not containing it |",
        "|---|---|---|---|---|---|---|",
    ]
    for (script, form), tally in sorted(tallies.items()):
        wrong = f"{tally.wrong} of {tally.returned}" if form == "quoted" else ""
        lines.append(
            f"| {script} | {form} | {tally.queries} | {tally.expected} | {tally.recall:.2%} | "
            f"{tally.complete / tally.queries:.2%} | {wrong} |"
        )
    return lines


def verbatim_section(work: Path, substrings: int = SUBSTRINGS) -> tuple[str, list[str], list[str]]:
    """Title, table and missed targets (recall 100%, quoted results all contain the text)."""
    index, articles = news_index(work)
    containment = Containment(index)
    drawn = draw_substrings(containment.bodies(articles), substrings)
    tallies = evaluate(index, containment, drawn)
    failures = []
    for (script, form), tally in sorted(tallies.items()):
        if tally.found < tally.expected:
            failures.append(f"verbatim recall ({script}, {form}): {tally.recall:.2%}")
        if tally.wrong:
            failures.append(f"quoted results not containing the text ({script}): {tally.wrong}")
    return "Verbatim recall", verbatim_table(drawn, tallies), failures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--substrings", type=int, default=SUBSTRINGS)
    args = parser.parse_args()
    if not corpus_present():
        print("eval_verbatim: ../shared/corpus is absent; nothing to evaluate")
        return 0
    with tempfile.TemporaryDirectory(prefix="xunwen-eval-") as work:
        _, table, failures = verbatim_section(Path(work), args.substrings)
    print("\n".join(table + [""] + (failures or ["Targets met."])))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
