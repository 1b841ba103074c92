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
reader opens one of its parts, ``CompoundStorage.open_file`` copies the part
into a new ``BytesIO``. A server keeps a searcher per thread, so each thread
held its own copy of the whole index (0.85 GB per thread on the 75k-article
corpus: 7 GB with 8 threads). With ``share_segment_bytes()`` each part is
copied once per process into an immutable ``bytes`` that every reader shares
(``BytesIO(bytes)`` does not copy). Segment files are never changed, only
deleted, so a part is dropped when its segment file is gone.
"""

from __future__ import annotations

import os
import threading

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


_shared_parts: dict[str, dict[str, bytes]] = {}  # compound file path -> part name -> bytes
_shared_lock = threading.Lock()
_sharing = False


class _SharedCompoundStorage(CompoundStorage):
    """A compound file whose parts are read once per process and shared."""

    parts: dict[str, bytes] | None = None

    def open_file(self, name, *args, **kwargs):
        if self.parts is None or self._source is None:
            return super().open_file(name, *args, **kwargs)
        with _shared_lock:
            data = self.parts.get(name)
            if data is None:
                offset, length = self.range(name)
                data = self.parts[name] = bytes(self._source[offset : offset + length])
        return BufferFile(data, name=name)


def _open_compound_file(self, storage):
    name = self.make_filename(self.COMPOUND_EXT)
    compound = _SharedCompoundStorage(storage.open_file(name), use_mmap=storage.supports_mmap)
    folder = getattr(storage, "folder", None)
    if _sharing and folder is not None:
        path = os.path.join(folder, name)
        with _shared_lock:
            for gone in [known for known in _shared_parts if not os.path.exists(known)]:
                del _shared_parts[gone]
            compound.parts = _shared_parts.setdefault(path, {})
    return compound


def share_segment_bytes() -> None:
    """Share segment parts between the readers of this process (searching)."""
    global _sharing
    _sharing = True


def shared_bytes() -> int:
    """How many bytes of segment parts this process holds shared."""
    with _shared_lock:
        return sum(len(data) for parts in _shared_parts.values() for data in parts.values())


def apply() -> None:
    """Install both fixes (idempotent)."""
    if whoosh3.W3PerDocReader._cached_reader is not _cached_reader:
        whoosh3.W3PerDocReader._cached_reader = _cached_reader
    base.Segment.open_compound_file = _open_compound_file
