"""Text cleanup and script normalization: pure ``str -> str`` functions.

Two jobs live here and nowhere else:

* cleaning scraped text (character folding, inline pinyin, boilerplate lines);
* converting Traditional to Simplified so that jieba segments well and a query
  in either script meets documents in either script.

The conversion keeps the text length, character for character, so an offset
found in the Simplified text points at the same character of the original.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Callable
from pathlib import Path

import numpy as np
import opencc

from search import speedups

_DICTIONARY_DIR = Path(opencc.__file__).parent / "dictionary"

# ---------------------------------------------------------------------------
# Script conversion
# ---------------------------------------------------------------------------


def _read_table(name: str) -> dict[str, str]:
    """One OpenCC dictionary file as {key: first candidate}."""
    table = {}
    with open(_DICTIONARY_DIR / name, encoding="utf-8") as handle:
        for line in handle:
            key, _, values = line.rstrip("\n").partition("\t")
            if key and values:
                table[key] = values.split(" ")[0]
    return table


@functools.cache
def _t2s_tables() -> tuple[dict[int, str], re.Pattern[str] | None, dict[str, str]]:
    """The fast path for OpenCC ``t2s``, built from the package's own tables.

    Characters go through a ``str.translate`` table. Phrases only matter where
    the phrase table disagrees with converting character by character
    (乾隆 stays 乾隆 while 乾 alone becomes 干); those few are fixed up by one
    regular expression, longest phrase first, as OpenCC's longest match does.
    """
    characters = _read_table("TSCharacters.txt")
    translate_table = {
        ord(key): value for key, value in characters.items() if len(key) == 1 and len(value) == 1
    }
    exceptions = {}
    for phrase, converted in _read_table("TSPhrases.txt").items():
        if len(converted) == len(phrase) and phrase.translate(translate_table) != converted:
            exceptions[phrase] = converted
    pattern = None
    if exceptions:
        ordered = sorted(exceptions, key=len, reverse=True)
        pattern = re.compile("|".join(map(re.escape, ordered)))
    return translate_table, pattern, exceptions


def _recent(function: Callable[[str], str]) -> Callable[[str], str]:
    """``function`` remembering its last ``_RECENT`` results for texts up to ``_RECENT_CHARS``.

    Indexing converts the same text several times, each time for another
    reader of it (the footer check, the region scan, the postings, the story
    signature, the topics): in 1,000 xwlb articles 7,471 of 17,079 conversions
    were of a text converted before. A conversion is a pure function of the text.
    """
    remembered = functools.lru_cache(maxsize=_RECENT)(function)

    @functools.wraps(function)
    def converted(text: str) -> str:
        return remembered(text) if len(text) <= _RECENT_CHARS else function(text)

    return converted


_RECENT = 64
_RECENT_CHARS = 20_000  # an article; a longer text (a 50 MB file) is not kept twice over


@_recent
def to_simplified(text: str) -> str:
    """Traditional to Simplified (OpenCC ``t2s``), keeping the length exactly."""
    _, pattern, exceptions = _t2s_tables()
    return _convert(text, _full_tables()[0], pattern, exceptions)


def lines_to_simplified(lines: list[str]) -> list[str]:
    """``[to_simplified(line) for line in lines]`` in one conversion (lines without newlines):
    conversion keeps the length, never touches a newline, and no phrase it converts spans one."""
    return to_simplified("\n".join(lines)).split("\n") if lines else []


def _convert(
    text: str, table: dict[int, int], pattern: re.Pattern[str] | None, exceptions: dict[str, str]
) -> str:
    converted = translate(text, table)
    if pattern is not None and _may_hold_phrase(text, converted) and pattern.search(text):
        pieces = list(converted)
        for match in pattern.finditer(text):
            pieces[match.start() : match.end()] = exceptions[match.group()]
        converted = "".join(pieces)
    return converted


def _may_hold_phrase(text: str, converted: str) -> bool:
    """False only when ``text`` (``converted`` by a t2s table, character by character)
    holds none of the phrase exceptions.

    The phrase pattern is an alternation of 258 phrases, and ``re`` tries them one
    after another wherever a text has the first character of one (一, 上, 不 ...):
    15-18 µs for a Simplified news article, nearly always for nothing. Every phrase
    holds a character that the conversion changes, or one of the few characters of
    ``_kept_phrase_characters`` (瞭解, 藉口, 答覆: phrases of characters t2s keeps).
    So a text the conversion left as it was needs the pattern only if it holds one
    of those few (one ``in`` each): 154 of 2,000 xwlb articles do. A changed text
    (every Traditional one) goes to the pattern as before.
    """
    return converted != text or any(char in text for char in _kept_phrase_characters())


@functools.cache
def _kept_phrase_characters() -> tuple[str, ...]:
    """Characters that cover every phrase exception holding no character that t2s changes
    (瞭解, 藉口, 答覆, 沈默 ...), chosen greedily: 覆, 藉, 瞭, 沈, 牾, 衹."""
    table, _, exceptions = _t2s_tables()
    simplified, searched, _ = _full_tables()
    # Changed by t2s alone and with the search folds (a fold taking a character back to
    # itself would leave the text as it was: such a character counts as kept).
    changed = {chr(code) for code in table if simplified[code] != code and searched[code] != code}
    uncovered = [phrase for phrase in exceptions if changed.isdisjoint(phrase)]
    cover: set[str] = set()
    while uncovered:
        # The character in most of the phrases left (ties: the highest code point, so
        # that 衹 covers 衹得 rather than 得, which is in nearly every article).
        best = max({char for phrase in uncovered for char in phrase},
                   key=lambda char: (sum(char in phrase for phrase in uncovered), ord(char)))  # fmt: skip
        cover.add(best)
        uncovered = [phrase for phrase in uncovered if best not in phrase]
    return tuple(sorted(cover))


# Long texts are translated through a NumPy lookup array: ``str.translate`` looks
# every character up in the dict, 4x the time on an article (138 µs against 34 µs
# for 460 characters of news); below about 100 characters the array's fixed cost
# is the larger. Tests hold the two equal for every code point.
_ARRAY_MIN_CHARS = 128
_DELETED = 0xFFFFFFFF  # above every code point: a character the table removes
# id of a table -> (the table, its array, whether it deletes); holding the table keeps its id its own
_ARRAYS: dict[int, tuple[dict, np.ndarray, bool]] = {}


def code_points(text: str) -> np.ndarray:
    """The code points of ``text`` as ``uint32``, lone surrogates included."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def translate(text: str, table: dict[int, int | None]) -> str:
    """``text.translate(table)`` for a table of code points (or None); meant for the module's
    own tables, each of whose arrays is built once and kept."""
    fast = speedups.SPEEDUPS
    if fast is not None:  # one loop in C over the lookup array (search/_speedups.c)
        return fast.translate(text, _arrays_of(table)[1])
    if len(text) < _ARRAY_MIN_CHARS:
        return text.translate(table)
    try:
        points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32)
    except UnicodeEncodeError:  # lone surrogates: str.translate takes them
        return text.translate(table)
    _, lookup, deletes = _arrays_of(table)
    inside = points < len(lookup)
    if inside.all():
        translated = lookup[points]
    else:  # characters above every key of the table stay as they are
        translated = points.copy()
        translated[inside] = lookup[points[inside]]
    if deletes:
        translated = translated[translated != _DELETED]
    return translated.tobytes().decode("utf-32-le")


