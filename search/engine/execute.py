"""Running a ``MatchPlan``: masks of the documents it matches, verbatim checks
against the stored text, filters as masks, and documents in ranked order.

Matching is done as sets: each clause's documents become a boolean mask over
document numbers, filters are masks from the facet columns, and the result is
their combination. Scores are Whoosh's own (BM25F), computed over whole
posting lists in NumPy; where the scoring query has phrases, NumPy estimates
choose the best few and Whoosh scores those exactly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
from whoosh import query as wq

from search.engine.columns import FacetColumns, StoryColumn
from search.engine.evaluate import Evaluation, best, top
from search.engine.generation import Generation
from search.engine.stored import documents_holding, documents_meeting
from search.plan import ClausePlan, ConditionPlan, MatchPlan
from search.request import REGION_LEVELS

# Scores of this many best matches (at least) are recomputed by Whoosh itself.
RESCORED = 40
# Deeper pages than this many ranks are ordered by the NumPy scores alone.
MAX_RESCORED = 2000
# A document holding an exact text of the query (``MatchPlan.exact``) scores this
# much more: above any scattered match of the same words (BM25 scores of a
# short query stay far below it). The best this many candidates are read for it.
EXACT_BONUS = 100.0
EXACT_CHECKED = 500
SIMILAR_TERMS = 20  # key terms of an article that find articles like it
SIMILAR_COMMON_FLOOR = 100  # a word in fewer documents than this is never too common


@dataclass
class Match:
    """What matching produced, for ranking, counting and facets."""

    searcher: Any
    generation: Generation
    plan: MatchPlan
    filters: dict[str, list[str]]
    matched: np.ndarray  # bool per document: the query alone
    filter_masks: dict[str, np.ndarray]  # filter name -> bool per document
    final: np.ndarray  # the query and every filter
    # Natural language: the documents matching every one of its words (filters aside).
    every_word: np.ndarray | None = None

    @property
    def columns(self) -> FacetColumns:
        return self.generation.columns


# -- matching ----------------------------------------------------------------


def query_mask(evaluation: Evaluation, plan: MatchPlan) -> np.ndarray:
    """The live documents the plan's query matches (filters aside)."""
    return query_masks(evaluation, plan)[0]


def query_masks(evaluation: Evaluation, plan: MatchPlan) -> tuple[np.ndarray, np.ndarray | None]:
    """``query_mask``, and for natural language the live documents matching
    every one of its words (from the same word masks: ``all_words_total``)."""
    mask = evaluation.generation.columns.live.copy()
    if plan.parsed.unsearchable:  # text typed, none of it searchable (。。, "", ()): nothing
        return np.zeros_like(mask), None
    if plan.long_words is not None:
        matched = np.zeros(evaluation.size, dtype=np.int32)
        for word in plan.long_words:
            matched += clause_mask(evaluation, word)
        return mask & (matched >= plan.min_match), mask & (matched == len(plan.long_words))
    return _keyword_mask(evaluation, plan, mask), None


def _keyword_mask(evaluation: Evaluation, plan: MatchPlan, mask: np.ndarray) -> np.ndarray:
    # (clause, mask, unchecked) for every clause. Quoted texts are checked
    # against the stored texts of the documents the rest of the query
    # allows, all at once: however many a query has, no document is read
    # twice. The checks narrow the masks in place.
    groups = [[(c, *clause_candidates(evaluation, c)) for c in group] for group in plan.groups]
    excluded = [(c, *clause_candidates(evaluation, c)) for c in plan.excluded]
    possible = mask.copy()
    for group in groups:
        possible &= np.logical_or.reduce([candidates for _, candidates, _ in group])
    every = [*(entry for group in groups for entry in group), *excluded]
    pending = [(clause, candidates) for clause, candidates, unchecked in every if unchecked]
    if pending:
        check_verbatim(evaluation, pending, possible)
    for group in groups:
        mask &= np.logical_or.reduce([candidates for _, candidates, _ in group])
    for _, candidates, _ in excluded:
        mask &= ~candidates
    for condition in plan.conditions:  # proximity and frequency: on what the rest allows
        mask &= condition_mask(evaluation, condition, mask)
    return mask


def condition_mask(evaluation: Evaluation, condition: ConditionPlan, possible: np.ndarray) -> np.ndarray:
    """The documents of ``possible`` that meet a proximity or frequency condition.

    Meeting one means reading the candidates' stored text; a result computed
    over every candidate (nothing else in the query narrowed it) is kept for
    the index generation, like a quoted text's."""
    key = ("condition", condition.condition.kind, condition.needles, condition.condition.number)
    cached = evaluation.generation.verbatim.get(key)
    if cached is not None:
        return cached & possible
    candidates = np.ones(evaluation.size, dtype=bool)
    for part in condition.parts:
        candidates &= clause_mask(evaluation, part)
    complete = not np.count_nonzero(candidates & ~possible)
    candidates &= possible
    met = np.zeros(evaluation.size, dtype=bool)
    met[documents_meeting(evaluation.searcher, condition.condition, condition.needles, candidates)] = True
    if complete:
        evaluation.generation.verbatim.put(key, met.copy())
    return met


