"""Server-rendered SVG charts: they need no JavaScript, print, and work in e-mails and PDFs.

A chart is drawn for people who can see it; the page puts a data table beside each
one for those who cannot, so the SVG carries only a short title and description, and
names its table (``aria-details``: the table's id is the chart's id followed by
``-data``).
"""

from __future__ import annotations

import datetime as dt
import functools
import html
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from tandem.domain import health as health_maths
from tandem.formatting import for_reader
from tandem.labels import label as label_of

WIDTH = 560
HEIGHT = 220
MARGIN_LEFT = 56
MARGIN_RIGHT = 16
MARGIN_TOP = 14
MARGIN_BOTTOM = 30


@dataclass(frozen=True, slots=True)
class Point:
    at: dt.datetime
    value: Decimal


@dataclass(frozen=True, slots=True)
class ForecastBand:
    """A forecast drawn from the latest check-in to the cycle's end, with its band."""

    start: Point
    value: Decimal
    low: Decimal
    high: Decimal


def _label(value: Decimal) -> str:
    """A number as the reader's language writes it (1,234.5; 1.234,5; 1 234,5)."""
    text = f"{value.normalize():,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return for_reader(text)


def _health(value: str) -> str:
    """A health colour's name in the reader's language ("green", "grün")."""
    try:
        return label_of(health_maths.Health(value)).lower()
    except ValueError:
        return value.replace("_", " ")


def progress_chart(
    *,
    points: Sequence[Point],
    start: dt.datetime,
    end: dt.datetime,
    baseline: Decimal,
    target: Decimal,
    title: str,
    now: dt.datetime | None = None,
    chart_id: str = "chart",
    forecast: ForecastBand | None = None,
) -> SafeString:
    """Value over time against the pace line from ``baseline`` at ``start`` to ``target``
    at ``end``. The value line starts at the baseline: no check-in means no change.
    A ``forecast`` is a dashed line from its start to ``end``, in its shaded band."""
    first = min([start, *(p.at for p in points)])
    last = max([end, *(p.at for p in points)])
    span = (last - first).total_seconds() or 1.0
    values = [baseline, target, *(p.value for p in points)]
    if forecast is not None:
        values += [forecast.start.value, forecast.low, forecast.high]
    low, high = float(min(values)), float(max(values))
    pad = (high - low) * 0.08 or 1.0
    low, high = low - pad, high + pad
    plot_w = WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = HEIGHT - MARGIN_TOP - MARGIN_BOTTOM

    def x(at: dt.datetime) -> float:
        return round(MARGIN_LEFT + (at - first).total_seconds() / span * plot_w, 1)

    def y(value: Decimal) -> float:
        return round(MARGIN_TOP + (high - float(value)) / (high - low) * plot_h, 1)

    parts: list[SafeString] = []
    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    latest = points[-1].value if points else None
    words = {
        "count": len(points),
        "baseline": _label(baseline),
        "target": _label(target),
        "latest": _label(latest) if latest is not None else "",
    }
    if latest is not None:
        description = (
            ngettext(
                "%(count)s check-in; baseline %(baseline)s, target %(target)s, latest %(latest)s.",
                "%(count)s check-ins; baseline %(baseline)s, target %(target)s, latest %(latest)s.",
                len(points),
            )
            % words
        )
    else:
        description = (
            gettext("0 check-ins; baseline %(baseline)s, target %(target)s, no check-in yet.")
            % words
        )
    parts.append(
        format_html(
            '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-labelledby="{} {}" '
            'aria-details="{}-data" xmlns="http://www.w3.org/2000/svg">'
            '<title id="{}">{}</title><desc id="{}">{}</desc>',
            WIDTH,
            HEIGHT,
            title_id,
            desc_id,
            chart_id,
            title_id,
            title,
            desc_id,
            description,
        )
    )
    # Horizontal guides at the baseline and the target, labelled on the left.
    for value in (baseline, target):
        parts.append(
            format_html(
                '<line class="chart__grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text class="chart__label" x="{}" y="{}" text-anchor="end">{}</text>',
                MARGIN_LEFT,
                WIDTH - MARGIN_RIGHT,
                y(value),
                y(value),
                MARGIN_LEFT - 6,
                y(value) + 4,
                _label(value),
            )
        )
    bottom = HEIGHT - MARGIN_BOTTOM
    parts.append(
        format_html(
            '<line class="chart__axis" x1="{}" x2="{}" y1="{}" y2="{}"/>'
            '<text class="chart__label" x="{}" y="{}">{}</text>'
            '<text class="chart__label" x="{}" y="{}" text-anchor="end">{}</text>',
            MARGIN_LEFT,
            WIDTH - MARGIN_RIGHT,
            bottom,
            bottom,
            MARGIN_LEFT,
            bottom + 18,
            start.date().strftime("%d %b"),
            WIDTH - MARGIN_RIGHT,
            bottom + 18,
            (end - dt.timedelta(seconds=1)).date().strftime("%d %b"),
        )
    )
    if now is not None and first <= now <= last:
        parts.append(
            format_html(
                '<line class="chart__today" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text class="chart__label" x="{}" y="{}" text-anchor="middle">today</text>',
                x(now),
                x(now),
                MARGIN_TOP,
                bottom,
                x(now),
                MARGIN_TOP - 3 if MARGIN_TOP > 12 else MARGIN_TOP + 10,
            )
        )
    parts.append(
        format_html(
            '<line class="chart__pace" x1="{}" y1="{}" x2="{}" y2="{}"/>',
            x(start),
            y(baseline),
            x(end),
            y(target),
        )
    )
    if forecast is not None:
        # Presentation attributes rather than the style sheet: the chart also goes
        # into e-mails and PDFs without it.
        x0, y0 = x(forecast.start.at), y(forecast.start.value)
        parts.append(
            format_html(
                '<polygon class="chart__forecast-band" points="{},{} {},{} {},{}" '
                'fill="currentColor" fill-opacity="0.12" stroke="none"/>'
                '<line class="chart__forecast" x1="{}" y1="{}" x2="{}" y2="{}" '
                'stroke="currentColor" stroke-width="2" stroke-dasharray="6 4"/>',
                x0,
                y0,
                x(end),
                y(forecast.high),
                x(end),
                y(forecast.low),
                x0,
                y0,
                x(end),
                y(forecast.value),
            )
        )
    if points:
        line = [(x(start), y(baseline))] if points[0].at > start else []
        line += [(x(p.at), y(p.value)) for p in points]
        coords = " ".join(f"{a},{b}" for a, b in line)
        parts.append(format_html('<polyline class="chart__line" points="{}"/>', coords))
        for p in points:
            parts.append(
                format_html(
                    '<circle class="chart__point" cx="{}" cy="{}" r="3.5"/>', x(p.at), y(p.value)
                )
            )
    parts.append(mark_safe("</svg>"))
    # Every part above came out of format_html, which escaped the data it inserted.
    return mark_safe("".join(parts))


