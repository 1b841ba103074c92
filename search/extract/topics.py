"""Topics from a keyword table (``search/data/topics.toml``) with a transparent score.

Each topic has weighted keywords. A keyword found n times in the body adds
``weight * ln(1 + n)``; found in the title it adds ``weight * title_weight`` once
more. A document gets every topic scoring at least ``min_score`` and at least
``relative`` times the best score (at most ``max_topics``). The table and the
thresholds live in the data file so that a user can read and change them.
"""

from __future__ import annotations

import functools
import math
import re
import tomllib
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from search import speedups
from search.normalize import to_simplified

TOPICS_FILE = Path(__file__).resolve().parents[1] / "data" / "topics.toml"
MAX_KEYWORD_WORDS = 3  # a keyword may span this many segmented words (乡村 + 振兴)


@dataclass(frozen=True)
class TopicTable:
    """The parsed keyword table."""

    labels: dict[str, str]  # topic id -> label
    aliases: dict[str, str]  # category name (Simplified, lower-case) -> label
    keywords: dict[str, list[tuple[str, float]]]  # keyword -> [(label, weight)]
    ignored: frozenset[str]
    title_weight: float
    min_score: float
    relative: float
    max_topics: int
    # Every beginning of a keyword, itself and "" included: a run of words can only
    # grow into a keyword through these (``keyword_counts``).
    beginnings: frozenset[str] = frozenset()


@dataclass(frozen=True)
class TopicScore:
    """One topic's score and the keywords that made it, most weighty first."""

    label: str
    score: float
    keywords: tuple[str, ...]


@dataclass(frozen=True)
class Topics:
    """The topics given to a document, best first, with every score above zero."""

    labels: tuple[str, ...]
    scores: tuple[TopicScore, ...]

    @property
    def basis(self) -> str:
        """How the topics were chosen, for the document page: ``经济发展 14.2 (投资, 项目, 产业)``."""
        chosen = [score for score in self.scores if score.label in self.labels]
        return "keywords: " + "; ".join(
            f"{score.label} {score.score:.1f} ({', '.join(score.keywords[:4])})" for score in chosen
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@functools.cache
def load_table(path: Path = TOPICS_FILE) -> TopicTable:
    """Read the topic table once per process."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    settings = data.get("settings", {})
    labels, aliases, keywords = {}, {}, {}
    for topic_id, topic in data["topics"].items():
        label = topic["label"]
        labels[topic_id] = label
        for alias in [label, *topic.get("aliases", [])]:
            aliases[to_simplified(alias).lower()] = label
        for keyword, weight in topic.get("keywords", {}).items():
            if weight > 0:
                keywords.setdefault(to_simplified(keyword).lower(), []).append((label, float(weight)))
    return TopicTable(
        labels=labels,
        aliases=aliases,
        keywords=keywords,
        ignored=frozenset(to_simplified(name).lower() for name in settings.get("ignore_categories", [])),
        title_weight=float(settings.get("title_weight", 2.0)),
        min_score=float(settings.get("min_score", 5.0)),
        relative=float(settings.get("relative", 0.45)),
        max_topics=int(settings.get("max_topics", 3)),
        beginnings=frozenset(keyword[:end] for keyword in keywords for end in range(len(keyword) + 1)),
    )


def canonical_topic(category: str) -> str | None:
    """A given category as a topic: the table's label where it names one
    (``政治`` is ``时政``, ``地震`` 公共安全, ``C34-Economy`` 经济发展), else
    ``None`` (``未分類``, or a category the taxonomy does not have): 主题 is one
    vocabulary, not the union of every corpus's own."""
    key = _CATEGORY_CODE_RE.sub("", to_simplified(str(category)).strip().lower())
    return load_table().aliases.get(key) if key else None


_CATEGORY_CODE_RE = re.compile(r"^c\d+-")  # fudan's class codes: "C34-Economy"


def keyword_counts(words: list[str]) -> Counter[str]:
    """How often each keyword of the table occurs among ``words`` (or runs of up
    to three consecutive words)."""
    table = load_table()
    fast = speedups.SPEEDUPS
    if fast is not None:  # the loop below in C (search/_speedups.c), the same counts
        words = words if isinstance(words, list) else list(words)
        return Counter(fast.keyword_counts(words, table.beginnings, table.keywords, MAX_KEYWORD_WORDS))
    is_keyword = table.keywords.__contains__
    # A run of words is only extended while it is the beginning of some keyword:
    # a few runs per article instead of every pair and triple of its words. A
    # keyword begins itself, so the single words are counted among the runs.
    beginnings = table.beginnings
    runs = [(start, word) for start, word in enumerate(words) if word in beginnings]
    counts: Counter[str] = Counter(filter(is_keyword, [word for _, word in runs]))
    for length in range(2, MAX_KEYWORD_WORDS + 1):
        runs = [
            (start, run + words[start + length - 1]) for start, run in runs if start + length <= len(words)
        ]
        counts.update(filter(is_keyword, [run for _, run in runs]))
        runs = [(start, run) for start, run in runs if run in beginnings]
    return counts


def score_topics(body_words: list[str], title_words: list[str] | None = None) -> list[TopicScore]:
    """Every topic with a score above zero, best first."""
    table = load_table()
    body = keyword_counts(body_words)
    title = keyword_counts(title_words or [])
    totals: dict[str, float] = {}
    parts: dict[str, list[tuple[float, str]]] = {}
    # In keyword order: a set's order changes with the hash seed, and so would
    # the last bits of a sum, and with them the order of two topics of equal score.
    for keyword in sorted(body.keys() | title.keys()):
        for label, weight in table.keywords[keyword]:
            gain = weight * (math.log1p(body[keyword]) + (table.title_weight if title[keyword] else 0.0))
            totals[label] = totals.get(label, 0.0) + gain
            parts.setdefault(label, []).append((gain, keyword))
    # Ranked by the score as shown (two decimals), then by name.
    ranked = sorted(totals, key=lambda label: (-round(totals[label], 2), label))
    return [
        TopicScore(
            label,
            round(totals[label], 2),
            tuple(keyword for _, keyword in sorted(parts[label], reverse=True)),
        )
        for label in ranked
    ]


def extract_topics(text: str, title: str | None = None, words: list[str] | None = None) -> Topics | None:
    """The topics of an article (multi-label, best first), or ``None`` if no topic
    scores high enough. ``words`` are the body's segmented words, if already known."""
    from search.analysis import segment_words, title_words

    table = load_table()
    scores = score_topics(words if words is not None else segment_words(text), title_words(title or ""))
    if not scores:
        return None
    best = scores[0].score
    labels = tuple(
        score.label
        for score in scores
        if score.score >= table.min_score and score.score >= table.relative * best
    )[: table.max_topics]
    return Topics(labels, tuple(scores)) if labels else None
