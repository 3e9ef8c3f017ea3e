"""Server-rendered SVG charts: they need no JavaScript, print, and work in e-mails and PDFs.

A chart is drawn for people who can see it; the page puts a data table beside each
one for those who cannot, so the SVG carries only a short title and description.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

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


def _label(value: Decimal) -> str:
    text = f"{value.normalize():,f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


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
) -> SafeString:
    """Value over time against the pace line from ``baseline`` at ``start`` to ``target``
    at ``end``. The value line starts at the baseline: no check-in means no change."""
    first = min([start, *(p.at for p in points)])
    last = max([end, *(p.at for p in points)])
    span = (last - first).total_seconds() or 1.0
    values = [baseline, target, *(p.value for p in points)]
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
    description = (
        f"{len(points)} check-in{'s' if len(points) != 1 else ''}; "
        f"baseline {_label(baseline)}, target {_label(target)}"
        + (f", latest {_label(latest)}." if latest is not None else ", no check-in yet.")
    )
    parts.append(
        format_html(
            '<svg class="chart" viewBox="0 0 {} {}" role="img" aria-labelledby="{} {}" '
            'xmlns="http://www.w3.org/2000/svg"><title id="{}">{}</title><desc id="{}">{}</desc>',
            WIDTH,
            HEIGHT,
            title_id,
            desc_id,
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
