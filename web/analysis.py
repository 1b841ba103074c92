"""The analysis pages and their API: trends, export, concordance, keywords, feeds.

Every view takes the search page's parameters (query language, filters, sort)
and reads the same data dicts as JSON, CSV or a page; validation is the
search's own (``web.params``), so a bad parameter is a 400 with the one JSON
error shape.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from urllib.parse import urlencode

from flask import Blueprint, Response, current_app, render_template, request, stream_with_context, url_for
from werkzeug.datastructures import MultiDict

from search import analytics, export, kwic, trends
from search.request import COUNTS, QueryError
from web import chart, feed
from web.index_store import get_index
from web.params import SearchParams, parse_query_text, parse_search_params

blueprint = Blueprint("analysis", __name__)

MEASURE_LABELS = {"count": "篇数", "share": "占比"}
COUNT_LABELS = {"documents": "每篇文档", "stories": "每篇报道（转载只算一次）"}
INTERVAL_LABELS = {"auto": "自动", "day": "日", "week": "周", "month": "月", "year": "年"}


def _params() -> SearchParams:
    return parse_search_params(request.args, current_app.config["PER_PAGE"])


def _queries() -> list[str]:
    """The repeated ``q`` of a trend, each checked as a search's ``q`` is."""
    queries = []
    for value in request.args.getlist("q"):
        queries.append(parse_query_text(MultiDict({"q": value})))
    queries = [query for query in queries if query] or [""]
    if len(queries) > trends.MAX_SERIES:
        raise QueryError(f"at most {trends.MAX_SERIES} series (q) in a trend")
    return list(dict.fromkeys(queries))


def _choice(name: str, allowed, default: str) -> str:
    value = (request.args.get(name) or default).strip()
    if value not in allowed:
        raise QueryError(f"{name} must be one of {', '.join(allowed)}")
    return value


def _whole(name: str, default: int, low: int, high: int) -> int:
    value = (request.args.get(name) or str(default)).strip()
    if not (value.isascii() and value.isdigit()) or not low <= int(value) <= high:
        raise QueryError(f"{name} must be a whole number from {low} to {high}")
    return int(value)


def _today() -> str:
    return dt.date.today().isoformat()


# -- trends --------------------------------------------------------------------


def trend_data() -> dict:
    params = _params()
    interval = _choice("interval", ("auto", *trends.INTERVALS), "auto")
    measure = _choice("measure", trends.MEASURES, "count")
    count = _choice("count", COUNTS, "documents")  # stories: a story of reprints counts once
    data = analytics.trend(get_index(), _queries(), params.filter_dict(), interval, measure, count)
    return {"params": params, **data}


def bucket_filters(key: str, interval: str) -> list[tuple[str, str]]:
    """The search filters that select one bucket of a trend."""
    if interval == "year":
        return [("year", key)]
    if interval == "month":
        return [("month", key)]
    if interval == "day":
        return [("date_from", key), ("date_to", key)]
    monday = dt.date.fromisocalendar(int(key[:4]), int(key[6:]), 1)
    return [("date_from", monday.isoformat()), ("date_to", (monday + dt.timedelta(days=6)).isoformat())]


def bucket_url(params: SearchParams, query: str, key: str, interval: str) -> str:
    """The search page for one query, filtered to one bucket."""
    narrowed = params.replace(q=query, page=1)
    for name, value in bucket_filters(key, interval):
        narrowed = narrowed.with_filter(name, value)
    return url_for("pages.search") + "?" + narrowed.query_string()


def _public(data: dict) -> dict:
    return {key: value for key, value in data.items() if key != "params"}


@blueprint.get("/api/trends")
def api_trends():
    """``GET /api/trends?q=...&q=...``: matches per date bucket, per query."""
    return {"ok": True, **_public(trend_data())}


@blueprint.get("/api/trends.csv")
def api_trends_csv():
    """The trend as CSV: one row per bucket, a count (and share) column per query."""
    data = trend_data()
    header = ["bucket", "collection"]
    for item in data["series"]:
        header += [f"{item['query'] or '(all)'} count", f"{item['query'] or '(all)'} share"]
    rows = []
    for number, bucket in enumerate(data["collection"]):
        row = [bucket["key"], bucket["count"]]
        for item in data["series"]:
            cell = item["buckets"][number]
            row += [cell["count"], "" if cell["share"] is None else f"{cell['share']:.6f}"]
        rows.append(row)
    rows.append(
        ["undated", data["collection_undated"], *[v for s in data["series"] for v in (s["undated"], "")]]
    )
    body = export.table_csv(header, rows)
    name = export.file_name("-".join(s["query"] for s in data["series"]) + "-trend", _today(), "csv")
    return _download(body, name, "text/csv")


