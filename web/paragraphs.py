"""Readable paragraphs of a document's marked-up text, for display only.

Some sources store an article as one long line (新闻联播 items of 900
characters, tw_news articles of 2,000). The page splits such a line after a
sentence end once a paragraph is long enough; the stored text, its offsets
and the marks are unchanged (a mark is never split: a sentence end inside a
mark waits for the mark to close).
"""

from __future__ import annotations

import re

# Measured on the corpus (lines of text, characters): xwlb paragraphs are
# 72 at the median and 153 at p90, chinatimes 105 / 163; tw_news keeps whole
# articles on one line (679 median). A line up to SPLIT_ABOVE is a paragraph as
# written; a longer one is cut at the first sentence end after PARAGRAPH_CHARS,
# unless fewer than MIN_TAIL characters would be left.
SPLIT_ABOVE = 240
PARAGRAPH_CHARS = 150
MIN_TAIL = 40
SENTENCE_END = "。！？；!?"
# A run this long without a sentence end (lists, transcripts punctuated with
# commas only) is cut at a comma: xwlb has one-line items with 800 of them.
LONGEST_SENTENCE = 3 * PARAGRAPH_CHARS
CLAUSE_END = "，,"
CLOSERS = "”’」』）)》"  # a closing quote or bracket stays with its sentence

_PIECE_RE = re.compile(r"(<[^>]*>|&[#\w]+;)")


def _text_length(html: str) -> int:
    return sum(1 if piece.startswith("&") else 0 if piece.startswith("<") else len(piece)
               for piece in _PIECE_RE.split(html) if piece)  # fmt: skip


def _cut_points(line: str) -> list[int]:
    """Offsets into ``line`` (HTML) after which a new paragraph starts."""
    total = _text_length(line)
    cuts: list[int] = []
    depth = seen = since_cut = 0
    position = 0
    pending = False  # a sentence ended where a cut may go
    for piece in _PIECE_RE.split(line):
        if piece.startswith("<"):
            opening = not piece.startswith("</")
            if opening and pending and depth == 0 and total - seen >= MIN_TAIL:
                cuts.append(position)  # before a mark that opens the next sentence
                since_cut, pending = 0, False
            depth += 1 if opening else -1
            position += len(piece)
            continue
        units = [piece] if piece.startswith("&") else list(piece)
        for unit in units:
            if pending and unit not in CLOSERS and depth == 0:
                if total - seen >= MIN_TAIL:
                    cuts.append(position)
                    since_cut = 0
                pending = False
            position += len(unit)
            seen += 1
            since_cut += 1
            if unit in SENTENCE_END and since_cut >= PARAGRAPH_CHARS:
                pending = True
            elif unit in CLAUSE_END and since_cut >= LONGEST_SENTENCE:
                pending = True  # no sentence end for this long: a comma will do
    return cuts


def split_paragraphs(html: str) -> list[str]:
    """The paragraphs of marked HTML: its own lines, long ones cut at sentence ends."""
    paragraphs = []
    for line in html.split("\n"):
        if not line.strip():
            continue
        if _text_length(line) <= SPLIT_ABOVE:
            paragraphs.append(line)
            continue
        start = 0
        for cut in _cut_points(line):
            paragraphs.append(line[start:cut])
            start = cut
        paragraphs.append(line[start:])
    return paragraphs
