"""Writing the index with every core: Whoosh segments written by worker processes.

Whoosh's own ``MpWriter`` sends finished field values to sub-writers; here
the sub-writers receive cleaned records and do the expensive part themselves
(metadata extraction, segmentation, postings), then write their own segments
with ``search.engine.segment_writer`` (one, or one per 10 million postings).
The main process keeps the index lock, reads, cleans and decides (new,
changed, duplicate), deletes replaced documents from the old segments, and
commits every segment in one atomic table-of-contents write. A worker that
dies makes the whole commit fail, so no document is lost silently.

A preparer may also return something for the main process (a ``Prepared``:
the indexer sends each document's story signature back): the worker sends it
after each batch, and the main process receives it, batch by batch in input
order, through ``on_returned`` while it goes on reading.
"""

from __future__ import annotations

import contextlib
import errno
import gc
import os
import queue
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from whoosh.multiproc import MpWriter, SubWriterTask

from search.engine.segment_writer import GroupingSegmentWriter
from search.loaders import LoadError


@dataclass
class Prepared:
    """A preparer's result with something for the main process besides the fields."""

    fields: dict[str, Any]  # the keyword arguments of add_document
    returned: Any  # picklable; handed to the main process's ``on_returned``


# (cleaned record) -> (field keyword arguments for add_document), Prepared or LoadError
Preparer = Callable[[object], "dict | Prepared | LoadError"]


class _Returned(NamedTuple):
    """What a worker sends back after a batch (job number, one item per document prepared)."""

    job: int
    items: list


_IDLE = object()  # no job came within the wait

# Indexing makes and drops millions of small containers, nearly none of them in
# cycles: the cyclic collector's default (a young collection every 700 of them)
# was 2.4% of an indexing run's CPU (0.9 s of 38.6 s for 6,000 articles, 450 to
# 950 collections in each of the three processes). Every 20,000 it is a few
# dozen; refcounting still frees everything at once, and the rare cycle waits a
# little longer.
YOUNG_COLLECTION_EVERY = 20_000


@contextlib.contextmanager
def fewer_collections():
    """Young-generation collections every ``YOUNG_COLLECTION_EVERY`` containers while indexing
    (a decorator too: each call restores what it found)."""
    before = gc.get_threshold()
    _collect_less_often()
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _collect_less_often() -> None:
    young, *older = gc.get_threshold()
    gc.set_threshold(max(young, YOUNG_COLLECTION_EVERY), *older)


