"""search.searcher: NumPy matching and scoring give Whoosh's own answers."""

from __future__ import annotations

import json

import numpy as np
import pytest
from whoosh import query as wq

from search import plan as plan_module
from search.engine import execute as execute_module
from search.engine.evaluate import Evaluation as _Evaluation
from search.engine.postings import read_lengths, read_postings
from search.normalize import normalize_for_search
from search.plan import CharacterFrequency, clause_query, scoring_query
from search.query import Clause, parse_query
from search.results import document_summary
from search.searcher import (
    QueryError,
    normalize_filters,
    open_index,
    resolve_region_filters,
)

QUERIES = [
    "新乡", "新鄉", "发展", "高质量发展", "新乡 发展", "新乡发展", "2017年度", "新乡 OR 郑州", "新乡 -郑州",
    '"高质量发展"', '"新乡作风"', '"2017年度"', "title:枣强", '"乡"', "量发", "发展 -新乡 OR 营商",
    "枣强县召开虎年新春第一会的主要内容是什么", "alert", "Script", "臺灣選舉",
    '"发展"', '"新鄉"', 'title:"新乡"', '新乡 -"发展"', '"质量"', '"新乡" OR "量发"',
]  # fmt: skip


@pytest.fixture(scope="module")
def web_index(web_index_dir):
    return open_index(web_index_dir)


@pytest.fixture(scope="module")
def segmented_index(tmp_path_factory):
    """An index of three commits (three segments) with one article replaced (a deletion)."""
    from search.indexer import index_paths

    folder = tmp_path_factory.mktemp("segmented")
    for number, articles in enumerate(
        [
            [("a", "新乡发展经济。新乡人民。"), ("b", "郑州发展。")],
            [("c", "新乡的发展很快！发展发展。"), ("d", "洛阳牡丹。新乡。")],
            [("a", "新乡发展经济，改了一个字。"), ("e", "高质量发展是主题。")],
        ]
    ):
        path = folder / f"part{number}.jsonl"
        lines = [json.dumps({"id": i, "title": t[:4], "content": t}, ensure_ascii=False) for i, t in articles]
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        index_paths([path], folder / "ix", procs=1)
    return open_index(folder / "ix")


def whoosh_mask(index, query: str) -> set[str]:
    """The documents the query matches, found the way Whoosh alone would."""
    searcher = index._searcher()
    parsed = parse_query(query)

    def clause_docs(clause):
        docs = set(searcher.docs_for_query(clause_query(clause)))
        if clause.quoted and len(clause.normalized) == 1:  # one character: wherever it occurs (issue 12)
            docs = set(searcher.reader().all_doc_ids())
        if clause.quoted:
            needle = clause.normalized
            fields = ("title",) if clause.field == "title" else ("title", "body")
            docs = {d for d in docs if any(needle in normalize_for_search(searcher.stored_fields(d).get(f) or "")
                                           for f in fields)}  # fmt: skip
        return docs

    live = set(searcher.reader().all_doc_ids())
    if plan_module.is_long(parsed):
        words = plan_module.long_query_words(parsed)
        counts = {}
        for word in words:
            for doc in clause_docs(Clause(word)):
                counts[doc] = counts.get(doc, 0) + 1
        docs = {d for d, n in counts.items() if n >= plan_module.min_should_match(len(words))}
    else:
        docs = set(live)
        for group in parsed.groups:
            docs &= set().union(*(clause_docs(clause) for clause in group))
        for clause in parsed.excluded:
            docs -= clause_docs(clause)
    return {searcher.stored_fields(d)["id"] for d in docs & live}


@pytest.mark.parametrize("query", QUERIES)
def test_matching_is_whoosh_matching(web_index, query):
    result = web_index.search(query, per_page=100)
    assert {hit["id"] for hit in result["hits"]} == whoosh_mask(web_index, query)
    assert result["total"] == len(result["hits"]) == web_index.count(query)


