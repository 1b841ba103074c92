"""W3 posting blocks and term-table rows of many terms at once, with NumPy.

``segment_writer.write_grouped_postings`` writes a term's blocks in a Python
loop: two pickles, perhaps a compression, a few ``struct`` packs and an md5
per term. A segment of news holds hundreds of thousands of terms, most of
them in the ``chars`` field, whose postings carry no weights and no values.
For such a field every byte of a block is a simple function of a few
integers, so this module builds all of a chunk's blocks as arrays:

- a block's data is the protocol-2 pickle of ``((deltas...), None, None)``
  (``None, ()`` for a variable-size format without values);
- its info is the protocol-2 pickle of
  ``(count, last doc, 1.0, compression, min length byte, max length byte)``;
- a term's blocks are ``W3Bl``, then per block a big-endian length
  (negated for the last) and the info and data pickles.

The pickles are written opcode for opcode as CPython's pickler writes them
(``K``/``M``/``J`` ints, ``(``...``t`` or ``TUPLE1-3`` with a ``BINPUT`` memo
after each tuple, ``G`` floats); the test compares them byte for byte with
``pickle.dumps`` and the whole segment with Whoosh's own. Compression stays a
zlib call per block, for the blocks long enough to be compressed.

``term_rows`` does the same for the term table of every field: its rows
(``!ii`` key and value lengths, the key, the packed ``W3TermInfo`` and extent)
and the hash-table entries W3 keeps for each key; ``hash_tables`` lays out
the 256 hash tables of those entries at once.
"""

from __future__ import annotations

import zlib
from hashlib import md5

import numpy as np

# ``whoosh.filedb.filetables`` hash types; its reader takes the one in the file's header.
MD5, CRC32 = 0, 1

# Protocol-2 opcodes (pickle.py).
_PROTO2 = b"\x80\x02"
_MARK, _TUPLE, _BINPUT, _STOP, _NONE, _EMPTY_TUPLE, _BINFLOAT = b"(", b"t", b"q", b".", b"N", b")", b"G"
_TUPLE_CODE = {1: b"\x85", 2: b"\x86", 3: b"\x87"}
_ONE_FLOAT = _BINFLOAT + np.array([1.0], dtype=">f8").tobytes()
_BININT_MAX = 0x7FFFFFFF  # above it the pickler writes LONG1: not handled here

# W3TermInfo._struct ("!BfIBBfII") followed by pack_long(offset) and pack_int(length).
TERM_INFO = np.dtype(
    [("flags", "u1"), ("weight", ">f4"), ("df", ">u4"), ("min_length", "u1"), ("max_length", "u1"),
     ("max_weight", ">f4"), ("min_id", ">u4"), ("max_id", ">u4"), ("offset", ">i8"), ("length", ">i4")]
)  # fmt: skip
assert TERM_INFO.itemsize == 35


