"""The README documents every web endpoint, parameter and setting."""

from __future__ import annotations

import pytest
from conftest import ROOT

from web.params import DATE_PARAMS, FILTER_PARAMS

README = (ROOT / "README.md").read_text(encoding="utf-8")
PARAMETERS = ("q", *FILTER_PARAMS, *DATE_PARAMS, "sort", "page", "per_page", "script")
SETTINGS = ("INDEX_DIR", "PER_PAGE")


def endpoints() -> list[str]:
    from web import create_app

    rules = create_app({"TESTING": True}).url_map.iter_rules()
    return sorted({rule.rule.replace("<path:doc_id>", "<id>") for rule in rules if rule.endpoint != "static"})


@pytest.mark.parametrize("endpoint", endpoints())
def test_every_endpoint_is_documented(endpoint):
    assert f"`{endpoint}" in README or f"`GET {endpoint}" in README


@pytest.mark.parametrize("name", PARAMETERS + SETTINGS)
def test_every_parameter_and_setting_is_documented(name):
    assert f"`{name}`" in README
