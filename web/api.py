"""The JSON API: the pages' data dicts as ``{"ok": true, ...}``."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, request

from search.request import QueryError
from web.data import document_data, search_data
from web.index_store import get_index
from web.params import check_document_id, parse_document_params, parse_search_params

blueprint = Blueprint("api", __name__, url_prefix="/api")


@blueprint.get("/search")
def search():
    """``GET /api/search?q=...``: hits, facets, total and timing."""
    params = parse_search_params(request.args, current_app.config["PER_PAGE"])
    return {"ok": True, **search_data(get_index(), params)}


@blueprint.get("/doc/<path:doc_id>")
def document(doc_id: str):
    """``GET /api/doc/<id>``: one document with its metadata and full text."""
    q, script = parse_document_params(request.args)
    data = document_data(get_index(), check_document_id(doc_id), q, script)
    if data is None:
        abort(404, description=f"no document with id {doc_id!r}")
    return {"ok": True, **data}


@blueprint.get("/suggest")
def suggest():
    """``GET /api/suggest?q=新``: indexed words and places starting with ``q``, with counts."""
    prefix, limit = _suggest_params(request.args)
    return {"ok": True, "query": prefix, "suggestions": get_index().suggest(prefix, limit) if prefix else []}


MAX_SUGGEST_PREFIX = 20
MAX_SUGGEST_LIMIT = 20


def _suggest_params(args) -> tuple[str, int]:
    """The typed prefix and how many completions (``QueryError`` if out of range)."""
    prefix = (args.get("q") or "").strip()
    if len(prefix) > MAX_SUGGEST_PREFIX:
        raise QueryError(f"q is too long: at most {MAX_SUGGEST_PREFIX} characters")
    limit = args.get("limit") or "8"
    if not limit.isdigit() or not 1 <= int(limit) <= MAX_SUGGEST_LIMIT:
        raise QueryError(f"limit must be between 1 and {MAX_SUGGEST_LIMIT}")
    return prefix, int(limit)
