"""The HTML pages: the search page (``/``, ``/search``) and the document page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, render_template, request

from web.data import document_data, search_data
from web.index_store import get_index
from web.params import check_document_id, parse_search_params
from web.view import document_view, search_view

blueprint = Blueprint("pages", __name__)


@blueprint.get("/")
@blueprint.get("/search")
def search():
    """Results for the URL's query and filters; without either, the newest documents.
    Reprints are collapsed, one hit per story, unless the URL says ``collapse=none``."""
    params = parse_search_params(request.args, current_app.config["PER_PAGE"], default_collapse="story")
    data = search_data(get_index(), params)
    view = search_view(data, params)
    return render_template(
        "search.html", data=data, view=view, search_text=params.q, form_fields=view["form_fields"]
    )


@blueprint.get("/doc/<path:doc_id>")
def document(doc_id: str):
    """One document: the full text with the query marked, its metadata, similar articles."""
    # The page's URL carries the search the reader came from (validated like
    # any search), so that "返回搜索" and every link here keep it.
    came_from = parse_search_params(request.args, current_app.config["PER_PAGE"], default_collapse="story")
    data = document_data(get_index(), check_document_id(doc_id), came_from.q, came_from.script)
    if data is None:
        abort(404, description=f"没有这篇文档：{doc_id}")
    carried = [("script", came_from.script)] if came_from.script != "original" else []
    return render_template(
        "document.html", data=data, view=document_view(data, came_from), search_text=came_from.q,
        form_fields=carried,
    )  # fmt: skip


@blueprint.get("/help")
def help_page():
    """The query syntax and the keyboard keys, on one short page."""
    from web.syntax_help import KEYS, QUERY_SYNTAX

    return render_template("help.html", syntax=QUERY_SYNTAX, keys=KEYS)


@blueprint.app_template_filter("error_text")
def error_text(message: str, status: int) -> str:
    """An error's message as the page says it, in Chinese (``web.messages``)."""
    from web.messages import page_text

    return page_text(status, message)
