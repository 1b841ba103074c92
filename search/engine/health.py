"""Is the index folder still there, still the same, and readable?

A server keeps one index open for days. Meanwhile its folder can be deleted,
replaced by an index built elsewhere and moved in place, or damaged (a
truncated segment, a corrupt TOC). ``IndexFolder`` owns the open Whoosh index
and notices all three: one ``stat`` of the folder per search, and a closer
look (the newest TOC's generation and inode) only when the folder changed.
Opening checks that every segment's parts lie inside its file, and any error
while opening or reading the facet columns becomes ``IndexDamaged``, a message
that says what to do, instead of a traceback.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import re
import struct
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path

import whoosh
from whoosh import index as whoosh_index

from search.engine import fixes
from search.schema import INDEX_NAME

_TOC_RE = re.compile(rf"^_{INDEX_NAME}_(\d+)\.toc\Z")


class IndexMissing(FileNotFoundError):
    """The folder holds no index (never built, or deleted under a running server)."""


class IndexDamaged(RuntimeError):
    """The folder holds an index that cannot be read: rebuild it."""

    def __init__(self, index_dir: str | Path, reason: str):
        self.index_dir, self.reason = str(index_dir), reason
        super().__init__(
            f"the index in {index_dir} is damaged ({reason}); "
            f"rebuild it with `xunwen index --rebuild PATH --index-dir {index_dir}`"
        )


def folder_stamp(index_dir: str | Path) -> tuple[int, int, int]:
    """(device, inode, mtime) of the folder: changes when a file is added,
    removed or renamed in it, or when the folder itself is replaced."""
    try:
        stat = os.stat(index_dir)
    except (FileNotFoundError, NotADirectoryError):
        raise IndexMissing(f"no xunwen index in {index_dir}") from None
    return stat.st_dev, stat.st_ino, stat.st_mtime_ns


def toc_identity(index_dir: str | Path) -> tuple[int, int, int] | None:
    """(generation, inode, size) of the newest TOC, None if there is none."""
    for _ in range(_TOC_LOOKS):
        try:
            names = os.listdir(index_dir)
        except (FileNotFoundError, NotADirectoryError):
            return None
        generations = [int(m.group(1)) for m in map(_TOC_RE.match, names) if m]
        if not generations:
            return None
        newest = max(generations)
        try:
            stat = os.stat(os.path.join(index_dir, f"_{INDEX_NAME}_{newest}.toc"))
        except FileNotFoundError:  # gone between the listing and the stat: a commit's clean-up; look again
            continue
        return newest, stat.st_ino, stat.st_size
    return None


# A TOC that vanishes between the listing and its stat was superseded: the folder is
# listed again (a search mid-commit answered 503 "the index is not there" in CI once).
_TOC_LOOKS = 5


@contextlib.contextmanager
def damage_reported(index_dir: str | Path) -> Iterator[None]:
    """Turn any error of reading the index's files into ``IndexDamaged``."""
    try:
        yield
    except (IndexMissing, IndexDamaged, MemoryError):
        raise
    except FileNotFoundError as error:  # a segment file named by the TOC is gone
        raise IndexDamaged(index_dir, f"missing file {Path(error.filename or '?').name}") from error
    except Exception as error:  # noqa: BLE001 - whatever a broken file makes Whoosh raise
        raise IndexDamaged(index_dir, f"{type(error).__name__}: {str(error)[:120]}") from error


# What a file holding the wrong bytes makes Whoosh raise while reading it.
DATA_ERRORS = (zlib.error, struct.error, EOFError, UnicodeDecodeError, pickle.UnpicklingError)
_WHOOSH_DIR = os.path.dirname(whoosh.__file__) + os.sep


def damage_of(error: BaseException, index_dir: str | Path) -> IndexDamaged | None:
    """``IndexDamaged`` for an error a damaged file raised deep inside a search
    (a stored text or a posting block that no longer decodes: the opening
    check only sees sizes), None for any other error, which stays a bug to
    report. The test: a decoding error raised inside Whoosh's own readers."""
    if not isinstance(error, DATA_ERRORS):
        return None
    frames = []
    traceback = error.__traceback__
    while traceback is not None:
        frames.append(traceback.tb_frame.f_code.co_filename)
        traceback = traceback.tb_next
    if not frames or not frames[-1].startswith(_WHOOSH_DIR):
        return None
    return IndexDamaged(index_dir, f"{type(error).__name__} while reading: {str(error)[:120]}")


def check_segments(ix) -> None:
    """Raise ``IndexDamaged`` unless every part of every segment lies inside its file."""
    for segment in ix._segments():
        if not segment.is_compound():
            continue
        compound = segment.open_compound_file(ix.storage)
        try:
            name = segment.make_filename(segment.COMPOUND_EXT)
            size = os.path.getsize(os.path.join(ix.storage.folder, name))
            for part, info in compound._dir.items():
                if info["offset"] + info["length"] > size:
                    raise IndexDamaged(ix.storage.folder, f"{name} is truncated (part {part})")
        finally:
            compound.close()


def open_checked(index_dir: str | Path):
    """The Whoosh index in ``index_dir`` opened for searching (the fixes applied:
    segments read in place from their memory maps), checked (``IndexMissing``, ``IndexDamaged``)."""
    if toc_identity(index_dir) is None:  # not whoosh's exists_in: it opens the index to see
        raise IndexMissing(f"no xunwen index in {index_dir}")
    fixes.apply()
    with damage_reported(index_dir):
        ix = whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME)
        check_segments(ix)
        ix.reader().close()
    return ix


class IndexFolder:
    """The open Whoosh index of a folder, reopened when the folder is replaced.

    ``epoch`` counts the openings: a searcher opened in an older epoch reads
    files that are no longer the folder's and must be closed.
    """

    def __init__(self, index_dir: str | Path):
        self.index_dir = Path(index_dir)
        self._lock = threading.Lock()
        self._stamp = folder_stamp(self.index_dir)
        self._toc = toc_identity(self.index_dir)
        self.ix = open_checked(self.index_dir)
        self.epoch = 0

    def current(self) -> tuple[object, int]:
        """(Whoosh index, epoch) as the folder is now; ``IndexMissing`` if it is gone."""
        stamp = folder_stamp(self.index_dir)
        if stamp != self._stamp:
            with self._lock:
                if stamp != self._stamp:
                    self._look_again(stamp)
        return self.ix, self.epoch

    def _look_again(self, stamp: tuple[int, int, int]) -> None:
        toc = toc_identity(self.index_dir)
        if toc is None:
            raise IndexMissing(f"no xunwen index in {self.index_dir}")
        replaced = stamp[:2] != self._stamp[:2]  # another folder moved into place
        older = self._toc is not None and toc[0] < self._toc[0]  # a new index, generation restarted
        if replaced or older or (self._toc is not None and toc[0] == self._toc[0] and toc != self._toc):
            self.ix = open_checked(self.index_dir)  # raises: nothing is remembered, look again next time
            self.epoch += 1
        self._stamp, self._toc = stamp, toc
