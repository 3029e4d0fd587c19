"""The console's SVG charts (web/charts.py and release/_rollout_chart.html): geometry of
known series, axes, labels, the accessible text and table, and the empty state."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from minirelease.web import charts
from minirelease.web.templating import env

T0 = dt.datetime(2024, 5, 1, 10, 0, tzinfo=dt.UTC)
HOUR = dt.timedelta(hours=1)


def render(chart: charts.Chart) -> str:
    template = env.from_string(
        '{% import "release/_rollout_chart.html" as charts %}{{ charts.chart(chart) }}'
    )
    return template.render(chart=chart)


@pytest.mark.parametrize(
    ("value", "ceiling"),
    [(0, 1), (-3, 1), (0.3, 0.5), (1, 1), (3, 5), (5, 5), (7, 10), (100, 100), (120, 200)],
)
def test_nice_ceiling(value: float, ceiling: float) -> None:
    assert charts.nice_ceiling(value) == ceiling


def test_value_ticks_are_even_steps_to_the_top() -> None:
    assert charts.value_ticks(5) == [0, 1, 2, 3, 4, 5]
    assert charts.value_ticks(100) == [0, 20, 40, 60, 80, 100]
    assert charts.value_ticks(2) == [0, 0.5, 1, 1.5, 2]
    assert charts.value_ticks(0.5) == [0, 0.1, 0.2, 0.3, 0.4, 0.5]
    assert charts.value_ticks(1, integers=True) == [0, 1]


def _grayscale() -> charts.Chart:
    return charts.step_chart(
        id="g",
        title="Grayscale percentage over time",
        points=[
            charts.StepPoint(T0, 1, "Grayscale, from 0 %"),
            charts.StepPoint(T0 + HOUR, 5, "Grayscale, from 1 %"),
        ],
        until=T0 + 2 * HOUR,
        intervals=[
            charts.Interval(T0 + HOUR / 2, T0 + HOUR, "Paused", "band-paused"),
            charts.Interval(T0 + HOUR * 1.5, None, "Halted", "band-halted"),
        ],
        value_header="Percentage",
    )


def test_a_step_line_holds_each_value_until_the_next() -> None:
    chart = _grayscale()
    left, top, right, bottom = chart.plot
    assert (left, top, right, bottom) == (56, 16, 704, 224)
    (line,) = chart.lines
    # 1 % of a 0…5 % axis is a fifth of the plot's height above its bottom; the change
    # an hour in is halfway across; the line is held to the right edge ("now").
    assert line.d == "M56,182.4 H380 V16 H704"
    assert [(m.x, m.y, m.text) for m in line.marks] == [(56, 182.4, "1 %"), (380, 16, "5 %")]
    assert line.marks[1].title == "5 %: Grayscale, from 1 %, 2024-05-01 11:00 UTC"
    assert [(t.at, t.label) for t in chart.y_ticks] == [
        (224, "0 %"),
        (182.4, "1 %"),
        (140.8, "2 %"),
        (99.2, "3 %"),
        (57.6, "4 %"),
        (16, "5 %"),
    ]
    assert [t.label for t in chart.x_ticks] == [
        "10:00",
        "10:24",
        "10:48",
        "11:12",
        "11:36",
        "12:00",
    ]
    assert chart.x_ticks[-1].anchor == "end" and chart.x_ticks[0].anchor == "middle"
    assert [(b.x, b.width, b.label) for b in chart.bands] == [
        (218, 162, "Paused"),
        (542, 162, "Halted"),  # still halted: to the right edge
    ]
    assert chart.legend == [("band-paused", "Paused"), ("band-halted", "Halted")]
    assert chart.table.headers == ("Time", "Event", "Percentage")
    assert chart.table.rows[1] == ("2024-05-01 11:00 UTC", "Grayscale, from 1 %", "5 %")
    assert chart.desc == (
        "Grayscale percentage over time from 2024-05-01 10:00 UTC to 2024-05-01 12:00 UTC:"
        " 2 changes, now 5 %."
    )


def test_a_chart_renders_as_svg_with_title_desc_and_a_data_table() -> None:
    html = render(_grayscale())
    assert 'role="img" aria-labelledby="g-title g-desc"' in html
    assert '<title id="g-title">Grayscale percentage over time</title>' in html
    assert '<desc id="g-desc">Grayscale percentage over time from' in html
    assert '<path d="M56,182.4 H380 V16 H704"></path>' in html
    assert '<circle cx="380" cy="16" r="3.5">' in html
    assert re.search(r'<text class="point-label" x="380" y="8"[^>]*>5 %</text>', html)
    assert '<rect class="band band-paused" x="218" y="16" width="162" height="208">' in html
    assert '<th scope="col">Percentage</th>' in html
    assert '<th scope="row">2024-05-01 11:00 UTC</th><td>Grayscale, from 1 %</td>' in html
    assert "<details" in html and "No data yet" not in html
    assert "<script" not in html and "style=" not in html


def test_an_empty_series_says_there_is_no_data_yet() -> None:
    chart = charts.step_chart(id="e", title="Grayscale", points=[], until=T0)
    assert chart.empty and not chart.lines
    html = render(chart)
    assert '<p class="chart-empty">No data yet.</p>' in html
    assert "<svg" not in html and "<table" not in html


def test_a_single_point_at_now_still_draws() -> None:
    chart = charts.step_chart(
        id="one", title="G", points=[charts.StepPoint(T0, 0, "Pilot, from 0 %")], until=T0
    )
    (line,) = chart.lines
    assert line.d == "M56,224 H704"
    assert [t.label for t in chart.y_ticks] == ["0 %", "0.2 %", "0.4 %", "0.6 %", "0.8 %", "1 %"]


def test_many_points_leave_their_values_to_tooltips_and_the_table() -> None:
    points = [charts.StepPoint(T0 + i * HOUR, i + 1, "Grayscale") for i in range(30)]
    chart = charts.step_chart(id="m", title="G", points=points, until=T0 + 30 * HOUR)
    assert all(m.text == "" and m.title for m in chart.lines[0].marks)
    assert len(chart.table.rows) == 30
    assert chart.x_ticks[0].label == "05-01 10:00"  # over a day: dates with times


def test_buckets_draw_one_line_per_series_at_bucket_middles() -> None:
    chart = charts.bucket_chart(
        id="l",
        title="Launches by version, per hour",
        starts=[T0, T0 + HOUR, T0 + 2 * HOUR],
        bucket=HOUR,
        series=[("1.1.0 (this release)", [0, 10, 5]), ("1.0.0 (online)", [2, 0, 0])],
    )
    first, second = chart.lines
    assert first.d == "M164,224 L380,16 L596,120"
    assert second.d == "M164,182.4 L380,224 L596,224"
    assert [m.text for m in first.marks] == ["0", "10", "5"]
    assert first.marks[1].title == "1.1.0 (this release): 10 in 2024-05-01 11:00 UTC"
    assert (first.css, second.css) == ("series-0", "series-1")
    assert [t.label for t in chart.y_ticks] == ["0", "2", "4", "6", "8", "10"]
    assert [(t.at, t.label) for t in chart.x_ticks] == [
        (164, "10:00"),
        (380, "11:00"),
        (596, "12:00"),
    ]
    assert chart.legend == [("series-0", "1.1.0 (this release)"), ("series-1", "1.0.0 (online)")]
    assert chart.table.headers == ("Period", "1.1.0 (this release)", "1.0.0 (online)")
    assert chart.table.rows[0] == ("2024-05-01 10:00 UTC", "0", "2")
    assert "Totals: 1.1.0 (this release) 15, 1.0.0 (online) 2." in chart.desc
    html = render(chart)
    assert html.count('<g class="series') == 2 and 'class="legend"' in html


def test_daily_buckets_are_labelled_by_date_and_ticks_are_thinned() -> None:
    day = dt.timedelta(days=1)
    chart = charts.bucket_chart(
        id="d",
        title="Launches",
        starts=[T0.replace(hour=0) + i * day for i in range(30)],
        bucket=day,
        series=[("1.0.0", [1_234] * 30)],
    )
    assert len(chart.x_ticks) <= charts.MAX_X_TICKS
    assert chart.x_ticks[0].label == "05-01"
    assert chart.table.rows[0] == ("2024-05-01", "1,234")
    assert not chart.legend  # one line needs no legend


def test_buckets_without_launches_say_there_is_no_data_yet() -> None:
    chart = charts.bucket_chart(
        id="z", title="Launches", starts=[T0, T0 + HOUR], bucket=HOUR, series=[("1.0.0", [0, 0])]
    )
    assert chart.empty
    assert "No data yet." in render(chart)
    assert charts.bucket_chart(id="n", title="L", starts=[], bucket=HOUR, series=[]).empty


def test_names_are_escaped() -> None:
    chart = charts.bucket_chart(
        id="x", title="L", starts=[T0], bucket=HOUR, series=[("<b>1.0</b>", [3])]
    )
    html = render(chart)
    assert "<b>1.0</b>" not in html and "&lt;b&gt;1.0&lt;/b&gt;" in html
