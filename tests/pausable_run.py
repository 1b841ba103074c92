"""A real indexing run (``search.indexer.index_paths``) that stops at a chosen point.

    python tests/pausable_run.py INDEX_DIR PATH... [--pause-at N] [--procs P] [--commit-every C]

After ``N`` records it prints ``paused after N records`` and waits for a line
on its standard input, holding the index lock, its commits so far made and
work in its workers. Tests use it (``conftest.PausedRun``) to act at a known
moment of a run (a second run, a search, SIGKILL) instead of after a sleep
that a busy machine can outlast. At the end it prints the summary as JSON and
exits as ``xunwen index`` does (0, or 1 when something failed).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from search.indexer import index_paths  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("index_dir")
    parser.add_argument("paths", nargs="+")
    parser.add_argument("--pause-at", type=int, default=0, help="records handled before pausing (0: never)")
    parser.add_argument("--procs", type=int, default=None)
    parser.add_argument("--commit-every", type=int, default=None)
    args = parser.parse_args()
    handled = 0

    def progress(_summary) -> None:
        # Called once per record read (after it was handed to the writer,
        # before the writer's periodic commit is considered).
        nonlocal handled
        handled += 1
        if handled == args.pause_at:
            print(f"paused after {handled} records", flush=True)
            sys.stdin.readline()  # until the test says go on (or closes our stdin)

    options = {} if args.commit_every is None else {"commit_every": args.commit_every}
    summary = index_paths(args.paths, args.index_dir, procs=args.procs, progress=progress, **options)
    print(json.dumps(summary.as_dict(), ensure_ascii=False), flush=True)
    return 1 if summary.failed else 0


if __name__ == "__main__":
    sys.exit(main())
