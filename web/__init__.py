"""The Flask app of xunwen: ``create_app`` builds it; nothing heavy at import.

The index is opened on the first request that needs it, once per process
(``web.index_store``); pages (``web.pages``) and the JSON API (``web.api``)
read the same data dicts (``web.data``) and share one parameter parser
(``web.params``) and one error handler (``web.errors``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # Flask is imported by create_app: `xunwen search` never loads it (0.2 s)
    from flask import Flask

# Scripts and styles come from /static only: no inline script can run, even
# if some document text escaped the escaping.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


# App config keys of the cache budgets (bytes; defaults and environment
# variables in ``search.engine.generation.CACHE_BUDGETS``).
CACHE_BUDGET_KEYS = {
    "term": "TERM_CACHE_BYTES",
    "verbatim": "VERBATIM_CACHE_BYTES",
    "similar": "SIMILAR_CACHE_BYTES",
}


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. Configuration is layered: defaults, then the instance
    file ``instance/config.py`` if present, then ``config`` (tests, the CLI)."""
    from flask import Flask

    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(INDEX_DIR="index", PER_PAGE=10)
    app.config.from_pyfile("config.py", silent=True)
    if config:
        app.config.from_mapping(config)
    app.json.ensure_ascii = False  # Chinese stays readable in the JSON
    app.json.sort_keys = False

    from web import analysis, api, errors, index_store, pages

    budgets = {name: app.config[key] for name, key in CACHE_BUDGET_KEYS.items() if key in app.config}
    if budgets:
        from search.searcher import set_cache_budgets

        set_cache_budgets(**budgets)  # per process: caches belong to the process's open index
    index_store.init_app(app)
    errors.init_app(app)
    app.register_blueprint(pages.blueprint)
    app.register_blueprint(api.blueprint)
    app.register_blueprint(analysis.blueprint)

    @app.after_request
    def add_security_headers(response):
        for name, value in SECURITY_HEADERS.items():
            response.headers.setdefault(name, value)
        return response

    return app
