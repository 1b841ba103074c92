"""All of an article's metadata in one plain dict: given values first, extraction for the rest.

Metadata that came with a document (a JSONL ``date``, ``source``, ``region``,
``category``, ``tags``, ``title``) wins; the extractors fill only what is
missing. ``basis`` records, per field, how each value was found ("given",
"來源 line", "dateline+context year", ...), so the document page and the API
can show it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from search.extract.date import extract_date, parse_date
from search.extract.region import extract_region
from search.extract.source import canonical_source, extract_source
from search.extract.tags import extract_tags
from search.extract.title import TAIL_LINE_CHARS, clean_title, extract_title, tail_lines
from search.extract.topics import canonical_topic, extract_topics, load_table
from search.normalize import clean_characters, to_simplified

_TOPIC_KEYS = ("category", "topic", "topics")


def extract_metadata(
    text: str, given: Mapping[str, Any] | None = None, words: list[str] | None = None
) -> dict[str, Any]:
    """Metadata of one article: ``text`` after ``clean_characters`` (footers still
    there), ``given`` the fields that came with it, ``words`` its body's segmented
    words if the caller has them."""
    given = {key: value for key, value in (given or {}).items() if value not in (None, "", [], ())}
    # Given text goes through the same character cleaning as the article's own
    # (fudan's "发生６.６级地震" must be found by title:"6.6级").
    given = {key: _cleaned(value) for key, value in given.items()}
    given_title = str(given["title"]).strip() if "title" in given else None
    body = _without_footer(text)
    if words is None:
        from search.analysis import segment_words

        words = segment_words(body)
    meta: dict[str, Any] = {"basis": {}}
    meta.update(_title(text, given_title, meta["basis"]))
    meta.update(_published(text, given, given_title, meta["basis"]))
    meta.update(_source(text, given, given_title, meta["basis"]))
    meta.update(_region(body, given, given_title, meta["basis"]))
    topic_title = None if meta["title_derived"] else meta["title"]
    meta["topics"] = _topics(body, given, topic_title, words, meta["basis"])
    meta["tags"] = _tags(body, given, words, meta["basis"])
    return meta


def _cleaned(value: Any) -> Any:
    """A given field after ``clean_characters`` (lists item by item); other values as given."""
    if isinstance(value, str):
        return clean_characters(value)
    if isinstance(value, list | tuple):
        return [_cleaned(item) for item in value]
    return value


def _without_footer(text: str) -> str:
    """``text`` without a copyright or disclaimer block at its end (國際在線's
    "版權與…聲明" names Beijing five times; the article does not)."""
    for line in tail_lines(text):
        # A footer is a line of its own; a long line is body text that ends with one.
        if line.copyright and len(line.text) < TAIL_LINE_CHARS:
            position = text.rfind(line.text)
            return text[:position] if position >= 0 else text
    return text


def _title(text: str, given_title: str | None, basis: dict[str, str]) -> dict[str, Any]:
    if given_title:
        # "…│TVBS新聞網", "… | 娛樂星聞 | 三立新聞網 SETN.COM": the site's name is not the headline.
        title = clean_title(given_title)
        if title != given_title.strip():
            basis["title"] = "given, site name removed"
            return {"title": title, "title_derived": False, "title_original": given_title}
        basis["title"] = "given"
        return {"title": given_title, "title_derived": False}
    found = extract_title(text)
    if found is None:
        return {"title": None, "title_derived": False}
    basis["title"] = found.basis
    return {"title": found.text, "title_derived": found.derived}


def _published(text: str, given: dict[str, Any], title: str | None, basis: dict[str, str]) -> dict[str, Any]:
    if "date" in given:
        parsed = parse_date(given["date"])
        if parsed:
            basis["published"] = "given"
            return {"published": parsed.value, "date_precision": parsed.precision}
    found = extract_date(text, title)
    note = f" (given date {given['date']!r} unreadable)" if "date" in given else ""
    if found is None:
        if note:
            basis["published"] = "none found" + note
        return {"published": None, "date_precision": None}
    basis["published"] = found.basis + note
    return {"published": found.value, "date_precision": found.precision}


def _source(text: str, given: dict[str, Any], title: str | None, basis: dict[str, str]) -> dict[str, Any]:
    if "source" in given:
        name = canonical_source(str(given["source"]))
        if name:
            basis["source"] = "given"
            return {"source": name}
    found = extract_source(text, title)
    if found is None:
        return {"source": None}
    basis["source"] = found.basis
    return {"source": found.name}


def _region(body: str, given: dict[str, Any], title: str | None, basis: dict[str, str]) -> dict[str, Any]:
    found = extract_region(body, title)
    others = list(found.others) if found else []
    levels = {
        level: to_simplified(str(given[level])) for level in ("province", "city", "county") if level in given
    }
    if "region" in given and not levels:
        levels, note = _resolve_region(str(given["region"]))
        if not levels:
            others = [to_simplified(str(given["region"]))] + others
        basis["region"] = note
    elif levels:
        basis["region"] = "given"
    elif found and (found.province or found.city or found.county):
        levels = {"province": found.province, "city": found.city, "county": found.county}
        basis["region"] = found.basis
    chosen = {level: levels.get(level) for level in ("province", "city", "county")}
    named = set(chosen.values())
    return {**chosen, "regions": [name for name in dict.fromkeys(others) if name not in named]}


def _resolve_region(value: str) -> tuple[dict[str, str | None], str]:
    try:
        from search.gazetteer import resolve
    except ImportError:  # pragma: no cover - the gazetteer ships with the package
        return {}, "given (not resolved: no gazetteer)"
    region = resolve(value)
    if region is None:
        return {}, f"given (not resolved: {value})"
    return {"province": region.province, "city": region.city, "county": region.county}, "given"


def _topics(
    body: str, given: dict[str, Any], title: str | None, words: list[str], basis: dict[str, str]
) -> list[str]:
    unmapped: list[str] = []  # given categories the taxonomy does not have
    for key in _TOPIC_KEYS:
        if key in given:
            values = given[key] if isinstance(given[key], list | tuple) else [given[key]]
            names = [str(value).strip() for value in values if value is not None and str(value).strip()]
            mapped = {name: canonical_topic(name) for name in names}
            topics = [topic for topic in mapped.values() if topic]
            if topics:
                basis["topics"] = _given_basis(mapped)
                return list(dict.fromkeys(topics))
            unmapped += [name for name in names if _is_category(name)]
    found = extract_topics(body, title, words)
    note = f"; given category {'、'.join(unmapped)}: not a topic" if unmapped else ""
    if found is None:
        if note:
            basis["topics"] = note[2:]
        return []
    basis["topics"] = found.basis + note
    return list(found.labels)


def _is_category(name: str) -> bool:
    """Whether a given name says anything (``未分類``, ``其他`` do not)."""
    return to_simplified(name).lower() not in load_table().ignored


def _given_basis(mapped: dict[str, str | None]) -> str:
    """``given``, and how given categories became topics: ``given (地震 → 公共安全)``."""
    renamed = [
        f"{name} → {topic}" for name, topic in mapped.items() if topic and to_simplified(name) != topic
    ]
    dropped = [name for name, topic in mapped.items() if not topic and _is_category(name)]
    parts = renamed + ([f"{'、'.join(dropped)}: not a topic"] if dropped else [])
    return "given" + (f" ({'; '.join(parts)})" if parts else "")


def _tags(body: str, given: dict[str, Any], words: list[str], basis: dict[str, str]) -> list[str]:
    if "tags" in given:
        value = given["tags"]
        tags = value if isinstance(value, list | tuple) else re.split(r"[,，;；、\s]+", str(value))
        tags = [to_simplified(str(tag)).strip() for tag in tags if tag is not None and str(tag).strip()]
        if tags:
            basis["tags"] = "given"
            return list(dict.fromkeys(tags))
    tags = extract_tags(body, words)
    if tags:
        basis["tags"] = "TF-IDF (jieba IDF table)"
    return tags
