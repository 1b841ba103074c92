"""The grouping segment writer against Whoosh's own, on real documents and real indexes.

Three claims (see ``search/segment_writer.py``): in Whoosh's mode it writes
the very bytes Whoosh writes; in its default mode every posting and term
statistic reads back the same; sealing segments to bound memory changes
nothing a search sees.
"""

from __future__ import annotations

import gzip
import itertools
import json
import zlib

import numpy as np
import pytest
from conftest import CORPUS, SEEDS
from whoosh import index as whoosh_index
from whoosh.writing import SegmentWriter

import search.engine.segment_writer as segment_writer
from search import indexer
from search.engine.bulk_blocks import CRC32, MD5, hash_tables
from search.engine.segment_writer import GroupedPostings, GroupingSegmentWriter
from search.loaders import iter_records
from search.schema import INDEX_NAME, build_schema, encode_positions


def _documents(tmp_path, corpus_items: int = 300) -> list[dict]:
    """add_document arguments of the seeds, corpus articles when present, and
    articles made to share words, so that terms span several 128-posting blocks."""
    paths = [SEEDS]
    xwlb = CORPUS / "xwlb.jsonl.gz"
    if xwlb.exists():
        sample = tmp_path / "xwlb-sample.jsonl"
        with gzip.open(xwlb, "rt", encoding="utf-8") as source:
            sample.write_text("".join(itertools.islice(source, corpus_items)), encoding="utf-8")
        paths.append(sample)
    made = tmp_path / "made.jsonl"
    with open(made, "w", encoding="utf-8") as out:
        for number in range(400):
            repeated = "发展" * (1 + number % 7)  # different frequencies: weights other than 1
            item = {"id": f"made-{number}", "title": f"新乡第{number}号通知", "date": f"20{10 + number % 12}-03-0{1 + number % 9}",
                    "source": ["河南日报", "新华社"][number % 2], "topic": "经济,民生" if number % 3 else "",
                    "content": f"新乡市{repeated}高质量发展。第{number}条消息。" + "郑州" * (number % 5)}  # fmt: skip
            out.write(json.dumps(item, ensure_ascii=False) + "\n")
    paths.append(made)
    fields = []
    for record in iter_records(paths):
        cleaned = indexer.clean_record(record)
        fields.append(indexer.index_fields(indexer.prepare_document(cleaned)))
    return fields


def _build(folder, writer_class, documents, **kwargs) -> whoosh_index.Index:
    folder.mkdir()
    ix = whoosh_index.create_in(str(folder), build_schema(), indexname=INDEX_NAME)
    writer = writer_class(ix, **kwargs)
    for fields in documents:
        writer.add_document(**fields)
    writer.commit()
    return whoosh_index.open_dir(str(folder), indexname=INDEX_NAME)


def _segment_parts(ix) -> dict[str, bytes]:
    """Every file inside the index's one segment, named without the segment id."""
    (segment,) = ix._segments()
    storage = segment.open_compound_file(ix.storage)
    return {
        name.replace(segment.segment_id(), "SEG"): storage.open_file(name).read() for name in storage.list()
    }


def _postings(ix) -> list[tuple]:
    with ix.reader() as reader:
        return list(reader.iter_postings())


def _term_statistics(ix) -> dict:
    with ix.reader() as reader:
        stats = {}
        for fieldname, text in reader.all_terms():
            info = reader.term_info(fieldname, text)
            stats[fieldname, text] = (info.weight(), info.doc_frequency(), info.min_length(), info.max_length(),
                                      info.max_weight(), info.min_id(), info.max_id())  # fmt: skip
        return stats


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    return _documents(tmp_path_factory.mktemp("documents"))


@pytest.fixture(scope="module")
def whoosh_built(tmp_path_factory, documents):
    return _build(tmp_path_factory.mktemp("whoosh") / "ix", SegmentWriter, documents)


