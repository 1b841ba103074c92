"""What the HTML pages add to the data dicts: links that change the search
(facet toggles, chips, sort, script, pages), the timeline, labels. The JSON
API does not need any of it."""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

from flask import url_for
from markupsafe import Markup

from search.request import UNKNOWN
from search.searcher import MAX_PAGE
from web import timeline
from web.analysis import analysis_links
from web.basis import basis_label
from web.display import (
    BASIS_LABELS,
    FACET_LABELS,
    SCRIPT_LABELS,
    SORT_LABELS,
    label,
    note_label,
    value_label,
)
from web.paragraphs import split_paragraphs
from web.params import SearchParams, page_numbers, remove_filter

FACETS_SHOWN = 8  # values shown before "更多"
# Region facets drill down: cities once a province is chosen, counties once a city is.
_SHOWN_WHEN = {"city": ("province", "city", "region"), "county": ("city", "county")}
_FACET_ORDER = ("province", "city", "county", "year", "month", "topic", "source")


def search_url(params: SearchParams) -> str:
    query = params.query_string()
    return url_for("pages.search") + ("?" + query if query else "")


def document_url(
    doc_id: str, q: str = "", script: str = "original", params: SearchParams | None = None
) -> str:
    """A document's page; with ``params``, it carries the search it was found
    by (query, filters, sort, page, script), for its link back."""
    if params is not None:
        query = params.query_string()
        return url_for("pages.document", doc_id=doc_id) + ("?" + query if query else "")
    args = {"q": q} if q else {}
    if script != "original":
        args["script"] = script
    return url_for("pages.document", doc_id=doc_id, **args)


def region_text(item: dict[str, Any]) -> str:
    """省 / 市 / 县 without repeats (北京市 is a province and a city)."""
    parts = [item.get(level) for level in ("province", "city", "county")]
    return " / ".join(dict.fromkeys(part for part in parts if part))


def chip_text(name: str, value: str, labels: dict[tuple[str, str], str] | None = None) -> str:
    """A chosen filter as a chip says it (``labels``: the facets' labels by (name, value))."""
    if name == "month" and len(value) == 7:
        return f"{value[:4]}年{int(value[5:])}月" if value[5:].isdigit() else value
    if labels and (name, value) in labels:
        return labels[name, value]
    return value_label(name, value)


def facet_labels(data: dict[str, Any], params: SearchParams) -> dict[tuple[str, str], str]:
    """(name, value) -> label, from the facets (chosen values are always among them);
    a filter that is no facet (``region``) gets its label here."""
    labels = {
        (name, item["value"]): item.get("label") or value_label(name, item["value"])
        for name, items in data["facets"].items()
        for item in items
    }
    for value in params.values("region"):
        labels["region", value] = label("region", value, params.script)
    return labels


# The toggle of a result page: one hit per story of reprints, or every document.
COLLAPSE_LABELS = {"story": "合并转载", "none": "逐篇"}


def search_view(data: dict[str, Any], params: SearchParams) -> dict[str, Any]:
    """Links, labels and the timeline of a result page."""
    labels = facet_labels(data, params)
    return {
        "params": params,
        "chips": [
            {
                "label": FACET_LABELS.get(name, name),
                "text": chip_text(name, value, labels),
                "url": search_url(remove_filter(params, name, value)),
            }
            for name, value in params.filters
        ],
        "clear_url": search_url(params.replace(filters=(), page=1)),
        "first_page_url": search_url(params.replace(page=1)),
        "facets": facet_groups(data["facets"], params),
        "timeline": timeline_view(data["facets"], params),
        "analysis": analysis_links(params),
        "sorts": [
            {
                "label": label,
                "url": search_url(params.replace(sort=sort, page=1)),
                "current": data["sort"] == sort,
            }
            for sort, label in SORT_LABELS.items()
        ],
        "scripts": script_links(params.script, lambda script: search_url(params.replace(script=script))),
        "collapses": [
            {
                "label": label,
                "url": search_url(params.replace(collapse=collapse, page=1)),
                "current": params.collapse == collapse,
            }
            for collapse, label in COLLAPSE_LABELS.items()
        ],  # fmt: skip
        "pagination": pagination(data, params),
        # the search box keeps the filters; the date form keeps everything else
        "form_fields": params.replace(q="", page=1).pairs(),
        "date_fields": params.without("date_from").without("date_to").pairs(),
        "date_from": (params.values("date_from") or [""])[0],
        "date_to": (params.values("date_to") or [""])[0],
        "notes": [note_label(note) for note in data.get("notes", [])],
        "relaxations": [relaxation_view(item, params, labels) for item in data.get("relaxations", [])],
        "suggestions": [
            {
                "query": item["query"],
                "total": item["total"],
                "url": search_url(params.replace(q=item["query"], page=1)),
            }
            for item in data.get("suggestions", [])
        ],
        "first_rank": (data["page"] - 1) * data["per_page"] + 1,
        "hits": [hit_view(hit, params) for hit in data["hits"]],
    }