def pickled_ints(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The pickle opcodes of non-negative ints up to 2**31 - 1, concatenated,
    and each one's length: ``K`` + 1 byte, ``M`` + 2 or ``J`` + 4 (little-endian)."""
    v = np.asarray(values, dtype=np.int64)
    lengths = np.where(v < 0x100, 2, np.where(v < 0x10000, 3, 5))
    starts = np.cumsum(lengths) - lengths
    out = np.zeros(int(lengths.sum()), dtype=np.uint8)
    out[starts] = np.where(v < 0x100, ord("K"), np.where(v < 0x10000, ord("M"), ord("J")))
    out[starts + 1] = v & 0xFF
    wide = lengths >= 3
    out[starts[wide] + 2] = (v[wide] >> 8) & 0xFF
    widest = lengths == 5
    out[starts[widest] + 3] = (v[widest] >> 16) & 0xFF
    out[starts[widest] + 4] = (v[widest] >> 24) & 0xFF
    return out, lengths


def _constant(part: bytes, rows: int) -> tuple[np.ndarray, np.ndarray]:
    return np.tile(np.frombuffer(part, dtype=np.uint8), rows), np.full(rows, len(part), dtype=np.int64)


def _where(present: np.ndarray, part: bytes) -> tuple[np.ndarray, np.ndarray]:
    """``part`` in the rows where ``present`` holds, nothing in the others."""
    return _constant(part, int(present.sum()))[0], present.astype(np.int64) * len(part)


def _fixed(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A part of the same width in every row, one row of ``matrix`` (uint8) each."""
    rows, width = matrix.shape
    return matrix.reshape(-1), np.full(rows, width, dtype=np.int64)


def concat_rows(parts: list[tuple[np.ndarray, np.ndarray]], rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Row ``r`` of the result is the ``r``-th piece of every part, in order.

    A part is ``(bytes of all its pieces concatenated, length of each row's
    piece)``. Returns the concatenated rows and each row's length.
    """
    row_lengths = np.zeros(rows, dtype=np.int64)
    for _, lengths in parts:
        row_lengths += lengths
    out = np.empty(int(row_lengths.sum()), dtype=np.uint8)
    offset = np.cumsum(row_lengths) - row_lengths  # where each row's next piece goes
    for data, lengths in parts:
        if len(data):
            piece_start = np.cumsum(lengths) - lengths
            out[np.arange(len(data)) + np.repeat(offset - piece_start, lengths)] = data
        offset += lengths
    return out, row_lengths


def _big_endian_int32(values: np.ndarray) -> np.ndarray:
    return values.astype(">i4").view(np.uint8).reshape(-1, 4)


def block_bytes(deltas: np.ndarray, block_start: np.ndarray, block_end: np.ndarray, last_doc: np.ndarray,
                min_length_byte: np.ndarray, max_length_byte: np.ndarray, first_of_term: np.ndarray,
                last_of_term: np.ndarray, header: bytes, empty_values: bool, compression: int,
                small_block: int, compress) -> tuple[np.ndarray, np.ndarray] | None:  # fmt: skip
    """Every block of a run of terms whose postings have weight 1.0 and no values.

    ``deltas`` are the run's document numbers delta-encoded within each block
    (``block_start``/``block_end`` index them); ``first_of_term``/``last_of_term``
    mark each term's first and last block. Returns the blocks' bytes and each
    block's length (the term's header included in its first), or None when a
    number is beyond what this encodes (the caller's loop writes those).
    """
    blocks = len(block_start)
    counts = block_end - block_start
    if not blocks or int(deltas.max()) > _BININT_MAX or int(last_doc.max()) > _BININT_MAX:
        return None
    # The data pickle: the deltas' tuple, then the two empty slots and the outer tuple.
    delta_bytes, delta_lengths = pickled_ints(deltas)
    per_block = np.add.reduceat(delta_lengths, block_start)
    long_tuple = counts > 3
    short_code = np.zeros((blocks, 1), dtype=np.uint8)
    for count, code in _TUPLE_CODE.items():
        short_code[counts == count] = code[0]
    short_code[long_tuple] = _TUPLE[0]
    tail = (
        (_NONE + _EMPTY_TUPLE if empty_values else _NONE + _NONE) + _TUPLE_CODE[3] + _BINPUT + b"\x01" + _STOP
    )
    data, data_lengths = concat_rows(
        [_constant(_PROTO2, blocks), _where(long_tuple, _MARK), (delta_bytes, per_block),
         _fixed(short_code), _constant(_BINPUT + b"\x00" + tail, blocks)],
        blocks,
    )  # fmt: skip
    # Blocks long enough are compressed, one zlib call each.
    comp = np.zeros(blocks, dtype=np.int64)
    if compression:
        big = np.flatnonzero(data_lengths >= small_block)
        if len(big):
            comp[big] = compression
            data_start = np.cumsum(data_lengths) - data_lengths
            pieces, compressed, previous = [], [], 0
            for start, length in zip(data_start[big].tolist(), data_lengths[big].tolist(), strict=True):
                packed = compress(data[start : start + length].tobytes(), compression)
                pieces.append(data[previous:start])
                pieces.append(np.frombuffer(packed, dtype=np.uint8))
                compressed.append(len(packed))
                previous = start + length
            pieces.append(data[previous:])
            data_lengths[big] = compressed
            data = np.concatenate(pieces)
    # The info pickle.
    before_float, before_lengths = pickled_ints(np.column_stack([counts, last_doc]).reshape(-1))
    after_float, after_lengths = pickled_ints(
        np.column_stack([comp, min_length_byte, max_length_byte]).reshape(-1)
    )
    info, info_lengths = concat_rows(
        [_constant(_PROTO2 + _MARK, blocks), (before_float, before_lengths.reshape(-1, 2).sum(axis=1)),
         _constant(_ONE_FLOAT, blocks), (after_float, after_lengths.reshape(-1, 3).sum(axis=1)),
         _constant(_TUPLE + _BINPUT + b"\x00" + _STOP, blocks)],
        blocks,
    )  # fmt: skip
    block_length = info_lengths + data_lengths
    signed = np.where(last_of_term, -block_length, block_length)
    return concat_rows(
        [_where(first_of_term, header), _fixed(_big_endian_int32(signed)), (info, info_lengths),
         (data, data_lengths)],
        blocks,
    )  # fmt: skip


def key_hashes(keys: list[bytes], hashtype: int = MD5) -> np.ndarray:
    """Each key's hash as ``HashWriter`` computes it with ``hashtype``: the last 4 bytes
    of its md5, or its CRC-32 (a C call per key without a digest object: an eighth of the time)."""
    if hashtype == CRC32:
        return np.fromiter(map(zlib.crc32, keys), dtype=np.uint32, count=len(keys)).astype(np.int64)
    if hashtype != MD5:
        raise ValueError(f"hash type {hashtype}: only MD5 (0) and CRC32 (1) are written")
    digests = b"".join([md5(key, usedforsecurity=False).digest() for key in keys])
    hashes = np.frombuffer(digests, dtype=np.uint8).reshape(len(keys), 16)[:, 12:].copy().view(">u4")
    return hashes.reshape(len(keys)).astype(np.int64)


def term_rows(keys: list[bytes], weight: np.ndarray, df: np.ndarray, min_length_byte: np.ndarray,
              max_length_byte: np.ndarray, max_weight: np.ndarray, min_id: np.ndarray, max_id: np.ndarray,
              offset: np.ndarray, length: np.ndarray,
              hashtype: int = MD5) -> tuple[np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """The term-table rows of ``keys`` (``OrderedHashWriter.add`` of each key
    and its ``W3TermInfo.to_bytes``, not inlined), each row's start, and each
    key's hash (``key_hashes``)."""
    count = len(keys)
    info = np.zeros(count, dtype=TERM_INFO)
    info["weight"] = weight
    info["df"] = df
    info["min_length"] = min_length_byte
    info["max_length"] = max_length_byte
    info["max_weight"] = max_weight
    info["min_id"] = min_id
    info["max_id"] = max_id
    info["offset"] = offset
    info["length"] = length
    key_lengths = np.fromiter(map(len, keys), dtype=np.int64, count=count)
    lengths = np.column_stack([key_lengths, np.full(count, TERM_INFO.itemsize)]).astype(">i4")
    rows, row_lengths = concat_rows(
        [_fixed(lengths.view(np.uint8).reshape(count, 8)),
         (np.frombuffer(b"".join(keys), dtype=np.uint8), key_lengths),
         _fixed(info.view(np.uint8).reshape(count, TERM_INFO.itemsize))],
        count,
    )  # fmt: skip
    return rows, np.cumsum(row_lengths) - row_lengths, key_hashes(keys, hashtype)


def add_to_buckets(buckets: list[list], hashes: np.ndarray, positions: np.ndarray) -> None:
    """Append ``(hash, position)`` of each key to its bucket (``hash & 255``), in key order."""
    bucket = hashes & 0xFF
    order = np.argsort(bucket, kind="stable")
    sorted_hashes = hashes[order].tolist()
    sorted_positions = positions[order].tolist()
    ends = np.cumsum(np.bincount(bucket, minlength=256)).tolist()
    begin = 0
    for number, end in enumerate(ends):
        if end > begin:
            buckets[number].extend(zip(sorted_hashes[begin:end], sorted_positions[begin:end], strict=True))
        begin = end


SLOT = np.dtype([("hash", ">u4"), ("position", ">i8")])  # filetables._pointer; empty slots are zeros


def hash_tables(hashes: np.ndarray, positions: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The 256 hash tables of ``HashWriter`` for keys of these hashes at these
    positions, end to end, and each table's number of slots.

    As Whoosh lays them out: table ``hash & 255``, twice as many slots as keys,
    a key's home slot ``(hash >> 8) % slots``, linear probing with wrap-around;
    ``HashReader`` probes from the home slot to the first empty one. Whoosh fills
    each table in insertion order, one key at a time in Python; here each
    table's keys go in order of home slot (ties in insertion order), which is
    one cumulative maximum: a key sits at its home slot or just after the key
    before it, so every slot from its home to it is taken and the reader finds it.
    """
    hashes = np.asarray(hashes, dtype=np.int64)
    positions = np.asarray(positions, dtype=np.int64)
    count = len(hashes)
    bucket = hashes & 0xFF
    counts = np.bincount(bucket, minlength=256)
    numslots = 2 * counts
    table = np.zeros(int(numslots.sum()), dtype=SLOT)
    if not count:
        return table, numslots
    slots = numslots[bucket]
    home = (hashes >> 8) % slots
    arrival = np.arange(count, dtype=np.int64)
    # Keys pushed past their table's end wrap to its first slots: the tables they
    # were in are laid out again, those keys first (their wrapped slots are 0, 1,
    # ...), the others after them in home order. At half load none is pushed past
    # the end again.
    placed = _placed(bucket, home, np.zeros(count, dtype=bool), arrival)
    over = placed >= slots
    if over.any():
        again = np.zeros(256, dtype=bool)
        again[bucket[over]] = True
        keys = np.flatnonzero(again[bucket])
        start = np.where(over[keys], placed[keys] - slots[keys], home[keys])
        placed[keys] = _placed(bucket[keys], start, over[keys], keys)
        if (placed[keys] >= slots[keys]).any():
            raise AssertionError("hash_tables: a key was pushed past its table's end twice")
    first_slot = np.cumsum(numslots) - numslots
    where = first_slot[bucket] + placed
    table["hash"][where] = hashes
    table["position"][where] = positions
    return table, numslots


def _placed(bucket: np.ndarray, start: np.ndarray, first: np.ndarray, arrival: np.ndarray) -> np.ndarray:
    """Each key's slot in its table (``bucket``) when the keys take, in turn, the first
    free slot from ``start``: table by table, ``first`` keys first, then by start and
    arrival. In that order slot_i = max(start_i, slot_(i-1) + 1) within a table, so
    slot_i - i is a running maximum."""
    count = len(bucket)
    # One sort of distinct integers packing the four (a quicksort: a stable sort or lexsort takes 5x).
    start_bits, arrival_bits = int(start.max()).bit_length(), int(arrival[-1]).bit_length()
    if 8 + 1 + start_bits + arrival_bits > 63:
        order = np.lexsort((arrival, start, ~first, bucket))
    else:
        packed = (bucket << (1 + start_bits + arrival_bits)) | (
            (~first).astype(np.int64) << (start_bits + arrival_bits)
        )
        order = np.argsort(packed | (start << arrival_bits) | arrival)
    in_order = bucket[order]
    counts = np.bincount(in_order, minlength=256)
    rank = np.arange(count) - np.repeat(np.cumsum(counts) - counts, counts)
    apart = in_order * (4 * (int(counts.max()) + 1))  # each table's values above every earlier table's
    placed = np.empty(count, dtype=np.int64)
    placed[order] = np.maximum.accumulate(start[order] - rank + apart) - apart + rank
    return placed
