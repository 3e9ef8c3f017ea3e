"""Reads of the reports, scoped to the organisation and to what the viewer may see.

The reports show what the pages show. The review's cards and groups come from
:mod:`tandem.web.views_cycles` and the scorecard from :mod:`tandem.kpis.selectors`,
so a PDF or a spreadsheet never tells another story than the page it comes from.
Objectives are read through :mod:`tandem.okrs.selectors` with the viewer, so a private
objective appears only for the people who may see it, and counts in no figure for
the others.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext_lazy

# The review's own builders: the exports reuse them rather than redo the scores.
from tandem.access.permissions import viewer_of
from tandem.accounts.models import Membership, Organization, Team
from tandem.domain.health import Health
from tandem.domain.kpi_rules import WatermelonKind
from tandem.domain.scoring import Band, Kind
from tandem.insights import selectors as insights
from tandem.kpis import selectors as kpi_selectors
from tandem.kpis.models import KPI
from tandem.kpis.selectors import TargetLike
from tandem.okrs import presenters
from tandem.okrs import selectors as okr_selectors
from tandem.okrs.models import Cycle
from tandem.okrs.presenters import Card, Group
from tandem.okrs.tree import KindSummaries, summarize_scores
from tandem.reports.models import PlanKPI, StrategicPlan

# A slide or a one-page plan holds this many objectives before it says "and N more".
PRIORITIES_SHOWN = 7


# -- the strategic plan ------------------------------------------------------------------


def strategic_plan_get(*, organization: Organization) -> StrategicPlan | None:
    return StrategicPlan.objects.filter(organization=organization).first()


def plan_kpis(*, plan: StrategicPlan) -> list[KPI]:
    """The plan's key KPIs in its order (archived ones included: the plan named them)."""
    rows = (
        PlanKPI.objects.filter(organization_id=plan.organization_id, plan=plan)
        .select_related("kpi__owner_team", "kpi__owner_user")
        .order_by("position", "id")
    )
    return [row.kpi for row in rows]


def plan_kpi_choices(*, organization: Organization) -> list[KPI]:
    return list(kpi_selectors.kpi_list(organization=organization).order_by("position", "name"))


def plan_cycles(
    *, organization: Organization, today: dt.date | None = None
) -> tuple[Cycle | None, Cycle | None]:
    """This year's and this quarter's cycles: the active quarter around today and its
    year (else the active year around today)."""
    day = today or organization.today()
    current = okr_selectors.current_cycle(organization=organization, today=day)
    quarter = (
        current
        if current is not None and current.kind == Cycle.Kind.QUARTER and current.contains(day)
        else None
    )
    year: Cycle | None = None
    if quarter is not None and quarter.parent_id is not None:
        year = okr_selectors.cycle_get(organization=organization, pk=quarter.parent_id)
    if year is None:
        year = (
            okr_selectors.cycle_list(organization=organization)
            .filter(kind=Cycle.Kind.YEAR, start_date__lte=day, end_date__gte=day)
            .exclude(state=Cycle.State.CLOSED)
            .select_related("organization")
            .first()
        )
    return year, quarter


@dataclass
class Priorities:
    cycle: Cycle | None
    cards: list[Card] = field(default_factory=list)
    more: int = 0


def _company_team_ids(teams: Sequence[Team]) -> set[int]:
    return {team.pk for team in teams if team.kind == Team.Kind.COMPANY}


def priorities(
    *, organization: Organization, cycle: Cycle | None, membership: Membership
) -> Priorities:
    """The objectives the company itself owns in ``cycle``, with their progress and
    live status; without company objectives, the team objectives that align to
    nothing above them (the tops of the tree)."""
    if cycle is None:
        return Priorities(cycle=None)
    objectives = okr_selectors.cycle_objectives(
        organization=organization, cycle=cycle, viewer=viewer_of(membership)
    )
    company = _company_team_ids(list(okr_selectors.team_list(organization=organization)))
    chosen = [o for o in objectives if o.owner_team_id in company]
    if not chosen:
        parents = okr_selectors.cycle_alignment_parents(organization=organization, cycle=cycle)
        chosen = [o for o in objectives if o.owner_team_id is not None and o.pk not in parents]
    cards = presenters.cards(chosen, organization=organization, cycle=cycle)
    return Priorities(
        cycle=cycle,
        cards=cards[:PRIORITIES_SHOWN],
        more=max(0, len(cards) - PRIORITIES_SHOWN),
    )