def hit_view(hit: dict[str, Any], params: SearchParams) -> dict[str, Any]:
    return {
        "url": document_url(hit["id"], params=params),
        **labelled_facts(hit),
        "reprints": [
            dict(member, url=document_url(member["id"], params=params)) for member in hit.get("reprints", [])
        ],
    }


def labelled_facts(item: dict[str, Any]) -> dict[str, Any]:
    """``facts`` (what the facts line shows, labels in the reader's script) and ``region``."""
    labels = item.get("labels") or {}
    facts = {
        "published": item.get("published"),
        "source": labels.get("source", item.get("source")),
        "topics": labels.get("topics", item.get("topics") or []),
    }
    return {"facts": facts, "region": labels.get("region", region_text(item))}


def script_links(current: str, url) -> list[dict[str, Any]]:
    return [
        {"label": label, "url": url(script), "current": script == current}
        for script, label in SCRIPT_LABELS.items()
    ]


def facet_groups(facets: dict[str, list[dict]], params: SearchParams) -> list[dict[str, Any]]:
    """Facets in display order, each value with the link that toggles it."""
    groups = []
    for name in _FACET_ORDER:
        values = facets.get(name)
        if values is None:
            continue
        if name in _SHOWN_WHEN and not any(params.values(level) for level in _SHOWN_WHEN[name]):
            continue
        items = [
            {
                "value": item["value"],
                "label": item.get("label") or value_label(name, item["value"]),
                "count": item["count"],
                "selected": item["selected"],
                "url": search_url(
                    remove_filter(params, name, item["value"])
                    if (name, item["value"]) in params.filters
                    else params.with_filter(name, item["value"])
                ),
            }
            for item in values
        ]
        # Selected values and the unknown bucket (last) are never hidden behind "更多".
        visible = [number < FACETS_SHOWN or item["selected"] or item["value"] == UNKNOWN
                   for number, item in enumerate(items)]  # fmt: skip
        shown = [item for item, keep in zip(items, visible, strict=True) if keep]
        more = [item for item, keep in zip(items, visible, strict=True) if not keep]
        groups.append({"name": name, "label": FACET_LABELS[name], "shown": shown, "more": more})
    return groups


def timeline_view(facets: dict[str, list[dict]], params: SearchParams) -> dict[str, Any] | None:
    """Bars per month of the one chosen year, else per year of the matches."""
    years = params.values("year")
    if len(years) == 1 and "month" in facets:
        counts = {item["value"]: item["count"] for item in facets["month"]}
        keys = [f"{years[0]}-{month:02d}" for month in range(1, 13)]
        name, title = "month", f"{years[0]}年各月"
        labels = [str(month) for month in range(1, 13)]
    else:
        counts = {item["value"]: item["count"] for item in facets.get("year", []) if item["value"].isdigit()}
        if not counts:
            return None
        first, last = int(min(counts)), int(max(counts))
        keys = [str(year) for year in range(first, last + 1)]
        name, title, labels = "year", "各年", keys
    selected = set(params.values(name))
    slots = []
    for key, text in zip(keys, labels, strict=True):
        toggled = remove_filter(params, name, key) if key in selected else params.with_filter(name, key)
        slots.append((key, text, counts.get(key, 0), key in selected, search_url(toggled)))
    chart = timeline.bars(slots)
    return {
        "title": title,
        "name": name,
        "bars": chart,
        "labels": timeline.axis_labels(chart),
        "width": timeline.WIDTH,
        "height": timeline.HEIGHT,
        "baseline": timeline.HEIGHT - timeline.LABEL_SPACE,
    }


def pagination(data: dict[str, Any], params: SearchParams) -> dict[str, Any] | None:
    pages = min(data["pages"], MAX_PAGE)
    if pages <= 1:
        return None
    page = data["page"]
    return {
        "previous": search_url(params.replace(page=page - 1)) if page > 1 else None,
        "next": search_url(params.replace(page=page + 1)) if page < pages else None,
        "pages": [
            {"number": number, "url": search_url(params.replace(page=number)), "current": number == page}
            if number is not None
            else None
            for number in page_numbers(page, pages)
        ],
    }