def test_in_whooshs_mode_the_segment_is_byte_for_byte_whooshs(tmp_path, monkeypatch, documents, whoosh_built):
    original = segment_writer.write_grouped_postings

    def like_whoosh(fieldwriter, schema, lengths, pool):
        return original(fieldwriter, schema, lengths, pool, small_block=0, compress=zlib.compress,
                        values_protocol=2, hashtype=MD5)  # fmt: skip

    monkeypatch.setattr(segment_writer, "write_grouped_postings", like_whoosh)
    monkeypatch.setattr(segment_writer, "STORED_COMPRESS", None)  # Whoosh's zlib.compress
    monkeypatch.setattr(
        segment_writer, "_CHUNK_TERMS", 97
    )  # many chunks, terms of many blocks across their edges
    ours = _segment_parts(_build(tmp_path / "ours", GroupingSegmentWriter, documents))
    theirs = _segment_parts(whoosh_built)
    assert sorted(ours) == sorted(theirs)
    assert any(name.endswith(".pst") for name in ours) and any(name.endswith(".trm") for name in ours)
    for name in theirs:
        assert ours[name] == theirs[name], name


def test_comma_keyword_fields_are_indexed_as_whooshs_analyzer_indexes_them(tmp_path, monkeypatch, documents):
    # regions, topics and tags skip Whoosh's analyzer (search.engine.segment_writer
    # splits them itself): held to it on values the extractors never make.
    odd = [" a , b ,a", "a,,b,", " , ", "河南,河南,郑州,河南", ",", "b"]
    documents = [
        {**fields, "regions": value, "tags": value[::-1], "topics": value.strip()}
        for fields, value in zip(documents, odd * 20, strict=False)
    ]
    original = segment_writer.write_grouped_postings

    def like_whoosh(fieldwriter, schema, lengths, pool):
        return original(fieldwriter, schema, lengths, pool, small_block=0, compress=zlib.compress,
                        values_protocol=2, hashtype=MD5)  # fmt: skip

    monkeypatch.setattr(segment_writer, "write_grouped_postings", like_whoosh)
    monkeypatch.setattr(segment_writer, "STORED_COMPRESS", None)
    ours = _segment_parts(_build(tmp_path / "ours", GroupingSegmentWriter, documents))
    theirs = _segment_parts(_build(tmp_path / "theirs", SegmentWriter, documents))
    assert sorted(ours) == sorted(theirs)
    for name in theirs:
        assert ours[name] == theirs[name], name


def test_fields_written_in_bulk_are_byte_for_byte_the_loops(tmp_path, monkeypatch, documents):
    # The default mode (small blocks uncompressed, a small zlib window) is not
    # Whoosh's, so the bulk writer of weightless, valueless fields is held to
    # the block-by-block loop it replaces, on the same documents.
    monkeypatch.setattr(segment_writer, "_CHUNK_TERMS", 97)  # chunk edges inside multi-block terms
    bulk = _segment_parts(_build(tmp_path / "bulk", GroupingSegmentWriter, documents))
    monkeypatch.setattr(segment_writer, "BULK_BLOCKS", False)
    loop = _segment_parts(_build(tmp_path / "loop", GroupingSegmentWriter, documents))
    assert sorted(bulk) == sorted(loop)
    for name in loop:
        assert bulk[name] == loop[name], name