def clause_mask(evaluation: Evaluation, clause: ClausePlan) -> np.ndarray:
    """The documents one clause matches (a quoted text checked against the texts)."""
    mask, unchecked = clause_candidates(evaluation, clause)
    if unchecked:
        check_verbatim(evaluation, [(clause, mask)], mask.copy())
    return mask


def clause_candidates(evaluation: Evaluation, clause: ClausePlan) -> tuple[np.ndarray, bool]:
    """The documents a clause matches, or for a quoted text not yet known,
    those that may hold it and True: they still need checking against their
    stored text."""
    if clause.cached:
        cached = evaluation.generation.verbatim.get(clause.key)
        if cached is not None:
            return cached.copy(), False
    return evaluation.mask(clause.match), clause.check


def check_verbatim(
    evaluation: Evaluation, pending: list[tuple[ClausePlan, np.ndarray]], possible: np.ndarray
) -> None:
    """Narrow each quoted text's candidates (in place) to the documents
    holding it, checking only those the whole query can still match, each
    document read once for all the texts. A result checked over all its
    candidates is kept for the index generation."""
    by_key: dict[tuple, list[np.ndarray]] = {}  # a text quoted twice is checked once
    plans: dict[tuple, ClausePlan] = {}
    for clause, candidates in pending:
        by_key.setdefault(clause.key, []).append(candidates)
        plans[clause.key] = clause
    keys = list(by_key)
    # A document holding the text as a word (or sub-word) token holds it
    # verbatim: only the other candidates need their stored text read.
    # ("新闻联播" quoted: 75,000 documents read before, a handful now.)
    held = [evaluation.mask(plans[key].held) for key in keys]
    checked = np.array([by_key[key][0] & possible & ~sure for key, sure in zip(keys, held, strict=True)])
    holders = documents_holding(evaluation.searcher, [plans[key].needle_check for key in keys], checked)
    for key, row, kept, sure in zip(keys, checked, holders, held, strict=True):
        masks = by_key[key]
        complete = np.count_nonzero(row) == np.count_nonzero(masks[0] & ~sure)
        for candidates in masks:
            candidates &= sure
            candidates[kept] = True
        if complete:
            evaluation.generation.verbatim.put(key, masks[0].copy())


def all_words_total(match: Match) -> int | None:
    """For a natural-language query, how many of its matches (filters
    applied) match every one of its words, from the same word masks its
    loose match counts (``query_masks``); None for a query whose matches all do."""
    if match.every_word is None:
        return None
    return int(np.count_nonzero(match.final & match.every_word))


def filter_masks(filters: Mapping[str, list[str]], columns: FacetColumns) -> dict[str, np.ndarray]:
    """A mask per filter (``region``: any level; the dates: one mask)."""
    masks = {}
    for name, values in filters.items():
        if name in ("date_from", "date_to"):
            continue
        if name == "region":  # any level: OR of the levels' masks
            masks[name] = np.logical_or.reduce(
                [columns.columns[level].mask(values) for level in REGION_LEVELS]
            )
        else:
            masks[name] = columns.columns[name].mask(values)
    if "date_from" in filters or "date_to" in filters:
        masks["date"] = columns.date_mask(
            filters.get("date_from", [None])[0], filters.get("date_to", [None])[0]
        )
    return masks


# -- ranking -----------------------------------------------------------------


def page_docnums(
    match: Match, sort: str, page: int, per_page: int, stories: StoryColumn | None = None
) -> list[int]:
    """The document numbers of one page of the matches, in ``sort`` order;
    with ``stories``, one per story: the member that ranks first."""
    first = (page - 1) * per_page
    candidates = np.flatnonzero(match.final)
    if first >= len(candidates):
        return []
    if sort in ("newest", "oldest"):
        dates = match.columns.dates[candidates]
        if sort == "newest":
            order = np.lexsort((candidates, -dates))
        else:  # undated documents last, not first
            order = np.lexsort((candidates, np.where(dates > 0, dates, np.iinfo(np.int64).max)))
        ordered = candidates[order]
        if stories is not None:
            ordered = stories.first_of_each(ordered)
        return [int(d) for d in ordered[first : first + per_page]]
    if stories is not None:
        return rank_stories(match, candidates, stories, first + per_page)[first : first + per_page]
    ranked = rank(match, candidates, first + per_page)
    return ranked[first : first + per_page]


def rank_stories(match: Match, candidates: np.ndarray, stories: StoryColumn, wanted: int) -> list[int]:
    """The best-ranked member of each of the ``wanted`` best stories: the
    ranked documents with later members of a story left out. Ranks more
    documents (doubling) until ``wanted`` stories are among them."""
    wanted = min(wanted, stories.distinct(match.final))
    depth = wanted
    while True:
        ranked = np.array(rank(match, candidates, depth), dtype=np.int64)
        leaders = stories.first_of_each(ranked) if len(ranked) else ranked
        if len(leaders) >= wanted or depth >= len(candidates):
            return [int(d) for d in leaders[:wanted]]
        depth = min(len(candidates), depth * 2)


