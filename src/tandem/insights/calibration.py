"""The calibration page's read: per team and for the whole company, each recent closed
cycle's scores, committed and aspirational apart.

Two queries whatever the size of the company (the cycles, then the scored objectives'
kind, owner and score as plain values) plus one for the teams' names; the maths is
:mod:`tandem.domain.calibration`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from tandem.access.permissions import Viewer, visible_objectives
from tandem.accounts.models import Organization, Team
from tandem.domain.calibration import Calibration, calibrate
from tandem.domain.scoring import Kind
from tandem.okrs.models import Cycle, Objective

# The trend covers this many of the most recent closed cycles.
MAX_CYCLES = 8


@dataclass(frozen=True, slots=True)
class CycleCalibration:
    cycle: Cycle
    calibration: Calibration


@dataclass(frozen=True, slots=True)
class GroupCalibration:
    """The whole company (``team`` is None) or one team, a row per cycle, oldest first."""

    name: str
    team: Team | None
    rows: list[CycleCalibration]

    @property
    def scored(self) -> int:
        return sum(row.calibration.count for row in self.rows)


@dataclass(frozen=True, slots=True)
class CalibrationReport:
    cycles: list[Cycle]
    company: GroupCalibration
    teams: list[GroupCalibration]


def calibration_report(
    *, organization: Organization, viewer: Viewer | None = None
) -> CalibrationReport:
    """Calibration of the organisation's most recent closed cycles.

    An objective counts once it is closed with a score (the adjusted one when its owner
    changed it); dropped objectives do not. The company's rows hold every objective,
    personal ones included; a team's rows hold the objectives the team owns.

    Only the objectives ``viewer`` may see count, as in the tree's roll-ups: a share
    computed over a private objective would tell others something of its score (with
    one objective in a team, all of it).
    """
    cycles = list(
        Cycle.objects.filter(organization=organization, state=Cycle.State.CLOSED).order_by(
            "-end_date", "-start_date", "-id"
        )[:MAX_CYCLES]
    )
    cycles.reverse()
    scored = visible_objectives(
        Objective.objects.filter(
            organization=organization,
            cycle__in=[c.pk for c in cycles],
            state=Objective.State.CLOSED,
        ),
        viewer,
    ).values_list("cycle_id", "owner_team_id", "kind", "score", "computed_score")
    company: dict[int, list[tuple[Kind, Decimal]]] = defaultdict(list)
    by_team: dict[int, dict[int, list[tuple[Kind, Decimal]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for cycle_id, team_id, kind, score, computed in scored:
        value = score if score is not None else computed
        if value is None:
            continue
        pair = (Kind(kind), value)
        company[cycle_id].append(pair)
        if team_id is not None:
            by_team[team_id][cycle_id].append(pair)
    teams = Team.objects.filter(organization=organization, pk__in=list(by_team)).order_by("name")

    def rows(scores: dict[int, list[tuple[Kind, Decimal]]]) -> list[CycleCalibration]:
        return [CycleCalibration(c, calibrate(scores.get(c.pk, []))) for c in cycles]

    return CalibrationReport(
        cycles=cycles,
        company=GroupCalibration(name=organization.name, team=None, rows=rows(company)),
        teams=[GroupCalibration(name=t.name, team=t, rows=rows(by_team[t.pk])) for t in teams],
    )
