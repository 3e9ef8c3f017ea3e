from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from tandem.web.charts import Point, progress_chart

START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
END = dt.datetime(2026, 4, 1, tzinfo=dt.UTC)


def chart(
    points: list[Point],
    *,
    baseline: Decimal = Decimal(0),
    target: Decimal = Decimal(100),
    title: str = "Contracts",
    now: dt.datetime | None = None,
) -> str:
    return str(
        progress_chart(
            points=points,
            start=START,
            end=END,
            baseline=baseline,
            target=target,
            title=title,
            now=now,
        )
    )


def test_the_pace_line_runs_from_baseline_at_the_start_to_target_at_the_end():
    svg = chart([])
    pace = re.search(
        r'class="chart__pace" x1="([\d.]+)" y1="([\d.]+)" x2="([\d.]+)" y2="([\d.]+)"', svg
    )
    assert pace is not None
    x1, y1, x2, y2 = map(float, pace.groups())
    assert x1 < x2
    assert y1 > y2  # SVG's y grows downwards: the target is above the baseline
    assert "no check-in yet" in svg
    assert "chart__line" not in svg


def test_a_decreasing_key_result_has_a_falling_pace_line():
    svg = chart([], baseline=Decimal(8), target=Decimal(2))
    pace = re.search(
        r'class="chart__pace" x1="[\d.]+" y1="([\d.]+)" x2="[\d.]+" y2="([\d.]+)"', svg
    )
    assert pace is not None
    assert float(pace.group(1)) < float(pace.group(2))


def test_each_check_in_is_a_point_on_a_line_that_starts_at_the_baseline():
    svg = chart(
        [
            Point(START + dt.timedelta(days=10), Decimal(20)),
            Point(START + dt.timedelta(days=40), Decimal(55)),
        ]
    )
    assert svg.count('class="chart__point"') == 2
    line = re.search(r'class="chart__line" points="([^"]+)"', svg)
    assert line is not None
    assert len(line.group(1).split()) == 3
    assert "2 check-ins; baseline 0, target 100, latest 55." in svg


def test_a_value_beyond_the_target_stays_inside_the_drawing():
    svg = chart([Point(START + dt.timedelta(days=5), Decimal(250))])
    ys = [float(y) for y in re.findall(r'cy="([-\d.]+)"', svg)]
    assert all(0 <= y <= 220 for y in ys)


def test_the_title_is_escaped():
    svg = chart([], title="<script>alert(1)</script>")
    assert "<script>" not in svg
    assert "&lt;script&gt;" in svg


def test_today_is_marked_inside_the_cycle():
    assert "chart__today" in chart([], now=START + dt.timedelta(days=30))
    assert "chart__today" not in chart([], now=END + dt.timedelta(days=30))
