"""Writing the index with every core: Whoosh segments written by worker processes.

Whoosh's own ``MpWriter`` sends finished field values to sub-writers; here
the sub-writers receive cleaned records and do the expensive part themselves
(metadata extraction, segmentation, postings), then write their own segments
with ``search.engine.segment_writer`` (one, or one per 10 million postings).
The main process keeps the index lock, reads, cleans and decides (new,
changed, duplicate), deletes replaced documents from the old segments, and
commits every segment in one atomic table-of-contents write. A worker that
dies makes the whole commit fail, so no document is lost silently.
"""

from __future__ import annotations

import os
import queue
from collections.abc import Callable

from whoosh.multiproc import MpWriter, SubWriterTask

from search.engine.segment_writer import GroupingSegmentWriter
from search.loaders import LoadError

# (cleaned record) -> (field keyword arguments for add_document) or LoadError
Preparer = Callable[[object], "dict | LoadError"]


class _PreparingTask(SubWriterTask):
    """A sub-writer process that prepares records before adding them."""

    def __init__(self, *args, preparer: Preparer, lock_fd: int | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.preparer = preparer
        self.lock_fd = lock_fd
        self.failures: list[LoadError] = []

    def run(self):
        if self.lock_fd is not None:
            # The fork copied the parent's descriptor of the index lock; the lock
            # must die with the parent (kill -9 included), not with its workers.
            try:
                os.close(self.lock_fd)
            except OSError:
                pass
        ix = self.storage.open_index(self.indexname)
        writer = self.writer = GroupingSegmentWriter(ix, _lk=False, **self.kwargs)
        parent = os.getppid()
        while True:
            try:
                job = self.jobqueue.get(timeout=1.0)
            except queue.Empty:
                if os.getppid() != parent:
                    # The main process was killed: stop and write nothing. Not
                    # writer.cancel(): that deletes the index's shared temp
                    # folder, which the next run may already be using. Our
                    # leftovers go when that run finishes.
                    os._exit(0)
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

    def _process_file(self, filename, doc_count):
        import pickle

        tempstorage = self.writer.temp_storage()
        with tempstorage.open_file(filename).raw_file() as handle:
            for _ in range(doc_count):
                fields = self.preparer(pickle.load(handle))
                if isinstance(fields, LoadError):
                    self.failures.append(fields)
                else:
                    self.writer.add_document(**fields)
        tempstorage.delete_file(filename)


class PreparingWriter(MpWriter, GroupingSegmentWriter):
    """An index writer whose ``add_record`` hands work to ``procs`` processes.

    Its own segment (segments it merges) is written by the grouping writer too.
    """

    def __init__(self, ix, preparer: Preparer, procs: int = 2, batchsize: int = 64, **kwargs):
        super().__init__(ix, procs=procs, batchsize=batchsize, multisegment=True, **kwargs)
        # MpWriter calls SegmentWriter.__init__ by name, which makes a PostingPool.
        self._start_grouping()
        self.preparer = preparer
        self.failures: list[LoadError] = []

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

    def add_record(self, cleaned) -> None:
        """Queue one cleaned record for preparation and writing."""
        self.docbuffer.append(cleaned)
        if len(self.docbuffer) >= self.batchsize:
            self._enqueue()
        self._added_sub = True

    def _commit(self, mergetype, optimize, merge):
        if self.docbuffer:
            self._enqueue()
        for _ in self.tasks:
            self._put_job(None)
        segments = self._merge_segments(mergetype, optimize, merge)
        results = []
        while len(results) < len(self.tasks):
            try:
                results.append(self.resultqueue.get(timeout=0.5))
            except queue.Empty:
                if any(task.exitcode not in (None, 0) for task in self.tasks):
                    break  # a worker died: waiting longer would hang
        for task in self.tasks:
            task.join()
        failed = [task for task in self.tasks if task.exitcode != 0]
        if failed or len(results) != len(self.tasks):
            self.cancel()
            raise RuntimeError(f"{len(failed) or 'a'} indexing worker(s) died; nothing was committed")
        for worker_segments, failures in results:
            self.failures.extend(failures)
            segments.extend(worker_segments)
        self._commit_segments(segments)

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
        self._put_job((filename, len(self.docbuffer)))
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