def _arrays_of(table: dict[int, int | None]) -> tuple[dict, np.ndarray, bool]:
    """(table, its lookup array, whether it deletes), the array built once per table."""
    found = _ARRAYS.get(id(table))
    if found is None or found[0] is not table:
        found = _ARRAYS[id(table)] = (table, *_lookup_array(table))
    return found


def _lookup_array(table: dict[int, int | None]) -> tuple[np.ndarray, bool]:
    lookup = np.arange(max(table) + 1, dtype=np.uint32)
    keys = np.fromiter(table, dtype=np.int64, count=len(table))
    values = [_DELETED if value is None else value for value in table.values()]
    if not all(isinstance(value, int) for value in values):
        raise TypeError("translate: the table must map code points to code points or None")
    lookup[keys] = np.array(values, dtype=np.uint32)
    return lookup, _DELETED in values


@functools.cache
def _full_tables() -> tuple[dict[int, int], dict[int, int], dict[str, str]]:
    """(t2s, t2s then the search folds, the phrase exceptions folded) as
    ``translate`` tables that name every BMP character: ``str.translate`` looks
    every character up, and a character missing from a table costs a raised and
    cleared KeyError inside it, twice the time of a hit."""
    translate_table, _, exceptions = _t2s_tables()
    simplified = {code: code for code in range(0x10000)}
    simplified.update({code: ord(value) for code, value in translate_table.items()})
    searched = {code: _SEARCH_TABLE.get(value, value) for code, value in simplified.items()}
    folded_exceptions = {phrase: value.translate(_SEARCH_TABLE) for phrase, value in exceptions.items()}
    return simplified, searched, folded_exceptions


