"""Attention over time: how many matching documents fall in each date bucket.

Pure NumPy over the per-document date column of the facet columns
(``YYYYMMDD`` integers; ``YYYYMM00`` for a month, ``YYYY0000`` for a year,
``0`` for unknown). Every bucket of the span is present, zeros included, so
series of several queries line up; a document whose date is not known to the
interval's precision (a year-only date in a monthly trend) is counted as
``undated``, so that ``sum(counts) + undated == total`` always holds.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

INTERVALS = ("day", "week", "month", "year")
MEASURES = ("count", "share")
MAX_SERIES = 5
# ``auto`` picks the finest interval that keeps a chart readable: at most
# this many buckets (14 years of xwlb by month are 170).
AUTO_MAX_BUCKETS = 200
MAX_BUCKETS = 5000  # a day trend over 14 years; more is refused, not drawn


@dataclass(frozen=True)
class Buckets:
    """The buckets of a span: their keys, and each dated document's bucket."""

    interval: str
    keys: list[str]
    codes: np.ndarray  # bucket index per document; -1 where not known to this precision


def precise(dates: np.ndarray, interval: str) -> np.ndarray:
    """Which documents' dates are known to the interval's precision."""
    if interval == "year":
        return dates > 0
    if interval == "month":
        return (dates > 0) & (dates // 100 % 100 > 0)
    return (dates > 0) & (dates % 100 > 0)


def _key(day: dt.date, interval: str) -> str:
    if interval == "year":
        return f"{day.year:04d}"
    if interval == "month":
        return f"{day.year:04d}-{day.month:02d}"
    if interval == "week":
        year, week, _ = day.isocalendar()
        return f"{year:04d}-W{week:02d}"
    return day.isoformat()


def _first_day(number: int) -> dt.date:
    """The first calendar day a (possibly partial) date number stands for."""
    year, month, day = number // 10000, number // 100 % 100, number % 100
    return dt.date(year, month or 1, day or 1)


def span_keys(first: int, last: int, interval: str) -> list[str]:
    """Every bucket key from the bucket of ``first`` to that of ``last`` (date numbers)."""
    start, end = _first_day(first), _first_day(last)
    if interval == "year":
        return [f"{year:04d}" for year in range(start.year, end.year + 1)]
    if interval == "month":
        months = range(start.year * 12 + start.month - 1, end.year * 12 + end.month)
        return [f"{m // 12:04d}-{m % 12 + 1:02d}" for m in months]
    step = 7 if interval == "week" else 1
    if interval == "week":
        start -= dt.timedelta(days=start.weekday())
    count = (end - start).days // step + 1
    if count > MAX_BUCKETS:
        raise ValueError(f"{count} buckets of a {interval} are too many (at most {MAX_BUCKETS})")
    return [_key(start + dt.timedelta(days=step * n), interval) for n in range(count)]


def choose_interval(first: int, last: int) -> str:
    """The finest interval with at most ``AUTO_MAX_BUCKETS`` buckets over the span."""
    for interval in INTERVALS:
        try:
            if len(span_keys(first, last, interval)) <= AUTO_MAX_BUCKETS:
                return interval
        except ValueError:
            continue
    return "year"


def buckets(dates: np.ndarray, interval: str, first: int, last: int) -> Buckets:
    """Bucket every document of ``dates`` into the span ``first`` .. ``last``."""
    keys = span_keys(first, last, interval)
    position = {key: number for number, key in enumerate(keys)}
    codes = np.full(len(dates), -1, dtype=np.int64)
    known = precise(dates, interval)  # outside the span: no key in ``position``, so -1
    if known.any():
        # Keys are computed once per distinct date (a few thousand), not per document.
        distinct, inverse = np.unique(dates[known], return_inverse=True)
        distinct_codes = np.array(
            [position.get(_key(_first_day(int(number)), interval), -1) for number in distinct]
        )
        codes[known] = distinct_codes[inverse]
    return Buckets(interval, keys, codes)


def tally(bucketed: Buckets, mask: np.ndarray) -> tuple[list[int], int]:
    """Counts per bucket of the documents in ``mask``, and how many of them are undated."""
    codes = bucketed.codes[mask]
    inside = codes[codes >= 0]
    counts = np.bincount(inside, minlength=len(bucketed.keys))
    return [int(count) for count in counts], int(len(codes) - len(inside))


def series(bucketed: Buckets, mask: np.ndarray, collection: list[int]) -> dict:
    """One query's trend: total, undated, and per bucket the count and its share of the collection."""
    counts, undated = tally(bucketed, mask)
    return {
        "total": int(np.count_nonzero(mask)),
        "undated": undated,
        "buckets": [
            {"key": key, "count": count, "share": (count / whole) if whole else None}
            for key, count, whole in zip(bucketed.keys, counts, collection, strict=True)
        ],
    }


def date_span(dates: np.ndarray, mask: np.ndarray) -> tuple[int, int] | None:
    """The first and last date number among the dated documents of ``mask``."""
    dated = dates[mask & (dates > 0)]
    if not len(dated):
        return None
    return int(dated.min()), int(dated.max())
