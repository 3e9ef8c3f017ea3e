"""Formatting for Tandem's pages: numbers, percentages, units and ages. No maths here."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince

from tandem.formatting import EMPTY, input_value, number, percent, plain
from tandem.okrs.models import KeyResult
from tandem.web.context_processors import CONFIDENCE_SCALE

register = template.Library()
# The numbers as every page and export writes them (tandem.formatting).
register.filter("number", number)
register.filter("percent", percent)
register.filter("input_value", input_value)


@register.filter
def bar_width(value: Decimal | None) -> str:
    """The width of a progress bar in percent, clamped to [0, 100], for a style attribute."""
    if value is None:
        return "0"
    clamped = max(Decimal(0), min(Decimal(1), Decimal(value)))
    return f"{(clamped * 100).quantize(Decimal('0.1')):f}"


@register.filter
def with_unit(value: Decimal | None, key_result: KeyResult) -> str:
    if value is None:
        return EMPTY
    text = plain(Decimal(value))
    if key_result.unit == KeyResult.Unit.PERCENT:
        return f"{text}%"
    if key_result.unit == KeyResult.Unit.CURRENCY and key_result.currency:
        return f"{key_result.currency} {text}"
    return text


@register.filter
def ago(value: dt.datetime | None) -> str:
    """How long ago something happened, to one unit: "3 days ago", "never"."""
    if value is None:
        return "never"
    if timezone.now() - value < dt.timedelta(minutes=1):
        return "just now"
    return f"{timesince(value, depth=1)} ago"


@register.simple_tag
def confidence_choices(key_result_pk: int, chosen: object, invalid: object = False) -> SafeString:
    """The ten radio buttons of a key result's check-in confidence, ``chosen`` checked.

    Drawn here rather than with a template loop: a team page shows a check-in per key
    result, and the loop's ten choices were half of the variables the page rendered.
    """
    chosen_text = str(chosen)
    stem = f"kr-{int(key_result_pk)}"
    parts = []
    for n in CONFIDENCE_SCALE:
        checked = " checked" if str(n) == chosen_text else ""
        wrong = ' aria-invalid="true"' if invalid and n == 1 else ""
        parts.append(
            f'<input type="radio" class="confidence__radio" id="{stem}-confidence-{n}" '
            f'name="confidence" value="{n}"{checked}{wrong}><label class="confidence__choice" '
            f'for="{stem}-confidence-{n}" title="Confidence {n} of 10">{n}</label>'
        )
    # Only numbers and fixed words went in.
    return mark_safe("".join(parts))


@register.simple_tag
def explain_status(item: Any, expected: Decimal | None, thresholds: Any = None) -> str:
    """One plain sentence that says why ``item`` (an objective or a key result) has its
    live status: how far it is against how far it should be by today."""
    status = str(getattr(item, "live_status", "") or "")
    raw = getattr(item, "progress", None)
    progress, pace = percent(raw), percent(expected)
    if status == "not_started":
        return "Not started: nobody has checked in yet."
    if status == "on_track":
        return f"On track: {progress} done, {pace} expected by today."
    if status == "at_risk":
        confidence = getattr(item, "last_confidence", None)
        on_pace = (
            thresholds is not None
            and expected is not None
            and raw is not None
            and expected - min(Decimal(raw), Decimal(1)) <= thresholds.on_track_gap
        )
        if on_pace and confidence is not None:
            return (
                f"At risk: {progress} done, {pace} expected by today, but the last "
                f"confidence was only {confidence} of 10."
            )
        return f"At risk: {progress} done, {pace} expected by today: a little behind pace."
    if status == "off_track":
        return f"Off track: {progress} done, {pace} expected by today: well behind pace."
    return ""


@register.filter
def approx(value: Decimal | None) -> str:
    """A computed value (an average, a limit) to the digits that matter: 333.3333 -> 333,
    96.1054 -> 96.1, 1.23456 -> 1.23."""
    if value is None:
        return EMPTY
    number = Decimal(value)
    size = abs(number)
    places = 0 if size >= 100 else 1 if size >= 10 else 2
    return plain(number.quantize(Decimal(1).scaleb(-places)))


_HEALTH_SENTENCES = {
    "green": "Green: at or better than the target for this period.",
    "yellow": "Yellow: short of the target, but within its yellow band.",
    "red": "Red: beyond the yellow band, well off the target.",
    "no_data": "No data: no value was entered for this period.",
    "stale": "Stale: no new value for longer than the KPI's frequency allows.",
}


@register.filter
def health_sentence(health: object) -> str:
    """What a KPI's health colour means, in one sentence."""
    return _HEALTH_SENTENCES.get(str(health), "")
