"""Building the index: records in, a committed Whoosh index and a summary out.

The main process reads and cleans records and decides what each one is (new,
changed, unchanged, duplicate); the expensive work (metadata extraction,
segmentation, writing segments) runs in worker processes, one per core
(``search.engine.writer``). Whoosh commits atomically, so a run that dies leaves
the previous commit readable and complete.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.writing import CLEAR, LockError

from search.analysis import character_grams, index_terms
from search.document import Document, content_hash
from search.engine.segment_writer import GroupingSegmentWriter
from search.engine.writer import PreparingWriter
from search.extract import extract_metadata
from search.loaders import LoadError, RawRecord, iter_records
from search.normalize import clean_characters, normalize_for_search, strip_boilerplate
from search.schema import INDEX_NAME, Postings, build_schema

# Commit an incremental run every so many documents, so that a run that is
# killed keeps most of its work; the next run skips what was committed.
COMMIT_EVERY = 20_000


class IndexLockedError(RuntimeError):
    """Another process is writing to the index."""


@dataclass
class PreparedDocument:
    """A document plus its postings, computed in a worker, ready to write."""

    document: Document
    title_postings: Postings
    body_postings: Postings
    grams: set[str]
    location: str


@dataclass
class IndexSummary:
    """What a run did, for the closing report."""

    indexed: int = 0
    updated: int = 0
    unchanged: int = 0
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (location, id kept)
    failed: list[LoadError] = field(default_factory=list)
    warnings: list[LoadError] = field(default_factory=list)
    seconds: float = 0.0
    megabytes: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {
            "indexed": self.indexed,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "duplicates": [{"location": where, "duplicate_of": kept} for where, kept in self.duplicates],
            "failed": [{"path": e.path, "line": e.line, "reason": e.reason} for e in self.failed],
            "warnings": [{"path": e.path, "line": e.line, "reason": e.reason} for e in self.warnings],
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


def document_id(record: RawRecord, body_hash: str) -> str:
    """The given id, else the path-based one, else the content hash."""
    given = record.given.get("id")
    if given not in (None, ""):
        return str(given)
    return record.default_id or body_hash[:16]


def clean_record(record: RawRecord) -> CleanedRecord | LoadError:
    """Clean one record and compute its id and content hash."""
    characters = clean_characters(record.text)
    body = strip_boilerplate(characters)
    if not body.strip():
        return LoadError(record.path, "no text left after cleaning", record.line)
    body_hash = content_hash(body)
    return CleanedRecord(record, characters, body, body_hash, document_id(record, body_hash))


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
    )
    # Normalization maps character to character, so the parts can be joined.
    grams = character_grams(normalized_title + "\n" + normalized_body)
    return PreparedDocument(document, title_postings, body_postings, grams, record.location)


def _prepare_or_error(cleaned: CleanedRecord) -> PreparedDocument | LoadError:
    try:
        return prepare_document(cleaned)
    except Exception as error:  # one bad record must not stop the run
        record = cleaned.record
        return LoadError(record.path, f"could not process: {type(error).__name__}: {error}", record.line)


_MODELLED_FIELDS = {
    "id", "title", "date", "source", "url", "region", "topic", "category", "tags",
    "province", "city", "county",
}  # fmt: skip


# ---------------------------------------------------------------------------
# Main side: decide and write
# ---------------------------------------------------------------------------


def open_or_create(index_dir: str | Path) -> whoosh_index.Index:
    """The index in ``index_dir``, created empty if there is none."""
    index_dir = Path(index_dir)
    index_dir.mkdir(parents=True, exist_ok=True)
    if whoosh_index.exists_in(str(index_dir), indexname=INDEX_NAME):
        return whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME)
    return whoosh_index.create_in(str(index_dir), build_schema(), indexname=INDEX_NAME)


def known_documents(ix: whoosh_index.Index) -> dict[str, str]:
    """``{id: content hash}`` of every live document, read from the term index."""
    with ix.reader() as reader:
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


class _InProcessWriter:
    """The single-process counterpart of ``PreparingWriter`` (small runs, tests)."""

    def __init__(self, writer):
        self.writer = writer
        self.failures: list[LoadError] = []

    def add_record(self, cleaned: CleanedRecord) -> None:
        fields = fields_or_error(cleaned)
        if isinstance(fields, LoadError):
            self.failures.append(fields)
        else:
            self.writer.add_document(**fields)

    def delete_by_term(self, fieldname: str, text: str) -> None:
        self.writer.delete_by_term(fieldname, text)

    def commit(self, **kwargs) -> None:
        self.writer.commit(**kwargs)

    def cancel(self) -> None:
        self.writer.cancel()


def _open_writer(ix, procs: int, wait_for_lock: float):
    if procs <= 1:
        return _InProcessWriter(_acquire_writer(ix, wait_for_lock, procs=1))
    return _acquire_writer(ix, wait_for_lock, procs=procs)


def index_paths(
    paths: Iterable[str | Path],
    index_dir: str | Path,
    rebuild: bool = False,
    procs: int | None = None,
    progress: Callable[[IndexSummary], None] | None = None,
    commit_every: int = COMMIT_EVERY,
    wait_for_lock: float = 0.0,
) -> IndexSummary:
    """Index every article under ``paths`` into ``index_dir``; return the summary.

    Incremental: new documents are added, changed ones (by content hash)
    replaced, unchanged ones skipped, exact duplicates reported. ``rebuild``
    replaces the whole index in one commit, so the old index stays readable
    until the new one is complete.
    """
    started = time.perf_counter()
    summary = IndexSummary()
    procs = procs or os.cpu_count() or 1
    ix = open_or_create(index_dir)
    writer = _open_writer(ix, procs, wait_for_lock)
    try:
        known = {} if rebuild else known_documents(ix)
        seen_hashes = {digest: doc_id for doc_id, digest in known.items()}
        written: dict[str, str] = {}  # id -> hash, this run
        pending = 0
        for item in iter_records(paths):
            if isinstance(item, LoadError):
                (summary.warnings if item.warning else summary.failed).append(item)
                continue
            summary.megabytes += len(item.text.encode("utf-8")) / 1e6
            cleaned = clean_record(item)
            outcome = _decide(cleaned, known, seen_hashes, written)
            if outcome == "write":
                if cleaned.id in known:
                    writer.delete_by_term("id", cleaned.id)
                    summary.updated += 1
                else:
                    summary.indexed += 1
                written[cleaned.id] = cleaned.content_hash
                seen_hashes[cleaned.content_hash] = cleaned.id
                writer.add_record(cleaned)
                pending += 1
            else:
                _count(outcome, cleaned, summary, seen_hashes, written)
            if progress:
                progress(summary)
            if pending >= commit_every and not rebuild:
                _commit(writer, summary, rebuild)
                writer = _open_writer(ix, procs, wait_for_lock)
                known.update(written)
                pending = 0
    except BaseException:
        writer.cancel()
        raise
    _commit(writer, summary, rebuild)
    summary.seconds = time.perf_counter() - started
    return summary


def _decide(cleaned, known: dict[str, str], seen_hashes: dict[str, str], written: dict[str, str]) -> str:
    if isinstance(cleaned, LoadError):
        return "failed"
    if known.get(cleaned.id) == cleaned.content_hash or written.get(cleaned.id) == cleaned.content_hash:
        return "unchanged"
    kept = seen_hashes.get(cleaned.content_hash)
    if kept is not None and kept != cleaned.id:
        return "duplicate"
    if cleaned.id in written:
        return "same id"
    return "write"


def _count(outcome: str, cleaned, summary: IndexSummary, seen_hashes, written) -> None:
    if outcome == "failed":
        summary.failed.append(cleaned)
    elif outcome == "unchanged":
        summary.unchanged += 1
    elif outcome == "duplicate":
        summary.duplicates.append((cleaned.record.location, seen_hashes[cleaned.content_hash]))
    elif outcome == "same id":
        # Two different texts under one id in one run: the first is kept.
        summary.failed.append(
            LoadError(cleaned.record.path, f"id {cleaned.id!r} already used by another document in this run",
                      cleaned.record.line)
        )  # fmt: skip


def _commit(writer, summary: IndexSummary, rebuild: bool) -> None:
    writer.commit(mergetype=CLEAR) if rebuild else writer.commit()
    for failure in writer.failures:
        summary.failed.append(failure)
        summary.indexed -= 1  # counted when it was handed to the writer
    writer.failures = []


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
