"""Per-document columns stored beside each segment: written at commit, memory-mapped at open.

A segment never changes, so what ``columns.FacetColumns`` needs of it (each
document's facet value codes, its date, its id and the script of its title)
is computed once, by the indexing process after the commit that made the
segment, and kept in four files named after the segment::

    xunwen_<segment>.columns.npy   int32 (rows, documents): date, one code per single-valued facet, title script
    xunwen_<segment>.pairs.npy     int32 (3, pairs): multi-valued facet, document, code (topics)
    xunwen_<segment>.ids.npy       str (documents,): each document's id (the story column joins on it)
    xunwen_<segment>.columns.json  the version stamp, the shapes, each facet's values (written last)

and, per index generation (stories are regrouped as documents arrive), the
story column joined from the ids and the story store (``search.stories``)::

    xunwen-stories-v1-<generation>.npy   int64 (2, documents): story id (-1 none), its size in the store

Whoosh's own ``clean_files`` deletes every file named ``<index>_<segment>.*``
of a segment the table of contents no longer lists, so the files go with
their segment when it is merged away (``store_columns`` removes them too).
Each file is written under a dot-name (which ``clean_files`` skips) and
renamed into place; the JSON, written last, is what makes a segment's files
count. A reader that finds no files, another version, or a shape or a code
that does not fit computes the segment's columns from its term index as
before (``compute_segment``), and never trusts the damaged files.
Deletions are not stored (they change without the segment changing): the
reader applies them on top (``columns.FacetColumns.from_segments``).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from search.engine.fixes import scanning_terms
from search.engine.postings import _ask_for_postings, _leaf_postings
from search.request import FACETS
from search.script import TRADITIONAL, text_script

FORMAT_VERSION = 1
SINGLE = tuple(name for name, (_, multi) in FACETS.items() if not multi)
MULTI = tuple(name for name, (_, multi) in FACETS.items() if multi)
ROWS = ("date", *SINGLE, "title_script")
# Title script per document: 0 Simplified, 1 Traditional, -2 not read yet (a
# computed segment reads only the few titles ``_traditional_sources`` samples).
SIMPLIFIED_CODE, TRADITIONAL_CODE, SCRIPT_UNREAD = 0, 1, -2
_PARTS = ("columns.npy", "pairs.npy", "ids.npy")
STORY_VERSION = 1
_STORY_RE = re.compile(rf"^xunwen-stories-v{STORY_VERSION}-(\d+)\.npy$")
# Only the newest generation's: a server already on an older one holds its column in memory,
# and one that opens an older generation joins it from the story store (slower, the same).
KEEP_STORY_ROWS = 1
# Titles read per source and segment at commit: more than the 5 that judge an outlet's
# script, so that deleting a few of them later still leaves the sample stored.
TITLES_SAMPLED = 16
_TEMPORARY_RE = re.compile(r"^\.(.+)\.(\d+)\.tmp$")


@dataclass
class SegmentColumns:
    """One segment's columns in its own document numbers (deleted documents included)."""

    segment_id: str
    size: int
    values: dict[str, list[str]]  # facet -> its values in this segment, sorted
    rows: np.ndarray  # int32 (len(ROWS), size): dates as YYYYMMDD, codes (-1 none), title script
    pairs: np.ndarray  # int32 (3, pairs): multi facet number, document, code
    ids: np.ndarray  # str (size,)
    stored: bool = False  # read from the segment's files (not computed)

    def row(self, name: str) -> np.ndarray:
        return self.rows[ROWS.index(name)]


def _date_number(value: str) -> int:
    from search.engine.columns import date_number

    return date_number(value)


def script_code(title: str | None) -> int:
    """The title script as stored: 1 Traditional, 0 Simplified."""
    return TRADITIONAL_CODE if text_script(title) == TRADITIONAL else SIMPLIFIED_CODE


def _term_docs(leaf, fieldname: str) -> tuple[list[str], list[np.ndarray]]:
    """A segment's terms of a field and the documents of each (deleted ones may be
    among them: the reader's live mask drops them)."""
    values, postings = [], []
    with scanning_terms(leaf):
        for term, info in leaf.iter_field(fieldname):
            values.append(term.decode("utf-8") if isinstance(term, bytes) else term)
            if info.doc_frequency() == 1:  # an id, a rare value: the term's one document is in its info
                postings.append(np.array([info.min_id()], dtype=np.int64))
            else:
                _ask_for_postings(leaf, fieldname, term)  # read in order, asked for as one range
                postings.append(_leaf_postings(leaf.postings(fieldname, term))[0])
    return values, postings


