"""Posting lists and field lengths read straight from Whoosh's segments into NumPy.

Whoosh's matchers make several Python calls per posting (a common word took
90 ms to match on 75k articles); here a term's postings over the whole index
are read block by block (one unpickling per block of 128, ids decoded by
``cumsum``), and a field's lengths from its one-byte-per-document column.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np
from whoosh.reading import TermNotFound
from whoosh.util.numeric import byte_to_length

_BLOCK_READER = ("_read_data", "_goto", "_nextoffset", "_lastblock", "_data")
_BYTE_LENGTHS = np.array([byte_to_length(byte) for byte in range(256)], dtype=np.float64)


class Postings(NamedTuple):
    """One term's postings over the whole index: document numbers (ascending) and weights."""

    docs: np.ndarray  # int32
    weights: np.ndarray  # float32 (term frequency times field boost)


def _leaf_postings(matcher) -> tuple[np.ndarray, np.ndarray]:
    """(documents, weights) of one segment's postings of a term.

    Reads Whoosh's posting blocks directly (one unpickling per block of 128,
    ids decoded by ``cumsum``) instead of one Python call per posting; other
    matchers (inlined postings) are read the general way.
    """
    while not all(hasattr(matcher, name) for name in _BLOCK_READER) and hasattr(matcher, "child"):
        matcher = matcher.child  # deleted documents are dropped by the live mask instead
    if not all(hasattr(matcher, name) for name in _BLOCK_READER):
        ids, weights = [], []
        while matcher.is_active():
            ids.append(matcher.id())
            weights.append(matcher.weight())
            matcher.next()
        return np.array(ids, dtype=np.int64), np.array(weights, dtype=np.float64)
    id_parts, weight_parts = [], []
    while True:
        if matcher._data is None:
            matcher._read_data()
        deltas, weights = matcher._data[0], matcher._data[1]
        ids = np.cumsum(np.array(deltas, dtype=np.int64))  # each block restarts from 0
        id_parts.append(ids)
        if weights is None:
            weight_parts.append(np.ones(len(ids)))
        elif isinstance(weights, float):
            weight_parts.append(np.full(len(ids), weights))
        else:
            weight_parts.append(np.array(weights, dtype=np.float64))
        if matcher._lastblock:
            break
        matcher._goto(matcher._nextoffset)
    return np.concatenate(id_parts), np.concatenate(weight_parts)


def _ask_for_postings(segment, fieldname: str, text: str) -> bool:
    """Whether ``segment`` holds the term; if it does, its posting bytes are asked of the
    kernel in one request (segments are mapped for scattered reads: ``fixes``)."""
    try:
        info = segment.term_info(fieldname, text)
    except TermNotFound:
        return False
    postfile = getattr(getattr(segment, "_terms", None), "_postfile", None)
    inlined = getattr(info, "is_inlined", lambda: True)()  # unknown term infos: nothing asked
    if not inlined and hasattr(postfile, "will_need"):
        length = info._length  # W3TermInfo.from_bytes leaves it as struct.unpack's 1-tuple
        postfile.will_need(info._offset, length[0] if isinstance(length, tuple) else length)
    return True


def read_postings(reader, fieldname: str, text: str) -> Postings:
    """A term's postings over every segment of ``reader``."""
    docs, weights = [], []
    # Every segment's range is asked for before any is read, so that on a cold
    # file cache the disk reads them in one go, not one segment at a time.
    holding = [(segment, offset) for segment, offset in reader.leaf_readers()
               if _ask_for_postings(segment, fieldname, text)]  # fmt: skip
    for segment, offset in holding:
        ids, segment_weights = _leaf_postings(segment.postings(fieldname, text))
        docs.append(ids + offset)
        weights.append(segment_weights)
    if not docs:
        return Postings(np.zeros(0, dtype=np.int32), np.zeros(0, dtype=np.float32))
    return Postings(np.concatenate(docs).astype(np.int32), np.concatenate(weights).astype(np.float32))


def read_lengths(reader, fieldname: str, size: int) -> np.ndarray:
    """Every document's length of a field as Whoosh scores it (byte-quantized)."""
    lengths = np.zeros(size, dtype=np.float64)
    columns = []
    for segment, offset in reader.leaf_readers():
        column = getattr(segment, "_perdoc", None)
        column = column._cached_reader(f"_{fieldname}_len", _lengths_column()) if column else None
        if column is not None and hasattr(column, "_basepos") and hasattr(column._dbfile, "will_need"):
            column._dbfile.will_need(column._basepos, column._count)  # every segment's, then read
        columns.append((segment, offset, column))
    for segment, offset, column in columns:
        count = segment.doc_count_all()
        if column is not None and hasattr(column, "_basepos"):  # one byte per document
            raw = np.frombuffer(column._dbfile.get(column._basepos, column._count), dtype=np.uint8)
            lengths[offset : offset + len(raw)] = _BYTE_LENGTHS[raw]
        else:
            for docnum in range(count):
                lengths[offset + docnum] = segment.doc_field_length(docnum, fieldname, 0) or 0
    return lengths


def _lengths_column():
    from whoosh.codec.whoosh3 import LENGTHS_COLUMN

    return LENGTHS_COLUMN
