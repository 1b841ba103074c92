"""Script conversion for reading, fast, from OpenCC's own configs and tables.

``opencc-python-reimplemented`` converts about 0.5 MB of text a second: one
long article shown in Traditional script cost 4 s of CPU per request. This
module gives the same output (a test compares them on the corpus) for any of
its configs (``s2t``, ``t2s``, ``s2tw``, ``s2hk``, ...), several times faster:

* the text is cut at OpenCC's separators (spaces, punctuation), which no
  dictionary entry can span, so the cut needs no code here: an entry that
  holds a separator is dropped, it never matches in OpenCC either;
* within a dictionary group, OpenCC takes the longest entry found anywhere in a
  piece (the leftmost of equally long ones), converts it and goes on in the
  pieces to its left and right; what no entry of the group's first table
  covers goes to the next table. Taking every occurrence, longest first, and
  keeping those that overlap none kept before, selects the same entries;
* occurrences are found only where the text's character pair starts an entry
  (a NumPy binary search over all pairs), and a table of single characters is a
  ``str.translate``.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import opencc

_OPENCC_DIR = Path(opencc.__file__).parent
# OpenCC's own list of sentence separators (from its PhraseExtract.cpp).
_SEPARATORS = opencc.OpenCC().split_chars_re


@dataclass(frozen=True)
class _Table:
    """One OpenCC dictionary: entries, and how to find them fast."""

    entries: dict[str, str]  # key -> first candidate
    singles: dict[int, str]  # one-character keys, as a translate table
    pair_lengths: dict[str, tuple[int, ...]]  # first two characters -> key lengths, longest first
    pair_codes: np.ndarray  # those pairs as sorted int64 codes


def _pair_code(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    return (first.astype(np.int64) << 21) | second.astype(np.int64)


def _code_points(text: str) -> np.ndarray:
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


@functools.cache
def _table(name: str) -> _Table:
    """A dictionary file read as OpenCC reads it (a later line wins)."""
    entries: dict[str, str] = {}
    with open(_OPENCC_DIR / "dictionary" / name, encoding="utf-8") as handle:
        for line in handle:
            key, _, values = line.strip().partition("\t")
            value = values.split(" ")[0]
            if key and value and not _SEPARATORS.search(key):
                entries[key] = value
    singles = {ord(key): value for key, value in entries.items() if len(key) == 1}
    lengths: dict[str, set[int]] = {}
    for key in entries:
        if len(key) > 1:
            lengths.setdefault(key[:2], set()).add(len(key))
    pair_lengths = {pair: tuple(sorted(found, reverse=True)) for pair, found in lengths.items()}
    points = [_code_points(pair) for pair in pair_lengths]
    codes = np.array(sorted(int(_pair_code(p[:1], p[1:2])[0]) for p in points), dtype=np.int64)
    return _Table(entries, singles, pair_lengths, codes)


def _occurrences(text: str, table: _Table) -> list[tuple[int, int]]:
    """(length, start) of every occurrence of every entry of ``table`` in ``text``."""
    found = []
    if table.singles:
        found = [(1, start) for start, char in enumerate(text) if ord(char) in table.singles]
    if len(text) < 2 or not table.pair_lengths:
        return found
    points = _code_points(text)
    pairs = _pair_code(points[:-1], points[1:])
    entries, pair_lengths = table.entries, table.pair_lengths
    codes = table.pair_codes  # sorted: a binary search, not np.isin's sort of both sides per call
    known = codes[np.minimum(np.searchsorted(codes, pairs), len(codes) - 1)] == pairs
    for start in np.flatnonzero(known).tolist():
        for length in pair_lengths[text[start : start + 2]]:
            if text[start : start + length] in entries:
                found.append((length, start))
    return found


def _matches(text: str, table: _Table) -> list[tuple[int, int]]:
    """The (start, end) spans OpenCC converts with ``table``: longest first,
    leftmost among equals, none overlapping one taken before; by start."""
    taken = []
    covered = bytearray(len(text))
    for length, start in sorted(_occurrences(text, table), key=lambda o: (-o[0], o[1])):
        end = start + length
        if covered.find(1, start, end) == -1:
            covered[start:end] = b"\x01" * length
            taken.append((start, end))
    taken.sort()
    return taken


def _apply_group(text: str, tables: tuple[_Table, ...]) -> str:
    """One group of the conversion chain: the first table's matches, the rest in the gaps."""
    if not text or not tables:
        return text
    table, rest = tables[0], tables[1:]
    if not rest and not table.pair_lengths:
        return text.translate(table.singles)
    pieces, position = [], 0
    for start, end in _matches(text, table):
        pieces.append(_apply_group(text[position:start], rest))
        pieces.append(table.entries[text[start:end]])
        position = end
    pieces.append(_apply_group(text[position:], rest))
    return "".join(pieces)


def _group_files(node: dict) -> list[str]:
    if node.get("type") == "group":
        return [name for child in node.get("dicts", []) for name in _group_files(child)]
    return [node["file"]]


@functools.cache
def _chain(conversion: str) -> tuple[tuple[_Table, ...], ...]:
    """The conversion chain of an OpenCC config (``s2t``, ``s2tw``, ...) as tables."""
    with open(_OPENCC_DIR / "config" / f"{conversion}.json", encoding="utf-8") as handle:
        config = json.load(handle)
    return tuple(
        tuple(_table(name) for name in _group_files(step["dict"])) for step in config["conversion_chain"]
    )


def convert(text: str, conversion: str) -> str:
    """``text`` converted by the OpenCC config ``conversion``, as OpenCC would."""
    for group in _chain(conversion):
        text = _apply_group(text, group)
    return text
