"""Building the index: records in, a committed Whoosh index and a summary out.

The main process reads and cleans records and decides what each one is (new,
changed, unchanged, same text as another, repeated); the expensive work (metadata extraction,
segmentation, story signatures, writing segments) runs in worker processes, one per core
(``search.engine.writer``); the signatures come back to the main process, in input order, to
be assigned to stories. Whoosh commits atomically, so a run that dies leaves
the previous commit readable and complete. A changed document's old version
is deleted only at the commit that adds its new version, so a replacement that
fails keeps the old one.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import os
import shutil
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from whoosh import index as whoosh_index
from whoosh.writing import CLEAR, LockError

from search.analysis import character_gram_keys, index_terms
from search.analysis_version import AnalysisVersionError, version_mismatch, write_analysis_version
from search.document import Document, content_hash, id_problem
from search.engine.column_store import store_columns
from search.engine.fixes import reading_through
from search.engine.segment_writer import GroupingSegmentWriter
from search.engine.writer import Prepared, PreparingWriter, fewer_collections
from search.extract import extract_metadata
from search.loaders import LoadError, RawRecord, iter_records
from search.normalize import clean_characters, normalize_for_search, strip_boilerplate
from search.schema import INDEX_NAME, Postings, build_schema
from search.stories import StoryBook, publication_day, signature

# Commit an incremental run every so many documents, so that a run that is
# killed keeps most of its work; the next run skips what was committed.
COMMIT_EVERY = 20_000


class IndexLockedError(RuntimeError):
    """Another process is writing to the index."""


class IndexDamagedError(RuntimeError):
    """The index folder holds an index that cannot be read (``--rebuild`` starts over)."""


class DiskFullError(OSError):
    """The disk filled during a run: nothing of the run was committed, its partial files are gone."""


@dataclass
class PreparedDocument:
    """A document plus its postings, computed in a worker, ready to write."""

    document: Document
    title_postings: Postings
    body_postings: Postings
    grams: np.ndarray  # the chars field's terms, as analysis.character_gram_keys
    location: str


@dataclass
class IndexSummary:
    """What a run did, for the closing report; counts are of what was committed."""

    indexed: int = 0
    updated: int = 0
    unchanged: int = 0
    same_text: list[tuple[str, str, str]] = field(default_factory=list)  # (location, id, same text as id)
    # Of those, the ids in a story apart from the first's (published more than
    # ``stories.MAX_STORY_DAYS`` apart: another year's announcement); None without grouping.
    other_story: set[str] | None = None
    repeated: list[tuple[str, str]] = field(default_factory=list)  # (location, id) seen earlier in this run
    failed: list[LoadError] = field(default_factory=list)
    warnings: list[LoadError] = field(default_factory=list)
    skipped: list[LoadError] = field(default_factory=list)
    queued: int = 0  # handed to the writer, not yet committed
    seconds: float = 0.0
    megabytes: float = 0.0
    current: str = ""  # the file being read (for a progress bar)

    def as_dict(self) -> dict[str, Any]:
        def items(errors: list[LoadError]) -> list[dict[str, Any]]:
            return [{"path": e.path, "line": e.line, "reason": e.reason} for e in errors]

        return {
            "indexed": self.indexed,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "same_text_as": [
                {
                    "location": where,
                    "id": doc_id,
                    "same_text_as": first,
                    "same_story": None if self.other_story is None else doc_id not in self.other_story,
                }
                for where, doc_id, first in self.same_text
            ],  # fmt: skip
            "repeated_id": [{"location": where, "id": doc_id} for where, doc_id in self.repeated],
            "failed": items(self.failed),
            "warnings": items(self.warnings),
            "skipped": items(self.skipped),
            "seconds": round(self.seconds, 3),
        }


# ---------------------------------------------------------------------------
# Cleaning and deciding (main process), preparing (worker processes)
# ---------------------------------------------------------------------------


@dataclass
class CleanedRecord:
    """A record after cleaning: what the main process decides on."""

    record: RawRecord
    characters: str  # after character cleaning, boilerplate still there (footers name sources)
    body: str  # what is stored and searched
    content_hash: str
    id: str
    same_text_as: str | None = None  # set when it is decided: the first id with this text


def document_id(record: RawRecord, body_hash: str) -> str:
    """The given id, else the path-based one, else the content hash."""
    given = record.given.get("id")
    if given not in (None, ""):
        return str(given)
    return record.default_id or body_hash[:16]


def clean_record(record: RawRecord) -> CleanedRecord | LoadError:
    """Clean one record and compute its id and content hash."""
    # An unchanged text is kept as the same object: a record is pickled to a
    # worker, and pickle writes an object it has seen once (most news is
    # clean: the text, its cleaned characters and the body were three copies,
    # 3.5 times the body's bytes, pickled and unpickled).
    characters = _same_if_equal(clean_characters(record.text), record.text)
    body = _same_if_equal(strip_boilerplate(characters), characters)
    if not body.strip():
        return LoadError(record.path, "no text left after cleaning", record.line)
    body_hash = content_hash(body)
    doc_id = document_id(record, body_hash)
    problem = id_problem(doc_id)
    if problem:
        return LoadError(record.path, f"{problem}: not indexed (it could not be opened at /doc/<id>)",
                         record.line)  # fmt: skip
    return CleanedRecord(record, characters, body, body_hash, doc_id)


def _same_if_equal(text: str, before: str) -> str:
    return before if text == before else text


def prepare_document(cleaned: CleanedRecord) -> PreparedDocument:
    """Extract metadata and segment one cleaned record (pure)."""
    record = cleaned.record
    normalized_body = normalize_for_search(cleaned.body)
    body_postings, words = index_terms(normalized_body)
    given = dict(record.given)
    if record.title_hint and not given.get("title"):
        given["title"] = record.title_hint
    meta = extract_metadata(cleaned.characters, given, words=words)
    title = meta.get("title") or ""
    normalized_title = normalize_for_search(title)
    title_postings, _ = index_terms(normalized_title)
    extra = {key: value for key, value in record.given.items() if key not in _MODELLED_FIELDS}
    if meta.get("title_original"):
        extra["title_original"] = meta["title_original"]  # the given title, before its site name was cut
    document = Document(
        id=cleaned.id,
        title=title,
        body=cleaned.body,
        path=record.location,
        url=record.given.get("url") or None,
        published=meta.get("published"),
        date_precision=meta.get("date_precision"),
        source=meta.get("source"),
        province=meta.get("province"),
        city=meta.get("city"),
        county=meta.get("county"),
        regions=list(meta.get("regions") or []),
        topics=list(meta.get("topics") or []),
        tags=list(meta.get("tags") or []),
        title_derived=bool(meta.get("title_derived")),
        basis=dict(meta.get("basis") or {}),
        extra=extra,
        content_hash=cleaned.content_hash,
        same_text_as=cleaned.same_text_as,
    )
    # Normalization maps character to character, so the parts can be joined.
    grams = character_gram_keys(normalized_title + "\n" + normalized_body)
    return PreparedDocument(document, title_postings, body_postings, grams, record.location)


def _prepare_or_error(cleaned: CleanedRecord) -> PreparedDocument | LoadError:
    try:
        return prepare_document(cleaned)
    except Exception as error:  # one bad record must not stop the run
        record = cleaned.record
        return LoadError(record.path, f"could not process: {type(error).__name__}: {error}", record.line,
                         doc_id=cleaned.id)  # fmt: skip


_MODELLED_FIELDS = {
    "id", "title", "date", "source", "url", "region", "topic", "category", "tags",
    "province", "city", "county",
}  # fmt: skip


# ---------------------------------------------------------------------------
# Main side: decide and write
# ---------------------------------------------------------------------------


def open_or_create(index_dir: str | Path, rebuild: bool = False) -> whoosh_index.Index:
    """The index in ``index_dir``, created empty if there is none.

    Raises ``IndexDamagedError`` for an index that cannot be read; with
    ``rebuild`` a damaged index is replaced by an empty one instead.
    """
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    try:
        if whoosh_index.exists_in(str(index_dir), indexname=INDEX_NAME):
            return whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME)
        if any(index_dir.glob(f"{INDEX_NAME}_*.seg")):
            raise IndexDamagedError(f"the index in {index_dir} is damaged: its table of contents is missing; "
                                    "run with --rebuild")  # fmt: skip
    except IndexDamagedError:
        if not rebuild:
            raise
    except Exception as error:  # whatever a damaged TOC makes Whoosh raise
        if not rebuild:
            raise _damaged(index_dir, error) from None
    return whoosh_index.create_in(str(index_dir), build_schema(), indexname=INDEX_NAME)


def _damaged(index_dir: str | Path, error: BaseException) -> IndexDamagedError:
    return IndexDamagedError(
        f"the index in {index_dir} is damaged: {type(error).__name__}: {error}; run with --rebuild"
    )


def temp_files(index_dir: str | Path) -> list[Path]:
    """What is in the index's temporary folder ``xunwen.tmp/`` now."""
    temp = Path(index_dir) / f"{INDEX_NAME}.tmp"
    return sorted(temp.iterdir()) if temp.is_dir() else []