def test_bulk_pickles_are_the_picklers(documents):
    import pickle

    import numpy as np

    from search.engine import bulk_blocks

    numbers = [0, 1, 127, 128, 255, 256, 65535, 65536, 2**24, 2**31 - 1]
    encoded, lengths = bulk_blocks.pickled_ints(np.array(numbers))
    assert encoded.tobytes() == b"".join(pickle.dumps(number, 2)[2:-1] for number in numbers)
    assert lengths.tolist() == [len(pickle.dumps(number, 2)) - 3 for number in numbers]
    # Blocks of 1 to 6 postings, compressed or not, first, middle and last of a term.
    deltas = np.array([5, 3, 300, 1, 70000, 2, 1, 1, 1, 9, 9, 9, 9, 9, 9, 2**31 - 70369], dtype=np.int64)
    starts, ends = np.array([0, 1, 3, 6, 10, 15]), np.array([1, 3, 6, 10, 15, 16])
    last_doc = np.cumsum(deltas)[ends - 1]  # the last is 2**31 - 1
    first, last = np.array([1, 0, 1, 0, 0, 1], bool), np.array([1, 1, 0, 0, 1, 1], bool)
    for empty_values, small_block in ((False, 128), (True, 30), (False, 0)):
        data, block_lengths = bulk_blocks.block_bytes(
            deltas, starts, ends, last_doc, np.zeros(6, np.int64), np.arange(6) + 250, first, last,
            b"W3Bl", empty_values, 1, small_block, segment_writer.compress_block,
        )  # fmt: skip
        expected = []
        for block, (begin, end) in enumerate(zip(starts, ends, strict=True)):
            body = pickle.dumps((tuple(deltas[begin:end].tolist()), None, () if empty_values else None), 2)
            comp = 1 if len(body) >= small_block else 0
            body = segment_writer.compress_block(body, 1) if comp else body
            info = pickle.dumps((int(end - begin), int(last_doc[block]), 1.0, comp, 0, 250 + block), 2)
            length = len(info) + len(body)
            expected.append((b"W3Bl" if first[block] else b"") + (-length if last[block] else length).to_bytes(
                4, "big", signed=True) + info + body)  # fmt: skip
        assert data.tobytes() == b"".join(expected)
        assert block_lengths.tolist() == [len(block) for block in expected]


def test_the_test_documents_make_multi_block_terms_and_varied_weights(whoosh_built):
    # Otherwise the byte comparison above would not cover those paths.
    stats = _term_statistics(whoosh_built)
    assert max(doc_frequency for _, doc_frequency, *_ in stats.values()) > 2 * 128
    assert any(weight != doc_frequency for weight, doc_frequency, *_ in stats.values())


def test_in_its_default_mode_every_posting_reads_back_the_same(tmp_path, documents, whoosh_built):
    ours = _build(tmp_path / "ours", GroupingSegmentWriter, documents)
    assert _postings(ours) == _postings(whoosh_built)
    assert _term_statistics(ours) == _term_statistics(whoosh_built)
    with ours.reader() as reader, whoosh_built.reader() as whooshs:
        assert list(reader.all_stored_fields()) == list(whooshs.all_stored_fields())
    # The stored documents are compressed by ISA-L, not by Whoosh's zlib call.
    stored = next(name for name in _segment_parts(ours) if name.endswith("_stored.col"))
    assert _segment_parts(ours)[stored] != _segment_parts(whoosh_built)[stored]
    # Small blocks are stored uncompressed: the postings file is not larger.
    size = {name: len(data) for name, data in _segment_parts(ours).items()}
    whoosh_size = {name: len(data) for name, data in _segment_parts(whoosh_built).items()}
    pst = next(name for name in size if name.endswith(".pst"))
    assert size[pst] <= whoosh_size[pst]


def test_the_term_table_is_hashed_with_crc32_and_whooshs_reader_finds_every_term(tmp_path, documents):
    ours = _build(tmp_path / "ours", GroupingSegmentWriter, documents)
    trm = next(data for name, data in _segment_parts(ours).items() if name.endswith(".trm"))
    assert trm[:4] == b"HSH3" and trm[4] == CRC32  # the header HashReader takes its hash from
    with ours.reader() as reader:
        terms = list(reader.all_terms())
        assert len(terms) > 5_000
        # term_info goes through the hash tables: home slot, probing, key comparison
        assert all(reader.term_info(fieldname, text).doc_frequency() > 0 for fieldname, text in terms)
        assert not any((fieldname, text + b"\x00") in reader for fieldname, text in terms[::50])


