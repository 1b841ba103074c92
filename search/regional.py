"""Regional vocabulary: mainland, Taiwan and Hong Kong words for the same thing.

``search/data/regional.tsv`` (built by ``scripts/build_regional.py`` from
OpenCC's and MediaWiki's regional tables, ambiguous pairs left out) holds
pairs in normalized form; a query word also matches its equivalents.
"""

from __future__ import annotations

import functools
from pathlib import Path

_TABLE = Path(__file__).parent / "data" / "regional.tsv"


@functools.cache
def _groups() -> tuple[dict[str, frozenset[str]], dict[str, str]]:
    """{normalized word: its group} and {normalized word: the form as the table writes it}."""
    members: dict[str, set[str]] = {}
    written: dict[str, str] = {}
    for line in _TABLE.read_text(encoding="utf-8").splitlines():
        if not line or line.startswith("#"):
            continue
        mainland, regional, _region, display = line.split("\t")[:4]
        group = members.get(mainland, {mainland}) | members.get(regional, {regional})
        for word in group:
            members[word] = group
        written.setdefault(regional, display)
    return {word: frozenset(group) for word, group in members.items()}, written


def equivalents(word: str) -> tuple[str, ...]:
    """The other regions' words for ``word`` (normalized forms, sorted; the word itself excluded)."""
    group = _groups()[0].get(word)
    return tuple(sorted(group - {word})) if group else ()


def as_written(word: str) -> str:
    """A normalized equivalent as its region writes it (软体 as 軟體), for notes."""
    return _groups()[1].get(word, word)


def table_words() -> frozenset[str]:
    """Every normalized word of the table (for evaluations that sample it)."""
    return frozenset(_groups()[0])
