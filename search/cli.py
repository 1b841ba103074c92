"""The ``xunwen`` command: index, search and serve.

Exit status: 0 when everything went well; 1 when some files or lines could
not be indexed (they are listed; everything else was indexed); 2 for a usage
error (bad arguments or a bad query parameter); 3 when the index is locked by
another writer or missing.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, EXIT_INDEX = 0, 1, 2, 3
DEFAULT_INDEX_DIR = "index"
FILTER_OPTIONS = ("province", "city", "county", "region", "topic", "source", "year")


def _add_index_dir(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--index-dir", default=DEFAULT_INDEX_DIR, help="index folder (default: index/ here)")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="xunwen", description="Search Chinese regional news.")
    commands = parser.add_subparsers(dest="command", required=True)

    index = commands.add_parser("index", help="index files and folders (incremental)")
    _add_index_dir(index)
    index.add_argument("paths", nargs="+", help=".txt, .jsonl(.gz), .json, .html files or folders")
    index.add_argument("--rebuild", action="store_true", help="replace the whole index")
    index.add_argument("--procs", type=int, default=None, help="worker processes (default: cores)")
    index.add_argument("--wait", type=float, default=0.0, metavar="SECONDS",
                       help="wait this long for another indexing run to finish")  # fmt: skip
    index.add_argument("--quiet", action="store_true", help="no progress bar")
    index.add_argument("--json", action="store_true", help="print the summary as JSON")

    search = commands.add_parser("search", help="search the index")
    _add_index_dir(search)
    search.add_argument("query", nargs="?", default="", help='words, "phrases", OR, -word, source:名称')
    search.add_argument("--json", action="store_true", help="print the result dict as JSON")
    for name in FILTER_OPTIONS:
        search.add_argument(f"--{name}", action="append", default=None, help=f"filter by {name} (repeatable)")
    search.add_argument("--date-from", help="YYYY-MM-DD, inclusive")
    search.add_argument("--date-to", help="YYYY-MM-DD, inclusive")
    search.add_argument("--sort", choices=("relevance", "newest", "oldest"), default=None)
    search.add_argument("--page", type=int, default=1)
    search.add_argument("--per-page", type=int, default=10)

    serve = commands.add_parser("serve", help="serve the web UI and JSON API (waitress)")
    _add_index_dir(serve)
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument("--port", type=int, default=5000)
    # Searching holds the GIL, so threads share one core: more of them only
    # queue more work at once (load test, 16 clients on 75k articles: p99
    # 694 ms with 4 threads, 992 ms with 8, 1.9 s with 16).
    serve.add_argument("--threads", type=int, default=4)
    serve.add_argument("--build-from", metavar="PATH", default=None,
                       help="index PATH first if the index is missing (e.g. seeds/)")  # fmt: skip
    return parser


def run_index(args: argparse.Namespace) -> int:
    from search.analysis_version import AnalysisVersionError
    from search.indexer import IndexLockedError, index_paths

    progress = None if args.quiet or not sys.stderr.isatty() else _progress_bar()
    try:
        summary = index_paths(
            args.paths, args.index_dir, rebuild=args.rebuild, procs=args.procs,
            progress=progress, wait_for_lock=args.wait,
        )  # fmt: skip
    except (IndexLockedError, AnalysisVersionError) as error:
        print(f"xunwen: {error}", file=sys.stderr)
        return EXIT_INDEX
    finally:
        if progress:
            progress.close()
    if args.json:
        print(json.dumps(summary.as_dict(), ensure_ascii=False, indent=2))
    else:
        print(format_summary(summary))
    return EXIT_PARTIAL if summary.failed else EXIT_OK


class _progress_bar:
    """A tqdm bar fed by the indexer's progress callback (documents/s, MB/s)."""

    def __init__(self):
        from tqdm import tqdm

        self.bar = tqdm(unit=" docs", file=sys.stderr, mininterval=0.5, dynamic_ncols=True)
        self.seen = 0

    def __call__(self, summary) -> None:
        done = summary.indexed + summary.updated + summary.unchanged + len(summary.duplicates)
        done += len(summary.failed)
        self.bar.update(done - self.seen)
        self.seen = done
        elapsed = self.bar.format_dict.get("elapsed") or 0
        if elapsed:
            self.bar.set_postfix_str(f"{summary.megabytes / elapsed:.2f} MB/s", refresh=False)

    def close(self) -> None:
        self.bar.close()


