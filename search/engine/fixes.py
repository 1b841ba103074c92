"""Two small fixes to Whoosh, applied by the engine (``apply()``) when it
opens an index for searching (``search.engine.open_for_search``) or starts a
segment writer, never on import.

**Writing.**
``W3PerDocReader._cached_reader`` caches the length column of a field, but
not its absence: for a field without lengths (our unscored ``chars`` field)
every posting written at commit time asks the file system again whether the
column file exists. On 4 MB of news that was 900,000 ``stat`` calls and a
third of the commit time. Caching the miss is behaviour-preserving: a
segment's files do not change while it is being read or written.

**Reading.** A segment is one compound file, memory-mapped; but every time a
reader opens one of its parts, ``CompoundStorage.open_file`` wraps a slice of
the map in a ``BufferFile``, whose ``BytesIO(memoryview)`` copies the whole
part. A server keeps a searcher per thread, so each thread held its own copy
of the index (0.85 GB per thread on the 75k-article corpus). Parts are now
read through ``MappedPart``: a file over the memoryview itself, so a read
copies only the bytes asked for, the pages stay the operating system's (file
cache, shared by every process that serves the same index, evictable), and a
server's anonymous memory is what it computes, not the index size. Segment
files are never changed, only deleted; a deleted file's pages live as long
as a reader maps them (POSIX).
"""

from __future__ import annotations

import contextlib
import mmap
import os

from whoosh.codec import base, whoosh3
from whoosh.filedb.compound import CompoundStorage
from whoosh.filedb.structfile import BufferFile

_MISSING = object()


def _cached_reader(self, fieldname, column):
    readers = self._readers
    reader = readers.get(fieldname, _MISSING)
    if reader is _MISSING:
        reader = self.column_reader(fieldname, column) if self.has_column(fieldname) else None
        readers[fieldname] = reader
    return reader


class MappedPart:
    """A read-only file over a memoryview: ``read`` copies only what it returns."""

    def __init__(self, view: memoryview):
        self._view = view
        self._pos = 0
        self.closed = False

    def read(self, size: int | None = -1) -> bytes:
        start = self._pos
        end = len(self._view) if size is None or size < 0 else min(start + size, len(self._view))
        self._pos = max(start, end)
        return bytes(self._view[start:end])

    def readinto(self, buffer) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readline(self, size: int | None = -1) -> bytes:
        view, start = self._view, self._pos
        limit = len(view) if size is None or size < 0 else min(start + size, len(view))
        end = start
        while end < limit and view[end] != 10:  # pickle's text opcodes end with b"\n"
            end += 1
        self._pos = min(end + 1, limit)
        return bytes(view[start : self._pos])

    def seek(self, offset: int, whence: int = os.SEEK_SET) -> int:
        base = {os.SEEK_SET: 0, os.SEEK_CUR: self._pos, os.SEEK_END: len(self._view)}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def __iter__(self):
        while line := self.readline():
            yield line

    def close(self) -> None:
        self.closed = True  # the view stays valid: other readers of the map share it


class _MappedBufferFile(BufferFile):
    """Whoosh's ``BufferFile`` without the ``BytesIO`` copy of the whole part."""

    def __init__(self, buf, name=None, onclose=None, source=None, base=0):
        super().__init__(b"", name=name, onclose=onclose)
        self._buf = buf
        self.file = MappedPart(buf)
        self._source, self._base = source, base  # the segment's map and where this part starts in it

    def will_need(self, start: int, length: int) -> None:
        """Ask the kernel to read bytes ``start`` to ``start + length`` of this part now,
        in one request, before they are touched (a hint: it may do nothing)."""
        if length > 0:
            _advise(self._source, "MADV_WILLNEED", self._base + start, length)

    def advise(self, option: str) -> None:
        """Advise this whole part (the pages it touches): ``option`` names an ``mmap.MADV_*``."""
        if len(self._buf):
            _advise(self._source, option, self._base, len(self._buf))


