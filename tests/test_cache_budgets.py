"""Cache budgets: bytes, settable per process from the environment or the app config."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT, SEEDS

from search.engine.generation import cache_budget
from search.searcher import CACHE_BUDGETS, set_cache_budgets
from web import create_app

QUERIES = ["新乡", "河南 农业", '"新乡市"', "新鄉 OR 鄭州"]


@pytest.fixture(autouse=True)
def kept_budgets():
    saved = dict(CACHE_BUDGETS)
    yield
    CACHE_BUDGETS.clear()
    CACHE_BUDGETS.update(saved)


def _generation_after_searches(tmp_path):
    from search import open_index
    from search.indexer import index_paths

    index_paths([SEEDS], tmp_path / "ix", procs=1)
    index = open_index(tmp_path / "ix")
    for query in QUERIES:
        index.search(query)
    return index._generation(index._searcher())


def test_defaults_are_named_byte_budgets_that_grow_with_the_collection():
    assert CACHE_BUDGETS == {}  # nothing set: every cache takes its default
    small = {name: cache_budget(name, 75_000) for name in ("term", "verbatim", "similar")}
    assert small == {"term": 32 << 20, "verbatim": 16 << 20, "similar": 4 << 20}
    large = {name: cache_budget(name, 1_000_000) for name in ("term", "verbatim", "similar")}
    assert large == {"term": 256_000_000, "verbatim": 32_000_000, "similar": 4 << 20}
    set_cache_budgets(term=1000)
    assert cache_budget("term", 1_000_000) == 1000  # a budget set is fixed


def test_a_generation_takes_its_budgets_from_its_size(tmp_path):
    generation = _generation_after_searches(tmp_path)
    assert generation.terms.budget == cache_budget("term", generation.columns.size) == 32 << 20


def test_the_term_cache_counts_bytes_of_posting_arrays_within_its_budget(tmp_path):
    set_cache_budgets(term=600)
    generation = _generation_after_searches(tmp_path)
    held = list(generation.terms._items.values())
    # Postings (documents and weights), and the scores of a scored field's postings.
    sizes = [
        item.nbytes if hasattr(item, "nbytes") else item.docs.nbytes + item.weights.nbytes for item in held
    ]
    assert held and generation.terms.used == sum(sizes) <= 600


def test_a_zero_budget_caches_nothing(tmp_path):
    cached = _generation_after_searches(tmp_path / "a")
    set_cache_budgets(term=0, verbatim=0)
    uncached = _generation_after_searches(tmp_path / "b")
    assert cached.terms.used > 0 and uncached.terms.used == 0 and uncached.verbatim.used == 0


def test_the_app_config_sets_the_budgets():
    create_app({"TERM_CACHE_BYTES": 1 << 20, "SIMILAR_CACHE_BYTES": 1000})
    assert CACHE_BUDGETS == {"term": 1 << 20, "similar": 1000}
    assert cache_budget("verbatim", 1000) == 16 << 20


@pytest.mark.parametrize(
    ("budgets", "message"),
    [
        ({"term": -1}, "cache budgets are bytes"),
        ({"terms": 10}, "cache budgets are bytes"),
        ({"term": "1MB"}, "bytes"),
    ],
)
def test_bad_budgets_are_refused(budgets, message):
    with pytest.raises(ValueError, match=message):
        set_cache_budgets(**budgets)


def test_the_environment_sets_a_budget_and_a_bad_value_is_named():
    probe = "from search.searcher import CACHE_BUDGETS; print(CACHE_BUDGETS['verbatim'])"
    env = {"PYTHONPATH": str(ROOT), "XUNWEN_VERBATIM_CACHE_BYTES": "12345"}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, env=env)
    assert done.stdout.strip() == "12345"
    env["XUNWEN_VERBATIM_CACHE_BYTES"] = "16MB"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=ROOT, env=env)
    assert "XUNWEN_VERBATIM_CACHE_BYTES must be a number of bytes, not '16MB'" in done.stderr
