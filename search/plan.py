"""The match plan: how a parsed query is matched, checked, ranked and marked.

``build_plan(parsed)`` is a pure function from a ``ParsedQuery`` to a
``MatchPlan`` of plain frozen dataclasses: for each clause the Whoosh query
that matches it, whether its documents must be checked against their stored
text (a quoted text), the key its verified documents are cached under; for a
natural-language query its words and how many a document must match; the
query whose scores rank the matches; the terms to mark. ``search.engine``
executes it; nothing here reads an index, so every decision is testable as a
table (``tests/test_plan.py``).
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from whoosh import query as wq

from search.analysis import bigrams, segment_words, tokenize
from search.normalize import normalize_for_search
from search.proximity import Condition
from search.query import Clause, ParsedQuery, add_regional_equivalents, parse_query
from search.ranking import (
    CHARS_WEIGHT,
    LONG_QUERY_MIN_SHARE,
    LONG_QUERY_WORDS,
    QUESTION_PREFIXES,
    QUESTION_WORDS,
    STOP_WORDS,
    TITLE_BOOST,
    VERBATIM_SCORE,
)


@dataclass(frozen=True)
class ClausePlan:
    """How one clause is matched.

    ``match`` finds its documents (for a text not known to be held as
    bigrams: a superset, all of its bigrams present). ``check`` says those
    must then be read to keep the ones holding ``needle`` verbatim (in the
    title alone when ``title_only``; as a whole word or number when
    ``bounded``). ``cached``: its verified documents are kept per index
    generation under ``key``. The documents ``held`` matches are kept
    without being read (by default: the needle as a whole word token in
    ``token_fields``).
    """

    clause: Clause
    match: wq.Query
    check: bool = False
    cached: bool = False
    needle: str = ""
    title_only: bool = False
    bounded: bool = False
    sure: wq.Query | None = None  # documents kept unread (default: the needle as a token)

    @property
    def key(self) -> tuple[str, bool]:
        """The verbatim cache key: the normalized text and whether in titles only
        (with how it is held, where that differs from a plain quoted text)."""
        # A code's match is narrowed by the words beside it (西部12 -> 12 and 西部):
        # keyed by the needle alone, its verified documents would stand in for
        # every later clause with that code (``12`` finding only 西部's).
        if self.bounded:
            return (self.needle, self.title_only, "bounded", self.clause.normalized)
        if self.sure is not None:
            return (self.needle, self.title_only, "words")
        return (self.needle, self.title_only)

    @property
    def needle_check(self) -> tuple[str, bool, bool]:
        """What the stored text must hold: (needle, in titles only, as a whole word)."""
        return self.needle, self.title_only, self.bounded

    @property
    def token_fields(self) -> tuple[str, ...]:
        return ("title",) if self.title_only else ("title", "body")

    @property
    def held(self) -> wq.Query:
        """The documents known to hold the clause without reading them."""
        if self.sure is not None:
            return self.sure
        return wq.Or([wq.Term(name, self.needle) for name in self.token_fields])


@dataclass(frozen=True)
class ConditionPlan:
    """A proximity or frequency condition: its parts matched as clauses (a
    candidate holds every part), then its stored text checked."""

    condition: Condition
    parts: tuple[ClausePlan, ...]

    @property
    def needles(self) -> tuple[str, ...]:
        return tuple(part.clause.normalized for part in self.parts)


@dataclass(frozen=True)
class MatchPlan:
    """A whole query as the engine runs it: built once per search."""

    parsed: ParsedQuery
    groups: tuple[tuple[ClausePlan, ...], ...]  # AND of ORs
    excluded: tuple[ClausePlan, ...]
    long_words: tuple[ClausePlan, ...] | None  # natural language: any min_match of these
    min_match: int
    scoring: wq.Query
    highlight_terms: tuple[str, ...]
    conditions: tuple[ConditionPlan, ...] = ()
    # Texts whose verbatim holders rank first (a keyword query's words adjacent and in order).
    exact: tuple[ClausePlan, ...] = ()

    @property
    def notes(self) -> list[str]:
        if self.long_words is None:
            return self.parsed.notes
        return [*self.parsed.notes, LOOSE_NOTE]

    @property
    def filters(self) -> dict[str, list[str]]:
        """Filters typed in the query text (``source:河南日报``)."""
        return self.parsed.filters

    @property
    def is_empty(self) -> bool:
        return self.parsed.is_empty


def plan_query(text: str) -> MatchPlan:
    """Parse and plan user text (the lenient parser never raises)."""
    return build_plan(parse_query(text))


# Said in ``notes`` when a query ran as natural language (the page shows it in Chinese).
LOOSE_NOTE = "ran as natural language: not every word need occur"


def build_plan(parsed: ParsedQuery) -> MatchPlan:
    """The ``MatchPlan`` of a parsed query (pure: reads no index)."""
    if not is_long(parsed):
        add_regional_equivalents(parsed)  # 软件 also finds 軟體 (an OR in each group)
    long_words = None
    min_match = 0
    if is_long(parsed):
        words = long_query_words(parsed)
        long_words = tuple(plan_word(word) for word in words)
        min_match = min_should_match(len(words))
    return MatchPlan(
        parsed=parsed,
        groups=tuple(tuple(plan_clause(clause) for clause in group) for group in parsed.groups),
        excluded=tuple(plan_clause(clause) for clause in parsed.excluded),
        long_words=long_words,
        min_match=min_match,
        scoring=scoring_query(parsed),
        highlight_terms=tuple(highlight_terms(parsed)),
        conditions=tuple(plan_condition(condition) for condition in parsed.conditions),
        exact=sentence_texts(parsed) if long_words is not None else exact_texts(parsed),
    )


def plan_condition(condition: Condition) -> ConditionPlan:
    """Each part of a condition is matched as a clause: a superset of the
    documents holding it verbatim, which is enough, since the condition's own
    check reads the text for the parts anyway."""
    return ConditionPlan(condition, tuple(plan_clause(Clause(part)) for part in condition.parts))


def plan_word(word: str) -> ClausePlan:
    """A word of a natural-language query: matched as a word or verbatim
    (a single character only where it is a word: 的 inside 目的 is no match)."""
    # Its words ranked by how many they match: each as before codes and single
    # characters were matched where they stand (``bench/eval_ranking.py``).
    clause = Clause(word)
    verbatim = verbatim_query(clause.normalized)
    if verbatim is None:  # one character: as a word only
        return ClausePlan(clause, _word_query(clause.normalized, None), needle=clause.normalized)
    if query_words(clause, drop_stop_words=True) == [clause.normalized]:
        return ClausePlan(clause, verbatim, needle=clause.normalized)
    return ClausePlan(clause, clause_query(clause), needle=clause.normalized)


def plan_clause(clause: Clause) -> ClausePlan:
    """How one clause is matched: see ``ClausePlan``."""
    normalized = clause.normalized
    verbatim = verbatim_query(normalized)
    title_only = clause.field == "title"
    if is_single_character(normalized):
        return character_plan(clause)
    code = None if clause.quoted else code_needle(normalized)
    if code is not None:
        return code_plan(clause, code)
    if clause.quoted:
        if verbatim is None:  # one letter or digit: the documents holding it as a word
            return ClausePlan(clause, clause_query(clause), True, True, normalized, title_only)
        # Two letters or digits held as a bigram are held verbatim.
        held = len(normalized) == 2 and normalized.isalnum() and not title_only
        return ClausePlan(clause, verbatim, not held, True, normalized, title_only)
    words = query_words(clause, drop_stop_words=True)
    if verbatim is not None and words == [normalized]:
        # One whole word of two or more characters: wherever it occurs as
        # a word it occurs verbatim, so the verbatim match (small bigram
        # postings) finds exactly the documents the word query would add.
        if title_only:  # the bigrams may come from the body: titles are read
            return ClausePlan(clause, verbatim, True, True, normalized, True)
        return ClausePlan(clause, verbatim, needle=normalized)
    if title_only and verbatim is not None:
        # Its words in the title, or its text verbatim there: the bigrams of
        # the chars field hold title and body together, so the documents
        # matched only through them have their (short) titles read.
        title_words = wq.And([_word_query(word, "title") for word in words])
        return ClausePlan(clause, clause_query(clause), True, True, normalized, True, sure=title_words)
    return ClausePlan(clause, clause_query(clause), needle=normalized, title_only=title_only)


def is_single_character(normalized: str) -> bool:
    """One character that is not a Latin letter or digit (those are words of their own)."""
    return len(normalized) == 1 and normalized.isalnum() and not normalized.isascii()


def character_plan(clause: Clause) -> ClausePlan:
    """A single character, quoted or not: every document holding it (the
    chars field holds each character alone; the word terms keep an index
    built before that working)."""
    char = clause.normalized
    anywhere = wq.Or([wq.Term("chars", char), wq.Term("title", char), wq.Term("body", char)])
    if clause.field == "title":
        return ClausePlan(clause, anywhere, True, True, char, True)
    return ClausePlan(clause, anywhere, needle=char)


# A code, number or Latin word: letters and digits, bound by "." and "-"
# (PM2.5, COVID-19, 2.2.1), with 〔〕 around a year (国发〔1996〕33号) and a unit
# written right after a number (10万, 106年, 33号, 5%).
_CODE_UNITS = "万亿千百年月日号%元岁届期级倍"
_CODE = re.compile(
    r"(?:〔[0-9]+〕|[0-9a-z])(?:[0-9a-z]|〔[0-9]+〕|[.\-](?=[0-9a-z]))*"
    rf"(?:(?<=[0-9〕])[{_CODE_UNITS}])?"
)


def code_needle(normalized: str) -> str | None:
    """The longest code, number or Latin word of two or more characters in
    the text (``10万``, ``covid``, ``〔1996〕33号``), or None."""
    codes = [match.group() for match in _CODE.finditer(normalized) if len(match.group()) >= 2]
    return max(codes, key=len) if codes else None


def _words_beside(clause: Clause, code: str | None) -> list[str]:
    """The words of a clause outside its code (all of them when it has none)."""
    if code is None:
        return query_words(clause, drop_stop_words=not clause.quoted)
    rest = [piece for piece in clause.normalized.split(code) if piece.strip()]
    return [word for piece in rest for word in query_words(Clause(piece), drop_stop_words=True)]


def code_plan(clause: Clause, code: str) -> ClausePlan:
    """A clause holding a code: the code where it stands together (a Latin
    word as a whole word, a number not inside a longer one), the rest as words."""
    title_only = clause.field == "title"
    words = _words_beside(clause, code)
    match = verbatim_query(code)
    if words:  # the words around it, or the whole text verbatim (jieba cut it otherwise)
        beside = wq.And([match, *(_word_query(word, clause.field) for word in words)])
        match = wq.Or([beside, verbatim_query(clause.normalized)])
    return ClausePlan(clause, match, True, True, code, title_only, bounded=True)


def exact_texts(parsed: ParsedQuery) -> tuple[ClausePlan, ...]:
    """The texts whose verbatim holders rank above scattered matches: each
    unquoted clause of several words, and the clauses of a query typed with
    spaces joined (长期 照顾 -> 长期照顾). A clause's regional equivalents
    (matched verbatim) rank with it: 知识产权 and 智慧财产权 held verbatim
    both come before 知识 … 产权 scattered."""
    # A group typed as one clause, with the regional equivalents the plan added
    typed = [group for group in parsed.groups if all(c.equivalent_of for c in group[1:])]
    clauses = [group[0] for group in typed]
    unquoted = [clause for clause in clauses if not clause.quoted]
    texts = []
    for group in typed:
        if not group[0].quoted and len(segment_words(group[0].text)) > 1:
            texts.extend(group)
    if len(parsed.groups) > 1 and len(unquoted) == len(parsed.groups) == len(typed):
        fields = {clause.field for clause in unquoted}
        if len(fields) == 1:
            texts.append(Clause("".join(clause.text for clause in unquoted), field=fields.pop()))
    exact = []
    for clause in texts:
        normalized = clause.normalized
        if code_needle(normalized) == normalized:
            continue  # matched where it stands together already
        verbatim = verbatim_query(normalized)
        if verbatim is not None:
            exact.append(ClausePlan(clause, verbatim, True, True, normalized, clause.field == "title"))
    return tuple({plan.key: plan for plan in exact}.values())


# A natural-language query's text held verbatim, at least this long, ranks its holders first.
SENTENCE_EXACT_CHARS = 6
_END_PUNCTUATION = re.compile(r"^[^\w]+|[^\w]+$")


def sentence_texts(parsed: ParsedQuery) -> tuple[ClausePlan, ...]:
    """The texts whose verbatim holders rank first in a natural-language
    query: each unquoted clause as typed, without the punctuation at its ends.
    A document quoting a whole sentence of the query is the one asked for,
    however few of the rarer words elsewhere match (the known-item evaluation)."""
    exact = []
    for clause in parsed.clauses():
        if clause.quoted or clause.field is not None:
            continue
        normalized = _END_PUNCTUATION.sub("", clause.normalized)
        verbatim = verbatim_query(normalized) if len(normalized) >= SENTENCE_EXACT_CHARS else None
        if verbatim is not None:
            exact.append(ClausePlan(Clause(normalized), verbatim, True, True, normalized))
    return tuple({plan.key: plan for plan in exact}.values())


# ---------------------------------------------------------------------------
# Building Whoosh queries (used only through the plan)
# ---------------------------------------------------------------------------


def _is_question_word(word: str) -> bool:
    return word in QUESTION_WORDS or word.startswith(QUESTION_PREFIXES)


def is_stop_word(word: str) -> bool:
    """Function and question words: they need not match and do not count."""
    return word in STOP_WORDS or _is_question_word(word)


def query_words(clause: Clause, drop_stop_words: bool = False) -> list[str]:
    """The words of a clause in query mode (one consistent segmentation);
    without stop words if asked, unless that would leave none."""
    words = segment_words(clause.text)
    if drop_stop_words:
        kept = [word for word in words if not is_stop_word(word)]
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

    Words must all match (as words; stop words such as 的 and 什么 need not),
    or the clause's text must occur verbatim, which catches text that jieba
    cut differently in the document (``量发`` inside ``高质量发展``).
    """
    words = query_words(clause, drop_stop_words=not clause.quoted)
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