@functools.cache
def _sources_of() -> dict[str, str]:
    sources: dict[str, str] = {}
    for code, folded in _full_tables()[1].items():
        if code != folded and not chr(code).isascii():
            sources[chr(folded)] = sources.get(chr(folded), chr(folded)) + chr(code)
    return sources


def characters_folding_to(char: str) -> str:
    """``char`` and every character that ``normalize_for_search`` turns into it
    character by character (萬 for 万, 著 and 着 for 着): a pattern over unconverted text
    (ASCII letters are left to the pattern's case folding)."""
    return _sources_of().get(char, char)


@functools.lru_cache(maxsize=4)
def _opencc(conversion: str) -> opencc.OpenCC:
    return opencc.OpenCC(conversion)


def convert_for_display(text: str, script: str) -> str:
    """Phrase-level conversion for reading: ``simplified``, ``traditional`` or ``original``.

    Display conversion may change length (it is never used for offsets), so it
    runs OpenCC itself rather than the fast path.
    """
    if script == "simplified":
        return _opencc("t2s").convert(text)
    if script == "traditional":
        return _opencc("s2t").convert(text)
    return text


# What the normalized form is: bump it whenever normalize_for_search or the
# cleaning chain changes what an index holds. The indexer records it beside the
# index (ANALYSIS_FILE); an index built with another version must be rebuilt.
ANALYSIS_VERSION = 3  # 3: 於 folded to 于 (``_KEPT_BY_PHRASES``)
ANALYSIS_FILE = "analysis.json"

_ASCII_UPPER = {code: code + 32 for code in range(ord("A"), ord("Z") + 1)}
_VARIANTS_FILE = Path(__file__).parent / "data" / "variants.tsv"
# t2s keeps 著 (著名, 显著), while Simplified writes the particle 着 (随着 for
# 隨著): 35% of Traditional articles hold 著. Matching folds it; stored text and
# display keep it. scripts/scan_variants.py found the others (variants.tsv).
_EXTRA_FOLDS = {"著": "着"}


def _variant_folds() -> dict[str, str]:
    folds = dict(_EXTRA_FOLDS)
    for line in _VARIANTS_FILE.read_text(encoding="utf-8").splitlines():
        variant, _, rest = line.partition("\t")
        folded = rest.split("\t", 1)[0]
        if not line.startswith("#") and len(variant) == 1 and len(folded) == 1:
            folds[variant] = folded
    return folds


# {variant: folded}, one character each: read once (a small file of the package).
VARIANT_FOLDS = _variant_folds()
# t2s turns every 於 into 于 but for 24 names of its phrase table (於梨華, 於潛, 於單, 於倫),
# and its longest match takes them out of the preposition's words: 對於潛在 gave 对於潜在,
# 位於倫敦 位於伦敦, so 对于 and 位于 missed those places (of the 2,313 於 in tw_news and
# chinatimes t2s kept 6, each such a preposition). Matching folds 於 to 于 after the conversion, as 著 to 着;
# stored and displayed text keep it. Not a variant for jieba's dictionary (``VARIANT_FOLDS``):
# its 於 words are rare names (於梨华 2), and their folded forms would cut Simplified text.
_KEPT_BY_PHRASES = {"於": "于"}
_SEARCH_TABLE = {
    **_ASCII_UPPER,
    **{ord(variant): ord(folded) for variant, folded in (VARIANT_FOLDS | _KEPT_BY_PHRASES).items()},
}


@_recent
def normalize_for_search(text: str) -> str:
    """The form the analyzer and the verbatim matcher see: Simplified, ASCII
    lower-cased, variants folded (著 as 着, 於 as 于); the length never changes.

    ``str.lower`` is not used because it can change length (``İ`` becomes two
    characters); only ASCII letters are folded, so offsets still line up.
    """
    _, pattern, _ = _t2s_tables()
    _, searched, exceptions = _full_tables()
    return _convert(text, searched, pattern, exceptions)


# ---------------------------------------------------------------------------
# Character-level cleaning
# ---------------------------------------------------------------------------

