"""One open index per app (so per process), opened on first use.

A ``SearchIndex`` keeps a searcher per thread and moves it to the newest
commit before every search, so a running server sees re-indexed documents
without a restart; opening it once keeps the per-generation facet columns
warm across requests. An index that does not exist yet is looked for again
on the next request. A folder deleted, replaced or damaged under the running
server is noticed by the ``SearchIndex`` itself (``search.engine.health``):
``IndexMissing`` and ``IndexDamaged`` are 503s (``web.errors``), and a new
index moved into place is opened on the next request.
"""

from __future__ import annotations

import threading

from flask import Flask, current_app

from search.searcher import SearchIndex, open_index

EXTENSION = "xunwen.index"


class IndexUnavailable(RuntimeError):
    """There is no index to search yet (a 503: the server's state, not the client's fault)."""


class IndexStore:
    """The app's ``SearchIndex``, opened lazily and exactly once."""

    def __init__(self, index_dir: str):
        self.index_dir = index_dir
        self._index: SearchIndex | None = None
        self._lock = threading.Lock()

    def get(self) -> SearchIndex:
        if self._index is None:
            with self._lock:
                if self._index is None:
                    try:
                        self._index = open_index(self.index_dir)
                    except FileNotFoundError:
                        raise IndexUnavailable("the index has not been built yet") from None
        return self._index


def init_app(app: Flask) -> None:
    app.extensions[EXTENSION] = IndexStore(str(app.config["INDEX_DIR"]))


def get_index() -> SearchIndex:
    """The current app's open index (raises ``IndexUnavailable``)."""
    return current_app.extensions[EXTENSION].get()
