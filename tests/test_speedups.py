"""The C loops of indexing (``search/_speedups.c``) give what the Python code they replace gives.

Each function against its Python original: the postings of jieba's cut
(``analysis._index_terms``), Whoosh's ``Positions.encode``, and a word field's
columns as ``WordField.index_columns`` then ``GroupedPostings.add_columns`` make
them; then whole indexes, built with and without the C code, posting for posting.
"""

from __future__ import annotations

import gzip
import itertools
import json
import os
import subprocess
import sys
from array import array

import numpy as np
import pytest
from conftest import CORPUS, ROOT, SEEDS
from hypothesis import given, settings
from hypothesis import strategies as st
from whoosh.formats import Positions

from search import analysis, speedups
from search.engine.segment_writer import GroupedPostings
from search.normalize import normalize_for_search
from search.schema import build_schema, encode_positions
from search.stories import StoryBook

C = speedups.SPEEDUPS
needs_c = pytest.mark.skipif(C is None, reason="search._speedups is not built (or XUNWEN_PURE_PYTHON is set)")


def test_the_c_loops_are_built_where_a_compiler_is():
    """``pip install -e .`` builds them; a missing module would silently run the Python path."""
    if os.environ.get(speedups.PURE_PYTHON_VARIABLE, "") not in ("", "0"):
        pytest.skip("XUNWEN_PURE_PYTHON is set")
    if subprocess.run(["sh", "-c", "command -v cc || command -v gcc"], capture_output=True).returncode:
        pytest.skip("no C compiler here: the Python path runs")
    assert C is not None, "search/_speedups.c is not built: run `pip install -e .` (python3 run.py does)"


def test_pure_python_variable_turns_them_off():
    code = "from search.speedups import SPEEDUPS; print(SPEEDUPS is None)"
    env = dict(os.environ, XUNWEN_PURE_PYTHON="1")
    shown = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
    assert shown.stdout.strip() == "True", shown.stderr


def _texts() -> list[str]:
    texts = [path.read_text(encoding="utf-8") for path in sorted(SEEDS.glob("*.txt"))]
    texts += [
        "",
        "，。！",
        "PM2.5 与 td-lte 在 2020年 的 北京市海淀区中关村科技园区",
        "中华人民共和国国务院新闻办公室 中华人民共和国 人民共和国 共和国",
        "a" * 3 + " 9" * 1200,  # a word at more than a batch of positions
        "執著於 台灣 臺北市 高质量发展 乡村振兴 一带一路",
        "\u00b2\u00b3 ½ ① Ⅻ ٣ \u0e51 ＡＢＣ１２３",  # alphanumeric by Unicode, not by ASCII
    ]
    for name in ("xwlb.jsonl.gz", "tw_news.jsonl.gz", "fudan.jsonl.gz"):
        if (CORPUS / name).exists():
            with gzip.open(CORPUS / name, "rt", encoding="utf-8") as handle:
                texts += [json.loads(line).get("content", "") for line in itertools.islice(handle, 150)]
    return texts


@needs_c
def test_postings_of_the_cut_are_the_python_loops(monkeypatch):
    texts = [normalize_for_search(text) for text in _texts()]
    fast = [analysis._index_terms(text) for text in texts]
    monkeypatch.setattr(speedups, "SPEEDUPS", None)
    plain = [analysis._index_terms(text) for text in texts]
    assert len(texts) > 7
    for text, (fast_postings, fast_words), (plain_postings, plain_words) in zip(
        texts, fast, plain, strict=True
    ):
        assert fast_words == plain_words, text[:40]
        assert list(fast_postings.items()) == list(plain_postings.items()), text[:40]  # in the same order


