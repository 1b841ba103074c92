"""The tools a user would otherwise reach for, as search engines the evaluation can run.

Each peer is built from the same passages as xunwen and answers the same
questions: ``Peer(passages).search(question)`` returns passage ids, best first.

* ``NaiveWhoosh``: ``jieba.analyse.ChineseAnalyzer`` into a plain Whoosh
  schema (title and text), the question parsed as an OR query. This is the
  pipeline most Whoosh-and-jieba tutorials show.
* ``Fts5``: SQLite FTS5 (in Python's standard library) over text segmented by
  jieba and joined with spaces, the question's words OR-ed, ranked by ``bm25``.
* ``Fts5(normalize=True)``: the same after converting both sides to
  Simplified, a reference for what script normalization alone is worth.
"""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterable

import jieba
from eval_corpus import Passage

jieba.setLogLevel(60)  # no "Building prefix dict" chatter in the tables


def _words(text: str) -> list[str]:
    # jieba's default mode, punctuation and spaces dropped.
    return [word for word in jieba.cut(text) if any(char.isalnum() for char in word)]


class NaiveWhoosh:
    """ChineseAnalyzer + Whoosh + an OR query over title and text."""

    name = "naive Whoosh"

    def __init__(self, passages: Iterable[Passage]):
        from jieba.analyse import ChineseAnalyzer
        from whoosh import fields, index
        from whoosh.qparser import MultifieldParser, OrGroup

        analyzer = ChineseAnalyzer()
        schema = fields.Schema(
            id=fields.ID(stored=True, unique=True),
            title=fields.TEXT(analyzer=analyzer),
            content=fields.TEXT(analyzer=analyzer),
        )
        # On disk: Whoosh's RamStorage shares one temporary folder between
        # processes, so two evaluations at once would collide.
        self._folder = tempfile.TemporaryDirectory(prefix="xunwen-naive-")
        self._index = index.create_in(self._folder.name, schema)
        with self._index.writer() as writer:
            for passage in passages:
                writer.add_document(id=passage.id, title=passage.title, content=passage.text)
        self._parser = MultifieldParser(["title", "content"], schema, group=OrGroup)
        self._searcher = self._index.searcher()

    def search(self, question: str, limit: int = 10) -> list[str]:
        try:
            query = self._parser.parse(question)
        except Exception:  # a naive script would crash; count it as no answer
            return []
        return [hit["id"] for hit in self._searcher.search(query, limit=limit)]


class Fts5:
    """SQLite FTS5 over jieba words, ranked by its bm25 (title and text columns)."""

    def __init__(self, passages: Iterable[Passage], normalize: bool = False):
        self.normalize = normalize
        self.name = "FTS5, Simplified" if normalize else "FTS5"
        # On disk in a temporary folder: an in-memory database would hold
        # every copy the evaluation builds at once.
        self._folder = tempfile.TemporaryDirectory(prefix="xunwen-fts5-")
        self._db = sqlite3.connect(f"{self._folder.name}/fts.db")
        self._db.execute("CREATE VIRTUAL TABLE passages USING fts5(pid UNINDEXED, title, text)")
        rows = ((p.id, " ".join(self._words(p.title)), " ".join(self._words(p.text))) for p in passages)
        self._db.executemany("INSERT INTO passages VALUES (?, ?, ?)", rows)
        self._db.commit()

    def _words(self, text: str) -> list[str]:
        if self.normalize:
            from search.normalize import normalize_for_search

            text = normalize_for_search(text)
        return _words(text)

    def search(self, question: str, limit: int = 10) -> list[str]:
        words = dict.fromkeys(word.replace('"', "") for word in self._words(question))
        expression = " OR ".join(f'"{word}"' for word in words if word)
        if not expression:
            return []
        rows = self._db.execute(
            "SELECT pid FROM passages WHERE passages MATCH ? ORDER BY bm25(passages) LIMIT ?",
            (expression, limit),
        )
        return [pid for (pid,) in rows]
