"""Shared fixtures: the seeds, a seeds index built once per session, the corpus."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
CORPUS = ROOT.parent / "shared" / "corpus"


def seed_path(number: str) -> Path:
    """The seed file whose name starts with ``number`` ("000" ... "004")."""
    return next(SEEDS.glob(f"{number}_*.txt"))


def seed_text(number: str) -> str:
    return seed_path(number).read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def seeds_index_dir(tmp_path_factory) -> Path:
    """An index of the five seeds, built once (in-process, to keep it quick)."""
    from search.indexer import index_paths

    folder = tmp_path_factory.mktemp("seeds-index")
    summary = index_paths([SEEDS], folder, procs=1)
    assert summary.indexed == 5, summary.as_dict()
    return folder


@pytest.fixture(scope="session")
def seeds_index(seeds_index_dir):
    from search import open_index

    return open_index(seeds_index_dir)


@pytest.fixture
def corpus() -> Path:
    """The shared corpus folder, or a skip when it is absent."""
    if not CORPUS.exists():
        pytest.skip("../shared/corpus is absent")
    return CORPUS
