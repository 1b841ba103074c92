"""xunwen's library: loading, cleaning, normalization, analysis, extraction,
indexing and searching of Chinese news. ``open_index`` is the entry point."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from search.searcher import SearchIndex

__all__ = ["open_index"]


def open_index(path: str | Path = "index") -> SearchIndex:
    """Open the index in ``path``; its ``search()`` returns plain dicts."""
    from search.searcher import SearchIndex

    return SearchIndex(path)
