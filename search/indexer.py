"""Building the index: records in, a committed Whoosh index and a summary out.

The expensive work (cleaning, metadata extraction, segmentation) runs in
worker processes, one per core, which hand back postings ready to write; the
main process only decides (new, changed, unchanged, duplicate) and writes.
Whoosh commits atomically, so a run that dies leaves the previous commit
readable and complete.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from whoosh import index as whoosh_index
from whoosh.writing import CLEAR, LockError

from search.analysis import bigrams, tokenize
from search.document import Document, content_hash
from search.extract import extract_metadata
from search.loaders import LoadError, RawRecord, iter_records
from search.normalize import clean_characters, normalize_for_search, strip_boilerplate
from search.schema import Postings, build_schema

INDEX_NAME = "xunwen"
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
class Unchanged:
    id: str


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
# Worker side: one record to one prepared document
# ---------------------------------------------------------------------------

_KNOWN: dict[str, str] = {}  # id -> content hash already in the index (per worker)


def _init_worker(known: dict[str, str]) -> None:
    global _KNOWN
    _KNOWN = known


def _postings_and_words(text: str) -> tuple[Postings, list[str]]:
    postings: Postings = {}
    words: list[str] = []
    last_position = -1
    for token in tokenize(text, search_mode=True):
        if token.position != last_position:  # the word itself comes first at its position
            words.append(token.text)
            last_position = token.position
        positions = postings.setdefault(token.text, [])
        if not positions or positions[-1] != token.position:
            positions.append(token.position)
    return postings, words


def document_id(record: RawRecord, body_hash: str) -> str:
    """The given id, else the path-based one, else the content hash."""
    given = record.given.get("id")
    if given not in (None, ""):
        return str(given)
    return record.default_id or body_hash[:16]


def prepare_record(record: RawRecord) -> PreparedDocument | Unchanged | LoadError:
    """Clean, extract and segment one record (pure apart from the known-ids table)."""
    try:
        return _prepare(record)
    except Exception as error:  # one bad record must not stop the run
        return LoadError(record.path, f"could not process: {type(error).__name__}: {error}", record.line)


def _prepare(record: RawRecord) -> PreparedDocument | Unchanged | LoadError:
    characters = clean_characters(record.text)
    body = strip_boilerplate(characters)
    if not body.strip():
        return LoadError(record.path, "no text left after cleaning", record.line)
    body_hash = content_hash(body)
    doc_id = document_id(record, body_hash)
    if _KNOWN.get(doc_id) == body_hash:
        return Unchanged(doc_id)
    body_postings, words = _postings_and_words(body)
    given = dict(record.given)
    if record.title_hint and not given.get("title"):
        given["title"] = record.title_hint
    meta = extract_metadata(characters, given, words=words)
    title = meta.get("title") or ""
    title_postings, _ = _postings_and_words(title)
    extra = {key: value for key, value in record.given.items() if key not in _MODELLED_FIELDS}
    document = Document(
        id=doc_id,
        title=title,
        body=body,
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
        content_hash=body_hash,
    )
    grams = bigrams(normalize_for_search(title + "\n" + body))
    return PreparedDocument(document, title_postings, body_postings, grams, record.location)


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


def _prepared_stream(
    records: Iterable[RawRecord], known: dict[str, str], procs: int
) -> Iterator[PreparedDocument | Unchanged | LoadError]:
    if procs <= 1:
        _init_worker(known)
        yield from map(prepare_record, records)
        return
    context = multiprocessing.get_context("fork" if sys.platform != "win32" else "spawn")
    with context.Pool(procs, initializer=_init_worker, initargs=(known,)) as pool:
        yield from pool.imap(prepare_record, records, chunksize=8)


def _split_errors(items: Iterable[RawRecord | LoadError], summary: IndexSummary) -> Iterator[RawRecord]:
    for item in items:
        if isinstance(item, LoadError):
            (summary.warnings if item.warning else summary.failed).append(item)
        else:
            summary.megabytes += len(item.text.encode("utf-8")) / 1e6
            yield item


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
    replaced, unchanged ones skipped. ``rebuild`` replaces the whole index in
    one commit, so the old index stays readable until the new one is complete.
    """
    started = time.perf_counter()
    summary = IndexSummary()
    ix = open_or_create(index_dir)
    writer = _acquire_writer(ix, wait_for_lock)
    procs = procs or os.cpu_count() or 1
    try:
        known = {} if rebuild else known_documents(ix)
        seen_hashes = {digest: doc_id for doc_id, digest in known.items()}
        written_ids: set[str] = set()
        pending = 0
        records = _split_errors(iter_records(paths), summary)
        for item in _prepared_stream(records, known, procs):
            if isinstance(item, LoadError):
                summary.failed.append(item)
            elif isinstance(item, Unchanged):
                summary.unchanged += 1
            else:
                doc = item.document
                kept = seen_hashes.get(doc.content_hash)
                if kept is not None and kept != doc.id:
                    summary.duplicates.append((item.location, kept))
                    continue
                seen_hashes[doc.content_hash] = doc.id
                if doc.id in known or doc.id in written_ids:
                    writer.update_document(**index_fields(item))
                    summary.updated += 1
                else:
                    writer.add_document(**index_fields(item))
                    summary.indexed += 1
                written_ids.add(doc.id)
                pending += 1
                if pending >= commit_every and not rebuild:
                    writer.commit()
                    writer = _acquire_writer(ix, wait_for_lock)
                    pending = 0
            if progress:
                progress(summary)
    except BaseException:
        writer.cancel()
        raise
    writer.commit(mergetype=CLEAR) if rebuild else writer.commit()
    summary.seconds = time.perf_counter() - started
    return summary


def _acquire_writer(ix: whoosh_index.Index, wait_for_lock: float):
    deadline = time.monotonic() + wait_for_lock
    while True:
        try:
            return ix.writer(limitmb=256)
        except LockError:
            if time.monotonic() >= deadline:
                raise IndexLockedError(
                    "another xunwen process is writing to this index; "
                    "wait for it to finish (or pass --wait SECONDS)"
                ) from None
            time.sleep(0.2)