def _is_question(parsed: ParsedQuery) -> bool:
    # Only the text outside quotes asks: "谁" in quotes is text to find.
    if parsed.asks:
        return True
    asked = [clause for clause in parsed.clauses() if not clause.quoted]
    return any(_is_question_word(word) for clause in asked for word in segment_words(clause.text))


def is_long(parsed: ParsedQuery) -> bool:
    """Natural language: a question, or more than a few words, with no
    operators (OR, exclusions, title:). Documents then need not match every word.

    Quotes inside a question are the writing's own (书名 and terms in
    「」 or “”), so they count as words; outside one they keep their meaning.
    """
    clauses = parsed.clauses()
    if not clauses or parsed.excluded or parsed.conditions or any(len(group) > 1 for group in parsed.groups):
        return False
    if any(clause.field for clause in clauses):
        return False
    codes = [None if c.quoted else code_needle(c.normalized) for c in clauses]
    if any(codes) and not _is_question(parsed):
        # A code counts as one word: 国发〔1996〕33号 is a document number, not five words.
        words = [w for c, code in zip(clauses, codes, strict=True) for w in _words_beside(c, code)]
        return len(words) + sum(map(bool, codes)) > LONG_QUERY_WORDS
    words = long_query_words(parsed)
    if not _finds_verbatim(words):
        return False  # 着几 is not a question about 着
    if _is_question(parsed):
        return True
    return not any(clause.quoted for clause in clauses) and len(words) > LONG_QUERY_WORDS


