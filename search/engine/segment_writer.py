"""Writing a Whoosh segment's postings without Whoosh's per-posting machinery.

Whoosh's ``SegmentWriter`` puts every posting into a ``PostingPool`` as a
``(field, term, docnum, weight, value)`` tuple, sorts all of them at commit
(spilling sorted runs to disk and merging them back when they do not fit),
then hands them one by one to ``W3FieldWriter``: a method call, a length
lookup and a handful of type checks per posting, and a pickle, a zlib
stream and a hash-table insert per term. On news text that was two thirds of
indexing time.

``GroupedPostings`` replaces the pool: a field's postings go into flat
arrays (term number, docnum, weight; values in a list) as documents arrive,
mostly through C-level ``extend`` calls (``GroupingSegmentWriter.add_document``
takes whole columns from fields that offer ``index_columns``).
``write_grouped_postings`` sorts a field once with NumPy, computes every
block's and every term's statistics with NumPy, and writes the W3 postings
file and term table directly: per block two pickles and perhaps a
compression; fields without weights or values (``chars`` and the ID fields),
and every field's term table, are built for many terms at once with NumPy
(``search.engine.bulk_blocks``). The ``chars`` field's terms arrive as
integer keys (``add_keys``), sorted with one stable sort.

The output is byte for byte what Whoosh writes, with three exceptions by
default: the term table hashes its keys with CRC-32, not md5 (``TERM_HASH``),
and its hash tables hold each run's keys in order of home slot, not of arrival
(``bulk_blocks.hash_tables``); blocks whose pickle is shorter than
``SMALL_BLOCK`` bytes are stored uncompressed (Whoosh means to do the same: its
``_write_block`` sets ``comp = 0`` below 20 bytes and then overwrites it; its reader honours the
per-block compression flag; zlib on a 30-byte pickle only adds bytes), and
the others are compressed with a small zlib window (``compress_block``).
``tests/test_segment_writer.py`` checks both claims: with ``small_block=0,
compress=zlib.compress, hashtype=MD5`` the files equal Whoosh's, and by default every
posting and term statistic reads back the same.

Postings stay in memory until the segment is written, so a writer seals its
segment every ``MAX_SEGMENT_POSTINGS`` and starts another.
"""

from __future__ import annotations

import re
import zlib
from array import array
from itertools import repeat
from pickle import dumps

import numpy as np
from whoosh.analysis import IDTokenizer, KeywordAnalyzer
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3FieldWriter, _lenfield
from whoosh.filedb.filetables import _hash_functions
from whoosh.formats import Existence, Frequency
from whoosh.system import pack_int, pack_uint, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

from search import speedups
from search.engine import fixes
from search.engine.bulk_blocks import CRC32, MD5, SLOT, add_to_buckets, block_bytes, hash_tables, term_rows

# Blocks whose pickled data is shorter than this are not compressed.
SMALL_BLOCK = 128  # 60% fewer compressions than 64 on news, 0.2% larger index
# A segment is sealed (written) once it holds this many postings, so memory
# per writer is bounded whatever the collection's size: about 20,000 news
# articles of 1,400 characters, 0.9 GB at the peak (6 million: 0.8 GB, but
# twice the segments and a 15% larger index).
MAX_SEGMENT_POSTINGS = 10_000_000
# The term table's hash (``HashWriter``'s hash type, kept in its header, which
# ``HashReader`` reads): Whoosh's default md5 cost a digest object per term (with
# the probing in Python, a fifth of the commit of 2,000 news articles' 200,000 terms), and every
# term lookup of a search hashes again (Whoosh reads md5 as a hex string). CRC-32
# is one C call; the hash only places keys in the tables, whose readers compare the keys.
TERM_HASH = CRC32


class _TermNumbers(dict):
    """Term -> number in order of first arrival; a new term gets the next number.

    Terms are ``str``: the words and grams of a document are dictionary keys
    already, so their hashes are cached, and only the distinct terms of a
    segment are encoded, when it is written (UTF-8 keeps code-point order, and
    the sort is on the encoded bytes anyway). Whoosh's own postings arrive as
    bytes and are decoded (``surrogateescape``: any bytes come back the same).
    """

    def __missing__(self, term: str) -> int:
        number = self[term] = len(self)
        return number


class _FieldPostings:
    """The postings of one field in arrival order: parallel flat arrays."""

    __slots__ = ("term_numbers", "term_ids", "docs", "weights", "values", "key_chunks", "key_docs", "decode")

    def __init__(self):
        self.term_numbers = _TermNumbers()
        self.term_ids = array("I")
        self.docs = array("I")
        self.weights = array("d")
        self.values: list[bytes] | None = None  # made when the first non-empty value comes
        # Or, for a field whose terms come as integer keys (``GroupedPostings.add_keys``):
        # each document's sorted distinct keys, its number, and key -> term.
        self.key_chunks: list[np.ndarray] = []
        self.key_docs: list[int] = []
        self.decode = None  # an array of keys -> their terms as UTF-8 bytes