# Full-width ASCII (U+FF01-FF5E) folds to ASCII, except the marks Chinese
# typesetting uses as its own punctuation: folding ，。；！？（） into ASCII
# would change how the article reads, and they carry sentence boundaries.
_KEEP_FULLWIDTH = set("！（），：；？～［］｛｝＂＇")
_FOLD_TABLE: dict[int, int | None] = {
    code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F) if chr(code) not in _KEEP_FULLWIDTH
}
_FOLD_TABLE.update({0x00A0: 0x20, 0x3000: 0x20, 0x2002: 0x20, 0x2003: 0x20, 0x2009: 0x20})
_FOLD_TABLE.update({0x200B: None, 0x200C: None, 0x200D: None, 0xFEFF: None, 0xFFFD: None})
_FOLD_TABLE.update({code: None for code in range(0xE000, 0xF900)})  # private use area
# Lone surrogates are not text (a path or argument that was not UTF-8): they
# cannot be encoded, so they would fail the first lookup in the index.
_FOLD_TABLE.update({code: None for code in range(0xD800, 0xE000)})


def fold_characters(text: str) -> str:
    """Fold NBSP, full-width spaces and full-width ASCII; drop private-use,
    zero-width and replacement characters and lone surrogates."""
    return translate(text, _FOLD_TABLE).replace("\r\n", "\n").replace("\r", "\n")


_TONE_VOWELS = "āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜńňǹḿ"
# "發(fā)展(zhǎn)": a pinyin syllable with a tone mark, in brackets, right after
# a Han character (or the "?" a broken conversion left in its place, as in
# "日?qǐng)?bào)"). The tone mark is required so that "(ab)" in ordinary text stays.
_SYLLABLE = rf"[a-zü{_TONE_VOWELS}]{{0,6}}[{_TONE_VOWELS}][a-zü{_TONE_VOWELS}]{{0,6}}"
# A damaged page also loses the opening bracket: "日?qǐng)?bào)" for 日報(bào).
_PINYIN_RE = re.compile(
    rf"(?<=[\u3400-\u9fff\uf900-\ufaff?])[(（]{_SYLLABLE}[)）]"
    rf"|(?<=\?){_SYLLABLE}[)）]"
    rf"|(?<=\?[A-Za-z])[(（]{_SYLLABLE}[)）]"  # "表?P(yáng)": a character lost to "?P"
)


_TONE_VOWEL_RE = re.compile(f"[{_TONE_VOWELS}]")


def strip_pinyin(text: str) -> str:
    """Remove inline pinyin annotations: ``發(fā)展(zhǎn)`` becomes ``發展``."""
    if not _TONE_VOWEL_RE.search(text):
        return text  # every annotation holds a tone mark: one scan instead of a lookbehind per character
    # A second pass catches "表?yè)P(yáng)", where the first removal exposes "?P(yáng)".
    return _PINYIN_RE.sub("", _PINYIN_RE.sub("", text))


def clean_characters(text: str) -> str:
    """Character-level cleaning: folding plus pinyin removal (keeps every line)."""
    return strip_pinyin(fold_characters(text))


# ---------------------------------------------------------------------------
# Line-level cleaning (boilerplate)
# ---------------------------------------------------------------------------

# Patterns are matched against the Simplified form of a line, so one list
# serves both scripts.
_CONTINUATION_RE = re.compile(r"[(（]\s*(?:上接|下转|紧接|接上|转下|下接|上转)[^()（）]{0,12}[)）]")
_EDITOR_RE = re.compile(r"^\s*[\[【(（]?\s*(?:责任编辑|责编|编辑|校对)\s*[:：][^\]】)）]{0,30}[\]】)）]?\s*$")
_NAVIGATION_LINES = {
    "全部",
    "首页",
    "返回",
    "返回首页",
    "返回顶部",
    "打印",
    "关闭",
    "关闭窗口",
    "打印本页",
    "分享到",
    "上一篇",
    "下一篇",
    "相关新闻",
    "周口24小时",
}
_COPYRIGHT_RE = re.compile(
    r"版权所有|版权声明|版权与.{0,12}声明|免责声明|未经.{0,6}授权.{0,8}(?:转载|使用)"
    r"|不代表本网观点|转载目的在于|本网其他来源"
)


def is_navigation_line(line: str) -> bool:
    """A line that is only a site's navigation crumb (``全部``, ``周口24小时``)."""
    return _is_navigation(to_simplified(line))


def is_editor_line(line: str) -> bool:
    """``[責任編輯:王松濤]`` and similar editor credits."""
    return _is_editor(to_simplified(line))


# Boilerplate statements are short; a long paragraph that mentions 版权 is the article's.
_MAX_BOILERPLATE_LINE = 300


def is_copyright_line(line: str) -> bool:
    """A copyright, reprint or disclaimer statement."""
    return _is_copyright(to_simplified(line))