def test_an_index_of_md5_segments_takes_crc32_segments_and_merges_them(
    tmp_path, monkeypatch, documents, whoosh_built
):
    # Indexes written before the change hold md5 term tables: they are searched and
    # merged with new segments, each table read with the hash its header names.
    half = len(documents) // 2
    monkeypatch.setattr(segment_writer, "TERM_HASH", MD5)
    ix = _build(tmp_path / "mixed", GroupingSegmentWriter, documents[:half])
    monkeypatch.setattr(segment_writer, "TERM_HASH", CRC32)
    writer = GroupingSegmentWriter(ix)
    for fields in documents[half:]:
        writer.add_document(**fields)
    writer.commit(merge=False)
    hash_types = []
    for segment in ix._segments():
        storage = segment.open_compound_file(ix.storage)
        name = next(name for name in storage.list() if name.endswith(".trm"))
        hash_types.append(storage.open_file(name).read()[4])
    assert sorted(hash_types) == [MD5, CRC32]
    with ix.searcher() as searcher, whoosh_built.searcher() as theirs:
        for fieldname, text in [("body", "新乡"), ("body", "发展"), ("chars", "量发"), ("source", "新华社")]:
            assert searcher.doc_frequency(fieldname, text) == theirs.doc_frequency(fieldname, text) > 0
    writer = GroupingSegmentWriter(ix)
    writer.commit(optimize=True)
    merged = whoosh_index.open_dir(str(tmp_path / "mixed"), indexname=INDEX_NAME)
    assert len(merged._segments()) == 1
    assert _term_statistics(merged) == _term_statistics(whoosh_built)


def _probe(table: np.ndarray, numslots: np.ndarray, keyhash: int) -> list[int]:
    """``HashReader.ranges_for_key``'s walk: the positions of the slots holding ``keyhash``."""
    starts = np.cumsum(numslots) - numslots
    start, slots = int(starts[keyhash & 255]), int(numslots[keyhash & 255])
    found, slot = [], (keyhash >> 8) % max(slots, 1)
    for _ in range(slots):
        entry = table[start + slot]
        if not entry["position"]:
            break
        if entry["hash"] == keyhash:
            found.append(int(entry["position"]))
        slot = (slot + 1) % slots
    return found


@pytest.mark.parametrize("seed", range(6))
def test_hash_tables_put_every_key_where_whooshs_reader_probes(seed):
    rng = np.random.default_rng(seed)
    count = [1, 2, 40, 700, 3_000, 20_000][seed]
    # Few distinct home slots and tables crowd the keys into long runs that wrap
    # past their table's end; equal hashes (keys differing beyond the hash) too.
    spread = [1 << 32, 1 << 32, 1 << 10, 1 << 12, 1 << 32, 1 << 14][seed]
    hashes = rng.integers(0, spread, size=count, dtype=np.int64) | (rng.integers(0, 3, size=count) << 30)
    positions = np.arange(count, dtype=np.int64) * 7 + 13
    table, numslots = hash_tables(hashes, positions)
    assert numslots.tolist() == (2 * np.bincount(hashes & 255, minlength=256)).tolist()
    assert len(table) == 2 * count and np.count_nonzero(table["position"]) == count
    for keyhash, position in zip(hashes.tolist(), positions.tolist(), strict=True):
        assert position in _probe(table, numslots, keyhash)
    # The same keys one at a time, as Whoosh inserts them: the same slots are taken.
    whooshs = np.zeros(len(table), dtype=bool)
    starts = np.cumsum(numslots) - numslots
    for keyhash in hashes.tolist():
        start, slots = starts[keyhash & 255], numslots[keyhash & 255]
        slot = (keyhash >> 8) % slots
        while whooshs[start + slot]:
            slot = (slot + 1) % slots
        whooshs[start + slot] = True
    assert (whooshs == (table["position"] != 0)).all()


def test_hash_tables_wrap_a_run_past_the_tables_end_to_its_first_slots():
    # One table (hash & 255 == 0) of 4 keys, 8 slots: homes 7, 7, 7 and 0.
    hashes = np.array([7 << 8, (7 + 8) << 8, (7 + 16) << 8, 0 << 8], dtype=np.int64)
    table, numslots = hash_tables(hashes, np.array([100, 200, 300, 400]))
    assert numslots[0] == 8
    assert table["position"].tolist() == [200, 300, 400, 0, 0, 0, 0, 100]