@pytest.mark.parametrize("query", ["新乡", "发展 经济", "新乡 -郑州", "改了", "牡丹 OR 郑州", '"发展经济"'])
def test_matching_across_segments_and_deletions(segmented_index, query):
    result = segmented_index.search(query, per_page=100)
    assert {hit["id"] for hit in result["hits"]} == whoosh_mask(segmented_index, query)


def test_quoted_words_held_as_tokens_are_not_read_again(web_index, monkeypatch):
    # A document holding the quoted text as a word token holds it verbatim;
    # only the other candidates (all bigrams present) have their text read.
    read = []
    original = execute_module.documents_holding

    def counting(searcher, needles, candidates):
        read.append(int(np.count_nonzero(candidates.any(axis=0))))
        return original(searcher, needles, candidates)

    monkeypatch.setattr(execute_module, "documents_holding", counting)
    web_index.clear_caches()
    # (Two characters quoted need no reading at all: a bigram is verbatim.)
    result = web_index.search('"新乡市"', per_page=50)
    assert result["total"] >= 2 and read and read[0] < result["total"]
    assert {hit["id"] for hit in result["hits"]} == whoosh_mask(web_index, '"新乡市"')


def whoosh_part(tree):
    """The scoring tree without ``CharacterFrequency``, which xunwen scores itself (a
    single character's count, ``search.engine.characters``), and those nodes."""
    if isinstance(tree, CharacterFrequency):
        return None, [tree]
    if isinstance(tree, (wq.And, wq.Or)):
        kept, ours = [], []
        for child in tree.subqueries:
            part, found = whoosh_part(child)
            ours += found
            if part is not None:
                kept.append(part)
        return (type(tree)(kept, boost=tree.boost) if ours else tree), ours
    return tree, []


def whoosh_scores(searcher, evaluation, tree) -> dict[int, float]:
    """Whoosh's scores of the tree, plus xunwen's own character counts where it has them."""
    part, ours = whoosh_part(tree)
    scores = {hit.docnum: hit.score for hit in searcher.search(part, limit=None)}
    for node in ours:
        extra = evaluation.scores(node)
        for docnum in scores:
            scores[docnum] += extra[docnum]
    return scores


@pytest.mark.parametrize("query", [q for q in QUERIES if '"' not in q])
def test_scores_are_whoosh_scores(web_index, query):
    searcher = web_index._searcher()
    tree = scoring_query(parse_query(query))
    evaluation = _Evaluation(web_index._generation(searcher), searcher)
    ours = evaluation.scores(tree)
    theirs = whoosh_scores(searcher, evaluation, tree)
    assert evaluation.exact
    assert set(np.flatnonzero(ours).tolist()) == set(theirs)
    for docnum, score in theirs.items():
        assert ours[docnum] == pytest.approx(score, rel=1e-9)


def _folded_trees():
    term = wq.Term
    chars = wq.ConstantScoreQuery(wq.And([term("chars", "新乡")]), score=0.5)
    return [
        wq.Or([term("title", "新乡"), term("body", "新乡", boost=2.0), chars]),
        wq.Or([chars, term("body", "新乡"), term("body", "发展")]),  # the constant first
        wq.And([term("body", "发展"), chars, term("body", "经济", boost=0.5)]),
        wq.And([wq.Or([term("body", "新乡"), term("body", "郑州")]), term("body", "发展")], boost=1.5),
        wq.Or([wq.And([term("body", "发展"), term("body", "经济")]), term("title", "新乡"), chars]),
        wq.And([wq.Every(), term("body", "发展")]),
        wq.Or([term("body", "发展"), wq.Every()]),
    ]


