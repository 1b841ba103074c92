"""Writing a Whoosh segment's postings without Whoosh's per-posting machinery.

Whoosh's ``SegmentWriter`` puts every posting into a ``PostingPool`` as a
``(field, term, docnum, weight, value)`` tuple, sorts all of them at commit
(spilling sorted runs to disk and merging them back when they do not fit),
then hands them one by one to ``W3FieldWriter``: a method call, a length
lookup and a handful of type checks per posting, and a pickle, a zlib
stream and a hash-table insert per term. On news text that was two thirds of
indexing time.

``GroupedPostings`` replaces the pool: postings are grouped by field and term
as they arrive. A writer adds documents in docnum order (and a merge adds
each term's postings in docnum order), so each group is already sorted and
only the terms need sorting. ``write_grouped_postings`` then writes the
W3 postings file and term table directly, block by block.

The output is byte for byte what Whoosh writes, except that blocks whose
pickle is shorter than ``SMALL_BLOCK`` bytes are stored uncompressed. Whoosh
means to do the same (its ``_write_block`` sets ``comp = 0`` below 20 bytes
and then overwrites it) and its reader honours the per-block compression
flag; zlib on a 30-byte pickle only adds bytes and costs a compressor set-up
per term. ``tests/test_segment_writer.py`` checks both claims: with
``small_block=0`` the files equal Whoosh's, and with the default every
posting reads back the same.
"""

from __future__ import annotations

import zlib
from array import array
from hashlib import md5
from pickle import dumps

import numpy as np

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, WHOOSH3_HEADER_MAGIC, W3FieldWriter, W3TermInfo, _lenfield
from whoosh.filedb.filetables import _lengths as _KEY_VALUE_LENGTHS
from whoosh.system import pack_int, pack_long, pack_ushort
from whoosh.util.numeric import byte_to_length, length_to_byte
from whoosh.writing import SegmentWriter

# Blocks whose pickled data is shorter than this are not compressed.
SMALL_BLOCK = 64
# Flush buffered output to the segment files every so many bytes.
_FLUSH_BYTES = 1 << 20


class _FieldPostings:
    """The postings of one field in arrival order: parallel flat arrays."""

    __slots__ = ("term_numbers", "term_ids", "docs", "weights", "values")

    def __init__(self):
        self.term_numbers: dict[bytes, int] = {}
        self.term_ids = array("I")
        self.docs = array("I")
        self.weights = array("d")
        self.values: list[bytes] | None = None  # made when the first non-empty value comes


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

    def add_terms(self, fieldname: str, docnum: int, items, boost: float) -> int:
        """Postings of one document's field from ``field.index()``; returns the field length."""
        postings = self._field(fieldname)
        numbers = postings.term_numbers
        term_ids = postings.term_ids
        docs = postings.docs
        weights = postings.weights
        values = postings.values
        length = 0
        added = 0
        for btext, freq, weight, value in items:
            number = numbers.get(btext)
            if number is None:
                number = numbers[btext] = len(numbers)
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

    def iter_postings(self):
        """Every posting sorted as Whoosh's pool yields it (for Whoosh's own field writer)."""
        for fieldname in sorted(self.fields):
            for btext, docs, weights, values in _sorted_terms(self.fields[fieldname]):
                for i, docnum in enumerate(docs):
                    yield fieldname, btext, docnum, weights[i], b"" if values is None else values[i]

    def save(self) -> None:  # the pool interface; nothing is spilled
        pass

    def cleanup(self) -> None:
        self.fields = {}


