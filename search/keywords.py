"""Distinctive words of a result set: over-represented against the collection.

Scored with Dunning's log-likelihood (G2), the measure corpus tools use for
keyness, on document frequencies: a word is distinctive when more of the
matching documents contain it than its share in the rest of the collection
predicts. Pure NumPy over counts; the searcher supplies them.
"""

from __future__ import annotations

import numpy as np

# The matching documents read to find candidate words, at most (chosen evenly
# over the result set; the counts of each candidate are then exact, from the
# index, over the whole result set).
SAMPLE_DOCUMENTS = 150
MAX_KEYWORDS = 50
SHORTLIST = 3  # candidates counted exactly per keyword shown (the rest are ranked by an estimate)
MIN_RESULT_DF = 2
# A candidate must occur in this many sampled documents (fewer in a small
# result): rarer words cannot be told from chance by a sample anyway.
MIN_SAMPLE_DF = 3  # a word in a single matching document says nothing of the set


def log_likelihood(
    target: np.ndarray, target_size: int, reference: np.ndarray, reference_size: int
) -> np.ndarray:
    """G2 of each word: ``target`` documents of ``target_size`` hold it against
    ``reference`` of ``reference_size``. Positive only where over-represented."""
    target = target.astype(np.float64)
    reference = reference.astype(np.float64)
    total = target_size + reference_size
    both = target + reference
    expected_target = target_size * both / total
    expected_reference = reference_size * both / total
    with np.errstate(divide="ignore", invalid="ignore"):
        g2 = 2 * (
            np.where(target > 0, target * np.log(target / expected_target), 0.0)
            + np.where(reference > 0, reference * np.log(reference / expected_reference), 0.0)
        )
    over = target / max(target_size, 1) > reference / max(reference_size, 1)
    return np.where(over, g2, 0.0)


def rank(words: list[str], in_result: np.ndarray, result_size: int, in_collection: np.ndarray,
         collection_size: int, limit: int = MAX_KEYWORDS) -> list[dict]:  # fmt: skip
    """The ``limit`` most distinctive words with their counts in both sets."""
    rest = in_collection - in_result
    scores = log_likelihood(in_result, result_size, rest, collection_size - result_size)
    keep = (scores > 0) & (in_result >= MIN_RESULT_DF)
    order = sorted(np.flatnonzero(keep).tolist(), key=lambda index: (-scores[index], words[index]))
    return [
        {
            "word": words[index],
            "score": round(float(scores[index]), 2),
            "documents": int(in_result[index]),
            "collection_documents": int(in_collection[index]),
        }
        for index in order[:limit]
    ]
