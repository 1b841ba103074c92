"""Stories: which documents are the same article, reprinted.

A document's *signature* is a MinHash (``datasketch``'s affine32 scheme) of
the character 5-grams of its content lines: the cleaned body in Simplified
script, with datelines (``新华社北京3月5日电（记者 …）``), editor, copyright
and navigation lines and every short line (outlet headers, ``来源`` and byline
lines, subheads, the title) left out, and only letters and digits kept. So a
reprint in the other script, with another outlet's header and footer and its
own title, has the same shingles except where a paragraph was cut or added.

``StoryIndex`` assigns stories incrementally: a new document looks up its
candidates in a ``MinHashLSH`` (banded signatures), keeps those whose
estimated Jaccard similarity, or containment of the shorter text in the
longer, clears a threshold tuned on ``bench/bench_reprints.py``, and joins the
story of the most similar one; otherwise it starts a story of its own.

Similar is not enough: one template's announcements (CCDI expulsion notices,
the yearly 看望老同志, welcome ceremonies) share most of their words. The
signature also keeps the numbers in their places and each sentence's hash, and
a candidate is refused when a number differs in its place or when what the two
texts share lies inside sentences they do not share whole (a name, a post, a
year filled in otherwise): a reprint copies sentences whole and cuts or adds
whole lines.

``StoryBook`` is the store beside the index: ``stories-<generation>.npz`` in
the index folder, written after each commit of the index to a temporary file
and renamed into place, so a reader always finds a complete store and a run
killed before writing it leaves the previous one; the next run assigns the
documents the store lacks (their text is read back from the index) and drops
the ones the index no longer has.
"""

from __future__ import annotations

import collections
import datetime as dt
import os
import re
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from search import speedups
from search.engine.fixes import reading_through
from search.normalize import _is_copyright, _is_editor, _is_navigation, normalize_for_search

NUM_PERM = 128
SEED = 1
SHINGLE = 5  # characters per shingle: long enough that a shared template phrase is few shingles
# 42 bands of 3 rows: a pair with Jaccard 0.45 becomes a candidate with p = 0.98,
# 0.3 with p = 0.68, 0.1 with p = 0.04; candidates are then verified.
LSH_BANDS, LSH_ROWS = 42, 3
# The verification, tuned on bench/bench_reprints.py (see README, Benchmarks).
# Either the shorter text is nearly all inside the longer (a cut, an addition, a new
# header), or they share a lot of text in absolute terms as well as in proportion (a
# paragraph cut and another added): two short announcements of one template share a
# proportion of their words, but not hundreds of characters.
MIN_CONTAINMENT = 0.9  # of the shorter text's shingles in the longer's ...
MIN_SIZE_RATIO = 0.3  # ... if the shorter has at least this share of the longer's
MIN_JACCARD = 0.45  # or this Jaccard similarity ...
MIN_COMMON = 150  # ... with at least this many shingles in common
MIN_LINE_CHARS = 20  # letters and digits; shorter lines are headers, bylines, subheads
CHUNK = 2048  # shingles hashed at a time: bounds the (shingles x permutations) array

# "新华社北京3月5日电（记者 王某）", "央视网消息（新闻联播）：", "本报讯（记者 …）",
# "中央社记者王某台北3日电）": the dateline varies with the outlet, not the story.
_DATELINE_RE = re.compile(
    r"^[^，。；！？]{0,30}?消息\s*(?:[（(][^）)]{0,30}[）)])?\s*[:：]"
    r"|^[^，。；！？]{0,40}?日电\s*(?:[（(][^）)]{0,40}[）)])?"
    r"|^[^，。；！？]{0,20}?讯\s*(?:[（(][^）)]{0,40}[）)])?\s*[:：]?"
    r"|^[（(][^）)]{0,40}(?:记者|通讯员|编译)[^）)]{0,40}[）)]"
)
# Republishers' notices that normalize's copyright test lets through ("版权归原作者所有",
# "来源：" with a long outlet line): short lines only, an article's paragraph may say 版权.
_NOTICE_RE = re.compile(r"转载|版权|侵权|来源[:：]|原标题|责任编辑|关注.{0,10}(?:公众号|客户端)")
MAX_NOTICE_CHARS = 60
# Numbers in their place: ("确诊病例", "16例"), ("协十二届", "一次"). A reprint never changes
# a number, while the reports of one template (daily case counts, "本台明天将直播…",
# one office's releases) differ in exactly these; their words agree.
_NUMBER_RE = re.compile(r"[0-9]+[^0-9]?|[零〇一二三四五六七八九十百千两]+[届次月日年号期]")
NUMBER_CONTEXT = 4  # characters before a number that name its place (fewer near a line's start)
MAX_NUMBERS = 512
# Sentences, to tell a reprint from a template (issue 14): a reprint copies sentences whole and
# cuts or adds whole lines, while two reports of one template ("…严重违纪违法问题进行了立案审查
# 调查", "看望了江泽民、胡锦涛…等老同志") share most of their shingles inside sentences that differ
# in a name, a post, a year, a country. So the share of the shorter text's common shingles that
# lie outside the sentences it shares whole must stay small.
_NOT_SENTENCE_RE = re.compile(r"[^0-9a-z\u3400-\u9fff\uf900-\ufaff。]+")  # letters, digits, 。
_LATIN_END_RE = re.compile(r"\.(?=\s|$)")  # "landscape. The": a full stop in English text
OTHER_SENTENCE_ENDS = "！？；!?;"  # replaced one by one: str.translate and a character class cost more
MIN_SENTENCE_CHARS = 6  # letters and digits; shorter pieces ("据悉") are left out of both sides
MAX_SENTENCES = 512
MAX_EDITED_SHARE = 0.25  # reprints of bench_reprints.py stay under 0.15, templates mostly over 0.3
# A long template shares many sentences whole (烈士纪念日's yearly report, 晋升上将军衔 with other
# officers): there the sentences edited in place are counted directly, as those not shared whole
# whose first or last EDGE_BYTES open or close a sentence of the other text.
EDGE_BYTES = 24  # of UTF-8: 8 Chinese characters
MAX_EDITED_SENTENCES = 2  # reprints: at most 2 (a script conversion's odd character)
_NOT_TEXT_RE = re.compile(r"[^0-9a-z\u3400-\u9fff\uf900-\ufaff]+")


