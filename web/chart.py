"""The trends chart as geometry: lines, points, axes and ticks in SVG user units.

The template draws it as inline SVG (no library, no CDN). Tick labels are
placed so that none is clipped: the plot area leaves room on the left for the
widest y label and below for the x labels, and x labels are thinned to every
k-th bucket so that neighbours never overlap.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

WIDTH, HEIGHT = 960, 360
LEFT, RIGHT, TOP, BOTTOM = 64, 20, 16, 44
CHAR_WIDTH = 7.5  # an x label's width per character at the chart's font size (ASCII digits)
LABEL_GAP = 12
Y_TICKS = 5


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    key: str
    value: float
    label: str  # "2020-03: 12" as shown on hover
    url: str


@dataclass
class Line:
    name: str
    number: int  # which colour (0-4)
    points: list[Point] = field(default_factory=list)

    @property
    def path(self) -> str:
        return " ".join(f"{point.x:.1f},{point.y:.1f}" for point in self.points)


@dataclass
class Chart:
    width: int
    height: int
    lines: list[Line]
    x_ticks: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    plot: tuple[float, float, float, float]  # left, top, right, bottom


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 times a power of ten at or above ``value``."""
    if value <= 0:
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if step * power >= value - 1e-12:
            return step * power
    return 10 * power


def format_value(value: float, share: bool) -> str:
    if share:
        return f"{value * 100:.3g}%"
    return f"{value:,.0f}" if value >= 1 or value == 0 else f"{value:.2g}"


def line_chart(
    keys: list[str], series: list[tuple[str, list[float | None], list[str]]], share: bool = False
) -> Chart:
    """A chart of ``series`` = [(name, value per key, search URL per key)] over ``keys``."""
    highest = max((value or 0 for _, values, _ in series for value in values), default=0)
    # Ticks at a "nice" step; counts step by whole numbers (no tick reads 0.4 documents).
    step = nice_ceiling(highest / Y_TICKS) if highest else 1.0 / Y_TICKS
    if not share:
        step = max(1.0, float(math.ceil(step)))
    ceiling = step * Y_TICKS
    # Margins wide enough that no label is clipped: the widest y label on the
    # left, half of the first and last x label (centred on their points).
    widest = max((len(key) for key in keys), default=4) * CHAR_WIDTH
    widest_y = max(len(format_value(step * number, share)) for number in range(Y_TICKS + 1))
    left = max(LEFT, widest_y * CHAR_WIDTH + LABEL_GAP, widest / 2 + 4)
    right = WIDTH - max(RIGHT, widest / 2 + 4)
    top, bottom = TOP, HEIGHT - BOTTOM
    slot = (right - left) / max(len(keys) - 1, 1)

    def x_of(number: int) -> float:
        return left + (slot * number if len(keys) > 1 else (right - left) / 2)

    def y_of(value: float) -> float:
        return bottom - (bottom - top) * value / ceiling

    lines = []
    for number, (name, values, urls) in enumerate(series):
        line = Line(name, number % 5)
        for index, (key, value, url) in enumerate(zip(keys, values, urls, strict=True)):
            shown = value or 0.0
            line.points.append(
                Point(
                    round(x_of(index), 1),
                    round(y_of(shown), 1),
                    key,
                    shown,
                    f"{name} · {key}: {format_value(shown, share)}",
                    url,
                )  # fmt: skip
            )
        lines.append(line)
    every = max(1, math.ceil((widest + LABEL_GAP) / slot)) if len(keys) > 1 else 1
    x_ticks = [(round(x_of(index), 1), key) for index, key in enumerate(keys) if index % every == 0]
    y_ticks = [
        (round(y_of(step * number), 1), format_value(step * number, share)) for number in range(Y_TICKS + 1)
    ]
    return Chart(WIDTH, HEIGHT, lines, x_ticks, y_ticks, (left, top, right, bottom))