def remove_leftovers(ix: whoosh_index.Index, temp: Iterable[Path] = (), keep: Iterable = ()) -> None:
    """Delete files of runs that never committed: segments no table of contents
    names (except ``keep``, being written) and the ``temp`` files listed.

    Only call it holding the write lock; ``temp`` must be listed before the
    writer was made, as the writer puts its own files there at once.
    """
    try:
        toc = ix._read_toc()
    except Exception:  # a damaged index: leave its files for --rebuild to look at
        return
    whoosh_index.clean_files(ix.storage, INDEX_NAME, toc.generation, [*toc.segments, *keep])
    for path in temp:
        shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)


def known_documents(ix: whoosh_index.Index) -> dict[str, str]:
    """``{id: content hash}`` of every live document, read from the term index."""
    with ix.reader() as reader, reading_through(reader):
        hash_of_doc: dict[int, str] = {}
        for term in reader.lexicon("content_hash"):
            for docnum in reader.postings("content_hash", term).all_ids():
                hash_of_doc[docnum] = term.decode("utf-8")
        known = {}
        for term in reader.lexicon("id"):
            for docnum in reader.postings("id", term).all_ids():
                if docnum in hash_of_doc:
                    known[term.decode("utf-8")] = hash_of_doc[docnum]
        return known


