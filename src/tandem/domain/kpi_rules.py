"""How KPIs and OKRs inform each other: promotion, demotion and watermelons.

* Promotion: a KPI that has been red for ``red_periods`` periods in a row (default
  3) should become the subject of an OKR for a cycle ("if a KPI is blinking red,
  craft an OKR around it").
* Demotion: once the cycle of that OKR has closed, a KPI that has been green for
  ``green_periods`` periods in a row since (default 4) is reliably met again and
  goes back to being a plain KPI.

Tandem suggests both; a person promotes or demotes, and that is recorded. A run
counts the most recent periods only, and any period of another health ends it: a
yellow week, and equally a week without a value, since a missing value is no
evidence that the KPI stayed red (or green).

Watermelons are goals whose outside disagrees with their inside:

* ``kpis_green_objective_behind`` ("green outside, red inside"): every KPI linked
  to an objective is green, yet the objective is at risk or off track. The KPIs
  may be the wrong ones, or the objective's numbers are not being reported. It
  needs at least one linked KPI, and a stale or missing KPI is not green.
* ``guardrail_red_objective_on_track``: the objective looks on track while one of
  its guardrails is red, so the progress may be bought with what the guardrail
  protects ("don't sacrifice quality while chasing growth").

Objectives that have not started raise neither: there is no outside to judge yet.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum

from tandem.domain.health import Health
from tandem.domain.status import Status

DEFAULT_RED_PERIODS = 3
DEFAULT_GREEN_PERIODS = 4
BEHIND = frozenset({Status.AT_RISK, Status.OFF_TRACK})


class WatermelonKind(StrEnum):
    KPIS_GREEN_OBJECTIVE_BEHIND = "kpis_green_objective_behind"
    GUARDRAIL_RED_OBJECTIVE_ON_TRACK = "guardrail_red_objective_on_track"

    @property
    def label(self) -> str:
        if self is WatermelonKind.KPIS_GREEN_OBJECTIVE_BEHIND:
            return "Linked KPIs are green but the objective is behind"
        return "The objective is on track but a guardrail is red"


def consecutive_trailing(healths: Sequence[Health], wanted: Health) -> int:
    """How many of the most recent periods in a row have ``wanted`` health.

    ``healths`` has one entry per period, oldest first, with ``no_data`` for a period
    without a value (so a missing period ends the run).
    """
    run = 0
    for current in reversed(healths):
        if current != wanted:
            break
        run += 1
    return run


def should_promote(
    healths: Sequence[Health],
    *,
    red_periods: int = DEFAULT_RED_PERIODS,
    already_promoted: bool,
) -> bool:
    """Whether to suggest an OKR for a KPI whose latest periods were ``healths``.

    Pass completed periods: the running one may still change colour.
    """
    if red_periods < 1:
        raise ValueError(f"red_periods must be at least 1, got {red_periods}")
    if already_promoted:
        return False
    return consecutive_trailing(healths, Health.RED) >= red_periods


def should_demote(
    healths_since_cycle_end: Sequence[Health],
    *,
    green_periods: int = DEFAULT_GREEN_PERIODS,
    promoted: bool,
    cycle_closed: bool,
) -> bool:
    """Whether to suggest turning a promoted KPI back into a plain KPI.

    ``healths_since_cycle_end`` holds the completed periods after the promoting
    cycle ended, oldest first; green periods during the cycle do not count, since
    the OKR's push may not last.
    """
    if green_periods < 1:
        raise ValueError(f"green_periods must be at least 1, got {green_periods}")
    if not (promoted and cycle_closed):
        return False
    return consecutive_trailing(healths_since_cycle_end, Health.GREEN) >= green_periods


def guardrail_breach(objective_status: Status, guardrail_healths: Sequence[Health]) -> bool:
    """Whether an objective looks on track while one of its guardrails is red."""
    return objective_status == Status.ON_TRACK and Health.RED in guardrail_healths


def watermelon(
    objective_status: Status,
    linked_kpi_healths: Sequence[Health],
    guardrail_healths: Sequence[Health] = (),
) -> WatermelonKind | None:
    """The kind of watermelon an objective is, or ``None``.

    The two kinds exclude each other: one needs the objective behind, the other on
    track.
    """
    if (
        objective_status in BEHIND
        and linked_kpi_healths
        and all(current == Health.GREEN for current in linked_kpi_healths)
    ):
        return WatermelonKind.KPIS_GREEN_OBJECTIVE_BEHIND
    if guardrail_breach(objective_status, guardrail_healths):
        return WatermelonKind.GUARDRAIL_RED_OBJECTIVE_ON_TRACK
    return None
