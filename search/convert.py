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

from search.normalize import code_points

_OPENCC_DIR = Path(opencc.__file__).parent
# OpenCC's own list of sentence separators (from its PhraseExtract.cpp).
_SEPARATORS = opencc.OpenCC().split_chars_re


@dataclass(frozen=True)
class _Table:
    """One OpenCC dictionary: entries, and how to find them fast."""

    entries: dict[str, str]  # key -> first candidate
    singles: dict[int, str]  # one-character keys, as a translate table
    longer: dict[str, tuple[int, ...]]  # first two characters -> lengths over 2 of keys, longest first
    pair_codes: np.ndarray  # the first two characters of every key, as sorted int64 codes
    pair_is_key: np.ndarray  # per code: those two characters are a key themselves
    pair_has_longer: np.ndarray  # per code: longer keys start with them


def _pair_codes(points: np.ndarray) -> np.ndarray:
    return (points[:-1].astype(np.int64) << 21) | points[1:].astype(np.int64)


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
    # A pair's code as _pair_codes makes it, in plain Python (NumPy per pair took 0.5 s at start-up).
    pairs = sorted(lengths, key=lambda pair: ord(pair[0]) << 21 | ord(pair[1]))
    codes = np.array([ord(pair[0]) << 21 | ord(pair[1]) for pair in pairs], dtype=np.int64)
    longer = {
        pair: tuple(sorted((n for n in found if n > 2), reverse=True)) for pair, found in lengths.items()
    }
    is_key = np.array([2 in lengths[pair] for pair in pairs], dtype=bool)
    has_longer = np.array([bool(longer[pair]) for pair in pairs], dtype=bool)
    return _Table(entries, singles, {p: n for p, n in longer.items() if n}, codes, is_key, has_longer)


def _occurrences(text: str, table: _Table) -> tuple[np.ndarray, np.ndarray]:
    """(starts, lengths) of every occurrence of every entry of ``table`` in ``text``."""
    starts: list[np.ndarray] = []
    lengths: list[np.ndarray] = []
    if table.singles:
        ones = np.array(
            [start for start, char in enumerate(text) if ord(char) in table.singles], dtype=np.int64
        )
        starts.append(ones)
        lengths.append(np.ones(len(ones), dtype=np.int64))
    if len(text) >= 2 and len(table.pair_codes):
        pairs = _pair_codes(code_points(text))
        codes = table.pair_codes  # sorted: a binary search, not np.isin's sort of both sides per call
        slot = np.minimum(np.searchsorted(codes, pairs), len(codes) - 1)
        known = codes[slot] == pairs
        twos = np.flatnonzero(known & table.pair_is_key[slot])
        starts.append(twos)
        lengths.append(np.full(len(twos), 2, dtype=np.int64))
        entries, longer, found = table.entries, table.longer, []
        size = len(text)
        for start in np.flatnonzero(known & table.pair_has_longer[slot]).tolist():
            for length in longer[text[start : start + 2]]:
                # (a slice past the end is shorter than ``length`` and could be another key)
                if start + length <= size and text[start : start + length] in entries:
                    found.append((start, length))
        if found:
            more = np.array(found, dtype=np.int64)
            starts.append(more[:, 0])
            lengths.append(more[:, 1])
    if not starts:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    return np.concatenate(starts), np.concatenate(lengths)


def _matches(text: str, table: _Table) -> list[tuple[int, int]]:
    """The (start, end) spans OpenCC converts with ``table``: longest first,
    leftmost among equals, none overlapping one taken before; by start."""
    starts, lengths = _occurrences(text, table)
    covered = np.zeros(len(text) + 1, dtype=np.int64)  # running count of covered characters, shifted by one
    taken: list[tuple[int, int]] = []
    for length in sorted(set(lengths.tolist()), reverse=True):
        candidates = np.sort(starts[lengths == length])
        free = candidates[covered[candidates + length] == covered[candidates]]  # inside no longer match
        chosen, end = [], -1
        for start in free.tolist():  # equally long ones: the leftmost of overlapping ones
            if start >= end:
                chosen.append(start)
                end = start + length
        if chosen:
            marks = np.zeros(len(text) + 1, dtype=np.int64)
            first = np.array(chosen, dtype=np.int64)
            np.add.at(marks, first, 1)
            np.add.at(marks, first + length, -1)
            inside = np.cumsum(marks)[:-1] > 0
            covered[1:] += np.cumsum(inside)
            taken.extend((start, start + length) for start in chosen)
    taken.sort()
    return taken


def _is_characters(table: _Table) -> bool:
    return not table.pair_codes.size


def _apply_group(text: str, tables: tuple[_Table, ...]) -> str:
    """One group of the conversion chain: the first table's matches, the rest in the gaps."""
    if not text or not tables:
        return text
    table, rest = tables[0], tables[1:]
    if not rest and _is_characters(table):
        return text.translate(table.singles)
    # Characters alone convert each one on its own: the gaps are slices of one translation.
    whole = text.translate(rest[0].singles) if len(rest) == 1 and _is_characters(rest[0]) else None
    pieces, position = [], 0
    for start, end in _matches(text, table):
        pieces.append(
            whole[position:start] if whole is not None else _apply_group(text[position:start], rest)
        )
        pieces.append(table.entries[text[start:end]])
        position = end
    pieces.append(whole[position:] if whole is not None else _apply_group(text[position:], rest))
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
