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
import re
import stat
import zlib
from collections import Counter
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
    notes: list[str] = field(default_factory=list)  # given fields refused or changed, reported as warnings

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
    skipped: bool = False  # not an article file (empty, unsupported type): listed, not failed
    doc_id: str | None = None  # the document it concerns, once it has an id

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
        text = _utf16_without_bom(data)
        if text is None:
            raise DecodeError("binary file (contains NUL bytes), not text")
        return text, "utf-16 (no BOM)", None
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


def _utf16_without_bom(data: bytes) -> str | None:
    """UTF-16 text that came without its BOM, else ``None``.

    In UTF-16 a NUL byte is the high half of an ASCII character (digits,
    punctuation, line breaks), so all NULs sit on one parity: odd offsets in
    little-endian, even in big-endian. Chinese characters have no NUL byte.
    """
    if len(data) % 2:
        return None
    head = data[:8192]
    odd, even = head[1::2].count(0), head[0::2].count(0)
    if odd and even or not (odd or even):
        return None
    try:
        text = data.decode("utf-16-le" if odd else "utf-16-be")
    except UnicodeDecodeError:
        return None
    sample = text[:4000]
    readable = sum(char.isprintable() or char in "\n\r\t" for char in sample)
    return text if readable >= 0.95 * len(sample) else None


