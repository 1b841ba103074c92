"""Pathological queries are bounded, and a server fed hostile requests keeps
answering everyone else (issue 6). A real index of a few hundred articles, the
real app under waitress; no part of the engine is replaced.

Times are not asserted tightly (this may share a busy machine): a query must
finish within ``HANG_GUARD``, far above any real answer, so only a hang or a
blow-up fails. ``bench/bench_pathological.py`` measures the times.
"""

from __future__ import annotations

import json
import threading
import time
from urllib.parse import urlencode

import pytest
from conftest import SEEDS, LiveServer, seed_text, synthetic_articles
from hypothesis import given, settings
from hypothesis import strategies as st

from search import open_index
from search.analysis import segment_words
from search.query import MAX_CLAUSES, MAX_QUERY_CHARS, MAX_QUERY_WORDS, NOTHING_SEARCHABLE, parse_query
from search.searcher import MAX_PAGE, MAX_PER_PAGE, QueryError

HANG_GUARD = 20.0  # seconds
SYNTHETIC = 300
ARTICLE = "".join(seed_text(n).replace("\n", "") for n in ("002", "003", "004"))
WORDS = ["新乡", "发展", "经济", "郑州", "项目", "创新", "民生", "改革", "教育", "农业"]
CUT = f"query cut to its first {MAX_QUERY_CHARS} characters"
WORDS_CUT = f"only the first {MAX_QUERY_WORDS} words are used"
NOTHING = "。"  # a query with nothing searchable: it finds nothing (issue 10), not everything


