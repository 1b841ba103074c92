"""Search quality, measured: ranking against the peers, verbatim recall, known-item search.

    python3 run.py eval            # or: .venv/bin/python bench/eval_ranking.py

Four parts, one run, the same data for every engine:

1. Ranking on CMRC 2018 (Simplified) and DRCD (Traditional): MRR@10 and
   Recall@10 over a fixed sample of questions (``--questions``, default
   1,000 per set, drawn with a fixed seed; ``--questions 0`` for all), each
   set four ways: questions and passages each as given or converted to the
   other script with OpenCC. xunwen runs through ``SearchIndex.search``, as
   users get it; the peers (``bench/peers.py``) on the same passages.
2. Verbatim recall (``bench/eval_verbatim.py``).
3. Known-item search (``bench/eval_known_item.py``).

Prints the tables and writes them, with the date and the commit, into
``bench/RESULTS.md`` (between its result markers; the notes around them stay).
Exits 1 if a target is missed, 0 otherwise (and when the corpus is absent).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from eval_corpus import (  # noqa: E402  (the bench folder is not a package)
    OTHER_SCRIPT,
    RETRIEVAL_SETS,
    ROOT,
    Passage,
    Question,
    build_xunwen_index,
    convert,
    corpus_present,
    load_retrieval_set,
    passages_in,
    sample,
)

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"
START_MARK, END_MARK = "<!-- results:start -->", "<!-- results:end -->"
DEPTH = 10  # MRR@10, Recall@10
SCRIPT_NAMES = {"simplified": "Simplified", "traditional": "Traditional"}
# Targets of the issue: minimum MRR@10 per set in every direction, and the
# largest gap allowed between a set's cross-script and same-script runs.
MIN_MRR = {"CMRC": 0.97, "DRCD": 0.93}
MAX_CROSS_GAP = 0.005

Search = Callable[[str], list[str]]


@dataclass(frozen=True)
class Scores:
    """Ranking quality of one engine on one run."""

    mrr: float
    recall: float

    def cell(self) -> str:
        return f"{self.mrr:.3f} / {self.recall:.3f}"


def reciprocal_rank(ranked: list[str], relevant: Iterable[str], depth: int = DEPTH) -> float:
    """1/rank of the first relevant id within ``depth``, else 0."""
    relevant = set(relevant)
    for rank, doc_id in enumerate(ranked[:depth], start=1):
        if doc_id in relevant:
            return 1.0 / rank
    return 0.0


def score(search: Search, questions: list[Question]) -> Scores:
    """MRR@10 and Recall@10 (a relevant passage in the first ten) of one engine."""
    ranks = [reciprocal_rank(search(q.text), q.relevant) for q in questions]
    return Scores(sum(ranks) / len(ranks), sum(r > 0 for r in ranks) / len(ranks))


def xunwen_search(index) -> Search:
    def search(question: str) -> list[str]:
        return [hit["id"] for hit in index.search(question, per_page=DEPTH)["hits"]]

    return search


@dataclass
class RankingRun:
    """One of the eight runs: a set, the questions' script, the passages' script."""

    set_name: str
    question_script: str
    passage_script: str
    scores: dict[str, Scores]  # engine name -> scores

    @property
    def same_script(self) -> bool:
        return self.question_script == self.passage_script

    def best_peer(self) -> tuple[str, Scores]:
        peers = {name: s for name, s in self.scores.items() if name in PEER_NAMES}
        name = max(peers, key=lambda n: peers[n].mrr)
        return name, peers[name]


PEER_NAMES = ("naive Whoosh", "FTS5")  # the targets; "FTS5, Simplified" is a reference
ENGINE_COLUMNS = ("xunwen", "naive Whoosh", "FTS5", "FTS5, Simplified")


def engines(passages: list[Passage], folder: Path, with_peers: bool) -> dict[str, Search]:
    from peers import Fts5, NaiveWhoosh

    built = {"xunwen": xunwen_search(build_xunwen_index(passages, folder))}
    if with_peers:
        for peer in (NaiveWhoosh(passages), Fts5(passages), Fts5(passages, normalize=True)):
            built[peer.name] = peer.search
    return built


def ranking_runs(
    set_name: str, questions_wanted: int | None, work: Path, with_peers: bool = True
) -> list[RankingRun]:
    """The four runs of one set."""
    passages, questions = load_retrieval_set(set_name)
    questions = sample(questions, questions_wanted)
    native = RETRIEVAL_SETS[set_name][1]
    runs = []
    for passage_script in (native, OTHER_SCRIPT[native]):
        searches = engines(
            passages_in(passages, passage_script, native), work / f"{set_name}-{passage_script}", with_peers
        )
        for question_script in (native, OTHER_SCRIPT[native]):
            asked = questions if question_script == native else [
                Question(q.id, convert(q.text, question_script), q.relevant) for q in questions
            ]  # fmt: skip
            scores = {name: score(search, asked) for name, search in searches.items()}
            runs.append(RankingRun(set_name, question_script, passage_script, scores))
    return runs


def ranking_table(runs: list[RankingRun]) -> list[str]:
    columns = [name for name in ENGINE_COLUMNS if any(name in run.scores for run in runs)]
    header = "| set | questions → passages | " + " | ".join(columns) + " | xunwen − best peer |"
    lines = [header, "|" + "---|" * (len(columns) + 3)]
    for run in runs:
        cells = [run.scores[name].cell() if name in run.scores else "" for name in columns]
        margin = ""
        if any(name in run.scores for name in PEER_NAMES):
            margin = f"{run.scores['xunwen'].mrr - run.best_peer()[1].mrr:+.3f}"
        direction = f"{SCRIPT_NAMES[run.question_script]} → {SCRIPT_NAMES[run.passage_script]}"
        lines.append(f"| {run.set_name} | {direction} | " + " | ".join(cells) + f" | {margin} |")
    return lines


def ranking_failures(runs: list[RankingRun]) -> list[str]:
    """The targets of the issue that these runs miss."""
    failures = []
    for run in runs:
        label = f"{run.set_name} {run.question_script} → {run.passage_script}"
        mrr = run.scores["xunwen"].mrr
        if mrr < MIN_MRR[run.set_name]:
            failures.append(f"{label}: MRR@10 {mrr:.3f} < {MIN_MRR[run.set_name]}")
        if any(name in run.scores for name in PEER_NAMES):
            peer, best = run.best_peer()
            if mrr < best.mrr:
                failures.append(f"{label}: MRR@10 {mrr:.3f} below {peer} {best.mrr:.3f}")
    for set_name in MIN_MRR:
        of_set = [run for run in runs if run.set_name == set_name]
        same = [run.scores["xunwen"].mrr for run in of_set if run.same_script]
        cross = [run.scores["xunwen"].mrr for run in of_set if not run.same_script]
        if same and cross and max(same) - min(cross) > MAX_CROSS_GAP:
            failures.append(
                f"{set_name}: cross-script MRR@10 {min(cross):.3f} more than {MAX_CROSS_GAP} below same-script {max(same):.3f}"
            )
    return failures


# ---------------------------------------------------------------------------
# The report
# ---------------------------------------------------------------------------


def commit() -> str:
    try:
        head = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True
        )
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, capture_output=True, text=True
        )
    except (OSError, subprocess.CalledProcessError):
        return "unknown"
    return head.stdout.strip() + (" (with uncommitted changes)" if dirty.stdout.strip() else "")


def report(sections: list[tuple[str, list[str]]], failures: list[str], seconds: float, questions: str) -> str:
    lines = [
        f"Run {dt.date.today().isoformat()}, commit {commit()}, {os.cpu_count()} cores, "
        f"{seconds / 60:.1f} minutes; questions per set: {questions}.",
        "",
    ]
    for title, table in sections:
        lines += [f"### {title}", "", *table, ""]
    lines.append("Targets: " + ("all met." if not failures else "missed:"))
    lines += [f"- {failure}" for failure in failures]
    return "\n".join(lines).rstrip() + "\n"


def write_results(text: str, path: Path = RESULTS) -> None:
    """Put the report between the markers of RESULTS.md, keeping the notes around it."""
    block = f"{START_MARK}\n{text}{END_MARK}"
    current = (
        path.read_text(encoding="utf-8")
        if path.exists()
        else f"# Search quality\n\n{START_MARK}\n{END_MARK}\n"
    )
    before, _, rest = current.partition(START_MARK)
    _, _, after = rest.partition(END_MARK)
    path.write_text(before + block + after, encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--questions", type=int, default=1000, help="questions per set, fixed sample (0: all)"
    )
    parser.add_argument("--no-peers", action="store_true", help="xunwen alone (quicker, for tuning)")
    parser.add_argument("--parts", default="ranking,verbatim,known-item", help="comma-separated parts to run")
    parser.add_argument("--no-write", action="store_true", help="print only; leave bench/RESULTS.md alone")
    args = parser.parse_args(argv)
    if not corpus_present():
        print("eval_ranking: ../shared/corpus is absent; nothing to evaluate")
        return 0
    started = time.perf_counter()
    parts = set(args.parts.split(","))
    questions = args.questions or None
    sections: list[tuple[str, list[str]]] = []
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="xunwen-eval-") as work:
        work = Path(work)
        if "ranking" in parts:
            runs = []
            for set_name in RETRIEVAL_SETS:
                runs += ranking_runs(set_name, questions, work, with_peers=not args.no_peers)
                print("\n".join(ranking_table(runs)), flush=True)
            sections.append(("Ranking: MRR@10 / Recall@10", ranking_table(runs)))
            failures += ranking_failures(runs)
        if parts & {"verbatim", "known-item"}:
            from eval_known_item import known_item_section
            from eval_verbatim import verbatim_section

            for part, section in (("verbatim", verbatim_section), ("known-item", known_item_section)):
                if part in parts:
                    title, table, missed = section(work)
                    print("\n".join(table), flush=True)
                    sections.append((title, table))
                    failures += missed
    text = report(sections, failures, time.perf_counter() - started, str(questions or "all"))
    print("\n" + text)
    if not args.no_write:
        write_results(text)
        print(f"written to {RESULTS.relative_to(ROOT)}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
