"""Conditions on the text for analysts: proximity and frequency.

    地震 NEAR/10 救援     both, with at most 10 characters between them, either order
    "地震 救援"~10        every word of the quote, in any order, within 10 characters of each other
    atleast3:疫情         疫情 at least three times

A condition is found in the query text before the rest is parsed
(``split_conditions``) and is ANDed with the rest of the query. Its parts are
matched like any clause (so a candidate holds every part), then each
candidate's stored text is checked (``satisfies``): distances and counts are
in characters of the normalized text (Simplified, ASCII lower-cased), within
one field, the title or the body. Everything here is pure.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_DISTANCE = 1000
MAX_COUNT = 1000

_PART = r'(?:"[^"]+"|“[^”]+”|「[^」]+」|[^\s"“「()（）]+)'
_NEAR_RE = re.compile(rf"({_PART})\s+NEAR/(\d+)\s+({_PART})")
_SLOP_RE = re.compile(r'(?:"([^"]+)"|“([^”]+)”|「([^」]+)」)~(\d+)')
_ATLEAST_RE = re.compile(r"(?<!\S)atleast(\d+):(" + _PART + ")", re.IGNORECASE)
_STRAY_RE = re.compile(r"(?<!\S)NEAR/\d+(?!\S)")
_QUOTES = '"“”「」'


@dataclass(frozen=True)
class Condition:
    """``kind`` is ``near`` (``parts`` within ``number`` characters) or ``count``
    (``parts[0]`` at least ``number`` times); ``text`` is what was typed."""

    kind: str
    parts: tuple[str, ...]  # as typed (quotes removed)
    number: int
    text: str


def _unquote(part: str) -> str:
    return part.strip(_QUOTES).strip()


def split_conditions(text: str) -> tuple[str, list[Condition], list[str]]:
    """The query text without its conditions, the conditions, and notes."""
    conditions: list[Condition] = []
    notes: list[str] = []

    def take(kind: str, parts: tuple[str, ...], number: str, typed: str) -> str:
        value = int(number)
        limit = MAX_DISTANCE if kind == "near" else MAX_COUNT
        if value > limit:
            notes.append(f"{typed}: {value} is more than {limit}; {limit} is used")
            value = limit
        parts = tuple(part for part in (_unquote(p) for p in parts) if part)
        if parts:
            conditions.append(Condition(kind, parts, value, typed))
        return " "

    text = _NEAR_RE.sub(lambda m: take("near", (m[1], m[3]), m[2], m[0]), text)
    text = _SLOP_RE.sub(lambda m: take("near", tuple((m[1] or m[2] or m[3]).split()), m[4], m[0]), text)
    text = _ATLEAST_RE.sub(lambda m: take("count", (m[2],), m[1], m[0]), text)
    if _STRAY_RE.search(text):
        notes.append("NEAR/N needs a word or quoted text on each side: searched as text")
    return text, conditions, notes


def occurrences(text: str, needle: str) -> list[int]:
    """Start offsets of every occurrence of ``needle`` in ``text`` (overlaps included)."""
    found, start = [], text.find(needle)
    while start != -1 and needle:
        found.append(start)
        start = text.find(needle, start + 1)
    return found


def count(text: str, needle: str) -> int:
    """Non-overlapping occurrences of ``needle`` (``str.count``'s rule)."""
    return text.count(needle) if needle else 0


def smallest_gap(text: str, parts: tuple[str, ...]) -> int | None:
    """The fewest characters between and around the parts in the tightest
    stretch of ``text`` holding all of them (None if one is missing): the
    stretch's length minus the parts' lengths. Overlapping parts give 0."""
    marks = sorted((start, number) for number, part in enumerate(parts) for start in occurrences(text, part))
    wanted = len(set(parts))
    kinds = {part: number for number, part in enumerate(dict.fromkeys(parts))}
    lengths = sum(len(part) for part in dict.fromkeys(parts))
    seen: dict[int, int] = {}
    best: int | None = None
    left = 0
    for right, (_start, number) in enumerate(marks):
        kind = kinds[parts[number]]
        seen[kind] = seen.get(kind, 0) + 1
        while len(seen) == wanted:
            first = marks[left][0]
            end = max(s + len(parts[n]) for s, n in marks[left : right + 1])
            gap = max(0, end - first - lengths)
            best = gap if best is None else min(best, gap)
            left_kind = kinds[parts[marks[left][1]]]
            seen[left_kind] -= 1
            if not seen[left_kind]:
                del seen[left_kind]
            left += 1
    return best


def satisfies(condition: Condition, normalized_parts: tuple[str, ...], texts: tuple[str, ...]) -> bool:
    """Whether one of the normalized ``texts`` (title, body) meets the condition."""
    if condition.kind == "count":
        return any(count(text, normalized_parts[0]) >= condition.number for text in texts)
    for text in texts:
        gap = smallest_gap(text, normalized_parts)
        if gap is not None and gap <= condition.number:
            return True
    return False
