"""search.plan: query text -> MatchPlan, as a table, with no index."""

from __future__ import annotations

import pytest
from whoosh import query as wq

from search.plan import LOOSE_NOTE, MatchPlan, build_plan, plan_query
from search.query import parse_query


def match_kind(query: wq.Query) -> str | list[str]:
    """A clause's match query as data: the bigrams of a verbatim match, "character"
    (a character anywhere), "code+words" (a code's bigrams and words), or "words"."""
    if type(query) is wq.And and all(type(t) is wq.Term and t.fieldname == "chars" for t in query.subqueries):
        return [term.text for term in query.subqueries]
    first = query.subqueries[0] if isinstance(query, wq.CompoundQuery) else None
    if type(query) is wq.Or and type(first) is wq.Term and wq.Term("chars", first.text) in query.subqueries:
        return "character"
    if type(query) is wq.Or and type(first) is wq.And and isinstance(match_kind(first.subqueries[0]), list):
        return ["code+words", *match_kind(first.subqueries[0])]  # or the whole text verbatim
    return "words"


def clause_shape(clause) -> tuple:
    return (
        clause.clause.text,
        match_kind(clause.match),
        clause.check,
        clause.cached,
        clause.key,
        clause.token_fields,
    )


def exact_shape(plan: MatchPlan) -> list[tuple]:
    return [(text.needle, text.check, text.title_only) for text in plan.exact]


def shape(plan: MatchPlan) -> dict:
    return {
        "groups": [[clause_shape(clause) for clause in group] for group in plan.groups],
        "excluded": [clause_shape(clause) for clause in plan.excluded],
        "long": None
        if plan.long_words is None
        else ([c.clause.text for c in plan.long_words], plan.min_match),
        "terms": list(plan.highlight_terms),
        "filters": plan.filters,
    }


BODY = ("title", "body")
TITLE = ("title",)
PLANS = [
    # One whole word: its verbatim match (small bigram postings) is exact, nothing to check.
    ("新乡", {"groups": [[("新乡", ["新乡"], False, False, ("新乡", False), BODY)]], "excluded": [], "long": None,
             "terms": ["新乡"], "filters": {}}),
    # Quoted: all bigrams present is a superset; the stored text decides, and the result is cached.
    ('"高质量发展"', {"groups": [[("高质量发展", ["发展", "质量", "量发", "高质"], True, True, ("高质量发展", False), BODY)]],
                    "excluded": [], "long": None, "terms": ["高质量发展"], "filters": {}}),
    # Two letters or digits quoted are held as one bigram: verbatim without reading.
    ('"AI"', {"groups": [[("AI", ["ai"], False, True, ("ai", False), BODY)]], "excluded": [], "long": None,
              "terms": ["ai"], "filters": {}}),
    # One character, quoted or not, in either script: the chars field holds each
    # character alone, so its documents are exact without reading.
    ('"新"', {"groups": [[("新", "character", False, False, ("新", False), BODY)]], "excluded": [], "long": None,
              "terms": ["新"], "filters": {}}),
    ("雨", {"groups": [[("雨", "character", False, False, ("雨", False), BODY)]], "excluded": [], "long": None,
            "terms": ["雨"], "filters": {}}),
    ("劉", {"groups": [[("劉", "character", False, False, ("刘", False), BODY)]], "excluded": [], "long": None,
            "terms": ["刘"], "filters": {}}),
    # ... in titles only: the titles of the documents holding it are read.
    ("title:雨", {"groups": [[("雨", "character", True, True, ("雨", True), TITLE)]], "excluded": [],
                  "long": None, "terms": ["雨"], "filters": {}}),
    # In titles only: a bigram of the chars field may come from the body, so it is checked.
    ('title:"新乡"', {"groups": [[("新乡", ["新乡"], True, True, ("新乡", True), TITLE)]], "excluded": [],
                      "long": None, "terms": ["新乡"], "filters": {}}),
    # Unquoted too: one word, or several (in the title as words, else verbatim there).
    ("title:地震", {"groups": [[("地震", ["地震"], True, True, ("地震", True), TITLE)]], "excluded": [],
                    "long": None, "terms": ["地震"], "filters": {}}),
    ("title:国务院总理", {"groups": [[("国务院总理", "words", True, True, ("国务院总理", True, "words"), TITLE)]],
                          "excluded": [], "long": None, "terms": ["国务院总理", "国务院", "总理"], "filters": {}}),
    ("发展 -title:新乡", {"groups": [[("发展", ["发展"], False, False, ("发展", False), BODY)]],
                          "excluded": [("新乡", ["新乡"], True, True, ("新乡", True), TITLE)], "long": None,
                          "terms": ["发展"], "filters": {}}),
    # Codes, numbers and Latin words typed without quotes: where they stand
    # together (read, as a whole word or number), the rest as words.
    ("10万", {"groups": [[("10万", ["0万", "10"], True, True, ("10万", False, "bounded", "10万"), BODY)]], "excluded": [],
              "long": None, "terms": ["10万"], "filters": {}}),
    ("COVID", {"groups": [[("COVID", ["co", "id", "ov", "vi"], True, True, ("covid", False, "bounded", "covid"), BODY)]],
               "excluded": [], "long": None, "terms": ["covid"], "filters": {}}),
    ("国发〔1996〕33号", {"groups": [[("国发〔1996〕33号", ["code+words", "19", "33", "3号", "96", "99"], True, True,
                                     ("〔1996〕33号", False, "bounded", "国发〔1996〕33号"), BODY)]], "excluded": [], "long": None,
                         "terms": ["国发〔1996〕33号", "〔1996〕33号"], "filters": {}}),
    ("2.2.1", {"groups": [[("2.2.1", [".1", ".2", "2."], True, True, ("2.2.1", False, "bounded", "2.2.1"), BODY)]],
               "excluded": [], "long": None, "terms": ["2.2.1"], "filters": {}}),
    ("新乡 OR 郑州", {"groups": [[("新乡", ["新乡"], False, False, ("新乡", False), BODY),
                                 ("郑州", ["郑州"], False, False, ("郑州", False), BODY)]],
                     "excluded": [], "long": None, "terms": ["新乡", "郑州"], "filters": {}}),
    ("新乡 -郑州", {"groups": [[("新乡", ["新乡"], False, False, ("新乡", False), BODY)]],
                   "excluded": [("郑州", ["郑州"], False, False, ("郑州", False), BODY)], "long": None,
                   "terms": ["新乡"], "filters": {}}),
    # Several words typed together: the words, or the text verbatim (scored lower).
    ("新乡发展", {"groups": [[("新乡发展", "words", False, False, ("新乡发展", False), BODY)]], "excluded": [],
                 "long": None, "terms": ["新乡发展", "新乡", "发展"], "filters": {}}),
    # Traditional script is planned in Simplified.
    ('新鄉 "發展"', {"groups": [[("新鄉", ["新乡"], False, False, ("新乡", False), BODY)],
                              [("發展", ["发展"], False, True, ("发展", False), BODY)]],
                    "excluded": [], "long": None, "terms": ["新乡", "发展"], "filters": {}}),
    ("source:河南日报 发展", {"groups": [[("发展", ["发展"], False, False, ("发展", False), BODY)]], "excluded": [],
                          "long": None, "terms": ["发展"], "filters": {"source": ["河南日报"]}}),
    # A question is natural language: its content words, a quarter of them must match.
    ("枣强县召开虎年新春第一会的主要内容是什么",
     {"groups": [[("枣强县召开虎年新春第一会的主要内容是什么", "words", False, False,
                   ("枣强县召开虎年新春第一会的主要内容是什么", False), BODY)]], "excluded": [],
      "long": (["枣强县", "召开", "虎年", "新春", "第一", "会", "主要", "内容"], 2),
      "terms": ["枣强县召开虎年新春第一会的主要内容是什么", "枣强县", "召开", "虎年", "新春", "第一", "主要", "内容"],
      "filters": {}}),
    ("", {"groups": [], "excluded": [], "long": None, "terms": [], "filters": {}}),
]  # fmt: skip