def can_advise() -> bool:
    """Whether this platform's ``mmap`` takes advice (not on Windows): without it the
    hints are skipped and reading is as before."""
    return hasattr(mmap.mmap, "madvise") and all(
        hasattr(mmap, name) for name in ("MADV_RANDOM", "MADV_NORMAL", "MADV_WILLNEED")
    )


def _advise(source, option: str, start: int = 0, length: int | None = None) -> None:
    """``madvise`` the map ``source`` with ``mmap.<option>`` from ``start`` (down to its page)
    for ``length`` bytes (None: to the end). A hint: where it cannot be given, nothing."""
    if source is None or not can_advise():
        return
    with contextlib.suppress(OSError, ValueError):  # a closed map, a range the kernel refuses
        end = len(source) if length is None else min(start + length, len(source))
        aligned = start - start % mmap.PAGESIZE  # madvise takes whole pages
        if end > aligned:
            source.madvise(getattr(mmap, option), aligned, end - aligned)


@contextlib.contextmanager
def scanning_terms(leaf):
    """While a loop reads a segment's term table in order (``iter_field``), the kernel
    reads ahead in it as it does by default; afterwards the table is a table of
    scattered probes again."""
    # Only the term table: the suggestion table is built by such a scan while the
    # server answers searches, whose posting reads stay scattered probes (with the
    # postings read ahead too, a cold start took a second longer).
    terms = getattr(getattr(leaf, "_terms", None), "_dbfile", None)
    if not hasattr(terms, "advise"):
        yield
        return
    terms.advise("MADV_NORMAL")
    try:
        yield
    finally:
        terms.advise("MADV_RANDOM")


def _segment_maps(reader) -> list:
    """The memory maps of ``reader``'s segments (those opened through ``_open_compound_file``)."""
    maps = []
    leaves = reader.leaf_readers() if hasattr(reader, "leaf_readers") else [(reader, 0)]
    for leaf, _ in leaves:
        storage = getattr(leaf, "_storage", None)
        for part in (storage, *vars(storage).values()) if storage is not None else ():
            source = getattr(part, "_source", None)  # gone once the storage is closed
            if isinstance(part, _MappedCompoundStorage) and source is not None:
                maps.append(source)
                break
    return maps


@contextlib.contextmanager
def reading_through(reader):
    """While a loop reads ``reader``'s segments from start to end (a merge, a pass over
    every id), the kernel reads ahead in them as by default; afterwards the maps are
    maps of scattered probes again."""
    maps = _segment_maps(reader)
    for source in maps:
        _advise(source, "MADV_NORMAL")
    try:
        yield
    finally:
        for source in maps:
            _advise(source, "MADV_RANDOM")


class _MappedCompoundStorage(CompoundStorage):
    """A compound file whose parts are read in place from its memory map."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Searching reads a segment at scattered places (a term-table probe, a
        # posting list, a document's stored fields), and by default every page
        # fault on a cold map reads ahead up to the disk's read_ahead_kb (8 MB on
        # this machine): 400 scattered faults took 1.4 s instead of 33 ms. A
        # posting list is read whole and is asked for as one range instead
        # (``will_need``).
        _advise(self._source, "MADV_RANDOM")

    def open_file(self, name, *args, **kwargs):
        if self._source is None or self.is_closed:
            return super().open_file(name, *args, **kwargs)
        offset, length = self.range(name)
        view = memoryview(self._source)[offset : offset + length]
        return _MappedBufferFile(view, name=name, source=self._source, base=offset)


def _open_compound_file(self, storage):
    name = self.make_filename(self.COMPOUND_EXT)
    return _MappedCompoundStorage(storage.open_file(name), use_mmap=storage.supports_mmap)


def apply() -> None:
    """Install both fixes (idempotent)."""
    if whoosh3.W3PerDocReader._cached_reader is not _cached_reader:
        whoosh3.W3PerDocReader._cached_reader = _cached_reader
    base.Segment.open_compound_file = _open_compound_file
