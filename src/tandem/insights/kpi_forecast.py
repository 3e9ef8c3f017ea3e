"""What pages show of a KPI's forecast: its next periods, named and rounded, and the warning.

The maths is in :mod:`tandem.domain.kpi_forecast`; this module feeds it a scorecard
row's values (the KPI's own periods, oldest first) and the target in force today, and
turns the result into periods people read ("2026-W51": likely red in 3 weeks).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.utils.translation import gettext, gettext_lazy, ngettext_lazy

from tandem.domain import kpi_forecast as kf
from tandem.domain import periods as pm
from tandem.domain.health import Direction, Health, Thresholds, threshold_errors
from tandem.periods_text import period_label

if TYPE_CHECKING:
    from tandem.okrs.models import KeyResult

# "Likely red in 3 weeks" and "Likely red this week", by frequency, in the reader's
# language (ngettext_lazy: the count fills them when they are shown).
UNITS = {
    pm.Frequency.DAILY: (
        ngettext_lazy("Likely red in %(count)s day", "Likely red in %(count)s days", "count"),
        gettext_lazy("Likely red today"),
    ),
    pm.Frequency.WEEKLY: (
        ngettext_lazy("Likely red in %(count)s week", "Likely red in %(count)s weeks", "count"),
        gettext_lazy("Likely red this week"),
    ),
    pm.Frequency.MONTHLY: (
        ngettext_lazy("Likely red in %(count)s month", "Likely red in %(count)s months", "count"),
        gettext_lazy("Likely red this month"),
    ),
    pm.Frequency.QUARTERLY: (
        ngettext_lazy(
            "Likely red in %(count)s quarter", "Likely red in %(count)s quarters", "count"
        ),
        gettext_lazy("Likely red this quarter"),
    ),
}


@dataclass(frozen=True, slots=True)
class BackedKeyResult:
    """A key result that a KPI backs, as its forecast uses it: the cycle's first and last
    day, and the key result's baseline and target."""

    cycle_start: dt.date
    cycle_end: dt.date
    baseline: Decimal
    target: Decimal


def backed_key_result(
    key_results: Iterable[KeyResult], latest_start: dt.date | None
) -> BackedKeyResult | None:
    """The key result a KPI's forecast leans towards: of the metric key results reading
    the KPI's latest value (not a sum or an average) from a baseline to a different
    target, in a cycle not closed and not over by the period of the latest value
    (``latest_start``), the one whose cycle ends first; ``None`` without one."""
    if latest_start is None:
        return None
    candidates = [
        kr
        for kr in key_results
        if kr.is_metric
        and kr.kpi_aggregation == "last"
        and kr.baseline is not None
        and kr.target is not None
        and kr.baseline != kr.target
        and not kr.objective.cycle.is_closed
        and kr.objective.cycle.end_date >= latest_start
    ]
    if not candidates:
        return None
    kr = min(candidates, key=lambda k: (k.objective.cycle.end_date, k.pk))
    assert kr.baseline is not None
    assert kr.target is not None
    cycle = kr.objective.cycle
    return BackedKeyResult(cycle.start_date, cycle.end_date, kr.baseline, kr.target)


@dataclass(frozen=True, slots=True)
class ForecastPeriod:
    """One period ahead: its start and label, the forecast and its 80% band rounded for
    people, and the chance that it is red (``None`` without a target)."""

    ahead: int
    start: dt.date
    label: str
    value: Decimal
    low: Decimal
    high: Decimal
    red_chance: Decimal | None