# -- KPIs: the scorecard's sparklines and the KPI page's trend chart ---------------------
# The colours of KPI health come from tandem.domain.health; these charts only place them.

SPARK_WIDTH = 96
SPARK_HEIGHT = 24
SPARK_PAD = 3.0
TREND_WIDTH = 720
TREND_HEIGHT = 260
TREND_MAX_X_LABELS = 8


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One period of a KPI: its label, its value (``None`` when missing), the colour of
    that value, and the target in force for the period (``None`` without one)."""

    label: str
    value: Decimal | None
    health: str
    thresholds: health_maths.Thresholds | None = None
    # The XmR signals this value carries ("outside the limits"), empty for none.
    signal: str = ""


@dataclass(frozen=True, slots=True)
class TrendForecastStep:
    """One forecast period of a KPI's trend chart: its column (an index into the chart's
    points), the forecast and its 80% band."""

    index: int
    value: Decimal
    low: Decimal
    high: Decimal


@dataclass(frozen=True, slots=True)
class TrendForecast:
    """A KPI's forecast on its trend chart: a dashed line from the point at ``start`` (the
    latest value) through ``steps``, in its shaded band."""

    start: int
    steps: Sequence[TrendForecastStep]


def _spread(values: Sequence[float]) -> tuple[float, float]:
    """The vertical range of a chart: the values with a margin, never empty."""
    if not values:
        return 0.0, 1.0
    low, high = min(values), max(values)
    pad = (high - low) * 0.08 or abs(high) * 0.1 or 1.0
    return low - pad, high + pad


@functools.lru_cache(maxsize=64)
def _spark_xs(count: int) -> tuple[str, ...]:
    """The horizontal positions of a sparkline's ``count`` points: the same for every row."""
    step = (SPARK_WIDTH - 2 * SPARK_PAD) / max(count - 1, 1)
    return tuple(str(round(SPARK_PAD + index * step, 1)) for index in range(count))


_SPARK_DOTS = {h.value: f"spark__dots spark__dots--{h.value}" for h in health_maths.Health}


