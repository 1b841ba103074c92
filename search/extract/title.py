"""The head of an article (title block, bylines, datelines, labelled lines) and its title.

Scraped articles open with a block of short lines before the body: navigation
crumbs, the title (sometimes with a kicker above it or a "——" subtitle below),
bylines, a timestamp, a source line. ``split_head`` sorts those lines into
roles once, so the title, date and source extractors read the same layout.
Everything is matched on the Simplified form of a line, so one set of patterns
serves both scripts; returned text stays in the article's own script.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from typing import Any

# The head and tail of an article live in ``search.extract.layout`` (source and
# date extraction read them too); the names stay importable from here.
from search.extract.layout import (  # noqa: F401
    _HAN_RE,
    _SENTENCE_END_RE,
    HEAD_CHARS,
    HEAD_LINES,
    LABELS,
    LEAD_LINES,
    LINE_CHARS,
    TAIL_LINE_CHARS,
    TAIL_LINES,
    TITLE_MAX_LINES,
    Head,
    HeadLine,
    TailLine,
    _bracket_label,
    clean_title,
    date_line_rest,
    line_labels,
    split_head,
    tail_lines,
)

DERIVED_TITLE_CHARS = 30


@dataclass(frozen=True)
class Title:
    """An article's title and how it was found."""

    text: str
    derived: bool
    basis: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def extract_title(text: str) -> Title | None:
    """The article's title: a labelled title, else the first meaningful line(s) of
    the head, else a short title derived from the first sentence (``derived``)."""
    head = split_head(text)
    labelled = _labelled_title(head)
    if labelled:
        return Title(labelled, False, "标题 label")
    block = head.title_lines()
    if block:
        return Title(clean_title(_join_title_lines([line.text for line in block])), False, "first line")
    derived = derive_title(text, head)
    if derived:
        return Title(derived, True, "derived from first sentence")
    return None


def _labelled_title(head: Head) -> str | None:
    for number, line in enumerate(head.lines):
        if line.role != "label":
            continue
        for label, _ in line_labels(line.simplified):
            if label in ("标题", "题目"):
                value = _label_value(line.text)
                return _join_title_lines([value, *_title_continuation(head.lines[number + 1 :])]) or None
    return None


def _title_continuation(followers: tuple[HeadLine, ...]) -> list[str]:
    """Lines that continue a labelled title: a wrapped subtitle ("——纪念…周年"), or
    any short lines between the title label and the next label."""
    parts: list[str] = []
    for follower in followers[:3]:
        if follower.role == "label":
            return parts
        parts.append(follower.text)
    # No label closes them: only what is plainly a subtitle.
    kept = []
    for part in parts:
        if not part.startswith(("——", "—", "(", "（", "--")):
            break
        kept.append(part)
    return kept


def _label_value(line: str) -> str:
    bracket = _bracket_label(line)
    if bracket:
        return bracket.group(2).strip()
    return re.split(r"[:：]", line, maxsplit=1)[-1].strip()


def _join_title_lines(parts: list[str]) -> str:
    joined = ""
    for part in parts:
        part = part.strip()
        if not joined:
            joined = part
        elif part.startswith(("——", "—", "--", "(", "（")):
            joined += part
        else:
            joined += " " + part
    return re.sub(r"\s{2,}", " ", joined)


_OPENER_PREFIX_RE = re.compile(
    r"^(?:[（(【\[][^）)】\]]{2,30}(?:电|讯|报道)[）)】\]]|\S{0,12}?(?:报|网|台|社)讯\s*(?:[（(][^）)]{0,24}[）)])?|据\S{2,20}?电)\s*"
)
_CLAUSE_RE = re.compile(r"[，,、：:]")


def derive_title(text: str, head: Head | None = None) -> str | None:
    """A short title from the first sentence of the body, cut at a clause boundary."""
    head = head or split_head(text)
    for simplified, original in zip(head.lead, head.lead_original, strict=True):
        # Offsets found in the Simplified line hold in the original (t2s keeps length),
        # so the title is shown in the article's own script.
        opener = _OPENER_PREFIX_RE.match(simplified)
        start = opener.end() if opener else 0
        end = _SENTENCE_END_RE.search(simplified, start)
        sentence = original[start : end.start() if end else len(original)].strip()
        if len(_HAN_RE.findall(sentence)) >= 4:
            return _shorten(sentence, DERIVED_TITLE_CHARS)
    return None


def _shorten(sentence: str, limit: int) -> str:
    if len(sentence) <= limit:
        return sentence.rstrip("，,、：:")
    cut = max((match.start() for match in _CLAUSE_RE.finditer(sentence[: limit + 1])), default=0)
    return sentence[:cut] if cut >= limit // 2 else sentence[:limit]