@dataclass(frozen=True, slots=True)
class KPIForecastView:
    """A KPI's forecast as pages show it. ``periods`` is empty with too little history
    (``values`` says how many there were) or when values stopped arriving (``stale``)."""

    periods: tuple[ForecastPeriod, ...]
    values: int
    stale: bool = False
    # The first period likely red, and how many periods from today's it is (0: this one).
    warning: ForecastPeriod | None = None
    warning_in: int = 0
    frequency: pm.Frequency = pm.Frequency.WEEKLY
    # Where the forecast starts: the period of the latest value.
    latest_start: dt.date | None = None
    # Whether it leans towards a key result the KPI backs (its cycle is not over).
    backs: bool = False

    @property
    def too_little_history(self) -> bool:
        return not self.stale and not self.periods

    @property
    def min_values(self) -> int:
        return kf.MIN_VALUES

    @property
    def warning_text(self) -> str:
        """ "Likely red in 3 weeks", "likely red this week"; empty without a warning."""
        if self.warning is None:
            return ""
        later, now = UNITS[self.frequency]
        if self.warning_in < 0:
            # The period just ended, whose value has not come in yet.
            return gettext("Likely red now")
        if self.warning_in == 0:
            return str(now)
        return str(later % {"count": self.warning_in})


def display_quantum(half_width: Decimal) -> Decimal:
    """The rounding step of a forecast shown to people: about a tenth of its band's half
    width, never coarser than 1 nor finer than 0.01 (the band is far wider)."""
    tenth = float(half_width) / 10
    if tenth <= 0:
        return Decimal("0.01")
    decimals = min(2, max(0, -math.floor(math.log10(tenth))))
    return Decimal(1).scaleb(-decimals)


def _usable(thresholds: Thresholds | None, direction: Direction) -> Thresholds | None:
    if thresholds is None or threshold_errors(thresholds, direction):
        return None
    return thresholds


def kpi_forecast_view(
    *,
    frequency: pm.Frequency | str,
    direction: Direction | str,
    starts: Sequence[dt.date],
    values: Sequence[Decimal | None],
    thresholds: Thresholds | None,
    health: Health,
    today: dt.date,
    calendar: dict[str, int],
    backs: BackedKeyResult | None = None,
) -> KPIForecastView:
    """The forecast of a KPI from its values in the periods starting at ``starts``
    (oldest first), against ``thresholds`` (the target in force today), leaning towards
    the target of ``backs``, a key result the KPI backs, in its cycle."""
    frequency = pm.Frequency(frequency)
    direction = Direction(direction)
    known = [(s, v) for s, v in zip(starts, values, strict=True) if v is not None]
    if health is Health.STALE:
        return KPIForecastView((), len(known), stale=True, frequency=frequency)
    plan = None
    if backs is not None and known:
        plan = kf.CyclePlan(
            start=pm.periods_apart(frequency, known[-1][0], backs.cycle_start, **calendar),
            end=pm.periods_apart(frequency, known[-1][0], backs.cycle_end, **calendar),
            baseline=backs.baseline,
            target=backs.target,
        )
    forecast = kf.forecast_kpi(values, season=kf.SEASONS.get(frequency), plan=plan)
    if forecast.too_little_history:
        return KPIForecastView((), forecast.values, frequency=frequency)
    latest_start, latest = known[-1]
    usable = _usable(thresholds, direction)
    first = forecast.steps[0]
    quantum = display_quantum((first.high - first.low) / 2)

    def rounded(value: Decimal) -> Decimal:
        return value.quantize(quantum, rounding=ROUND_HALF_UP)

    periods = []
    for step in forecast.steps:
        start = pm.add_periods(frequency, latest_start, step.ahead, **calendar)
        chance = (
            kf.red_probability(step, thresholds=usable, direction=direction)
            if usable is not None
            else None
        )
        periods.append(
            ForecastPeriod(
                ahead=step.ahead,
                start=start,
                label=period_label(frequency, start, **calendar),
                value=rounded(step.value),
                low=rounded(step.low),
                high=rounded(step.high),
                red_chance=chance,
            )
        )
    warning = None
    warning_in = 0
    if usable is not None:
        red = kf.red_warning(forecast, latest=latest, thresholds=usable, direction=direction)
        if red is not None:
            warning = periods[red.ahead - 1]
            warning_in = pm.periods_apart(frequency, today, warning.start, **calendar)
    return KPIForecastView(
        periods=tuple(periods),
        values=forecast.values,
        warning=warning,
        warning_in=warning_in,
        frequency=frequency,
        latest_start=latest_start,
        backs=plan is not None and plan.end >= 1,
    )
