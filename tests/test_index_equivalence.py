"""The fast indexing pipeline builds the index the plain way would, document for document.

The plain way: Whoosh's own ``SegmentWriter`` in one process, every story
signature computed in the main process in input order (as before signatures
moved to the workers). The fast way: ``index_paths`` with two worker processes,
the grouping segment writer, signatures sent back from the workers. Compared by
document id: stored fields, every posting (term, weight, value), the story of
every document; on real articles of several corpora, with duplicates, a
replacement run and a bad file. The normalization fast paths are compared with
the straightforward code they replace.
"""

from __future__ import annotations

import functools
import gzip
import itertools
import json

import numpy as np
import pytest
from conftest import CORPUS
from whoosh.writing import SegmentWriter

import search.indexer as indexer
from search import analysis, normalize
from search.engine.writer import PreparingWriter
from search.indexer import index_paths
from search.loaders import LoadError, iter_records
from search.schema import INDEX_NAME
from search.stories import StoryBook, StoryIndex

pytestmark = pytest.mark.corpus
CORPORA = {"xwlb.jsonl.gz": 150, "tw_news.jsonl.gz": 60, "chinatimes.jsonl.gz": 30, "cec.jsonl.gz": 30,
           "fudan.jsonl.gz": 30}  # fmt: skip


def _items(name: str, count: int) -> list[dict]:
    with gzip.open(CORPUS / name, "rt", encoding="utf-8") as handle:
        items = [json.loads(line) for line in itertools.islice(handle, count)]
    for number, item in enumerate(items):
        item.setdefault("id", f"{name.split('.')[0]}-{number}")
    return items