def stored_fields(document: Document) -> dict[str, Any]:
    """The stored metadata of a document that is not a field of its own."""
    return {
        "basis": document.basis,
        "title_derived": document.title_derived,
        "date_precision": document.date_precision,
        "other_regions": document.regions,
        "extra": document.extra,
        "same_text_as": document.same_text_as,
    }


def index_fields(prepared: PreparedDocument) -> dict[str, Any]:
    """The keyword arguments of ``writer.add_document`` for one document."""
    doc = prepared.document
    date = doc.published or None
    regions = [name for name in (doc.province, doc.city, doc.county) if name] + doc.regions
    fields: dict[str, Any] = {
        "id": doc.id,
        "title": prepared.title_postings,
        "_stored_title": doc.title,
        "body": prepared.body_postings,
        "_stored_body": doc.body,
        "chars": prepared.grams,
        "date": date,
        "year": date[:4] if date else None,
        "month": date[:7] if date and len(date) >= 7 else None,
        "source": doc.source,
        "province": doc.province,
        "city": doc.city,
        "county": doc.county,
        "regions": ",".join(dict.fromkeys(regions)) or None,
        "topics": ",".join(doc.topics) or None,
        "tags": ",".join(doc.tags) or None,
        "url": doc.url,
        "path": doc.path,
        "content_hash": doc.content_hash,
        "meta": stored_fields(doc),
    }
    return {key: value for key, value in fields.items() if value is not None}