class GroupedPostings:
    """A drop-in for Whoosh's ``PostingPool`` that keeps postings in flat arrays per field.

    A posting costs a dictionary lookup and three array appends (plus its
    value, for positional fields) instead of a tuple; sorting happens at write
    time, with NumPy, on term ranks and document numbers.
    """

    def __init__(self):
        self.fields: dict[str, _FieldPostings] = {}
        self.fieldnames: set[str] = set()
        self.count = 0

    def _field(self, fieldname: str) -> _FieldPostings:
        postings = self.fields.get(fieldname)
        if postings is None:
            postings = self.fields[fieldname] = _FieldPostings()
            self.fieldnames.add(fieldname)
        return postings

    def add(self, item) -> None:
        """One ``(field, term, docnum, weight, value)`` posting (Whoosh's pool interface)."""
        fieldname, btext, docnum, weight, value = item
        self.add_terms(fieldname, docnum, ((btext, 1, weight, value),), 1.0)

    def add_keys(self, fieldname: str, docnum: int, keys: np.ndarray, decode) -> None:
        """One document's postings of a field as its terms' sorted distinct integer
        keys, in the order of the terms' bytes (weight 1.0, no values); ``decode``
        turns an array of keys into their terms' UTF-8 bytes. Kept as the arrays they come in."""
        postings = self._field(fieldname)
        if len(postings.docs):  # the field has postings with terms as text (a merge): one kind per field
            self.add_columns(fieldname, docnum, decode(keys), None, None)
            return
        postings.key_chunks.append(keys)
        postings.key_docs.append(docnum)
        postings.decode = decode
        self.count += len(keys)

    def _text_postings(self, fieldname: str) -> _FieldPostings:
        """The field's postings, its keyed ones turned into text terms first (a merge adds text)."""
        postings = self._field(fieldname)
        if postings.key_chunks:
            chunks, docs, decode = postings.key_chunks, postings.key_docs, postings.decode
            postings.key_chunks, postings.key_docs = [], []
            self.count -= sum(map(len, chunks))
            for docnum, keys in zip(docs, chunks, strict=True):
                self.add_columns(fieldname, docnum, decode(keys), None, None)
        return postings

    def add_terms(self, fieldname: str, docnum: int, items, boost: float) -> int:
        """Postings of one document's field from ``field.index()``; returns the field length."""
        postings = self._text_postings(fieldname)
        numbers = postings.term_numbers
        term_ids = postings.term_ids
        docs = postings.docs
        weights = postings.weights
        values = postings.values
        length = 0
        added = 0
        for btext, freq, weight, value in items:
            text = btext.decode("utf-8", "surrogateescape")
            number = numbers.get(text)
            if number is None:
                number = numbers[text] = len(numbers)
            term_ids.append(number)
            docs.append(docnum)
            weights.append(weight * boost)
            if value:
                if values is None:
                    values = postings.values = [b""] * (len(docs) - 1)
                values.append(value)
            elif values is not None:
                values.append(b"")
            length += freq
            added += 1
        self.count += added
        return length

    def add_columns(self, fieldname: str, docnum: int, terms: list[str],
                    weights: list[float] | None, values: list[bytes] | None) -> None:  # fmt: skip
        """One document's postings of a field as columns (``weights=None``: all 1.0).

        Every step is a C-level ``extend``; only new terms run Python code.
        """
        postings = self._text_postings(fieldname)
        count = len(terms)
        if count and isinstance(terms[0], bytes):
            terms = [term.decode("utf-8", "surrogateescape") for term in terms]
        postings.term_ids.extend(map(postings.term_numbers.__getitem__, terms))
        postings.docs.extend(repeat(docnum, count))
        postings.weights.extend(repeat(1.0, count) if weights is None else weights)
        if values:
            if postings.values is None:
                postings.values = [b""] * (len(postings.docs) - count)
            postings.values.extend(values)
        elif postings.values is not None:
            postings.values.extend(repeat(b"", count))
        self.count += count

    def add_positions(self, fieldname: str, docnum: int, postings: dict[str, list[int]],
                      field_boost: float, boost: float) -> int:  # fmt: skip
        """``add_columns`` of a word field's ``index_columns(postings, boost)`` in one C call
        (``search/_speedups.c``, when built); returns the field length."""
        if not postings:
            return 0
        columns = self._text_postings(fieldname)
        if columns.values is None:
            columns.values = [b""] * len(columns.docs)
        length = speedups.SPEEDUPS.add_positions(
            columns.term_numbers, columns.term_ids, columns.docs, columns.weights, columns.values,
            docnum, postings, field_boost, boost,
        )  # fmt: skip
        self.count += len(postings)
        return length

    def iter_postings(self):
        """Every posting sorted as Whoosh's pool yields it (for Whoosh's own field writer)."""
        for fieldname in sorted(self.fields):
            for btext, docs, weights, values in _sorted_terms(self.fields[fieldname]):
                for i, docnum in enumerate(docs):
                    weight = 1.0 if weights is None else weights[i]
                    yield fieldname, btext, docnum, weight, b"" if values is None else values[i]

    def save(self) -> None:  # the pool interface; nothing is spilled
        pass

    def cleanup(self) -> None:
        self.fields = {}


# (terms, postings per term, permutation or None, docnums): see _sort_field
_Sorted = tuple[list[bytes], np.ndarray, "np.ndarray | None", np.ndarray]


def _sort_field(postings: _FieldPostings) -> _Sorted:
    """(terms in order, postings per term, the permutation that orders the
    postings by term then docnum, the docnums in that order); the permutation
    is None for a field of integer keys, which has nothing to reorder."""
    if postings.key_chunks:
        return _sort_keyed_field(postings)
    # In arrival order, so term number i is encoded[i].
    encoded = [term.encode("utf-8", "surrogateescape") for term in postings.term_numbers]
    by_term = sorted(range(len(encoded)), key=encoded.__getitem__)
    terms = [encoded[number] for number in by_term]
    rank = np.empty(len(terms), dtype=np.int64)
    rank[np.array(by_term, dtype=np.int64)] = np.arange(len(terms))
    term_rank = rank[np.frombuffer(postings.term_ids, dtype=np.uint32)]
    docs = np.frombuffer(postings.docs, dtype=np.uint32).astype(np.int64)
    # Postings arrive in document order, so a stable sort by term alone orders
    # them by term then docnum (a third of the time of a two-key lexsort).
    order = np.argsort(term_rank, kind="stable")
    sorted_docs = docs[order]
    sorted_rank = term_rank[order]
    if bool(((np.diff(sorted_docs) < 0) & (np.diff(sorted_rank) == 0)).any()):
        order = np.lexsort((docs, term_rank))  # postings merged out of order: sort on both
        sorted_docs = docs[order]
    counts = np.bincount(term_rank, minlength=len(terms))
    return terms, counts, order, sorted_docs


