"""The one error handler: ``{"ok": false, "error", "status"}`` for the API,
an error page otherwise, and never a traceback for the client.

Bad parameters (``QueryError``) are 400s; a missing, deleted or damaged
index is a 503 (damage found in the middle of a search too: ``damage_of``) (the server's state, not the client's fault: it lasts until
the index is built again); anything unexpected is logged here and answered
with a bare 500.
"""

from __future__ import annotations

from flask import Flask, current_app, render_template, request
from werkzeug.exceptions import HTTPException

from search.engine.health import IndexDamaged, IndexMissing, damage_of
from search.request import QueryError
from web.index_store import IndexUnavailable
from web.messages import error_code

TITLES = {
    400: "请求参数有误",
    404: "找不到页面",
    405: "不支持的请求方法",
    503: "索引尚未建立",
    500: "服务器出错",
}


def wants_json() -> bool:
    return request.path == "/api" or request.path.startswith("/api/")


def error_response(status: int, message: str, title: str | None = None):
    """The response for every error, in the one JSON shape or as a page."""
    title = title or TITLES.get(status, "出错了")
    if wants_json():
        return {"ok": False, "error": message, "status": status, "code": error_code(status, message)}, status
    try:
        page = render_template("error.html", status=status, title=title, message=message)
    except Exception:  # a broken template must not hide the error itself
        current_app.logger.exception("error page failed")
        return f"{status} {title}", status, {"Content-Type": "text/plain; charset=utf-8"}
    return page, status


DEFAULT_MESSAGES = {404: "这个地址没有内容。", 405: "这个地址不接受这种请求。"}


def _http_error(error: HTTPException):
    status = error.code or 500
    message = error.description or error.name
    if message == type(error).description and not wants_json():  # Werkzeug's English default
        message = DEFAULT_MESSAGES.get(status, error.name)
    return error_response(status, message)


def _query_error(error: QueryError):
    return error_response(400, str(error))


def _index_unavailable(error: IndexUnavailable):
    return error_response(503, str(error))


def _index_missing(error: IndexMissing):
    return error_response(503, "the index is not there (deleted, or not built yet)")


def _index_damaged(error: IndexDamaged):
    current_app.logger.error("%s", error)
    return error_response(503, "the index is damaged and must be rebuilt", title="索引已损坏，需要重建")


def _unexpected(error: Exception):
    damage = damage_of(error, current_app.config.get("INDEX_DIR", "?"))
    if damage is not None:  # a file that broke after opening: the same 503 as at opening
        return _index_damaged(damage)
    current_app.logger.exception("unexpected error on %s", request.path)
    return error_response(500, "internal error")


def init_app(app: Flask) -> None:
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(QueryError, _query_error)
    app.register_error_handler(IndexUnavailable, _index_unavailable)
    app.register_error_handler(IndexMissing, _index_missing)
    app.register_error_handler(IndexDamaged, _index_damaged)
    app.register_error_handler(Exception, _unexpected)
