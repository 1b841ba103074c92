"""The analysis version recorded beside an index: which normalization built it.

``search.normalize.ANALYSIS_VERSION`` changes whenever the normalized form
changes (a new fold, a new cleaning step); an index built with another version
holds other terms, so it must be rebuilt before it is updated or trusted.
"""

from __future__ import annotations

import json
from pathlib import Path

from search.normalize import ANALYSIS_FILE, ANALYSIS_VERSION


class AnalysisVersionError(RuntimeError):
    """The index was built with another analysis version: it needs ``--rebuild``."""


def read_analysis_version(index_dir: str | Path) -> int | None:
    """The version recorded in ``index_dir``; None when none is (an index older than the record)."""
    try:
        return int(json.loads((Path(index_dir) / ANALYSIS_FILE).read_text(encoding="utf-8"))["version"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def write_analysis_version(index_dir: str | Path) -> None:
    """Record the running code's analysis version in ``index_dir``."""
    path = Path(index_dir) / ANALYSIS_FILE
    path.write_text(json.dumps({"version": ANALYSIS_VERSION}) + "\n", encoding="utf-8")


def version_mismatch(index_dir: str | Path) -> str | None:
    """A sentence saying the index needs rebuilding, or None when its version is current."""
    found = read_analysis_version(index_dir)
    if found == ANALYSIS_VERSION:
        return None
    built = f"analysis version {found}" if found is not None else "an older analysis (no analysis.json)"
    return (
        f"the index in {index_dir} was built with {built}, this code uses version "
        f"{ANALYSIS_VERSION}: rebuild it (xunwen index --rebuild ...)"
    )