@needs_c
def test_postings_of_the_cut_take_the_general_path_when_sub_words_say_so():
    cut = ["我们", "，", "高质量", "发展", "高质量"]
    calls = []

    def sub_words(word):
        calls.append(word)
        return ("高质", "质量") if len(calls) == 1 else None

    assert C.word_postings(cut, sub_words) is None
    assert C.word_postings(cut, lambda word: ("高质", "质量")) == (
        {"我们": [0], "高质量": [1, 3], "高质": [1, 3], "质量": [1, 3], "发展": [2]},
        ["我们", "高质量", "发展", "高质量"],
    )
    with pytest.raises(TypeError):
        C.word_postings(["高质量"], lambda word: ["高质"])
    with pytest.raises(ZeroDivisionError):
        C.word_postings(["高质量"], lambda word: 1 / 0)
    with pytest.raises(TypeError):
        C.word_postings([b"bytes"], lambda word: ())


_EDGES = [[], [0], [5], [255], [256], [65535], [65536], [2**31 - 1], [0, 0], [3, 3, 7], [1, 2**31]]


@needs_c
@pytest.mark.parametrize("positions", _EDGES + [list(range(n)) for n in (999, 1000, 1001, 2000, 2001, 3500)])
def test_positions_are_encoded_as_whoosh_encodes_them(positions):
    assert C.encode_positions(positions) == Positions().encode(positions)
    assert encode_positions(positions) == Positions().encode(positions)


@needs_c
@settings(max_examples=300, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=2**31 - 1), max_size=2500).map(sorted))
def test_any_positions_are_encoded_as_whoosh_encodes_them(positions):
    assert C.encode_positions(positions) == Positions().encode(positions)


@needs_c
def test_a_delta_beyond_32_bits_is_refused_not_miswritten():
    with pytest.raises(OverflowError):
        C.encode_positions([2**31])
    with pytest.raises(TypeError):
        C.encode_positions((1, 2))


def _columns(pool: GroupedPostings, fieldname: str):
    postings = pool.fields[fieldname]
    return (dict(postings.term_numbers), postings.term_ids.tolist(), postings.docs.tolist(),
            postings.weights.tolist(), postings.values, pool.count)  # fmt: skip


@needs_c
@pytest.mark.parametrize("boost", [1.0, 2.5])
@pytest.mark.parametrize("field_boost", [1.0, 0.3])
def test_word_columns_are_added_as_the_python_path_adds_them(field_boost, boost):
    field = build_schema()["body"]
    field.format.field_boost = field_boost
    documents = [analysis._index_terms(normalize_for_search(text))[0] for text in _texts()]
    fast, plain = GroupedPostings(), GroupedPostings()
    plain.add_columns("body", 0, ["先到"], None, None)  # a field whose values come after a valueless term
    fast.add_columns("body", 0, ["先到"], None, None)
    for docnum, postings in enumerate(documents, start=1):
        length = fast.add_positions("body", docnum, postings, field_boost, boost)
        terms, plain_length, weights, values = field.index_columns(postings, boost)
        plain.add_columns("body", docnum, terms, weights, values)
        assert length == plain_length
    assert _columns(fast, "body") == _columns(plain, "body")


@needs_c
def test_word_columns_that_cannot_be_added_change_nothing():
    pool = GroupedPostings()
    pool.add_positions("body", 0, {"河南": [0, 4], "郑州": [1]}, 1.0, 1.0)
    before = _columns(pool, "body")
    with pytest.raises(OverflowError):
        pool.add_positions("body", 1, {"新词": [0], "河南": [2**31]}, 1.0, 1.0)
    with pytest.raises(TypeError):
        pool.add_positions("body", 1, {"新词": [0], "又一个": (1,)}, 1.0, 1.0)
    assert _columns(pool, "body") == before
    columns = pool.fields["body"]
    with pytest.raises(TypeError):
        C.add_positions(columns.term_numbers, columns.term_ids, columns.docs, [], columns.values, 1,
                        {"新词": [0]}, 1.0, 1.0)  # fmt: skip
    assert array("I", columns.term_ids).tolist() == before[1]


