"""The HTML pages: the search page (``/``, ``/search``) and the document page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request

from web.data import document_data, search_data
from web.index_store import get_index
from web.params import check_document_id, parse_document_params, parse_search_params
from web.view import document_view, search_view

blueprint = Blueprint("pages", __name__)


@blueprint.get("/")
@blueprint.get("/search")
def search():
    """Results for the URL's query and filters; without either, the newest documents."""
    params = parse_search_params(request.args, current_app.config["PER_PAGE"])
    data = search_data(get_index(), params)
    view = search_view(data, params)
    return render_template(
        "search.html", data=data, view=view, search_text=params.q, form_fields=view["form_fields"]
    )


@blueprint.get("/doc/<path:doc_id>")
def document(doc_id: str):
    """One document: the full text with the query marked, its metadata, similar articles."""
    q, script = parse_document_params(request.args)
    data = document_data(get_index(), check_document_id(doc_id), q, script)
    if data is None:
        abort(404, description=f"没有这篇文档：{doc_id}")
    carried = [("script", script)] if script != "original" else []
    return render_template(
        "document.html", data=data, view=document_view(data), search_text=q, form_fields=carried
    )