def relaxation_view(
    item: dict[str, Any], params: SearchParams, labels: dict[tuple[str, str], str] | None = None
) -> dict[str, Any]:
    if item["name"] is None:
        return {
            "text": "去掉所有筛选条件",
            "total": item["total"],
            "url": search_url(params.replace(filters=(), page=1)),
        }
    text = f"去掉「{FACET_LABELS.get(item['name'], item['name'])}：{chip_text(item['name'], item['value'], labels)}」"
    return {
        "text": text,
        "total": item["total"],
        "url": search_url(remove_filter(params, item["name"], item["value"])),
    }


def safe_link(url: str | None) -> str | None:
    """A source URL to link to, only if it is http(s) (never ``javascript:``)."""
    if url and url.strip().lower().startswith(("http://", "https://")):
        return url.strip()
    return None


EXTRA_LABELS = {"title_original": "原标题"}  # fields the indexer adds to the given ones
_MATCH_RE = re.compile(r"(?<!</mark>)<mark[ >]")  # touching marks are one match (a mark may carry an id)


def match_count(html: str) -> int:
    """Matches marked in ``html``; marks that touch count once."""
    return len(_MATCH_RE.findall(html or ""))


def _shown(value: Any) -> str:
    """A metadata value as text; "" for none (never ``None`` or ``null``)."""
    if value is None or value == [] or value == {}:
        return ""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def citation(document: dict[str, Any], today: datetime.date | None = None) -> str:
    """``来源：《标题》，日期，网址（检索于 日期）``, empty parts left out."""
    today = today or datetime.date.today()
    title = document.get("title")
    parts = [f"《{title}》" if title else "", document.get("published") or "", document.get("url") or ""]
    text = "，".join(part for part in parts if part)
    source = document.get("source")
    return (f"{source}：" if source else "") + text + f"（检索于 {today.isoformat()}）"


def document_view(data: dict[str, Any], params: SearchParams | None = None) -> dict[str, Any]:
    """Metadata rows with how each value was found, links and script switch;
    ``params`` is the search the reader came from (kept in every link)."""
    document, q, script = data["document"], data["query"], data["script"]
    params = params or SearchParams(q=q, script=script)
    basis = document.get("basis") or {}
    date_note = {"month": "（只知月份）", "year": "（只知年份）"}.get(
        document.get("date_precision") or "", ""
    )
    labelled, labels = labelled_facts(document), document.get("labels") or {}
    rows = [
        ("日期", (document["published"] + date_note) if document.get("published") else "", basis.get("published")),
        ("来源", labelled["facts"]["source"], basis.get("source")),
        ("地区", labelled["region"], basis.get("region")),
        ("主题", "、".join(labelled["facts"]["topics"]), basis.get("topics")),
        ("标签", "、".join(labels.get("tags", document.get("tags") or [])), basis.get("tags")),
        ("提及地区", "、".join(labels.get("regions", document.get("regions") or [])), None),
        ("标题", ("由正文生成" if document.get("title_derived") else "原有标题") if document.get("title") else "",
         basis.get("title")),
        ("文件", document.get("path"), None),
        ("内容哈希", document.get("content_hash"), None),
    ]  # fmt: skip
    for key, value in (document.get("extra") or {}).items():
        rows.append((EXTRA_LABELS.get(key, str(key)), _shown(value), "原始字段"))
    known = set(BASIS_LABELS) | {"published"}
    for key, how in basis.items():
        if key not in known:
            rows.append((key, "", how))
    body_html = document.get("body_html") or ""
    return {
        "rows": [
            {"label": label, "value": _shown(value), "basis": basis_label(how)}
            for label, value, how in rows
            if _shown(value) or how  # an empty value is hidden, unless how it was sought says something
        ],
        "region": labelled["region"],
        "facts": labelled["facts"],
        "converted_note": document.get("converted_note", ""),
        "link": safe_link(document.get("url")),
        "url_text": document.get("url"),
        # Pieces of ``body_html``, which ``web.display.marked_html`` escaped: still safe.
        "paragraphs": [Markup(paragraph) for paragraph in split_paragraphs(str(body_html))],
        "matches": match_count(body_html),
        "citation": citation(document),
        "scripts": script_links(
            script, lambda other: document_url(document["id"], params=params.replace(script=other))
        ),
        "back_url": search_url(params),
        "similar": [
            {"url": document_url(hit["id"], params=params), **labelled_facts(hit)} for hit in data["similar"]
        ],
    }
