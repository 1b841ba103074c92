"""The analysis layer: trends, export rows, concordance and distinctive words.

Each view runs on what the engine matched (one boolean mask per query over
the index's documents, and the collection under the same filters) and returns
plain data; the web and the CLI render it. The same query language, filters
and counting as a search: a trend's ``total`` is the search's ``total``.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from search import keywords, kwic, results, trends
from search.analysis import distinct_words, is_word
from search.engine import execute
from search.engine.evaluate import Evaluation
from search.engine.stored import read_ahead
from search.plan import is_stop_word
from search.request import COUNTS, QueryError, check_choice, check_paging
from search.searcher import SearchIndex


@dataclass
class Matched:
    """What one query and its filters select, with the collection beside it."""

    final: np.ndarray  # bool per document: the query and every filter
    collection: np.ndarray  # bool per document: live documents under the filters alone
    dates: np.ndarray  # date number per document (``search.trends``)
    filters: dict[str, list[str]]
    terms: list[str]  # normalized strings to find in the text (as passages mark them)
    words: list[str]  # the query's own content words (left out of keywords)
    notes: list[str]
    match: Any  # the engine's match, for ranking and reading documents


def match(index: SearchIndex, query: str, filters: Mapping[str, Any] | None) -> Matched:
    """Match ``query`` under ``filters`` (the one place that reaches into the engine)."""
    found = index._match(query, filters)
    collection = found.columns.live.copy()
    for mask in found.filter_masks.values():
        collection &= mask
    plan = found.plan
    words = [clause.clause.text for clause in plan.long_words or ()]
    return Matched(
        found.final, collection, found.columns.dates, found.filters,
        list(plan.highlight_terms), words, list(plan.notes), found,
    )  # fmt: skip


def _ordered(index: SearchIndex, matched: Matched, sort: str) -> np.ndarray:
    """Every matching document number in the order of ``sort`` (relevance: by the
    engine's scores of every match, as deep result pages are ordered)."""
    total = int(np.count_nonzero(matched.final))
    if not total:
        return np.zeros(0, dtype=np.int64)
    return np.array(execute.page_docnums(matched.match, sort, 1, total), dtype=np.int64)


def _scores(matched: Matched, docnums: np.ndarray) -> np.ndarray:
    """The ranking scores of ``docnums`` (the engine's estimate for every match)."""
    found = matched.match
    return Evaluation(found.generation, found.searcher).scores(found.plan.scoring)[docnums]


def _document_counts(matched: Matched, words: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """For each word: how many matching documents and how many live documents hold it (body)."""
    found = matched.match
    reader = found.searcher.reader()
    live = found.columns.live
    in_result, in_collection = np.zeros(len(words), dtype=np.int64), np.zeros(len(words), dtype=np.int64)
    for number, word in enumerate(words):
        docs = found.generation.postings(reader, "body", word).docs
        in_result[number] = np.count_nonzero(matched.final[docs])
        in_collection[number] = np.count_nonzero(live[docs])
    return in_result, in_collection


def _sort(sort: str | None, query: str) -> str:
    return check_paging(1, 1, sort, query)[2]


# -- trends ------------------------------------------------------------------


def trend(
    index: SearchIndex,
    queries: Sequence[str],
    filters: Mapping[str, Any] | None = None,
    interval: str = "auto",
    measure: str = "count",
    count: str = "documents",
) -> dict[str, Any]:
    """Matches per date bucket for up to five queries under the same filters.

    ``count="stories"``: a story of reprints counts once, in the bucket of its
    earliest matching document (totals are stories, not documents)."""
    if not queries:
        queries = [""]
    if len(queries) > trends.MAX_SERIES:
        raise QueryError(f"at most {trends.MAX_SERIES} series (q) in a trend")
    if interval not in (*trends.INTERVALS, "auto"):
        raise QueryError(f"interval must be one of auto, {', '.join(trends.INTERVALS)}")
    if measure not in trends.MEASURES:
        raise QueryError(f"measure must be one of {', '.join(trends.MEASURES)}")
    count = check_choice(count, "count", COUNTS, "documents")
    matches = [match(index, query, filters) for query in queries]
    if count == "stories":
        matches = [_by_story(index, found) for found in matches]
    first = matches[0]
    span = _span(first)
    if span is None:  # nothing dated at all
        keys_interval = "year" if interval == "auto" else interval
        bucketed = trends.Buckets(keys_interval, [], np.full(len(first.dates), -1, dtype=np.int64))
    else:
        chosen = trends.choose_interval(*span) if interval == "auto" else interval
        try:
            bucketed = trends.buckets(first.dates, chosen, *span)
        except ValueError as error:
            raise QueryError(str(error)) from None
    collection, collection_undated = trends.tally(bucketed, first.collection)
    return {
        "interval": bucketed.interval,
        "measure": measure,
        "count": count,
        "filters": first.filters,
        "series": [
            {"query": query, **trends.series(bucketed, found.final, collection), "notes": found.notes}
            for query, found in zip(queries, matches, strict=True)
        ],
        "collection": [
            {"key": key, "count": count} for key, count in zip(bucketed.keys, collection, strict=True)
        ],
        "collection_total": int(np.count_nonzero(first.collection)),
        "collection_undated": collection_undated,
    }


def _by_story(index: SearchIndex, matched: Matched) -> Matched:
    """``matched`` with one document per story, matches and collection alike."""
    stories = index._story_column(matched.match.searcher)
    return dataclasses.replace(
        matched,
        final=stories.earliest_of_each(matched.final, matched.dates),
        collection=stories.earliest_of_each(matched.collection, matched.dates),
    )


def _span(matched: Matched) -> tuple[int, int] | None:
    """The dated span of the collection under the filters, bounded by their date range."""
    span = trends.date_span(matched.dates, matched.collection)
    if span is None:
        return None
    first, last = span
    bounds = matched.filters
    if bounds.get("date_from"):
        first = max(first, int(bounds["date_from"][0].replace("-", "")))
    if bounds.get("date_to"):
        last = min(last, int(bounds["date_to"][0].replace("-", "")))
    return (first, last) if first <= last else None


# -- export ------------------------------------------------------------------


def export_rows(
    index: SearchIndex, query: str = "", filters: Mapping[str, Any] | None = None, sort: str | None = None
) -> tuple[int, Iterator[dict[str, Any]]]:
    """How many documents match, and every one of them as a row, in ``sort`` order.

    Rows are produced one at a time (memory stays bounded whatever the count):
    the summary fields of a hit, the first passage as plain text, the extra
    fields a record brought, and, for relevance order, the ranking score.
    """
    from search.highlight import passages

    sort = _sort(sort, query)
    matched = match(index, query, filters)
    order = _ordered(index, matched, sort)
    scores = _scores(matched, order) if sort == "relevance" and len(order) else None
    searcher = matched.match.searcher
    stories = index._story_column(searcher)

    def rows() -> Iterator[dict[str, Any]]:
        for number, docnum in enumerate(read_ahead(searcher, order.tolist())):
            stored = searcher.stored_fields(docnum)
            row = results.document_summary(stored)
            story = int(stories.story_ids[stories.codes[docnum]])
            row["story"] = story if story >= 0 else None  # None: the store does not know it yet
            shown = passages(stored.get("body", ""), matched.terms, limit=1)
            row["score"] = float(scores[number]) if scores is not None else None
            row["passage"] = shown[0].text if shown else ""
            row["snippets"] = [{"text": p.text, "ranges": [list(r) for r in p.ranges]} for p in shown]
            row["extra"] = (stored.get("meta") or {}).get("extra", {})
            yield row

    return len(order), rows()


# -- concordance ----------------------------------------------------------------

MAX_SCANNED = 20_000  # documents read for one concordance at most; beyond, counts are estimated


def concordance(
    index: SearchIndex,
    query: str,
    filters: Mapping[str, Any] | None = None,
    width: int = kwic.DEFAULT_WIDTH,
    sort: str = "document",
    page: int = 1,
    per_page: int = 50,
) -> dict[str, Any]:
    """Every occurrence of the query in the matching documents as KWIC lines, sorted and paged."""
    if not query.strip():
        raise QueryError("a concordance needs a query")
    if sort not in kwic.SORTS:
        raise QueryError(f"sort must be one of {', '.join(kwic.SORTS)}")
    if not 1 <= width <= kwic.MAX_WIDTH:
        raise QueryError(f"width must be between 1 and {kwic.MAX_WIDTH}")
    matched = match(index, query, filters)
    order = _ordered(index, matched, "newest")
    searcher = matched.match.searcher
    collected: list[kwic.KwicLine] = []
    wanted = kwic.MAX_LINES if sort != "document" else page * per_page
    scanned = occurrences = 0
    for docnum in read_ahead(searcher, order[:MAX_SCANNED].tolist()):
        lines = kwic.document_lines(searcher.stored_fields(docnum), matched.terms, width)
        scanned += 1
        occurrences += len(lines)
        if len(collected) < wanted:
            collected.extend(lines[: wanted - len(collected)])
        elif sort == "document" and scanned >= kwic.MIN_SCANNED:
            break  # enough for this page; the total is estimated below
    exact = scanned == len(order)
    total_lines = occurrences if exact else round(occurrences / max(scanned, 1) * len(order))
    ordered = kwic.sort_lines(collected, sort)
    first = (page - 1) * per_page
    notes = list(matched.notes)
    if not exact:
        notes.append(f"read {scanned} of {len(order)} documents: the number of lines is an estimate")
    if total_lines > kwic.MAX_LINES:
        notes.append(f"{total_lines} lines in all; at most {kwic.MAX_LINES} are listed")
    return {
        "query": query,
        "filters": matched.filters,
        "sort": sort,
        "width": width,
        "page": page,
        "per_page": per_page,
        "documents": len(order),
        "total_lines": total_lines,
        "total_exact": exact,
        "listed": len(ordered),
        "lines": [line.as_dict() for line in ordered[first : first + per_page]],
        "notes": notes,
    }


# -- distinctive words ----------------------------------------------------------


def distinctive_words(
    index: SearchIndex, query: str, filters: Mapping[str, Any] | None = None, limit: int = 30
) -> dict[str, Any]:
    """Words over-represented in the matching documents against the whole collection.

    Candidates come from an even sample of the matches (``keywords.SAMPLE_DOCUMENTS``);
    the best of them by an estimate are then counted exactly, among the
    matches and in the collection, from the index's posting lists.
    """
    matched = match(index, query, filters)
    docs = np.flatnonzero(matched.final)
    result_size, collection_size = len(docs), int(np.count_nonzero(matched.match.columns.live))
    shown = {"query": query, "filters": matched.filters, "documents": result_size}
    if not result_size:
        return {**shown, "collection_documents": collection_size, "sampled": 0, "keywords": []}
    sample = np.unique(
        docs[np.linspace(0, result_size - 1, min(result_size, keywords.SAMPLE_DOCUMENTS)).astype(int)]
    )
    candidates = _candidates(matched, sample)
    words = _shortlist(
        matched, candidates, len(sample), result_size, collection_size, keywords.SHORTLIST * limit
    )
    in_result, in_collection = _document_counts(matched, words)
    ranked = keywords.rank(words, in_result, result_size, in_collection, collection_size, limit)
    return {**shown, "collection_documents": collection_size, "sampled": len(sample), "keywords": ranked}


def _candidates(matched: Matched, sample: np.ndarray) -> dict[str, int]:
    """Content words of the sampled documents and in how many of them each occurs."""
    searcher = matched.match.searcher
    counted: Counter[str] = Counter()
    for docnum in read_ahead(searcher, sample.tolist()):
        counted.update(distinct_words(searcher.stored_fields(docnum).get("body", "")))
    # Filter the distinct words once, not every occurrence (a third of the time).
    least = min(keywords.MIN_SAMPLE_DF, max(1, len(sample) // 20))
    own = set(matched.words) | set(matched.terms)
    return {
        word: count
        for word, count in counted.items()
        if count >= least and len(word) >= 2 and is_word(word) and not word.isdigit()
        and word not in own and not is_stop_word(word)
    }  # fmt: skip


def _shortlist(matched: Matched, candidates: dict[str, int], sampled: int, result_size: int,
               collection_size: int, length: int) -> list[str]:  # fmt: skip
    """The ``length`` best candidates by an estimate: their share of the sample
    and their document frequency from the term table (no posting list read:
    reading the postings of thousands of candidates took 35 s on 75k articles)."""
    words = list(candidates)
    reader, generation = matched.match.searcher.reader(), matched.match.generation
    estimated = np.array([candidates[word] * result_size / sampled for word in words])
    frequency = np.array([generation.doc_frequency(reader, "body", word) for word in words], dtype=np.float64)
    rest = np.maximum(frequency - estimated, 0)
    rough = keywords.log_likelihood(estimated, result_size, rest, collection_size - result_size)
    return [words[i] for i in np.argsort(-rough, kind="stable")[:length]]


def plain_passage(hit: Mapping[str, Any]) -> str:
    """A hit's first passage as plain text (for feeds and exports)."""
    passages = hit.get("passages")
    if passages:
        return passages[0]["text"]
    import html
    import re

    snippets = hit.get("snippets") or []
    return html.unescape(re.sub(r"</?mark>", "", snippets[0])) if snippets else ""
