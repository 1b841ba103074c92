"""The data dict of each page: the API returns it as JSON, pages render it.

``search_data`` is ``SearchIndex.search``'s dict with the text in the display
script and, when nothing matched, what would: the same search with one
filter fewer, and other spellings of the query the index has.
"""

from __future__ import annotations

from typing import Any

from search.plan import MatchPlan, plan_query
from search.searcher import SearchIndex
from web.display import document_for_display, hit_for_display, item_labels, label_facets
from web.params import SearchParams, remove_filter

MAX_RELAXATIONS = 10
MAX_SUGGESTIONS = 5
SIMILAR_ARTICLES = 5


def search_data(index: SearchIndex, params: SearchParams) -> dict[str, Any]:
    """One search, ready for JSON or a template (the query parsed and planned once)."""
    plan = plan_query(params.q)
    result = index.search(
        params.q, params.filter_dict(), params.page, params.per_page, params.sort, plan=plan
    )
    sources = index.traditional_sources()
    result["hits"] = [_labelled(hit_for_display(hit, params.script), params.script, sources) for hit in result["hits"]]
    result["script"] = params.script
    label_facets(result["facets"], params.script, sources)
    if result["total"] == 0:
        result["relaxations"] = relaxations(index, params, plan)
        result["suggestions"] = suggestions(index, params, plan)
    return result


def relaxations(
    index: SearchIndex, params: SearchParams, plan: MatchPlan | None = None
) -> list[dict[str, Any]]:
    """For each filter of a search that found nothing: how many it finds without it."""
    dropped: list[tuple[str | None, str | None]] = list(params.filters[:MAX_RELAXATIONS])
    filter_sets = [remove_filter(params, name, value).filter_dict() for name, value in dropped]
    if len(params.filters) > 1:
        dropped.append((None, None))  # every filter dropped
        filter_sets.append({})
    totals = index.counts(params.q, filter_sets, plan=plan)  # the query is matched once
    return [
        {"name": name, "value": value, "total": total}
        for (name, value), total in zip(dropped, totals, strict=True)
    ]


def suggestions(
    index: SearchIndex, params: SearchParams, plan: MatchPlan | None = None
) -> list[dict[str, Any]]:
    """The query in the other script and close indexed words, where they find something."""
    if not params.q:
        return []
    found = []
    for query in index.suggestions(params.q, plan=plan):
        total = index.count(query, params.filter_dict())
        if total:
            found.append({"query": query, "total": total})
        if len(found) == MAX_SUGGESTIONS:
            break
    return found


def document_data(
    index: SearchIndex, doc_id: str, q: str = "", script: str = "original"
) -> dict[str, Any] | None:
    """A document with the query marked, and articles like it; None if unknown."""
    document = index.document(doc_id, q)
    if document is None:
        return None
    sources = index.traditional_sources()
    similar = [
        _labelled(hit_for_display(hit, script), script, sources)
        for hit in index.similar(doc_id, limit=SIMILAR_ARTICLES)
    ]
    return {
        "query": q,
        "script": script,
        "document": _labelled(document_for_display(document, script), script, sources),
        "similar": similar,
    }


def _labelled(item: dict[str, Any], script: str, sources: frozenset[str]) -> dict[str, Any]:
    item["labels"] = item_labels(item, script, sources)
    return item