# ---------------------------------------------------------------------------
# Signatures (pure)
# ---------------------------------------------------------------------------


def content_lines(body: str) -> list[str]:
    """The lines of a cleaned body that carry the article, normalized to letters and digits."""
    return [text for _, text in _content_lines(body)]


def _content_lines(body: str) -> list[tuple[str, str]]:
    """The content lines in Simplified script, datelines cut, as letters and digits: with ``。``
    at their sentence ends (see ``sentence_marks``), and without."""
    kept = []
    for line in normalize_for_search(body).split("\n"):
        line = line.strip()
        if not line or _is_editor(line) or _is_copyright(line) or _is_navigation(line):
            continue
        marked = sentence_marks(_DATELINE_RE.sub("", line, count=1))
        text = marked.replace("。", "")
        if len(text) >= MIN_LINE_CHARS and not (len(text) <= MAX_NOTICE_CHARS and _NOTICE_RE.search(line)):
            kept.append((marked, text))
    return kept


def sentence_marks(line: str) -> str:
    """A normalized line as letters and digits with ``。`` where a sentence ends (。！？；, and a
    full stop before a space in English)."""
    for end in OTHER_SENTENCE_ENDS:
        if end in line:
            line = line.replace(end, "。")
    return _NOT_SENTENCE_RE.sub("", _LATIN_END_RE.sub("。", line))


def content_text(body: str) -> str:
    """What is shingled: the content lines joined; a text with none keeps all its letters."""
    text = "".join(content_lines(body))
    return text or _NOT_TEXT_RE.sub("", normalize_for_search(body))


def shingle_hashes(text: str, k: int = SHINGLE) -> np.ndarray:
    """Distinct 32-bit hashes of the text's character k-grams, computed over its code points."""
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    if len(points) < k:
        points = np.pad(points, (0, k - len(points)))  # a text shorter than one shingle is one shingle
    count = len(points) - k + 1
    # A polynomial over the k code points, wrapping at 2**64, folded to 32 bits.
    hashed = np.zeros(count, dtype=np.uint64)
    for offset in range(k):
        hashed = hashed * np.uint64(0x100000001B3) + points[offset : offset + count]
    folded = np.sort((hashed ^ (hashed >> np.uint64(32))).astype(np.uint32))
    # np.unique of a sorted array, without its hash table (6x the cost on an article's shingles)
    return folded[np.concatenate(([True], folded[1:] != folded[:-1]))]


# Reprints follow their original within weeks; the same text a year on is another
# year's announcement (烈士纪念日, word for word each September), another story.
MAX_STORY_DAYS = 31
NO_DAY = -1  # publication date unknown: no window applies


@dataclass(frozen=True)
class Signature:
    """A document's MinHash and how many distinct shingles it summarizes."""

    hashvalues: np.ndarray  # uint32[NUM_PERM]
    shingles: int
    numbers: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))  # number_slots
    sentences: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint64))  # sentence_keys
    edges: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.uint32))  # of each sentence
    day: int = NO_DAY  # the publication date as days since 1970-01-01 (``publication_day``)


def _permutations() -> tuple[np.ndarray, np.ndarray]:
    """The ``a`` and ``b`` of datasketch's affine32 permutations for ``SEED``, drawn as
    ``MinHash._init_permutations`` draws them (a test holds them equal). Drawn here rather
    than asked of datasketch: importing it imports SciPy, 0.7 s in every indexing process."""
    generator = np.random.RandomState(SEED)
    a = generator.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = generator.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


_A, _B = _permutations()


def _fmix32(values: np.ndarray) -> np.ndarray:
    # MurmurHash3's finalizer, as datasketch's affine32 scheme pre-mixes its input.
    values = values ^ (values >> np.uint32(16))
    values = values * np.uint32(0x85EBCA6B)
    values = values ^ (values >> np.uint32(13))
    values = values * np.uint32(0xC2B2AE35)
    return values ^ (values >> np.uint32(16))