def fields_or_error(cleaned: CleanedRecord) -> dict[str, Any] | LoadError:
    """What a writer process does with a cleaned record."""
    prepared = _prepare_or_error(cleaned)
    return prepared if isinstance(prepared, LoadError) else index_fields(prepared)


def fields_and_signature_or_error(cleaned: CleanedRecord) -> Prepared | LoadError:
    """``fields_or_error`` plus the story signature, ``(id, signature)``, for the main process."""
    try:
        # First: the body's normalized form is then remembered for its postings.
        story_signature = signature(cleaned.body)
    except Exception as error:  # as in _prepare_or_error
        record = cleaned.record
        return LoadError(record.path, f"could not process: {type(error).__name__}: {error}", record.line,
                         doc_id=cleaned.id)  # fmt: skip
    fields = fields_or_error(cleaned)
    if isinstance(fields, LoadError):
        return fields
    # The publication date is known once the metadata is extracted: a story's window.
    story_signature = dataclasses.replace(story_signature, day=publication_day(fields.get("date")))
    return Prepared(fields, (cleaned.id, story_signature))


class _InProcessWriter:
    """The single-process counterpart of ``PreparingWriter`` (small runs, tests)."""

    def __init__(self, writer):
        self.writer = writer
        self.newsegment = writer.newsegment
        self.failures: list[LoadError] = []
        self.preparer = fields_or_error  # ``_with_stories`` sets these two
        self.on_returned: Callable[[list], None] | None = None

    def add_record(self, cleaned: CleanedRecord) -> None:
        fields = self.preparer(cleaned)
        if isinstance(fields, LoadError):
            self.failures.append(fields)
            return
        if isinstance(fields, Prepared):
            if self.on_returned is not None:
                self.on_returned([fields.returned])
            fields = fields.fields
        self.writer.add_document(**fields)

    def commit(self, replacing: Iterable[str] = (), **kwargs) -> None:
        failed = {failure.doc_id for failure in self.failures}
        for doc_id in replacing:
            if doc_id not in failed:
                self.writer.delete_by_term("id", doc_id)
        self.writer.commit(**kwargs)

    def cancel(self) -> None:
        self.writer.cancel()


def _open_writer(ix, procs: int, wait_for_lock: float, stories: StoryBook | None = None):
    """A writer holding the index lock; with ``stories``, its workers compute each
    signature and the main process assigns it (``_with_stories``)."""
    if procs <= 1:
        writer = _InProcessWriter(_acquire_writer(ix, wait_for_lock, procs=1))
    else:
        _warm_up()
        writer = _acquire_writer(ix, wait_for_lock, procs=procs)
    return _with_stories(writer, stories) if stories else writer


def _assigner(stories: StoryBook) -> Callable[[list], None]:
    def assign(items: list) -> None:
        for doc_id, story_signature in items:
            stories.stories.add_signature(doc_id, story_signature)

    return assign


def _warm_up() -> None:
    """Load the segmenter's dictionary and the extractors' tables before the
    workers fork: they inherit them instead of each building its own."""
    with contextlib.suppress(Exception):  # a failure here is each record's to report, not the run's
        prepare_document(clean_record(RawRecord("warm-up", "新华社郑州3月5日电 河南省郑州市召开会议。")))