# The same three tests on a line already in Simplified script.
def _is_navigation(simplified: str) -> bool:
    return simplified.strip() in _NAVIGATION_LINES


def _is_editor(simplified: str) -> bool:
    return bool(_EDITOR_RE.match(simplified))


def _is_copyright(simplified: str) -> bool:
    return len(simplified) <= _MAX_BOILERPLATE_LINE and bool(_COPYRIGHT_RE.search(simplified))


def strip_continuation_marks(text: str) -> str:
    """Remove page-continuation marks such as ``(上接第一版)``."""
    simplified = to_simplified(text)
    spans = [match.span() for match in _CONTINUATION_RE.finditer(simplified)]
    for start, end in reversed(spans):
        text = text[:start] + text[end:]
    return text


def strip_boilerplate(text: str) -> str:
    """Drop copyright/disclaimer blocks, editor lines, navigation crumbs and
    continuation marks, then join lines wrapped mid-sentence (``join_wrapped_lines``).

    A copyright line in the last third of the article starts a block that runs
    to the end ("國際在線版權...聲明:" followed by its numbered clauses); earlier
    in the text only the line itself goes.
    """
    # One conversion for the whole text, not three per line: conversion keeps
    # the length and never touches a newline, so the lines correspond.
    simplified = to_simplified(text)
    if _CONTINUATION_RE.search(simplified):
        text = strip_continuation_marks(text)
        simplified = to_simplified(text)
    lines = text.split("\n")
    simplified_lines = simplified.split("\n")
    tail_start = len(lines) - max(len(lines) // 3, 12)
    kept: list[str] = []
    for number, (line, simplified) in enumerate(zip(lines, simplified_lines, strict=True)):
        if _is_copyright(simplified):
            if number >= tail_start:
                break
            continue
        if _is_navigation(simplified) or _is_editor(simplified):
            continue
        kept.append(line.rstrip())
    return _squeeze_blank_lines(join_wrapped_lines("\n".join(kept)))


# ------------------------------------------------------------------
# Wrapped lines
# ------------------------------------------------------------------

_SENTENCE_END = tuple("。！？；!?…")
_ONE_WORD_LINE = 8  # cec's annotated reports: a median line of a word or two


def is_wrapped(lines: list[str]) -> bool:
    """Lines wrapped mid-sentence: most lines end without a sentence end, and
    they are either of one fixed width (fudan's typesetting) or a word each (cec)."""
    open_lines = [
        line.rstrip() for line in lines[:-1] if line.strip() and not line.rstrip().endswith(_SENTENCE_END)
    ]
    # (the last line is the end of the text, not a wrap)
    filled = [line for line in lines if line.strip()]
    if len(open_lines) < 3 or len(open_lines) < 0.5 * len(filled):
        return False
    lengths = sorted(map(len, open_lines))
    if lengths[len(lengths) // 2] <= _ONE_WORD_LINE:
        return True
    # Fixed width in characters (full-width digits, folded since) or in columns.
    return any(
        _share_of_most_common(list(map(measure, open_lines))) >= 0.5 for measure in (len, _display_width)
    )


def _share_of_most_common(values: list[int]) -> float:
    return max(values.count(value) for value in set(values)) / len(values)


def _display_width(line: str) -> int:
    # Typesetting wraps at a width in columns: a Han character takes two, "(1)" three.
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in line)


def join_wrapped_lines(text: str) -> str:
    """Join lines that a fixed width or one-word-per-line annotation broke mid-sentence;
    paragraphs (a blank line, an indented line) and sentence ends keep their breaks."""
    lines = text.split("\n")
    if not is_wrapped(lines):
        return text
    joined = [lines[0]]
    for line in lines[1:]:
        previous = joined[-1]
        if (
            not line.strip()
            or not previous.strip()
            or line[:1].isspace()
            or previous.rstrip().endswith(_SENTENCE_END)
        ):
            joined.append(line)
            continue
        # Latin words broken at a line end keep a space between them.
        space = (
            " "
            if previous[-1:].isascii()
            and previous[-1:].isalnum()
            and line[:1].isascii()
            and line[:1].isalnum()
            else ""
        )
        joined[-1] = previous.rstrip() + space + line
    return "\n".join(joined)


def _squeeze_blank_lines(text: str) -> str:
    return re.sub(r"\n{3,}", "\n\n", text).strip("\n")


def clean_text(raw: str) -> str:
    """The full cleaning chain: what is stored, searched and shown."""
    return strip_boilerplate(clean_characters(raw))
