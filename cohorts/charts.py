"""Geometry of the server-rendered SVG chart "completion over time against the pace plan".

Pure functions: they turn a :class:`cohorts.selectors.ProgressHistory` into coordinates the
template ``cohorts/_progress_chart.svg`` draws. No JavaScript, no inline styles (CSP): colours are
SVG presentation attributes and CSS classes.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from cohorts.selectors import ChartPoint, ProgressHistory, planned_percent_at
from core.percent import percent_round

#: The drawing's size in SVG user units; it scales to the page width through ``viewBox``.
WIDTH, HEIGHT = 720, 320
#: Plot area margins: room for the legend on top and axis labels left and below.
MARGIN_LEFT, MARGIN_RIGHT, MARGIN_TOP, MARGIN_BOTTOM = 52, 20, 40, 48


@dataclass(frozen=True)
class Dot:
    """A marker of the actual line, with its values for the tooltip (``<title>``)."""

    x: float
    y: float
    week: float
    percent: float


@dataclass
class ChartGeometry:
    """Coordinates for the SVG template.

    Attributes:
        width, height: the ``viewBox`` size.
        left, right, top, bottom: the plot area's edges.
        x_ticks: ``(x, label)`` for week numbers.
        y_ticks: ``(y, label)`` for 0, 25, 50, 75 and 100 %.
        actual: ``points`` attribute of the actual polyline ("x,y x,y ..."), "" when empty.
        planned: the same for the plan.
        dots: markers of the actual line.
        rows: ``(week, actual percent, planned percent or None)`` for the data table.
    """

    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    x_ticks: list[tuple[float, str]] = field(default_factory=list)
    y_ticks: list[tuple[float, str]] = field(default_factory=list)
    actual: str = ""
    planned: str = ""
    dots: list[Dot] = field(default_factory=list)
    rows: list[tuple[float, float, float | None]] = field(default_factory=list)


def _tick_step(weeks: int) -> int:
    """Label every week up to 16 weeks, then every 2nd, 4th … so labels never overlap."""
    step = 1
    while weeks / step > 16:
        step *= 2
    return step


def chart_geometry(history: ProgressHistory) -> ChartGeometry:
    """Map ``history`` onto the plot area.

    x: ``left + week / weeks × plot width``; y: ``top + (1 − percent / 100) × plot height``;
    coordinates are rounded to 0.1 unit.
    """
    left, right = MARGIN_LEFT, WIDTH - MARGIN_RIGHT
    top, bottom = MARGIN_TOP, HEIGHT - MARGIN_BOTTOM
    weeks = max(1, history.weeks)

    def x(week: float) -> float:
        return round(left + (right - left) * week / weeks, 1)

    def y(percent: float) -> float:
        return round(top + (bottom - top) * (1 - percent / 100), 1)

    def points(series: list[ChartPoint]) -> str:
        return " ".join(f"{x(p.week):g},{y(p.percent):g}" for p in series)

    step = _tick_step(weeks)
    return ChartGeometry(
        width=WIDTH,
        height=HEIGHT,
        left=left,
        right=right,
        top=top,
        bottom=bottom,
        x_ticks=[(x(w), str(w)) for w in range(0, weeks + 1, step)],
        y_ticks=[(y(p), f"{p}%") for p in (0, 25, 50, 75, 100)],
        actual=points(history.actual),
        planned=points(history.planned),
        dots=[Dot(x(p.week), y(p.percent), round(p.week, 1), percent_round(p.percent, 1)) for p in history.actual],
        rows=[
            (
                round(p.week, 1),
                percent_round(p.percent, 1),
                round(planned_percent_at(history.planned, p.week), 1) if history.planned else None,
            )
            for p in history.actual
        ],
    )
