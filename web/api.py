"""The JSON API: the pages' data dicts as ``{"ok": true, ...}``."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, request

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
