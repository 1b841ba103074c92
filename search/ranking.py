"""Ranking settings in one place, tuned by the evaluation in ``bench/eval_ranking.py``.

Change a number here only with a before/after table from that evaluation
(``bench/RESULTS.md`` keeps the latest one and the history of what was tried).
"""

from __future__ import annotations

from whoosh.scoring import BM25F, BaseScorer

# Title matches count this many times a body match (per-term boost). Passages
# of one article share its title, so title words cannot tell them apart; above
# 1.0 the title outweighed the body's evidence (DRCD MRR@10 0.924 at 1.0,
# 0.906 at 2.0, before character scoring).
TITLE_BOOST = 1.0
# Verbatim (character bigram) matches of a short query score a constant below
# most word matches, so whole-word matches rank first.
VERBATIM_SCORE = 0.5
# Weight of the query's character bigrams in ranking a natural-language query:
# each bigram a document holds adds its idf. This finds the words jieba cut
# differently in the question and the passage (潘淑是 / 潘淑 是), the main loss
# of word-only ranking (CMRC 0.976 to 0.982, DRCD 0.924 to 0.943; 2.0 was worse).
CHARS_WEIGHT = 1.0
# A query of more than this many words is natural language: documents are
# ranked by how many words they match instead of having to match them all.
LONG_QUERY_WORDS = 4
# Share of the words a document must match in a long query. A question often
# shares only its topic word with the passage that answers it (沼鹿的生活习性
# 是什么样的 against a passage without 生活 or 习性): 0.4 left 1.6% of the
# questions with no result at all; at 0.25 none are left.
LONG_QUERY_MIN_SHARE = 0.25

# Function words of questions and queries: they need not match, do not count
# towards a long query's matched share and do not score.
STOP_WORDS = frozenset(
    "的 了 是 在 和 与 及 或 也 都 而 并 被 把 对 从 于 为 以 之 其 这 那 个 有 中 上 下 "
    "什么 哪 哪个 哪些 哪里 哪一 谁 何 何时 多少 几 怎么 怎样 如何 为什么 吗 呢 么 "
    "是否 一个 一种 该 此 由 将 就 又 还 等 所 第".split()
)
# Words that make a query a question (natural language, ranked by how many
# of its words a document matches); words starting with a prefix count too
# (哪一年, 哪位, 什么样).
QUESTION_WORDS = frozenset(
    "谁 何 何时 何年 何处 何地 何种 为何 如何 多少 几 怎么 怎样 为什么 吗 呢 是否 甚么".split()
)
QUESTION_PREFIXES = ("哪", "什么", "甚么")


class PresenceScorer(BaseScorer):
    """The score of a presence-only term (a character bigram): its idf."""

    def __init__(self, idf: float):
        self._idf = idf

    def score(self, matcher) -> float:
        return self._idf

    def max_quality(self) -> float:
        return self._idf


class NewsWeighting(BM25F):
    """BM25F for the word fields; idf alone for the presence-only ``chars`` field
    (Whoosh would otherwise give every bigram the same weight)."""

    def scorer(self, searcher, fieldname, text, qf=1):
        if not searcher.schema[fieldname].scorable:
            return PresenceScorer(searcher.get_parent().idf(fieldname, text))
        return super().scorer(searcher, fieldname, text, qf)


def weighting() -> NewsWeighting:
    """The ranking model; short titles need less length normalization than long bodies."""
    return NewsWeighting(B=0.75, K1=1.2, title_B=0.5)