class _PreparingTask(SubWriterTask):
    """A sub-writer process that prepares records before adding them."""

    def __init__(self, *args, preparer: Preparer, lock_fd: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.preparer = preparer
        self.lock_fd = lock_fd
        self.failures: list[LoadError] = []
        self.watched_parent: int | None = None  # our parent process, as the worker first sees it

    def orphaned(self) -> bool:
        """Whether the main process is gone (killed): nobody reads our results any more."""
        return os.getppid() != self.watched_parent

    def run(self):
        # Read in the worker, not in __init__: under a start method other than
        # fork (forkserver, Python 3.14's default) the parent is not the main process.
        self.watched_parent = os.getppid()
        try:
            self._run()
        except BaseException as error:
            if self.orphaned():
                # Our inputs may have been cleared away by the next run. Leave
                # without a word: a normal exit joins the result queue's feeder
                # thread, which waits forever on a pipe nobody reads once it is
                # full, and the process would never end.
                os._exit(1)
            # Tell the main process why, so that its message names the cause
            # ("disk full") instead of "a worker died".
            code = getattr(error, "errno", None)
            self.resultqueue.put({"error": f"{type(error).__name__}: {error}", "errno": code})
            if code in (errno.ENOSPC, errno.EDQUOT):
                self.resultqueue.close()
                self.resultqueue.join_thread()
                os._exit(1)  # a full disk is not a bug: no traceback
            raise

    def _run(self):
        # Inherited from the main process under fork, not under the other start methods.
        _collect_less_often()
        if self.lock_fd is not None:
            # The fork copied the parent's descriptor of the index lock; the lock
            # must die with the parent (kill -9 included), not with its workers.
            try:
                os.close(self.lock_fd)
            except OSError:
                pass
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = GroupingSegmentWriter(ix, _lk=False, **self.kwargs)
        while True:
            try:
                job = self.jobqueue.get(timeout=1.0)
            except queue.Empty:
                job = _IDLE
            if self.orphaned():
                # The main process was killed: stop at once, writing nothing
                # (the jobs still queued would be lost anyway; os._exit for the
                # reason in run()). Not writer.cancel(): that deletes the
                # index's shared temp folder, which the next run may already be
                # using. Our leftovers go when that run finishes.
                os._exit(0)
            if job is _IDLE:
                continue
            if job is None:
                break
            self._process_file(*job)
        # Segments sealed on the way (bounded memory), then the last one.
        segments = list(writer.sealed_segments)
        if writer._added:
            segments.append(writer._finalize_segment())
        else:
            writer._close_segment()
        self.resultqueue.put((segments, self.failures))

    def _process_file(self, filename, doc_count, job=None):
        import pickle

        tempstorage = self.writer.temp_storage()
        returned = []
        with tempstorage.open_file(filename).raw_file() as handle:
            for _ in range(doc_count):
                fields = self.preparer(pickle.load(handle))
                if isinstance(fields, LoadError):
                    self.failures.append(fields)
                    continue
                if isinstance(fields, Prepared):
                    returned.append(fields.returned)
                    fields = fields.fields
                self.writer.add_document(**fields)
        tempstorage.delete_file(filename)
        # Every batch answers, empty or not: the main process hands results on in job order.
        self.resultqueue.put(_Returned(job, returned))


class PreparingWriter(MpWriter, GroupingSegmentWriter):
    """An index writer whose ``add_record`` hands work to ``procs`` processes.

    Its own segment (segments it merges) is written by the grouping writer too.
    """

    def __init__(self, ix, preparer: Preparer, procs: int = 2, batchsize: int = 64,
                 on_returned: Callable[[list], None] | None = None, **kwargs):  # fmt: skip
        super().__init__(ix, procs=procs, batchsize=batchsize, multisegment=True, **kwargs)
        # MpWriter calls SegmentWriter.__init__ by name, which makes a PostingPool.
        self._start_grouping()
        self.preparer = preparer
        self.failures: list[LoadError] = []
        self.on_returned = on_returned
        self._jobs = 0  # batches handed out
        self._handed_on = 0  # batches whose returned items went to on_returned
        self._arrived: dict[int, list] = {}  # job -> items, waiting for the jobs before it
        self._results: list = []  # the workers' final results (or errors) that came early

    def _new_task(self):
        task = _PreparingTask(
            self.storage, self.indexname, self.jobqueue, self.resultqueue,
            self.subargs, True, preparer=self.preparer,
            lock_fd=getattr(getattr(self, "writelock", None), "fd", None),
        )  # fmt: skip
        self.tasks.append(task)
        task.start()
        return task

    def cancel(self):
        # MpWriter.cancel only flags the parent's copies of the tasks; the
        # processes themselves would wait for jobs forever.
        for task in self.tasks:
            if task.is_alive():
                task.terminate()
        for task in self.tasks:
            task.join(timeout=5)
        super().cancel()

    def commit(self, replacing=(), mergetype=None, optimize=None, merge=None):
        """Commit; ``replacing``: ids whose old versions are deleted unless their new one failed."""
        self._replacing = list(replacing)
        if not self._added_sub:
            for doc_id in self._replacing:
                self.delete_by_term("id", doc_id)
        super().commit(mergetype=mergetype, optimize=optimize, merge=merge)

    def add_record(self, cleaned) -> None:
        """Queue one cleaned record for preparation and writing."""
        self.docbuffer.append(cleaned)
        if len(self.docbuffer) >= self.batchsize:
            self._enqueue()
            self._receive()
        self._added_sub = True

    def _receive(self, timeout: float | None = None) -> None:
        """Take what the workers sent (waiting up to ``timeout`` for the first message)."""
        while True:
            try:
                message = self.resultqueue.get(timeout=timeout) if timeout else self.resultqueue.get_nowait()
            except queue.Empty:
                return
            timeout = None
            if isinstance(message, _Returned):
                self._arrived[message.job] = message.items
                while self._handed_on in self._arrived:
                    items = self._arrived.pop(self._handed_on)
                    self._handed_on += 1
                    if self.on_returned is not None and items:
                        self.on_returned(items)
            else:
                self._results.append(message)

    def _commit(self, mergetype, optimize, merge):
        if self.docbuffer:
            self._enqueue()
        for _ in self.tasks:
            self._put_job(None)
        results = self._results
        while len(results) < len(self.tasks):
            before = len(results)
            self._receive(timeout=0.5)
            if len(results) == before and any(task.exitcode not in (None, 0) for task in self.tasks):
                break  # a worker died: waiting longer would hang
        for task in self.tasks:
            task.join()
        failed = [task for task in self.tasks if task.exitcode != 0]
        errors = [result for result in results if isinstance(result, dict)]
        if failed or errors or len(results) != len(self.tasks):
            self.cancel()
            _raise_worker_error(len(failed), errors)
        new_segments = []
        for worker_segments, failures in results:
            self.failures.extend(failures)
            new_segments.extend(worker_segments)
        # Old versions are deleted now that it is known which new ones were prepared.
        failed_ids = {failure.doc_id for failure in self.failures}
        for doc_id in getattr(self, "_replacing", ()):
            if doc_id not in failed_ids:
                self.delete_by_term("id", doc_id)
        segments = self._merge_segments(mergetype, optimize, merge)
        self._commit_segments(segments + new_segments)

    def _enqueue(self):
        # MpWriter pickles (code, fields) pairs; we pickle cleaned records.
        import pickle

        from whoosh.util import random_name

        filename = f"{random_name()}.doclist"
        with self.temp_storage().create_file(filename).raw_file() as handle:
            for item in self.docbuffer:
                pickle.dump(item, handle, pickle.HIGHEST_PROTOCOL)
        if len(self.tasks) < self.procs:
            self._new_task()
        self._put_job((filename, len(self.docbuffer), self._jobs))
        self._jobs += 1
        self.docbuffer = []

    def _put_job(self, job) -> None:
        # The job queue is bounded: if every worker has died, a plain put()
        # would wait forever.
        while True:
            try:
                self.jobqueue.put(job, timeout=0.5)
                return
            except queue.Full:
                if any(task.exitcode not in (None, 0) for task in self.tasks):
                    self.cancel()
                    raise RuntimeError("an indexing worker died; nothing was committed") from None


def _raise_worker_error(died: int, errors: list[dict]) -> None:
    for error in errors:
        if error.get("errno") in (errno.ENOSPC, errno.EDQUOT):
            raise OSError(error["errno"], f"disk full (in an indexing worker: {error['error']})")
    cause = f": {errors[0]['error']}" if errors else ""
    raise RuntimeError(f"{died or 'an'} indexing worker(s) died{cause}; nothing was committed")