@pytest.mark.parametrize("tree", _folded_trees(), ids=str)
def test_folded_scores_are_whoosh_scores(web_index, tree):
    # Each branch of ``Evaluation._fold``: a word added where its postings are, a
    # constant added where it holds, either of them first or later, in an And or an
    # Or, boosted, nested, beside ``Every``; twice, the second time from the kept scores.
    searcher = web_index._searcher()
    generation = web_index._generation(searcher)
    live = generation.columns.live.copy()
    theirs = {hit.docnum: hit.score for hit in searcher.search(tree, limit=None)}
    for _ in range(2):
        ours = _Evaluation(generation, searcher).scores(tree)
        assert set(np.flatnonzero(ours).tolist()) == set(theirs)
        for docnum, score in theirs.items():
            assert ours[docnum] == pytest.approx(score, rel=1e-9)
    assert np.array_equal(generation.columns.live, live)  # folding into a copy, never the column


@pytest.mark.parametrize("query", QUERIES)
def test_relevance_order_is_whoosh_order(web_index, query, monkeypatch):
    # Few exact rescorings, so that the NumPy estimate has to choose them well.
    monkeypatch.setattr(execute_module, "RESCORED", 3)
    searcher = web_index._searcher()
    hits = web_index.search(query, per_page=3)["hits"]
    matched = web_index._match(query, None).final
    tree = scoring_query(parse_query(query))
    evaluation = _Evaluation(web_index._generation(searcher), searcher)
    scores = whoosh_scores(searcher, evaluation, tree)
    reference = sorted(
        (docnum for docnum in scores if matched[docnum]), key=lambda d: (-round(scores[d], 9), d)
    )
    assert [hit["id"] for hit in hits] == [searcher.stored_fields(docnum)["id"] for docnum in reference[:3]]


@pytest.mark.parametrize(
    "field, text",
    [
        ("body", "新乡"),
        ("body", "发展"),
        ("title", "新乡"),
        ("chars", "新乡"),
        ("chars", "发展"),
        ("body", "无此词"),
    ],
)
def test_posting_arrays_are_whoosh_postings(segmented_index, field, text):
    reader = segmented_index._searcher().reader()
    postings = read_postings(reader, field, text)
    expected_docs, expected_weights = [], []
    if (field, text) in reader:
        matcher = reader.postings(field, text)
        while matcher.is_active():
            expected_docs.append(matcher.id())
            expected_weights.append(matcher.weight())
            matcher.next()
    live = set(reader.all_doc_ids())
    assert [d for d in postings.docs.tolist() if d in live] == expected_docs
    assert [
        w for d, w in zip(postings.docs.tolist(), postings.weights.tolist(), strict=True) if d in live
    ] == expected_weights


@pytest.mark.parametrize("field", ["title", "body"])
def test_field_lengths_are_whoosh_lengths(segmented_index, field):
    reader = segmented_index._searcher().reader()
    lengths = read_lengths(reader, field, reader.doc_count_all())
    assert lengths.tolist() == [
        float(reader.doc_field_length(d, field, 0) or 0) for d in range(reader.doc_count_all())
    ]


def test_running_index_sees_new_commits_and_forgets_old_caches(tmp_path):
    from search.indexer import index_paths

    path = tmp_path / "a.jsonl"
    path.write_text(json.dumps({"id": "1", "content": "洛阳牡丹花会开幕。"}, ensure_ascii=False) + "\n")
    index_paths([path], tmp_path / "ix", procs=1)
    index = open_index(tmp_path / "ix")
    assert index.count('"牡丹花会"') == 1
    path.write_text(json.dumps({"id": "2", "content": "牡丹花会闭幕。"}, ensure_ascii=False) + "\n")
    index_paths([path], tmp_path / "ix", procs=1)
    assert index.count('"牡丹花会"') == 2 and index.count("闭幕") == 1
    assert len(index._generations) == 1