def _sort_keyed_field(postings: _FieldPostings) -> _Sorted:
    """``_sort_field`` of a field whose terms came as integer keys: the keys
    are in the terms' byte order, so sorting (key, docnum) orders the postings.

    The permutation is None: such a field has no weights and no values to reorder.
    """
    keys = np.concatenate(postings.key_chunks)
    lengths = np.fromiter(map(len, postings.key_chunks), dtype=np.int64, count=len(postings.key_chunks))
    doc_numbers = np.array(postings.key_docs, dtype=np.int64)
    key_bits = int(keys.max()).bit_length() if len(keys) else 0
    doc_bits = int(doc_numbers.max()).bit_length() if len(doc_numbers) else 0
    if len(keys) and int(keys.min()) >= 0 and key_bits + doc_bits <= 64:
        # One sort of (key, docnum) packed in a uint64: NumPy's SIMD sort of
        # plain integers takes a third of the time of a stable argsort and the
        # two gathers after it.
        shift = np.uint64(doc_bits)
        packed = keys.astype(np.uint64) << shift
        packed |= np.repeat(doc_numbers.astype(np.uint64), lengths)
        packed.sort()
        sorted_keys = (packed >> shift).astype(np.int64)
        sorted_docs = (packed & np.uint64((1 << doc_bits) - 1)).astype(np.int64)
    else:
        docs = np.repeat(doc_numbers, lengths)
        order = np.lexsort((docs, keys))
        sorted_keys, sorted_docs = keys[order], docs[order]
    new_term = np.empty(len(keys), dtype=bool)
    new_term[:1] = True
    np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=new_term[1:])
    first = np.flatnonzero(new_term)
    return postings.decode(sorted_keys[first]), np.diff(first, append=len(keys)), None, sorted_docs


def _weights(postings: _FieldPostings) -> np.ndarray | None:
    """The postings' weights in arrival order, or None when they are all 1.0."""
    if postings.key_chunks:
        return None
    weights = np.frombuffer(postings.weights, dtype=np.float64)
    return None if bool((weights == 1.0).all()) else weights


def _sorted_terms(postings: _FieldPostings):
    """``(term, docnums, weights, values)`` per term in term order, docnums increasing."""
    terms, counts, order, docs = _sort_field(postings)
    sorted_docs = docs.tolist()
    weights = _weights(postings)
    sorted_weights = None if weights is None else weights[order].tolist()
    values = postings.values
    sorted_values = None if values is None else list(map(values.__getitem__, order.tolist()))
    begin = 0
    for term, count in zip(terms, counts.tolist(), strict=True):
        end = begin + count
        yield (
            term,
            sorted_docs[begin:end],
            None if sorted_weights is None else sorted_weights[begin:end],
            None if sorted_values is None else sorted_values[begin:end],
        )
        begin = end


# length byte -> the byte W3 writes for the length it reads back from it
_LENGTH_BYTE_OUT = np.array([length_to_byte(byte_to_length(b)) for b in range(256)], dtype=np.int64)
_NO_LENGTH = 256  # sentinel above every length byte


