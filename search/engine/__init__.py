"""The engine: the only package that imports Whoosh's internals or patches Whoosh.

Posting reads (``postings``), query-tree evaluation (``evaluate``), stored
texts (``stored``), facet columns (``columns``), per-generation caches
(``generation``), running a match plan (``execute``), the segment writer and
the parallel writer, and the fixes (``fixes``), applied here when an index is
opened and by the writers when they start. See ``README.md`` in this folder.
"""

from __future__ import annotations

from pathlib import Path

from whoosh import index as whoosh_index

from search.engine import fixes
from search.schema import INDEX_NAME


def index_exists(index_dir: str | Path) -> bool:
    """Whether ``index_dir`` holds a xunwen index (only looks)."""
    return whoosh_index.exists_in(str(index_dir), indexname=INDEX_NAME)


def open_for_search(index_dir: str | Path) -> whoosh_index.Index:
    """Open an index for searching: fixes applied, segment bytes shared per process."""
    if not index_exists(index_dir):
        raise FileNotFoundError(f"no xunwen index in {index_dir}")
    fixes.apply()
    fixes.share_segment_bytes()  # one copy of the index per process, not per thread
    return whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME)
