"""The timeline chart: matching documents per year (or per month of a chosen
year) as bar geometry, which the template draws as inline SVG (no library)."""

from __future__ import annotations

from dataclasses import dataclass

WIDTH, HEIGHT = 300, 90  # SVG user units; the chart scales to its box
LABEL_SPACE = 14  # below the bars, for the axis labels
GAP = 0.2  # share of each slot left empty between bars


@dataclass(frozen=True)
class Bar:
    key: str  # the facet value ("2018", "2018-06")
    label: str  # the axis label ("2018", "6")
    count: int
    selected: bool
    url: str
    x: float
    y: float
    width: float
    height: float


def bars(slots: list[tuple[str, str, int, bool, str]]) -> list[Bar]:
    """Bars for (key, label, count, selected, url) slots, tallest = full height."""
    if not slots:
        return []
    tallest = max(count for _, _, count, _, _ in slots) or 1
    slot = WIDTH / len(slots)
    plot = HEIGHT - LABEL_SPACE
    result = []
    for number, (key, label, count, selected, url) in enumerate(slots):
        height = round(plot * count / tallest, 2) if count else 0.0
        if count and height < 1:
            height = 1.0  # a document is never invisible
        result.append(Bar(key, label, count, selected, url, round(number * slot + slot * GAP / 2, 2),
                          round(plot - height, 2), round(slot * (1 - GAP), 2), height))  # fmt: skip
    return result


def axis_labels(chart: list[Bar], most: int = 6) -> list[Bar]:
    """The bars whose label is printed: at most ``most``, evenly spread, first and last."""
    if len(chart) <= most:
        return chart
    step = (len(chart) - 1) / (most - 1)
    return [chart[round(number * step)] for number in range(most)]
