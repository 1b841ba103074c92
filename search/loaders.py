"""From files on disk to raw records: formats, encodings and load errors.

Nothing here cleans or interprets text; a record is the article's text plus
the fields that came with it. A file or line that cannot be read becomes a
``LoadError`` with its path, line and reason, and loading goes on.
"""

from __future__ import annotations

import codecs
import gzip
import json
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import charset_normalizer

TEXT_SUFFIXES = (".txt",)
JSONL_SUFFIXES = (".jsonl", ".jsonl.gz", ".ndjson")
JSON_SUFFIXES = (".json",)
HTML_SUFFIXES = (".html", ".htm")
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + JSONL_SUFFIXES + JSON_SUFFIXES + HTML_SUFFIXES

# JSON keys for the article text, in order of preference.
BODY_KEYS = ("content", "text", "body")
# No news article is this long; a bigger .txt/.html/.json file (or JSONL line)
# is cut here, so memory stays bounded, and the cut is reported.
MAX_TEXT_BYTES = 2 * 1024 * 1024


@dataclass
class RawRecord:
    """An article as loaded: its text and whatever fields came with it."""

    path: str  # the file; with ``line`` for a JSONL record
    text: str
    given: dict[str, Any] = field(default_factory=dict)
    line: int | None = None
    default_id: str | None = None  # path-based id, when the source gives none
    title_hint: str | None = None  # <h1>/<title> of an HTML page

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}" if self.line else self.path


@dataclass
class LoadError:
    """A file or line that could not be loaded, and why."""

    path: str
    reason: str
    line: int | None = None
    warning: bool = False  # the item was still indexed, partly

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.reason}"


class DecodeError(ValueError):
    pass


_CONTROL = frozenset(chr(code) for code in range(32)) - set("\t\n\r\f\v")


def _looks_binary(text: str) -> bool:
    """More than 5% control characters in the first 4,000: not an article."""
    head = text[:4000]
    return sum(char in _CONTROL for char in head) > len(head) / 20


def decode_bytes(data: bytes) -> tuple[str, str, str | None]:
    """Decode article bytes, detecting the encoding.

    Returns ``(text, encoding, warning)``. Raises ``DecodeError`` for empty,
    binary or undecodable input. BOMs decide first (UTF-8, UTF-16); then strict
    UTF-8; then detection among the encodings Chinese text comes in.
    """
    text, encoding, warning = _decode(data)
    if _looks_binary(text):
        raise DecodeError("binary file (control characters), not text")
    return text, encoding, warning


