"""The waitress queue-depth warnings are summarized, not repeated per request."""

from __future__ import annotations

import logging

from web.serving import QueueDepthSummary, summarize_queue_warnings


def _record(message: str, *args) -> logging.LogRecord:
    return logging.LogRecord("waitress.queue", logging.WARNING, __file__, 1, message, args, None)


def test_one_queue_warning_per_interval_with_a_count_of_the_rest():
    now = [100.0]
    summary = QueueDepthSummary(interval=60, clock=lambda: now[0])
    first = _record("Task queue depth is %d", 1)
    assert summary.filter(first)
    for depth in (2, 5, 3):
        now[0] += 10
        assert not summary.filter(_record("Task queue depth is %d", depth))
    now[0] += 40  # 70 s after the first
    later = _record("Task queue depth is %d", 2)
    assert summary.filter(later)
    assert later.getMessage() == "Task queue depth is 2 (3 more in the last 70 s, deepest 5)"
    now[0] += 1
    assert not summary.filter(_record("Task queue depth is %d", 1))


def test_other_waitress_messages_pass_untouched():
    summary = QueueDepthSummary(interval=60, clock=lambda: 0.0)
    assert summary.filter(_record("Task queue depth is %d", 1))
    other = _record("Serving on http://%s", "x")
    assert summary.filter(other) and other.getMessage() == "Serving on http://x"


def test_installing_twice_keeps_one_filter():
    logger = logging.getLogger("waitress.queue")
    try:
        first = summarize_queue_warnings()
        assert summarize_queue_warnings() is first
        assert sum(isinstance(f, QueueDepthSummary) for f in logger.filters) == 1
    finally:
        for existing in list(logger.filters):
            logger.removeFilter(existing)
