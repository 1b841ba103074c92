"""The Flask app of xunwen: ``create_app`` builds it; nothing heavy at import."""

from __future__ import annotations

from typing import Any, Mapping

from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app. Configuration is layered: defaults, then the instance
    file ``instance/config.py`` if present, then ``config`` (tests)."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(INDEX_DIR="index")
    app.config.from_pyfile("config.py", silent=True)
    if config:
        app.config.from_mapping(config)

    @app.get("/")
    def home():
        return "<!doctype html><meta charset=utf-8><title>寻闻</title><h1>寻闻 xunwen</h1>"

    return app
