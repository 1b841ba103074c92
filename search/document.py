"""The ``Document``: plain data that goes from extraction to the indexer."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from typing import Any

# An id is part of the document's URL (/doc/<id>): past this it is no longer
# a name a person can use, and URLs grow past what proxies accept.
MAX_ID_CHARS = 500
_SURROGATE = re.compile("[\ud800-\udfff]")


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
    same_text_as: str | None = None  # the id of the first document indexed with exactly this text

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def content_hash(text: str) -> str:
    """A stable hash of the cleaned text: equal hashes mean exact duplicates."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def id_problem(doc_id: str) -> str | None:
    """Why ``doc_id`` cannot be a document id reachable at ``/doc/<id>``, or ``None`` if it can.

    Browsers and the URL standard resolve ``.`` and ``..`` path segments
    (``%2E`` too) and turn ``\\`` into ``/``, so such an id would name another
    URL; control characters and lone surrogates cannot be written in one.
    """
    if not doc_id:
        return "the id is empty"
    if len(doc_id) > MAX_ID_CHARS:
        return f"the id has {len(doc_id)} characters (at most {MAX_ID_CHARS})"
    if _SURROGATE.search(doc_id):
        return "the id holds invalid Unicode (a lone surrogate)"
    if any(unicodedata.category(char) == "Cc" for char in doc_id):
        return "the id holds a control character (a line break, tab, NUL, ...)"
    if "\\" in doc_id:
        return "the id holds a backslash, which browsers turn into /"
    segments = doc_id.split("/")
    if any(segment in (".", "..") for segment in segments):
        return "the id has a . or .. path segment, which browsers resolve away"
    if "" in segments:
        return "the id begins or ends with / or holds //"
    return None