def sparkline(*, values: Sequence[Decimal | None], healths: Sequence[str] = ()) -> SafeString:
    """A row's trend on the scorecard: a line through the values (broken where one is
    missing) and a dot per value coloured by its health, the latest period's larger.
    Hidden from screen readers: the row's cells are its data table.

    The dots of one colour are one path of zero-length strokes with round ends (the
    stroke's width is the dot's size, in CSS) rather than a circle each: a 500-KPI
    scorecard drew 6,500 circles, a third of its page."""
    floats = [None if v is None else float(v) for v in values]
    known = [f for f in floats if f is not None]
    low, high = _spread(known)
    pad = SPARK_PAD
    xs = _spark_xs(max(len(values), 1))
    scale = (SPARK_HEIGHT - 2 * pad) / (high - low)

    # Plain formatting: the scorecard draws one sparkline per KPI (format_html's escaping
    # was a tenth of a 500-KPI scorecard), and only numbers and escaped colour names go in.
    parts: list[str] = [
        f'<svg class="spark{"" if known else " spark--empty"}" viewBox="0 0 {SPARK_WIDTH} '
        f'{SPARK_HEIGHT}" width="{SPARK_WIDTH}" height="{SPARK_HEIGHT}" aria-hidden="true" '
        'focusable="false" xmlns="http://www.w3.org/2000/svg">'
    ]
    if not known:
        middle = SPARK_HEIGHT / 2
        parts.append(
            f'<line class="spark__none" x1="{pad}" x2="{SPARK_WIDTH - pad}" '
            f'y1="{middle}" y2="{middle}"/>'
        )
    # A line through each stretch of consecutive values: none is drawn across a gap.
    run: list[str] = []
    dots: dict[str, list[str]] = {}
    last_dot = ""
    last = len(values) - 1
    for index, f in enumerate(floats):
        if f is None:
            if len(run) > 1:
                parts.append(f'<polyline class="spark__line" points="{" ".join(run)}"/>')
            run = []
            continue
        x, y = xs[index], f"{pad + (high - f) * scale:.1f}"
        run.append(f"{x},{y}")
        colour = healths[index] if index < len(healths) else ""
        classes = _SPARK_DOTS.get(colour) or f"spark__dots spark__dots--{html.escape(colour)}"
        if index == last:
            last_dot = f'<path class="{classes} spark__dots--last" d="M{x} {y}h0"/>'
        else:
            dots.setdefault(classes, []).append(f"M{x} {y}h0")
    if len(run) > 1:
        parts.append(f'<polyline class="spark__line" points="{" ".join(run)}"/>')
    for classes, strokes in dots.items():
        parts.append(f'<path class="{classes}" d="{"".join(strokes)}"/>')
    parts.append(last_dot)
    parts.append("</svg>")
    return mark_safe("".join(parts))


def _runs(values: Sequence[Decimal | None]) -> list[list[tuple[int, Decimal]]]:
    """Stretches of consecutive known values: a line is not drawn across a gap."""
    runs: list[list[tuple[int, Decimal]]] = []
    current: list[tuple[int, Decimal]] = []
    for index, value in enumerate(values):
        if value is None:
            if current:
                runs.append(current)
            current = []
        else:
            current.append((index, value))
    if current:
        runs.append(current)
    return runs


@dataclass(frozen=True, slots=True)
class _Bands:
    """Where green and yellow lie for one target; ``None`` edges are open-ended."""

    lines: tuple[Decimal, ...]
    green: tuple[Decimal | None, Decimal | None]
    yellow: tuple[tuple[Decimal | None, Decimal | None], ...]


def _bands(thresholds: health_maths.Thresholds, direction: health_maths.Direction) -> _Bands | None:
    if health_maths.threshold_errors(thresholds, direction):
        return None
    if direction is health_maths.Direction.WITHIN_RANGE:
        low, high = thresholds.low, thresholds.high
        assert low is not None
        assert high is not None
        tolerance = health_maths.range_tolerance(thresholds)
        return _Bands(
            lines=(low, high) if low != high else (low,),
            green=(low, high),
            yellow=((low - tolerance, low), (high, high + tolerance)),
        )
    target = thresholds.target
    assert target is not None
    boundary = health_maths.yellow_boundary(thresholds, direction)
    if direction is health_maths.Direction.HIGHER_IS_BETTER:
        return _Bands(lines=(target,), green=(target, None), yellow=((boundary, target),))
    return _Bands(lines=(target,), green=(None, target), yellow=((target, boundary),))