def _decode(data: bytes) -> tuple[str, str, str | None]:
    if not data.strip():
        raise DecodeError("empty file")
    for bom, encoding in (
        (codecs.BOM_UTF8, "utf-8-sig"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if data.startswith(bom):
            try:
                return data.decode(encoding), encoding, None
            except UnicodeDecodeError as error:
                raise DecodeError(f"invalid {encoding}: {error.reason} at byte {error.start}") from None
    if b"\x00" in data[:8192]:
        raise DecodeError("binary file (contains NUL bytes), not text")
    try:
        return data.decode("utf-8"), "utf-8", None
    except UnicodeDecodeError as error:
        if error.reason == "unexpected end of data" and error.start >= len(data) - 3:
            # A file cut off in the middle of its last character.
            text = data[: error.start].decode("utf-8")
            return text, "utf-8", "truncated UTF-8 sequence at end of file (dropped)"
    match = _detect(data)
    if match is None:
        raise DecodeError("not text in a known encoding (UTF-8, GB18030/GBK, Big5, UTF-16)")
    try:
        return data.decode(match.encoding), match.encoding, None
    except UnicodeDecodeError as error:
        if error.start >= len(data) - 4:  # cut inside the last character
            text = data[: error.start].decode(match.encoding)
            return text, match.encoding, f"truncated {match.encoding} sequence at end of file (dropped)"
        raise DecodeError(f"undecodable as {match.encoding}: {error.reason} at byte {error.start}") from None


def _detect(data: bytes):
    """charset-normalizer's best guess among GB18030, Big5 and UTF-8.

    It refuses a sample that ends inside a character (a file cut short, or
    our own sample cut), so up to three trailing bytes are trimmed.
    """
    sample = data[:262144]
    for trim in range(4):
        match = charset_normalizer.from_bytes(
            sample[: len(sample) - trim], cp_isolation=["gb18030", "big5", "utf_8"]
        ).best()
        if match is not None:
            return match
    return None


def _read_bytes(path: Path) -> tuple[bytes, str | None]:
    with open(path, "rb") as handle:
        data = handle.read(MAX_TEXT_BYTES + 1)
    if len(data) > MAX_TEXT_BYTES:
        size = path.stat().st_size
        return data[:MAX_TEXT_BYTES], f"file of {size} bytes: only its first {MAX_TEXT_BYTES} bytes indexed"
    return data, None


class _HTMLText(HTMLParser):
    """Visible text of a page, with its <title> and first <h1>."""

    _SKIP = {"script", "style", "noscript", "template", "svg", "head"}
    _BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title = ""
        self.h1 = ""
        self._stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag in self._BLOCK:
            self.parts.append("\n")
        if tag not in ("br", "meta", "link", "img", "input", "hr"):
            self._stack.append(tag)

    def handle_endtag(self, tag):
        if tag in self._stack:
            while self._stack and self._stack.pop() != tag:
                pass
        if tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if "title" in self._stack:
            self.title += data
            return
        if any(tag in self._SKIP for tag in self._stack):
            return
        if "h1" in self._stack:
            self.h1 += data
        self.parts.append(data)


def html_to_text(markup: str) -> tuple[str, str | None]:
    """The article text of an HTML page (no markup, scripts or styles) and its title."""
    parser = _HTMLText()
    parser.feed(markup)
    parser.close()
    lines = [" ".join(line.split()) for line in "".join(parser.parts).split("\n")]
    text = "\n".join(line for line in lines if line)
    title = " ".join((parser.h1 or parser.title).split()) or None
    return text, title


def _suffix(path: Path) -> str:
    name = path.name.lower()
    for suffix in SUPPORTED_SUFFIXES:
        if name.endswith(suffix):
            return suffix
    return path.suffix.lower()


def record_from_mapping(obj: dict[str, Any], path: str, line: int | None) -> RawRecord:
    """A JSON object as a record: its text field plus every other field as given."""
    text = next((obj[key] for key in BODY_KEYS if isinstance(obj.get(key), str) and obj[key].strip()), None)
    if text is None:
        raise ValueError("no article text (none of the fields " + ", ".join(BODY_KEYS) + ")")
    given = {key: value for key, value in obj.items() if key not in BODY_KEYS}
    return RawRecord(path=path, text=text, given=given, line=line)


def _load_jsonl(path: Path) -> Iterator[RawRecord | LoadError]:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    with opener(path, "rb") as handle:
        for number, raw_line in enumerate(handle, start=1):
            if not raw_line.strip():
                continue
            if len(raw_line) > MAX_TEXT_BYTES:
                yield LoadError(
                    str(path),
                    f"line of {len(raw_line)} bytes is too long (limit {MAX_TEXT_BYTES})",
                    line=number,
                )
                continue
            try:
                obj = json.loads(raw_line.decode("utf-8-sig" if number == 1 else "utf-8"))
            except (UnicodeDecodeError, json.JSONDecodeError) as error:
                yield LoadError(str(path), f"invalid JSON: {error}", line=number)
                continue
            if not isinstance(obj, dict):
                yield LoadError(str(path), "a JSON line must be an object", line=number)
                continue
            try:
                yield record_from_mapping(obj, str(path), number)
            except ValueError as error:
                yield LoadError(str(path), str(error), line=number)


def _load_json(path: Path, text: str) -> Iterator[RawRecord | LoadError]:
    try:
        obj = json.loads(text)
    except json.JSONDecodeError as error:
        yield LoadError(str(path), f"invalid JSON: {error}", line=error.lineno)
        return
    if isinstance(obj, dict) and not any(key in obj for key in BODY_KEYS):
        # {"articles": [...]} and similar wrappers
        lists = [value for value in obj.values() if isinstance(value, list)]
        obj = lists[0] if len(lists) == 1 else obj
    items = obj if isinstance(obj, list) else [obj]
    for number, item in enumerate(items, start=1):
        line = number if isinstance(obj, list) else None
        if not isinstance(item, dict):
            yield LoadError(str(path), "not a JSON object", line=line)
            continue
        try:
            yield record_from_mapping(item, str(path), line)
        except ValueError as error:
            yield LoadError(str(path), str(error), line=line)


def load_file(path: Path, root: Path | None = None) -> Iterator[RawRecord | LoadError]:
    """Every record of one file, or the errors that stopped some of them."""
    suffix = _suffix(path)
    try:
        if suffix in JSONL_SUFFIXES:
            yield from _load_jsonl(path)
            return
        data, size_warning = _read_bytes(path)
        text, _encoding, warning = decode_bytes(data)
    except DecodeError as error:
        yield LoadError(str(path), str(error))
        return
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        yield LoadError(str(path), f"cannot read: {error.strerror or error}")
        return
    for note in (size_warning, warning):
        if note:
            yield LoadError(str(path), note, warning=True)
    if suffix in JSON_SUFFIXES:
        yield from _load_json(path, text)
        return
    title = None
    if suffix in HTML_SUFFIXES:
        text, title = html_to_text(text)
        if not text.strip():
            yield LoadError(str(path), "no text in the page")
            return
    yield RawRecord(path=str(path), text=text, default_id=path_id(path, root), title_hint=title)


def path_id(path: Path, root: Path | None) -> str:
    """A document id from its path: relative to the folder given, no suffix."""
    try:
        relative = path.relative_to(root) if root and root != path else Path(path.name)
    except ValueError:
        relative = Path(path.name)
    name = relative.as_posix()
    suffix = _suffix(path)
    return name[: -len(suffix)] if suffix and name.lower().endswith(suffix) else name


def iter_files(paths: Iterable[str | Path]) -> Iterator[tuple[Path, Path | None] | LoadError]:
    """Files to load, as ``(file, root)``, walking folders recursively in sorted order.

    Symbolic links to folders are not followed (a link loop cannot trap the
    walk); unreadable folders and missing paths are reported.
    """
    for given in paths:
        root = Path(given)
        if not root.exists():
            yield LoadError(str(root), "no such file or folder")
        elif root.is_file():
            yield root, None
        elif root.is_dir():
            errors: list[OSError] = []
            for folder, subfolders, files in os.walk(root, onerror=errors.append):
                subfolders.sort()
                for name in sorted(files):
                    file_path = Path(folder) / name
                    if _suffix(file_path) in SUPPORTED_SUFFIXES:
                        if file_path.is_symlink() and not file_path.exists():
                            yield LoadError(str(file_path), "broken or looping symbolic link")
                            continue
                        yield file_path, root
            for error in errors:
                yield LoadError(str(error.filename), f"cannot read folder: {error.strerror}")
        else:
            yield LoadError(str(root), "not a regular file or folder")


def iter_records(paths: Iterable[str | Path]) -> Iterator[RawRecord | LoadError]:
    """Every record under ``paths``, with an error for each thing that failed."""
    for item in iter_files(paths):
        if isinstance(item, LoadError):
            yield item
        else:
            yield from load_file(*item)
