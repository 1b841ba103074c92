"""The query language: parsing, natural-language detection and the queries built (no index)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh import query as wq

from search.analysis import segment_words
from search.normalize import clean_characters
from search.plan import (
    CharacterFrequency,
    clause_query,
    highlight_terms,
    is_long,
    is_stop_word,
    long_query_words,
    min_should_match,
    query_words,
    scoring_query,
)
from search.query import (
    MAX_CLAUSES,
    MAX_QUERY_CHARS,
    MAX_QUERY_WORDS,
    NOTHING_SEARCHABLE,
    ParsedQuery,
    parse_query,
)


def shape(parsed: ParsedQuery) -> dict:
    """A parsed query as plain data: groups of (text, quoted, field), exclusions, filters, notes."""
    return {
        "groups": [[(c.text, c.quoted, c.field) for c in group] for group in parsed.groups],
        "excluded": [(c.text, c.quoted) for c in parsed.excluded],
        "filters": parsed.filters,
        "notes": parsed.notes,
    }


def plain(*groups, excluded=(), filters=None, notes=()) -> dict:
    return {
        "groups": [list(group) for group in groups],
        "excluded": list(excluded),
        "filters": filters or {},
        "notes": list(notes),
    }


UNBALANCED = "unbalanced quote: searched as plain text"


@pytest.mark.parametrize(
    "text, expected",
    [
        ("新乡 发展", plain([("新乡", False, None)], [("发展", False, None)])),
        ("新鄉 發展", plain([("新鄉", False, None)], [("發展", False, None)])),  # as typed; normalized later
        ("  新乡\u3000 ", plain([("新乡", False, None)])),
        # quotes, ASCII and Chinese
        ('"高质量发展"', plain([("高质量发展", True, None)])),
        ("“高质量发展”", plain([("高质量发展", True, None)])),
        ("「高质量发展」", plain([("高质量发展", True, None)])),
        ("『新乡』", plain([("新乡", True, None)])),
        ('"高质量 发展" 新乡', plain([("高质量 发展", True, None)], [("新乡", False, None)])),
        # an unclosed quote is literal text, and said so
        ('"新乡', plain([("新乡", False, None)], notes=[UNBALANCED])),
        ('新乡 "发展', plain([("新乡", False, None)], [("发展", False, None)], notes=[UNBALANCED])),
        ("“新乡", plain([("新乡", False, None)], notes=[UNBALANCED])),
        # OR, lone or not
        ("新乡 OR 郑州", plain([("新乡", False, None), ("郑州", False, None)])),
        ("新乡 | 郑州 发展", plain([("新乡", False, None), ("郑州", False, None)], [("发展", False, None)])),
        ("(新乡 OR 郑州)", plain([("新乡", False, None), ("郑州", False, None)])),
        ("OR 新乡", plain([("新乡", False, None)], notes=["OR with nothing before it: ignored"])),
        ("新乡 OR", plain([("新乡", False, None)], notes=["OR with nothing after it: ignored"])),
        ("OR", plain(notes=["OR with nothing before it: ignored", NOTHING_SEARCHABLE])),
        ("新乡 AND 郑州", plain([("新乡", False, None)], [("郑州", False, None)])),
        # exclusions
        ("-疫情 新乡", plain([("新乡", False, None)], excluded=[("疫情", False)])),
        ("新乡 NOT 疫情", plain([("新乡", False, None)], excluded=[("疫情", False)])),
        ('新乡 -"疫情防控"', plain([("新乡", False, None)], excluded=[("疫情防控", True)])),
        ("新乡 -「疫情防控」", plain([("新乡", False, None)], excluded=[("疫情防控", True)])),
        ('NOT "疫情防控" 新乡', plain([("新乡", False, None)], excluded=[("疫情防控", True)])),
        ('河南-"新乡"', plain([("河南-", False, None)], [("新乡", True, None)])),  # a hyphen inside text
        ("NOT", plain(notes=["NOT with nothing after it: ignored", NOTHING_SEARCHABLE])),
        ("-", plain(notes=[NOTHING_SEARCHABLE])),
        # field filters (values in Simplified) and title:
        ("source:河南日报 新乡", plain([("新乡", False, None)], filters={"source": ["河南日报"]})),
        ("Source:新华社", plain(filters={"source": ["新华社"]})),
        ("region:新鄉", plain(filters={"region": ["新乡"]})),
        ("province:河南 year:2020", plain(filters={"province": ["河南"], "year": ["2020"]})),
        ("title:新乡", plain([("新乡", False, "title")])),
        ('title:"高质量发展" 新乡', plain([("高质量发展", True, "title")], [("新乡", False, None)])),
        ("TITLE:“新乡”", plain([("新乡", True, "title")])),
        ("foo:bar", plain([("foo:bar", False, None)])),  # not a field: text
        ("source:", plain([("source:", False, None)])),
        # nothing searchable
        ("", plain()),
        ("   ", plain()),
        ("？？ 。", plain(notes=[NOTHING_SEARCHABLE])),  # text, but nothing to search: finds nothing
    ],
)
def test_parse_query(text, expected):
    assert shape(parse_query(text)) == expected


@pytest.mark.parametrize(
    "text, long, words",
    [
        # keyword queries: every word must match
        ("新乡 发展", False, ["新乡", "发展"]),
        ("高质量发展", False, ["高质量发展"]),
        ("新乡的发展", False, ["新乡", "发展"]),
        # more than four content words: natural language
        ("新乡郑州洛阳开封许昌的经济", True, ["新乡", "郑州", "洛阳", "开封", "许昌", "经济"]),
        # a question is natural language whatever its length
        ("赵鹏的职业是什么？", True, ["赵鹏", "职业"]),
        ("Apple Macintosh有著什麼樣的外觀?", True, ["apple", "macintosh", "有着", "外观"]),
        ("铁路沿线设有哪些站点", True, ["铁路沿线", "设有", "站点"]),
        # a question mark outside the quotes asks too
        ("何人被稱為「銀幕上的好太太」?", True, ["何人", "称为", "银幕", "好", "太太"]),
        # single characters are joined into one piece (an unknown name) only
        # where too few words are longer for the text to be found verbatim
        ("颊鳞雀鲷的俗名叫什么？", True, ["颊鳞雀鲷", "俗名", "叫"]),
        ("郭麐在哪一年去世？", True, ["郭", "麐", "去世"]),
        # quotes inside a question are the writing's own
        ("“孔雀女”这一称呼的所指是什么？", True, ["孔雀", "女", "这一", "称呼", "所指"]),
        # ...but a quoted query keeps its meaning, however many words
        (
            '"高质量发展" 新乡 郑州 洛阳 开封 许昌',
            False,
            ["高质量发展", "新乡", "郑州", "洛阳", "开封", "许昌"],
        ),
        ('"谁"', False, ["谁"]),
        # operators make it a keyword query
        ("新乡 OR 郑州 是什么", False, ["新乡", "郑州"]),
        ("-疫情 新乡是哪里", False, ["新乡"]),
        ("title:新乡 是什么", False, ["新乡"]),
        # too few words of two or more characters to find the text verbatim
        ("着几", False, ["着"]),
        ("说什么", False, ["说"]),
        ("谁", False, ["谁"]),
    ],
)
def test_natural_language_detection(text, long, words):
    parsed = parse_query(text)
    assert (is_long(parsed), long_query_words(parsed)) == (long, words)


@pytest.mark.parametrize(
    "word_count, needed",
    [(1, 1), (2, 1), (4, 1), (5, 2), (8, 2), (9, 3), (12, 3), (20, 5)],
)
def test_min_should_match(word_count, needed):
    assert min_should_match(word_count) == needed


@pytest.mark.parametrize(
    "word, stop",
    [("的", True), ("什么", True), ("什么样", True), ("哪一年", True), ("何时", True), ("为何", True),
     ("新乡", False), ("年", False), ("几何", False), ("谁家", False)],
)  # fmt: skip
def test_stop_words(word, stop):
    assert is_stop_word(word) is stop


@pytest.mark.parametrize(
    "text, words",
    [
        ("新乡是什么", ["新乡"]),  # 是 and 什么 need not match
        ("的", ["的"]),  # a clause of stop words alone keeps them
        ("高质量发展", ["高质量发展"]),
    ],
)
def test_clause_words_without_stop_words(text, words):
    from search.query import Clause

    assert query_words(Clause(text), drop_stop_words=True) == words


def test_clause_query_falls_back_to_verbatim_bigrams():
    from search.query import Clause

    built = clause_query(Clause("量发"))
    assert isinstance(built, wq.Or)
    verbatim = built.subqueries[1]
    assert isinstance(verbatim, wq.ConstantScoreQuery)
    assert {term.text for term in verbatim.child.subqueries} == {"量发"}


def test_long_query_scores_words_and_character_bigrams():
    built = scoring_query(parse_query("赵鹏的职业是什么？"))
    fields = {term.fieldname for term in built.leaves()}
    assert fields == {"title", "body", "chars"}
    assert {term.text for term in built.leaves() if term.fieldname == "chars"} >= {"赵鹏", "职业"}


def test_highlight_terms_longest_first():
    assert highlight_terms(parse_query("高质量发展 新乡")) == ["高质量发展", "新乡"]


def test_huge_input_is_bounded():
    text = "新乡发展 " * 2_500  # 12,500 characters
    parsed = parse_query(text)
    scoring_query(parsed)
    assert len(parsed.groups) + len(parsed.excluded) <= MAX_CLAUSES
    assert any(str(MAX_QUERY_CHARS) in note for note in parsed.notes)


WORDS_CUT = f"only the first {MAX_QUERY_WORDS} words are used"


def word_count(parsed: ParsedQuery) -> int:
    return sum(len(segment_words(clause.text)) for clause in [*parsed.clauses(), *parsed.excluded])


@pytest.mark.parametrize(
    "text, clauses",
    [
        ("新乡 " * MAX_QUERY_WORDS, MAX_QUERY_WORDS),  # exactly as many: nothing cut
        ("新乡 " * (MAX_QUERY_WORDS + 1), MAX_QUERY_WORDS),
        ("新乡 OR " * 100, MAX_QUERY_WORDS),  # alternatives count
        ("-新乡 " * 100, MAX_QUERY_WORDS),  # and exclusions
        ("新乡发展" * 100, 1),  # one clause, cut after its 40th word
        ('"' + "新乡发展" * 100 + '"', 1),
        ("经济 " * 30 + "新乡发展" * 10, 31),  # the 31st clause keeps 10 words
    ],
)
def test_a_query_is_cut_after_its_first_words(text, clauses):
    parsed = parse_query(text)
    cut = len(segment_words(text)) > MAX_QUERY_WORDS
    assert (WORDS_CUT in parsed.notes) == cut
    assert word_count(parsed) == min(MAX_QUERY_WORDS, len(segment_words(text)))
    assert len(parsed.clauses()) + len(parsed.excluded) == clauses


def test_a_question_cut_after_its_words_is_still_a_question():
    parsed = parse_query("新乡市的经济发展" * 20 + "吗？")
    assert WORDS_CUT in parsed.notes and parsed.asks and is_long(parsed)


def test_long_unbroken_input_is_bounded():
    parsed = parse_query("新乡" * 5_000)
    assert sum(len(clause.text) for clause in parsed.clauses()) <= MAX_QUERY_CHARS


@pytest.mark.parametrize(
    "text",
    ['"', "“”", '""', "「", "OR OR", "NOT NOT", "- -", "((()))", ":", "title:", "source:::",
     "\x00\x01", "\ufffd", "🙂🙂", "a" * 10_000, '"' * 999, "title:\"新乡\"", "-\"\"", "| |", "新乡\n郑州"],
)  # fmt: skip
def test_malformed_input_parses_into_bounded_queries_of_its_own_text(text):
    check_parsed(text)  # raises nothing, and builds only from the input's own words
    assert isinstance(is_long(parsed := parse_query(text)), bool)
    assert all(isinstance(note, str) and note for note in parsed.notes)


def check_parsed(text: str) -> None:
    """What holds for any input: bounded, nothing invented, every term looked
    up or marked comes from the clauses' own (normalized) text."""
    parsed = parse_query(text)
    clauses = [*parsed.clauses(), *parsed.excluded]
    assert len(clauses) <= MAX_CLAUSES
    assert sum(len(clause.text) for clause in clauses) <= MAX_QUERY_CHARS
    assert word_count(parsed) <= MAX_QUERY_WORDS
    for clause in clauses:
        assert any(char.isalnum() for char in clause.text)
        assert set(clause.text) <= set(clean_characters(text))
    own_text = [clause.normalized for clause in clauses]
    built = [scoring_query(parsed), *(clause_query(clause) for clause in clauses)]
    for leaf in (leaf for query in built for leaf in query.leaves()):
        if isinstance(leaf, wq.Term):
            assert leaf.fieldname in {"title", "body", "chars"}
            assert any(leaf.text in text for text in own_text)
        elif isinstance(leaf, wq.Phrase):
            assert all(any(word in text for text in own_text) for word in leaf.words)
        elif isinstance(leaf, CharacterFrequency):
            assert any(leaf.char in text for text in own_text)
        else:
            assert isinstance(leaf, (wq.Every, type(wq.NullQuery))), leaf
    for term in highlight_terms(parsed):
        assert term and any(term in clause.normalized for clause in parsed.clauses())


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from(list('新乡發展的是什么谁 "“”「」-:|()ORNTtile?？ab1')), max_size=40))
def test_any_syntax_parses_and_builds(text):
    check_parsed(text)