def test_a_term_table_holding_md5_keys_keeps_md5(tmp_path):
    from whoosh.filedb.filestore import FileStorage
    from whoosh.filedb.filetables import OrderedHashWriter

    storage = FileStorage(str(tmp_path))
    fresh = OrderedHashWriter(storage.create_file("fresh"))
    assert segment_writer._set_hash_type(fresh, CRC32) == CRC32 and fresh.hashtype == CRC32
    used = OrderedHashWriter(storage.create_file("used"))
    used.add(b"a", b"1")
    assert segment_writer._set_hash_type(used, CRC32) == MD5 and used.hashtype == MD5
    for writer in (fresh, used):
        writer.close()


def test_sealed_segments_hold_the_same_documents_and_postings(tmp_path, documents, whoosh_built):
    ours = _build(tmp_path / "ours", GroupingSegmentWriter, documents, max_segment_postings=5_000)
    assert len(ours._segments()) > 3
    with ours.searcher() as searcher, whoosh_built.searcher() as theirs:
        assert searcher.doc_count() == theirs.doc_count() == len(documents)
        for fieldname, text in [("body", "新乡"), ("body", "发展"), ("chars", "量发"), ("source", "新华社")]:
            assert searcher.doc_frequency(fieldname, text) == theirs.doc_frequency(fieldname, text)
            assert searcher.frequency(fieldname, text) == theirs.frequency(fieldname, text)
            ids = sorted(
                searcher.stored_fields(n)["id"] for n in searcher.postings(fieldname, text).all_ids()
            )
            assert ids == sorted(
                theirs.stored_fields(n)["id"] for n in theirs.postings(fieldname, text).all_ids()
            )


def test_the_pool_yields_postings_as_whooshs_pool_would(documents, whoosh_built):
    pool = GroupedPostings()
    with whoosh_built.reader() as reader:
        expected = list(reader.iter_postings())
    for fieldname, text, docnum, weight, value in reversed(expected):  # any order in
        pool.add((fieldname, text, docnum, weight, value))
    assert [(f, t, d, w, v or b"") for f, t, d, w, v in pool.iter_postings()] == [
        (f, t, d, w, v or b"") for f, t, d, w, v in expected
    ]


def test_indexing_seals_segments_in_worker_processes_and_finds_everything(tmp_path, monkeypatch):
    monkeypatch.setattr(segment_writer, "MAX_SEGMENT_POSTINGS", 300)
    summary = indexer.index_paths([SEEDS], tmp_path / "ix", procs=2)
    assert summary.indexed == 5 and not summary.failed
    ix = whoosh_index.open_dir(str(tmp_path / "ix"), indexname=INDEX_NAME)
    assert len(ix._segments()) >= 3
    from search import open_index

    results = open_index(tmp_path / "ix").search("新乡")
    assert results["total"] == 2


def test_positions_are_encoded_as_whoosh_encodes_them():
    positions_format = build_schema()["body"].format
    for positions in ([], [0], [7], [65535], [65536], [3, 9, 200], [5, 5], list(range(0, 4000, 7))):
        assert encode_positions(positions) == positions_format.encode(positions)
        assert encode_positions(positions) == positions_format.encode(positions)  # again, from the cache


def test_fields_index_columns_match_their_index_method(documents):
    schema = build_schema()
    for fields in documents[:50]:
        for name in ("title", "body", "chars"):
            field = schema[name]
            rows = list(field.index(fields[name]))
            terms, length, weights, values = field.index_columns(fields[name])
            if name == "chars":  # the indexer gives them as keys, and the writer takes them so
                terms = [term.decode("utf-8") for term in field.terms_of_keys(terms)]
            assert [term.encode("utf-8") for term in terms] == [row[0] for row in rows]
            assert length == sum(row[1] for row in rows)
            assert (weights or [1.0] * len(terms)) == [row[2] for row in rows]
            assert (values or [b""] * len(terms)) == [row[3] for row in rows]


