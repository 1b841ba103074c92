"""How often a single character occurs in each document, for ranking.

The ``chars`` field says only *whether* a document holds a character (so that
雨 finds every document holding it, however jieba cut it). Among the
documents where it is not a word of its own, the ones that hold it most
should come first: its count in a document is the sum, over the indexed words
holding it (暴雨, 雨季, 降雨量, and 雨 itself), of each word's frequency there
times how often the word holds the character. The words come from the
index's word table (``search.suggest.WordTable``, every word of the title
and body fields, built once per generation: at once up to 20,000
documents, in the background beyond, where until it is there only the
character as a word of its own is counted); the
``MAX_WORDS`` held by most documents are counted, and no more than
``MAX_POSTINGS`` of their postings, which bounds the cost of a common
character (人 is in 9,000 words of the 75k-article index, most of them rare).

The count becomes a BM25-style saturation in [0, 1), with the body's length
normalization, so a long report mentioning 雨 three times does not outrank a
short one about the rain; the plan adds it below the score of being a word.
"""

from __future__ import annotations

import numpy as np

from search.engine.postings import read_postings

MAX_WORDS = 48
MAX_POSTINGS = 150_000  # document postings of those words, per field
# Up to this many documents the word table is built before the first character is
# ranked (well under a second); beyond, in the background.
WAIT_FOR_TABLE_DOCUMENTS = 20_000
FIELDS = ("title", "body")


def words_holding(
    words: list[str], counts: np.ndarray, char: str, limit: int = MAX_WORDS, budget: int = MAX_POSTINGS
) -> list[str]:
    """The indexed words holding ``char`` (the character itself too), those in
    the most documents first: at most ``limit``, and no more once their
    documents add up to ``budget`` postings (a common character's words are
    read in a bounded time; its rarest words change little of the order)."""
    found = np.asarray([number for number, word in enumerate(words) if char in word], dtype=np.int64)
    found = found[np.argsort(-counts[found], kind="stable")[:limit]]
    within = np.cumsum(counts[found]) - counts[found] < budget  # each word while the budget is not spent
    return [words[number] for number in sorted(found[within].tolist())]


def character_counts(reader, size: int, words: list[str], char: str) -> np.ndarray:
    """Every document's count of ``char`` in the given words of the title and body."""
    counts = np.zeros(size, dtype=np.float32)
    for fieldname in FIELDS:
        for word in words:
            postings = read_postings(reader, fieldname, word)
            counts[postings.docs] += postings.weights * word.count(char)  # a term's documents are distinct
    return counts


def saturated(counts: np.ndarray, lengths: np.ndarray, average: float, k1: float, b: float) -> np.ndarray:
    """BM25's term-frequency part over ``k1 + 1``: 0 for no occurrence, below 1 for any count."""
    norm = k1 * ((1 - b) + b * lengths / (average or 1))
    return (counts / (counts + norm)).astype(np.float64)
