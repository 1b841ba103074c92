"""The evaluation's data: the shared corpus, script conversion, and xunwen indexes of it.

Everything here is deterministic: the same files and seed give the same
passages, questions and articles on every run.
"""

from __future__ import annotations

import functools
import gzip
import itertools
import json
import random
import sys
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
CORPUS = ROOT.parent / "shared" / "corpus"
RETRIEVAL = CORPUS / "retrieval"

# The two retrieval sets: name -> (folder, script of passages and questions).
RETRIEVAL_SETS = {"CMRC": ("cmrc2018_zh", "simplified"), "DRCD": ("drcd_tw", "traditional")}
OTHER_SCRIPT = {"simplified": "traditional", "traditional": "simplified"}
SEED = 20181  # one seed for every sample of the evaluation


@dataclass(frozen=True)
class Passage:
    """One searchable text: a retrieval passage or a news article."""

    id: str
    title: str
    text: str
    date: str | None = None


@dataclass(frozen=True)
class Question:
    """A question and the ids of the passages that answer it."""

    id: str
    text: str
    relevant: frozenset[str]


def corpus_present() -> bool:
    return RETRIEVAL.exists() and (CORPUS / "xwlb.jsonl.gz").exists()


def _jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def load_retrieval_set(name: str) -> tuple[list[Passage], list[Question]]:
    """Passages and questions of ``CMRC`` or ``DRCD``, in file order."""
    folder = RETRIEVAL / RETRIEVAL_SETS[name][0]
    passages = [Passage(row["pid"], row["title"], row["text"]) for row in _jsonl(folder / "corpus.jsonl")]
    relevant: dict[str, set[str]] = {}
    for line in (folder / "qrels.trec").read_text(encoding="utf-8").splitlines():
        qid, _, pid, grade = line.split()
        if int(grade) > 0:
            relevant.setdefault(qid, set()).add(pid)
    questions = [
        Question(row["qid"], row["query"], frozenset(relevant[row["qid"]]))
        for row in _jsonl(folder / "queries.jsonl")
        if row["qid"] in relevant and row["query"].strip()
    ]
    return passages, questions


def sample(items: list, count: int | None, seed: int = SEED) -> list:
    """``count`` items drawn with a fixed seed, kept in their original order
    (all of them when ``count`` is None or not smaller)."""
    if count is None or count >= len(items):
        return list(items)
    chosen = sorted(random.Random(seed).sample(range(len(items)), count))
    return [items[index] for index in chosen]


@functools.cache
def _converter(config: str):
    import opencc

    return opencc.OpenCC(config)


def convert(text: str, script: str) -> str:
    """Text in ``script`` with OpenCC (``s2t`` or ``t2s``), as a user of that script would write it."""
    return _converter("s2t" if script == "traditional" else "t2s").convert(text)


def passages_in(passages: list[Passage], script: str, native: str) -> list[Passage]:
    """The passages as given, or converted to the other script."""
    if script == native:
        return passages
    return [replace(p, title=convert(p.title, script), text=convert(p.text, script)) for p in passages]


def load_articles(name: str, limit: int | None = None) -> list[Passage]:
    """The first ``limit`` articles of ``xwlb`` or ``tw_news`` that have text."""
    articles = []
    with gzip.open(CORPUS / f"{name}.jsonl.gz", "rt", encoding="utf-8") as handle:
        for line in itertools.islice(handle, limit):
            row = json.loads(line)
            if (row.get("content") or "").strip():
                articles.append(Passage(row["id"], row.get("title") or "", row["content"], row.get("date")))
    return articles


def build_xunwen_index(passages: Iterable[Passage], folder: Path, procs: int = 2):
    """Index the passages with xunwen's own indexer (through a JSONL file, as
    a user would) and open the index for searching."""
    from search import open_index
    from search.indexer import index_paths

    folder.mkdir(parents=True, exist_ok=True)
    source = folder.parent / f"{folder.name}.jsonl"
    with open(source, "w", encoding="utf-8") as out:
        for passage in passages:
            row = {"id": passage.id, "title": passage.title, "content": passage.text}
            if passage.date:
                row["date"] = passage.date
            out.write(json.dumps(row, ensure_ascii=False) + "\n")
    summary = index_paths([source], folder / "index", rebuild=True, procs=procs)
    if summary.failed:
        raise RuntimeError(f"indexing failed: {summary.failed[:3]}")
    return open_index(folder / "index")


# Articles for verbatim recall and known-item search: a slice of xwlb (the
# whole of it would take minutes to index) and all of tw_news, one index.
NEWS_SOURCES = {"xwlb": 3000, "tw_news": None}
NATIVE_SCRIPT = {"xwlb": "simplified", "tw_news": "traditional"}
_news_indexes: dict[Path, tuple] = {}


def news_index(work: Path):
    """``(index, {source: articles})``, built once per working folder."""
    if work not in _news_indexes:
        articles = {name: load_articles(name, limit) for name, limit in NEWS_SOURCES.items()}
        everything = [article for group in articles.values() for article in group]
        _news_indexes[work] = (build_xunwen_index(everything, work / "news"), articles)
    return _news_indexes[work]
