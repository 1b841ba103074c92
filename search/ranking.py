"""Ranking settings in one place, tuned by the evaluation in ``bench/eval_ranking.py``.

Change a number here only with a before/after table from that evaluation.
"""

from __future__ import annotations

from whoosh.scoring import BM25F

# Title matches count this many times a body match (BM25F, per-term boost).
TITLE_BOOST = 2.0
# Verbatim (character bigram) matches score a constant below any word match,
# so whole-word matches rank first.
VERBATIM_SCORE = 0.5
# A query of more than this many words is natural language: documents are
# ranked by how many words they match instead of having to match them all.
LONG_QUERY_WORDS = 4
# Share of the words a document must match in a long query.
LONG_QUERY_MIN_SHARE = 0.4

# Function words of questions and queries; dropped from long queries only,
# where they would otherwise dominate the match count.
STOP_WORDS = frozenset(
    "的 了 是 在 和 与 及 或 也 都 而 并 被 把 对 从 于 为 以 之 其 这 那 个 有 中 上 下 "
    "什么 哪 哪个 哪些 哪里 哪一 谁 何 何时 多少 几 怎么 怎样 如何 为什么 吗 呢 么 "
    "是否 一个 一种 该 此 由 将 就 又 还 等 所 第".split()
)


def weighting() -> BM25F:
    """BM25F; short titles need less length normalization than long bodies."""
    return BM25F(B=0.75, K1=1.2, title_B=0.5)