def _postings_of(index_dir) -> tuple[list, list]:
    from whoosh import index as whoosh_index

    from search.schema import INDEX_NAME

    ix = whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME)
    with ix.reader() as reader:
        return list(reader.iter_docs()), list(reader.iter_postings())


class _Counting:
    """The C module, noting which of its functions were taken."""

    def __init__(self):
        self.taken: set[str] = set()

    def __getattr__(self, name):
        self.taken.add(name)
        return getattr(C, name)


@needs_c
def test_an_index_built_with_the_c_loops_is_the_one_built_without(tmp_path, monkeypatch):
    from search.indexer import index_paths

    articles = tmp_path / "articles.jsonl"
    articles.write_text("".join(json.dumps({"id": f"a{n}", "content": text}, ensure_ascii=False) + "\n"
                                for n, text in enumerate(_texts()) if text.strip()), encoding="utf-8")  # fmt: skip
    counting = _Counting()
    monkeypatch.setattr(speedups, "SPEEDUPS", counting)
    fast = index_paths([articles], tmp_path / "fast", procs=1)
    # Every loop of the C file is reached through the one switch, so None below turns all of them off.
    assert counting.taken == set(speedups.FUNCTIONS) - {"encode_positions"}  # that one is add_positions' own
    monkeypatch.setattr(speedups, "SPEEDUPS", None)
    plain = index_paths([articles], tmp_path / "plain", procs=1)
    assert fast.indexed == plain.indexed > 7
    assert _postings_of(tmp_path / "fast") == _postings_of(
        tmp_path / "plain"
    )  # stored fields too: topics, regions
    signatures = [StoryBook.open(folder).stories for folder in (tmp_path / "fast", tmp_path / "plain")]
    fast_live, plain_live = (list(book.live()) for book in signatures)
    assert len(fast_live) == fast.indexed
    for (fast_id, fast_story, fast_sig), (plain_id, plain_story, plain_sig) in zip(
        fast_live, plain_live, strict=True
    ):
        assert (fast_id, fast_story, fast_sig.shingles) == (plain_id, plain_story, plain_sig.shingles)
        assert np.array_equal(fast_sig.hashvalues, plain_sig.hashvalues)


def test_the_bench_switch_turns_every_loop_off():
    before = speedups.SPEEDUPS
    with speedups.pure_python():
        assert speedups.SPEEDUPS is None
    assert speedups.SPEEDUPS is before


@needs_c
def test_translation_is_str_translate_for_every_table():
    from search import normalize

    tables = [*normalize._full_tables()[:2], normalize._FOLD_TABLE]
    texts = _texts() + ["a\ud800b\udfff", "\u3000\ufeff\u200b\ue000\ufffd", "𠀀𪚥 😀 臺灣", "ＡＢＣ１２３"]
    for table in tables:
        lookup = normalize._arrays_of(table)[1]
        for text in texts:
            assert C.translate(text, lookup) == text.translate(table), text[:40]
    unchanged = "简体中文，没有要改的"
    assert C.translate(unchanged, normalize._arrays_of(tables[0])[1]) is unchanged
    with pytest.raises(ValueError):
        C.translate("a", np.array([0xFFFFFFFE] * 200, dtype=np.uint32))


@needs_c
@pytest.mark.parametrize("count", [0, 1, 7, 378, 2048, 5000])
def test_minhash_is_the_numpy_minhash(count, monkeypatch):
    from search import stories

    hashes = np.random.default_rng(count).integers(0, 2**32, count, dtype=np.uint64).astype(np.uint32)
    fast = stories.minhash_values(hashes)
    monkeypatch.setattr(speedups, "SPEEDUPS", None)
    assert fast.dtype == np.uint32 and fast.flags.writeable
    assert np.array_equal(fast, stories.minhash_values(hashes))
    with pytest.raises(ValueError):
        C.minhash(hashes, stories._A, stories._B[:-1])