class _FieldPlan:
    """One field's postings sorted by term and docnum, cut into W3 blocks.

    Everything per posting, and every statistic per block and per term, is
    computed here with NumPy; the writing loop then only does what must be
    done per block (two pickles, perhaps a compression) and per term (a row
    of the term table). The loop takes Python lists a chunk of terms at a
    time (``chunk``): lists of ints cost five times the memory of arrays.
    """

    def __init__(self, postings: _FieldPostings, lengths: np.ndarray | None, blocklimit: int):
        self.terms, counts, order, docs = _sort_field(postings)
        self.counts = counts
        term_start = self.term_start = np.cumsum(counts) - counts
        # Blocks of at most ``blocklimit`` postings, none across terms.
        blocks_per_term = self.blocks_per_term = (counts + blocklimit - 1) // blocklimit
        block_term = np.repeat(np.arange(len(self.terms)), blocks_per_term)
        first_block = self.first_block = np.cumsum(blocks_per_term) - blocks_per_term
        start = self.block_start = (
            term_start[block_term] + (np.arange(len(block_term)) - first_block[block_term]) * blocklimit
        )
        end = self.block_end = np.minimum(start + blocklimit, (term_start + counts)[block_term])
        del block_term
        # Document numbers, delta-encoded within each block (W3PostingsWriter._mini_ids).
        deltas = self.deltas = np.diff(docs, prepend=0)
        deltas[start] = docs[start]
        self.last_doc = docs[end - 1]
        self.term_first_doc = docs[term_start]
        self.term_last_doc = docs[term_start + counts - 1]
        # Field lengths as the bytes W3 writes: per block the shortest and
        # longest non-zero length, per term the same over its blocks.
        if lengths is None:
            self.min_length_byte = self.max_length_byte = np.zeros(len(start), dtype=np.int64)
            self.term_min_length_byte = self.term_max_length_byte = np.zeros(len(self.terms), dtype=np.int64)
        else:
            length_bytes = lengths[docs].astype(np.int64)
            low = np.minimum.reduceat(np.where(length_bytes == 0, _NO_LENGTH, length_bytes), start)
            high = np.maximum.reduceat(length_bytes, start)
            self.min_length_byte = self._length_bytes_out(low)
            self.max_length_byte = self._length_bytes_out(high)
            self.term_min_length_byte = self._length_bytes_out(np.minimum.reduceat(low, first_block))
            self.term_max_length_byte = self._length_bytes_out(np.maximum.reduceat(high, first_block))
        del docs
        # Weights: W3 stores a block's weights as float32 but keeps its maximum unrounded.
        weights = _weights(postings)
        if weights is None:
            self.weights = None
        else:
            raw = weights[order]
            stored = self.weights = raw.astype(np.float32).astype(np.float64)
            low = np.minimum.reduceat(stored, start)
            high = np.maximum.reduceat(stored, start)
            self.block_all_same = low == high
            self.block_first_weight = low
            block_max = np.maximum.reduceat(raw, start)
            self.max_weight = block_max
            self.term_weight = np.add.reduceat(stored, term_start)
            self.term_max_weight = np.maximum.reduceat(block_max, first_block)
        values = postings.values
        self.values = None if values is None else list(map(values.__getitem__, order.tolist()))
        self.values_all_set = values is None or all(self.values)

    def term_statistics(self, low: int, high: int) -> tuple[np.ndarray, ...]:
        """Terms ``low:high``'s weight, document frequency, shortest and longest
        length byte, highest weight, first and last document (``W3TermInfo``)."""
        terms = slice(low, high)
        counts = self.counts[terms]
        if self.weights is None:
            weight, max_weight = counts.astype(np.float64), np.ones(high - low)
        else:
            weight, max_weight = self.term_weight[terms], self.term_max_weight[terms]
            max_weight = np.where(max_weight > 0, max_weight, 0.0)  # as W3 writes a weight not above 0
        return (weight, counts, self.term_min_length_byte[terms], self.term_max_length_byte[terms], max_weight,
                self.term_first_doc[terms], self.term_last_doc[terms])  # fmt: skip

    @staticmethod
    def _length_bytes_out(found: np.ndarray) -> np.ndarray:
        # 256 (no length) is written as 0, as length_to_byte(None) is.
        return np.where(found == _NO_LENGTH, 0, _LENGTH_BYTE_OUT[np.minimum(found, 255)])

    def chunk(self, low: int, high: int) -> _PlanChunk:
        """Python lists for terms ``low:high``; posting indexes count from the chunk's first posting."""
        chunk = _PlanChunk()
        first_block = int(self.first_block[low])
        last_block = int(self.first_block[high - 1] + self.blocks_per_term[high - 1])
        first_posting = int(self.term_start[low])
        last_posting = int(self.term_start[high - 1] + self.counts[high - 1])
        blocks = slice(first_block, last_block)
        terms = slice(low, high)
        chunk.blocks_per_term = self.blocks_per_term[terms].tolist()
        chunk.block_start = (self.block_start[blocks] - first_posting).tolist()
        chunk.block_end = (self.block_end[blocks] - first_posting).tolist()
        chunk.deltas = self.deltas[first_posting:last_posting].tolist()
        chunk.last_doc = self.last_doc[blocks].tolist()
        chunk.min_length_byte = self.min_length_byte[blocks].tolist()
        chunk.max_length_byte = self.max_length_byte[blocks].tolist()
        block_count = last_block - first_block
        if self.weights is None:
            chunk.block_weights = [None] * block_count
            chunk.max_weight = [1.0] * block_count
        else:
            # A block's weights: None when all are 1.0, one float when all are
            # equal, else the tuple (W3 block format); a tuple only where needed.
            same, first = self.block_all_same[blocks], self.block_first_weight[blocks]
            block_weights = first.astype(object)
            block_weights[same & (first == 1.0)] = None
            weights = self.weights[first_posting:last_posting]
            for block in np.flatnonzero(~same).tolist():
                begin, end = chunk.block_start[block], chunk.block_end[block]
                block_weights[block] = tuple(weights[begin:end].tolist())
            chunk.block_weights = block_weights.tolist()
            chunk.max_weight = [w if w > 0 else 0 for w in self.max_weight[blocks].tolist()]
        chunk.values = None if self.values is None else self.values[first_posting:last_posting]
        return chunk


class _PlanChunk:
    """Plain lists of a ``_FieldPlan`` for a run of terms (see ``_FieldPlan.chunk``)."""

    __slots__ = (
        "blocks_per_term", "block_start", "block_end", "deltas", "last_doc",
        "min_length_byte", "max_length_byte", "block_weights", "max_weight", "values",
    )  # fmt: skip


# The pickle protocol of blocks that hold values (positions, frequencies). W3
# writes protocol 2, which has no opcode for bytes: each value becomes a call of
# ``_codecs.encode`` on a latin-1 string (its bytes over 127 doubled in UTF-8).
# Protocol 3 writes bytes as bytes; W3's reader unpickles either to the same tuple.
# On news that is half the size of a body block before compression, and a
# third less time pickling and compressing.
VALUES_PROTOCOL = 3

# Write the blocks of fields without weights or values in bulk (the tests
# compare the two ways byte for byte).
BULK_BLOCKS = True

# Terms per chunk of the writing loop.
_CHUNK_TERMS = 32_768


