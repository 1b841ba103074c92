"""What would find something when a search finds nothing: the same search with
one filter fewer (relaxations) and other ways to write the query (suggestions).

The web's zero-result page, ``/api/search`` and ``xunwen search`` all show
these, from here. Filters are ``(name, value)`` pairs in the order given,
as a URL lists them, so that each relaxation drops exactly one of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from search.plan import MatchPlan, plan_query

MAX_RELAXATIONS = 10
MAX_SUGGESTIONS = 5
FilterPairs = Sequence[tuple[str, str]]


def filter_pairs(filters: dict[str, Any] | None) -> list[tuple[str, str]]:
    """``{name: value or [values]}`` as ``(name, value)`` pairs, in order."""
    pairs = []
    for name, values in (filters or {}).items():
        for value in [values] if isinstance(values, str) else values or []:
            pairs.append((name, value))
    return pairs


def filter_dict(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """Pairs back to the ``{name: [values]}`` a search takes."""
    result: dict[str, list[str]] = {}
    for name, value in pairs:
        result.setdefault(name, []).append(value)
    return result


def without_filter(pairs: FilterPairs, name: str, value: str) -> tuple[tuple[str, str], ...]:
    """The pairs without one; dropping a province or city also drops the cities
    and counties chosen inside it (the drill-down under it)."""
    kept = tuple(pair for pair in pairs if pair != (name, value))
    if name not in ("province", "city"):
        return kept
    from search.gazetteer import resolve

    below = ("city", "county") if name == "province" else ("county",)

    def inside(pair: tuple[str, str]) -> bool:
        region = resolve(pair[1]) if pair[0] in below else None
        return region is not None and getattr(region, name) == value

    return tuple(pair for pair in kept if not inside(pair))


def relaxations(index, query: str, pairs: FilterPairs, plan: MatchPlan | None = None) -> list[dict[str, Any]]:
    """For each filter of a search that found nothing: ``{"name", "value", "total"}``,
    how many it finds without that filter (and, with several, without any: name None)."""
    dropped: list[tuple[str | None, str | None]] = list(pairs[:MAX_RELAXATIONS])
    filter_sets = [filter_dict(without_filter(pairs, name, value)) for name, value in dropped]  # type: ignore[arg-type]
    if len(pairs) > 1:
        dropped.append((None, None))  # every filter dropped
        filter_sets.append({})
    totals = index.counts(query, filter_sets, plan=plan)  # the query is matched once
    return [
        {"name": name, "value": value, "total": total}
        for (name, value), total in zip(dropped, totals, strict=True)
    ]


def suggestions(index, query: str, pairs: FilterPairs, plan: MatchPlan | None = None) -> list[dict[str, Any]]:
    """``{"query", "total"}``: the query in the other script and close indexed
    words, where they find something under the same filters."""
    if not query:
        return []
    found = []
    for other in index.suggestions(query, plan=plan):
        total = index.count(other, filter_dict(pairs))
        if total:
            found.append({"query": other, "total": total})
        if len(found) == MAX_SUGGESTIONS:
            break
    return found


def zero_result_help(
    index, query: str, pairs: FilterPairs, plan: MatchPlan | None = None
) -> dict[str, list[dict[str, Any]]]:
    """``{"relaxations", "suggestions"}`` for a search that found nothing (planned once)."""
    plan = plan or plan_query(query)
    return {
        "relaxations": relaxations(index, query, pairs, plan),
        "suggestions": suggestions(index, query, pairs, plan),
    }