def compute_segment(leaf, segment_id: str, read_titles: bool = False) -> SegmentColumns:
    """A segment's columns from its term index (and, with ``read_titles``, the script of the
    titles ``_traditional_sources`` may sample: the first ``TITLES_SAMPLED`` of each source)."""
    size = leaf.doc_count_all()
    rows = np.full((len(ROWS), size), -1, dtype=np.int32)
    values: dict[str, list[str]] = {}
    for name in SINGLE:
        values[name], postings = _term_docs(leaf, FACETS[name][0])
        for code, docs in enumerate(postings):
            rows[ROWS.index(name), docs] = code
    pair_parts = []
    for number, name in enumerate(MULTI):
        values[name], postings = _term_docs(leaf, FACETS[name][0])
        for code, docs in enumerate(postings):
            pair_parts.append(np.stack([np.full(len(docs), number), docs, np.full(len(docs), code)]))
    pairs = np.concatenate(pair_parts, axis=1) if pair_parts else np.zeros((3, 0), dtype=np.int64)
    dates = rows[ROWS.index("date")]
    dates[:] = 0
    for term, docs in zip(*_term_docs(leaf, "date"), strict=True):
        dates[docs] = _date_number(term)
    ids = np.full(size, "", dtype=object)
    for doc_id, docs in zip(*_term_docs(leaf, "id"), strict=True):
        ids[docs] = doc_id
    scripts = rows[ROWS.index("title_script")]
    scripts[:] = SCRIPT_UNREAD
    if read_titles:
        for docnum in _sampled(rows[ROWS.index("source")]):
            scripts[docnum] = script_code(leaf.stored_fields(docnum).get("title"))
    return SegmentColumns(segment_id, size, values, rows, pairs.astype(np.int32), ids.astype(str))


def _sampled(sources: np.ndarray) -> np.ndarray:
    """The first ``TITLES_SAMPLED`` documents of each source: the titles whose script
    ``columns._traditional_sources`` reads (the first few live ones of each source)."""
    order = np.argsort(sources, kind="stable")
    ordered = sources[order]
    starts = np.searchsorted(ordered, ordered, side="left")  # each document's rank within its source
    chosen = (np.arange(len(ordered)) - starts < TITLES_SAMPLED) & (ordered >= 0)
    return np.sort(order[chosen])


# -- the files --------------------------------------------------------------


def _path(index_dir: Path, segment_id: str, part: str) -> Path:
    return index_dir / f"{segment_id}.{part}"


def _stamp(columns: SegmentColumns) -> dict:
    return {
        "version": FORMAT_VERSION,
        "segment": columns.segment_id,
        "documents": columns.size,
        "rows": list(ROWS),
        "facets": {name: list(FACETS[name]) for name in FACETS},
        "pairs": int(columns.pairs.shape[1]),
        "values": columns.values,
    }


def _write_atomically(path: Path, write) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(temporary, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)


def write_segment(index_dir: str | Path, columns: SegmentColumns) -> None:
    """Write a segment's files, each to a dot-name renamed into place, the JSON stamp last."""
    index_dir = Path(index_dir)
    arrays = {"columns.npy": columns.rows, "pairs.npy": columns.pairs, "ids.npy": columns.ids}
    for part, array in arrays.items():
        _write_atomically(_path(index_dir, columns.segment_id, part),
                          lambda handle, array=array: np.save(handle, array, allow_pickle=False))  # fmt: skip
    stamp = json.dumps(_stamp(columns), ensure_ascii=False).encode("utf-8")
    _write_atomically(
        _path(index_dir, columns.segment_id, "columns.json"), lambda handle: handle.write(stamp)
    )


def read_segment(index_dir: str | Path, segment_id: str, size: int) -> SegmentColumns | None:
    """A segment's stored columns, memory-mapped; None when they are missing,
    of another version or schema, or do not fit the segment (never trusted then)."""
    index_dir = Path(index_dir)
    try:
        stamp = json.loads(_path(index_dir, segment_id, "columns.json").read_bytes())
        if (stamp.get("version"), stamp.get("segment"), stamp.get("documents"), stamp.get("rows"),
                stamp.get("facets")) != (FORMAT_VERSION, segment_id, size, list(ROWS),
                                         {name: list(FACETS[name]) for name in FACETS}):  # fmt: skip
            return None
        values = {name: list(stamp["values"][name]) for name in FACETS}
        rows, pairs, ids = (np.load(_path(index_dir, segment_id, part), mmap_mode="r", allow_pickle=False)
                            for part in _PARTS)  # fmt: skip
    except (OSError, ValueError, KeyError, TypeError, AttributeError):  # missing, truncated, not ours
        return None
    columns = SegmentColumns(segment_id, size, values, rows, pairs, ids, stored=True)
    return columns if _fits(columns, stamp["pairs"]) else None


