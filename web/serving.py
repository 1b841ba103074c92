"""Running the app under waitress: settings that belong to serving, not to the app."""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Mapping

# waitress warns "Task queue depth is N" for every request that has to wait
# for a thread: thousands of lines a minute under load, drowning real errors.
QUEUE_WARNING_INTERVAL = 60.0  # seconds


class QueueDepthSummary(logging.Filter):
    """Let one queue-depth warning through per interval, with how many were held back."""

    def __init__(self, interval: float = QUEUE_WARNING_INTERVAL, clock: Callable[[], float] = time.monotonic):
        super().__init__()
        self.interval = interval
        self.clock = clock
        self.last_shown: float | None = None
        self.held_back = 0
        self.deepest = 0

    def filter(self, record: logging.LogRecord) -> bool:
        if not str(record.msg).startswith("Task queue depth"):
            return True
        depth = record.args[0] if isinstance(record.args, tuple) and record.args else 0
        now = self.clock()
        if self.last_shown is not None and now - self.last_shown < self.interval:
            self.held_back += 1
            self.deepest = max(self.deepest, depth)
            return False
        if self.held_back:
            record.msg = (
                f"{record.msg} ({self.held_back} more in the last {now - self.last_shown:.0f} s, deepest %d)"
            )
            record.args = (*record.args, max(self.deepest, depth))
        self.last_shown, self.held_back, self.deepest = now, 0, 0
        return True


def summarize_queue_warnings(interval: float = QUEUE_WARNING_INTERVAL) -> QueueDepthSummary:
    """Install the summary on waitress's queue logger (idempotent); return it."""
    logger = logging.getLogger("waitress.queue")
    for existing in logger.filters:
        if isinstance(existing, QueueDepthSummary):
            return existing
    summary = QueueDepthSummary(interval)
    logger.addFilter(summary)
    return summary


def add_headers_to_waitress_errors(headers: Mapping[str, str]) -> None:
    """Give the responses waitress makes itself, without asking the app (400 for a
    malformed request line, 431 for headers too large, ...), these headers too."""
    from waitress.task import ErrorTask

    original = getattr(ErrorTask.execute, "__wrapped__", ErrorTask.execute)  # installing twice adds once

    @functools.wraps(original)
    def execute(task) -> None:
        task.response_headers.extend(headers.items())
        original(task)

    ErrorTask.execute = execute


def add_headers_to_gunicorn_errors(headers: Mapping[str, str]) -> None:
    """Give the responses gunicorn makes itself (400 for a malformed request line,
    431-like refusals of oversized headers, ...) these headers too: its workers
    write them with ``gunicorn.util.write_error``, which this replaces."""
    import html
    import textwrap

    from gunicorn import util

    if getattr(util.write_error, "xunwen_headers", False):  # installing twice adds once
        return
    extra = "".join(f"{name}: {value}\r\n" for name, value in headers.items())

    def write_error(sock, status_int, reason, mesg):
        body = textwrap.dedent(
            """\
            <html>
              <head><title>%(reason)s</title></head>
              <body><h1><p>%(reason)s</p></h1>%(mesg)s</body>
            </html>
            """
        ) % {"reason": html.escape(reason), "mesg": html.escape(mesg)}
        response = (
            f"HTTP/1.1 {status_int} {reason}\r\nConnection: close\r\nContent-Type: text/html\r\n"
            f"Content-Length: {len(body)}\r\n{extra}\r\n{body}"
        )
        util.write_nonblock(sock, response.encode("latin1"))

    write_error.xunwen_headers = True
    util.write_error = write_error