def compress_block(data: bytes, level: int) -> bytes:
    """A zlib stream of ``data`` (``level`` > 0), made by ISA-L when it is installed.

    Whoosh reads every block and stored document with ``zlib.decompress``,
    which reads any zlib stream. ISA-L's deflate (``isal``, level 1) made the
    body field's blocks in 45% of the time zlib took at Whoosh's level 3, 4.7%
    larger (0.6% of the index; the stored documents as much again): the
    compression was a tenth of an indexing run's CPU. Without it, zlib with a
    4 KB window and small tables: ``zlib.compress`` sets up 256 KB of tables
    per call, which costs more than compressing a posting block.
    """
    if _isal_zlib is not None:
        return _isal_zlib.compress(data, _ISAL_LEVEL)
    compressor = zlib.compressobj(level, zlib.DEFLATED, 12, 4)
    return compressor.compress(data) + compressor.flush()


try:  # a binary wheel for Linux, macOS and Windows; zlib wherever it cannot be installed
    from isal import isal_zlib as _isal_zlib
except ImportError:  # pragma: no cover - isal is a requirement
    _isal_zlib = None
# ISA-L's levels are 0-3: 1 compressed news blocks as small as 3 (40.3% of
# their size against 40.4%) in seven eighths of the time; 0 is another kind
# (no matching: 66.5%).
_ISAL_LEVEL = 1

# The stored fields' column (a zlib stream per document, as Whoosh's
# ``CompressedBytesColumn`` writes it, at level 3) is compressed the same way;
# None keeps Whoosh's ``zlib.compress``.
STORED_COMPRESS = compress_block


def _compress_stored_with(perdocwriter, compress) -> None:
    """Let ``perdocwriter``'s stored-fields column compress with ``compress``."""
    if compress is None:
        return
    column = getattr(perdocwriter, "_colwriters", {}).get("_stored")  # made by W3PerDocWriter.__init__
    inner = getattr(column, "_child", None)  # PickleColumn's writer around CompressedBytesColumn's
    if inner is not None and hasattr(inner, "_compress"):
        inner._compress = compress


def write_grouped_postings(fieldwriter: W3FieldWriter, schema, lengths_reader, pool: GroupedPostings,
                           small_block: int = SMALL_BLOCK, compress=compress_block,
                           values_protocol: int = VALUES_PROTOCOL, hashtype: int | None = None) -> None:  # fmt: skip
    """Write every posting of ``pool`` through ``fieldwriter``'s files, as W3 does.

    ``small_block=0, compress=zlib.compress, values_protocol=2, hashtype=MD5`` writes
    exactly what Whoosh writes.
    """
    codec = fieldwriter._codec
    postfile = fieldwriter._postfile
    tindex = fieldwriter._tindex
    termfile = tindex.dbfile
    hashtype = _set_hash_type(tindex, TERM_HASH if hashtype is None else hashtype)
    entries: list[tuple[np.ndarray, np.ndarray]] = []  # (hashes, positions) of each chunk
    post_pos = postfile.tell()
    term_pos = termfile.tell()
    lastkey = tindex.lastkey
    for fieldname in sorted(pool.fields):
        fieldobj = schema[fieldname]
        fieldwriter.start_field(fieldname, fieldobj)
        prefix = pack_ushort(fieldwriter._fieldid)
        fixedsize = fieldobj.format.fixed_value_size()
        # The field's arrays go once planned: memory peaks at one field's plan.
        plan = _FieldPlan(
            pool.fields.pop(fieldname), _length_array(lengths_reader, fieldname), codec._blocklimit
        )
        # Values as W3PostingsWriter._mini_values keeps them (empty ones dropped).
        variable_size = fixedsize is None or fixedsize < 0
        no_values = () if variable_size else (None if fixedsize == 0 else b"")
        blocks = _BlockWriter(plan, no_values, variable_size, fixedsize, codec._compression, small_block,
                              compress, values_protocol)  # fmt: skip
        for low in range(0, len(plan.terms), _CHUNK_TERMS):
            high = min(low + _CHUNK_TERMS, len(plan.terms))
            post_bytes, term_lengths = blocks.write(low, high)
            postfile.write(post_bytes)
            keys = [prefix + btext for btext in plan.terms[low:high]]
            if keys[0] <= lastkey:  # within a chunk the terms are sorted and distinct
                raise ValueError(f"Keys must increase: {lastkey!r}..{keys[0]!r}")
            lastkey = keys[-1]
            rows, row_start, hashes = term_rows(
                keys, *plan.term_statistics(low, high), np.cumsum(term_lengths) - term_lengths + post_pos,
                term_lengths, hashtype,
            )  # fmt: skip
            positions = row_start + term_pos
            _extend_positions(tindex.index, positions.tolist())
            if hashtype == MD5:
                add_to_buckets(tindex.buckets, hashes, positions)
            else:
                entries.append((hashes, positions))
            termfile.write(rows.tobytes())
            post_pos += len(post_bytes)
            term_pos += len(rows)
        fieldwriter.finish_field()
    tindex.lastkey = lastkey
    assert postfile.tell() == post_pos and termfile.tell() == term_pos
    if hashtype == MD5:
        tindex._write_hashes = lambda: _write_hashes(tindex)
    else:
        tindex._write_hashes = lambda: _write_hash_tables(tindex, entries)


_HEADER_BYTES = 13  # HashWriter.__init__: the magic, the hash type byte, two unused ints