@fewer_collections()
def index_paths(
    paths: Iterable[str | Path],
    index_dir: str | Path,
    rebuild: bool = False,
    procs: int | None = None,
    progress: Callable[[IndexSummary], None] | None = None,
    commit_every: int = COMMIT_EVERY,
    wait_for_lock: float = 0.0,
    group_stories: bool = True,
) -> IndexSummary:
    """Index every article under ``paths`` into ``index_dir``; return the summary.

    Incremental: new documents are added, changed ones (by content hash)
    replaced, unchanged ones skipped; records with their own ids and the same
    text are all indexed, marked ``same_text_as`` the first. ``rebuild``
    replaces the whole index in one commit, so the old index stays readable
    until the new one is complete (a damaged one is started over).
    Raises ``IndexDamagedError``, ``IndexLockedError`` or ``DiskFullError``.
    ``group_stories`` assigns every document to a story of reprints
    (``search.stories``), saved beside each commit.
    """
    started = time.perf_counter()
    summary = IndexSummary()
    procs = procs or os.cpu_count() or 1
    ix = open_or_create(index_dir, rebuild)
    leftovers = temp_files(index_dir)  # of a crashed run: listed before our writer adds its own
    writer = _open_writer(ix, procs, wait_for_lock)  # the lock first; the workers start at the first batch
    try:
        # Read under the index lock: only the lock holder writes the store.
        stories = StoryBook.open(index_dir, rebuild, ix) if group_stories else None  # stories: issue 14
        if stories:
            writer = _with_stories(writer, stories)
        remove_leftovers(ix, leftovers, keep=[writer.newsegment])
        known = {} if rebuild else _known_or_damaged(ix, index_dir)
        # An index of another analysis holds other terms: adding to it would mix them.
        if known and (mismatch := version_mismatch(index_dir)) is not None:
            raise AnalysisVersionError(mismatch)
        seen_hashes: dict[str, str] = {}
        for doc_id, digest in known.items():
            seen_hashes.setdefault(digest, doc_id)
        written: dict[str, str] = {}  # id -> hash, written this run
        this_run: dict[str, str] = {}  # id -> hash of every document seen this run, written or unchanged
        pending: dict[str, str] = {}  # id -> "indexed" or "updated", until the next commit
        for item in iter_records(paths):
            if isinstance(item, LoadError):
                _file_item(item, summary)
                continue
            summary.current = item.path
            summary.megabytes += len(item.text.encode("utf-8")) / 1e6
            cleaned = clean_record(item)
            outcome = _decide(cleaned, known, this_run)
            if outcome in ("write", "unchanged"):
                this_run[cleaned.id] = cleaned.content_hash
            if outcome == "write":
                first = seen_hashes.setdefault(cleaned.content_hash, cleaned.id)
                if first != cleaned.id:
                    cleaned.same_text_as = first
                    summary.same_text.append((cleaned.record.location, cleaned.id, first))
                pending[cleaned.id] = "updated" if cleaned.id in known else "indexed"
                written[cleaned.id] = cleaned.content_hash
                writer.add_record(cleaned)  # with stories, its signature comes back from the worker
                summary.queued += 1
            else:
                _count(outcome, cleaned, summary)
            if progress:
                progress(summary)
            if len(pending) >= commit_every and not rebuild:
                _commit(writer, pending, summary, rebuild, known, written, seen_hashes)
                write_analysis_version(index_dir)  # after every commit: a killed run's next run resumes
                if stories:  # stories: issue 14
                    stories.commit(ix)
                store_columns(ix)  # the new segments' facet columns, read by servers at start-up
                writer = None
                writer = _open_writer(ix, procs, wait_for_lock, stories)
        _commit(writer, pending, summary, rebuild, known, written, seen_hashes)
        write_analysis_version(index_dir)
        if stories:  # stories: issue 14 (after the index commit: a kill in between is repaired next run)
            stories.commit(ix)
            story_of = stories.stories.story_of
            summary.other_story = {doc_id for _, doc_id, first in summary.same_text
                                   if story_of(doc_id) != story_of(first)}  # fmt: skip
        store_columns(ix)
    except BaseException as error:
        _cancel(writer)
        # The run committed nothing since its last commit: its partial segments
        # would fill the disk again on every retry. (The lock is released by
        # now; a run that starts in between only loses its own first segment.)
        remove_leftovers(ix, temp_files(index_dir))
        with contextlib.suppress(OSError):
            (Path(index_dir) / f"{INDEX_NAME}.tmp").rmdir()
        if isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DiskFullError(error.errno, f"disk full while writing the index in {index_dir}") from error
        raise
    summary.seconds = time.perf_counter() - started
    return summary


