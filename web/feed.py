"""Atom feeds of saved searches: the newest matching documents of any search URL.

Built as text with every value escaped (no template: Atom's few elements are
clearer in code), valid Atom 1.0 (RFC 4287): a feed id and updated time, and
per entry an id, title, updated time, link, author (the source) and summary.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any
from xml.sax.saxutils import escape, quoteattr

FEED_ENTRIES = 50
_EPOCH = "1970-01-01T00:00:00Z"


def atom_time(published: str | None) -> str:
    """An RFC 3339 time for a ``YYYY-MM-DD`` / ``YYYY-MM`` / ``YYYY`` date (midnight UTC)."""
    if not published:
        return _EPOCH
    parts = (published.split("-") + ["01", "01"])[:3]
    try:
        day = dt.date(int(parts[0]), int(parts[1] or 1), int(parts[2] or 1))
    except ValueError:
        return _EPOCH
    return f"{day.isoformat()}T00:00:00Z"


def _element(name: str, text: str | None, **attributes: str) -> str:
    attrs = "".join(f" {key}={quoteattr(value)}" for key, value in attributes.items())
    return f"<{name}{attrs}>{escape(text or '')}</{name}>"


def entry_xml(entry: Mapping[str, Any]) -> str:
    """One ``<entry>``: ``id``, ``title``, ``link``, ``published``, ``source``, ``region``, ``summary``."""
    parts = [
        _element("id", entry["link"]),
        _element("title", entry.get("title") or entry["link"]),
        f'<link rel="alternate" type="text/html" href={quoteattr(entry["link"])}/>',
        _element("updated", atom_time(entry.get("published"))),
    ]
    if entry.get("published"):
        parts.append(_element("published", atom_time(entry["published"])))
    parts.append(f"<author>{_element('name', entry.get('source') or '未知来源')}</author>")
    if entry.get("region"):
        parts.append(f"<category term={quoteattr(entry['region'])}/>")
    if entry.get("summary"):
        parts.append(_element("summary", entry["summary"]))
    return "<entry>" + "".join(parts) + "</entry>"


def atom_feed(title: str, feed_url: str, page_url: str, entries: Iterable[Mapping[str, Any]]) -> str:
    """The whole feed document; ``updated`` is the newest entry's date."""
    entries = list(entries)
    updated = max((atom_time(entry.get("published")) for entry in entries), default=_EPOCH)
    head = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="zh">',
        _element("id", feed_url),
        _element("title", title),
        _element("updated", updated),
        f'<link rel="self" type="application/atom+xml" href={quoteattr(feed_url)}/>',
        f'<link rel="alternate" type="text/html" href={quoteattr(page_url)}/>',
        _element("generator", "xunwen"),
    ]
    return "\n".join([*head, *(entry_xml(entry) for entry in entries), "</feed>"]) + "\n"
