"""The query language: parsing user text and building Whoosh queries.

Nothing here runs a search (``search.searcher`` does), so every rule can be
tested without an index. The parser is lenient: malformed syntax (an
unbalanced quote, a lone ``OR``, stray brackets) is searched as literal text
and reported in ``ParsedQuery.notes``, never raised.

Syntax::

    新乡 发展            every word must match (a query typed without spaces is several words)
    "高质量发展"          verbatim text (also “…” and 「…」)
    新乡 OR 郑州          either side (also |)
    -疫情  NOT 疫情       exclude
    source:河南日报       field filters: source, province, city, county, region, topic, year, title
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

from whoosh import query as wq

from search.analysis import bigrams, segment_words
from search.normalize import clean_characters, normalize_for_search, to_simplified
from search.ranking import (
    LONG_QUERY_MIN_SHARE,
    LONG_QUERY_WORDS,
    STOP_WORDS,
    TITLE_BOOST,
    VERBATIM_SCORE,
)

MAX_QUERY_CHARS = 1000  # longer text is cut (and said so); keeps work bounded
MAX_CLAUSES = 64

FIELD_FILTERS = ("source", "province", "city", "county", "region", "topic", "year")
_OPEN_QUOTES = {'"': '"', "“": "”", "「": "」", "『": "』", "＂": "＂"}
_TOKEN_RE = re.compile(r"\s+|[()（）]")


@dataclass(frozen=True)
class Clause:
    """One searchable unit: words typed together, or a quoted phrase."""

    text: str  # as typed (cleaned)
    quoted: bool = False
    field: str | None = None  # "title" to search titles only

    @property
    def normalized(self) -> str:
        return normalize_for_search(self.text)


@dataclass
class ParsedQuery:
    """A query as structure: AND of OR-groups, exclusions, filters, notes."""

    groups: list[list[Clause]] = field(default_factory=list)  # AND of ORs
    excluded: list[Clause] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # what the lenient parser recovered from

    @property
    def is_empty(self) -> bool:
        return not self.groups and not self.excluded

    def clauses(self) -> list[Clause]:
        return [clause for group in self.groups for clause in group]


def _split_quotes(text: str, notes: list[str]) -> list[tuple[str, bool]]:
    """Pieces of the text as (piece, quoted); an unclosed quote is literal."""
    pieces: list[tuple[str, bool]] = []
    position = 0
    buffer = []
    while position < len(text):
        char = text[position]
        closing = _OPEN_QUOTES.get(char)
        if closing is not None:
            end = text.find(closing, position + 1)
            if end == -1:
                notes.append("unbalanced quote: searched as plain text")
                buffer.append(text[position + 1 :])
                break
            pieces.append(("".join(buffer), False))
            buffer = []
            pieces.append((text[position + 1 : end], True))
            position = end + 1
            continue
        buffer.append(char)
        position += 1
    pieces.append(("".join(buffer), False))
    return [(piece, quoted) for piece, quoted in pieces if piece.strip() or quoted]


def parse_query(text: str) -> ParsedQuery:
    """Parse user text into a ``ParsedQuery``; never raises."""
    parsed = ParsedQuery()
    text = clean_characters(text or "")
    if len(text) > MAX_QUERY_CHARS:
        parsed.notes.append(f"query cut to its first {MAX_QUERY_CHARS} characters")
        text = text[:MAX_QUERY_CHARS]
    join_next = False  # the previous token was OR
    negate_next = False
    for piece, quoted in _split_quotes(text, parsed.notes):
        tokens = [(piece.strip(), True)] if quoted else [(t, False) for t in _TOKEN_RE.split(piece) if t]
        for token, is_quoted in tokens:
            if not token:
                continue
            if not is_quoted and token in ("OR", "|", "||"):
                join_next = bool(parsed.groups)
                if not parsed.groups:
                    parsed.notes.append("OR with nothing before it: ignored")
                continue
            if not is_quoted and token in ("NOT", "AND", "&&"):
                negate_next = token == "NOT"
                continue
            negated = negate_next
            negate_next = False
            if not is_quoted and token.startswith("-") and len(token) > 1:
                negated, token = True, token[1:]
            clause_field = None
            if not is_quoted and ":" in token:
                name, _, value = token.partition(":")
                if name.lower() in FIELD_FILTERS and value:
                    parsed.filters.setdefault(name.lower(), []).append(to_simplified(value))
                    join_next = False
                    continue
                if name.lower() == "title" and value:
                    clause_field, token = "title", value
            if not any(char.isalnum() for char in token):
                continue  # punctuation alone matches nothing useful
            clause = Clause(token, quoted=is_quoted, field=clause_field)
            if negated:
                parsed.excluded.append(clause)
            elif join_next and parsed.groups:
                parsed.groups[-1].append(clause)
            else:
                parsed.groups.append([clause])
            join_next = False
            if len(parsed.groups) + len(parsed.excluded) >= MAX_CLAUSES:
                parsed.notes.append(f"only the first {MAX_CLAUSES} terms are used")
                return parsed
    if join_next:
        parsed.notes.append("OR with nothing after it: ignored")
    if negate_next:
        parsed.notes.append("NOT with nothing after it: ignored")
    return parsed


# ---------------------------------------------------------------------------
# Building Whoosh queries
# ---------------------------------------------------------------------------


def query_words(clause: Clause, drop_stop_words: bool = False) -> list[str]:
    """The words of a clause in query mode (one consistent segmentation)."""
    words = segment_words(clause.text)
    if drop_stop_words:
        kept = [word for word in words if word not in STOP_WORDS]
        words = kept or words
    return words


def _word_query(word: str, clause_field: str | None) -> wq.Query:
    if clause_field == "title":
        return wq.Term("title", word)
    return wq.Or([wq.Term("title", word, boost=TITLE_BOOST), wq.Term("body", word)])


def verbatim_query(normalized: str) -> wq.Query | None:
    """Documents holding every character bigram of the text (a superset of
    those containing it verbatim); None for text under two characters."""
    grams = sorted(bigrams(normalized))
    if not grams:
        return None
    return wq.And([wq.Term("chars", gram) for gram in grams])


def phrase_query(words: list[str], clause_field: str | None) -> wq.Query:
    if len(words) == 1:
        return _word_query(words[0], clause_field)
    if clause_field == "title":
        return wq.Phrase("title", words)
    return wq.Or([wq.Phrase("title", words, boost=TITLE_BOOST), wq.Phrase("body", words)])


def clause_query(clause: Clause) -> wq.Query:
    """Match-and-score query of one clause.

    Words must all match (as words), or the clause's text must occur
    verbatim, which catches text that jieba cut differently in the document
    (``量发`` inside ``高质量发展``).
    """
    words = query_words(clause)
    if not words:
        return wq.NullQuery
    if clause.quoted:
        word_match = phrase_query(words, clause.field)
    else:
        word_match = wq.And([_word_query(word, clause.field) for word in words])
    verbatim = verbatim_query(clause.normalized)
    if verbatim is None:
        return word_match
    return wq.Or([word_match, wq.ConstantScoreQuery(verbatim, VERBATIM_SCORE)])


def is_long(parsed: ParsedQuery) -> bool:
    """Natural-language queries: one unquoted clause of many words."""
    clauses = parsed.clauses()
    if len(clauses) != 1 or clauses[0].quoted or parsed.excluded:
        return False
    return len(query_words(clauses[0], drop_stop_words=True)) > LONG_QUERY_WORDS


def long_query_words(parsed: ParsedQuery) -> list[str]:
    return list(dict.fromkeys(query_words(parsed.clauses()[0], drop_stop_words=True)))


def min_should_match(word_count: int) -> int:
    """How many words of a long query a document must match."""
    return max(1, math.ceil(word_count * LONG_QUERY_MIN_SHARE))


def scoring_query(parsed: ParsedQuery) -> wq.Query:
    """One query whose scores rank the documents the searcher matched."""
    if parsed.is_empty:
        return wq.Every()
    if is_long(parsed):
        return wq.Or([_word_query(word, None) for word in long_query_words(parsed)])
    groups = [wq.Or([clause_query(c) for c in group]) if len(group) > 1 else clause_query(group[0])
              for group in parsed.groups]  # fmt: skip
    return wq.And(groups) if len(groups) > 1 else (groups[0] if groups else wq.Every())


def highlight_terms(parsed: ParsedQuery) -> list[str]:
    """Normalized strings to mark in passages: whole clause texts and their words."""
    terms: list[str] = []
    for clause in parsed.clauses():
        normalized = clause.normalized.strip()
        if len(normalized) >= 2 or len(parsed.clauses()) == 1:
            terms.append(normalized)
        if not clause.quoted:
            words = query_words(clause, drop_stop_words=True)
            terms.extend(word for word in words if len(word) >= 2 or len(words) == 1)
    # Longest first, so that a mark covers the longest match.
    return sorted(dict.fromkeys(term for term in terms if term), key=len, reverse=True)
