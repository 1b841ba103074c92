"""The whole ``xunwen`` command: the library's ``index`` and ``search`` plus ``serve``.

``serve`` belongs to the application, so it lives here and the library
(``search.cli``) never imports ``web``; ``python -m search.cli`` still runs
index and search without Flask.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from search import cli as library_cli


def add_serve_command(commands) -> None:
    """The ``serve`` subcommand and its options."""
    serve = commands.add_parser("serve", help="serve the web UI and JSON API (gunicorn, or waitress)")
    serve.add_argument(
        "--index-dir", default=library_cli.DEFAULT_INDEX_DIR, help="index folder (default: index/ here)"
    )
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=5000)
    serve.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                       help="worker processes behind the one port (default: the number of cores)")  # fmt: skip
    # Searching holds the GIL, so the threads of one process share one core:
    # more of them only queue more work at once (load test, 16 clients on 75k
    # articles, one process: p99 694 ms with 4 threads, 992 ms with 8).
    serve.add_argument("--threads", type=int, default=4, help="threads per worker process (default 4)")
    serve.add_argument("--server", choices=("auto", "gunicorn", "waitress"), default="auto",
                       help="auto: gunicorn where it runs (POSIX), else waitress (one process)")  # fmt: skip
    serve.add_argument("--no-preload", dest="preload", action="store_false",
                       help="open the index in each worker instead of once before forking")  # fmt: skip
    serve.add_argument("--build-from", metavar="PATH", default=None,
                       help="index PATH first if the index is missing (e.g. seeds/)")  # fmt: skip


def build_parser() -> argparse.ArgumentParser:
    """The library's parser with ``serve`` added."""
    parser = library_cli.build_parser()
    commands = next(action for action in parser._actions if isinstance(action, argparse._SubParsersAction))
    add_serve_command(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        from web.serve import run_serve

        return run_serve(args)
    return library_cli.main(argv)


if __name__ == "__main__":
    sys.exit(main())
