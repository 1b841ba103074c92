"""The data dict of each page: the API returns it as JSON, pages render it.

``search_data`` is ``SearchIndex.search``'s dict with the text in the display
script and, when nothing matched, what would (``search.relax``: the same
search with one filter fewer, and other spellings of the query the index has).
"""

from __future__ import annotations

from typing import Any

from search.plan import plan_query
from search.relax import zero_result_help
from search.searcher import SearchIndex
from web.display import document_for_display, hit_for_display, item_labels, label_facets
from web.params import SearchParams

SIMILAR_ARTICLES = 5


def search_data(index: SearchIndex, params: SearchParams) -> dict[str, Any]:
    """One search, ready for JSON or a template (the query parsed and planned once)."""
    plan = plan_query(params.q)
    result = index.search(
        params.q, params.filter_dict(), params.page, params.per_page, params.sort, plan=plan
    )
    sources = index.traditional_sources()
    result["hits"] = [
        _labelled(hit_for_display(hit, params.script), params.script, sources) for hit in result["hits"]
    ]
    result["script"] = params.script
    label_facets(result["facets"], params.script, sources)
    result.update(relaxations=[], suggestions=[])  # always present, filled when nothing matched
    if result["total"] == 0:
        result.update(zero_result_help(index, params.q, params.filters, plan))
    return result


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
        "story": story_data(index, doc_id),
    }


def story_data(index: SearchIndex, doc_id: str) -> dict[str, Any] | None:
    """A document's story of reprints, with ``others``: its members but this one (the lead marked)."""
    story = index.story(doc_id)
    if story is not None:
        story["others"] = [member for member in story["members"] if member["id"] != doc_id]
    return story


def _labelled(item: dict[str, Any], script: str, sources: frozenset[str]) -> dict[str, Any]:
    item["labels"] = item_labels(item, script, sources)
    return item
