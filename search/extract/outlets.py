"""The known news outlets (``search/data/sources.tsv``) and generic outlet
names ("…日报", "…新闻网"): read by the head/tail layout and by source extraction."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from search.normalize import to_simplified

_SOURCES_FILE = Path(__file__).resolve().parents[1] / "data" / "sources.tsv"

# 网 or 新闻 would also take "北市府稍早发布新闻", so those count only in a 来源 line.
_OUTLET_SUFFIX = (
    r"(?:日报|晚报|早报|时报|商报|导报|快报|都市报|青年报|新闻网|新闻云|电视台|广播电台|通讯社|新闻社)"
)
_GENERIC_OUTLET_RE = re.compile(rf"(?<![本\u4e00-\u9fff])([\u4e00-\u9fffA-Za-z]{{2,10}}?{_OUTLET_SUFFIX})")


@functools.cache
def _aliases() -> dict[str, str]:
    table: dict[str, str] = {}
    for line in _SOURCES_FILE.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        alias, _, canonical = line.partition("\t")
        alias = to_simplified(alias.strip())
        table[alias] = to_simplified(canonical.strip()) or alias
        table.setdefault(alias.lower(), table[alias])
    return table


@functools.cache
def outlet_names() -> frozenset[str]:
    """Every known outlet name and alias, Simplified (a line that is only one of
    these is an outlet line, not a title)."""
    return frozenset(_aliases())


@functools.cache
def _known_outlet_re() -> re.Pattern[str]:
    names = sorted((name for name in _aliases() if len(name) >= 2), key=len, reverse=True)
    return re.compile("|".join(re.escape(name) for name in names), re.IGNORECASE)


def remove_outlets(simplified: str) -> str:
    """``simplified`` with outlet names taken out (known ones, and "…日报", "…新闻网")."""
    return _GENERIC_OUTLET_RE.sub("", _known_outlet_re().sub("", simplified))