def kpi_trend_chart(
    *,
    points: Sequence[TrendPoint],
    direction: str,
    title: str,
    chart_id: str = "kpi-chart",
    forecast: TrendForecast | None = None,
) -> SafeString:
    """A KPI's values period by period: a line with a dot per value coloured by its health,
    the target as a line that steps where the target changed (the two ends of the range
    for a KPI kept within a range), and the green and yellow bands shaded behind. A
    ``forecast`` is drawn as a dashed line in its shaded band over the periods ahead
    (points without a value)."""
    how = health_maths.Direction(direction)
    bands = [_bands(p.thresholds, how) if p.thresholds is not None else None for p in points]
    edges: list[float] = [float(p.value) for p in points if p.value is not None]
    if forecast is not None:
        edges += [float(v) for step in forecast.steps for v in (step.low, step.high)]
    for band in bands:
        if band is not None:
            edges += [float(v) for v in band.lines]
            edges += [float(v) for pair in band.yellow for v in pair if v is not None]
    low, high = _spread(edges)
    count = max(len(points), 1)
    plot_w = TREND_WIDTH - MARGIN_LEFT - MARGIN_RIGHT
    plot_h = TREND_HEIGHT - MARGIN_TOP - MARGIN_BOTTOM
    bottom = TREND_HEIGHT - MARGIN_BOTTOM
    column = plot_w / count

    def left(index: int) -> float:
        return round(MARGIN_LEFT + index * column, 1)

    def centre(index: int) -> float:
        return round(MARGIN_LEFT + (index + 0.5) * column, 1)

    def y(value: float | Decimal | None, *, open_end: float) -> float:
        if value is None:
            return open_end
        clamped = min(max(float(value), low), high)
        return round(MARGIN_TOP + (high - clamped) / (high - low) * plot_h, 1)

    title_id, desc_id = f"{chart_id}-title", f"{chart_id}-desc"
    known = [p for p in points if p.value is not None]
    if known:
        description = ngettext(
            "%(count)s value over %(periods)s periods; latest %(latest)s in %(period)s "
            "(%(health)s).",
            "%(count)s values over %(periods)s periods; latest %(latest)s in %(period)s "
            "(%(health)s).",
            len(known),
        ) % {
            "count": len(known),
            "periods": len(points),
            "latest": _label(known[-1].value),  # type: ignore[arg-type]
            "period": known[-1].label,
            "health": _health(known[-1].health),
        }
    else:
        description = gettext("0 values over %(periods)s periods; no value yet.") % {
            "periods": len(points)
        }
    if forecast is not None and forecast.steps:
        ahead = len(forecast.steps)
        description += " " + gettext(
            "Forecast for the next %(count)s periods, with its 80%% band."
        ) % {"count": ahead}
    parts: list[SafeString] = [
        format_html(
            '<svg class="chart chart--kpi" viewBox="0 0 {} {}" role="img" aria-labelledby="{} {}" '
            'aria-details="{}-data" xmlns="http://www.w3.org/2000/svg">'
            '<title id="{}">{}</title><desc id="{}">{}</desc>',
            TREND_WIDTH,
            TREND_HEIGHT,
            title_id,
            desc_id,
            chart_id,
            title_id,
            title,
            desc_id,
            description,
        )
    ]
    # Bands first, so that lines and dots are drawn over them; one rectangle per run of
    # periods under the same target.
    index = 0
    while index < len(points):
        band = bands[index]
        end = index
        while end + 1 < len(points) and bands[end + 1] == band:
            end += 1
        if band is not None:
            x, width = left(index), round(left(end + 1) - left(index), 1)
            shaded = [("green", band.green), *(("yellow", pair) for pair in band.yellow)]
            for colour, (lo, hi) in shaded:
                top = y(hi, open_end=MARGIN_TOP)
                base = y(lo, open_end=bottom)
                if base - top > 0:
                    parts.append(
                        format_html(
                            '<rect class="chart__band chart__band--{}" x="{}" y="{}" '
                            'width="{}" height="{}"/>',
                            colour,
                            x,
                            top,
                            width,
                            round(base - top, 1),
                        )
                    )
        index = end + 1
    for tick in _ticks(low, high):
        ty = y(tick, open_end=bottom)
        parts.append(
            format_html(
                '<line class="chart__grid" x1="{}" x2="{}" y1="{}" y2="{}"/>'
                '<text class="chart__label" x="{}" y="{}" text-anchor="end">{}</text>',
                MARGIN_LEFT,
                TREND_WIDTH - MARGIN_RIGHT,
                ty,
                ty,
                MARGIN_LEFT - 6,
                ty + 4,
                _label(Decimal(repr(tick))),
            )
        )
    parts.append(
        format_html(
            '<line class="chart__axis" x1="{}" x2="{}" y1="{}" y2="{}"/>',
            MARGIN_LEFT,
            TREND_WIDTH - MARGIN_RIGHT,
            bottom,
            bottom,
        )
    )
    every = max(1, -(-len(points) // TREND_MAX_X_LABELS))
    for i, point in enumerate(points):
        if (len(points) - 1 - i) % every == 0:
            # The newest label ends at its point, so that it is not cut at the right edge.
            last = i == len(points) - 1
            parts.append(
                format_html(
                    '<text class="chart__label" x="{}" y="{}" text-anchor="{}">{}</text>',
                    min(centre(i) + 6, TREND_WIDTH - 2) if last else centre(i),
                    bottom + 18,
                    "end" if last else "middle",
                    point.label,
                )
            )
    # The target: a step line that changes level where the target changed.
    for line in range(2):
        steps: list[tuple[float, float]] = []
        for i, band in enumerate(bands):
            if band is None or line >= len(band.lines):
                if len(steps) > 1:
                    parts.append(_polyline("chart__target", steps))
                steps = []
                continue
            level = y(band.lines[line], open_end=bottom)
            steps += [(left(i), level), (left(i + 1), level)]
        if len(steps) > 1:
            parts.append(_polyline("chart__target", steps))
    if forecast is not None and forecast.steps:
        # Presentation attributes rather than the style sheet, as on the key results'
        # charts: the chart also goes into e-mails and PDFs without it.
        origin = points[forecast.start].value
        assert origin is not None
        start = (centre(forecast.start), y(origin, open_end=bottom))
        highs = [(centre(s.index), y(s.high, open_end=bottom)) for s in forecast.steps]
        lows = [(centre(s.index), y(s.low, open_end=bottom)) for s in forecast.steps]
        outline = [start, *highs, *reversed(lows)]
        dashed = [start, *((centre(s.index), y(s.value, open_end=bottom)) for s in forecast.steps)]
        parts.append(
            format_html(
                '<polygon class="chart__forecast-band" points="{}" fill="currentColor" '
                'fill-opacity="0.12" stroke="none"/>'
                '<polyline class="chart__forecast" points="{}" fill="none" '
                'stroke="currentColor" stroke-width="2" stroke-dasharray="6 4"/>',
                " ".join(f"{a},{b}" for a, b in outline),
                " ".join(f"{a},{b}" for a, b in dashed),
            )
        )
    for run in _runs([p.value for p in points]):
        if len(run) > 1:
            parts.append(
                _polyline("chart__line", [(centre(i), y(v, open_end=bottom)) for i, v in run])
            )
    for i, point in enumerate(points):
        if point.value is not None:
            parts.append(
                format_html(
                    '<circle class="chart__point chart__point--{}" cx="{}" cy="{}" r="4">'
                    "<title>{}: {} ({})</title></circle>",
                    point.health,
                    centre(i),
                    y(point.value, open_end=bottom),
                    point.label,
                    _label(point.value),
                    _health(point.health),
                )
            )
            if point.signal:
                parts.append(
                    format_html(
                        '<circle class="chart__signal" cx="{}" cy="{}" r="8" fill="none" '
                        'stroke="currentColor" stroke-width="1.5"><title>{}</title></circle>',
                        centre(i),
                        y(point.value, open_end=bottom),
                        gettext("%(period)s: signal (%(rules)s)")
                        % {"period": point.label, "rules": point.signal},
                    )
                )
    parts.append(mark_safe("</svg>"))
    # Every part above came out of format_html, which escaped the data it inserted.
    return mark_safe("".join(parts))


def _polyline(css_class: str, coords: Sequence[tuple[float, float]]) -> SafeString:
    return format_html(
        '<polyline class="{}" points="{}"/>', css_class, " ".join(f"{a},{b}" for a, b in coords)
    )


def _ticks(low: float, high: float, wanted: int = 4) -> list[float]:
    """Round values for the vertical axis between ``low`` and ``high``, about ``wanted``
    steps apart: steps of 1, 2 or 5 times a power of ten."""
    span = high - low
    if span <= 0:
        return [low]
    raw = span / wanted
    power = 10 ** math.floor(math.log10(raw))
    step = min((m * power for m in (1, 2, 5, 10)), key=lambda candidate: abs(candidate - raw))
    first = math.ceil(low / step) * step
    ticks = []
    value = first
    while value <= high + step * 1e-9:
        # Round away float noise (0.30000000000000004) so that labels read as typed.
        ticks.append(round(value, max(0, -math.floor(math.log10(step))) + 1))
        value += step
    return ticks