def _set_hash_type(tindex, hashtype: int) -> int:
    """Make ``hashtype`` the term table's hash, if nothing is in it yet (its header
    was written when the field writer was made); the hash type it then has."""
    if hashtype == tindex.hashtype:
        return hashtype
    dbfile = tindex.dbfile
    if tindex.lastkey or any(tindex.buckets) or dbfile.tell() != tindex.startoffset + _HEADER_BYTES:
        return tindex.hashtype  # keys hashed the old way are in it already
    dbfile.seek(tindex.startoffset + 4)
    dbfile.write_byte(hashtype)
    dbfile.seek(tindex.startoffset + _HEADER_BYTES)
    tindex.hashtype = hashtype
    tindex.hashfn = _hash_functions[hashtype]
    return hashtype


# The largest value of each type code ``GrowableArray`` moves through.
_TYPE_MAX = {"B": 0xFF, "H": 0xFFFF, "i": 0x7FFFFFFF, "I": 0xFFFFFFFF}


def _extend_positions(index, positions: list[int]) -> None:
    """``GrowableArray.extend`` (the term table's key positions) in one C-level call:
    it appends one at a time, to widen its type when a number needs it. The
    positions increase, so the last is the largest."""
    if not positions:
        return
    if isinstance(index.array, list) or positions[-1] > _TYPE_MAX.get(index.array.typecode, 1 << 63):
        index.extend(positions)
    else:
        index.array.extend(positions)


class _BlockWriter:
    """The postings bytes of one field's terms, a chunk of terms at a time.

    Fields whose postings have neither weights nor values (``chars`` and the
    ID fields) are written in bulk (``bulk_blocks.block_bytes``); the others
    block by block, with one pickle each for info and data.
    """

    def __init__(self, plan: _FieldPlan, no_values, variable_size: bool, fixedsize, compression: int,
                 small_block: int, compress, values_protocol: int):  # fmt: skip
        self.plan = plan
        self.no_values, self.variable_size, self.fixedsize = no_values, variable_size, fixedsize
        self.compression, self.small_block, self.compress = compression, small_block, compress
        self.data_protocol = 2 if plan.values is None else values_protocol
        self.bulk = BULK_BLOCKS and plan.values is None and plan.weights is None and no_values in (None, ())
        self.singles: dict[tuple, bytes] = {}  # one-posting terms' whole blocks, by their contents

    def write(self, low: int, high: int) -> tuple[bytes, np.ndarray]:
        """The postings of terms ``low:high`` and the number of bytes of each term's."""
        if self.bulk:
            written = self._bulk(low, high)
            if written is not None:
                return written
        return self._loop(self.plan.chunk(low, high))

    def _bulk(self, low: int, high: int) -> tuple[bytes, np.ndarray] | None:
        plan = self.plan
        first_block = int(plan.first_block[low])
        last_block = int(plan.first_block[high - 1] + plan.blocks_per_term[high - 1])
        first_posting = int(plan.term_start[low])
        last_posting = int(plan.term_start[high - 1] + plan.counts[high - 1])
        term_first = plan.first_block[low:high] - first_block
        first_of_term = np.zeros(last_block - first_block, dtype=bool)
        first_of_term[term_first] = True
        last_of_term = np.zeros(last_block - first_block, dtype=bool)
        last_of_term[term_first + plan.blocks_per_term[low:high] - 1] = True
        blocks = slice(first_block, last_block)
        written = block_bytes(
            plan.deltas[first_posting:last_posting], plan.block_start[blocks] - first_posting,
            plan.block_end[blocks] - first_posting, plan.last_doc[blocks], plan.min_length_byte[blocks],
            plan.max_length_byte[blocks], first_of_term, last_of_term, WHOOSH3_HEADER_MAGIC,
            self.no_values == (), self.compression, self.small_block, self.compress,
        )  # fmt: skip
        if written is None:
            return None
        data, block_lengths = written
        return data.tobytes(), np.add.reduceat(block_lengths, term_first)

    def _loop(self, chunk: _PlanChunk) -> tuple[bytes, np.ndarray]:
        header = WHOOSH3_HEADER_MAGIC
        no_values, variable_size, fixedsize = self.no_values, self.variable_size, self.fixedsize
        compression, small_block, compress = self.compression, self.small_block, self.compress
        data_protocol, singles = self.data_protocol, self.singles
        parts: list[bytes] = []
        add_post = parts.append
        term_lengths: list[int] = []
        deltas = chunk.deltas
        block_start, block_end = chunk.block_start, chunk.block_end
        block_weights, max_weight, last_doc = chunk.block_weights, chunk.max_weight, chunk.last_doc
        min_length_byte, max_length_byte = chunk.min_length_byte, chunk.max_length_byte
        values = chunk.values
        values_all_set = self.plan.values_all_set
        block = 0
        for term_blocks in chunk.blocks_per_term:
            term_length = 0
            for block_in_term in range(term_blocks):
                begin, end = block_start[block], block_end[block]
                if end - begin == 1 and term_blocks == 1:
                    # A term in one document (most terms of a segment): its block is
                    # that document's with its weight and value, the same bytes for
                    # every such term of the document; made once.
                    single = (deltas[begin], block_weights[block], None if values is None else values[begin],
                              last_doc[block], max_weight[block], min_length_byte[block],
                              max_length_byte[block])  # fmt: skip
                    block_bytes_ = singles.get(single)
                    if block_bytes_ is None:
                        block_bytes_ = singles[single] = _single_block(
                            single, header, no_values, variable_size, fixedsize, data_protocol,
                            compression, small_block, compress,
                        )  # fmt: skip
                    add_post(block_bytes_)
                    term_length = len(block_bytes_)
                    block += 1
                    continue
                if values is None:
                    block_values = no_values
                elif variable_size:
                    block_values = tuple(
                        values[begin:end] if values_all_set else filter(None, values[begin:end])
                    )
                elif fixedsize == 0:
                    block_values = None
                else:
                    block_values = b"".join(filter(None, values[begin:end]))
                databytes = dumps(
                    (tuple(deltas[begin:end]), block_weights[block], block_values), data_protocol
                )
                comp = compression if len(databytes) >= small_block else 0
                if comp:
                    databytes = compress(databytes, comp)
                infobytes = dumps(
                    (end - begin, last_doc[block], max_weight[block], comp,
                     min_length_byte[block], max_length_byte[block]), 2,
                )  # fmt: skip
                blocklength = len(infobytes) + len(databytes)
                if block_in_term == 0:
                    add_post(header)
                    term_length += 4  # len(header)
                # The last block of a term has its length negated.
                add_post(pack_int(-blocklength if block_in_term == term_blocks - 1 else blocklength))
                add_post(infobytes)
                add_post(databytes)
                term_length += 4 + blocklength
                block += 1
            term_lengths.append(term_length)
        return b"".join(parts), np.array(term_lengths, dtype=np.int64)


