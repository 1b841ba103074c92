"""Segmentation: the only module that calls jieba.

Text is normalized first (Traditional to Simplified, ASCII lower-cased; the
length never changes), then segmented with jieba's dictionary and algorithm
through ``rjieba`` (a binding of jieba-rs: same dictionary, same results as
jieba's default and search modes, about 20 times faster).

Tokens carry true word positions (0, 1, 2, ... per word, not character
offsets) and character offsets into the *original* text, so highlighting
marks the original characters in their own script. In search mode the
sub-words of a long word (高质 and 质量 inside 高质量) share its position,
which keeps phrase queries working across both segmentations.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterator
from operator import itemgetter
from pathlib import Path
from typing import NamedTuple

import rjieba
from whoosh.analysis import Token, Tokenizer

from search.normalize import VARIANT_FOLDS, normalize_for_search

_DATA_DIR = Path(__file__).parent / "data"


class WordToken(NamedTuple):
    """A word of the normalized text and where it stands in the original."""

    text: str
    position: int
    start: int
    end: int


def user_words() -> list[str]:
    """The user dictionary: every place name of the gazetteer plus news terms."""
    words: list[str] = []
    try:
        from search.gazetteer import all_place_names
    except ImportError:  # the gazetteer is optional for the analyzer itself
        pass
    else:
        words.extend(all_place_names())
    terms_file = _DATA_DIR / "news_terms.txt"
    if terms_file.exists():
        for line in terms_file.read_text(encoding="utf-8").splitlines():
            line = line.split("#", 1)[0].strip()
            if line:
                words.append(line)
    return words


@functools.cache
def _segmenter() -> rjieba.Jieba:
    """One jieba per process, built on first use (never at import time)."""
    segmenter = rjieba.Jieba()
    for word in user_words():
        segmenter.add_word(word, None, None)
    for word, frequency in folded_dictionary_words():
        segmenter.add_word(word, frequency, None)
    return segmenter


def folded_dictionary_words() -> list[tuple[str, int]]:
    """jieba's words holding a variant ``normalize_for_search`` folds (著名 as
    着名), folded, with their frequencies: folded text segments as the original did."""
    import importlib.util

    spec = importlib.util.find_spec("jieba")
    if spec is None or spec.origin is None:
        return []
    text = (Path(spec.origin).parent / "dict.txt").read_text(encoding="utf-8")
    frequencies: dict[str, int] = {}
    variants = f"[{''.join(VARIANT_FOLDS)}]"
    for word, frequency in re.findall(f"^([^ \\n]*{variants}[^ \\n]*) (\\d+)", text, re.MULTILINE):
        folded = normalize_for_search(word)
        if len(word) > 1 and folded != word:
            frequencies[folded] = max(frequencies.get(folded, 0), int(frequency))
    # A folded form that is a word of its own (执着 for 执著) keeps its own frequency if higher.
    first = "".join({re.escape(word[0]) for word in frequencies})
    for word, frequency in re.findall(f"^([{first}][^ \\n]*) (\\d+)", text, re.MULTILINE):
        if word in frequencies:
            frequencies[word] = max(frequencies[word], int(frequency))
    return list(frequencies.items())


def _is_word(text: str) -> bool:
    # Whitespace and punctuation tokens carry no meaning and take no position.
    return text.isalnum() or (len(text) > 1 and any(char.isalnum() for char in text))


def tokenize(text: str, search_mode: bool = False) -> list[WordToken]:
    """Segment ``text`` (either script) into words with positions and offsets.

    ``search_mode`` adds jieba's search-mode sub-words at the position of the
    word that contains them; queries use the default mode only, so one query
    is segmented one way.
    """
    normalized = normalize_for_search(text)
    if not search_mode:
        tokens: list[WordToken] = []
        position = 0
        for word, start, end in _segmenter().tokenize(normalized, "default", True):
            if _is_word(word):
                tokens.append(WordToken(word, position, start, end))
                position += 1
        return tokens
    return _search_tokens(_segmenter().tokenize(normalized, "search", True))


def _search_tokens(raw: list[tuple[str, int, int]]) -> list[WordToken]:
    # jieba emits sub-words before the word they belong to, shortest first.
    # Words tile the text, so after sorting by (start, longest first) a token
    # that starts at or after the current word's end is the next word; any
    # other token lies inside the current word and shares its position.
    _sort_words_first(raw)
    tokens: list[WordToken] = []
    position = -1
    word_end = -1
    for word, start, end in raw:
        if start >= word_end:
            word_end = end
            if not _is_word(word):
                continue
            position += 1
        elif not _is_word(word):
            continue
        tokens.append(WordToken(word, max(position, 0), start, end))
    return tokens


_START = itemgetter(1)
_END = itemgetter(2)


def _sort_words_first(raw: list[tuple[str, int, int]]) -> None:
    # By start, then longest first: two stable C-level sorts instead of a
    # Python key function per token.
    raw.sort(key=_END, reverse=True)
    raw.sort(key=_START)


def index_terms(normalized: str) -> tuple[dict[str, list[int]], list[str]]:
    """Index-time postings of already-normalized text, and its words.

    ``{word: [positions]}`` in search mode (sub-words share their word's
    position), plus the words themselves in order (one per position, as
    default mode would give them) for metadata extraction. The same as
    folding ``tokenize(text, search_mode=True)``, without a token object per
    word: this runs on every document.
    """
    raw = _segmenter().tokenize(normalized, "search", True)
    _sort_words_first(raw)
    postings: dict[str, list[int]] = {}
    words: list[str] = []
    position = -1
    word_end = -1
    last_position = -1
    for word, start, end in raw:
        if start >= word_end:
            word_end = end
            if not (word.isalnum() or _is_word(word)):
                continue
            position += 1
        elif not (word.isalnum() or _is_word(word)):
            continue
        at = position if position > 0 else 0
        if at != last_position:  # the word itself comes first at its position
            words.append(word)
            last_position = at
        positions = postings.get(word)
        if positions is None:
            postings[word] = [at]
        elif positions[-1] != at:
            positions.append(at)
    return postings, words


def distinct_words(text: str) -> set[str]:
    """The distinct tokens of ``text`` in default mode (normalized; punctuation
    included: callers filter the few they keep). ``cut`` without offsets is a
    third faster than ``tokenize``; distinctive words segment a sample of a
    result set on every request."""
    return set(_segmenter().cut(normalize_for_search(text), True))


def is_word(text: str) -> bool:
    """A token that carries meaning (not whitespace or punctuation)."""
    return _is_word(text)


def segment_words(text: str) -> list[str]:
    """The words of ``text`` in default mode (normalized, no punctuation)."""
    normalized = normalize_for_search(text)
    return [word for word, _, _ in _segmenter().tokenize(normalized, "default", True) if _is_word(word)]


# Characters that join a verbatim run. Letters, digits and Han characters are
# alphanumeric; a few symbols occur inside tokens people search for (PM2.5).
_RUN_SYMBOLS = frozenset(".-+%#&@_/")


# A run: word characters (``\w`` is exactly ``str.isalnum`` plus ``_``) and
# the symbols above.
_RUN = re.compile(r"[\w" + re.escape("".join(sorted(_RUN_SYMBOLS))) + "]+")


def character_runs(normalized: str) -> Iterator[str]:
    """Maximal runs of word characters in already-normalized text."""
    return (match.group() for match in _RUN.finditer(normalized))


def bigrams(normalized: str) -> set[str]:
    """Distinct character bigrams of the word-character runs (verbatim recall)."""
    grams: set[str] = set()
    for run in _RUN.findall(normalized):
        grams.update(map(str.__add__, run, run[1:]))
    return grams


def character_grams(normalized: str) -> set[str]:
    """What the ``chars`` field holds: the bigrams of the word-character runs
    and every word character alone (a single character's documents, however
    jieba cut it: 雨 inside 暴雨 and 雨季)."""
    runs = _RUN.findall(normalized)
    grams: set[str] = set()
    for run in runs:
        grams.update(map(str.__add__, run, run[1:]))
    # The distinct characters first, then the test: a few hundred, not every character.
    grams.update(char for char in set("".join(runs)) if char.isalnum())
    return grams


class ChineseTokenizer(Tokenizer):
    """A Whoosh tokenizer on jieba with true positions and original offsets.

    Holds no state but a flag, so it pickles into the index schema safely;
    the segmenter itself is built lazily per process.
    """

    def __init__(self, search_mode_at_index: bool = True):
        self.search_mode_at_index = search_mode_at_index

    def __eq__(self, other):
        return type(other) is type(self) and other.__dict__ == self.__dict__

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        search_mode = self.search_mode_at_index and mode == "index"
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for word in tokenize_text(value, search_mode):
            token.text = word.text
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = value[word.start : word.end]
            if positions:
                token.pos = start_pos + word.position
            if chars:
                token.startchar = start_char + word.start
                token.endchar = start_char + word.end
            yield token


# The tokenizer's ``__call__`` has a parameter called ``tokenize``.
tokenize_text = tokenize


def chinese_analyzer(search_mode_at_index: bool = True) -> ChineseTokenizer:
    """The analyzer for word fields (a tokenizer alone: lower-casing and
    script folding happen in normalization, which keeps offsets intact)."""
    return ChineseTokenizer(search_mode_at_index)
