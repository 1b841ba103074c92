"""The scale harness: the generated corpus, the benchmark's figures and plots, reading in place.

Small sizes only (a few thousand generated articles, indexes of a few hundred):
the large runs are ``bench/bench_scale.py --sizes 75000,300000`` (README, Benchmarks).
"""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from collections import Counter, defaultdict
from itertools import combinations
from pathlib import Path

import pytest
from conftest import CORPUS, ROOT, SEEDS

sys.path.insert(0, str(ROOT / "bench"))

import bench_scale  # noqa: E402
from make_corpus import MIN_PARAGRAPH, PARAGRAPHS, generate, read_pools, write_corpus  # noqa: E402

pytestmark = pytest.mark.corpus
GENERATED = 3000


@pytest.fixture(scope="module")
def source() -> Path:
    path = Path(os.environ.get("XUNWEN_CORPUS", CORPUS)) / "xwlb.jsonl.gz"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    return path


@pytest.fixture(scope="module")
def pools(source):
    return read_pools(source)


@pytest.fixture(scope="module")
def articles(pools) -> list[dict]:
    return list(generate(pools, GENERATED, seed=16))


@pytest.fixture(scope="module")
def source_years(source) -> dict[str, set[int]]:
    """Ground truth by a plain scan: every paragraph of the source and the years it appears in."""
    years: dict[str, set[int]] = defaultdict(set)
    with gzip.open(source, "rt", encoding="utf-8") as lines:
        for line in lines:
            article = json.loads(line)
            for paragraph in article["content"].split("\n"):
                years[paragraph.strip()].add(int(article["date"][:4]))
    return years


def test_the_same_seed_gives_the_same_file_and_another_seed_another_corpus(pools, articles, source, tmp_path):
    assert list(generate(pools, GENERATED, seed=16)) == articles
    assert [a["content"] for a in generate(pools, 100, seed=17)] != [a["content"] for a in articles[:100]]
    first = write_corpus(300, tmp_path / "a.jsonl.gz", source, 16)
    second = write_corpus(300, tmp_path / "b.jsonl.gz", source, 16)
    assert first.read_bytes() == second.read_bytes()
    with gzip.open(first, "rt", encoding="utf-8") as lines:
        assert [json.loads(line) for line in lines] == articles[:300]


def test_generated_articles_are_real_paragraphs_of_their_year_without_duplicates(articles, source_years):
    assert len(articles) == GENERATED == len({a["id"] for a in articles})
    assert len({a["content"] for a in articles}) == GENERATED  # no exact duplicates
    article_paragraphs = [a["content"].split("\n") for a in articles]
    for article, paragraphs in zip(articles, article_paragraphs, strict=True):
        assert PARAGRAPHS[0] <= len(paragraphs) <= PARAGRAPHS[1] and article["title"]
        year = int(article["date"][:4])
        assert all(len(p) >= MIN_PARAGRAPH and year in source_years[p] for p in paragraphs)
    # No near duplicates: no pair of paragraphs is in two articles, so two
    # articles share at most one paragraph.
    pairs = Counter(pair for paragraphs in article_paragraphs for pair in combinations(sorted(paragraphs), 2))
    assert pairs.most_common(1)[0][1] == 1
    shared = Counter(p for paragraphs in article_paragraphs for p in paragraphs)
    assert max(shared.values()) < 10  # a paragraph is reused only a few times at this size


@pytest.fixture(scope="module")
def harness_run(source, tmp_path_factory):
    work = tmp_path_factory.mktemp("scale")
    status = bench_scale.main(
        ["--sizes", "150,300", "--rounds", "1", "--source", str(source), "--work-dir", str(work / "work"),
         "--out-dir", str(work / "out"), "--keep-index"]
    )  # fmt: skip
    assert status == 0
    return work


def test_the_harness_measures_every_figure_for_every_size_and_plots_them(harness_run):
    results = json.loads((harness_run / "out" / "scale.json").read_text())
    assert sorted(results, key=int) == ["150", "300"]
    for count, figures in results.items():
        assert figures["indexed"] == int(count)
        measured = set(bench_scale.FIGURES) - bench_scale.OPTIONAL_FIGURES
        assert all(figures[name] > 0 for name in measured), figures
        assert figures["postings_per_article"] > figures["postings_by_field"]["body"] > 50
        assert figures["export_rows"] == int(count) and figures["export_mb"] > 0
    assert results["300"]["index_mb"] > results["150"]["index_mb"]
    for name in set(bench_scale.FIGURES) - bench_scale.OPTIONAL_FIGURES:
        assert (harness_run / "out" / f"scale-{name}.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_kept_index_is_measured_again_without_being_built(harness_run, source):
    store = harness_run / "out" / "scale.json"
    built = json.loads(store.read_text())["300"]
    status = bench_scale.main(
        ["--sizes", "300", "--rounds", "1", "--source", str(source), "--work-dir", str(harness_run / "work"),
         "--out-dir", str(harness_run / "out"), "--reuse-index"]
    )  # fmt: skip
    again = json.loads(store.read_text())["300"]
    assert status == 0 and again["index_reused"] is True
    assert again["index_seconds"] == built["index_seconds"] and again["startup_seconds"] > 0


# Searches a small index first (jieba, OpenCC and the gazetteer loaded), then
# opens the index, searches it and reads every stored document: the anonymous
# memory that gains, against the index's size. The term cache is off:
# postings arrays are computation, not copies of the index.
READ_PROBE = """
import os, sys, tempfile
os.environ["XUNWEN_TERM_CACHE_BYTES"] = "0"
from search import open_index
from search.indexer import index_paths

def anonymous():
    for line in open("/proc/self/smaps_rollup"):
        if line.startswith("Anonymous:"):
            return int(line.split()[1]) * 1024

seeds = tempfile.mkdtemp()
index_paths([sys.argv[2]], seeds, procs=1)
for query in ["经济", "发展 改革", '"国务院"', "新闻联播"]:
    open_index(seeds).search(query)
before = anonymous()
index = open_index(sys.argv[1])
for query in ["经济", "发展 改革", '"国务院"', "新闻联播"]:
    index.search(query)
searcher = index._searcher()
for docnum in range(searcher.doc_count_all()):
    searcher.stored_fields(docnum)
print(anonymous() - before)
"""


def test_a_server_reads_the_segments_in_place_not_into_its_own_memory(harness_run):
    index_dir = harness_run / "work" / "index-300"
    size = sum(path.stat().st_size for path in index_dir.glob("*.seg"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run([sys.executable, "-c", READ_PROBE, str(index_dir), str(SEEDS)], capture_output=True, text=True,
                          cwd=ROOT, env=env, check=True)  # fmt: skip
    grown = int(done.stdout)
    # Copying the parts a reader opens (the code before) grew it by half the
    # index (5.6 of 11.2 MB); reading in place, by 16 kB.
    assert grown < 0.1 * size, (grown, size)
