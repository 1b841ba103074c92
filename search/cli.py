"""The library's commands of ``xunwen``: index and search (``serve`` is the app's: ``web.cli``).

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

    _add_analysis_commands(commands)
    return parser


def run_index(args: argparse.Namespace) -> int:
    import traceback

    from search.analysis_version import AnalysisVersionError
    from search.indexer import DiskFullError, IndexDamagedError, IndexLockedError, index_paths

    progress = None if args.quiet or not sys.stderr.isatty() else _progress_bar(args.paths)
    try:
        summary = index_paths(
            args.paths, args.index_dir, rebuild=args.rebuild, procs=args.procs,
            progress=progress, wait_for_lock=args.wait,
        )  # fmt: skip
    except (IndexLockedError, IndexDamagedError, AnalysisVersionError) as error:
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


# Text bytes per input byte, by file kind, until a finished file shows the
# real figure (measured on the corpus: JSONL content is 0.4-0.9 of its line).
_TEXT_SHARE = {".jsonl": 0.8, ".json": 0.8, ".html": 0.5, ".htm": 0.5}


def input_sizes(paths: Sequence[str]) -> dict[str, tuple[int, int]]:
    """``{file: (bytes on disk, bytes once decompressed)}`` of the files indexing
    will read: a walk and a stat each (and a .gz file's 4-byte size trailer)."""
    from search.loaders import LoadError, iter_files

    sizes = {}
    for item in iter_files(paths):
        if isinstance(item, LoadError):
            continue
        path = item[0]
        try:
            size = path.stat().st_size
            sizes[str(path)] = (size, _gzip_size(path, size) if path.name.endswith(".gz") else size)
        except OSError:
            continue
    return sizes


def _gzip_size(path: Path, size: int) -> int:
    """A gzip file's own record of its uncompressed size (mod 4 GiB: a smaller
    figure than the file itself is ignored)."""
    try:
        with open(path, "rb") as data:
            data.seek(-4, 2)
            stated = int.from_bytes(data.read(4), "little")
    except OSError:
        return size
    return stated if stated >= size else size * 4


class _progress_bar:
    """A tqdm bar fed by the indexer's progress callback: bytes of the input
    done of the total (so a percentage and an ETA), documents, and the file
    being read. Input bytes are estimated from the text bytes read."""

    def __init__(self, paths: Sequence[str] = ()):
        from tqdm import tqdm

        self.sizes = input_sizes(paths) if paths else {}
        total = sum(size for size, _ in self.sizes.values()) or None
        self.bar = tqdm(total=total, unit="B", unit_scale=True, unit_divisor=1024, file=sys.stderr,
                        mininterval=0.5, dynamic_ncols=True, bar_format=_BAR_FORMAT if total else None)  # fmt: skip
        self.current = None
        self.done_bytes = 0  # input bytes of the files finished
        self.file_text_start = 0.0  # text MB read when the current file began
        self.share: float | None = None  # text bytes per byte, as the finished files had it

    def __call__(self, summary) -> None:
        current = getattr(summary, "current", None)
        if current != self.current:
            self._finish_file(summary)
            self.current = current
        position = self.done_bytes + self._in_current(summary)
        self.bar.update(max(0, min(position, self.bar.total or position) - self.bar.n))
        documents = summary.indexed + summary.updated + summary.unchanged + summary.queued
        documents += len(summary.failed) + len(summary.repeated)
        name = Path(current).name if current else ""
        self.bar.set_postfix_str(f"{documents} docs {name[-40:]}", refresh=False)

    def _in_current(self, summary) -> int:
        if self.current not in self.sizes:
            return int(summary.megabytes * 1e6 / (self.share or 1.0)) if not self.sizes else 0
        size, expanded = self.sizes[self.current]
        text = (summary.megabytes - self.file_text_start) * 1e6
        share = self.share or _TEXT_SHARE.get(Path(self.current.removesuffix(".gz")).suffix.lower(), 1.0)
        # not done until the next file starts: at most 99% of it
        return int(min(0.99 * size, text / share * size / max(expanded, 1)))

    def _finish_file(self, summary) -> None:
        if self.current in self.sizes:
            size, expanded = self.sizes[self.current]
            text = (summary.megabytes - self.file_text_start) * 1e6
            self.done_bytes += size
            if text > 0 and expanded > 0:
                self.share = min(1.0, text / expanded)
        self.file_text_start = summary.megabytes

    def close(self) -> None:
        if self.bar.total and self.bar.n < self.bar.total:
            self.bar.update(self.bar.total - self.bar.n)  # the last file is done too
        self.bar.close()


# Skipped files are listed up to this many (a folder of images would drown the report).
SKIPPED_LISTED = 20
_BAR_FORMAT = "{percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}, {rate_fmt}] {postfix}"


def format_summary(summary) -> str:
    """The closing report of ``xunwen index``: counts, then one line per item that needs a look."""
    lines = [
        f"indexed {summary.indexed}, updated {summary.updated}, unchanged {summary.unchanged}, "
        f"same text as {len(summary.same_text)}, repeated id {len(summary.repeated)}, "
        f"failed {len(summary.failed)}, skipped {len(summary.skipped)} in {summary.seconds:.1f} s"
    ]
    from search.stories import MAX_STORY_DAYS

    for location, doc_id, first in summary.same_text:
        if summary.other_story is not None and doc_id in summary.other_story:
            grouped = f"a story of its own: published more than {MAX_STORY_DAYS} days apart"
        else:
            grouped = "one story with it"
        lines.append(
            f"  same text as {first}: {doc_id} ({location}; indexed, marked same_text_as; {grouped})"
        )
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
    from search.engine.health import DATA_ERRORS, IndexDamaged
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
        plan = plan_query(args.query)
        result = {
            "ok": True,
            **index.search(args.query, filters, args.page, args.per_page, args.sort, plan=plan),
        }
        # the keys of /api/search: what would find something when nothing matched
        result.update(relaxations=[], suggestions=[])
        if result["total"] == 0:
            result.update(zero_result_help(index, args.query, filter_pairs(filters), plan))
    except FileNotFoundError as error:
        print(f"xunwen: {error} (run `xunwen index PATH` first)", file=sys.stderr)
        return EXIT_INDEX
    except IndexDamaged as error:
        return _say_damaged(error)
    except QueryError as error:
        print(f"xunwen: {error}", file=sys.stderr)
        return EXIT_USAGE
    except DATA_ERRORS as error:  # a file damaged after opening, found while reading it
        return _damaged_or_raise(error, args.index_dir)
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
        if hit.get("url"):
            lines.append(f"   {hit['url']}")
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


def _add_filters(parser: argparse.ArgumentParser) -> None:
    for name in FILTER_OPTIONS:
        parser.add_argument(f"--{name}", action="append", default=None, help=f"filter by {name} (repeatable)")
    parser.add_argument("--date-from", help="YYYY-MM-DD, inclusive")
    parser.add_argument("--date-to", help="YYYY-MM-DD, inclusive")


def _add_analysis_commands(commands) -> None:
    trends = commands.add_parser("trends", help="matches per day/week/month/year, for up to 5 queries")
    _add_index_dir(trends)
    trends.add_argument("queries", nargs="*", help="one series per query (none: every document)")
    trends.add_argument("--interval", choices=("auto", "day", "week", "month", "year"), default="auto")
    trends.add_argument("--measure", choices=("count", "share"), default="count",
                        help="share: the query's count over all documents of the bucket (same filters)")  # fmt: skip
    trends.add_argument("--count", choices=("documents", "stories"), default="documents",
                        help="stories: a story of reprints counts once, at its earliest match")  # fmt: skip
    trends.add_argument("--csv", action="store_true", help="print CSV instead of a table")
    trends.add_argument("--json", action="store_true", help="print the trend dict as JSON")
    _add_filters(trends)

    export = commands.add_parser("export", help="every matching document as CSV or JSON Lines")
    _add_index_dir(export)
    export.add_argument("query", nargs="?", default="")
    export.add_argument("--format", choices=("csv", "jsonl"), default="csv")
    export.add_argument("--sort", choices=("relevance", "newest", "oldest"), default=None)
    export.add_argument("--output", "-o", metavar="FILE", help="write here instead of standard output")
    _add_filters(export)

    kwic = commands.add_parser("kwic", help="every occurrence of the query in context (concordance)")
    _add_index_dir(kwic)
    kwic.add_argument("query")
    kwic.add_argument("--width", type=int, default=20, help="characters of context on each side")
    kwic.add_argument("--sort", choices=("document", "left", "right", "date", "source"), default="document")
    kwic.add_argument("--limit", type=int, default=50, help="lines to print (at most 10,000)")
    kwic.add_argument("--csv", action="store_true", help="print CSV")
    _add_filters(kwic)


def _filters_of(args: argparse.Namespace) -> dict:
    filters = {name: getattr(args, name) for name in FILTER_OPTIONS if getattr(args, name, None)}
    for name in ("date_from", "date_to"):
        if getattr(args, name, None):
            filters[name] = getattr(args, name)
    return filters


def _analysis(args: argparse.Namespace, run) -> int:
    from search.engine.health import DATA_ERRORS, IndexDamaged
    from search.request import QueryError
    from search.searcher import open_index

    try:
        index = open_index(args.index_dir)
    except FileNotFoundError as error:
        print(f"xunwen: {error} (run `xunwen index PATH` first)", file=sys.stderr)
        return EXIT_INDEX
    except IndexDamaged as error:
        return _say_damaged(error)
    try:
        return run(index)
    except QueryError as error:
        print(f"xunwen: {error}", file=sys.stderr)
        return EXIT_USAGE
    except IndexDamaged as error:  # found while reading
        return _say_damaged(error)
    except DATA_ERRORS as error:
        return _damaged_or_raise(error, args.index_dir)


def _say_damaged(error: Exception) -> int:
    print(f"xunwen: {error}", file=sys.stderr)  # one line, never a traceback: the fix is to rebuild
    return EXIT_INDEX


def _damaged_or_raise(error: Exception, index_dir) -> int:
    """One line and exit 3 for a file found damaged while reading it; anything else is a bug."""
    from search.engine.health import damage_of

    damage = damage_of(error, index_dir)
    if damage is None:
        raise error
    return _say_damaged(damage)


def run_trends(args: argparse.Namespace) -> int:
    from search import analytics

    def run(index) -> int:
        data = analytics.trend(
            index, args.queries or [""], _filters_of(args), args.interval, args.measure, args.count
        )
        if args.json:
            print(json.dumps(data, ensure_ascii=False, indent=2))
            return EXIT_OK
        share = args.measure == "share"
        header = ["bucket", "all", *[series["query"] or "(all)" for series in data["series"]]]
        rows = []
        for number, bucket in enumerate(data["collection"]):
            cells = [series["buckets"][number] for series in data["series"]]
            values = [
                (f"{c['share']:.6f}" if c["share"] is not None else "") if share else c["count"]
                for c in cells
            ]
            rows.append([bucket["key"], bucket["count"], *values])
        rows.append(
            ["undated", data["collection_undated"], *[series["undated"] for series in data["series"]]]
        )
        if args.csv:
            import csv

            writer = csv.writer(sys.stdout, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows)
        else:
            print("\t".join(map(str, header)))
            for row in rows:
                print("\t".join(map(str, row)))
        return EXIT_OK

    return _analysis(args, run)


def run_export(args: argparse.Namespace) -> int:
    from search import analytics

    def run(index) -> int:
        from search.export import csv_lines, jsonl_lines

        total, rows = analytics.export_rows(index, args.query, _filters_of(args), args.sort)
        out = open(args.output, "w", encoding="utf-8", newline="") if args.output else sys.stdout
        try:
            for line in (csv_lines if args.format == "csv" else jsonl_lines)(rows):
                out.write(line)
        finally:
            if args.output:
                out.close()
        print(f"xunwen: exported {total} documents", file=sys.stderr)
        return EXIT_OK

    return _analysis(args, run)


def run_kwic(args: argparse.Namespace) -> int:
    from search import analytics

    def run(index) -> int:
        limit = max(1, min(args.limit, 10_000))
        data = analytics.concordance(index, args.query, _filters_of(args), args.width, args.sort, 1, limit)
        if args.csv:
            import csv

            writer = csv.writer(sys.stdout, lineterminator="\n")
            writer.writerow(["id", "date", "source", "left", "match", "right"])
            for line in data["lines"]:
                writer.writerow([line[key] for key in ("id", "date", "source", "left", "match", "right")])
            return EXIT_OK
        about = "" if data["total_exact"] else "about "
        print(f"{about}{data['total_lines']} occurrences in {data['documents']} documents")
        for note in data["notes"]:
            print(f"note: {note}")
        width = args.width
        for line in data["lines"]:
            print(f"{line['left']:>{width}} [{line['match']}] {line['right']:<{width}}  {line['id']}")
        return EXIT_OK

    return _analysis(args, run)


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    handler = {
        "index": run_index, "search": run_search,
        "trends": run_trends, "export": run_export, "kwic": run_kwic,
    }[args.command]  # fmt: skip
    try:
        status = handler(args)
        sys.stdout.flush()  # a closed pipe shows here, not at exit where it cannot be caught
    except BrokenPipeError:
        # `xunwen search 发展 | head -2`: the reader has what it wanted. Python
        # would flush stdout again at exit and print a traceback: point stdout
        # at /dev/null first (the recipe of the signal module's documentation).
        import os

        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK
    return status


if __name__ == "__main__":
    sys.exit(main())