def test_clear_caches_changes_nothing_but_time(web_index):
    before = web_index.search('"高质量发展" 新乡')
    web_index.clear_caches()
    after = web_index.search('"高质量发展" 新乡')
    assert [hit["id"] for hit in before["hits"]] == [hit["id"] for hit in after["hits"]]
    assert before["total"] == after["total"]


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"region": ["新鄉"]}, {"region": ["新乡市"]}),
        ({"region": ["新乡", "北京"]}, {"region": ["新乡市", "北京市"]}),
        ({"region": ["不存在的地方"]}, {"region": ["不存在的地方"]}),
        ({"province": ["河南"]}, {"province": ["河南省"]}),
        ({"province": ["新乡"]}, {"province": ["新乡"]}),  # a city is not a province
        ({"city": ["新乡市"]}, {"city": ["新乡市"]}),
        ({"county": ["金水"]}, {"county": ["金水区"]}),
    ],
)
def test_region_names_are_resolved(filters, expected):
    assert resolve_region_filters(normalize_filters(filters)) == expected


@pytest.mark.parametrize(
    "filters, error",
    [
        ({"year": ["18"]}, "year must be four digits or none"),
        ({"month": ["2018-00"]}, "month must be YYYY-MM or none"),
        ({"date_from": "2018-02-30"}, "date_from is not a valid date: '2018-02-30'"),
        ({"date_from": "2019-01-01", "date_to": "2018-01-01"}, "date_from is after date_to"),
        ({"colour": ["red"]}, "unknown filter 'colour'"),
    ],
)
def test_bad_filters(filters, error):
    with pytest.raises(QueryError) as raised:
        normalize_filters(filters)
    assert str(raised.value) == error


@pytest.mark.parametrize(
    "stored, date, published",
    [
        ({"date": "2018-06-13"}, "2018-06-13", "2018-06-13"),
        ({"date": "2018-06"}, None, "2018-06"),
        ({}, None, None),
    ],
)
def test_hits_carry_a_full_date_or_none(stored, date, published):
    summary = document_summary(stored)
    assert (summary["date"], summary["published"]) == (date, published)


@pytest.mark.parametrize("doc_id", ["000_aafb63f222c135ea", "002_e5f43c8234b78bf3", "gd-1", "xss-1"])
def test_similar_articles_are_whoosh_more_like_this(web_index, doc_id):
    searcher = web_index._searcher()
    docnum = searcher.document_number(id=doc_id)
    body = searcher.stored_fields(docnum)["body"]
    expected = [hit["id"] for hit in searcher.more_like(docnum, "body", text=body, top=3, numterms=20)]
    assert [hit["id"] for hit in web_index.similar(doc_id, limit=3)] == expected


