"""The names the pure domain gives its states (``Status.ON_TRACK.label`` is "On track"),
in the reader's language.

``tandem.domain`` stays free of Django, so its labels are English; the pages and
e-mails pass them through :func:`label` (the template filter ``|label``), which looks
the English words up in the catalogue. The list below puts them there.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_noop as _

DOMAIN_LABELS = (
    # tandem.domain.status.Status
    _("Not started"),
    _("On track"),
    _("At risk"),
    _("Off track"),
    _("Closed"),
    # tandem.domain.health: Health, Direction, Aggregation
    _("Green"),
    _("Yellow"),
    _("Red"),
    _("No data"),
    _("Stale"),
    _("Higher is better"),
    _("Lower is better"),
    _("Within range"),
    _("Sum"),
    _("Average"),
    _("Last"),
    _("Min"),
    _("Max"),
    # tandem.domain.kpi_rules.WatermelonKind
    _("Linked KPIs are green but the objective is behind"),
    _("The objective is on track but a guardrail is red"),
    # tandem.domain.spc: Verdict, Rule
    _("Not enough data"),
    _("Routine variation"),
    _("Real shift up"),
    _("Real shift down"),
    _("Outside the natural process limits"),
    _("A run on one side of the average"),
    _("Three of four values near a limit"),
    _("A jump larger than routine"),
    _("A trend"),
    # tandem.domain.calibration.Verdict
    _("No scored objectives"),
    _("Well calibrated"),
    _("A little easy"),
    _("A little hard"),
    _("Not ambitious enough"),
    _("Over-reach"),
    _("Some too easy, some too hard"),
    _("Over-committed"),
    # tandem.domain.forecast.ForecastMethod
    _("Recent trend"),
    _("Between no change and the pace so far"),
    _("No check-in yet"),
    _("Cycle over"),
    _("Owner's confidence"),
    # tandem.domain.coach.Severity
    _("Advice"),
    _("Warning"),
    _("Problem"),
)


def label(value: Any) -> str:
    """``value``'s label (or ``value`` itself) in the active language; words the
    catalogue does not know (a name someone typed) come back unchanged."""
    text = getattr(value, "label", value)
    return gettext(str(text)) if text not in (None, "") else ""