@blueprint.get("/trends")
def trends_page():
    """The trends page: a chart of up to five queries, a table of the same numbers, CSV."""
    data = trend_data()
    params: SearchParams = data["params"]
    share = data["measure"] == "share"
    keys = [bucket["key"] for bucket in data["collection"]]
    lines = [
        (
            item["query"] or "全部文档",
            [(cell["share"] if share else cell["count"]) for cell in item["buckets"]],
            [bucket_url(params, item["query"], key, data["interval"]) for key in keys],
        )
        for item in data["series"]
    ]
    view = {
        "chart": chart.line_chart(keys, lines, share=share) if keys else None,
        "queries": [item["query"] for item in data["series"]]
        + [""] * (trends.MAX_SERIES - len(data["series"])),
        "filters": list(params.filters),
        "csv_url": url_for("analysis.api_trends_csv") + "?" + request.query_string.decode("ascii", "replace"),
        "keywords_url": analysis_links(params.replace(q=data["series"][0]["query"]))["keywords"]
        if data["series"][0]["query"]
        else "",
        "intervals": INTERVAL_LABELS,
        "measures": MEASURE_LABELS,
        "counts": COUNT_LABELS,
        "interval": request.args.get("interval") or "auto",
        "table": [
            {
                "key": key,
                "collection": data["collection"][n]["count"],
                "cells": [(item["buckets"][n], lines[i][2][n]) for i, item in enumerate(data["series"])],
            }
            for n, key in enumerate(keys)
        ],  # fmt: skip
    }
    return render_template("trends.html", data=data, view=view, search_text=data["series"][0]["query"])


# -- export ----------------------------------------------------------------------


def content_disposition(name: str) -> str:
    """An attachment header that keeps a Chinese file name (RFC 6266 / 5987) with an ASCII fallback."""
    from urllib.parse import quote

    fallback = name.encode("ascii", "replace").decode("ascii").replace("?", "_").replace('"', "_")
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name)}"


def _download(body, name: str, mimetype: str) -> Response:
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = content_disposition(name)
    return response


@blueprint.get("/api/export")
def api_export():
    """``GET /api/export?format=csv|jsonl&q=...``: every matching document, streamed."""
    params = _params()
    kind = _choice("format", export.FORMATS, "csv")
    total, rows = analytics.export_rows(get_index(), params.q, params.filter_dict(), params.sort)
    lines: Iterator[str] = export.csv_lines(rows) if kind == "csv" else export.jsonl_lines(rows)
    mimetype = "text/csv" if kind == "csv" else "application/x-ndjson"
    response = _download(stream_with_context(line.encode("utf-8") for line in lines),
                         export.file_name(params.q, _today(), kind), mimetype + "; charset=utf-8")  # fmt: skip
    response.headers["X-Total-Count"] = str(total)
    return response


# -- concordance ----------------------------------------------------------------


def kwic_data() -> dict:
    params = _params()
    sort = _choice("sort_lines", kwic.SORTS, "document")
    width = _whole("width", kwic.DEFAULT_WIDTH, 1, kwic.MAX_WIDTH)
    data = analytics.concordance(
        get_index(), params.q, params.filter_dict(), width, sort, params.page, params.per_page
    )
    return {"params": params, **data}


@blueprint.get("/api/kwic")
def api_kwic():
    """``GET /api/kwic?q=...``: every occurrence as ``left | match | right``."""
    return {"ok": True, **_public(kwic_data())}


@blueprint.get("/api/kwic.csv")
def api_kwic_csv():
    """Every listed line of the concordance (up to the cap) as CSV."""
    params = _params()
    sort = _choice("sort_lines", kwic.SORTS, "document")
    width = _whole("width", kwic.DEFAULT_WIDTH, 1, kwic.MAX_WIDTH)
    data = analytics.concordance(get_index(), params.q, params.filter_dict(), width, sort, 1, kwic.MAX_LINES)
    header = ["id", "date", "source", "title", "left", "match", "right", "start"]
    rows = [[line[column] for column in header] for line in data["lines"]]
    return _download(
        export.table_csv(header, rows), export.file_name(params.q + "-kwic", _today(), "csv"), "text/csv"
    )