def test_threads_read_the_segments_in_place_and_follow_a_rebuild(tmp_path):
    import threading

    from conftest import SEEDS

    from search import open_index
    from search.indexer import index_paths

    index_dir = tmp_path / "ix"
    index_paths([SEEDS], index_dir, procs=1)
    index = open_index(index_dir)
    totals = []
    threads = [
        threading.Thread(target=lambda: totals.append(index.search("新乡")["total"])) for _ in range(4)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert totals == [2] * 4  # four searchers over the same memory maps
    index_paths([SEEDS], index_dir, procs=1, rebuild=True)  # new segment files, old ones deleted
    assert index.search("新乡")["total"] == 2 and index.doc_count() == 5  # not the old segment too


def _segment_map_flags(index_dir) -> list[list[str]]:
    """The VmFlags of every mapping of the index's segment files in this process
    (a file advised in parts has several)."""
    flags, mapping = [], None
    for line in open("/proc/self/smaps", encoding="utf-8"):
        if line[:1] in "0123456789abcdef" and "-" in line.split()[0]:
            path = line.split()[-1]
            mapping = path if path.endswith(".seg") and path.startswith(str(index_dir)) else None
        elif mapping and line.startswith("VmFlags:"):
            flags.append(line.split()[1:])
    return flags


def test_segments_are_mapped_for_scattered_reads(tmp_path):
    # Without the hint, each page fault on a cold map read ahead up to the disk's
    # read_ahead_kb (8 MB here): a cold first search on a million articles spent
    # 1.5 s on 370 term-table probes.
    from conftest import SEEDS

    from search import open_index
    from search.engine.fixes import reading_through, scanning_terms
    from search.indexer import index_paths
    from search.suggest import WordTable

    index_dir = tmp_path / "ix"
    index_paths([SEEDS], index_dir, procs=1)
    index = open_index(index_dir)
    assert index.search("新乡")["total"] == 2
    flags = _segment_map_flags(index_dir)
    assert flags and all("rr" in mapped for mapped in flags), flags  # rr: MADV_RANDOM
    (leaf, _), *_ = index._searcher().reader().leaf_readers()
    with scanning_terms(leaf):  # a scan of the term table (the suggestion table) reads ahead
        assert any("rr" not in mapped for mapped in _segment_map_flags(index_dir))
    assert all("rr" in mapped for mapped in _segment_map_flags(index_dir))
    assert WordTable.from_reader(index._searcher().reader()).top("新乡", 5)  # built by such scans
    assert all("rr" in mapped for mapped in _segment_map_flags(index_dir))
    with reading_through(index._searcher().reader()):  # a merge, a pass over every id
        assert not any("rr" in mapped for mapped in _segment_map_flags(index_dir))
    assert all("rr" in mapped for mapped in _segment_map_flags(index_dir))


def test_a_terms_posting_bytes_are_asked_for_exactly(tmp_path):
    from conftest import synthetic_articles
    from whoosh.codec.whoosh3 import WHOOSH3_HEADER_MAGIC

    from search import open_index
    from search.engine.postings import _ask_for_postings
    from search.indexer import index_paths

    index_dir = tmp_path / "ix"
    index_paths([synthetic_articles(tmp_path / "many.jsonl", 600)], index_dir, procs=2)
    reader = open_index(index_dir)._searcher().reader()
    checked = multiblock = 0
    for segment, _offset in reader.leaf_readers():
        postfile = segment._terms._postfile
        asked: list[tuple[int, int]] = []
        postfile.will_need = lambda start, length, asked=asked: asked.append((start, length))  # asks nothing
        for fieldname in ("body", "title", "chars"):
            for text in list(segment.lexicon(fieldname))[::7]:
                asked.clear()
                assert _ask_for_postings(segment, fieldname, text)
                matcher = segment.postings(fieldname, text)
                while not hasattr(matcher, "_startoffset"):
                    matcher = matcher.child
                if segment.term_info(fieldname, text).is_inlined():
                    assert asked == []  # in the term table itself: nothing more to read
                    continue
                blocks = 1
                while not matcher._lastblock:
                    matcher._goto(matcher._nextoffset)
                    blocks += 1
                start = matcher._startoffset
                assert asked == [(start, matcher._nextoffset - start)], (fieldname, text)
                at = postfile._base + start  # the same bytes, seen through the segment's whole map
                assert postfile._source[at : at + 4] == WHOOSH3_HEADER_MAGIC
                checked += 1
                multiblock += blocks > 1
        assert not _ask_for_postings(segment, "body", "不在索引里的词")
    assert checked > 100 and multiblock > 5, (checked, multiblock)


def test_stored_bytes_are_asked_for_a_window_of_documents_at_a_time(tmp_path):
    from conftest import synthetic_articles

    from search import open_index
    from search.engine import stored as stored_module
    from search.indexer import index_paths

    index_dir = tmp_path / "ix"
    index_paths([synthetic_articles(tmp_path / "many.jsonl", 600)], index_dir, procs=2)
    searcher = open_index(index_dir)._searcher()
    texts = stored_module.StoredTexts(searcher)
    assert len(texts.leaves) >= 2
    asked: dict[int, list[tuple[int, int]]] = {}
    for number, data in enumerate(texts.raw):
        data._dbfile.will_need = lambda start, length, number=number: asked.setdefault(number, []).append(
            (start, start + length)
        )  # records, asks nothing
    wanted = list(range(1, searcher.doc_count_all(), 3))[::-1]  # any order: a page sorted by date
    assert list(stored_module.read_ahead(searcher, wanted, texts)) == wanted
    for number, ((first, end, _column), data) in enumerate(zip(texts.leaves, texts.raw, strict=True)):
        spans = asked.get(number, [])
        inside = [docnum for docnum in wanted if first <= docnum < end]
        assert bool(spans) == bool(inside)
        for docnum in inside:
            start = data._basepos + data._offsets[docnum - first]
            stop = start + data._lengths[docnum - first]
            assert any(low <= start and stop <= high for low, high in spans), docnum
        assert all(data._basepos <= low < high <= data._basepos + data._length for low, high in spans)
        assert len(spans) < len(inside)  # neighbours share a range
    assert [fields["id"] for fields in map(texts.fields, wanted)] == [
        searcher.stored_fields(docnum)["id"] for docnum in wanted
    ]


def test_without_madvise_searching_reads_as_before(tmp_path, monkeypatch):
    # Windows' mmap has no madvise: the hints are skipped, nothing fails.
    import mmap

    from conftest import SEEDS

    from search import open_index
    from search.indexer import index_paths

    index_dir = tmp_path / "ix"
    index_paths([SEEDS], index_dir, procs=1)
    queries = ("新乡", '"新乡市"', "新乡 NEAR/5 发展")
    advised = open_index(index_dir)
    expected = [advised.search(query)["total"] for query in queries]
    for name in ("MADV_RANDOM", "MADV_NORMAL", "MADV_WILLNEED"):
        monkeypatch.delattr(mmap, name)
    index = open_index(index_dir)
    assert [index.search(query)["total"] for query in queries] == expected and expected[0] == 2
    assert index.suggest("新乡")


class _AdviceSpy:
    """A segment's map whose advice is passed on and checked: a range the kernel would
    refuse (unaligned, past the end) is recorded instead of being suppressed."""

    def __init__(self, source):
        self.source, self.calls, self.refused = source, [], []

    def __len__(self):
        return len(self.source)

    def madvise(self, option, start=0, length=0):
        import mmap

        self.calls.append((option, start, length))
        if start % mmap.PAGESIZE or start + length > len(self.source) or length <= 0:
            self.refused.append((option, start, length))
        self.source.madvise(option, start, length)


def test_the_advice_given_is_advice_the_kernel_takes(tmp_path):
    import mmap

    from conftest import synthetic_articles

    from search import open_index
    from search.engine.postings import read_lengths, read_postings
    from search.engine.stored import StoredTexts, read_ahead
    from search.indexer import index_paths

    index_dir = tmp_path / "ix"
    index_paths([synthetic_articles(tmp_path / "many.jsonl", 300)], index_dir, procs=1)
    searcher = open_index(index_dir)._searcher()
    reader = searcher.reader()
    stored = StoredTexts(searcher)

    def read_everything():
        for text in ("样本", "文章", "新乡"):
            assert len(read_postings(reader, "body", text).docs)
        assert read_lengths(reader, "body", reader.doc_count_all()).any()
        assert len(list(read_ahead(searcher, list(range(reader.doc_count_all())), stored)))

    read_everything()  # opens every part read, so that its map can be watched
    parts = []
    for segment, _ in reader.leaf_readers():
        parts += [segment._terms._postfile, segment._terms._dbfile]
        for column in segment._perdoc._readers.values():
            while column is not None and not hasattr(column, "_dbfile"):
                column = getattr(column, "_child", None)
            if column is not None:
                parts.append(column._dbfile)
    spies: dict[int, _AdviceSpy] = {}
    for part in parts:
        if getattr(part, "_source", None) is not None:
            part._source = spies.setdefault(id(part._source), _AdviceSpy(part._source))
    read_everything()
    spies = list(spies.values())
    calls = [call for spy in spies for call in spy.calls]
    assert any(option == mmap.MADV_WILLNEED for option, _, _ in calls)
    assert [refused for spy in spies for refused in spy.refused] == []