def _single_block(single: tuple, header: bytes, no_values, variable_size: bool, fixedsize,
                  data_protocol: int, compression: int, small_block: int, compress) -> bytes:  # fmt: skip
    """The whole postings of a term with one posting (header, length, info, data),
    exactly as the general loop of ``write_grouped_postings`` writes them."""
    delta, weights, value, last_doc, max_weight, min_length_byte, max_length_byte = single
    if value is None:  # the field has no values
        block_values = no_values
    elif variable_size:
        block_values = (value,) if value else ()
    elif fixedsize == 0:
        block_values = None
    else:
        block_values = value or b""
    databytes = dumps(((delta,), weights, block_values), data_protocol)
    comp = compression if len(databytes) >= small_block else 0
    if comp:
        databytes = compress(databytes, comp)
    infobytes = dumps((1, last_doc, max_weight, comp, min_length_byte, max_length_byte), 2)
    return header + pack_int(-(len(infobytes) + len(databytes))) + infobytes + databytes


def _write_hash_tables(tindex, entries: list[tuple[np.ndarray, np.ndarray]]) -> None:
    """``HashWriter._write_hashes`` for the keys of ``entries`` (``bulk_blocks.hash_tables``)."""
    hashes = np.concatenate([chunk for chunk, _ in entries]) if entries else np.zeros(0, dtype=np.int64)
    positions = np.concatenate([chunk for _, chunk in entries]) if entries else np.zeros(0, dtype=np.int64)
    table, numslots = hash_tables(hashes, positions)
    start = tindex.dbfile.tell()
    table_starts = start + (np.cumsum(numslots) - numslots) * SLOT.itemsize
    tindex.directory.extend(zip(table_starts.tolist(), numslots.tolist(), strict=True))
    tindex.dbfile.write(table.tobytes())


def _write_hashes(tindex) -> None:
    """``HashWriter._write_hashes``, byte for byte, with one write per table."""
    dbfile = tindex.dbfile
    for entries in tindex.buckets:
        numslots = 2 * len(entries)
        tindex.directory.append((dbfile.tell(), numslots))
        if not entries:
            continue
        # Linear probing in insertion order, as Whoosh does; the packing with NumPy.
        taken = bytearray(numslots)
        slots = []
        for hashed, _ in entries:
            slot = (hashed >> 8) % numslots
            while taken[slot]:
                slot = (slot + 1) % numslots
            taken[slot] = 1
            slots.append(slot)
        table = np.zeros(numslots, dtype=SLOT)
        hashes, positions = zip(*entries, strict=True)
        table["hash"][slots] = hashes
        table["position"][slots] = positions
        dbfile.write(table.tobytes())


def _length_array(lengths_reader, fieldname: str) -> np.ndarray | None:
    """The field's length byte of every document, or None for an unscored field."""
    if lengths_reader is None:
        return None
    column = lengths_reader._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if column is None:
        return None
    return np.array([column[docnum] for docnum in range(len(column))], dtype=np.uint8)


def _is_plain_id(field) -> bool:
    """A ``fields.ID`` as built by default: the whole value is its one term."""
    return type(field.format) is Existence and type(field.analyzer) is IDTokenizer


_COMMA_KEYWORDS = KeywordAnalyzer(commas=True)


def _is_comma_keywords(field) -> bool:
    """A ``fields.KEYWORD(commas=True)`` as built by default: comma-separated, stripped terms."""
    return type(field.format) is Frequency and field.analyzer == _COMMA_KEYWORDS


def _comma_keyword_columns(value: str, weight: float) -> tuple[list[str], list[float], list[bytes], int]:
    """What ``field.index`` of such a field yields, as columns (terms, weights,
    values, length): each comma-separated part stripped, counted, in the order
    first seen; weight ``count * field boost * boost``, value the count packed."""
    counts: dict[str, int] = {}
    parts = [part.strip() for part in _COMMA_PARTS.findall(value)]
    for part in parts:
        counts[part] = counts.get(part, 0) + 1
    terms = list(counts)
    return (
        terms,
        [float(count) * weight for count in counts.values()],
        list(map(pack_uint, counts.values())),
        len(parts),
    )


_COMMA_PARTS = re.compile("[^,]+")  # the RegexTokenizer of KeywordAnalyzer(commas=True)