def _cancel(writer) -> None:
    if writer is None:
        return
    try:
        writer.cancel()
    except Exception:  # noqa: S110 - already cancelled by the commit that failed
        pass


def _known_or_damaged(ix, index_dir) -> dict[str, str]:
    try:
        return known_documents(ix)
    except Exception as error:  # a truncated or corrupt segment
        raise _damaged(index_dir, error) from None


def _file_item(item: LoadError, summary: IndexSummary) -> None:
    if item.skipped:
        summary.skipped.append(item)
    elif item.warning:
        summary.warnings.append(item)
    else:
        summary.failed.append(item)


def _decide(cleaned, known: dict[str, str], this_run: dict[str, str]) -> str:
    if isinstance(cleaned, LoadError):
        return "failed"
    if this_run.get(cleaned.id) == cleaned.content_hash:
        return "repeated"
    if cleaned.id in this_run:
        return "same id"
    if known.get(cleaned.id) == cleaned.content_hash:
        return "unchanged"
    return "write"


def _count(outcome: str, cleaned, summary: IndexSummary) -> None:
    if outcome == "failed":
        summary.failed.append(cleaned)
    elif outcome == "unchanged":
        summary.unchanged += 1
    elif outcome == "repeated":
        # The same id with the same text again in this input: nothing to do, but
        # it is not an "unchanged" document of the index either.
        summary.repeated.append((cleaned.record.location, cleaned.id))
    elif outcome == "same id":
        # Two different texts under one id in one run: the first is kept.
        summary.failed.append(
            LoadError(cleaned.record.path, f"id {cleaned.id!r} already used by another document in this run",
                      cleaned.record.line)
        )  # fmt: skip


def _commit(writer, pending: dict[str, str], summary: IndexSummary, rebuild: bool,
            known: dict[str, str], written: dict[str, str], seen_hashes: dict[str, str]) -> None:  # fmt: skip
    """Commit, deleting the old versions of the replacements that were prepared;
    count what was committed and forget what failed."""
    replacing = [doc_id for doc_id, kind in pending.items() if kind == "updated"]
    if rebuild:
        writer.commit(replacing=replacing, mergetype=CLEAR)
    else:
        writer.commit(replacing=replacing)
    failed = {failure.doc_id for failure in writer.failures}
    summary.failed.extend(writer.failures)
    writer.failures = []
    for doc_id, kind in pending.items():
        if doc_id in failed:
            digest = written.pop(doc_id)
            if seen_hashes.get(digest) == doc_id:
                del seen_hashes[digest]
            summary.same_text = [entry for entry in summary.same_text if entry[1] != doc_id]
        else:
            setattr(summary, kind, getattr(summary, kind) + 1)
            known[doc_id] = written[doc_id]
    summary.queued = 0
    pending.clear()


def _with_stories(writer, stories: StoryBook):
    """The writer just opened, now sending signatures to ``stories`` (no record was added yet)."""
    # Both kinds of writer read these when they prepare, and a PreparingWriter's
    # workers start at its first batch.
    writer.preparer, writer.on_returned = fields_and_signature_or_error, _assigner(stories)
    return writer


def _acquire_writer(ix: whoosh_index.Index, wait_for_lock: float, procs: int):
    deadline = time.monotonic() + wait_for_lock
    while True:
        try:
            if procs <= 1:
                return GroupingSegmentWriter(ix)
            return PreparingWriter(ix, fields_or_error, procs=procs)
        except LockError:
            if time.monotonic() >= deadline:
                raise IndexLockedError(
                    "another xunwen process is writing to this index; "
                    "wait for it to finish (or pass --wait SECONDS)"
                ) from None
            time.sleep(0.2)