def _sorted_terms(postings: _FieldPostings):
    """``(term, docnums, weights, values)`` per term in term order, docnums increasing.

    The lists are views into whole-field lists (``memoryview`` slices would
    not pickle); each term gets plain Python lists.
    """
    terms = sorted(postings.term_numbers)
    if not terms:
        return
    rank = np.empty(len(terms), dtype=np.int64)
    rank[[postings.term_numbers[term] for term in terms]] = np.arange(len(terms))
    term_rank = rank[np.frombuffer(postings.term_ids, dtype=np.uint32)]
    docs = np.frombuffer(postings.docs, dtype=np.uint32)
    order = np.lexsort((docs, term_rank))
    counts = np.bincount(term_rank, minlength=len(terms)).tolist()
    sorted_docs = docs[order].tolist()
    weights = np.frombuffer(postings.weights, dtype=np.float64)
    sorted_weights = None if bool((weights == 1.0).all()) else weights[order].tolist()
    values = postings.values
    sorted_values = None if values is None else [values[i] for i in order.tolist()]
    begin = 0
    for term, count in zip(terms, counts):
        end = begin + count
        yield (
            term,
            sorted_docs[begin:end],
            None if sorted_weights is None else sorted_weights[begin:end],
            None if sorted_values is None else sorted_values[begin:end],
        )
        begin = end


def write_grouped_postings(fieldwriter: W3FieldWriter, schema, lengths_reader, pool: GroupedPostings,
                           small_block: int = SMALL_BLOCK) -> None:  # fmt: skip
    """Write every posting of ``pool`` through ``fieldwriter``'s files, as W3 does."""
    codec = fieldwriter._codec
    blocklimit = codec._blocklimit
    compression = codec._compression
    postfile = fieldwriter._postfile
    tindex = fieldwriter._tindex
    termfile = tindex.dbfile
    buckets = tindex.buckets
    key_positions = tindex.index
    lastkey = tindex.lastkey
    pack_terminfo = W3TermInfo._struct.pack
    pack_key_value_lengths = _KEY_VALUE_LENGTHS.pack

    post_chunks: list[bytes] = []
    post_pos = postfile.tell()
    post_flushed = post_pos
    term_chunks: list[bytes] = []
    term_pos = termfile.tell()
    term_flushed = term_pos

    for fieldname in sorted(pool.fields):
        fieldobj = schema[fieldname]
        fieldwriter.start_field(fieldname, fieldobj)
        prefix = pack_ushort(fieldwriter._fieldid)
        fixedsize = fieldobj.format.fixed_value_size()
        lengths = _length_bytes(lengths_reader, fieldname)
        for btext, docs, weights, values in _sorted_terms(pool.fields[fieldname]):
            count = len(docs)
            start = post_pos
            total_weight = 0
            term_minlength = None
            term_maxlength = 0
            term_maxweight = 0
            for begin in range(0, count, blocklimit):
                end = min(begin + blocklimit, count)
                ids = docs[begin:end]
                # Weights as Whoosh keeps them: the block's are float32, its maximum is not.
                if weights is None:
                    block_weights = None
                    weight_sum = float(end - begin)  # sum() of float32 ones
                    maxweight = 1.0
                else:
                    raw = weights[begin:end]
                    stored = array("f", raw)
                    weight_sum = sum(stored)
                    maxweight = max(0, max(raw))
                    if all(w == 1.0 for w in stored):
                        block_weights = None
                    elif all(w == stored[0] for w in stored):
                        block_weights = stored[0]
                    else:
                        block_weights = tuple(stored)
                if lengths is None:
                    minlength = None
                    maxlength = 0
                else:
                    found = [b for b in map(lengths.__getitem__, ids) if b]
                    if found:
                        minlength = byte_to_length(min(found))
                        maxlength = byte_to_length(max(found))
                    else:
                        minlength, maxlength = None, 0
                # Values as W3PostingsWriter._mini_values keeps them (empty ones dropped).
                kept = [] if values is None else [v for v in values[begin:end] if v]
                if fixedsize is None or fixedsize < 0:
                    block_values = tuple(kept)
                elif fixedsize == 0:
                    block_values = None
                else:
                    block_values = b"".join(kept)
                deltas = [ids[0]]
                deltas.extend(ids[i] - ids[i - 1] for i in range(1, len(ids)))
                databytes = dumps((tuple(deltas), block_weights, block_values), 2)
                comp = compression if len(databytes) >= small_block else 0
                if comp:
                    databytes = zlib.compress(databytes, comp)
                infobytes = dumps(
                    (len(ids), ids[-1], maxweight, comp, length_to_byte(minlength), length_to_byte(maxlength)), 2
                )
                blocklength = len(infobytes) + len(databytes)
                if end == count:
                    blocklength = -blocklength
                if begin == 0:
                    post_chunks.append(WHOOSH3_HEADER_MAGIC)
                    post_pos += len(WHOOSH3_HEADER_MAGIC)
                post_chunks.append(pack_int(blocklength))
                post_chunks.append(infobytes)
                post_chunks.append(databytes)
                post_pos += 4 + len(infobytes) + len(databytes)
                # The term's statistics, accumulated as W3TermInfo.add_block does.
                total_weight += weight_sum
                if term_minlength is None:
                    term_minlength = minlength
                else:
                    term_minlength = min(term_minlength, minlength)
                term_maxlength = max(term_maxlength, maxlength)
                term_maxweight = max(term_maxweight, maxweight)
            info = pack_terminfo(
                False, total_weight, count,
                0 if term_minlength is None else length_to_byte(term_minlength),
                length_to_byte(term_maxlength), term_maxweight, docs[0], docs[-1],
            ) + pack_long(start) + pack_int(post_pos - start)  # fmt: skip
            # OrderedHashWriter.add, inlined.
            key = prefix + btext
            if key <= lastkey:
                raise ValueError(f"Keys must increase: {lastkey!r}..{key!r}")
            lastkey = key
            key_positions.append(term_pos)
            hashed = int.from_bytes(md5(key, usedforsecurity=False).digest()[12:], "big")
            buckets[hashed & 255].append((hashed, term_pos))
            term_chunks.append(pack_key_value_lengths(len(key), len(info)))
            term_chunks.append(key)
            term_chunks.append(info)
            term_pos += 8 + len(key) + len(info)
            if post_pos - post_flushed > _FLUSH_BYTES:
                postfile.write(b"".join(post_chunks))
                post_chunks.clear()
                post_flushed = post_pos
            if term_pos - term_flushed > _FLUSH_BYTES:
                termfile.write(b"".join(term_chunks))
                term_chunks.clear()
                term_flushed = term_pos
        fieldwriter.finish_field()
    postfile.write(b"".join(post_chunks))
    termfile.write(b"".join(term_chunks))
    tindex.lastkey = lastkey
    assert postfile.tell() == post_pos and termfile.tell() == term_pos


