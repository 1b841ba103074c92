"""The ``xunwen`` command: index, search and serve.

Exit status: 0 when everything went well; 1 when some files or lines could
not be indexed (they are listed; everything else was indexed and committed);
2 for a usage error (bad arguments or a bad query parameter); 3 when the index
is locked by another writer, missing or damaged (``--rebuild`` starts over);
4 when the run itself failed (disk full, a crash): nothing after its last
commit was kept, the index is as it was.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from search.request import CLI_FILTERS, SORTS

EXIT_OK, EXIT_PARTIAL, EXIT_USAGE, EXIT_INDEX, EXIT_RUN_FAILED = 0, 1, 2, 3, 4
DEFAULT_INDEX_DIR = "index"
FILTER_OPTIONS = tuple(item.name for item in CLI_FILTERS)  # from the one table of filters


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
    for item in CLI_FILTERS:
        search.add_argument(f"--{item.name}", action="append", default=None, help=item.help)
    search.add_argument("--date-from", help="YYYY-MM-DD, inclusive")
    search.add_argument("--date-to", help="YYYY-MM-DD, inclusive")
    search.add_argument("--sort", choices=SORTS, default=None)
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
    import traceback

    from search.indexer import DiskFullError, IndexDamagedError, IndexLockedError, index_paths

    progress = None if args.quiet or not sys.stderr.isatty() else _progress_bar()
    try:
        summary = index_paths(
            args.paths, args.index_dir, rebuild=args.rebuild, procs=args.procs,
            progress=progress, wait_for_lock=args.wait,
        )  # fmt: skip
    except (IndexLockedError, IndexDamagedError) as error:
        print(f"xunwen: {error}", file=sys.stderr)
        return EXIT_INDEX
    except DiskFullError as error:
        print(f"xunwen: {error.strerror}: nothing of this run was committed, the index is as it was "
              "and the run's partial files were removed; free some space and run again", file=sys.stderr)  # fmt: skip
        return EXIT_RUN_FAILED
    except Exception as error:  # a bug: say so, with the traceback, and a status of its own
        traceback.print_exc()
        print(f"xunwen: the indexing run failed ({type(error).__name__}: {error}); nothing after its "
              "last commit was kept", file=sys.stderr)  # fmt: skip
        return EXIT_RUN_FAILED
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
        done = summary.indexed + summary.updated + summary.unchanged + summary.queued
        done += len(summary.failed) + len(summary.repeated)
        self.bar.update(done - self.seen)
        self.seen = done
        elapsed = self.bar.format_dict.get("elapsed") or 0
        if elapsed:
            self.bar.set_postfix_str(f"{summary.megabytes / elapsed:.2f} MB/s", refresh=False)

    def close(self) -> None:
        self.bar.close()


# Skipped files are listed up to this many (a folder of images would drown the report).
SKIPPED_LISTED = 20


def format_summary(summary) -> str:
    """The closing report of ``xunwen index``: counts, then one line per item that needs a look."""
    lines = [
        f"indexed {summary.indexed}, updated {summary.updated}, unchanged {summary.unchanged}, "
        f"same text as {len(summary.same_text)}, repeated id {len(summary.repeated)}, "
        f"failed {len(summary.failed)}, skipped {len(summary.skipped)} in {summary.seconds:.1f} s"
    ]
    for location, doc_id, first in summary.same_text:
        lines.append(f"  same text as {first}: {doc_id} ({location}; indexed, marked as one group)")
    for location, doc_id in summary.repeated:
        lines.append(f"  repeated id in this run: {doc_id} ({location}; same text, indexed once)")
    for error in summary.failed:
        lines.append(f"  failed: {error}")
    for warning in summary.warnings:
        lines.append(f"  warning: {warning}")
    for skipped in summary.skipped[:SKIPPED_LISTED]:
        lines.append(f"  skipped: {skipped}")
    if len(summary.skipped) > SKIPPED_LISTED:
        lines.append(f"  skipped: ... and {len(summary.skipped) - SKIPPED_LISTED} more (--json lists all)")
    return "\n".join(lines)


def run_search(args: argparse.Namespace) -> int:
    from search.plan import plan_query
    from search.relax import filter_pairs, zero_result_help
    from search.request import QueryError
    from search.searcher import open_index

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
        plan = plan_query(args.query)
        result = {"ok": True, **index.search(args.query, filters, args.page, args.per_page, args.sort, plan=plan)}
        # the keys of /api/search: what would find something when nothing matched
        result.update(relaxations=[], suggestions=[])
        if result["total"] == 0:
            result.update(zero_result_help(index, args.query, filter_pairs(filters), plan))
    except QueryError as error:
        print(f"xunwen: {error}", file=sys.stderr)
        return EXIT_USAGE
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=2))
    else:
        print(format_result(result, color=sys.stdout.isatty()))
    return EXIT_OK


def format_result(result: dict, color: bool = False) -> str:
    """Hits as text: the matches of passages in bold red (or [brackets])."""
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
        for passage in hit["passages"]:
            lines.append("   " + passage_text(passage, on, off))
    lines += zero_result_lines(result)
    return "\n".join(lines)


def zero_result_lines(result: dict) -> list[str]:
    """What the web's zero-result page offers: a filter fewer, another spelling."""
    lines = []
    if result.get("relaxations"):
        lines.append("\ntry without a filter:")
        for item in result["relaxations"]:
            option = f"--{item['name'].replace('_', '-')} {item['value']}" if item["name"] else "any filter"
            lines.append(f"  without {option}: {item['total']} results")
    if result.get("suggestions"):
        lines.append("\ntry another spelling:")
        lines += [f"  {item['query']}: {item['total']} results" for item in result["suggestions"]]
    if result["total"] == 0 and len(lines) == 0:
        lines.append("try other words, or fewer of them")
    return lines


def passage_text(passage: dict, on: str, off: str) -> str:
    """A passage (``search.results.passage_data``) as terminal text, matches between ``on`` and ``off``."""
    text, pieces, position = passage["text"], [], 0
    for start, end in passage["ranges"]:
        pieces += [text[position:start], on, text[start:end], off]
        position = end
    pieces.append(text[position:])
    return ("…" if passage["cut_before"] else "") + "".join(pieces) + ("…" if passage["cut_after"] else "")


def run_serve(args: argparse.Namespace) -> int:
    from whoosh import index as whoosh_index

    from search.indexer import index_paths
    from search.schema import INDEX_NAME

    index_dir = Path(args.index_dir)
    # Only look: opening a SearchIndex here would make this process share
    # segment bytes while it builds the index (see search.engine.fixes).
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
