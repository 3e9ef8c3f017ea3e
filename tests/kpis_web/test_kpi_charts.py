"""The KPI charts drawn on the server: the scorecard's sparklines and the trend chart."""

from __future__ import annotations

import re
from decimal import Decimal

from tandem.domain.health import Thresholds
from tandem.web import charts

D = Decimal


def _points(svg: str, css_class: str) -> list[list[tuple[float, float]]]:
    lines = re.findall(rf'<polyline class="{css_class}" points="([^"]+)"/>', svg)
    return [[tuple(map(float, p.split(","))) for p in line.split()] for line in lines]  # type: ignore[misc]


def _dots(svg: str) -> list[tuple[float, float, str]]:
    """Each dot (x, y, colour), left to right: a path of zero-length strokes per colour,
    the latest period's dot (larger) on its own."""
    found = []
    for colour, last, strokes in re.findall(
        r'<path class="spark__dots spark__dots--([a-z_]+)( spark__dots--last)?" d="([^"]+)"/>',
        svg,
    ):
        for x, y in re.findall(r"M([\d.]+) ([\d.]+)h0", strokes):
            found.append((float(x), float(y), colour + ("*" if last else "")))
    return sorted(found)


def test_a_sparkline_breaks_its_line_at_a_missing_value_and_colours_each_dot():
    svg = charts.sparkline(
        values=[D(1), D(2), None, D(3), D(4)],
        healths=["red", "yellow", "no_data", "green", "green"],
    )
    assert 'aria-hidden="true"' in svg
    lines = _points(svg, "spark__line")
    assert [len(line) for line in lines] == [2, 2]
    dots = _dots(svg)
    # A dot on each point of the lines, coloured by its period's health; the latest larger.
    assert [colour for _, _, colour in dots] == ["red", "yellow", "green", "green*"]
    assert [(x, y) for x, y, _ in dots] == [point for line in lines for point in line]
    # Higher values are drawn higher up (a smaller y).
    assert dots[0][1] > dots[1][1] > dots[2][1] > dots[3][1]


def test_a_sparkline_without_values_is_a_dashed_line():
    svg = charts.sparkline(values=[None, None])
    assert "spark--empty" in svg
    assert "spark__none" in svg
    assert "circle" not in svg


def test_higher_is_better_shades_green_above_the_target_and_yellow_below_it():
    target = Thresholds(target=D(90), yellow=D(80))
    points = [
        charts.TrendPoint("W1", D(70), "red", target),
        charts.TrendPoint("W2", D(85), "yellow", target),
        charts.TrendPoint("W3", D(95), "green", target),
    ]
    svg = charts.kpi_trend_chart(points=points, direction="higher_is_better", title="T")
    green = re.search(
        r'chart__band--green" x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"', svg
    )
    yellow = re.search(
        r'chart__band--yellow" x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"', svg
    )
    assert green
    assert yellow
    # The green band ends where the yellow one starts: at the target.
    assert float(green[1]) + float(green[2]) == float(yellow[1])
    assert [len(line) for line in _points(svg, "chart__target")] == [6]
    assert "<title>W2: 85 (yellow)</title>" in svg
    assert "3 values over 3 periods; latest 95 in W3 (green)." in svg


def test_the_target_line_steps_where_the_target_changed_and_stops_without_one():
    before, after = Thresholds(target=D(10)), Thresholds(target=D(20))
    points = [
        charts.TrendPoint("W1", D(5), "red", None),
        charts.TrendPoint("W2", D(12), "green", before),
        charts.TrendPoint("W3", D(15), "red", after),
        charts.TrendPoint("W4", None, "no_data", after),
    ]
    svg = charts.kpi_trend_chart(points=points, direction="higher_is_better", title="T")
    [line] = _points(svg, "chart__target")
    levels = sorted({y for _, y in line})
    assert len(levels) == 2  # two targets, one step between them
    assert len(re.findall(r"chart__band--green", svg)) == 2  # one band per target
    # The value line stops at the missing value.
    assert [len(run) for run in _points(svg, "chart__line")] == [3]


def test_a_range_draws_both_ends_and_yellow_on_either_side():
    band = Thresholds(low=D(70), high=D(85), tolerance=D(5))
    points = [charts.TrendPoint("W1", D(80), "green", band)]
    svg = charts.kpi_trend_chart(points=points, direction="within_range", title="T")
    assert len(_points(svg, "chart__target")) == 2
    assert len(re.findall(r"chart__band--yellow", svg)) == 2


def test_lower_is_better_shades_green_below_the_target():
    band = Thresholds(target=D(2), yellow=D(3))
    points = [
        charts.TrendPoint("W1", D(1), "green", band),
        charts.TrendPoint("W2", D(4), "red", band),
    ]
    svg = charts.kpi_trend_chart(points=points, direction="lower_is_better", title="T")
    green = re.search(
        r'chart__band--green" x="[\d.]+" y="([\d.]+)" width="[\d.]+" height="([\d.]+)"', svg
    )
    yellow = re.search(r'chart__band--yellow" x="[\d.]+" y="([\d.]+)"', svg)
    assert green
    assert yellow
    assert float(yellow[1]) < float(green[1])  # yellow above green on the page


def test_titles_and_labels_are_escaped():
    points = [charts.TrendPoint("<W1>", D(1), "no_data", None)]
    svg = charts.kpi_trend_chart(points=points, direction="higher_is_better", title="<b>KPI</b>")
    assert "<b>" not in svg
    assert "&lt;W1&gt;" in svg


def test_axis_ticks_are_round_numbers():
    assert charts._ticks(0.0, 100.0) == [0, 20, 40, 60, 80, 100]
    assert charts._ticks(-3.0, 7.0) == [-2, 0, 2, 4, 6]
    assert charts._ticks(0.1, 0.35) == [0.1, 0.15, 0.2, 0.25, 0.3, 0.35]