@dataclass(frozen=True, slots=True)
class KPILine:
    kpi: KPI
    target: TargetLike | None
    health: Health


def kpi_lines(
    kpis: Sequence[KPI], *, organization: Organization, today: dt.date | None = None
) -> list[KPILine]:
    """Each KPI's latest value, target in force and health today, in a few queries."""
    day = today or organization.today()
    healths = insights.current_healths(kpis, organization=organization, today=day)
    histories = kpi_selectors.load_histories(kpis, since=day, organization=organization)
    return [
        KPILine(
            kpi=kpi,
            target=histories[kpi.pk].target_at(day),
            health=healths.get(kpi.pk, Health.NO_DATA),
        )
        for kpi in kpis
    ]


@dataclass
class PlanReport:
    organization: Organization
    today: dt.date
    plan: StrategicPlan | None
    year: Priorities
    quarter: Priorities
    kpis: list[KPILine]


def plan_report(*, organization: Organization, membership: Membership) -> PlanReport:
    today = organization.today()
    plan = strategic_plan_get(organization=organization)
    year, quarter = plan_cycles(organization=organization, today=today)
    kpis = plan_kpis(plan=plan) if plan is not None else []
    return PlanReport(
        organization=organization,
        today=today,
        plan=plan,
        year=priorities(organization=organization, cycle=year, membership=membership),
        quarter=priorities(organization=organization, cycle=quarter, membership=membership),
        kpis=kpi_lines(kpis, organization=organization, today=today),
    )


# -- the cycle review --------------------------------------------------------------------


@dataclass
class ReviewReport:
    organization: Organization
    cycle: Cycle
    groups: list[Group]
    overall: KindSummaries
    bands: dict[Band, int]
    count: int

    @property
    def cards(self) -> list[tuple[Group, Card]]:
        return [(group, card) for group in self.groups for card in group.cards]


def review_report(
    *, organization: Organization, cycle: Cycle, membership: Membership
) -> ReviewReport:
    """The review of ``cycle`` as its page shows it, private objectives left to those
    who may see them."""
    objectives = okr_selectors.cycle_objectives(
        organization=organization, cycle=cycle, viewer=viewer_of(membership)
    )
    cards, groups = presenters.grouped_cards(
        objectives,
        organization=organization,
        cycle=cycle,
        teams=list(okr_selectors.team_list(organization=organization)),
    )
    return ReviewReport(
        organization=organization,
        cycle=cycle,
        groups=groups,
        overall=summarize_scores((card.shown, Kind(card.objective.kind)) for card in cards),
        bands={value: sum(1 for card in cards if card.band == value) for value in Band},
        count=len(cards),
    )


def share(part: int, whole: int) -> Decimal | None:
    """``part`` of ``whole`` as a fraction to two places; ``None`` of nothing."""
    if whole == 0:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.01"))


# -- the presentation --------------------------------------------------------------------


@dataclass
class Presentation:
    organization: Organization
    today: dt.date
    cycle: Cycle | None
    groups: list[Group]
    red: list[insights.KPILine]
    watermelons: list[insights.Watermelon]


def presentation(*, organization: Organization, membership: Membership) -> Presentation:
    """One slide per team owning objectives in the current cycle, then the red KPIs
    and the watermelons of the company health page."""
    health = insights.company_health(organization=organization)
    cycle = health.cycle
    groups: list[Group] = []
    if cycle is not None:
        objectives = okr_selectors.cycle_objectives(
            organization=organization, cycle=cycle, viewer=viewer_of(membership)
        )
        _, groups = presenters.grouped_cards(
            objectives,
            organization=organization,
            cycle=cycle,
            teams=list(okr_selectors.team_list(organization=organization)),
        )
    shown = {card.objective.pk for group in groups for card in group.cards}
    watermelons = [
        melon
        for melon in health.behind + health.guardrail
        if melon.objective.pk in shown or cycle is None
    ]
    return Presentation(
        organization=organization,
        today=health.today,
        cycle=cycle,
        groups=groups,
        red=health.red,
        watermelons=watermelons,
    )


WATERMELON_TEXT = {
    WatermelonKind.KPIS_GREEN_OBJECTIVE_BEHIND: gettext_lazy(
        "Its KPIs are green, but the objective is behind."
    ),
    WatermelonKind.GUARDRAIL_RED_OBJECTIVE_ON_TRACK: gettext_lazy(
        "On track, but a guardrail KPI is red."
    ),
}
