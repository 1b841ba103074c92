"""Export formats: every matching document as CSV or JSON Lines, row by row.

Plain text shared by the web's downloads and the CLI (no HTML here).

CSV opens in Excel with Chinese intact: UTF-8 with a BOM, every field quoted
by the ``csv`` module's rules, lists joined with ``;``. JSONL carries the same
fields plus the passages and the extra fields a record brought.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

FORMATS = ("csv", "jsonl")
COLUMNS = (
    "id", "title", "published", "date", "source", "province", "city", "county",
    "topics", "url", "path", "score", "story", "passage",
)  # fmt: skip
BOM = "\ufeff"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        return ";".join(str(item) for item in value)
    if isinstance(value, float):
        return f"{value:.4f}"
    return str(value)


def csv_lines(rows: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """The header, then one CSV line per row (the first chunk starts with a BOM)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    yield BOM + buffer.getvalue()
    for row in rows:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow([_cell(row.get(column)) for column in COLUMNS])
        yield buffer.getvalue()


def jsonl_lines(rows: Iterable[Mapping[str, Any]]) -> Iterator[str]:
    """One JSON object per line, Chinese unescaped."""
    for row in rows:
        yield json.dumps(row, ensure_ascii=False) + "\n"


def file_name(query: str, day: str, extension: str) -> str:
    """``xunwen-地震-2026-12-01.csv``: the query (made safe for a file name) and the date."""
    safe = re.sub(r"[\s\\/:*?\"<>|\x00-\x1f]+", "_", query).strip("_.")[:40] or "all"
    return f"xunwen-{safe}-{day}.{extension}"


def table_csv(header: list[str], rows: Iterable[list[Any]]) -> str:
    """A small table (a trend, a concordance) as one CSV text with a BOM."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows([[_cell(value) for value in row] for row in rows])
    return BOM + buffer.getvalue()
