"""``xunwen serve``: the app on every core (gunicorn) or in one process (waitress).

gunicorn runs N worker processes behind one listening socket; it needs
``fork`` (POSIX). waitress is the fallback where gunicorn cannot run, and
can be asked for with ``--server waitress``. Either way the index is opened
and its facet columns loaded before the first request is taken.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from flask import Flask

EXIT_OK, EXIT_INDEX = 0, 3
# A stopped server gives running searches this long to finish (seconds).
GRACEFUL_TIMEOUT = 10


def choose_server(requested: str) -> str:
    """``gunicorn`` or ``waitress``: auto picks gunicorn where it can run."""
    if requested != "auto":
        return requested
    if os.name != "posix":
        return "waitress"
    try:
        import gunicorn  # noqa: F401
    except ImportError:
        return "waitress"
    return "gunicorn"


def warm_app(app: Flask) -> None:
    """Open the index, read its facet columns and answer one search now (the
    segmenter and the label conversion tables: 1.2 s the first request paid)."""
    from search.analysis import segment_words
    from web.index_store import get_index

    with app.app_context():
        index = get_index()
        index.search("", per_page=1)  # a damaged index fails here, before any worker starts
        # The facet labels' tables through the API, and the segmenter, without the
        # postings of a common word: on a million articles those are a second to read,
        # and which words to keep is the caches' business, not the start-up's.
        app.test_client().get("/api/search?per_page=1")
        segment_words("新闻")
        # Keep the columns, drop this thread's searcher: requests are answered
        # by other threads (or forked workers), and a searcher left here would
        # map this generation's segment files for good, keeping them on disk
        # and in memory after a re-index deletes them.
        index.close()


def ensure_index(index_dir: Path, build_from: str | None) -> bool:
    """True when there is an index (built from ``build_from`` if it was missing)."""
    from search.engine.health import toc_identity

    # Only look (not Whoosh's exists_in, which opens the index and raises on a
    # damaged TOC): opening a SearchIndex here would map the segments while
    # this process rewrites them.
    if toc_identity(index_dir) is not None:
        return True
    if not build_from:
        print(
            f"xunwen: no index in {index_dir}; run `xunwen index PATH` or pass --build-from", file=sys.stderr
        )
        return False
    from search.cli import format_summary
    from search.indexer import index_paths  # only to build (its extraction tables: 0.14 s of imports)

    print(f"building {index_dir} from {build_from} ...", file=sys.stderr)
    print(format_summary(index_paths([build_from], index_dir)), file=sys.stderr)
    return True


def run_serve(args: argparse.Namespace) -> int:
    """Serve ``args.index_dir`` until stopped."""
    from search.engine.health import IndexDamaged, open_checked

    index_dir = Path(args.index_dir)
    if not ensure_index(index_dir, args.build_from):
        return EXIT_INDEX
    try:  # a damaged index is one clear line and status 3, before any worker starts
        open_checked(index_dir)
    except IndexDamaged as error:
        print(f"xunwen: {error}", file=sys.stderr)
        return EXIT_INDEX
    server = choose_server(args.server)
    banner = f"xunwen: serving {index_dir} on http://{args.host}:{args.port}/"
    if server == "waitress":
        serve_waitress(index_dir, args.host, args.port, args.threads, banner)
    else:
        serve_gunicorn(index_dir, args.host, args.port, args.workers, args.threads, args.preload, banner)
    return EXIT_OK


def serve_waitress(index_dir: Path, host: str, port: int, threads: int, banner: str) -> None:
    """One process, ``threads`` threads (waitress)."""
    import waitress

    from web import SECURITY_HEADERS, create_app
    from web.serving import add_headers_to_waitress_errors, summarize_queue_warnings

    app = create_app({"INDEX_DIR": str(index_dir)})
    warm_app(app)
    summarize_queue_warnings()
    add_headers_to_waitress_errors(SECURITY_HEADERS)  # waitress's own 400/431 pages too
    print(f"{banner} (waitress, 1 process, {threads} threads)", file=sys.stderr)
    waitress.serve(app, host=host, port=port, threads=threads)


def gunicorn_options(host: str, port: int, workers: int, threads: int, preload: bool) -> dict:
    """gunicorn settings of ``xunwen serve`` (a plain dict, testable)."""
    return {
        "bind": f"{host}:{port}",
        "workers": max(1, workers),
        "threads": max(1, threads),
        "worker_class": "gthread" if threads > 1 else "sync",
        # Preloading opens the index and computes the facet columns once, in
        # the master: the forked workers share those arrays copy-on-write and
        # the segments' pages through the file cache (see README, Benchmarks).
        "preload_app": preload,
        "graceful_timeout": GRACEFUL_TIMEOUT,
        "timeout": 120,  # a worker silent this long is restarted
        "accesslog": None,
        "errorlog": "-",
        "loglevel": "warning",
    }


def serve_gunicorn(
    index_dir: Path, host: str, port: int, workers: int, threads: int, preload: bool, banner: str
) -> None:
    """``workers`` processes of ``threads`` threads behind one port (gunicorn)."""
    from gunicorn.app.base import BaseApplication

    from web import SECURITY_HEADERS, create_app
    from web.serving import add_headers_to_gunicorn_errors

    add_headers_to_gunicorn_errors(SECURITY_HEADERS)  # its own 400 pages too (it forks: set before)
    options = gunicorn_options(host, port, workers, threads, preload)
    note = f"{banner} (gunicorn, {options['workers']} processes x {options['threads']} threads)"

    class XunwenApplication(BaseApplication):
        def load_config(self):
            for key, value in options.items():
                self.cfg.set(key, value)
            self.cfg.set("when_ready", lambda server: print(note, file=sys.stderr, flush=True))

        def load(self):
            # With preload_app this runs once in the master before forking;
            # without it, in each worker before it accepts a connection.
            app = create_app({"INDEX_DIR": str(index_dir)})
            warm_app(app)
            return app

    XunwenApplication().run()
