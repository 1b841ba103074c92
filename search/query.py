"""The query language: parsing user text into a ``ParsedQuery``.

How a parsed query is matched and ranked is decided in ``search.plan``; nothing
here builds Whoosh queries or runs a search, so every rule can be tested
without an index. The parser is lenient: malformed syntax (an
unbalanced quote, a lone ``OR``, stray brackets) is searched as literal text
and reported in ``ParsedQuery.notes``, never raised.

Syntax::

    新乡 发展            every word must match (a query typed without spaces is several words;
                         function words such as 的 and 是 need not)
    "高质量发展"          verbatim text (also “…” and 「…」)
    新乡 OR 郑州          either side (also |)
    -疫情  NOT 疫情       exclude (also -"疫情防控")
    source:河南日报       field filters: source, province, city, county, region, topic, year, title
                         (also title:"高质量发展")

A question (锣鼓经是什么？) or a run of more than four words is natural
language: documents are ranked by how many of its words they match and need
only a quarter of them (``search.plan.is_long``, ``min_should_match``).

Wildcards (``*``, ``?``) and brackets are not operators: they separate words.
A query is cut after 1,000 characters, 64 terms or 40 words, with a note.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field

from search.analysis import tokenize
from search.normalize import clean_characters, normalize_for_search, to_simplified
from search.proximity import Condition, split_conditions
from search.regional import as_written, equivalents
from search.request import MAX_QUERY_CHARS, QUERY_FILTERS

# Longer queries are cut, and said so in the notes: every word is looked up
# (and the character pairs around it), so these bound the work of one search.
# A term is a word group, a quoted text, an alternative after OR or an
# exclusion; words are counted over all of them as jieba cuts them, function
# words included. 40 words hold a sentence of 60 characters (the longest
# known-item queries of the evaluation; of 3,000 such xwlb sentences the
# longest had 39). On the 75k-article corpus (2 busy cores) a search of 40
# words took about 2 s cold, one of 1,000 characters of prose (250 words) 7-11 s.
# (MAX_QUERY_CHARS = 1000 is stated in ``search.request``.)
MAX_CLAUSES = 64
MAX_QUERY_WORDS = 40

NOTHING_SEARCHABLE = "nothing searchable in the query (no letters, digits or characters): nothing found"
FIELD_FILTERS = QUERY_FILTERS  # name:value in the text (``search.request.FILTERS``)
_OPEN_QUOTES = {'"': '"', "“": "”", "「": "」", "『": "』", "＂": "＂"}
# Wildcards are not operators: like brackets, they separate words (新?乡 is 新 乡).
_TOKEN_RE = re.compile(r"\s+|[()（）*?]")


@dataclass(frozen=True)
class Clause:
    """One searchable unit: words typed together, or a quoted phrase."""

    text: str  # as typed (cleaned)
    quoted: bool = False
    field: str | None = None  # "title" to search titles only
    equivalent_of: str = ""  # an added regional equivalent: the text of the clause it stands for

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
    asks: bool = False  # the text ends with a question mark (outside any quotes)
    # Text was typed but none of it can be searched (。。, "", (), -): it finds
    # nothing, where an empty query browses everything.
    unsearchable: bool = False
    conditions: list[Condition] = field(default_factory=list)  # NEAR/N, "…"~N, atleastN: (ANDed)
    regional_added: bool = False  # the regional equivalents are in the groups (once)

    @property
    def is_empty(self) -> bool:
        return not self.groups and not self.excluded and not self.conditions

    def clauses(self) -> list[Clause]:
        return [clause for group in self.groups for clause in group]


# Written right before a quote, these apply to the quoted text: -"疫情防控", title:"新乡".
_QUOTE_PREFIXES = ("-title:", "title:", "-")


def _split_quotes(text: str, notes: list[str]) -> list[tuple[str, bool, str]]:
    """Pieces of the text as (piece, quoted, prefix); an unclosed quote is literal."""
    pieces: list[tuple[str, bool, str]] = []
    position = 0
    buffer = ""
    while position < len(text):
        char = text[position]
        closing = _OPEN_QUOTES.get(char)
        if closing is not None:
            end = text.find(closing, position + 1)
            if end == -1:
                notes.append("unbalanced quote: searched as plain text")
                buffer += text[position + 1 :]
                break
            last = buffer.split()[-1] if buffer.strip() and not buffer[-1].isspace() else ""
            prefix = next((p for p in _QUOTE_PREFIXES if last.lower() == p), "")
            pieces.append((buffer[: len(buffer) - len(prefix)], False, ""))
            pieces.append((text[position + 1 : end], True, prefix.lower()))
            buffer = ""
            position = end + 1
            continue
        buffer += char
        position += 1
    pieces.append((buffer, False, ""))
    return [piece for piece in pieces if piece[0].strip() or piece[1]]


def _first_words(text: str, room: int) -> tuple[str, int]:
    """``text`` cut after its first ``room`` words (as a search segments it), and its word count."""
    words = tokenize(text)
    while len(words) > room:  # a cut text can segment differently: cut until it fits
        text = text[: words[room - 1].end] if room > 0 else ""
        words = tokenize(text)
    return text, len(words)


def parse_query(text: str) -> ParsedQuery:
    """Parse user text into a ``ParsedQuery``; never raises."""
    parsed = ParsedQuery()
    text = clean_characters(text or "")
    if len(text) > MAX_QUERY_CHARS:
        parsed.notes.append(f"query cut to its first {MAX_QUERY_CHARS} characters")
        text = text[:MAX_QUERY_CHARS]
    parsed.asks = text.rstrip().endswith(("?", "？"))
    text, parsed.conditions, condition_notes = split_conditions(text)
    parsed.notes.extend(condition_notes)
    join_next = False  # the previous token was OR
    negate_next = False
    clause_count = word_count = 0
    for piece, quoted, prefix in _split_quotes(text, parsed.notes):
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
            negated = negate_next or prefix.startswith("-")
            negate_next = False
            if not is_quoted and token.startswith("-") and len(token) > 1:
                negated, token = True, token[1:]
            clause_field = "title" if prefix.endswith("title:") else None
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
            if clause_count == MAX_CLAUSES:
                parsed.notes.append(f"only the first {MAX_CLAUSES} terms are used")
                return parsed
            kept, words = _first_words(token, MAX_QUERY_WORDS - word_count)
            if kept.strip():
                clause_count, word_count = clause_count + 1, word_count + words
                clause = Clause(kept, quoted=is_quoted, field=clause_field)
                if negated:
                    parsed.excluded.append(clause)
                elif join_next and parsed.groups:
                    parsed.groups[-1].append(clause)
                else:
                    parsed.groups.append([clause])
            if kept != token:
                parsed.notes.append(f"only the first {MAX_QUERY_WORDS} words are used")
                return parsed
            join_next = False
    if join_next:
        parsed.notes.append("OR with nothing after it: ignored")
    if negate_next:
        parsed.notes.append("NOT with nothing after it: ignored")
    if parsed.is_empty and not parsed.filters and text.strip():
        parsed.unsearchable = True
        parsed.notes.append(NOTHING_SEARCHABLE)
    return parsed


# A clause with several regional words gets at most this many alternatives.
MAX_EQUIVALENT_CLAUSES = 8


def regional_alternatives(clause: Clause) -> list[Clause]:
    """The clause with its words replaced by their regional equivalents (软件 -> 软体),
    each matched verbatim: each word of an unquoted clause; a quoted text is
    searched as written."""
    if clause.quoted:
        return []
    choices = regional_spans(clause.text)
    alternatives: list[Clause] = []
    for picks in itertools.product(*[(word, *others) for _, _, word, others in choices]):
        text = clause.text
        for (start, end, _, _), pick in sorted(zip(choices, picks, strict=True), key=lambda c: -c[0][0]):
            text = text[:start] + pick + text[end:]
        if normalize_for_search(text) != clause.normalized and len(alternatives) < MAX_EQUIVALENT_CLAUSES:
            # Verbatim: an equivalent is one fixed word (智慧财产权), never its pieces scattered.
            alternatives.append(Clause(text, True, clause.field, clause.text))
    return alternatives


# jieba cuts many table entries into pieces (英伟达 as 英/伟达, 智慧财产权 as 智慧/财产权):
# runs of up to this many consecutive words are looked up too, longest first.
MAX_WORDS_OF_ENTRY = 4


def regional_spans(text: str) -> list[tuple[int, int, str, tuple[str, ...]]]:
    """(start, end, normalized word, equivalents) of each run of words of ``text``
    that is a table entry, left to right, longest first, never overlapping."""
    tokens = tokenize(text)
    normalized = normalize_for_search(text)
    spans = []
    position = 0
    while position < len(tokens):
        for last in range(min(len(tokens), position + MAX_WORDS_OF_ENTRY) - 1, position - 1, -1):
            start, end = tokens[position].start, tokens[last].end
            found = equivalents(normalized[start:end])
            if found:
                spans.append((start, end, normalized[start:end], found))
                position = last + 1
                break
        else:
            position += 1
    return spans


def add_regional_equivalents(parsed: ParsedQuery) -> None:
    """Let each clause also match its regional equivalents (an OR), and say so in the
    notes. ``search.plan`` calls it for queries that are not natural language
    (those need only some of their words)."""
    if parsed.regional_added:
        return
    parsed.regional_added = True
    searched: list[str] = []
    left_out: list[str] = []  # of quoted texts: quotes are the way to count one form alone
    for clauses in (*parsed.groups, parsed.excluded):
        for clause in list(clauses):
            for alternative in regional_alternatives(clause):
                if alternative.text not in {c.text for c in clauses}:
                    clauses.append(alternative)
            if clause.quoted:  # ("特朗普" OR "川普" leaves nothing out)
                typed = {c.normalized for c in clauses}
                left_out.extend(as_written(w) for w in equivalents(clause.normalized) if w not in typed)
            else:
                searched.extend(
                    as_written(w) for _, _, _, others in regional_spans(clause.text) for w in others
                )
    if searched:
        parsed.notes.append("也搜索了：" + "、".join(dict.fromkeys(searched)))
    if left_out:
        parsed.notes.append(QUOTED_REGIONAL_NOTE + "、".join(dict.fromkeys(left_out)))


# A quoted table entry ("川普") finds only itself: the note names what the unquoted word adds.
QUOTED_REGIONAL_NOTE = "引号内按原文检索，未搜索其他地区用语（去掉引号即一并搜索）："