@pytest.mark.parametrize("query, expected", PLANS, ids=[query or "(empty)" for query, _ in PLANS])
def test_plan(query, expected):
    assert shape(plan_query(query)) == expected


@pytest.mark.parametrize(
    "query, scoring",
    [("", wq.Every), ("新乡", wq.Or), ("新乡 发展", wq.And), ("锣鼓经是什么？", wq.Or)],
)
def test_scoring_query(query, scoring):
    assert type(plan_query(query).scoring) is scoring


@pytest.mark.parametrize(
    "query, exact",
    [
        ("长期照顾", [("长期照顾", True, False)]),  # two words: adjacent and in order first
        ("長期 照顧", [("长期照顾", True, False)]),  # typed with a space: the whole too
        ("title:发展战略", [("发展战略", True, True)]),
        ("新乡", []),  # one word: every match holds it
        ('"长期照顾"', []),  # quoted: every match holds it verbatim
        ("10万", []),  # a code matches where it stands together already
        ("新乡 OR 郑州", []),
        # natural language ranks by words matched, and its text held verbatim first
        ("汶川地震造成多少人死亡？", [("汶川地震造成多少人死亡", True, False)]),
        (
            "蔡雅瀅表示，若利用廠內土方填海，更可能造成污染擴散；",
            [("蔡雅滢表示，若利用厂内土方填海，更可能造成污染扩散", True, False)],
        ),
        ("锣鼓经是啥？", []),  # under six characters
    ],
)
def test_exact_texts(query, exact):
    assert exact_shape(plan_query(query)) == exact


@pytest.mark.parametrize(
    "query, loose",
    [("汶川地震造成多少人死亡？", True), ("汶川地震 死亡", False), ('"汶川地震"', False)],
)
def test_natural_language_says_so(query, loose):
    assert (LOOSE_NOTE in plan_query(query).notes) is loose


def test_a_plan_is_built_from_a_parse_and_carries_its_notes():
    parsed = parse_query('"新乡')
    plan = build_plan(parsed)
    assert plan.parsed is parsed and plan.notes == ["unbalanced quote: searched as plain text"]
    assert build_plan(parse_query("新乡")) == build_plan(parse_query("新乡"))  # pure: same text, same plan
