"""A document's top keywords as tags: TF-IDF over its segmented words.

The IDF table is jieba's own (``jieba/analyse/idf.txt``), read once per process;
words it does not know get its median IDF, as ``jieba.analyse`` does. The words
come from ``search.analysis.segment_words`` (jieba-rs), not from
``jieba.analyse.extract_tags``, which would segment the text again in pure Python.
"""

from __future__ import annotations

import functools
import importlib.util
import re
from collections import Counter
from pathlib import Path

import numpy as np

TAG_COUNT = 8
# Words with a high IDF in jieba's table that still say nothing about an article.
_STOP_WORDS = frozenset(
    "我们 你们 他们 她们 它们 一个 一些 这个 那个 这些 那些 这样 那样 没有 进行 今年 去年 明年 目前 表示 指出 "
    "认为 已经 同时 以及 通过 其中 还是 就是 可以 记者 报道 日电 本报 今天 昨天 明天 今日 昨日 日前 近日 "
    "如果 因为 所以 但是 而且 并且 或者 不是 也是 自己 什么 怎么 时候 之后 之前 以后 以来 期间 方面 问题 "
    "工作 情况 相关 有关 主要 其他 以上 以下 全面 进一步 不断 加强 推进 推动 开展 实现 提升 坚持 积极 "
    "通讯员 编辑 责任编辑 来源 作者 网友 民众 表达 强调 透过 由于 对于 关于 之一 之间 包括 成为 作为".split()
)
_WORD_RE = re.compile(r"[\u4e00-\u9fff]{2,}|[a-z][a-z0-9.+-]{1,}")


@functools.cache
def _idf_table() -> tuple[dict[str, float], float]:
    """jieba's IDF table and its median, read once (jieba itself is not imported)."""
    spec = importlib.util.find_spec("jieba")
    folder = (
        Path(next(iter(spec.submodule_search_locations)))
        if spec and spec.submodule_search_locations
        else None
    )
    table: dict[str, float] = {}
    if folder and (folder / "analyse" / "idf.txt").exists():
        lines = (folder / "analyse" / "idf.txt").read_text(encoding="utf-8").split("\n")
        # "word value" per line: 350,000 of them, read in one go (a loop over the
        # open file was the largest part of an indexing run's start-up).
        table = {word: float(value) for word, _, value in (line.partition(" ") for line in lines) if value}
    if not table:
        return table, 10.0
    values = np.fromiter(table.values(), dtype=np.float64, count=len(table))
    middle = len(values) // 2
    return table, float(np.partition(values, middle)[middle])  # sorted(values)[middle], without the sort


def extract_tags(text: str, words: list[str] | None = None, count: int = TAG_COUNT) -> list[str]:
    """The ``count`` words of highest TF-IDF (Simplified, as segmented), best first.

    ``words`` are the text's segmented words if the caller already has them.
    """
    if words is None:
        from search.analysis import segment_words

        words = segment_words(text)
    weight_of = _WEIGHT_OF
    # A Counter keeps its words in the order first seen, and the sort is stable:
    # words of equal weight stay in that order, as ``jieba.analyse`` ranks them.
    # Counting first looks each distinct word up once, not each occurrence.
    weights: dict[str, float] = {}
    for word, number in Counter(words).items():
        weight = weight_of.get(word, _UNKNOWN)
        if weight is _UNKNOWN:
            weight = _learn_weight(word)
        if weight is not None:
            weights[word] = -number * weight
    return sorted(weights, key=weights.__getitem__)[:count]


_UNKNOWN = object()
_KNOWN_WORDS = 1 << 16  # words remembered at most (then forgotten all at once): a few MB


# Words seen so far -> their IDF, or None for a word that is never a tag. The words
# of news recur from article to article, and this table of them is small enough to
# stay in the processor's caches: a lookup in it costs a fraction of the stop-word
# test, the pattern and a lookup in jieba's table of 270,000 words, which is what a
# word seen for the first time still goes through (``_learn_weight``).
_WEIGHT_OF: dict[str, float | None] = {}


def _learn_weight(word: str) -> float | None:
    if len(_WEIGHT_OF) >= _KNOWN_WORDS:
        _WEIGHT_OF.clear()
    idf, median = _idf_table()
    weight = idf.get(word, median) if word not in _STOP_WORDS and _WORD_RE.fullmatch(word) else None
    _WEIGHT_OF[word] = weight
    return weight
