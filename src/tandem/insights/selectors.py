"""Reads that put OKRs and KPIs side by side, each in a fixed number of queries.

* :func:`objective_signals` tells, for any number of objectives, the health of the
  KPIs linked to each one (its guardrails, and its indicators: the KPIs linked as
  indicators plus those behind its KPI-backed key results), whether a guardrail is
  red, whether the objective is a watermelon, and the promotion it came from.
* :func:`company_health` is the company health page: red and stale KPIs, the KPIs
  Tandem suggests promoting into an OKR or demoting back to a plain KPI, the open
  promotions and their history, and the watermelons of the current cycle.
* :func:`promotion_draft` is what the promote and demote forms show about one KPI.

The rules themselves (health, staleness, promotion, demotion, watermelons) live in
:mod:`tandem.domain`; the per-period colours come from :class:`kpis.selectors.History`
and the promotion rules from the scorecard's rows, so every page tells the same story.

Only objectives being pursued (active, in a cycle that is not closed) can be
watermelons or have a red guardrail flagged: a closed goal has no live status to
disagree with its KPIs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.shortcuts import get_object_or_404
from django.utils import timezone

from tandem.access.permissions import Viewer, visible_objectives
from tandem.accounts.models import Organization
from tandem.domain import health as hm
from tandem.domain import kpi_rules
from tandem.domain import periods as pm
from tandem.domain.health import Health
from tandem.domain.kpi_rules import WatermelonKind
from tandem.domain.status import Status
from tandem.kpis import selectors as kpi_selectors
from tandem.kpis.models import KPI, ObjectiveKPI, Promotion
from tandem.kpis.selectors import Cell, Row, TargetLike
from tandem.okrs import selectors as okr_selectors
from tandem.okrs.models import Cycle, KeyResult, Objective

# A KPI's current health needs its values from the current period and the two before
# it: with the one period of grace of ``health.is_stale``, an older latest value is stale.
STALE_WINDOW = 3
# The health page reads this many weekly scorecard columns; the promotion and demotion
# rules look further back on their own.
HEALTH_PERIODS = 4
# The promotion history on the health page shows the most recent ones.
HISTORY_LIMIT = 100


@dataclass(frozen=True, slots=True)
class KPISignal:
    """One KPI as an objective sees it."""

    kpi: KPI
    health: Health
    # The guardrail or indicator link (None for a KPI that only backs a key result).
    link: ObjectiveKPI | None = None
    # Titles of the objective's key results that read their value from this KPI.
    key_results: tuple[str, ...] = ()

    @property
    def is_red(self) -> bool:
        return self.health == Health.RED


@dataclass(frozen=True, slots=True)
class Signals:
    """What the KPIs say about one objective."""

    objective_id: int
    # Active in a cycle that is not closed: only then can it be flagged.
    pursued: bool
    # The live status while pursued, else None.
    status: Status | None
    guardrails: tuple[KPISignal, ...] = ()
    # Indicator links and the KPIs behind KPI-backed key results, once each.
    indicators: tuple[KPISignal, ...] = ()
    guardrail_red: bool = False
    watermelon: WatermelonKind | None = None
    # The promotion that created this objective from a KPI, if any.
    promotion: Promotion | None = None

    @property
    def red_guardrails(self) -> list[KPISignal]:
        return [signal for signal in self.guardrails if signal.is_red]

    @property
    def flagged(self) -> bool:
        """Whether a page listing objectives should show a badge for this one."""
        return bool(self.guardrail_red or self.watermelon or self.promotion)

    @property
    def kpis(self) -> tuple[KPISignal, ...]:
        return self.guardrails + self.indicators


def _since(kpis: Iterable[KPI], today: dt.date, cal: dict[str, int]) -> dt.date:
    starts = [
        pm.last_n_periods(pm.Frequency(kpi.frequency), today, STALE_WINDOW, **cal)[0]
        for kpi in kpis
    ]
    return min(starts, default=today)


def current_healths(
    kpis: Sequence[KPI], *, organization: Organization, today: dt.date
) -> dict[int, Health]:
    """Each KPI's health today, in two queries (targets and recent values).

    Only the recent periods are read; a KPI whose latest value is older is stale, which
    ``History.current_health`` says once that value (kept on the KPI) is added back.
    """
    if not kpis:
        return {}
    cal = kpi_selectors.calendar(organization)
    histories = kpi_selectors.load_histories(
        kpis, since=_since(kpis, today, cal), organization=organization
    )
    healths = {}
    for kpi in kpis:
        history = histories[kpi.pk]
        if kpi.latest_period is not None and kpi.latest_value is not None:
            history.values.setdefault(kpi.latest_period, kpi.latest_value)
        healths[kpi.pk] = history.current_health(today, cal)
    return healths


def _moment(
    organization: Organization, today: dt.date | None, now: dt.datetime | None
) -> tuple[dt.date, dt.datetime]:
    """The day KPIs are judged on and the instant objectives are paced at.

    A pinned ``today`` without ``now`` paces objectives at that day's noon, so that a
    caller fixing the date gets statuses for that date too.
    """
    if now is None:
        if today is None:
            now = timezone.now()
        else:
            now = dt.datetime.combine(today, dt.time(12), tzinfo=organization.tz)
    if today is None:
        today = now.astimezone(organization.tz).date()
    return today, now


def _cycles_of(
    objectives: Sequence[Objective], organization: Organization, known: Iterable[Cycle] = ()
) -> dict[int, Cycle]:
    """The objectives' cycles, reusing those given and those already loaded with them
    (one query at most)."""
    cycles: dict[int, Cycle] = {cycle.pk: cycle for cycle in known}
    for objective in objectives:
        if Objective.cycle.is_cached(objective):
            cycles.setdefault(objective.cycle_id, objective.cycle)
    missing = {o.cycle_id for o in objectives} - set(cycles)
    if missing:
        cycles.update(
            (cycle.pk, cycle)
            for cycle in Cycle.objects.filter(organization=organization, pk__in=missing)
        )
    for cycle in cycles.values():
        # The cycle's pace is in the organisation's timezone: reuse the one we have.
        if not Cycle.organization.is_cached(cycle):
            cycle.organization = organization
    return cycles


def _may_have_kpi_backed_key_results(objectives: Sequence[Objective]) -> bool:
    """False when the key results of every objective were read with it (prefetched, as
    the team page does) and none follows a KPI: then there is nothing to ask."""
    for objective in objectives:
        prefetched = getattr(objective, "_prefetched_objects_cache", {}).get("key_results")
        if prefetched is None or any(kr.kpi_id is not None for kr in prefetched):
            return True
    return False


def objective_signals(
    *,
    organization: Organization,
    objectives: Iterable[Objective],
    today: dt.date | None = None,
    now: dt.datetime | None = None,
    cycles: Iterable[Cycle] = (),
) -> dict[int, Signals]:
    """What the KPIs say about each of ``objectives``, keyed by objective id.

    Runs at most six queries whatever the number of objectives and KPIs: the links,
    the KPI-backed key results, the targets, the recent values, the promotions, and
    the cycles when the objectives were read without them and ``cycles`` (the ones
    the caller has in hand, of this organisation) does not hold them.
    """
    chosen = [o for o in objectives if o.organization_id == organization.pk]
    if not chosen:
        return {}
    day, moment = _moment(organization, today, now)
    # ``chosen`` is already this organisation's, so the reads below filter by objective
    # only: an extra organisation filter leads SQLite (without ANALYZE statistics) to
    # scan every key result of the organisation instead of using the objective index.
    ids = [o.pk for o in chosen]
    links = list(
        ObjectiveKPI.objects.filter(objective_id__in=ids)
        .select_related("kpi")
        .order_by("kpi__position", "kpi__name", "id")
    )
    backed: list[KeyResult] = []
    if _may_have_kpi_backed_key_results(chosen):
        backed = list(
            KeyResult.objects.filter(objective_id__in=ids, kpi__isnull=False)
            .select_related("kpi")
            .order_by("position", "id")
        )
    promotions = {
        p.objective_id: p
        for p in Promotion.objects.filter(
            organization=organization, objective_id__in=ids
        ).select_related("kpi", "promoted_by", "demoted_by")
    }
    kpis: dict[int, KPI] = {}
    for link in links:
        kpis.setdefault(link.kpi_id, link.kpi)
    for kr in backed:
        assert kr.kpi is not None
        kpis.setdefault(kr.kpi.pk, kr.kpi)
    healths = current_healths(list(kpis.values()), organization=organization, today=day)
    of_objectives = _cycles_of(chosen, organization, cycles)
    expected = {pk: cycle.expected_progress(moment) for pk, cycle in of_objectives.items()}

    links_of: dict[int, list[ObjectiveKPI]] = {}
    for link in links:
        links_of.setdefault(link.objective_id, []).append(link)
    backed_of: dict[int, list[KeyResult]] = {}
    for kr in backed:
        backed_of.setdefault(kr.objective_id, []).append(kr)

    result: dict[int, Signals] = {}
    for objective in chosen:
        guardrails: list[KPISignal] = []
        indicators: dict[int, KPISignal] = {}
        for link in links_of.get(objective.pk, []):
            signal = KPISignal(kpi=kpis[link.kpi_id], health=healths[link.kpi_id], link=link)
            if link.role == ObjectiveKPI.Role.GUARDRAIL:
                guardrails.append(signal)
            else:
                indicators[link.kpi_id] = signal
        for kr in backed_of.get(objective.pk, []):
            assert kr.kpi_id is not None
            known = indicators.get(kr.kpi_id)
            indicators[kr.kpi_id] = KPISignal(
                kpi=kpis[kr.kpi_id],
                health=healths[kr.kpi_id],
                link=known.link if known else None,
                key_results=(*(known.key_results if known else ()), kr.title),
            )
        cycle = of_objectives[objective.cycle_id]
        pursued = objective.state == Objective.State.ACTIVE and not cycle.is_closed
        status: Status | None = None
        watermelon: WatermelonKind | None = None
        guardrail_red = False
        if pursued:
            if not Objective.organization.is_cached(objective):
                objective.organization = organization
            status = objective.status(expected=expected[cycle.pk])
            guardrail_healths = [s.health for s in guardrails]
            guardrail_red = Health.RED in guardrail_healths
            watermelon = kpi_rules.watermelon(
                status, [s.health for s in indicators.values()], guardrail_healths
            )
        result[objective.pk] = Signals(
            objective_id=objective.pk,
            pursued=pursued,
            status=status,
            guardrails=tuple(guardrails),
            indicators=tuple(indicators.values()),
            guardrail_red=guardrail_red,
            watermelon=watermelon,
            promotion=promotions.get(objective.pk),
        )
    return result


# -- the company health page --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KPILine:
    """A KPI on the health page: its scorecard row and its health today."""

    row: Row
    health: Health

    @property
    def kpi(self) -> KPI:
        return self.row.kpi

    @property
    def target(self) -> TargetLike | None:
        return self.row.target


@dataclass(frozen=True, slots=True)
class Watermelon:
    objective: Objective
    signals: Signals


@dataclass
class CompanyHealth:
    today: dt.date
    cycle: Cycle | None
    red: list[KPILine] = field(default_factory=list)
    stale: list[KPILine] = field(default_factory=list)
    # Active KPIs that never had a value.
    no_data: list[KPILine] = field(default_factory=list)
    # KPIs whose scheduled pull failed or went stale.
    sync: list[KPILine] = field(default_factory=list)
    promote: list[KPILine] = field(default_factory=list)
    demote: list[KPILine] = field(default_factory=list)
    open_promotions: list[Promotion] = field(default_factory=list)
    history: list[Promotion] = field(default_factory=list)
    # "Green outside, red inside": linked KPIs green, objective behind.
    behind: list[Watermelon] = field(default_factory=list)
    # On track while a guardrail is red.
    guardrail: list[Watermelon] = field(default_factory=list)
    kpi_count: int = 0

    @property
    def watermelons(self) -> int:
        return len(self.behind) + len(self.guardrail)


def health_today(row: Row, today: dt.date, cal: dict[str, int]) -> Health:
    """A scorecard row's health, where a latest value older than the scorecard's
    window (which the row then shows as no data) makes the KPI stale."""
    kpi = row.kpi
    if (
        row.health == Health.NO_DATA
        and kpi.latest_period is not None
        and hm.is_stale(pm.Frequency(kpi.frequency), kpi.latest_period, today, **cal)
    ):
        return Health.STALE
    return row.health


def company_health(
    *,
    organization: Organization,
    today: dt.date | None = None,
    now: dt.datetime | None = None,
    viewer: Viewer | None = None,
) -> CompanyHealth:
    """Everything the company health page shows, in a fixed number of queries.

    The KPI lists come from the scorecard's rows (which carry the promotion and
    demotion rules); the watermelons are those of the current cycle's objectives.
    Promotions and watermelons of private objectives ``viewer`` may not see are left out.
    """
    day, moment = _moment(organization, today, now)
    cal = kpi_selectors.calendar(organization)
    board = kpi_selectors.scorecard(organization=organization, periods=HEALTH_PERIODS, today=day)
    report = CompanyHealth(
        today=day,
        cycle=okr_selectors.current_cycle(organization=organization, today=day),
        kpi_count=len(board.rows),
    )
    for row in board.rows:
        line = KPILine(row=row, health=health_today(row, day, cal))
        if line.health == Health.RED:
            report.red.append(line)
        elif line.health == Health.STALE:
            report.stale.append(line)
        elif line.health == Health.NO_DATA and row.kpi.latest_period is None:
            report.no_data.append(line)
        if row.sync:
            report.sync.append(line)
        if row.promote:
            report.promote.append(line)
        if row.demote:
            report.demote.append(line)
    promotions = visible_objectives(
        Promotion.objects.filter(organization=organization), viewer, "objective__"
    ).select_related(
        "kpi", "objective__cycle", "objective__owner_team", "promoted_by", "demoted_by"
    )
    report.open_promotions = list(promotions.filter(demoted_at__isnull=True))
    report.history = list(promotions.order_by("-promoted_at", "-id")[:HISTORY_LIMIT])
    cycle = report.cycle
    if cycle is not None and not cycle.is_closed:
        objectives = okr_selectors.cycle_objectives(
            organization=organization, cycle=cycle, viewer=viewer
        )
        for objective in objectives:
            objective.cycle = cycle
        signals = objective_signals(
            organization=organization, objectives=objectives, today=day, now=moment
        )
        for objective in objectives:
            found = signals[objective.pk]
            if found.watermelon == WatermelonKind.KPIS_GREEN_OBJECTIVE_BEHIND:
                report.behind.append(Watermelon(objective, found))
            elif found.watermelon == WatermelonKind.GUARDRAIL_RED_OBJECTIVE_ON_TRACK:
                report.guardrail.append(Watermelon(objective, found))
    return report


# -- the promote and demote forms -----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class PromotionDraft:
    """What the promote and demote forms show about one KPI."""

    kpi: KPI
    health: Health
    target: TargetLike | None
    # The latest completed periods, oldest first, with their colours.
    recent: list[Cell]
    red_run: int
    green_run: int
    suggest_promote: bool
    suggest_demote: bool
    open_promotion: Promotion | None
    cycles: list[Cycle]
    default_cycle: Cycle | None

    @property
    def default_goal(self) -> Decimal | None:
        return self.target.target if self.target is not None else None


def promotion_draft(*, kpi: KPI, today: dt.date | None = None) -> PromotionDraft:
    """The KPI's recent colours, what Tandem suggests, and the cycles it may go into.

    The default cycle is the current one when it still takes objectives, else the
    next cycle being planned.
    """
    organization = kpi.organization
    day = today or kpi_selectors.org_today(organization)
    cal = kpi_selectors.calendar(organization)
    shown = max(organization.promote_after_red_periods, organization.demote_after_green_periods)
    detail = kpi_selectors.kpi_detail(kpi=kpi, periods=shown + 1, today=day)
    row: Row = detail["row"]
    recent = row.cells[:-1]
    completed = [cell.health for cell in recent]
    cycles = list(okr_selectors.open_cycles(organization=organization).order_by("start_date"))
    current = okr_selectors.current_cycle(organization=organization, today=day)
    default = current if current is not None and not current.is_closed else None
    if default is None:
        planning = [c for c in cycles if c.state == Cycle.State.PLANNING]
        default = next((c for c in planning if c.end_date >= day), None)
    return PromotionDraft(
        kpi=kpi,
        health=health_today(row, day, cal),
        target=row.target,
        recent=recent,
        red_run=kpi_rules.consecutive_trailing(completed, Health.RED),
        green_run=kpi_rules.consecutive_trailing(completed, Health.GREEN),
        suggest_promote=row.promote,
        suggest_demote=row.demote,
        open_promotion=row.open_promotion,
        cycles=cycles,
        default_cycle=default,
    )


def open_promotion_of(*, kpi: KPI) -> Promotion | None:
    return (
        Promotion.objects.filter(
            organization_id=kpi.organization_id, kpi=kpi, demoted_at__isnull=True
        )
        .select_related("objective__cycle", "promoted_by")
        .first()
    )


def kpi_choices(*, organization: Organization) -> list[KPI]:
    """The active KPIs an objective or a key result may be linked to, for pickers."""
    return list(
        KPI.objects.filter(organization=organization, is_active=True).order_by("position", "name")
    )


def objective_kpi_get(*, organization: Organization, pk: int | str) -> ObjectiveKPI:
    return get_object_or_404(
        ObjectiveKPI.objects.select_related("objective__organization", "kpi"),
        organization=organization,
        pk=pk,
    )