def _fits(columns: SegmentColumns, pair_count: int) -> bool:
    """Shapes, types and every code inside its facet's values (a damaged file is not used)."""
    rows, pairs, size = columns.rows, columns.pairs, columns.size
    if rows.dtype != np.int32 or rows.shape != (len(ROWS), size) or columns.ids.shape != (size,):
        return False
    if pairs.dtype != np.int32 or pairs.shape != (3, pair_count) or columns.ids.dtype.kind != "U":
        return False
    for name in SINGLE:
        codes = columns.row(name)
        if size and (codes.min() < -1 or codes.max() >= len(columns.values[name])):
            return False
    if size and columns.row("title_script").min() < SCRIPT_UNREAD:
        return False
    if pair_count:
        facet, docs, codes = pairs
        if facet.min() < 0 or facet.max() >= len(MULTI) or docs.min() < 0 or docs.max() >= size:
            return False
        limits = np.array([len(columns.values[name]) for name in MULTI])
        if codes.min() < 0 or np.any(codes >= limits[facet]):
            return False
    return True


def segment_columns(leaf, index_dir: str | Path | None) -> SegmentColumns:
    """A segment's columns: stored ones if they are there and sound, else computed as before."""
    segment_id = leaf.segment().segment_id()
    if index_dir is not None:
        stored = read_segment(index_dir, segment_id, leaf.doc_count_all())
        if stored is not None:
            return stored
    return compute_segment(leaf, segment_id)


def store_columns(ix) -> list[str]:
    """After a commit (and the story store's): write the files of every segment of ``ix``
    that lacks them and the newest generation's story column, remove those of segments
    gone, and temporary files of dead runs; return the segments written.

    The commit stands without them (a reader computes what is missing), so a
    full disk or a failed write here stops the writing, not the indexing run."""
    try:
        return _store_columns(ix)
    except OSError:
        return []


def _store_columns(ix) -> list[str]:
    index_dir = Path(ix.storage.folder)
    listed = list(index_dir.iterdir())  # before the TOC is read: files listed belong to a segment it knows
    written = []
    with ix.reader() as reader:
        leaves = [leaf for leaf, _ in reader.leaf_readers()] if reader.doc_count_all() else []
        current = {leaf.segment().segment_id() for leaf in leaves}
        for leaf in leaves:
            segment_id = leaf.segment().segment_id()
            if read_segment(index_dir, segment_id, leaf.doc_count_all()) is None:
                write_segment(index_dir, compute_segment(leaf, segment_id, read_titles=True))
                written.append(segment_id)
    _remove_stale(listed, {segment.segment_id() for segment in ix._segments()} | current)
    _store_story_rows(ix, index_dir)
    return written


def story_rows_path(index_dir: str | Path, generation: int) -> Path:
    return Path(index_dir) / f"xunwen-stories-v{STORY_VERSION}-{generation}.npy"


def read_story_rows(index_dir: str | Path, generation: int | None, size: int) -> np.ndarray | None:
    """The stored story column of a generation (``StoryColumn.rows``), memory-mapped; None if
    it is missing or does not fit (then the store itself is read and joined)."""
    if generation is None:
        return None
    try:
        rows = np.load(story_rows_path(index_dir, generation), mmap_mode="r", allow_pickle=False)
    except (OSError, ValueError):
        return None
    if rows.dtype != np.int64 or rows.shape != (2, size):
        return None
    if size and (rows[0].min() < -1 or rows[1].min() < 1):
        return None
    return rows


def _store_story_rows(ix, index_dir: Path) -> None:
    """The story column of the newest generation, from the segment files just written;
    those of older generations than the last few are removed."""
    from search.engine.columns import FacetColumns, StoryColumn
    from search.stories import read_table

    with ix.reader() as reader:
        generation, size = reader.generation(), reader.doc_count_all()
        columns = None
        if generation is not None and read_story_rows(index_dir, generation, size) is None:
            columns = FacetColumns.from_reader(reader, index_dir)
    if columns is not None:
        table = read_table(index_dir, generation)
        empty = (np.zeros(0, dtype=str), np.zeros(0, dtype=np.int64))
        ids, stories = (table.ids, table.stories) if table is not None else empty
        rows = StoryColumn.from_ids(columns.segment_ids, columns.live, ids, stories).rows
        _write_atomically(story_rows_path(index_dir, generation),
                          lambda handle: np.save(handle, rows, allow_pickle=False))  # fmt: skip
    for old in sorted(_story_generations(index_dir))[:-KEEP_STORY_ROWS]:
        story_rows_path(index_dir, old).unlink(missing_ok=True)


def _story_generations(index_dir: Path) -> list[int]:
    return [int(match.group(1)) for match in map(_STORY_RE.match, os.listdir(index_dir)) if match]


def _remove_stale(listed: list[Path], current: set[str]) -> None:
    parts = ("columns.json", *_PARTS)
    for entry in listed:
        name = entry.name
        temporary = _TEMPORARY_RE.match(name)
        if temporary and (any(temporary.group(1).endswith("." + part) for part in parts)
                          or _STORY_RE.match(temporary.group(1))):  # fmt: skip
            if not _alive(int(temporary.group(2))):
                entry.unlink(missing_ok=True)
        elif any(name.endswith("." + part) for part in parts) and name.split(".", 1)[0] not in current:
            entry.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