def _length_bytes(lengths_reader, fieldname: str):
    """The field's length byte of every document, or None for an unscored field."""
    if lengths_reader is None:
        return None
    column = lengths_reader._cached_reader(_lenfield(fieldname), LENGTHS_COLUMN)
    if column is None:
        return None
    return bytes(column[docnum] for docnum in range(len(column)))


class GroupingSegmentWriter(SegmentWriter):
    """Whoosh's segment writer with grouped postings and the fast W3 postings writer."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.pool.cleanup()
        self.pool = GroupedPostings()

    def add_document(self, **fields):
        # SegmentWriter.add_document, with the postings of a field handed to
        # the pool in one call. Spelling fields and term vectors are not
        # supported (the xunwen schema has neither).
        self._check_state()
        perdocwriter = self.perdocwriter
        schema = self.schema
        docnum = self.docnum
        add_terms = self.pool.add_terms
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
                    length = add_terms(fieldname, docnum, field.index(value), boost)
                    if not field.scorable:
                        length = 0
                stored = fields.get("_stored_%s" % fieldname, value)
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

    def _flush_segment(self):
        if not isinstance(self.fieldwriter, W3FieldWriter):
            return super()._flush_segment()
        self.perdocwriter.close()
        lengths = self.per_document_reader() if self.codec.length_stats else None
        write_grouped_postings(self.fieldwriter, self.schema, lengths, self.pool)
        self.fieldwriter.close()
        if lengths is not None:
            lengths.close()