def format_summary(summary) -> str:
    lines = [
        f"indexed {summary.indexed}, updated {summary.updated}, unchanged {summary.unchanged}, "
        f"duplicates {len(summary.duplicates)}, failed {len(summary.failed)} "
        f"in {summary.seconds:.1f} s"
    ]
    for location, kept in summary.duplicates:
        lines.append(f"  duplicate: {location} (same text as {kept})")
    for error in summary.failed:
        lines.append(f"  failed: {error}")
    for warning in summary.warnings:
        lines.append(f"  warning: {warning}")
    return "\n".join(lines)


def run_search(args: argparse.Namespace) -> int:
    from search.searcher import QueryError, open_index

    filters = {name: getattr(args, name) for name in FILTER_OPTIONS if getattr(args, name)}
    if args.date_from:
        filters["date_from"] = args.date_from
    if args.date_to:
        filters["date_to"] = args.date_to
    try:
        index = open_index(args.index_dir)
    except FileNotFoundError as error:
        print(f"xunwen: {error} (run `xunwen index PATH` first)", file=sys.stderr)
        return EXIT_INDEX
    try:
        result = index.search(args.query, filters, page=args.page, per_page=args.per_page, sort=args.sort)
    except QueryError as error:
        print(f"xunwen: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(format_result(result, color=sys.stdout.isatty()))
    return EXIT_OK


def format_result(result: dict, color: bool = False) -> str:
    """Hits as text: the <mark> of snippets becomes bold (or [brackets])."""
    import html

    on, off = ("\033[1;31m", "\033[0m") if color else ("[", "]")
    lines = [f"{result['total']} results ({result['took_ms']} ms)"]
    for note in result.get("notes", []):
        lines.append(f"note: {note}")
    first = (result["page"] - 1) * result["per_page"]
    for rank, hit in enumerate(result["hits"], start=first + 1):
        region = " / ".join(part for part in (hit["province"], hit["city"], hit["county"]) if part)
        topics = "、".join(hit.get("topics") or [])
        facts = " · ".join(part for part in (hit["published"], hit["source"], region, topics) if part)
        lines.append(f"\n{rank}. {hit['title']}  [{hit['id']}]")
        if facts:
            lines.append(f"   {facts}")
        for snippet in hit["snippets"]:
            text = snippet.replace("<mark>", on).replace("</mark>", off)
            lines.append("   " + html.unescape(text))
    return "\n".join(lines)


def run_serve(args: argparse.Namespace) -> int:
    from whoosh import index as whoosh_index

    from search.indexer import index_paths
    from search.schema import INDEX_NAME

    index_dir = Path(args.index_dir)
    # Only look: opening a SearchIndex here would make this process share
    # segment bytes while it builds the index (see search.whoosh_fixes).
    if not whoosh_index.exists_in(str(index_dir), indexname=INDEX_NAME):
        if not args.build_from:
            print(f"xunwen: no index in {index_dir}; run `xunwen index PATH` or pass --build-from",
                  file=sys.stderr)  # fmt: skip
            return EXIT_INDEX
        print(f"building {index_dir} from {args.build_from} ...", file=sys.stderr)
        print(format_summary(index_paths([args.build_from], index_dir)), file=sys.stderr)
    import waitress

    from web import create_app

    app = create_app({"INDEX_DIR": str(index_dir)})
    with app.app_context():
        # Open the index and load its facet columns now (3 s on 75k articles),
        # so that the first visitor does not wait for it.
        from web.index_store import get_index

        get_index().search("", per_page=1)
    from web.serving import summarize_queue_warnings

    summarize_queue_warnings()
    print(f"xunwen: serving {index_dir} on http://{args.host}:{args.port}/", file=sys.stderr)
    waitress.serve(app, host=args.host, port=args.port, threads=args.threads)
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = {"index": run_index, "search": run_search, "serve": run_serve}[args.command]
    return handler(args)


if __name__ == "__main__":
    sys.exit(main())
