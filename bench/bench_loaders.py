"""Loading pathological files next to ordinary ones of the same size, timed in one process.

HTML: an ordinary page of paragraphs against one of N unclosed ``<span>`` tags
(issue 10: 40,000 of them took 48 s when the parser searched its tag stack);
JSONL: a file of ordinary lines against one with a single line of the same
size (read in bounded chunks, reported as one failed line).

    .venv/bin/python bench/bench_loaders.py [--tags 40000 160000] [--megabytes 50]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from search.loaders import html_to_text, iter_records  # noqa: E402


def timed(function, *args) -> float:
    started = time.perf_counter()
    function(*args)
    return time.perf_counter() - started


def bench_html(tags: int) -> None:
    unclosed = "<html><body><h1>标题</h1>" + "<span>字" * tags + "</body></html>"
    ordinary = "<html><body><h1>标题</h1>" + "<p>字</p>" * (len(unclosed) // 9) + "</body></html>"
    print(f"html {len(unclosed) / 1e6:.2f} MB: ordinary {timed(html_to_text, ordinary):.3f} s, "
          f"{tags} unclosed tags {timed(html_to_text, unclosed):.3f} s")  # fmt: skip


def bench_jsonl(megabytes: int, folder: Path) -> None:
    line = json.dumps({"id": "x", "content": "长" * 300}, ensure_ascii=False) + "\n"
    ordinary, single = folder / "ordinary.jsonl", folder / "single.jsonl"
    count = megabytes * 1_000_000 // len(line.encode())
    ordinary.write_text(line * count, encoding="utf-8")
    with open(single, "w", encoding="utf-8") as out:
        out.write('{"id": "x", "content": "' + "长" * (megabytes * 1_000_000 // 3) + '"}\n')

    def load(path: Path) -> None:
        for _ in iter_records([path]):
            pass

    print(f"jsonl {megabytes} MB: {count} ordinary lines {timed(load, ordinary):.3f} s, "
          f"one line {timed(load, single):.3f} s")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tags", type=int, nargs="+", default=[40_000, 160_000])
    parser.add_argument("--megabytes", type=int, default=50)
    args = parser.parse_args()
    for tags in args.tags:
        bench_html(tags)
    with tempfile.TemporaryDirectory() as folder:
        bench_jsonl(args.megabytes, Path(folder))


if __name__ == "__main__":
    main()