def repeat(text: str, size: int) -> str:
    return (text * (size // len(text) + 1))[:size]


def pieces(size: int, count: int, separator: str = " ", template: str = "{}") -> str:
    """``count`` consecutive pieces of the article text, ``size`` characters each."""
    return separator.join(template.format(ARTICLE[size * n : size * n + size]) for n in range(count))


# name -> (query, a query it must find exactly what this finds or None, notes it must carry)
PATHOLOGICAL = {
    "10,000 characters of article text": (repeat(ARTICLE, 10_000), None, {CUT, WORDS_CUT}),
    "10,000 characters, one character": ("新" * 10_000, None, {CUT, WORDS_CUT}),
    "10,000 characters of words": (repeat("新乡 发展 经济 ", 10_000), None, {CUT, WORDS_CUT}),
    "a question of 10,000 characters": (repeat(ARTICLE, 9_999) + "？", None, {CUT, WORDS_CUT}),
    "a quoted text of 10,000 characters": ('"' + repeat(ARTICLE, 10_000) + '"', None, {CUT, WORDS_CUT}),
    "1,000 OR terms": (" OR ".join(f"{WORDS[n % 10]}{n}" for n in range(1_000)), None, {CUT, WORDS_CUT}),
    "1,000 | terms of the text": (pieces(2, 1_000, " | "), None, {CUT, WORDS_CUT}),
    "1,000 exclusions": ("新乡 " + pieces(2, 1_000, template="-{}"), None, {CUT, WORDS_CUT}),
    "1,000 quoted texts": (pieces(3, 1_000, template='"{}"'), None, {CUT, WORDS_CUT}),
    "1,000 NOTs": ("NOT " * 1_000 + "新乡", NOTHING, {CUT, NOTHING_SEARCHABLE}),
    "500 nested parentheses": ("(" * 500 + "新乡" + ")" * 500, "新乡", {CUT}),
    "330 nested, 31 ORs": ("(" * 300 + "(新乡 OR " * 30 + "郑州" + ")" * 330, "新乡 OR 郑州", set()),
    "100 nested ORs: the 41st word is cut": ("(新乡 OR " * 100 + "郑州" + ")" * 100, "新乡", {WORDS_CUT}),
    "parentheses galore": ("()" * 5_000, NOTHING, {CUT, NOTHING_SEARCHABLE}),
    "quotes galore": ('"' * 10_000, NOTHING, {CUT, NOTHING_SEARCHABLE}),
    "every kind of quote, unbalanced": ('"新乡 “发展 「经济 』' * 500, None, {CUT, WORDS_CUT}),
    "* alone": ("*", NOTHING, {NOTHING_SEARCHABLE}),
    "? alone": ("?", NOTHING, {NOTHING_SEARCHABLE}),
    "wildcards are not expanded": ("新*", "新", set()),
    "wildcards around a word": ("*新乡*", "新乡", set()),
    "a wildcard inside a word splits it": ("新?乡", "新 乡", set()),
    "wildcards galore": ("* ? " * 2_500, NOTHING, {CUT, NOTHING_SEARCHABLE}),
    "field prefixes galore": ("title:新乡 source:日报 year:2019 " * 500, None, {CUT}),
    "control characters and surrogates": ("\x00\x01\ud800新乡\udfff\x7f", "新乡", set()),
}


@pytest.fixture(scope="module")
def hostile_index_dir(tmp_path_factory):
    """The seeds and a few hundred articles made of their sentences."""
    from search.indexer import index_paths

    folder = tmp_path_factory.mktemp("hostile")
    articles = synthetic_articles(folder / "articles.jsonl", SYNTHETIC)
    summary = index_paths([SEEDS, articles], folder / "index", procs=1)
    assert summary.indexed == 5 + SYNTHETIC, summary.as_dict()
    return folder / "index"


@pytest.fixture(scope="module")
def hostile_index(hostile_index_dir):
    return open_index(hostile_index_dir)


def within_guard(function, *args, guard: float = HANG_GUARD, **kwargs):
    """``function(*args, **kwargs)``, failing the test if it has not returned within ``guard`` seconds.

    A daemon thread, not an executor: leaving a ``ThreadPoolExecutor`` block
    waits for its thread, so a hang would hang the guard too instead of failing."""
    outcome: dict[str, object] = {}

    def call() -> None:
        try:
            outcome["result"] = function(*args, **kwargs)
        except BaseException as error:  # raised again in the test's thread
            outcome["error"] = error

    thread = threading.Thread(target=call, daemon=True)
    thread.start()
    thread.join(guard)
    if thread.is_alive():
        pytest.fail(f"no answer within {guard:.0f} s")
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def test_the_hang_guard_reports_a_hang_instead_of_hanging():
    started = time.monotonic()
    with pytest.raises(pytest.fail.Exception, match="no answer within 1 s"):
        within_guard(threading.Event().wait, guard=1.0)  # waits forever
    assert time.monotonic() - started < HANG_GUARD
    assert within_guard(sum, [1, 2]) == 3
    with pytest.raises(ZeroDivisionError):
        within_guard(divmod, 1, 0)


@pytest.mark.parametrize("name", PATHOLOGICAL)
def test_a_pathological_query_is_answered_in_bounded_time(hostile_index, name):
    query, same_as, notes = PATHOLOGICAL[name]
    started = time.perf_counter()
    result = within_guard(hostile_index.search, query, per_page=MAX_PER_PAGE)
    print(f"{name}: {time.perf_counter() - started:.3f} s, {result['total']} found")

    assert set(result["notes"]) >= notes
    assert 0 <= result["total"] <= hostile_index.doc_count()
    assert len(result["hits"]) == min(result["total"], MAX_PER_PAGE)
    parsed = parse_query(query)
    clauses = [*parsed.clauses(), *parsed.excluded]
    assert len(clauses) <= MAX_CLAUSES and sum(len(clause.text) for clause in clauses) <= MAX_QUERY_CHARS
    assert sum(len(segment_words(clause.text)) for clause in clauses) <= MAX_QUERY_WORDS
    if same_as is not None:  # the same documents, in the same order of date
        found, expected = (
            hostile_index.search(q, per_page=MAX_PER_PAGE, sort="newest") for q in (query, same_as)
        )
        assert found["total"] == expected["total"] == result["total"]
        assert [hit["id"] for hit in found["hits"]] == [hit["id"] for hit in expected["hits"]]


def test_the_equivalent_queries_find_documents(hostile_index):
    """The equivalences above are not vacuous (but for queries with nothing searchable, which find nothing)."""
    for query in {same_as for _, same_as, _ in PATHOLOGICAL.values() if same_as not in (None, NOTHING)}:
        assert hostile_index.search(query)["total"] > 0, query
    assert hostile_index.search(NOTHING)["total"] == 0


def found_ids(index, query: str) -> set[str]:
    ids: set[str] = set()
    for page in range(1, 10):
        hits = index.search(query, page=page, per_page=MAX_PER_PAGE, sort="newest")["hits"]
        ids |= {hit["id"] for hit in hits}
        if len(hits) < MAX_PER_PAGE:
            return ids
    raise AssertionError("more documents than the index holds")


# Quoted texts are checked against the stored texts together, only where the
# rest of the query still matches, and such partial checks are not cached:
# the combinations must still find exactly what each text alone finds.
@pytest.mark.parametrize(
    "first, second",
    [('"高质量发展"', '"民生实事"'), ('"项目建设"', '"落脚点"'), ('"乡"', '"高质量发展"'),
     ('title:"样本文章1"', '"民生实事"'), ('"經濟"', '"项目建设"'), ('"高质量发展"', '"高质量发展"')],
)  # fmt: skip
def test_quoted_texts_combine_as_sets(hostile_index, first, second):
    hostile_index.clear_caches()
    alone = found_ids(hostile_index, first), found_ids(hostile_index, second)
    assert alone[0] and alone[1]
    expected = {"and": alone[0] & alone[1], "or": alone[0] | alone[1], "not": alone[0] - alone[1]}
    combined = {"and": f"{first} {second}", "or": f"{first} OR {second}", "not": f"{first} -{second}"}
    hostile_index.clear_caches()
    for _ in ("cold", "warm"):
        assert {name: found_ids(hostile_index, query) for name, query in combined.items()} == expected
    again = found_ids(hostile_index, first), found_ids(hostile_index, second)
    assert again == alone  # nothing was cached wrong


@pytest.mark.parametrize(
    "page, per_page",
    [(0, 10), (-1, 10), (MAX_PAGE + 1, 10), (10**18, 10), (10**100, 10), (1, 0), (1, -5),
     (1, MAX_PER_PAGE + 1), (1, 10**9), ("1e9", 10), ("", 10), (None, 10), (1, None),
     (float("inf"), 10), (float("nan"), 10), (1, "10; DROP TABLE"), ([1], 10)],
)  # fmt: skip
def test_paging_out_of_range_is_a_query_error(hostile_index, page, per_page):
    with pytest.raises(QueryError):
        within_guard(hostile_index.search, "新乡", page=page, per_page=per_page)


@pytest.mark.parametrize("query", ["", "新乡", repeat(ARTICLE, 10_000)])
def test_the_last_page_of_the_largest_size_is_answered_empty(hostile_index, query):
    result = within_guard(hostile_index.search, query, page=MAX_PAGE, per_page=MAX_PER_PAGE)
    assert result["hits"] == [] and result["page"] == MAX_PAGE
    assert result["total"] == hostile_index.search(query)["total"]


# Any text at all, and text made of the query language's own syntax and odd
# characters (a lone surrogate: an argument that was not UTF-8; zero-width,
# full-width, an emoji, a capital whose lower case is longer).
SYNTAX = [*'新乡發展经济的是什么 "“”「」-:|()*?？', "OR", "NOT", "source:", "year:", "title:",
          "\ud800", "\udcff", "\x00", "\u200b", "\ufeff", "\ufffd", "Ａ", "\U0001f600", "İ", "\n"]  # fmt: skip
QUERY_TEXT = st.text(st.characters(exclude_categories=()), max_size=80) | st.lists(
    st.sampled_from(SYNTAX), max_size=30
).map("".join)


@settings(max_examples=150, deadline=None)
@given(query=QUERY_TEXT, page=st.integers(-1, MAX_PAGE + 1), per_page=st.integers(-1, MAX_PER_PAGE + 1))
def test_any_query_is_searched_and_only_paging_is_refused(hostile_index, query, page, per_page):
    in_range = 1 <= page <= MAX_PAGE and 1 <= per_page <= MAX_PER_PAGE
    try:
        result = hostile_index.search(query, page=page, per_page=per_page)
    except QueryError:
        assert not in_range
        return
    assert in_range
    assert result["query"] == query and result["page"] == page and result["per_page"] == per_page
    assert 0 <= result["total"] <= hostile_index.doc_count()
    assert len(result["hits"]) == max(0, min(per_page, result["total"] - (page - 1) * per_page))
    assert all(hit["id"] and isinstance(hit["title"], str) for hit in result["hits"])


# --- the server ----------------------------------------------------------------

WEB_LONGEST = 200  # web.params.MAX_QUERY_CHARS


def api(query: str = "", **params) -> str:
    return "/api/search?" + urlencode({"q": query, **params} if query else params, doseq=True)


# The worst a client can send the web, and the status it must get.
HOSTILE_REQUESTS = [
    (api(ARTICLE[:WEB_LONGEST]), 200),
    (api(ARTICLE[: WEB_LONGEST - 1] + "？"), 200),
    (api(pieces(3, 40, template='"{}"')[:WEB_LONGEST]), 200),
    (api(pieces(2, 40, " OR ")[:WEB_LONGEST]), 200),
    (api(pieces(2, 60, template="-{}")[:WEB_LONGEST]), 200),
    (api("(" * 99 + "新乡" + ")" * 99), 200),
    (api('"' * WEB_LONGEST), 200),
    (api("* ? " * 50), 200),
    (api("新*"), 200),
    # Finds nothing under 20 filters: every relaxation and suggestion is searched too.
    (api(ARTICLE[:WEB_LONGEST], province=[f"省{n}" for n in range(20)]), 200),
    (api(pieces(3, 40, template='"{}"')[:WEB_LONGEST], topic=[f"主题{n}" for n in range(20)]), 200),
    (api(ARTICLE[:WEB_LONGEST], page=MAX_PAGE, per_page=MAX_PER_PAGE), 200),
    (api("新" * 10_000), 400),
    (api("新乡", page=10**9), 400),
    (api("新乡", per_page=10**9), 400),
    (api("新乡", year="0" * 5_000), 400),
    ("/search?" + urlencode({"q": ARTICLE[:WEB_LONGEST], "province": "河南省"}), 200),
    ("/search?" + urlencode({"q": pieces(3, 40, template='"{}"')[:WEB_LONGEST]}), 200),
]


def check_answer(status: int, content_type: str, body: str, expected: int, path: str) -> None:
    assert status == expected, (path[:120], status, body[:300])
    if path.startswith("/api/"):
        assert content_type.startswith("application/json")
        data = json.loads(body)
        if status == 200:
            assert data["ok"] is True and data["total"] >= len(data["hits"])
        else:
            assert (
                data == {"ok": False, "error": data["error"], "status": status, "code": data["code"]}
                and data["error"]
            )


@pytest.fixture(scope="module")
def live_server(hostile_index_dir):
    from web import create_app

    with LiveServer(create_app({"INDEX_DIR": str(hostile_index_dir)}), threads=4) as server:
        yield server


def test_every_hostile_request_gets_its_answer(live_server):
    for path, expected in HOSTILE_REQUESTS:
        check_answer(*live_server.get(path, timeout=HANG_GUARD), expected, path)


def test_ordinary_requests_are_answered_while_hostile_ones_run(live_server):
    ordinary = api("新乡")
    status, _, body = live_server.get(ordinary)
    assert status == 200
    expected = json.loads(body)
    assert expected["total"] > 0
    expected_ids = [hit["id"] for hit in expected["hits"]]

    failures: list[str] = []

    def attack(offset: int) -> None:
        try:
            for round_ in range(2):
                for number in range(len(HOSTILE_REQUESTS)):
                    path, status = HOSTILE_REQUESTS[(number + offset + round_) % len(HOSTILE_REQUESTS)]
                    check_answer(*live_server.get(path, timeout=HANG_GUARD), status, path)
        except Exception as error:  # reported to the test below
            failures.append(f"{type(error).__name__}: {error}")

    attackers = [threading.Thread(target=attack, args=(offset,)) for offset in range(4)]
    for attacker in attackers:
        attacker.start()
    latencies = []
    while any(attacker.is_alive() for attacker in attackers):
        started = time.perf_counter()
        status, _, body = live_server.get(ordinary, timeout=HANG_GUARD)
        latencies.append(time.perf_counter() - started)
        assert status == 200, body[:300]
        answer = json.loads(body)
        assert answer["total"] == expected["total"]
        assert [hit["id"] for hit in answer["hits"]] == expected_ids

    print(f"{len(latencies)} ordinary requests during the storm, slowest {max(latencies):.2f} s")
    assert failures == []
    assert len(latencies) >= 3  # they were answered during the storm, not after it
    assert max(latencies) < HANG_GUARD
