"""The insights the pages show: forecasts of key results and objectives, and the coach.

The maths is in :mod:`tandem.domain.forecast` and :mod:`tandem.domain.coach`; this
module only feeds them what the selectors loaded and rounds the results for people.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from tandem.accounts.models import Organization
from tandem.domain import coach as coach_maths
from tandem.domain.forecast import (
    Forecast,
    ObjectiveForecast,
    Observation,
    WeightedForecast,
    forecast_key_result,
    milestone_forecast,
    objective_forecast,
)
from tandem.domain.scoring import Kind
from tandem.okrs.models import Cycle, KeyResult, Objective

History = Sequence[tuple[dt.datetime, Decimal]]


def display_quantum(*, baseline: Decimal, target: Decimal) -> Decimal:
    """The rounding step of a forecast shown to people: about 1% of the distance from
    baseline to target (86.4321 on the way from 0 to 100 is shown as 86), since the
    band is far wider than that."""
    span = abs(target - baseline)
    if span == 0:
        return Decimal(1)
    decimals = max(0, -math.floor(math.log10(float(span) / 100)))
    return Decimal(1).scaleb(-decimals)


@dataclass(frozen=True, slots=True)
class KeyResultForecast:
    """A key result's forecast, with its values rounded for display."""

    forecast: Forecast
    value: Decimal | None
    low: Decimal | None
    high: Decimal | None
    # The instant and value the forecast starts from on the chart: the latest check-in.
    start_at: dt.datetime
    start_value: Decimal

    @property
    def probability(self) -> Decimal:
        return self.forecast.probability


def key_result_forecast(
    kr: KeyResult, *, history: History, start: dt.datetime, end: dt.datetime, now: dt.datetime
) -> KeyResultForecast | None:
    """The forecast of one key result; ``None`` for a metric one without numbers to
    forecast (no baseline, no target, or both equal: the coach says so instead)."""
    if kr.kind == KeyResult.Kind.MILESTONE:
        forecast = milestone_forecast(done=kr.done, confidence=kr.last_confidence)
        return KeyResultForecast(forecast, None, None, None, start, Decimal(0))
    if kr.baseline is None or kr.target is None or kr.baseline == kr.target:
        return None
    forecast = forecast_key_result(
        history=[Observation(at, value) for at, value in history],
        baseline=kr.baseline,
        target=kr.target,
        start=start,
        end=end,
        now=now,
    )
    seen = [(at, value) for at, value in history if at <= now]
    start_at, start_value = max(seen, key=lambda p: p[0]) if seen else (start, kr.baseline)
    quantum = display_quantum(baseline=kr.baseline, target=kr.target)

    def rounded(value: Decimal | None) -> Decimal | None:
        return None if value is None else value.quantize(quantum, rounding=ROUND_HALF_UP)

    return KeyResultForecast(
        forecast,
        rounded(forecast.value),
        rounded(forecast.low),
        rounded(forecast.high),
        max(start_at, start),
        start_value,
    )


def attach_forecasts(
    objectives: Iterable[Objective],
    *,
    cycle: Cycle,
    histories: Mapping[int, History],
    now: dt.datetime,
) -> None:
    """Set ``kr.forecast`` on every key result and ``objective.forecast`` (an
    :class:`ObjectiveForecast` or ``None``) on every objective, for the templates."""
    start, end = cycle.bounds()
    for objective in objectives:
        items: list[WeightedForecast] = []
        for kr in objective.key_results.all():
            kf = key_result_forecast(
                kr, history=histories.get(kr.pk, ()), start=start, end=end, now=now
            )
            kr.forecast = kf  # type: ignore[attr-defined]
            if kf is not None:
                items.append(WeightedForecast(kf.forecast, kr.weight))
        objective.forecast = objective_forecast(items)  # type: ignore[attr-defined]


def _owner_key(objective: Objective) -> str:
    if objective.owner_team_id is not None:
        return f"team:{objective.owner_team_id}"
    return f"user:{objective.owner_user_id}"


def coach_findings(
    objective: Objective,
    *,
    cycle: Cycle,
    owner_counts: Mapping[str, int],
    aligned: bool,
    now: dt.datetime,
) -> list[coach_maths.Finding]:
    """The coach's findings about ``objective``, by the rules its organisation keeps on.
    Reads ``objective.forecast`` when it was attached."""
    start, end = cycle.bounds()
    forecast: ObjectiveForecast | None = getattr(objective, "forecast", None)
    drafts = tuple(
        coach_maths.KeyResultDraft(
            title=kr.title,
            kind=coach_maths.KeyResultKind(kr.kind),
            baseline=kr.baseline,
            target=kr.target,
            done=kr.done,
            days_since_check_in=(
                None if kr.last_checkin_at is None else (now - kr.last_checkin_at).days
            ),
        )
        for kr in objective.key_results.all()
    )
    draft = coach_maths.ObjectiveDraft(
        title=objective.title,
        key_results=drafts,
        kind=Kind(objective.kind),
        has_owner=objective.owner_team_id is not None or objective.owner_user_id is not None,
        owner_objectives=owner_counts.get(_owner_key(objective), 1),
        aligned=aligned,
        reason=objective.description,
        cycle_active=cycle.state == Cycle.State.ACTIVE and start <= now < end,
        days_into_cycle=max(0, (min(now, end) - start).days),
        forecast_progress=None if forecast is None else forecast.progress,
    )
    return coach_maths.coach(draft, enabled=rules_of(cycle.organization))


def rules_of(organization: Organization) -> frozenset[str]:
    """The coach's rules ``organization`` keeps on (ids it no longer knows are ignored:
    a rule retired in an upgrade must not break its pages)."""
    known = {str(rule) for rule in coach_maths.RuleId}
    off = [r for r in organization.coach_disabled_rules or [] if r in known]
    return coach_maths.enabled_rules(off)


def owner_counts_of(objectives: Iterable[Objective]) -> dict[str, int]:
    """How many of ``objectives`` each owner holds (all of a cycle's, when given them)."""
    counts: dict[str, int] = {}
    for objective in objectives:
        key = _owner_key(objective)
        counts[key] = counts.get(key, 0) + 1
    return counts