def _detect(data: bytes):
    """charset-normalizer's best guess among GB18030, Big5 and UTF-8.

    It refuses a sample that ends inside a character (a file cut short, or
    our own sample cut), so up to three trailing bytes are trimmed.
    """
    sample = data[:262144]
    # A chunk of its sample with a few symbols its tables find odd (the
    # "│" of "│TVBS新聞網", a no-break space) makes charset-normalizer's default
    # threshold (0.2 "chaos" in any chunk) refuse valid GB18030 articles (3 of
    # 400 tw_news articles saved in it); a second pass allows more.
    for threshold in (0.2, 0.5):
        for trim in range(4):
            match = charset_normalizer.from_bytes(
                sample[: len(sample) - trim], cp_isolation=["gb18030", "big5", "utf_8"], threshold=threshold
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
    """Visible text of a page, with its <title> and first <h1>.

    Open tags are counted, not searched for in the stack, so a page of
    40,000 unclosed tags costs linear time (it was quadratic).
    """

    _SKIP = {"script", "style", "noscript", "template", "svg", "head"}
    _BLOCK = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "section", "article"}
    _VOID = {"br", "meta", "link", "img", "input", "hr"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.title_parts: list[str] = []
        self.h1_parts: list[str] = []
        self._stack: list[str] = []
        self._open: Counter[str] = Counter()
        self._skipping = 0  # open tags of _SKIP

    @property
    def title(self) -> str:
        return "".join(self.title_parts)

    @property
    def h1(self) -> str:
        return "".join(self.h1_parts)

    def handle_starttag(self, tag, attrs):
        if tag in self._BLOCK:
            self.parts.append("\n")
        if tag not in self._VOID:
            self._stack.append(tag)
            self._open[tag] += 1
            self._skipping += tag in self._SKIP

    def handle_endtag(self, tag):
        if self._open[tag]:
            # Close everything opened since (unclosed <p>, <li>, ...); each tag is
            # popped once, so the whole page costs linear time.
            while True:
                top = self._stack.pop()
                self._open[top] -= 1
                self._skipping -= top in self._SKIP
                if top == tag:
                    break
        if tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if self._open["title"]:
            self.title_parts.append(data)
            return
        if self._skipping:
            return
        if self._open["h1"]:
            self.h1_parts.append(data)
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


# Kept extra fields (ones we do not model) are stored with the document and
# pickled at commit: bound their nesting and size.
MAX_EXTRA_DEPTH = 16
MAX_EXTRA_CHARS = 64 * 1024
# Python refuses to convert integer literals of more than 4,300 digits; JSON
# has no such limit, so a longer one is kept as its text.
_MAX_INT_DIGITS = 4300
_SURROGATE = re.compile("[\ud800-\udfff]")

# Given fields whose value is text; a number is taken as its text where that
# is what it means (an id 12345, a date 20180301, a year as a title).
_TEXT_FIELDS = ("title", "date", "source", "url", "region", "province", "city", "county")
_NUMBER_AS_TEXT = ("title", "date", "source")
# Given fields that may be one string or a list of strings.
_LIST_FIELDS = ("tags", "topics", "topic", "category")


def _parse_int(literal: str) -> int | str:
    return int(literal) if len(literal.lstrip("-")) <= _MAX_INT_DIGITS else literal


def parse_json(text: str) -> Any:
    """``json.loads`` that turns every way a text can fail into ``ValueError``."""
    try:
        return json.loads(text, parse_int=_parse_int)
    except json.JSONDecodeError as error:
        raise ValueError(f"invalid JSON: {error}") from None
    except RecursionError:
        raise ValueError("invalid JSON: nested too deeply to read") from None


def _shape(value: Any) -> tuple[int, int, bool]:
    """``(depth, characters, has a lone surrogate)`` of a JSON value, without recursion."""
    depth, chars, surrogate = 0, 0, False
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        depth = max(depth, level)
        if isinstance(item, dict):
            for key, child in item.items():
                chars += len(key)
                surrogate = surrogate or bool(_SURROGATE.search(key))
                stack.append((child, level + 1))
        elif isinstance(item, list):
            stack.extend((child, level + 1) for child in item)
        elif isinstance(item, str):
            chars += len(item)
            surrogate = surrogate or bool(_SURROGATE.search(item))
        else:
            chars += 8
    return depth, chars, surrogate


def _type_name(value: Any) -> str:
    names = {bool: "true/false", int: "a number", float: "a number", list: "a list", dict: "an object"}
    return names.get(type(value), type(value).__name__)


def given_fields(fields: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The given fields with the value types the indexer expects, and a note per field refused.

    Text fields take a string (or a number where it means its text), list
    fields a string or a list of strings; a title list gives its first string.
    Nothing is ever stored as a Python repr.
    """
    given: dict[str, Any] = {}
    notes: list[str] = []
    for key, value in fields.items():
        if key == "id" or value is None:
            given[key] = value
        elif key in _TEXT_FIELDS:
            taken = _text_value(key, value)
            if taken is None:
                notes.append(f"field {key!r} is {_type_name(value)}, not text: not kept")
            else:
                given[key] = taken
        elif key in _LIST_FIELDS:
            taken = _list_value(value)
            if taken is None:
                notes.append(f"field {key!r} is {_type_name(value)}, not text or a list of texts: not kept")
            else:
                given[key] = taken
        else:
            depth, chars, _ = _shape(value)
            if depth > MAX_EXTRA_DEPTH or chars > MAX_EXTRA_CHARS:
                notes.append(
                    f"field {key!r} is too big to keep (nested {depth} deep, {chars} characters; "
                    f"limits {MAX_EXTRA_DEPTH} and {MAX_EXTRA_CHARS}): not kept"
                )
            else:
                given[key] = value
    return given, notes


def _text_value(key: str, value: Any) -> str | None:
    if isinstance(value, str):
        return value
    if key == "title" and isinstance(value, list):
        return next((item for item in value if isinstance(item, str) and item.strip()), None)
    if key in _NUMBER_AS_TEXT and isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def _list_value(value: Any) -> str | list[str] | None:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        texts = [item for item in value if isinstance(item, str)]
        return texts if texts or not value else None
    return None


def _given_id(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise ValueError(f"field 'id' is {_type_name(value)}; an id is a text or a whole number")


def record_from_mapping(obj: dict[str, Any], path: str, line: int | None) -> RawRecord:
    """A JSON object as a record: its text field plus every other field, of the expected types.

    Raises ``ValueError`` for a record that cannot be indexed (no text, a bad
    id, invalid Unicode); fields refused are listed in ``notes``.
    """
    if _shape(obj)[2]:  # one walk of the record; the field is looked for only when there is one
        for key, value in obj.items():
            if _shape({key: value})[2]:
                raise ValueError(f"invalid Unicode (a lone surrogate such as \\ud800) in field {key!r}")
    text = next((obj[key] for key in BODY_KEYS if isinstance(obj.get(key), str) and obj[key].strip()), None)
    if text is None:
        raise ValueError("no article text (none of the fields " + ", ".join(BODY_KEYS) + ")")
    given, notes = given_fields({key: value for key, value in obj.items() if key not in BODY_KEYS})
    if "id" in given:
        given["id"] = _given_id(given["id"])
    return RawRecord(path=path, text=text, given=given, line=line, notes=notes)


def _record_or_error(obj: Any, path: str, line: int | None) -> Iterator[RawRecord | LoadError]:
    """One JSON value as a record plus a warning per refused field, or one error."""
    if not isinstance(obj, dict):
        yield LoadError(path, "not a JSON object", line=line)
        return
    try:
        record = record_from_mapping(obj, path, line)
    except ValueError as error:
        yield LoadError(path, str(error), line=line)
        return
    for note in record.notes:
        yield LoadError(path, note, line=line, warning=True)
    yield record


def _bounded_lines(handle, limit: int) -> Iterator[tuple[bytes | None, int]]:
    """``(line, size)`` of a binary file; a line over ``limit`` bytes is ``(None, size)``.

    Lines are read in bounded chunks, so a 1 GB line never is in memory.
    """
    while True:
        line = handle.readline(limit + 1)
        if not line:
            return
        if len(line) <= limit or line.endswith(b"\n") and len(line) == limit + 1:
            yield line, len(line)
            continue
        size = len(line)
        del line
        while True:
            chunk = handle.readline(1 << 20)
            size += len(chunk)
            if not chunk or chunk.endswith(b"\n"):
                break
        yield None, size


class _LineDecoder:
    """Decodes the lines of one JSONL file: UTF-8, or the encoding detected once for the file."""

    def __init__(self):
        self.encoding: str | None = None  # None: UTF-8 so far

    def decode(self, raw: bytes, first: bool) -> str:
        if self.encoding is None:
            try:
                return raw.decode("utf-8-sig" if first else "utf-8")
            except UnicodeDecodeError:
                match = _detect(raw)
                if match is None or match.encoding in ("utf_8", "utf-8"):
                    raise ValueError(
                        "not UTF-8, and not text in another known encoding (GB18030/GBK, Big5)"
                    ) from None
                self.encoding = match.encoding
        try:
            return raw.decode(self.encoding)
        except UnicodeDecodeError as error:
            raise ValueError(
                f"undecodable as {self.encoding} (the file's encoding): {error.reason}"
            ) from None


def _load_jsonl(path: Path) -> Iterator[RawRecord | LoadError]:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    number = 0
    read_any = False
    decoder = _LineDecoder()
    try:
        with opener(path, "rb") as handle:
            for number, (raw_line, size) in enumerate(_bounded_lines(handle, MAX_TEXT_BYTES), start=1):
                if raw_line is None:
                    yield LoadError(str(path), f"line of {size} bytes is too long (limit {MAX_TEXT_BYTES})",
                                    line=number)  # fmt: skip
                    read_any = True
                    continue
                if not raw_line.strip():
                    continue
                read_any = True
                try:
                    obj = parse_json(decoder.decode(raw_line, first=number == 1))
                except ValueError as error:
                    yield LoadError(str(path), str(error), line=number)
                    continue
                yield from _record_or_error(obj, str(path), number)
    except (EOFError, zlib.error, OSError) as error:
        yield _stream_error(path, error, number)
        return
    if not read_any:
        yield LoadError(str(path), "empty file (no JSON lines)", skipped=True)


def _stream_error(path: Path, error: BaseException, lines: int) -> LoadError:
    """A file that stopped being readable after ``lines`` lines."""
    kept = f"its first {lines} lines were indexed" if lines else "nothing in it was indexed"
    if isinstance(error, EOFError):
        return LoadError(str(path), f"truncated compressed file: {kept}", warning=bool(lines))
    if isinstance(error, zlib.error | gzip.BadGzipFile):
        return LoadError(str(path), f"corrupt compressed data ({error}): {kept}")
    return LoadError(str(path), f"cannot read: {getattr(error, 'strerror', None) or error}; {kept}")


def _load_json(path: Path, text: str) -> Iterator[RawRecord | LoadError]:
    try:
        obj = parse_json(text)
    except ValueError as error:
        line = getattr(error.__context__, "lineno", None)
        yield LoadError(str(path), str(error), line=line)
        return
    if isinstance(obj, dict) and not any(key in obj for key in BODY_KEYS):
        # {"articles": [...]} and similar wrappers
        lists = [value for value in obj.values() if isinstance(value, list)]
        obj = lists[0] if len(lists) == 1 else obj
    items = obj if isinstance(obj, list) else [obj]
    for number, item in enumerate(items, start=1):
        yield from _record_or_error(item, str(path), number if isinstance(obj, list) else None)


def load_file(path: Path, root: Path | None = None) -> Iterator[RawRecord | LoadError]:
    """Every record of one file, or the errors that stopped some of them."""
    suffix = _suffix(path)
    kind = _not_regular(path)
    if kind:
        # Opening a FIFO blocks until someone writes to it; a device never ends.
        yield LoadError(str(path), f"not a regular file ({kind}): not read")
        return
    try:
        if suffix in JSONL_SUFFIXES:
            yield from _load_jsonl(path)
            return
        data, size_warning = _read_bytes(path)
        text, _encoding, warning = decode_bytes(data)
    except DecodeError as error:
        yield LoadError(str(path), str(error))
        return
    except OSError as error:
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


def _not_regular(path: Path) -> str | None:
    """What ``path`` is when it is not a regular file (``"FIFO"``, ``"socket"``, ...), else ``None``."""
    try:
        mode = path.stat().st_mode
    except OSError:
        return None  # open() will report it
    if stat.S_ISREG(mode):
        return None
    kinds = {stat.S_ISFIFO: "FIFO", stat.S_ISSOCK: "socket", stat.S_ISCHR: "character device",
             stat.S_ISBLK: "block device", stat.S_ISDIR: "folder"}  # fmt: skip
    return next((name for test, name in kinds.items() if test(mode)), "special file")


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
    walk); unreadable folders and missing paths are reported; files of other
    types are listed as skipped.
    """
    for given in paths:
        root = Path(given)
        if not root.exists():
            yield LoadError(str(root), "no such file or folder")
        elif root.is_file() or _not_regular(root) not in (None, "folder"):
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
                    else:
                        kind = _suffix(file_path) or "without a suffix"
                        yield LoadError(str(file_path), f"unsupported file type ({kind})", skipped=True)
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