def _write(path, items) -> None:
    path.write_text("".join(json.dumps(item, ensure_ascii=False) + "\n" for item in items), encoding="utf-8")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two runs of input: all articles (with an exact repeat, a copy under another
    id and a bad file), then a run that changes some and adds one."""
    if not (CORPUS / "xwlb.jsonl.gz").exists():
        pytest.skip("the shared corpus is absent")
    folder = tmp_path_factory.mktemp("equivalence-input")
    items = [item for name, count in CORPORA.items() for item in _items(name, count)]
    first = folder / "first"
    first.mkdir()
    _write(first / "articles.jsonl", items + [items[3], {**items[5], "id": "copy-of-5"}])
    (first / "broken.jsonl").write_text('{"id": "x", "content": "不完整\n', encoding="utf-8")
    (first / "binary.txt").write_bytes(b"\x00\x01\x02" * 200)
    second = folder / "second"
    second.mkdir()
    changed = [{**item, "content": item["content"] + "\n本文有更正。"} for item in items[::9]]
    _write(second / "changes.jsonl", changed + [{**items[1], "id": "new-one"}])
    return [first, second]


def _build(index_dir, runs, fast: bool, monkeypatch) -> list[dict]:
    with monkeypatch.context() as patch:
        if fast:
            # Small batches: the two workers' answers arrive out of input order.
            patch.setattr(indexer, "PreparingWriter", functools.partial(PreparingWriter, batchsize=4))
        else:
            # Whoosh's own writer, and the signature computed in the main process per record.
            patch.setattr(indexer, "GroupingSegmentWriter", SegmentWriter)
            patch.setattr(indexer, "_with_stories", _signatures_in_the_main_process)
        summaries = [index_paths([run], index_dir, procs=2 if fast else 1).as_dict() for run in runs]
    for summary in summaries:
        summary.pop("seconds")
    return summaries


def _signatures_in_the_main_process(writer, stories):
    """As before signatures moved: each record written is assigned by the main process at once."""
    add = writer.add_record

    def add_record(cleaned) -> None:
        add(cleaned)
        stories.add(cleaned.id, cleaned.body)

    writer.add_record = add_record
    return writer


def _plain_stories(runs) -> dict[str, int]:
    """Stories assigned in the main process, in input order, to each document written."""
    stories, known = StoryIndex(), {}
    for run in runs:
        this_run = {}
        for record in iter_records([run]):
            cleaned = record if isinstance(record, LoadError) else indexer.clean_record(record)
            if isinstance(cleaned, LoadError) or cleaned.id in this_run:
                continue
            this_run[cleaned.id] = cleaned.content_hash
            if known.get(cleaned.id) != cleaned.content_hash:
                stories.add(cleaned.id, cleaned.body)
        known.update(this_run)
    return {doc_id: story for doc_id, story, _ in stories.live()}


def _contents(index_dir) -> tuple[dict, dict]:
    """{id: stored fields} and {id: sorted postings (field, term, weight, value)} of the live documents."""
    from whoosh import index as whoosh_index

    ix = whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME)
    with ix.reader() as reader:
        ids = {docnum: fields["id"] for docnum, fields in reader.iter_docs()}
        stored = {doc_id: reader.stored_fields(docnum) for docnum, doc_id in ids.items()}
        postings: dict[str, list] = {doc_id: [] for doc_id in stored}
        for fieldname, text, docnum, weight, value in reader.iter_postings():
            if docnum in ids:
                postings[ids[docnum]].append((fieldname, text, weight, value))
    return stored, {doc_id: sorted(items) for doc_id, items in postings.items()}


def test_the_fast_pipeline_builds_what_the_plain_one_does(tmp_path, runs, monkeypatch):
    plain_summaries = _build(tmp_path / "plain", runs, False, monkeypatch)
    fast_summaries = _build(tmp_path / "fast", runs, True, monkeypatch)
    assert fast_summaries == plain_summaries
    assert plain_summaries[0]["repeated_id"] and plain_summaries[0]["same_text_as"]
    assert len(plain_summaries[0]["failed"]) == 2 and plain_summaries[1]["updated"] > 20
    plain_stored, plain_postings = _contents(tmp_path / "plain")
    fast_stored, fast_postings = _contents(tmp_path / "fast")
    assert len(fast_stored) == sum(CORPORA.values()) + 2  # the copy and the new one
    assert fast_stored == plain_stored
    assert fast_postings == plain_postings
    # The stories, from signatures made in the workers, as the main process assigned them in input order.
    expected = _plain_stories(runs)
    for folder in (tmp_path / "plain", tmp_path / "fast"):
        stories = StoryBook.open(folder).stories
        assert {doc_id: story for doc_id, story, _ in stories.live()} == expected


# ---------------------------------------------------------------------------
# Normalization: the fast paths against the straightforward code
# ---------------------------------------------------------------------------


def _plain_to_simplified(text: str) -> str:
    table, pattern, exceptions = normalize._t2s_tables()
    converted = text.translate(table)
    if pattern is not None and pattern.search(text):
        pieces = list(converted)
        for match in pattern.finditer(text):
            pieces[match.start() : match.end()] = exceptions[match.group()]
        converted = "".join(pieces)
    return converted


def _plain_grams(normalized: str) -> set[str]:
    grams = analysis.bigrams(normalized)
    for run in analysis._RUN.findall(normalized):
        grams.update(char for char in run if char.isalnum())
    return grams


def _plain_strip_pinyin(text: str) -> str:
    return normalize._PINYIN_RE.sub("", normalize._PINYIN_RE.sub("", text))


def _texts() -> list[str]:
    if not (CORPUS / "xwlb.jsonl.gz").exists():
        pytest.skip("the shared corpus is absent")
    texts = [item["content"] for name in CORPORA for item in _items(name, 300)]
    return texts + ["發(fā)展(zhǎn)臺灣乾隆皇帝", "（上接第一版）乾隆年間", "PM2.5_指数 İ"]


@pytest.mark.parametrize(
    ("fast", "plain"),
    [
        (normalize.to_simplified, _plain_to_simplified),
        (normalize.normalize_for_search, lambda text: _plain_to_simplified(text).translate(normalize._SEARCH_TABLE)),
        (normalize.strip_pinyin, _plain_strip_pinyin),
        (lambda text: analysis.character_grams(normalize.normalize_for_search(text)),
         lambda text: _plain_grams(_plain_to_simplified(text).translate(normalize._SEARCH_TABLE))),
        (lambda text: {analysis.gram_of_key(key) for key in
                       analysis.character_gram_keys(normalize.normalize_for_search(text)).tolist()},
         lambda text: _plain_grams(_plain_to_simplified(text).translate(normalize._SEARCH_TABLE))),
    ],
    ids=["to_simplified", "normalize_for_search", "strip_pinyin", "character_grams", "character_gram_keys"],
)  # fmt: skip
def test_normalization_fast_paths_give_the_plain_result(fast, plain):
    texts = _texts()
    assert [fast(text) for text in texts] == [plain(text) for text in texts]
    assert [fast(text) for text in texts] == [plain(text) for text in texts]  # again: the memo


def _plain_strip_boilerplate(text: str) -> str:
    text = normalize.strip_continuation_marks(text)
    lines = text.split("\n")
    simplified_lines = _plain_to_simplified(text).split("\n")
    tail_start = len(lines) - max(len(lines) // 3, 12)
    kept: list[str] = []
    for number, (line, simplified) in enumerate(zip(lines, simplified_lines, strict=True)):
        if normalize._is_copyright(simplified):
            if number >= tail_start:
                break
            continue
        if normalize._is_navigation(simplified) or normalize._is_editor(simplified):
            continue
        kept.append(line.rstrip())
    return normalize._squeeze_blank_lines(normalize.join_wrapped_lines("\n".join(kept)))


def test_boilerplate_is_stripped_as_the_plain_code_does():
    texts = [normalize.clean_characters(text) for text in _texts()]
    assert any(normalize._CONTINUATION_RE.search(text) for text in texts)
    assert [normalize.strip_boilerplate(text) for text in texts] == [
        _plain_strip_boilerplate(text) for text in texts
    ]


def test_gram_keys_are_distinct_and_in_the_term_tables_byte_order():
    # The segment writer sorts the chars field by key: that must be the order
    # of the terms' UTF-8 bytes, or the term table would be out of order.
    texts = _texts() + ["a", "", "_", "..", "x.y", "a_b", "𠀀𠀁a", "\ud800abc"]
    for text in texts:
        keys = analysis.character_gram_keys(normalize.normalize_for_search(text)).tolist()
        terms = [analysis.gram_of_key(key).encode("utf-8") for key in keys]
        assert terms == sorted(set(terms))
    classes = analysis._run_classes()
    run = analysis._RUN
    assert all((classes[point] > 0) == bool(run.fullmatch(chr(point))) for point in range(0, 0x110000, 7))


def test_gram_terms_of_many_keys_are_each_keys_gram():
    # The segment writer turns a segment's chars keys into terms in one call.
    texts = _texts() + ["a", "_", "x.y", "𠀀𠀁a", "é1"]
    keys = np.unique(
        np.concatenate([analysis.character_gram_keys(normalize.normalize_for_search(text)) for text in texts])
    )
    assert len(keys) > 1000
    expected = [analysis.gram_of_key(key).encode("utf-8") for key in keys.tolist()]
    assert analysis.gram_terms_of_keys(keys) == expected
    assert analysis.gram_terms_of_keys(keys[:0]) == []
    # Keys no run makes (a NUL, a surrogate) take the one-by-one path, with the same result.
    for odd in ([ord("a") << 21, (ord("a") << 21) | 1, 0], [0xDC80 << 21, (ord("b") << 21) | (0xDC81 + 1)]):
        assert analysis.gram_terms_of_keys(np.array(odd)) == [
            analysis.gram_of_key(key).encode("utf-8", "surrogateescape") for key in odd
        ]