def _finds_verbatim(words: list[str]) -> bool:
    # Words of two or more characters match verbatim wherever jieba cut the
    # document, a single character only where it is a word there. A document
    # holding the whole query must match enough words through the longer ones.
    return sum(len(word) >= 2 for word in words) >= min_should_match(len(words))


def _content_words(text: str, join_characters: bool) -> list[str]:
    """Words without stop words; with ``join_characters``, a run of single
    characters (颊 鳞 雀 鲷: jieba did not know 颊鳞雀鲷) is one piece."""
    pieces: list[str] = []
    normalized = normalize_for_search(text)
    run_start = run_end = -1
    for token in tokenize(text):
        if is_stop_word(token.text):
            continue
        if join_characters and len(token.text) == 1 and token.start == run_end:
            pieces[-1] = normalized[run_start : token.end]
        else:
            pieces.append(token.text)
            run_start = token.start
        run_end = token.end if len(token.text) == 1 else -1
    return pieces


def long_query_words(parsed: ParsedQuery) -> list[str]:
    """The distinct content words of a natural-language query, in order.

    Runs of single characters are joined only where too many words are single
    characters to find the text verbatim otherwise (颊鳞雀鲷的俗名叫什么):
    joining always would make a name split in two (祭 遵) count once.
    """
    for join_characters in (False, True):
        pieces = (_content_words(clause.text, join_characters) for clause in parsed.clauses())
        words = list(dict.fromkeys(word for words in pieces for word in words))
        if _finds_verbatim(words):
            break
    if not words:  # stop words alone: search them
        words = list(
            dict.fromkeys(word for clause in parsed.clauses() for word in segment_words(clause.text))
        )
    return words