@blueprint.get("/kwic")
def kwic_page():
    """The concordance page: lines with sortable contexts, paged, linking to each place."""
    data = kwic_data() if request.args.get("q", "").strip() else None
    params = data["params"] if data else _params()
    view = {
        "sorts": {
            "document": "按文档",
            "left": "按左侧",
            "right": "按右侧",
            "date": "按日期",
            "source": "按来源",
        }
    }
    if data:
        base = [(k, v) for k, v in request.args.items(multi=True) if k not in ("sort_lines", "page")]
        view["sort_urls"] = {
            key: url_for("analysis.kwic_page") + "?" + urlencode([*base, ("sort_lines", key)])
            for key in view["sorts"]
        }
        view["csv_url"] = (
            url_for("analysis.api_kwic_csv") + "?" + urlencode(base + [("sort_lines", data["sort"])])
        )
        last = max(1, -(-min(data["listed"], data["total_lines"]) // data["per_page"]))

        def page_url(number: int) -> str:
            arguments = [*base, ("sort_lines", data["sort"]), ("page", str(number))]
            return url_for("analysis.kwic_page") + "?" + urlencode(arguments)

        view["previous"] = page_url(data["page"] - 1) if data["page"] > 1 else None
        view["next"] = page_url(data["page"] + 1) if data["page"] < last else None
        view["links"] = [
            url_for("pages.document", doc_id=line["id"], q=params.q) + f"#at-{line['start']}"
            for line in data["lines"]
        ]
    return render_template("kwic.html", data=data, view=view, search_text=params.q)


# -- distinctive words ----------------------------------------------------------


@blueprint.get("/api/keywords")
def api_keywords():
    """``GET /api/keywords?q=...``: words over-represented in the matching documents."""
    params = _params()
    limit = _whole("limit", 30, 1, 100)
    return {"ok": True, **analytics.distinctive_words(get_index(), params.q, params.filter_dict(), limit)}


# -- feeds -------------------------------------------------------------------------


@blueprint.get("/feed.atom")
def atom():
    """Any search as an Atom feed of its newest matching documents."""
    params = _params().replace(sort="newest", page=1, per_page=feed.FEED_ENTRIES)
    result = get_index().search(params.q, params.filter_dict(), 1, feed.FEED_ENTRIES, "newest")
    root = request.url_root.rstrip("/")
    entries = [
        {
            "link": root + url_for("pages.document", doc_id=hit["id"]),
            "title": hit["title"],
            "published": hit["published"],
            "source": hit["source"],
            "region": " / ".join(
                dict.fromkeys(p for p in (hit["province"], hit["city"], hit["county"]) if p)
            ),
            "summary": analytics.plain_passage(hit),
        }
        for hit in result["hits"]
    ]
    query = params.replace(sort=None).query_string()
    title = (
        "寻闻：" + (params.q or "全部文档") + "".join(f" {name}={value}" for name, value in params.filters)
    )
    body = feed.atom_feed(
        title,
        root + url_for("analysis.atom") + ("?" + query if query else ""),
        root + url_for("pages.search") + ("?" + query if query else ""),
        entries,
    )
    return Response(body, mimetype="application/atom+xml")


def analysis_links(params: SearchParams) -> dict[str, str]:
    """Links from a search page to the same search's trend, export, concordance, keywords and feed."""
    kept = params.replace(page=1, script="original")
    query = kept.replace(sort=None).query_string()
    with_sort = kept.query_string()

    def link(endpoint: str, arguments: str, **extra: str) -> str:
        tail = "&".join(part for part in (arguments, urlencode(extra)) if part)
        return url_for(endpoint) + ("?" + tail if tail else "")

    return {
        "trends": link("analysis.trends_page", query),
        "export_csv": link("analysis.api_export", with_sort, format="csv"),
        "export_jsonl": link("analysis.api_export", with_sort, format="jsonl"),
        "kwic": link("analysis.kwic_page", query) if params.q else "",
        "keywords": link("analysis.api_keywords", query),
        "feed": link("analysis.atom", query),
    }
