"""Precision of short queries: do the top results hold what was asked?

Short queries are drawn (fixed seed) from the stored text of an index of news
articles, by kind: words (jieba words of 2-4 characters), codes (Latin words
and runs of letters and digits: ``covid``, ``pm2.5``, ``2.2.1``), numbers
(digits with a unit: ``10万``, ``106年``, ``33号``), single characters,
``title:`` words, and regional words (an entry of ``search/data/regional.tsv``
as the article writes it: ``軟體``, ``特朗普``). Ground truth is a plain scan of every document's normalized
title and body (``search.normalize.normalize_for_search``): a document
*contains* a word or character when its text holds it as a substring, a code
or number when it holds it not inside a longer Latin word or number (the rule
of ``search.engine.stored.bounded_pattern``), a ``title:`` word when its title
holds it, a regional word when its text holds the word or any of its
regional equivalents (``软件`` and ``软体``: a query in either form must find
both).

For each kind: **recall@100**, the share of the containing documents found
within the first 100 results (of at most 100: a query held by 300 documents
is at 100% when its first 100 results all hold it), and **P@10**, the share
of the first 10 results that contain the query; both averaged over queries.
Also the matched set's recall and precision (every result, not just the top).

    .venv/bin/python bench/eval_precision.py [--index-dir DIR] [--per-kind 100] [--peers]

``--index-dir`` is built from the shared corpus when missing (tw_news,
chinatimes, cec, fudan and the first ``--xwlb`` articles of xwlb).
``--peers`` runs SQLite FTS5 over jieba words (``bench/peers.py``) on the
same texts and queries.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import itertools
import random
import re
import sys
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_corpus import CORPUS, SEED, Passage  # noqa: E402

from search.analysis import segment_words  # noqa: E402
from search.engine import execute  # noqa: E402
from search.engine.stored import bounded_pattern  # noqa: E402
from search.normalize import normalize_for_search  # noqa: E402
from search.plan import plan_query  # noqa: E402
from search.regional import equivalents, table_words  # noqa: E402

KINDS = ("word", "code", "number", "character", "title", "regional")
TOP, PRECISION_AT = 100, 10
SOURCES = ("tw_news", "chinatimes", "cec", "fudan")
_CODE = re.compile(r"(?<![0-9a-z.\-])[a-z][0-9a-z]*(?:[.\-][0-9a-z]+)*|[0-9]+(?:[.\-][0-9a-z]+)+")
_NUMBER = re.compile(r"(?<![0-9.])[0-9]+[万亿年号%]")
_HAN = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class Probe:
    kind: str
    query: str  # as typed
    needle: str  # normalized text the ground truth looks for


def build_index(folder: Path, xwlb: int) -> None:
    """An index of the four small corpora and the first ``xwlb`` xwlb articles."""
    from search.indexer import index_paths

    folder.parent.mkdir(parents=True, exist_ok=True)
    sample = folder.parent / f"xwlb{xwlb}.jsonl"
    with gzip.open(CORPUS / "xwlb.jsonl.gz", "rt", encoding="utf-8") as source, open(sample, "w") as out:
        out.writelines(itertools.islice(source, xwlb))
    paths = [CORPUS / f"{name}.jsonl.gz" for name in SOURCES] + [sample]
    summary = index_paths(paths, folder, rebuild=True, procs=2)
    if summary.failed:  # records without text (one of fudan's): reported, the rest indexed
        print(f"{len(summary.failed)} records not indexed, for example {summary.failed[0]}")


def stored_texts(index) -> tuple[list[int], list[str], list[str], list[Passage]]:
    """(docnums, normalized titles, normalized bodies, passages) of the live documents."""
    searcher = index._searcher()
    live = index._generation(searcher).columns.live
    docnums, titles, bodies, passages = [], [], [], []
    for docnum in range(searcher.doc_count_all()):
        if not live[docnum]:
            continue
        fields = searcher.stored_fields(docnum)
        docnums.append(docnum)
        titles.append(normalize_for_search(fields.get("title") or ""))
        bodies.append(normalize_for_search(fields.get("body") or ""))
        passages.append(Passage(fields["id"], fields.get("title") or "", fields.get("body") or ""))
    return docnums, titles, bodies, passages


def draw_probes(passages: list[Passage], per_kind: int, rng: random.Random) -> list[Probe]:
    """``per_kind`` distinct queries of each kind, drawn from random documents."""
    probes: dict[str, dict[str, Probe]] = {kind: {} for kind in KINDS}
    for _ in range(200 * per_kind):
        if all(len(found) >= per_kind for found in probes.values()):
            break
        passage = rng.choice(passages)
        text = passage.text[:3000]
        normalized = normalize_for_search(text)
        kind = rng.choice([kind for kind in KINDS if len(probes[kind]) < per_kind])
        probe = _draw(kind, passage, text, normalized, rng)
        if probe is not None:
            probes[kind].setdefault(probe.needle, probe)
    return [probe for found in probes.values() for probe in list(found.values())[:per_kind]]


def _draw(kind: str, passage: Passage, text: str, normalized: str, rng: random.Random) -> Probe | None:
    if kind == "character":
        chars = _HAN.findall(text)
        return Probe(kind, char, normalize_for_search(char)) if (char := rng.choice(chars or [""])) else None
    if kind in ("code", "number"):
        pattern = _CODE if kind == "code" else _NUMBER
        found = [(m.start(), m.end()) for m in pattern.finditer(normalized) if m.end() - m.start() >= 2]
        if not found:
            return None
        start, end = rng.choice(found)
        typed = text[start:end]  # as the article writes it (COVID, ＬＩＮＥ)
        return Probe(kind, typed, normalized[start:end])
    if kind == "regional":
        present = sorted(word for word in _regional_words() if word in normalized)
        if not present:
            return None
        word = rng.choice(present)
        start = normalized.index(word)
        typed = text[start : start + len(word)]  # as the article writes it (軟體)
        return Probe(kind, typed if normalize_for_search(typed) == word else word, word)
    source = passage.title if kind == "title" else text
    words = [w for w in segment_words(source) if 2 <= len(w) <= 4 and all(_HAN.match(c) for c in w)]
    if not words:
        return None
    word = rng.choice(words)
    return Probe(kind, f"title:{word}" if kind == "title" else word, word)


@functools.cache
def _regional_words() -> tuple[str, ...]:
    return tuple(sorted(table_words()))


def containing(probe: Probe, titles: list[str], bodies: list[str], docnums: list[int]) -> set[int]:
    """The documents holding the probe, by a scan of the normalized text."""
    if probe.kind == "title":
        return {docnum for docnum, title in zip(docnums, titles, strict=True) if probe.needle in title}
    if probe.kind in ("code", "number"):
        pattern = bounded_pattern(probe.needle)
        return {
            docnum
            for docnum, title, body in zip(docnums, titles, bodies, strict=True)
            if pattern.search(title) or pattern.search(body)
        }
    forms = (probe.needle, *equivalents(probe.needle)) if probe.kind == "regional" else (probe.needle,)
    return {
        docnum
        for docnum, title, body in zip(docnums, titles, bodies, strict=True)
        if any(form in title or form in body for form in forms)
    }


def xunwen_results(index, query: str) -> tuple[list[int], set[int]]:
    """The first ``TOP`` results (docnums) of a query, and every match."""
    match = index._match(plan_query(query), None)
    import numpy as np

    return execute.page_docnums(match, "relevance", 1, TOP), set(np.flatnonzero(match.final).tolist())


def evaluate(index, probes: list[Probe], truth: dict[Probe, set[int]], peer=None, ids=None) -> dict:
    """Per kind: mean recall@100, P@10, matched-set recall and precision, queries."""
    rows: dict[str, list[tuple[float, float, float, float]]] = {kind: [] for kind in KINDS}
    for probe in probes:
        held = truth[probe]
        if not held:
            continue
        if peer is None:
            ranked, matched = xunwen_results(index, probe.query)
        else:
            ranked = [ids[pid] for pid in peer.search(probe.query.removeprefix("title:"), limit=TOP)]
            matched = set(ranked)
        recall = len(held & set(ranked)) / min(len(held), TOP)
        first = ranked[:PRECISION_AT]
        precision = len(held & set(first)) / len(first) if first else 0.0
        set_recall = len(held & matched) / len(held)
        set_precision = len(held & matched) / len(matched) if matched else 0.0
        rows[probe.kind].append((recall, precision, set_recall, set_precision))
    return {
        kind: tuple(sum(column) / len(values) for column in zip(*values, strict=True)) + (len(values),)
        for kind, values in rows.items()
        if values
    }


def table(results: dict[str, dict]) -> str:
    lines = [
        "| kind | queries | engine | recall@100 | P@10 | matched: recall | matched: precision |",
        "|---|---|---|---|---|---|---|",
    ]
    for kind in KINDS:
        for engine, measured in results.items():
            if kind in measured:
                recall, precision, set_recall, set_precision, count = measured[kind]
                lines.append(
                    f"| {kind} | {count} | {engine} | {recall:.1%} | {precision:.1%} "
                    f"| {set_recall:.1%} | {set_precision:.1%} |"
                )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index-dir", type=Path, default=Path("/tmp/xunwen-precision/index"))
    parser.add_argument("--xwlb", type=int, default=5000, help="xwlb articles in a new index")
    parser.add_argument("--per-kind", type=int, default=100)
    parser.add_argument("--peers", action="store_true", help="also SQLite FTS5 over jieba words")
    args = parser.parse_args(argv)
    if not (CORPUS / "xwlb.jsonl.gz").exists():
        print("the shared corpus is missing: nothing to evaluate")
        return 0
    from whoosh import index as whoosh_index

    from search.schema import INDEX_NAME

    if not whoosh_index.exists_in(str(args.index_dir), indexname=INDEX_NAME):
        build_index(args.index_dir, args.xwlb)
    from search import open_index

    started = time.perf_counter()
    index = open_index(args.index_dir)
    docnums, titles, bodies, passages = stored_texts(index)
    probes = draw_probes(passages, args.per_kind, random.Random(SEED))
    truth = {probe: containing(probe, titles, bodies, docnums) for probe in probes}
    results = {"xunwen": evaluate(index, probes, truth)}
    if args.peers:
        from peers import Fts5

        peer = Fts5(passages)
        ids = {passage.id: docnum for passage, docnum in zip(passages, docnums, strict=True)}
        results[peer.name] = evaluate(index, probes, truth, peer, ids)
    print(f"{len(docnums)} documents, {len(probes)} queries, {time.perf_counter() - started:.0f} s")
    print(table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