def minhash_values(hashes: np.ndarray) -> np.ndarray:
    """``MinHash(scheme="affine32").update_batch`` of these hashes, in one NumPy pass per chunk
    (or one C loop, ``search/_speedups.c``)."""
    fast = speedups.SPEEDUPS
    if fast is not None:
        contiguous = np.ascontiguousarray(hashes, dtype=np.uint32)
        return np.frombuffer(bytearray(fast.minhash(contiguous, _A, _B)), dtype=np.uint32)
    mixed = _fmix32(hashes.astype(np.uint32))
    values = np.full(NUM_PERM, np.iinfo(np.uint32).max, dtype=np.uint32)
    for start in range(0, len(mixed), CHUNK):
        # (permutations x shingles), reduced along its rows: faster than the transpose.
        permuted = _A[:, None] * mixed[None, start : start + CHUNK]
        permuted += _B[:, None]
        np.minimum(values, permuted.min(axis=1), out=values)
    return values


_BAND_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd: distinct bands of equal values get distinct keys


def band_keys(hashvalues: np.ndarray) -> np.ndarray:
    """The LSH key of each band of MinHash values (``uint64[..., LSH_BANDS]``): two documents
    are candidates when one band's ``LSH_ROWS`` values are all equal, as in datasketch's
    ``MinHashLSH``. Keys of unequal bands may collide (with odds of 2**-64), which only
    proposes one more candidate to verify."""
    bands = hashvalues[..., : LSH_BANDS * LSH_ROWS].reshape(*hashvalues.shape[:-1], LSH_BANDS, LSH_ROWS)
    bands = bands.astype(np.uint64)
    keys = np.arange(1, LSH_BANDS + 1, dtype=np.uint64) * _BAND_MIX
    for column in range(LSH_ROWS):
        keys = keys * np.uint64(0x100000001B3) + bands[..., column]
    return keys


class _Bands:
    """The banded index: LSH keys -> rows, in sorted NumPy runs and a dict of recent rows.

    datasketch's ``MinHashLSH`` keeps a Python set per band per key: 130 µs per document
    added and queried, and about 4 KB of memory per document. Here the recent rows are a
    dict, flushed every ``FLUSH_ROWS`` rows into a sorted run of (key, row) arrays; runs of
    similar size are merged (the logarithmic method), so a lookup searches a few runs with
    ``searchsorted`` and a document costs 12 bytes per band. Removed rows stay until their
    run is merged; the caller skips them."""

    FLUSH_ROWS = 2048

    def __init__(self) -> None:
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []  # (sorted keys, their rows), largest first
        # Recent rows: key -> its last row, and key -> all its rows for the keys of several.
        self._recent: dict[int, int] = {}
        self._shared: dict[int, list[int]] = {}
        self._recent_rows = 0

    def add(self, row: int, keys: np.ndarray) -> None:
        keys = keys.tolist()
        for key in self._recent.keys() & keys:  # rarely any: a reprint's, a template's
            self._shared.setdefault(key, [self._recent[key]]).append(row)
        self._recent.update(dict.fromkeys(keys, row))
        self._recent_rows += 1
        if self._recent_rows >= self.FLUSH_ROWS:
            self._flush()

    def add_many(self, rows: np.ndarray, keys: np.ndarray) -> None:
        """Rows with their keys (``[len(rows), LSH_BANDS]``) at once: one run."""
        if len(rows):
            self._push(keys.reshape(-1), np.repeat(rows.astype(np.int64), keys.shape[1]))

    def candidates(self, keys: np.ndarray) -> np.ndarray:
        """The rows sharing a key with ``keys``, each once (removed rows too)."""
        found = []
        for run_keys, run_rows in self._runs:
            if not len(run_keys):  # all its rows dropped
                continue
            left = np.searchsorted(run_keys, keys, "left")
            # A key is in the run where its insertion point holds it; only those (a
            # reprint's few, usually none) need the end of their stretch of rows.
            hit = run_keys[np.minimum(left, len(run_keys) - 1)] == keys
            if hit.any():
                right = np.searchsorted(run_keys, keys[hit], "right")
                for start, end in zip(left[hit].tolist(), right.tolist(), strict=True):
                    found.append(run_rows[start:end])
        recent = self._recent.keys() & keys.tolist()
        if recent:
            shared = self._shared
            found.append(np.array([row for key in recent for row in shared.get(key) or (self._recent[key],)],
                                  dtype=np.int64))  # fmt: skip
        if not found:
            return np.zeros(0, dtype=np.int64)
        return np.unique(np.concatenate(found))

    def _flush(self) -> None:
        if self._recent:
            pairs = [(key, row) for key, row in self._recent.items() if key not in self._shared]
            pairs += [(key, row) for key, rows in self._shared.items() for row in rows]
            keys = np.fromiter((key for key, _ in pairs), dtype=np.uint64, count=len(pairs))
            rows = np.fromiter((row for _, row in pairs), dtype=np.int64, count=len(pairs))
            self._push(keys, rows)
        self._recent, self._shared, self._recent_rows = {}, {}, 0

    def _push(self, keys: np.ndarray, rows: np.ndarray) -> None:
        order = np.argsort(keys, kind="stable")
        run = (keys[order], rows[order])
        # Merge while the run before is not at least twice as large: at most log2(N / FLUSH_ROWS) runs.
        while self._runs and len(self._runs[-1][0]) <= 2 * len(run[0]):
            last_keys, last_rows = self._runs.pop()
            merged_keys = np.concatenate([last_keys, run[0]])
            order = np.argsort(merged_keys, kind="stable")  # two sorted runs: a linear merge
            run = (merged_keys[order], np.concatenate([last_rows, run[1]])[order])
        self._runs.append(run)

    def drop(self, removed: np.ndarray) -> None:
        """Forget the rows ``removed`` marks (a bool per row), once removals have piled up."""
        self._flush()
        kept = []
        for keys, rows in self._runs:
            keep = ~removed[rows]
            kept.append((keys[keep], rows[keep]))
        self._runs = []
        if kept:
            self._push(np.concatenate([keys for keys, _ in kept]), np.concatenate([rows for _, rows in kept]))


