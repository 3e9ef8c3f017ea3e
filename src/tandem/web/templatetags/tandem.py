"""Formatting for Tandem's pages: numbers, percentages, units and ages. No maths here."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import template
from django.utils import timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy

from tandem.formatting import EMPTY, for_reader, input_value, number, percent, plain
from tandem.okrs.models import KeyResult
from tandem.web.context_processors import CONFIDENCE_SCALE

register = template.Library()
# The numbers as every page writes them (tandem.formatting), in the reader's language;
# an input's value stays machine-readable.
register.filter("input_value", input_value)


@register.filter("number")
def number_filter(value: Decimal | int | None) -> str:
    return for_reader(number(value))


@register.filter("percent")
def percent_filter(value: Decimal | None) -> str:
    return for_reader(percent(value))


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
    text = for_reader(plain(Decimal(value)))
    if key_result.unit == KeyResult.Unit.PERCENT:
        return for_reader(f"{plain(Decimal(value))}%")
    if key_result.unit == KeyResult.Unit.CURRENCY and key_result.currency:
        return f"{key_result.currency} {text}"
    return text


@register.filter
def ago(value: dt.datetime | None) -> str:
    """How long ago something happened, to one unit: "3 days ago", "never"."""
    if value is None:
        return _("never")
    if timezone.now() - value < dt.timedelta(minutes=1):
        return _("just now")
    return timesince(value, depth=1, time_strings=AGO)  # type: ignore[arg-type]


# "3 days ago" as one sentence per unit: a language says the count and the unit
# differently after its word for "ago" (German: "vor 3 Tagen", not "vor 3 Tage").
AGO = {
    "year": ngettext_lazy("%(num)d year ago", "%(num)d years ago", "num"),
    "month": ngettext_lazy("%(num)d month ago", "%(num)d months ago", "num"),
    "week": ngettext_lazy("%(num)d week ago", "%(num)d weeks ago", "num"),
    "day": ngettext_lazy("%(num)d day ago", "%(num)d days ago", "num"),
    "hour": ngettext_lazy("%(num)d hour ago", "%(num)d hours ago", "num"),
    "minute": ngettext_lazy("%(num)d minute ago", "%(num)d minutes ago", "num"),
}


@register.simple_tag
def confidence_choices(key_result_pk: int, chosen: object, invalid: object = False) -> SafeString:
    """The ten radio buttons of a key result's check-in confidence, ``chosen`` checked.

    Drawn here rather than with a template loop: a team page shows a check-in per key
    result, and the loop's ten choices were half of the variables the page rendered.
    """
    chosen_text = str(chosen)
    stem = f"kr-{int(key_result_pk)}"
    parts = []
    title = _("Confidence %(n)s of 10")
    for n in CONFIDENCE_SCALE:
        checked = " checked" if str(n) == chosen_text else ""
        wrong = ' aria-invalid="true"' if invalid and n == 1 else ""
        parts.append(
            f'<input type="radio" class="confidence__radio" id="{stem}-confidence-{n}" '
            f'name="confidence" value="{n}"{checked}{wrong}><label class="confidence__choice" '
            f'for="{stem}-confidence-{n}" title="{title % {"n": n}}">{n}</label>'
        )
    # Only numbers and fixed words (from the catalogue) went in.
    return mark_safe("".join(parts))


@register.simple_tag
def explain_status(item: Any, expected: Decimal | None, thresholds: Any = None) -> str:
    """One plain sentence that says why ``item`` (an objective or a key result) has its
    live status: how far it is against how far it should be by today."""
    status = str(getattr(item, "live_status", "") or "")
    raw = getattr(item, "progress", None)
    progress, pace = for_reader(percent(raw)), for_reader(percent(expected))
    if status == "not_started":
        return _("Not started: nobody has checked in yet.")
    words = {"progress": progress, "pace": pace}
    if status == "on_track":
        return _("On track: %(progress)s done, %(pace)s expected by today.") % words
    if status == "at_risk":
        confidence = getattr(item, "last_confidence", None)
        on_pace = (
            thresholds is not None
            and expected is not None
            and raw is not None
            and expected - min(Decimal(raw), Decimal(1)) <= thresholds.on_track_gap
        )
        if on_pace and confidence is not None:
            return _(
                "At risk: %(progress)s done, %(pace)s expected by today, but the last "
                "confidence was only %(confidence)s of 10."
            ) % {**words, "confidence": confidence}
        return (
            _("At risk: %(progress)s done, %(pace)s expected by today: a little behind pace.")
            % words
        )
    if status == "off_track":
        return (
            _("Off track: %(progress)s done, %(pace)s expected by today: well behind pace.") % words
        )
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
    return for_reader(plain(number.quantize(Decimal(1).scaleb(-places))))


_HEALTH_SENTENCES = {
    "green": gettext_lazy("Green: at or better than the target for this period."),
    "yellow": gettext_lazy("Yellow: short of the target, but within its yellow band."),
    "red": gettext_lazy("Red: beyond the yellow band, well off the target."),
    "no_data": gettext_lazy("No data: no value was entered for this period."),
    "stale": gettext_lazy("Stale: no new value for longer than the KPI's frequency allows."),
}


@register.filter
def health_sentence(health: object) -> str:
    """What a KPI's health colour means, in one sentence."""
    return str(_HEALTH_SENTENCES.get(str(health), ""))