@settings(max_examples=200, deadline=None)
@given(st.text(st.characters(exclude_categories=()), max_size=60))  # any code point, surrogates too
def test_any_text_parses_and_builds(text):
    check_parsed(text)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(["新乡", "發展", "经济", "郑州市", "高质量", "ab", "PM2.5"]), min_size=1, max_size=4
    )
)
def test_plain_words_are_one_group_each(words):
    assert shape(parse_query(" ".join(words))) == plain(*[[(word, False, None)] for word in words])


TERMS_CUT = f"only the first {MAX_CLAUSES} terms are used"


@pytest.mark.parametrize("separator", [" ", " OR ", " -", ' "'])
def test_70_terms_are_cut_at_40_words_first(separator):
    # Every term is at least one word, so with today's limits the word cut comes first.
    parsed = parse_query(separator.join(f"x{number}" for number in range(70)))
    assert len([*parsed.clauses(), *parsed.excluded]) == MAX_QUERY_WORDS < MAX_CLAUSES
    assert WORDS_CUT in parsed.notes and TERMS_CUT not in parsed.notes


@pytest.mark.parametrize("separator", [" ", " OR ", " -"])
def test_the_64_term_cut_says_so_when_words_allow_more(monkeypatch, seeds_index, separator):
    """The term cut is the backstop behind the word cut: with room for more words it is reached, with its note."""
    import sys

    monkeypatch.setattr(sys.modules[parse_query.__module__], "MAX_QUERY_WORDS", 1000)
    query = "新乡" + separator + separator.join(f"x{number}" for number in range(70))
    parsed = parse_query(query)
    assert len([*parsed.clauses(), *parsed.excluded]) == MAX_CLAUSES
    assert parsed.notes == [TERMS_CUT]
    assert TERMS_CUT in seeds_index.search(query)["notes"]  # and the result says so
