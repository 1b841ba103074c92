"""The ``Document``: plain data that goes from extraction to the indexer."""

from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Document:
    """One article, cleaned, with its metadata and how each value was found."""

    id: str
    title: str
    body: str  # cleaned text, original script: what is stored, searched and shown
    path: str = ""  # the file it came from ("file.jsonl:12" for a line of a JSONL file)
    url: str | None = None
    published: str | None = None  # "YYYY-MM-DD", "YYYY-MM" or "YYYY"
    date_precision: str | None = None  # "day", "month" or "year"
    source: str | None = None
    province: str | None = None
    city: str | None = None
    county: str | None = None
    regions: list[str] = field(default_factory=list)  # other regions mentioned
    topics: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    title_derived: bool = False
    basis: dict[str, str] = field(default_factory=dict)  # field -> how it was found
    extra: dict[str, Any] = field(default_factory=dict)  # fields we do not model, kept
    content_hash: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def content_hash(text: str) -> str:
    """A stable hash of the cleaned text: equal hashes mean exact duplicates."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()
