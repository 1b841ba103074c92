"""Metadata extraction: one pure function per field, each returning a value or ``None``.

``extract_metadata`` combines them with the metadata given with a document
(given values win) and records how each value was found.
"""

from search.extract.date import extract_date
from search.extract.metadata import extract_metadata
from search.extract.region import extract_region
from search.extract.source import extract_source
from search.extract.tags import extract_tags
from search.extract.title import extract_title
from search.extract.topics import extract_topics

__all__ = [
    "extract_date",
    "extract_metadata",
    "extract_region",
    "extract_source",
    "extract_tags",
    "extract_title",
    "extract_topics",
]