def min_should_match(word_count: int) -> int:
    """How many words of a long query a document must match."""
    return max(1, math.ceil(word_count * LONG_QUERY_MIN_SHARE))


def long_scoring_query(parsed: ParsedQuery) -> wq.Query:
    """Rank a natural-language query: BM25F over its content words plus the
    idf of every character bigram of the query a document holds, which
    counts the words jieba cut differently in the document."""
    # The words as jieba cut them (颊, 鳞, ...), not the runs matching uses:
    # a run is rarely a word of the index, its characters often are.
    words = dict.fromkeys(
        word for clause in parsed.clauses() for word in query_words(clause, drop_stop_words=True)
    )
    scored = [_word_query(word, None) for word in words]
    text = " ".join(clause.normalized for clause in parsed.clauses())
    grams = sorted(bigrams(text))
    if grams:
        scored.append(wq.Or([wq.Term("chars", gram) for gram in grams], boost=CHARS_WEIGHT))
    return wq.Or(scored)


class CharacterFrequency(wq.Query):
    """How often a single character occurs in a document, as a score in [0, 1):
    the engine counts it (``search.engine.characters``). Only ever scored,
    never matched."""

    def __init__(self, char: str):
        self.char = char
        self.boost = 1.0

    def __eq__(self, other) -> bool:
        return type(other) is type(self) and other.char == self.char

    def __hash__(self) -> int:
        return hash((type(self).__name__, self.char))

    def __repr__(self) -> str:
        return f"CharacterFrequency({self.char!r})"


