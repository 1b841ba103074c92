"""A main process that leaves its indexing worker orphaned at the worst moment.

    python tests/orphaned_worker_run.py INDEX_DIR

It hands one worker two batches of one record each, prints ``ready`` and
sleeps without reading the worker's results, until the test kills it. The first
record's result is bigger than a pipe holds, so the worker's queue feeder
thread blocks on it; the second record fails once the main process is gone, as
a batch does whose file the next run has already cleared away. A worker that
then exits the normal way waits for that feeder thread forever.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from search.engine.writer import Prepared, PreparingWriter  # noqa: E402
from search.indexer import open_or_create  # noqa: E402

MAIN = os.getpid()  # the worker is forked: it sees the main process's number here


def preparer(record: str):
    if record == "big":
        while not FLAG.exists():  # the main process has stopped reading results
            time.sleep(0.05)
        return Prepared({"id": "big"}, "x" * 1_000_000)  # a pipe holds 64 KB
    STARTED.touch()  # the main process waits for this: the job is the worker's, not the queue's
    while os.getppid() == MAIN:  # until the test has killed the main process
        time.sleep(0.05)
    raise FileNotFoundError("the batch file was cleared away by the next run")


if __name__ == "__main__":
    index_dir = Path(sys.argv[1])
    FLAG = index_dir.parent / "main-stopped-reading"
    STARTED = index_dir.parent / "second-record-started"
    ix = open_or_create(index_dir)
    writer = PreparingWriter(ix, preparer, procs=1, batchsize=1)
    writer.add_record("big")
    writer.add_record("second")
    FLAG.touch()
    while not STARTED.exists():  # bounded by the test's timeout
        time.sleep(0.05)
    print("ready", flush=True)
    time.sleep(600)  # bounded: the test kills us long before
