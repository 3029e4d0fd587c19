"""Charts drawn on the server as inline SVG, without a chart library or a script.

This module is the geometry, pure: values and labels in, coordinates and texts out (a
``Chart``). The markup is ``templates/release/_rollout_chart.html``, which also gives
every chart a ``<title>``/``<desc>`` and its data as a table, for those who cannot see it.

Two shapes: a step line over time (a value that holds until it changes, such as a
grayscale percentage), with shaded intervals (paused, halted); and lines over equal
buckets of time (launches per hour or day, one line per version)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

WIDTH, HEIGHT = 720, 260
LEFT, TOP, RIGHT, BOTTOM = 56, 16, 16, 36  # margins around the plot area
MAX_X_TICKS = 6
DAY = dt.timedelta(days=1)
# Beyond this many points the values are left to the table and each point's tooltip.
MAX_POINT_LABELS = 12
NO_DATA = "No data yet."
PLOT = (LEFT, TOP, WIDTH - RIGHT, HEIGHT - BOTTOM)  # the plot area: left, top, right, bottom


@dataclass(frozen=True)
class Tick:
    at: float  # x or y of the tick, in SVG units
    label: str
    anchor: str = "middle"  # text-anchor of an x tick's label: "end" near the right edge

    @property
    def text_at(self) -> float:
        return _tidy(self.at + 4)  # a y tick's label, centred on its grid line


@dataclass(frozen=True)
class Mark:
    """A data point where it is drawn, the value written next to it (or ``""``) and the
    full description (its tooltip)."""

    x: float
    y: float
    text: str
    title: str

    @property
    def text_y(self) -> float:
        return _tidy(self.y - 8)  # the value's label, just above its point


@dataclass(frozen=True)
class Line:
    name: str
    css: str  # "series-0" …: the colour, from console.css
    d: str  # the SVG path
    marks: tuple[Mark, ...]


@dataclass(frozen=True)
class Band:
    x: float
    width: float
    label: str
    css: str


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


@dataclass(frozen=True)
class Chart:
    id: str
    title: str
    desc: str
    table: Table
    lines: tuple[Line, ...] = ()
    bands: tuple[Band, ...] = ()
    x_ticks: tuple[Tick, ...] = ()
    y_ticks: tuple[Tick, ...] = ()
    y_label: str = ""
    empty_message: str | None = None
    width: int = WIDTH
    height: int = HEIGHT
    plot: tuple[float, float, float, float] = PLOT

    @property
    def empty(self) -> bool:
        return self.empty_message is not None

    @property
    def legend(self) -> list[tuple[str, str]]:
        """(css class, label) of each line, when there are several, and each kind of band."""
        entries = [(line.css, line.name) for line in self.lines] if len(self.lines) > 1 else []
        for band in self.bands:
            if (band.css, band.label) not in entries:
                entries.append((band.css, band.label))
        return entries


@dataclass(frozen=True)
class StepPoint:
    at: dt.datetime
    value: float
    label: str  # what happened then ("grayscale", "pause" …)


@dataclass(frozen=True)
class Interval:
    start: dt.datetime
    end: dt.datetime | None  # None: still going on
    label: str
    css: str


# Scales ----------------------------------------------------------------------------------


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2 or 5 times 10^k at or above ``value`` (1 for nothing to show)."""
    if value <= 0 or not math.isfinite(value):
        return 1.0
    power = 10 ** math.floor(math.log10(value))
    for mantissa in (1, 2, 5, 10):
        if mantissa * power >= value * (1 - 1e-12):
            return float(mantissa * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def value_ticks(top: float, *, integers: bool = False) -> list[float]:
    """0 to ``top`` (a ``nice_ceiling``) in 4 or 5 even steps; whole steps for counts."""
    power = 10 ** math.floor(math.log10(top))
    mantissa = round(top / power)
    step = {1: 0.2, 2: 0.5}.get(mantissa, 1.0) * power
    if integers:
        step = max(step, 1.0)
    count = round(top / step)
    return [round(i * step, 10) for i in range(count + 1)]


def _scale(value: float, lo: float, hi: float, out_lo: float, out_hi: float) -> float:
    span = hi - lo
    share = 0.0 if span == 0 else (value - lo) / span
    return _tidy(out_lo + share * (out_hi - out_lo))


def _tidy(value: float) -> float:
    """A coordinate to a tenth, written without ".0" (``380`` rather than ``380.0``)."""
    rounded = round(float(value), 1)
    return int(rounded) if rounded.is_integer() else rounded


def _f(value: float) -> str:
    return f"{value:g}"


def time_format(span: dt.timedelta, resolution: dt.timedelta = dt.timedelta(0)) -> str:
    """How to write a time on an axis ``span`` long, of data ``resolution`` apart."""
    if span > dt.timedelta(days=300):
        return "%Y-%m-%d"
    if resolution >= DAY:
        return "%m-%d"
    if span <= dt.timedelta(minutes=10):
        return "%H:%M:%S"
    if span <= dt.timedelta(hours=24):
        return "%H:%M"
    return "%m-%d %H:%M"


def when(moment: dt.datetime, resolution: dt.timedelta = dt.timedelta(0)) -> str:
    """A time in full, as tables and tooltips give it (a date for a day's bucket)."""
    utc = moment.astimezone(dt.UTC)
    return utc.strftime("%Y-%m-%d") if resolution >= DAY else utc.strftime("%Y-%m-%d %H:%M UTC")


def _x_tick(at: float, label: str) -> Tick:
    return Tick(at, label, "end" if at > PLOT[2] - 30 else "middle")


def _y_axis(top: float, unit: str, integers: bool) -> tuple[Tick, ...]:
    _, y0, _, y1 = PLOT
    return tuple(
        Tick(_scale(v, 0, top, y1, y0), f"{_f(v)}{unit}")
        for v in value_ticks(top, integers=integers)
    )


# A step line over time -------------------------------------------------------------------


def step_chart(
    *,
    id: str,
    title: str,
    points: Sequence[StepPoint],
    until: dt.datetime,
    intervals: Sequence[Interval] = (),
    unit: str = " %",
    value_header: str = "Value",
) -> Chart:
    """``points`` (oldest first) joined as a step line held until ``until``, over the
    ``intervals`` shaded; the y axis from 0 to a round value above the highest point."""
    table = Table(
        ("Time", "Event", value_header),
        tuple((when(p.at), p.label, f"{_f(p.value)}{unit}") for p in points),
    )
    if not points:
        return Chart(
            id=id, title=title, desc=f"{title}: {NO_DATA}", table=table, empty_message=NO_DATA
        )
    left, top_y, right, bottom = PLOT
    start = points[0].at
    end = max(until, points[-1].at)
    if end == start:
        end = start + dt.timedelta(minutes=1)
    t0, t1 = start.timestamp(), end.timestamp()
    top = nice_ceiling(max(p.value for p in points))

    def x_of(moment: dt.datetime) -> float:
        return _scale(moment.timestamp(), t0, t1, left, right)

    def y_of(value: float) -> float:
        return _scale(value, 0, top, bottom, top_y)

    labelled = len(points) <= MAX_POINT_LABELS
    marks, d = [], ""
    for p in points:
        x, y = x_of(p.at), y_of(p.value)
        d += f"M{_f(x)},{_f(y)}" if not d else f" H{_f(x)} V{_f(y)}"
        marks.append(
            Mark(
                x,
                y,
                f"{_f(p.value)}{unit}" if labelled else "",
                f"{_f(p.value)}{unit}: {p.label}, {when(p.at)}",
            )
        )
    d += f" H{_f(x_of(end))}"
    bands = tuple(
        Band(
            x_of(max(i.start, start)),
            _tidy(x_of(min(i.end or end, end)) - x_of(max(i.start, start))),
            i.label,
            i.css,
        )
        for i in intervals
        if (i.end or end) >= start and i.start <= end
    )
    fmt = time_format(end - start)
    x_ticks = tuple(
        _x_tick(
            _scale(k, 0, MAX_X_TICKS - 1, left, right),
            dt.datetime.fromtimestamp(t0 + (t1 - t0) * k / (MAX_X_TICKS - 1), dt.UTC).strftime(fmt),
        )
        for k in range(MAX_X_TICKS)
    )
    last = points[-1]
    desc = (
        f"{title} from {when(start)} to {when(end)}: {len(points)} changes, "
        f"now {_f(last.value)}{unit}."
    )
    return Chart(
        id=id,
        title=title,
        desc=desc,
        table=table,
        lines=(Line(value_header, "series-0", d, tuple(marks)),),
        bands=bands,
        x_ticks=x_ticks,
        y_ticks=_y_axis(top, unit, integers=False),
        y_label=value_header,
    )


# Lines over equal buckets of time --------------------------------------------------------


def bucket_chart(
    *,
    id: str,
    title: str,
    starts: Sequence[dt.datetime],
    bucket: dt.timedelta,
    series: Sequence[tuple[str, Sequence[int]]],
    value_header: str = "Launches",
) -> Chart:
    """One line per named series over the buckets beginning at ``starts``; each point at
    its bucket's middle. Empty when every value is 0."""

    def bucket_label(start: dt.datetime) -> str:
        return when(start, bucket)

    table = Table(
        ("Period", *(name for name, _ in series)),
        tuple(
            (bucket_label(s), *(f"{values[i]:,}" for _, values in series))
            for i, s in enumerate(starts)
        ),
    )
    highest = max((max(values, default=0) for _, values in series), default=0)
    if not starts or highest == 0:
        return Chart(
            id=id, title=title, desc=f"{title}: {NO_DATA}", table=table, empty_message=NO_DATA
        )
    left, top_y, right, bottom = PLOT
    top = max(nice_ceiling(highest), 1.0)
    width = (right - left) / len(starts)

    def x_of(i: int) -> float:
        return _tidy(left + (i + 0.5) * width)

    labelled = len(starts) * len(series) <= MAX_POINT_LABELS
    lines = []
    for n, (name, values) in enumerate(series):
        marks = tuple(
            Mark(
                x_of(i),
                _scale(v, 0, top, bottom, top_y),
                f"{v:,}" if labelled else "",
                f"{name}: {v:,} in {bucket_label(starts[i])}",
            )
            for i, v in enumerate(values)
        )
        d = " ".join(f"{'M' if i == 0 else 'L'}{_f(m.x)},{_f(m.y)}" for i, m in enumerate(marks))
        lines.append(Line(name, f"series-{n % 6}", d, marks))
    every = max(1, math.ceil(len(starts) / MAX_X_TICKS))
    fmt = time_format(starts[-1] - starts[0], bucket)
    x_ticks = tuple(
        _x_tick(x_of(i), starts[i].astimezone(dt.UTC).strftime(fmt))
        for i in range(0, len(starts), every)
    )
    totals = ", ".join(f"{name} {sum(values):,}" for name, values in series)
    desc = (
        f"{title}, {len(starts)} periods from {bucket_label(starts[0])} to "
        f"{bucket_label(starts[-1])}. Totals: {totals}."
    )
    return Chart(
        id=id,
        title=title,
        desc=desc,
        table=table,
        lines=tuple(lines),
        x_ticks=x_ticks,
        y_ticks=_y_axis(top, "", integers=True),
        y_label=value_header,
    )