# Added where a single character is a word of its own: more than any frequency
# score (under 1), so those documents always come first.
WORD_FIRST_SCORE = 1.0


def clause_scoring(clause: Clause) -> wq.Query:
    """How a clause's matches score: ``clause_query``, and a single character
    where it is a word first (its BM25 adds to that), then by how often it
    occurs (``CharacterFrequency``)."""
    char = clause.normalized
    if is_single_character(char):
        as_word = wq.ConstantScoreQuery(
            wq.Or([wq.Term("title", char), wq.Term("body", char)]), WORD_FIRST_SCORE
        )
        anywhere = wq.ConstantScoreQuery(wq.Term("chars", char), VERBATIM_SCORE)
        return wq.Or([clause_query(clause), as_word, anywhere, CharacterFrequency(char)])
    return clause_query(clause)


def scoring_query(parsed: ParsedQuery) -> wq.Query:
    """One query whose scores rank the documents the searcher matched."""
    if parsed.is_empty:
        return wq.Every()
    if is_long(parsed):
        return long_scoring_query(parsed)
    groups = [wq.Or([clause_scoring(c) for c in group]) if len(group) > 1 else clause_scoring(group[0])
              for group in parsed.groups]  # fmt: skip
    groups += [clause_query(Clause(part)) for condition in parsed.conditions for part in condition.parts]
    return wq.And(groups) if len(groups) > 1 else (groups[0] if groups else wq.Every())


def highlight_terms(parsed: ParsedQuery) -> list[str]:
    """Normalized strings to mark in passages: whole clause texts and their words."""
    terms: list[str] = []
    for clause in parsed.clauses():
        normalized = clause.normalized.strip()
        if len(normalized) >= 2 or len(parsed.clauses()) == 1:
            terms.append(normalized)
        code = None if clause.quoted else code_needle(normalized)
        if code is not None:  # the code where it stands together, and the other words
            terms.extend([code, *(word for word in _words_beside(clause, code) if len(word) >= 2)])
        elif not clause.quoted:
            words = query_words(clause, drop_stop_words=True)
            terms.extend(word for word in words if len(word) >= 2 or len(words) == 1)
    terms.extend(normalize_for_search(part) for condition in parsed.conditions for part in condition.parts)
    # Longest first, so that a mark covers the longest match.
    return sorted(dict.fromkeys(term for term in terms if term), key=len, reverse=True)