class GroupingSegmentWriter(SegmentWriter):
    """Whoosh's segment writer with grouped postings and the fast W3 postings writer.

    Postings are held in memory until the segment is written, so a writer
    seals its segment once it holds ``max_segment_postings`` and goes on in a
    new one; a commit writes every sealed segment into the index with the
    last, in one table-of-contents write as always.
    """

    def __init__(self, *args, max_segment_postings: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self._start_grouping(max_segment_postings)

    def _start_grouping(self, max_segment_postings: int | None = None) -> None:
        """Replace the PostingPool ``SegmentWriter.__init__`` made (subclasses
        whose ``__init__`` bypasses ours call this themselves)."""
        fixes.apply()  # the column-miss cache: a third of commit time
        self.pool.cleanup()
        self.pool = GroupedPostings()
        _compress_stored_with(self.perdocwriter, STORED_COMPRESS)
        self.max_segment_postings = max_segment_postings or MAX_SEGMENT_POSTINGS
        self.sealed_segments: list = []
        self._comma_fields: dict[str, bool] = {}  # field name -> _is_comma_keywords (an analyzer comparison)

    def _seal_segment(self) -> None:
        """Write the documents so far as a finished segment and start a new one."""
        self.sealed_segments.append(self._finalize_segment())
        codec, storage = self.codec, self.storage
        self.newsegment = codec.new_segment(storage, self.indexname)
        self.compound = self.compound and self.newsegment.should_assemble()
        self.pool = GroupedPostings()
        self.perdocwriter = codec.per_document_writer(storage, self.newsegment)
        _compress_stored_with(self.perdocwriter, STORED_COMPRESS)
        self.fieldwriter = codec.field_writer(storage, self.newsegment)
        self.docnum = self.docbase
        self._added = False

    def add_reader(self, reader) -> None:
        # A merge reads the segment from start to end: read ahead in it (the
        # maps are advised for a search's scattered reads otherwise).
        with fixes.reading_through(reader):
            super().add_reader(reader)

    def commit(self, mergetype=None, optimize=None, merge=None):
        # SegmentWriter.commit, plus the sealed segments.
        self._check_state()
        segments = self._merge_segments(mergetype, optimize, merge)
        self._commit_segments(segments + self.sealed_segments)

    def _commit_segments(self, segments: list) -> None:
        """Finish this writer's own segment and commit it with ``segments`` in one TOC write."""
        if self._added:
            segments.append(self._finalize_segment())
        else:
            self._close_segment()
        self._commit_toc(segments)
        self._finish()

    def add_document(self, **fields):
        # SegmentWriter.add_document, with the postings of a field handed to
        # the pool in one call. Spelling fields and term vectors are not
        # supported (the xunwen schema has neither).
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        add_terms = self.pool.add_terms
        add_columns = self.pool.add_columns
        add_keys = self.pool.add_keys
        add_positions = self.pool.add_positions if speedups.SPEEDUPS is not None else None
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields.get(fieldname)
                if value is None:
                    continue
                field = schema[fieldname]
                if field.separate_spelling() or field.vector:
                    raise ValueError(f"field {fieldname!r}: spelling and vectors are not supported here")
                length = 0
                if field.indexed:
                    boost = self._field_boost(fields, fieldname, docboost)
                    columns = getattr(field, "index_columns", None)
                    if (
                        add_positions is not None
                        and isinstance(value, dict)
                        and getattr(field, "positional_postings", False)
                    ):
                        # A word field's {word: [positions]}: its columns made and added in C.
                        length = add_positions(fieldname, docnum, value, field.format.field_boost, boost)
                    elif columns is not None:
                        # A field that gives its postings as columns (search.schema).
                        terms, length, weights, values = columns(value, boost)
                        if isinstance(terms, np.ndarray):  # integer keys (search.schema.BigramField)
                            add_keys(fieldname, docnum, terms, field.terms_of_keys)
                        else:
                            add_columns(fieldname, docnum, terms, weights, values)
                    elif isinstance(value, str) and _is_plain_id(field):
                        # What Whoosh's IDTokenizer and Existence format make of it, without a Token.
                        weight = field.format.field_boost * boost
                        add_columns(fieldname, docnum, [value], None if weight == 1.0 else [weight], None)
                        length = 1
                    elif isinstance(value, str) and self._comma_keywords(fieldname, field):
                        # What Whoosh's KeywordAnalyzer and Frequency format make of it, without a Token.
                        terms, weights, values, length = _comma_keyword_columns(
                            value, field.format.field_boost
                        )
                        if boost != 1.0:
                            weights = [weight * boost for weight in weights]
                        add_columns(fieldname, docnum, terms, weights, values)
                    else:
                        length = add_terms(fieldname, docnum, field.index(value), boost)
                    if not field.scorable:
                        length = 0
                stored = fields.get(f"_stored_{fieldname}", value)
                perdocwriter.add_field(fieldname, field, stored if field.stored else None, length)
                column = field.column_type
                if column and stored is not None:
                    perdocwriter.add_column_value(fieldname, column, field.to_column_value(stored))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1
        if self.pool.count >= self.max_segment_postings:
            self._seal_segment()

    def _comma_keywords(self, fieldname: str, field) -> bool:
        known = self._comma_fields.get(fieldname)
        if known is None:
            known = self._comma_fields[fieldname] = _is_comma_keywords(field)
        return known

    def _flush_segment(self):
        if not isinstance(self.fieldwriter, W3FieldWriter):
            return super()._flush_segment()
        self.perdocwriter.close()
        lengths = self.per_document_reader() if self.codec.length_stats else None
        write_grouped_postings(self.fieldwriter, self.schema, lengths, self.pool)
        self.fieldwriter.close()
        if lengths is not None:
            lengths.close()