def rank(match: Match, candidates: np.ndarray, wanted: int) -> list[int]:
    """The ``wanted`` best of ``candidates`` (ascending) by relevance, ties
    by document number as in Whoosh. Scores are Whoosh's own; where the
    query has phrases, NumPy estimates choose the best few and those are
    scored exactly."""
    query = match.plan.scoring
    evaluation = Evaluation(match.generation, match.searcher)
    scores = evaluation.scores(query)[candidates]
    bonus = exact_bonus(evaluation, match.plan, candidates, scores)
    scores += bonus
    if not evaluation.exact and wanted <= MAX_RESCORED:
        count = min(len(candidates), max(RESCORED, 2 * wanted))
        chosen = np.sort(best(scores, count))
        candidates, bonus = candidates[chosen], bonus[chosen]
        scores = evaluation.scores(query, candidates) + bonus
    return top(candidates, scores, wanted)


def exact_bonus(
    evaluation: Evaluation, plan: MatchPlan, candidates: np.ndarray, scores: np.ndarray
) -> np.ndarray:
    """``EXACT_BONUS`` for each of the plan's exact texts a candidate holds
    verbatim: a keyword query's words adjacent and in order rank above the
    same words scattered. Of the candidates that may hold a text, the
    ``EXACT_CHECKED`` best-scored are read (those not read before: what was
    read is kept for the index generation)."""
    bonus = np.zeros(len(candidates))
    for text in plan.exact:
        holders = exact_holders(evaluation, text, candidates, scores)
        bonus += holders[candidates] * EXACT_BONUS
    return bonus


def exact_holders(
    evaluation: Evaluation, text: ClausePlan, candidates: np.ndarray, scores: np.ndarray
) -> np.ndarray:
    """The documents known to hold ``text`` verbatim, once the ``EXACT_CHECKED``
    best-``scores`` of ``candidates`` that may hold it have been read."""
    cache = evaluation.generation.verbatim
    complete = cache.get(text.key)
    if complete is not None:
        return complete
    known = cache.get(("exact", *text.key))
    possible = evaluation.mask(text.match)
    if known is None:
        sure = evaluation.mask(text.held) & possible
        known = (sure, sure.copy())  # (holders, read or sure): only ever gain documents
        cache.put(("exact", *text.key), known)
    holders, settled = known  # grown in place: other searches see what this one read
    # The best-scored candidates that may hold it; those not read before are read.
    inside = np.flatnonzero(possible[candidates])
    inside = inside[np.argsort(-scores[inside], kind="stable")[:EXACT_CHECKED]]
    inside = inside[~settled[candidates[inside]]]
    if len(inside):
        reading = np.zeros((1, evaluation.size), dtype=bool)
        reading[0, candidates[inside]] = True
        (kept,) = documents_holding(evaluation.searcher, [text.needle_check], reading)
        holders[kept] = True
        settled[candidates[inside]] = True
    if not np.any(possible & ~settled):
        cache.put(text.key, holders.copy())
    return holders


def similar_docnums(searcher, generation: Generation, docnum: int, limit: int) -> list[int]:
    """The ``limit`` articles most like ``docnum`` (Whoosh's more-like-this, in NumPy)."""
    body = searcher.stored_fields(docnum).get("body", "")
    # What Whoosh's more_like does (its key terms, their weights as boosts),
    # scored in NumPy: the same articles, several times faster. Words in
    # more than a tenth of all documents (of a collection big enough to
    # tell) are left out: in a short article
    # a broadcast's standing opening (央视网消息, 新闻联播) ranks among its
    # key terms, says nothing about the subject, and its posting lists are
    # the longest there are (a second per page on 75k articles).
    key_terms = searcher.key_terms_from_text("body", body, numterms=SIMILAR_TERMS * 2, normalize=False)
    most = max(SIMILAR_COMMON_FLOOR, searcher.doc_count_all() // 10)
    key_terms = [(word, weight) for word, weight in key_terms if searcher.doc_frequency("body", word) <= most]
    if not key_terms:
        return []
    query = wq.Or([wq.Term("body", word, boost=weight) for word, weight in key_terms[:SIMILAR_TERMS]])
    scores = Evaluation(generation, searcher).scores(query)
    scores[~generation.columns.live] = 0.0
    scores[docnum] = 0.0
    candidates = np.flatnonzero(scores > 0)
    return top(candidates, scores[candidates], limit)


def words_starting(reader, prefix: str, limit: int = 5) -> list[str]:
    """Indexed body words starting with ``prefix``, most frequent first (of the first 50)."""
    close = [term.decode("utf-8") for term in reader.expand_prefix("body", prefix)][:50]
    close.sort(key=lambda word: -reader.doc_frequency("body", word))
    return close[:limit]