@pytest.mark.timeout(900)  # 84 s on a busy machine: more than the suite's default 300 s is possible
def test_merging_segments_with_deletions_reads_back_as_whooshs_merge(tmp_path, documents):
    import shutil

    ours = _build(tmp_path / "ours", GroupingSegmentWriter, documents, max_segment_postings=8_000)
    writer = GroupingSegmentWriter(ours)
    for fields in documents[::7]:
        writer.delete_by_term("id", fields["id"])
    writer.commit(merge=False)
    shutil.copytree(tmp_path / "ours", tmp_path / "theirs")
    theirs = whoosh_index.open_dir(str(tmp_path / "theirs"), indexname=INDEX_NAME)
    assert len(ours._segments()) > 3 and ours.doc_count() == len(documents) - len(documents[::7])
    # optimize: every segment is read back (add_reader) into the writer's pool and written anew.
    GroupingSegmentWriter(ours).commit(optimize=True)
    SegmentWriter(theirs).commit(optimize=True)
    ours = whoosh_index.open_dir(str(tmp_path / "ours"), indexname=INDEX_NAME)
    theirs = whoosh_index.open_dir(str(tmp_path / "theirs"), indexname=INDEX_NAME)
    assert len(ours._segments()) == len(theirs._segments()) == 1
    assert _postings(ours) == _postings(theirs)
    assert _term_statistics(ours) == _term_statistics(theirs)
    with ours.searcher() as searcher:
        deleted = {fields["id"] for fields in documents[::7]}
        assert not deleted & {stored["id"] for stored in searcher.all_stored_fields()}


@pytest.mark.timeout(900)
def test_a_writer_that_adds_and_merges_in_one_commit_reads_back_as_whooshs(tmp_path, documents):
    # New documents give the chars field as integer keys, merged segments give
    # it as text: one pool holds both, in either order.
    import shutil

    first, later = documents[: len(documents) // 2], documents[len(documents) // 2 :]
    ours = _build(tmp_path / "ours", GroupingSegmentWriter, first, max_segment_postings=20_000)
    assert len(ours._segments()) > 1
    shutil.copytree(tmp_path / "ours", tmp_path / "theirs")
    theirs = whoosh_index.open_dir(str(tmp_path / "theirs"), indexname=INDEX_NAME)
    for ix, writer_class in ((ours, GroupingSegmentWriter), (theirs, SegmentWriter)):
        with ix.reader() as reader:
            (segment_reader, *_) = reader.leaf_readers()
            writer = writer_class(ix)
            writer.add_reader(segment_reader[0])  # text first, then keys
            for fields in later[:50]:
                writer.add_document(**fields)
            writer.commit(merge=False)
        writer = writer_class(ix)
        for fields in later[50:]:  # keys first, then the merge's text
            writer.add_document(**fields)
        writer.commit(optimize=True)
    ours = whoosh_index.open_dir(str(tmp_path / "ours"), indexname=INDEX_NAME)
    theirs = whoosh_index.open_dir(str(tmp_path / "theirs"), indexname=INDEX_NAME)
    assert _postings(ours) == _postings(theirs)
    assert _term_statistics(ours) == _term_statistics(theirs)


@pytest.mark.parametrize("largest_key", [2**42 - 1, 2**62])  # packed with the docnums in 64 bits, or not
def test_keyed_postings_sort_by_term_then_document_whatever_order_they_came_in(largest_key):
    import numpy as np

    rng = np.random.default_rng(7)
    pool = GroupedPostings()
    expected = []
    for docnum in [5, 0, 3, 900_000, 2, 1]:  # out of order, as documents merged from several segments
        keys = np.unique(np.append(rng.integers(0, 40, 30), largest_key))
        pool.add_keys("chars", docnum, keys, lambda many: [str(key).encode() for key in many.tolist()])
        expected += [(key, docnum) for key in keys.tolist()]
    expected.sort()
    terms, counts, order, docs = segment_writer._sort_field(pool.fields["chars"])
    assert order is None
    assert docs.tolist() == [docnum for _, docnum in expected]
    distinct = sorted({key for key, _ in expected})
    assert terms == [str(key).encode() for key in distinct]
    assert counts.tolist() == [sum(1 for key, _ in expected if key == term) for term in distinct]