@needs_c
def test_keyword_counts_are_the_python_counts(monkeypatch):
    from search.extract import topics

    table = topics.load_table()
    word_lists = [analysis._index_terms(normalize_for_search(text))[1] for text in _texts()]
    word_lists += [
        [],
        ["乡村"],
        ["乡村", "振兴"],
        ["乡村", "振兴", "战略", "乡村", "振兴"],
        list(table.keywords)[:50],
    ]
    fast = [topics.keyword_counts(words) for words in word_lists]
    monkeypatch.setattr(speedups, "SPEEDUPS", None)
    plain = [topics.keyword_counts(words) for words in word_lists]
    assert fast == plain
    assert sum(map(len, plain)) > 100  # keywords were found, runs of two and three words among them
    runs = [
        key for counts, words in zip(plain, word_lists, strict=True) for key in counts if key not in words
    ]
    assert runs  # keywords of two or three words, joined from runs of words
    assert topics.keyword_counts(("乡村", "振兴")) == plain[len(_texts()) + 2]
    with pytest.raises(TypeError):
        C.keyword_counts(["乡村"], list(table.beginnings), table.keywords, 3)


def test_an_extension_built_from_another_version_of_the_file_is_not_used(monkeypatch):
    import types

    import search

    stale = types.ModuleType("search._speedups")
    stale.VERSION = speedups.VERSION
    for name in speedups.FUNCTIONS[:-1]:  # built before the last function was added
        setattr(stale, name, len)
    monkeypatch.setitem(sys.modules, "search._speedups", stale)
    monkeypatch.setattr(search, "_speedups", stale, raising=False)
    monkeypatch.delenv(speedups.PURE_PYTHON_VARIABLE, raising=False)
    with pytest.warns(UserWarning, match="another version"):
        assert speedups._load() is None
    setattr(stale, speedups.FUNCTIONS[-1], len)
    assert speedups._load() is stale
    stale.VERSION = speedups.VERSION + 1
    with pytest.warns(UserWarning, match="another version"):
        assert speedups._load() is None


@needs_c
def test_place_names_are_found_as_the_python_scan_finds_them(monkeypatch):
    from search.extract import region
    from search.normalize import to_simplified

    texts = [to_simplified(text) for text in _texts()]
    texts += [
        "河南",
        "河南省郑州市",
        "郑州",
        "在河南省",
        "内蒙古自治区呼和浩特市",
        "河",
        "",
        "北京" * 40,
        "乌鲁木齐"[:3],
    ]
    texts += [text[-70:] for text in texts if len(text) > 70]  # the long path, and names cut at the end
    fast = [list(region._find_names(text)) for text in texts]
    fast_regions = [region.extract_region(text) for text in _texts()]
    monkeypatch.setattr(speedups, "SPEEDUPS", None)
    plain = [list(region._find_names(text)) for text in texts]
    assert fast == plain
    assert sum(map(len, plain)) > 200
    assert [region.extract_region(text) for text in _texts()] == fast_regions
    index = region._name_index()
    with pytest.raises(TypeError):
        C.find_names("河南", index.names, index.lengths, index.starts[:1000])


@needs_c
def test_gram_keys_are_the_numpy_keys(monkeypatch):
    texts = [normalize_for_search(text) for text in _texts()] + ["", "，", "a", "_", "a_b", "𠀀𪚥", "\ud800a"]
    fast = [analysis.character_gram_keys(text) for text in texts]
    monkeypatch.setattr(speedups, "SPEEDUPS", None)
    plain = [analysis.character_gram_keys(text) for text in texts]
    for text, fast_keys, plain_keys in zip(texts, fast, plain, strict=True):
        assert fast_keys.dtype == plain_keys.dtype == np.int64, text[:40]
        assert np.array_equal(fast_keys, plain_keys), text[:40]
    assert sum(map(len, plain)) > 10_000
