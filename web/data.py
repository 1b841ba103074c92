"""The data dict of each page: the API returns it as JSON, pages render it.

``search_data`` is ``SearchIndex.search``'s dict with the text in the display
script and, when nothing matched, what would (``search.relax``: the same
search with one filter fewer, and other spellings of the query the index has).
"""

from __future__ import annotations

from typing import Any

from search.normalize import convert_for_display
from search.plan import plan_query
from search.relax import zero_result_help
from search.searcher import SearchIndex
from web.display import document_for_display, hit_for_display, item_labels, label_facets
from web.params import SearchParams

MAX_REPRINTS_LISTED = 20  # under a collapsed hit; the document page lists them all
SIMILAR_ARTICLES = 5


def search_data(index: SearchIndex, params: SearchParams) -> dict[str, Any]:
    """One search, ready for JSON or a template (the query parsed and planned once)."""
    plan = plan_query(params.q)
    result = index.search(
        params.q, params.filter_dict(), params.page, params.per_page, params.sort, plan=plan,
        collapse=params.collapse, count=params.count,
    )  # fmt: skip
    sources = index.traditional_sources()
    result["hits"] = [
        _labelled(hit_for_display(hit, params.script), params.script, sources) for hit in result["hits"]
    ]
    if params.collapse == "story":
        for hit in result["hits"]:
            hit["reprints"] = reprints(index, hit, params.script)
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


def reprints(index: SearchIndex, hit: dict[str, Any], script: str) -> list[dict[str, Any]]:
    """The other members of a hit's story (lead first, then by date), at most ``MAX_REPRINTS_LISTED``."""
    if hit.get("story_size", 1) < 2:
        return []
    story = story_data(index, hit["id"]) or {"others": []}
    return [
        dict(member, title=convert_for_display(member["title"], script))
        for member in story["others"][:MAX_REPRINTS_LISTED]
    ]


def story_data(index: SearchIndex, doc_id: str) -> dict[str, Any] | None:
    """A document's story of reprints, with ``others``: its members but this one (the lead marked)."""
    story = index.story(doc_id)
    if story is not None:
        story["others"] = [member for member in story["members"] if member["id"] != doc_id]
    return story


def _labelled(item: dict[str, Any], script: str, sources: frozenset[str]) -> dict[str, Any]:
    item["labels"] = item_labels(item, script, sources)
    return item