def number_slots(lines: list[str]) -> np.ndarray:
    """``(place << 32) | value`` hashes of the numbers of content lines, sorted (at most ``MAX_NUMBERS``).

    Within a line only: where paragraphs were cut or added, a number's place and unit
    would otherwise run into the neighbouring paragraph's text."""
    slots = set()
    for line in lines:
        for match in _NUMBER_RE.finditer(line):
            if match.start() >= NUMBER_CONTEXT:
                place = line[match.start() - NUMBER_CONTEXT : match.start()]
            else:  # near a line's start ("4月27日，…", "第三届…", "下午4时30分"): what precedes it there
                place = "^" + line[: match.start()]
            slots.add(zlib.crc32(place.encode("utf-8")) << 32 | zlib.crc32(match.group().encode("utf-8")))
    return np.array(sorted(slots)[:MAX_NUMBERS], dtype=np.uint64)


def sentence_keys(lines: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """The distinct sentences of ``sentence_marks`` lines, sorted by hash (at most
    ``MAX_SENTENCES``): ``(hash << 32) | length``, and ``(opening << 16) | closing``, 16-bit hashes
    of its first and last ``EDGE_BYTES``."""
    found: dict[int, int] = {}  # hash -> (length << 32) | (opening << 16) | closing
    # Sentences end at sentence ends only, not at line ends: hard wraps (fudan's, a republisher's)
    # break lines inside sentences, each copy at other places.
    for sentence in "".join(lines).split("。"):
        if len(sentence) >= MIN_SENTENCE_CHARS:
            encoded = sentence.encode("utf-8")
            opening = zlib.crc32(encoded[:EDGE_BYTES]) & 0xFFFF
            closing = zlib.crc32(encoded[-EDGE_BYTES:]) & 0xFFFF
            found[zlib.crc32(encoded)] = len(sentence) << 32 | opening << 16 | closing
    if not found:
        return np.zeros(0, dtype=np.uint64), np.zeros(0, dtype=np.uint32)
    rows = np.array(sorted(found.items())[:MAX_SENTENCES], dtype=np.uint64)
    keys = rows[:, 0] << np.uint64(32) | rows[:, 1] >> np.uint64(32)
    return keys, (rows[:, 1] & np.uint64(0xFFFFFFFF)).astype(np.uint32)


def publication_day(published: str | None) -> int:
    """Days since 1970-01-01 of an ISO date (``2020-09-30``, a month or a year alone
    counts from its first day), ``NO_DAY`` when there is none."""
    if not published or not published[:4].isdigit():
        return NO_DAY
    parts = (published[:10].split("-") + ["01", "01"])[:3]
    try:
        return (dt.date(int(parts[0]), int(parts[1] or 1), int(parts[2] or 1)) - dt.date(1970, 1, 1)).days
    except ValueError:
        return NO_DAY


def days_agree(first: int, second: int) -> bool:
    """Whether two publication days allow one story (either unknown: yes)."""
    return first == NO_DAY or second == NO_DAY or abs(first - second) <= MAX_STORY_DAYS


def signature(body: str, published: str | None = None) -> Signature:
    """The signature of a cleaned document body (either script) published on ``published``."""
    kept = _content_lines(body)
    raw, lines = [line for line, _ in kept], [text for _, text in kept]
    text = "".join(lines)
    if not text:  # nothing but short lines: all of them
        raw = [sentence_marks(normalize_for_search(body))]
        text = raw[0].replace("。", "")
    hashes = shingle_hashes(text)
    numbers = number_slots(lines or [text])
    return Signature(
        minhash_values(hashes), len(hashes), numbers, *sentence_keys(raw), publication_day(published)
    )


def numbers_agree(first: np.ndarray, second: np.ndarray) -> bool:
    """No place holds different numbers in the two texts (a cut paragraph only removes places)."""
    places_first, places_second = first >> np.uint64(32), second >> np.uint64(32)
    for place in np.intersect1d(places_first, places_second):
        if not np.intersect1d(first[places_first == place], second[places_second == place]).size:
            return False
    return True


def shared_sentence_share(first: np.ndarray, second: np.ndarray) -> float:
    """The share of ``first``'s sentence characters in sentences ``second`` holds whole."""
    lengths = (first & np.uint64(0xFFFFFFFF)).astype(np.float64)
    shared = np.isin(first >> np.uint64(32), second >> np.uint64(32), assume_unique=True)
    return float(lengths[shared].sum() / max(1.0, lengths.sum()))


def edited_sentences(first: Signature, second: Signature) -> tuple[int, float]:
    """How many of ``first``'s sentences ``second`` holds not whole but with the same opening or
    closing letters, and their share of ``first``'s sentence characters."""
    shared = np.isin(first.sentences >> np.uint64(32), second.sentences >> np.uint64(32), assume_unique=True)
    opens, closes = first.edges >> np.uint32(16), first.edges & np.uint32(0xFFFF)
    edited = ~shared & (
        np.isin(opens, second.edges >> np.uint32(16)) | np.isin(closes, second.edges & np.uint32(0xFFFF))
    )
    lengths = (first.sentences & np.uint64(0xFFFFFFFF)).astype(np.float64)
    return int(edited.sum()), float(lengths[edited].sum() / max(1.0, lengths.sum()))


def edited_in_place(first: Signature, second: Signature, jaccard: float) -> bool:
    """Whether the shorter text shares its words with the longer inside sentences they do not share
    whole: one template's reports, filled with other names, posts or years. A reprint copies
    sentences whole and cuts or adds whole lines."""
    if not (len(first.sentences) and len(second.sentences)):
        return False  # a signature from before sentences were kept: nothing to tell
    shorter, longer = (first, second) if first.shingles <= second.shingles else (second, first)
    contained = float(_containment(np.float64(jaccard), shorter.shingles, np.float64(longer.shingles)))
    if contained - shared_sentence_share(shorter.sentences, longer.sentences) > MAX_EDITED_SHARE:
        return True
    count, share = (
        edited_sentences(shorter, longer) if len(shorter.edges) == len(shorter.sentences) else (0, 0)
    )
    return count > MAX_EDITED_SENTENCES and share >= MAX_EDITED_SHARE


def similarity(first: Signature, second: Signature) -> tuple[float, float]:
    """Estimated (Jaccard, containment of the smaller set in the larger)."""
    jaccard = float(np.count_nonzero(first.hashvalues == second.hashvalues)) / NUM_PERM
    return jaccard, float(_containment(np.float64(jaccard), first.shingles, np.float64(second.shingles)))


def _containment(jaccard: np.ndarray, size: int, sizes: np.ndarray) -> np.ndarray:
    common = jaccard / (1 + jaccard) * (size + sizes)
    return np.minimum(1.0, common / np.maximum(1, np.minimum(size, sizes)))


def _similar_enough(jaccard: np.ndarray, size: int, sizes: np.ndarray) -> np.ndarray:
    """The verification of LSH candidates (vectorized over ``sizes``), numbers aside."""
    common = jaccard / (1 + jaccard) * (size + sizes)
    smaller, larger = np.minimum(size, sizes), np.maximum(size, sizes)
    contained = (_containment(jaccard, size, sizes) >= MIN_CONTAINMENT) & (smaller >= MIN_SIZE_RATIO * larger)
    return contained | ((jaccard >= MIN_JACCARD) & (common >= MIN_COMMON))


def same_story(first: Signature, second: Signature) -> bool:
    """Whether two documents are one story: similar enough, no number differs in its place, and
    what they share is whole sentences, not a template's sentences filled in otherwise."""
    jaccard = np.float64(np.count_nonzero(first.hashvalues == second.hashvalues) / NUM_PERM)
    similar = bool(_similar_enough(jaccard, first.shingles, np.float64(second.shingles)))
    return (
        similar
        and days_agree(first.day, second.day)
        and numbers_agree(first.numbers, second.numbers)
        and not edited_in_place(first, second, float(jaccard))
    )


# ---------------------------------------------------------------------------
# Incremental assignment (in memory)
# ---------------------------------------------------------------------------


class StoryIndex:
    """Documents -> stories, grown one document at a time."""

    def __init__(self) -> None:
        self.ids: list[str] = []
        self.row_of: dict[str, int] = {}
        self.story: list[int] = []  # -1 once the row's document was removed
        self._signatures = np.zeros((0, NUM_PERM), dtype=np.uint32)
        self._shingles = np.zeros(0, dtype=np.int64)
        self._numbers: list[np.ndarray] = []
        self._days: list[int] = []
        self._sentences: list[tuple[np.ndarray, np.ndarray]] = []  # (sentences, edges) of each row
        self._rows_of_story: dict[int, set[int]] = {}
        self._rows = 0
        self.next_story = 1
        self.bands = _Bands()
        self._removed = 0  # rows removed since the bands last dropped theirs

    def __len__(self) -> int:
        return len(self.row_of)

    def __contains__(self, doc_id: str) -> bool:
        return doc_id in self.row_of

    def add(self, doc_id: str, body: str) -> int:
        """Assign a document (replacing any earlier version of it); return its story."""
        return self.add_signature(doc_id, signature(body))

    def add_signature(self, doc_id: str, sig: Signature, story: int | None = None) -> int:
        """Assign a document by its signature (``story`` given: restore it as stored)."""
        if doc_id in self.row_of:
            self.remove(doc_id)
        keys = band_keys(sig.hashvalues)
        if story is None:
            story = self._best_story(sig, keys)
        row = self._append(doc_id, sig, story)
        self.bands.add(row, keys)
        return story

    def restore(self, ids: list[str], stories: list[int], signatures: np.ndarray, shingles: np.ndarray,
                numbers: list[np.ndarray], sentences: list[np.ndarray], edges: list[np.ndarray],
                days: list[int]) -> None:  # fmt: skip
        """Documents assigned before (a store's rows, in its order), into an empty index at once."""
        if self._rows:
            raise ValueError("restore: the story index already holds documents")
        if not ids:
            return
        count = len(ids)
        self._signatures = np.ascontiguousarray(signatures, dtype=np.uint32).reshape(count, NUM_PERM)
        self._shingles = np.asarray(shingles, dtype=np.int64).copy()
        self._numbers, self._days = list(numbers), list(days)
        self._sentences = list(zip(sentences, edges, strict=True))
        self.ids, self.story = list(ids), list(stories)
        self.row_of = {doc_id: row for row, doc_id in enumerate(ids)}
        for row, story in enumerate(stories):
            self._rows_of_story.setdefault(story, set()).add(row)
        self._rows = count
        self.next_story = max(self.next_story, max(stories) + 1)
        self.bands.add_many(np.arange(count), band_keys(self._signatures))

    def _best_story(self, sig: Signature, keys: np.ndarray) -> int:
        rows = self.bands.candidates(keys)
        rows = rows[[self.story[row] >= 0 for row in rows.tolist()]] if len(rows) else rows
        if len(rows):
            # Every candidate verified at once; the most similar whose numbers agree is joined.
            jaccard = (self._signatures[rows] == sig.hashvalues).sum(axis=1) / NUM_PERM
            sizes = self._shingles[rows].astype(np.float64)
            accepted = _similar_enough(jaccard, sig.shingles, sizes)
            score = jaccard + _containment(jaccard, sig.shingles, sizes)
            found: list[int] = []  # the stories it belongs to, the most similar first
            for position in np.argsort(-np.where(accepted, score, -1.0)):
                row = int(rows[position])
                if not accepted[position]:
                    break
                if self.story[row] not in found and self._agrees(sig, row, float(jaccard[position])):
                    found.append(self.story[row])
            if found:
                # A document that is a reprint of two stories' documents joins them: they
                # were one story whose versions arrived apart (a cut one, an extended one).
                for other in found[1:]:
                    self._merge(other, into=found[0])
                return found[0]
        self.next_story += 1
        return self.next_story - 1

    def _agrees(self, sig: Signature, row: int, jaccard: float) -> bool:
        """``same_story``'s checks beyond similarity, against a stored row."""
        stored = self._signature(row)
        return (
            days_agree(sig.day, stored.day)
            and numbers_agree(sig.numbers, stored.numbers)
            and not edited_in_place(sig, stored, jaccard)
        )

    def _signature(self, row: int) -> Signature:
        sentences, edges = self._sentences[row]
        return Signature(
            self._signatures[row],
            int(self._shingles[row]),
            self._numbers[row],
            sentences,
            edges,
            self._days[row],
        )

    def _merge(self, story: int, into: int) -> None:
        rows = self._rows_of_story.pop(story, set())
        for row in rows:
            self.story[row] = into
        self._rows_of_story.setdefault(into, set()).update(rows)

    def _append(self, doc_id: str, sig: Signature, story: int) -> int:
        row = self._rows
        if row == len(self._signatures):
            grown = np.zeros((max(1024, 2 * row), NUM_PERM), dtype=np.uint32)
            grown[:row] = self._signatures[:row]
            self._signatures = grown
            self._shingles = np.concatenate(
                [self._shingles[:row], np.zeros(len(grown) - row, dtype=np.int64)]
            )
        self._signatures[row] = sig.hashvalues
        self._rows += 1
        self.ids.append(doc_id)
        self.story.append(story)
        self._shingles[row] = sig.shingles
        self._numbers.append(sig.numbers)
        self._days.append(sig.day)
        self._sentences.append((sig.sentences, sig.edges))
        self.row_of[doc_id] = row
        self._rows_of_story.setdefault(story, set()).add(row)
        self.next_story = max(self.next_story, story + 1)
        return row

    def remove(self, doc_id: str) -> None:
        """Take a document out of its story (its story stays with the others)."""
        row = self.row_of.pop(doc_id, None)
        if row is not None:  # its band keys stay, skipped, until they are dropped
            members = self._rows_of_story.get(self.story[row], set())
            members.discard(row)
            if not members:
                self._rows_of_story.pop(self.story[row], None)
            self.story[row] = -1
            self._removed += 1
            if self._removed >= max(4096, self._rows // 4):  # replacements: bounded dead weight
                self.bands.drop(np.array(self.story) < 0)
                self._removed = 0

    def story_of(self, doc_id: str) -> int | None:
        row = self.row_of.get(doc_id)
        return None if row is None else self.story[row]

    def live(self) -> Iterator[tuple[str, int, Signature]]:
        """(id, story, signature) of every document, in the order they were added."""
        for row, doc_id in enumerate(self.ids):
            if self.story[row] >= 0:
                yield doc_id, self.story[row], self._signature(row)

    def groups(self) -> dict[int, list[str]]:
        """Story -> its documents' ids."""
        grouped: dict[int, list[str]] = {}
        for doc_id, story, _ in self.live():
            grouped.setdefault(story, []).append(doc_id)
        return grouped


# ---------------------------------------------------------------------------
# The lead of a story (pure)
# ---------------------------------------------------------------------------


def published_key(published: str | None) -> str:
    """Sort key of a publication date: earliest first, a month or year after its known days, undated last."""
    if not published:
        return "9999"
    return (published + "-99-99")[:10]


def story_lead(members: list[dict]) -> str | None:
    """The id of a story's lead: its earliest dated document; among equals, one from
    the outlet the story's documents name most (the original, as ``来源`` lines credit it)."""
    if not members:
        return None
    sources = collections.Counter(member.get("source") for member in members if member.get("source"))
    original = sources.most_common(1)[0][0] if sources else None
    return min(
        members,
        key=lambda member: (
            published_key(member.get("published")),
            member.get("source") != original,
            member["id"],
        ),
    )["id"]


# ---------------------------------------------------------------------------
# The store beside the index
# ---------------------------------------------------------------------------

_STORE_RE = re.compile(r"^stories-(\d+)\.npz$")
KEEP_STORES = 2  # the newest store and the one before it (readers still on the previous generation)


def store_files(index_dir: str | Path) -> list[tuple[int, Path]]:
    """Complete store files in the folder, oldest generation first (temporary files are not)."""
    found = []
    for entry in Path(index_dir).iterdir() if Path(index_dir).is_dir() else ():
        match = _STORE_RE.match(entry.name)
        if match:
            found.append((int(match.group(1)), entry))
    return sorted(found)


@dataclass(frozen=True)
class StoryTable:
    """A store as the searcher reads it: ids and stories as arrays, no LSH."""

    generation: int
    ids: np.ndarray
    stories: np.ndarray

    def __post_init__(self) -> None:
        object.__setattr__(self, "_row_of", {doc_id: row for row, doc_id in enumerate(self.ids.tolist())})
        values, counts = np.unique(self.stories, return_counts=True)
        object.__setattr__(self, "_sizes", dict(zip(values.tolist(), counts.tolist(), strict=True)))

    def story_of(self, doc_id: str) -> int | None:
        row = self._row_of.get(doc_id)
        return None if row is None else int(self.stories[row])

    def size(self, story: int) -> int:
        return self._sizes.get(story, 0)

    def members(self, story: int) -> list[str]:
        return self.ids[self.stories == story].tolist()


def read_table(index_dir: str | Path, generation: int | None = None) -> StoryTable | None:
    """The newest store at or before ``generation`` (else the newest there is); None if none."""
    files = store_files(index_dir)
    if not files:
        return None
    eligible = [item for item in files if generation is None or item[0] <= generation] or files
    found_generation, path = eligible[-1]
    with np.load(path, allow_pickle=False) as data:
        return StoryTable(found_generation, data["ids"], data["stories"])


class StoryBook:
    """The writer's side: a ``StoryIndex`` loaded from the store, saved at each commit."""

    def __init__(self, index_dir: str | Path, stories: StoryIndex, in_line: bool = False) -> None:
        self.index_dir = Path(index_dir)
        self.stories = stories
        # Whether the stories hold exactly the index's documents once this writer commits:
        # then a commit need not read every id of the index back (``reconcile``).
        self.in_line = in_line

    @classmethod
    def open(cls, index_dir: str | Path, rebuild: bool = False, ix=None) -> StoryBook:
        """The newest store of ``index_dir`` (an empty one for a rebuild or a new index).

        ``ix``, the index as this writer opened it: when the store is of its generation
        (or both are empty), the stories are in line with it and commits stay cheap."""
        stories = StoryIndex()
        files = [] if rebuild else store_files(index_dir)
        in_line = rebuild
        if ix is not None and not rebuild:
            generation = ix.latest_generation()
            if files:
                in_line = files[-1][0] == generation
            else:
                with ix.searcher() as searcher:
                    in_line = searcher.doc_count_all() == 0
        if files:
            with np.load(files[-1][1], allow_pickle=False) as data:
                numbers = _split(data["numbers"], data["number_counts"])
                if "sentence_counts" in data:
                    sentences = _split(data["sentences"], data["sentence_counts"])
                    edges = _split(data["edges"], data["sentence_counts"])
                else:  # a store from before sentences were kept: the check waits for a rebuild
                    sentences = [np.zeros(0, np.uint64)] * len(numbers)
                    edges = [np.zeros(0, np.uint32)] * len(numbers)
                # a store from before the date window: unknown days, as if undated
                days = data["days"].tolist() if "days" in data else [NO_DAY] * len(numbers)
                stories.restore(data["ids"].tolist(), data["stories"].tolist(), data["signatures"],
                                data["shingles"], numbers, sentences, edges, days)  # fmt: skip
                stories.next_story = max(stories.next_story, int(data["next_story"]))
        return cls(index_dir, stories, in_line)

    def add(self, doc_id: str, body: str) -> int:
        return self.stories.add(doc_id, body)

    def commit(self, ix) -> None:
        """Bring the stories in line with the committed index, then write the store."""
        with ix.searcher() as searcher:
            count = searcher.doc_count()
        # In line, the stories gained what the commit added (a document whose preparation
        # failed reached neither) and moved what it replaced; the count is a check of that.
        if not (self.in_line and count == len(self.stories)):
            self.reconcile(ix)
        self.save(ix.latest_generation())
        self.in_line = True

    def reconcile(self, ix) -> None:
        """Drop documents the index lacks; assign the ones the store lacks (a killed run's)."""
        with ix.searcher() as searcher:
            reader = searcher.reader()
            indexed = _live_ids(reader)
            for doc_id in [doc_id for doc_id in self.stories.row_of if doc_id not in indexed]:
                self.stories.remove(doc_id)
            for doc_id, docnum in indexed.items():
                if doc_id not in self.stories:
                    stored = reader.stored_fields(docnum)
                    sig = signature(stored.get("body", ""), stored.get("date"))
                    self.stories.add_signature(doc_id, sig)

    def save(self, generation: int) -> Path:
        """Write ``stories-<generation>.npz`` atomically; drop stores older than the last few."""
        live = list(self.stories.live())
        path = self.index_dir / f"stories-{generation}.npz"
        temporary = self.index_dir / f".stories-{generation}.{os.getpid()}.tmp"
        with open(temporary, "wb") as handle:
            np.savez(
                handle,
                ids=np.array([doc_id for doc_id, _, _ in live], dtype=str),
                stories=np.array([story for _, story, _ in live], dtype=np.int64),
                signatures=np.array([sig.hashvalues for _, _, sig in live], dtype=np.uint32).reshape(
                    -1, NUM_PERM
                ),
                shingles=np.array([sig.shingles for _, _, sig in live], dtype=np.int64),
                numbers=np.concatenate(
                    [sig.numbers for _, _, sig in live] or [np.zeros(0, np.uint64)]
                ).astype(np.uint64),
                number_counts=np.array([len(sig.numbers) for _, _, sig in live], dtype=np.int64),
                sentences=np.concatenate(
                    [sig.sentences for _, _, sig in live] or [np.zeros(0, np.uint64)]
                ).astype(np.uint64),
                sentence_counts=np.array([len(sig.sentences) for _, _, sig in live], dtype=np.int64),
                edges=np.concatenate([sig.edges for _, _, sig in live] or [np.zeros(0, np.uint32)]).astype(
                    np.uint32
                ),
                days=np.array([sig.day for _, _, sig in live], dtype=np.int64),
                next_story=np.int64(self.stories.next_story),
            )
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temporary, path)
        for _, old in store_files(self.index_dir)[:-KEEP_STORES]:
            old.unlink(missing_ok=True)
        for leftover in self.index_dir.glob(".stories-*.tmp"):
            if leftover != temporary and not _held_by_live_process(leftover):
                leftover.unlink(missing_ok=True)
        return path


def _split(values: np.ndarray, counts: np.ndarray) -> list[np.ndarray]:
    """Per-document arrays back from one concatenated array and its counts."""
    return np.split(values, np.cumsum(counts)[:-1]) if len(counts) else []


def _live_ids(reader) -> dict[str, int]:
    """``{id: document number}`` of the live documents, from the id terms (no stored text read)."""
    found = {}
    with reading_through(reader):
        for term in reader.lexicon("id"):
            for docnum in reader.postings("id", term).all_ids():
                if not reader.is_deleted(docnum):
                    found[term.decode("utf-8")] = docnum
    return found


def _held_by_live_process(path: Path) -> bool:
    try:
        pid = int(path.name.rsplit(".", 2)[-2])
        os.kill(pid, 0)
    except (ValueError, ProcessLookupError, PermissionError):
        return False
    return pid != os.getpid()


def pairs_in_groups(groups: Iterable[Iterable[str]]) -> set[tuple[str, str]]:
    """Every unordered pair of documents that share a group (for precision and recall)."""
    pairs = set()
    for group in groups:
        members = sorted(group)
        pairs.update((a, b) for i, a in enumerate(members) for b in members[i + 1 :])
    return pairs
