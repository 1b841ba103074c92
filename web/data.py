"""The data dict of each page: the API returns it as JSON, pages render it.

``search_data`` is ``SearchIndex.search``'s dict with the text in the display
script and, when nothing matched, what would: the same search with one
filter fewer, and other spellings of the query the index has.
"""

from __future__ import annotations

from typing import Any

from search.normalize import convert_for_display
from search.plan import MatchPlan, plan_query
from search.searcher import SearchIndex
from web.display import document_for_display, hit_for_display
from web.params import SearchParams, remove_filter

MAX_REPRINTS_LISTED = 20  # under a collapsed hit; the document page lists them all
MAX_RELAXATIONS = 10
MAX_SUGGESTIONS = 5
SIMILAR_ARTICLES = 5


def search_data(index: SearchIndex, params: SearchParams) -> dict[str, Any]:
    """One search, ready for JSON or a template (the query parsed and planned once)."""
    plan = plan_query(params.q)
    result = index.search(
        params.q, params.filter_dict(), params.page, params.per_page, params.sort, plan=plan,
        collapse=params.collapse, count=params.count,
    )  # fmt: skip
    result["hits"] = [hit_for_display(hit, params.script) for hit in result["hits"]]
    if params.collapse == "story":
        for hit in result["hits"]:
            hit["reprints"] = reprints(index, hit, params.script)
    result["script"] = params.script
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
    similar = [hit_for_display(hit, script) for hit in index.similar(doc_id, limit=SIMILAR_ARTICLES)]
    return {
        "query": q,
        "script": script,
        "document": document_for_display(document, script),
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
