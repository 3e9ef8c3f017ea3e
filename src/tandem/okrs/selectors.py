"""Every read of OKRs, scoped to an organisation: another organisation's object is a 404."""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import Count, DecimalField, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from tandem.access.permissions import (
    Viewer,
    private_visibility,
    sees_every_private,
    visible_objectives,
)
from tandem.accounts.models import Organization, Team, TeamMembership, User
from tandem.accounts.orgcache import TeamName, org_cached, org_teams
from tandem.domain import health as health_maths
from tandem.domain import periods
from tandem.kpis.models import Measurement
from tandem.okrs.models import Alignment, CheckIn, Cycle, Initiative, KeyResult, Objective
from tandem.okrs.tree import TeamRow, org_chart_order
from tandem.queries import decimal_reader, fetch, where

# Every selector that returns objectives, or rows that belong to one, takes the
# ``viewer`` and leaves out the private objectives that person may not see (a direct
# read answers 404). ``viewer=None`` is the operator or a background job acting for
# the whole organisation; pages and the API always pass the person.


def cycle_list(*, organization: Organization, state: str | None = None) -> QuerySet[Cycle]:
    """The organisation's cycles, latest first; ``state`` keeps those in it."""
    return where(Cycle.objects.filter(organization=organization), state=state).order_by(
        "-start_date", "kind"
    )


def cycle_get(*, organization: Organization, pk: int | str) -> Cycle:
    return get_object_or_404(
        Cycle.objects.select_related("organization"), organization=organization, pk=pk
    )


def current_cycle(*, organization: Organization, today: dt.date | None = None) -> Cycle | None:
    """The cycle people work in today: the active quarter around today, else the
    active cycle that started last, else the most recent cycle of any state."""
    day = today or dt.datetime.now(organization.tz).date()
    cycles = Cycle.objects.filter(organization=organization).select_related("organization")
    around = cycles.filter(state=Cycle.State.ACTIVE, start_date__lte=day, end_date__gte=day)
    return (
        around.filter(kind=Cycle.Kind.QUARTER).order_by("-start_date").first()
        or around.order_by("-start_date").first()
        or cycles.filter(state=Cycle.State.ACTIVE).order_by("-start_date").first()
        or cycles.order_by("-start_date").first()
    )


def team_get(*, organization: Organization, slug: str) -> Team:
    # With its parent: the team page links it, and a join costs less than a query.
    return get_object_or_404(
        Team.objects.select_related("parent"), organization=organization, slug=slug
    )


def team_get_by_id(*, organization: Organization, pk: int) -> Team:
    return get_object_or_404(
        Team.objects.select_related("parent"), organization=organization, pk=pk
    )


def objective_get(
    *, organization: Organization, pk: int | str, viewer: Viewer | None = None
) -> Objective:
    return get_object_or_404(
        visible_objectives(
            Objective.objects.select_related("cycle", "organization", "owner_team", "owner_user"),
            viewer,
        ),
        organization=organization,
        pk=pk,
    )


def key_result_get(
    *, organization: Organization, pk: int | str, viewer: Viewer | None = None
) -> KeyResult:
    return get_object_or_404(
        visible_objectives(
            KeyResult.objects.select_related(
                "objective__cycle", "objective__organization", "organization", "owner"
            ),
            viewer,
            "objective__",
        ),
        organization=organization,
        pk=pk,
    )


# -- pages -------------------------------------------------------------------------------
# Each function below runs a fixed number of queries however many rows it returns:
# pages show the stored progress and never walk the tree per request.


def _key_results_prefetch() -> Prefetch:
    return Prefetch(
        "key_results",
        queryset=KeyResult.objects.select_related("owner").order_by("position", "id"),
    )


def _objectives(
    *, organization: Organization, cycle: Cycle, viewer: Viewer | None
) -> QuerySet[Objective]:
    # The organisation and the cycle are the ones asked for: _in_cycle hands them to
    # each objective instead of joining them to every row.
    return (
        visible_objectives(Objective.objects.filter(organization=organization, cycle=cycle), viewer)
        .exclude(state=Objective.State.DROPPED)
        .select_related("owner_team", "owner_user")
        .prefetch_related(_key_results_prefetch())
        .order_by("position", "id")
    )


def _in_cycle(
    objectives: QuerySet[Objective], *, organization: Organization, cycle: Cycle
) -> list[Objective]:
    found = list(objectives)
    for objective in found:
        objective.organization = organization
        objective.cycle = cycle
    return found


def objectives_for_team(
    *, organization: Organization, team: Team, cycle: Cycle, viewer: Viewer | None = None
) -> list[Objective]:
    """The team's objectives in ``cycle``, with their key results and owners."""
    return _in_cycle(
        _objectives(organization=organization, cycle=cycle, viewer=viewer).filter(owner_team=team),
        organization=organization,
        cycle=cycle,
    )


def objectives_for_user(
    *, organization: Organization, user: User, cycle: Cycle, viewer: Viewer | None = None
) -> list[Objective]:
    """Objectives ``user`` owns, and objectives holding a key result ``user`` owns."""
    # Asked from the key results' side, through their (organization, owner) index: an
    # OR over a join would left-join every key result of the cycle (10,000 at scale).
    held = KeyResult.objects.filter(organization=organization, owner=user).values("objective_id")
    return _in_cycle(
        _objectives(organization=organization, cycle=cycle, viewer=viewer).filter(
            Q(owner_user=user) | Q(id__in=held)
        ),
        organization=organization,
        cycle=cycle,
    )


def objectives_for_teams_of(
    *, organization: Organization, user: User, cycle: Cycle, viewer: Viewer | None = None
) -> list[Objective]:
    """Objectives owned by the teams ``user`` belongs to."""
    teams = TeamMembership.objects.filter(organization=organization, user=user).values("team_id")
    return _in_cycle(
        _objectives(organization=organization, cycle=cycle, viewer=viewer).filter(
            owner_team__in=teams
        ),
        organization=organization,
        cycle=cycle,
    )


def objectives_for_home(
    *, organization: Organization, user: User, cycle: Cycle, viewer: Viewer | None = None
) -> tuple[list[Objective], list[Objective]]:
    """What a person's home page lists, read at once: the objectives of
    :func:`objectives_for_user`, then those of :func:`objectives_for_teams_of` that are
    not among them."""
    held = KeyResult.objects.filter(organization=organization, owner=user).values("objective_id")
    teams = TeamMembership.objects.filter(organization=organization, user=user).values("team_id")
    found = _in_cycle(
        _objectives(organization=organization, cycle=cycle, viewer=viewer).filter(
            Q(owner_user=user) | Q(id__in=held) | Q(owner_team__in=teams)
        ),
        organization=organization,
        cycle=cycle,
    )
    # The key results came with them (prefetched): whose they are needs no query.
    mine = [
        o
        for o in found
        if o.owner_user_id == user.pk or any(kr.owner_id == user.pk for kr in o.key_results.all())
    ]
    chosen = {o.pk for o in mine}
    return mine, [o for o in found if o.pk not in chosen]


def team_ids_of(*, organization: Organization, user: User) -> set[int]:
    return set(
        TeamMembership.objects.filter(organization=organization, user=user).values_list(
            "team_id", flat=True
        )
    )


def team_list(*, organization: Organization, parent_id: int | None = None) -> QuerySet[Team]:
    """The organisation's teams by name; ``parent_id`` keeps those right under that team."""
    rows = Team.objects.filter(organization=organization).select_related("parent")
    return where(rows, parent_id=parent_id).order_by("name")


def team_children(*, organization: Organization, team: Team) -> list[TeamName]:
    """The teams right below ``team`` by name, from the organisation's cached team list."""
    return [t for t in org_teams(organization) if t.parent_id == team.pk]


def people_of(*, organization: Organization) -> QuerySet[User]:
    """The people of the organisation, for owner pickers."""
    return User.objects.filter(memberships__organization=organization, is_active=True).order_by(
        "full_name", "email"
    )


def objective_page(
    *, organization: Organization, pk: int | str, viewer: Viewer | None = None
) -> Objective:
    """One objective with everything its page shows: key results with their check-ins,
    initiatives, and the alignments up and down (to objectives ``viewer`` may see)."""
    queryset = Objective.objects.select_related(
        "organization", "cycle__organization", "owner_team", "owner_user"
    ).prefetch_related(
        Prefetch(
            "key_results",
            queryset=KeyResult.objects.select_related("owner")
            .prefetch_related(
                Prefetch(
                    "checkins",
                    queryset=CheckIn.objects.select_related("author").order_by("created_at", "id"),
                )
            )
            .order_by("position", "id"),
        ),
        Prefetch(
            "initiatives",
            queryset=Initiative.objects.select_related("owner", "key_result").order_by(
                "due_date", "id"
            ),
        ),
        Prefetch(
            "alignments_up",
            queryset=visible_alignments(Alignment.objects.all(), viewer)
            .select_related(
                "parent_objective__owner_team",
                "parent_objective__owner_user",
                "parent_key_result__objective",
            )
            .order_by("id"),
        ),
        Prefetch(
            "alignments_down",
            queryset=visible_alignments(Alignment.objects.all(), viewer)
            .select_related("objective__owner_team", "objective__owner_user")
            .order_by("id"),
        ),
    )
    return get_object_or_404(visible_objectives(queryset, viewer), organization=organization, pk=pk)


def visible_alignments(queryset: QuerySet[Alignment], viewer: Viewer | None) -> QuerySet[Alignment]:
    """Alignments whose both ends ``viewer`` may see: a link to a private objective
    would tell its title."""
    if viewer is None or sees_every_private(viewer.membership):
        return queryset
    unseen = (
        Objective.objects.filter(organization_id=viewer.organization_id, is_private=True)
        .exclude(private_visibility(viewer))
        .values("pk")
    )
    return (
        queryset.exclude(objective_id__in=unseen)
        .exclude(parent_objective_id__in=unseen)
        .exclude(parent_key_result__objective_id__in=unseen)
    )


def objective_children_through_key_results(
    *, objective: Objective, viewer: Viewer | None = None
) -> QuerySet[Alignment]:
    """Alignments of objectives that contribute to one of ``objective``'s key results."""
    return (
        visible_alignments(Alignment.objects.all(), viewer)
        .filter(organization_id=objective.organization_id, parent_key_result__objective=objective)
        .select_related("objective__owner_team", "objective__owner_user", "parent_key_result")
        .order_by("id")
    )


def key_result_history(*, key_result: KeyResult) -> list[CheckIn]:
    """The check-ins of ``key_result``, oldest first."""
    return list(
        CheckIn.objects.filter(key_result=key_result)
        .select_related("author")
        .order_by("created_at", "id")
    )


def alignment_candidates(*, objective: Objective, viewer: Viewer | None = None) -> list[Objective]:
    """Objectives ``objective`` may contribute to: those of its cycle and of the cycle
    around it (a quarter's objectives align to the year's), with their key results."""
    cycles = [objective.cycle_id]
    if objective.cycle.parent_id is not None:
        cycles.append(objective.cycle.parent_id)
    return list(
        visible_objectives(
            Objective.objects.filter(
                organization_id=objective.organization_id, cycle_id__in=cycles
            ),
            viewer,
        )
        .exclude(pk=objective.pk)
        .exclude(state=Objective.State.DROPPED)
        .select_related("owner_team", "owner_user")
        .prefetch_related(
            Prefetch("key_results", queryset=KeyResult.objects.order_by("position", "id"))
        )
        .order_by("cycle__start_date", "position", "id")
    )


def alignment_get(
    *, organization: Organization, pk: int | str, viewer: Viewer | None = None
) -> Alignment:
    return get_object_or_404(
        visible_alignments(Alignment.objects.all(), viewer).select_related(
            "objective", "organization"
        ),
        organization=organization,
        pk=pk,
    )


# -- lists with filters (/api/v1 pages through them with its cursor) ----------------------
# Every filter is optional (None keeps every row) and names the column it narrows; the
# caller orders and pages the rows.


def objective_list(
    *,
    organization: Organization,
    viewer: Viewer | None,
    cycle_id: int | None = None,
    owner_team_id: int | None = None,
    owner_user_id: int | None = None,
    state: str | None = None,
) -> QuerySet[Objective]:
    """The objectives ``viewer`` may see, dropped ones too."""
    rows = visible_objectives(Objective.objects.filter(organization=organization), viewer)
    return where(
        rows,
        cycle_id=cycle_id,
        owner_team_id=owner_team_id,
        owner_user_id=owner_user_id,
        state=state,
    )


def key_result_list(
    *,
    organization: Organization,
    viewer: Viewer | None,
    objective_id: int | None = None,
    cycle_id: int | None = None,
    owner_id: int | None = None,
) -> QuerySet[KeyResult]:
    """The key results of the objectives ``viewer`` may see."""
    rows = visible_objectives(
        KeyResult.objects.filter(organization=organization), viewer, "objective__"
    )
    return where(rows, objective_id=objective_id, objective__cycle_id=cycle_id, owner_id=owner_id)


def checkin_list(*, key_result: KeyResult) -> QuerySet[CheckIn]:
    """The check-ins of ``key_result`` (read it through :func:`key_result_get` first)."""
    return CheckIn.objects.filter(organization_id=key_result.organization_id, key_result=key_result)


def initiative_list(
    *,
    organization: Organization,
    viewer: Viewer | None,
    objective_id: int | None = None,
    key_result_id: int | None = None,
    owner_id: int | None = None,
    status: str | None = None,
) -> QuerySet[Initiative]:
    """The initiatives of the objectives ``viewer`` may see."""
    rows = visible_objectives(
        Initiative.objects.filter(organization=organization), viewer, "objective__"
    )
    return where(
        rows,
        objective_id=objective_id,
        key_result_id=key_result_id,
        owner_id=owner_id,
        status=status,
    )


def initiative_get(
    *, organization: Organization, pk: int | str, viewer: Viewer | None = None
) -> Initiative:
    return get_object_or_404(
        initiative_list(organization=organization, viewer=viewer).select_related(
            "organization", "objective"
        ),
        pk=pk,
    )


def alignment_list(
    *,
    organization: Organization,
    viewer: Viewer | None,
    objective_id: int | None = None,
    parent_objective_id: int | None = None,
    parent_key_result_id: int | None = None,
) -> QuerySet[Alignment]:
    """The alignments whose both ends ``viewer`` may see."""
    rows = visible_alignments(Alignment.objects.filter(organization=organization), viewer)
    return where(
        rows,
        objective_id=objective_id,
        parent_objective_id=parent_objective_id,
        parent_key_result_id=parent_key_result_id,
    )


def open_cycles(*, organization: Organization) -> QuerySet[Cycle]:
    """Cycles that still take objectives (planning or active)."""
    return cycle_list(organization=organization).exclude(state=Cycle.State.CLOSED)


# -- cycles, the alignment tree and the review (tandem.web.views_cycles) -----------------
# A fixed number of queries per page: the tree and its roll-ups are built in Python
# from the stored progress (tandem.okrs.tree), never by walking the database.


def cycle_objective_stats(
    *, organization: Organization, viewer: Viewer | None = None
) -> dict[int, tuple[int, Decimal]]:
    """Per cycle id: how many objectives it holds (dropped ones aside) and the sum of
    their progress (an objective without key results adds 0), for the cycles list.
    A private objective counts only for those who may see it."""
    rows = (
        visible_objectives(Objective.objects.filter(organization=organization), viewer)
        .exclude(state=Objective.State.DROPPED)
        .order_by()
        .values("cycle_id")
        .annotate(
            count=Count("id"),
            total=Sum(
                Coalesce("progress", Value(Decimal(0))),
                output_field=DecimalField(max_digits=20, decimal_places=4),
            ),
        )
    )
    return {row["cycle_id"]: (row["count"], Decimal(row["total"] or 0)) for row in rows}


CYCLE_OBJECTIVE_FIELDS = (
    "organization_id",
    "cycle_id",
    "title",
    "kind",
    "state",
    "is_private",
    "owner_team_id",
    "owner_user_id",
    "progress",
    "last_checkin_at",
    "computed_score",
    "score",
    "score_reason",
    "position",
    "owner_team__name",
    "owner_team__slug",
    "owner_team__kind",
    "owner_team__parent_id",
    "owner_team__organization_id",
    "owner_user__full_name",
    "owner_user__email",
)


class Owner(NamedTuple):
    """A person owning objectives, by name only: what the tree's groups show of them."""

    name: str

    def __str__(self) -> str:
        return self.name


class ObjectiveRow(NamedTuple):
    """What the alignment tree needs of each objective of a cycle to build itself and
    its roll-ups: read as tuples, since a large company has thousands of objectives
    and the page shows a hundred and fifty of them."""

    pk: int
    owner_team_id: int | None
    owner_user_id: int | None
    progress: Decimal | None
    owner_user: Owner | None


def cycle_objective_rows(
    *, organization: Organization, cycle: Cycle, viewer: Viewer | None = None
) -> list[ObjectiveRow]:
    """The objectives of ``cycle`` as :func:`cycle_objectives` lists them (the same
    ones, in the same order), as :class:`ObjectiveRow` tuples."""
    rows = (
        visible_objectives(Objective.objects.filter(organization=organization, cycle=cycle), viewer)
        .exclude(state=Objective.State.DROPPED)
        .order_by("position", "id")
        .values_list(
            "id",
            "owner_team_id",
            "owner_user_id",
            "progress",
            "owner_user__full_name",
            "owner_user__email",
        )
    )
    # Thousands of rows: read as the driver returns them (the ORM's converters would
    # cost more than the query), their progress made a Decimal as the ORM makes it.
    # Positional: keywords cost a third more for thousands of tuples.
    return [
        ObjectiveRow(
            pk,
            team_id,
            user_id,
            _progress(progress),
            # As a person is named everywhere (User.__str__): their name, else e-mail.
            Owner(full_name or email) if user_id is not None else None,
        )
        for pk, team_id, user_id, progress, full_name, email in fetch(rows)
    ]


_progress = decimal_reader(Objective._meta.get_field("progress"))


def cycle_objectives(
    *,
    organization: Organization,
    cycle: Cycle,
    with_key_results: bool = False,
    viewer: Viewer | None = None,
    ids: Collection[int] | None = None,
) -> list[Objective]:
    """The objectives of ``cycle`` (dropped ones aside) with their owners, in the
    order the cycle lists them; with their key results when asked. The tree and its
    roll-ups are built from this list, so a private objective the viewer may not see
    counts in none of them. ``ids`` keeps only those objectives."""
    queryset = (
        visible_objectives(Objective.objects.filter(organization=organization, cycle=cycle), viewer)
        .exclude(state=Objective.State.DROPPED)
        .select_related("owner_team", "owner_user")
        # Thousands of rows: read only what these pages show (parsing the rest,
        # dates above all, would cost more than the query).
        .only(*CYCLE_OBJECTIVE_FIELDS)
        .order_by("position", "id")
    )
    if ids is not None:
        queryset = queryset.filter(pk__in=list(ids))
    if with_key_results:
        queryset = queryset.prefetch_related(
            Prefetch("key_results", queryset=KeyResult.objects.order_by("position", "id"))
        )
    return list(queryset)


def org_chart(*, organization: Organization) -> tuple[tuple[int, int], ...]:
    """Every team's id with its depth, in org-chart order (:func:`org_chart_order`),
    kept in the organisation's cache with its teams: ordering a thousand teams under
    their parents took 3 ms of every tree request."""

    def build() -> tuple[tuple[int, int], ...]:
        teams = org_teams(organization)
        return tuple(org_chart_order([TeamRow(t.id, t.parent_id, t.name) for t in teams]))

    return org_cached(organization, "chart", build, shared=True)


def cycle_alignment_parents(*, organization: Organization, cycle: Cycle) -> dict[int, list[int]]:
    """For each objective of ``cycle``: the objectives it contributes to, directly or
    through one of their key results (parents in other cycles included)."""
    parents: dict[int, list[int]] = {}
    # From the cycle's objectives (their organisation and cycle index) to their
    # alignments (the index on the alignments' objective); the alignments'
    # organisation is checked here: with it in SQL, SQLite walks every alignment of
    # the organisation through the organisation index instead.
    rows = (
        Alignment.objects.filter(objective__organization=organization, objective__cycle=cycle)
        .order_by("id")
        .values_list(
            "organization_id",
            "objective_id",
            "parent_objective_id",
            "parent_key_result__objective_id",
        )
    )
    # Two thousand rows of ids: read as the driver returns them.
    for organization_id, objective_id, parent_id, through_key_result in fetch(rows):
        if organization_id != organization.pk:
            continue
        parent = parent_id if parent_id is not None else through_key_result
        if parent is not None:
            parents.setdefault(objective_id, []).append(parent)
    return parents


def lead_team_ids_of(*, organization: Organization, user: User) -> set[int]:
    """The teams ``user`` leads."""
    return set(
        TeamMembership.objects.filter(
            organization=organization, user=user, is_lead=True
        ).values_list("team_id", flat=True)
    )


class KeyResultLineRow(NamedTuple):
    """What the tree shows of a key result: its title, progress and what its live status
    needs (read as tuples: the page shows six hundred of them)."""

    pk: int
    objective_id: int
    title: str
    progress: Decimal | None
    last_confidence: int | None
    # Checked in (or given a KPI value) at least once.
    started: bool


def key_results_of(
    *, organization: Organization, objective_ids: Collection[int]
) -> dict[int, list[KeyResultLineRow]]:
    """The key results of the given objectives, by objective id, in their order, as
    :class:`KeyResultLineRow` tuples."""
    found: dict[int, list[KeyResultLineRow]] = {}
    if not objective_ids:
        return found
    # Filtered by objective in SQL and by organisation here: with both in SQL, SQLite
    # (without ANALYZE statistics) walks all the organisation's key results (40,000
    # at scale) through the organisation index instead of the objectives' index.
    rows = (
        KeyResult.objects.filter(objective_id__in=list(objective_ids))
        .order_by("objective_id", "position", "id")
        .values_list(
            "id",
            "organization_id",
            "objective_id",
            "title",
            "progress",
            "last_confidence",
            "last_checkin_at",
        )
    )
    # Read as the driver returns them; only whether a check-in time is there matters.
    for pk, organization_id, objective_id, title, progress, confidence, checked_in in fetch(rows):
        if organization_id == organization.pk:
            found.setdefault(objective_id, []).append(
                KeyResultLineRow(
                    pk=pk,
                    objective_id=objective_id,
                    title=title,
                    progress=_key_result_progress(progress),
                    last_confidence=confidence,
                    started=checked_in is not None,
                )
            )
    return found


_key_result_progress = decimal_reader(KeyResult._meta.get_field("progress"))


# -- insights: forecasts and the quality coach (tandem.web.insights) ---------------------


def checkin_histories(
    *, organization: Organization, cycle: Cycle, key_results: Iterable[KeyResult]
) -> dict[int, list[tuple[dt.datetime, Decimal]]]:
    """Per metric key result id, its values over ``cycle``, oldest first, for forecasts.

    A key result checked in by hand reads its check-ins (one query for all of them);
    a KPI-backed one reads its KPI's values within the cycle (one more query), each
    rolled up the way the key result rolls them (latest, running sum or running
    average) and dated at the end of its period, or when it was recorded if sooner:
    a backfilled history keeps its shape, a value typed mid-week counts from then.
    """
    metric = [kr for kr in key_results if kr.kind == KeyResult.Kind.METRIC]
    manual = [kr.pk for kr in metric if kr.kpi_id is None]
    backed = [kr for kr in metric if kr.kpi_id is not None]
    found: dict[int, list[tuple[dt.datetime, Decimal]]] = {kr.pk: [] for kr in metric}
    if manual:
        rows = (
            # The key results are this organisation's already. Filtering by organisation
            # as well leads SQLite (without ANALYZE statistics) to walk every check-in of
            # the organisation instead of the (key_result, created_at) index.
            CheckIn.objects.filter(key_result_id__in=manual, value__isnull=False)
            .order_by("created_at", "id")
            .values_list("key_result_id", "created_at", "value")
        )
        for key_result_id, created_at, value in rows:
            if value is not None:
                found[key_result_id].append((created_at, value))
    if backed:
        measurements = (
            Measurement.objects.filter(
                kpi_id__in={kr.kpi_id for kr in backed},
                period_start__gte=cycle.start_date,
                period_start__lte=cycle.end_date,
            )
            .select_related("kpi")
            .order_by("period_start")
        )
        by_kpi: dict[int, list[Any]] = {}
        for m in measurements:
            by_kpi.setdefault(m.kpi_id, []).append(m)
        tz = organization.tz
        for kr in backed:
            assert kr.kpi_id is not None
            seen: list[Decimal] = []
            for m in by_kpi.get(kr.kpi_id, []):
                seen.append(m.value)
                following = periods.period_end(
                    periods.Frequency(m.kpi.frequency),
                    m.period_start,
                    week_start=organization.week_start,
                    fiscal_year_start_month=organization.fiscal_year_start_month,
                ) + dt.timedelta(days=1)
                period_over = dt.datetime.combine(following, dt.time.min, tzinfo=tz)
                value = health_maths.kr_value_from_measurements(
                    seen, health_maths.Aggregation(kr.kpi_aggregation)
                )
                if value is not None:
                    found[kr.pk].append((min(period_over, m.recorded_at), value))
    return found


def owner_objective_counts(
    *, organization: Organization, cycle: Cycle, viewer: Viewer | None = None
) -> dict[str, int]:
    """How many objectives (dropped ones aside) each owner holds in ``cycle``, keyed
    ``team:<id>`` or ``user:<id>``, for the coach's "too many objectives" rule."""
    rows = (
        visible_objectives(Objective.objects.filter(organization=organization, cycle=cycle), viewer)
        .exclude(state=Objective.State.DROPPED)
        .order_by()
        .values("owner_team_id", "owner_user_id")
        .annotate(count=Count("id"))
    )
    counts: dict[str, int] = {}
    for row in rows:
        key = (
            f"team:{row['owner_team_id']}"
            if row["owner_team_id"] is not None
            else f"user:{row['owner_user_id']}"
        )
        counts[key] = counts.get(key, 0) + row["count"]
    return counts


def coach_objectives(
    *, organization: Organization, cycle: Cycle, viewer: Viewer | None = None
) -> list[Objective]:
    """Every objective of ``cycle`` (dropped ones aside) with its owner and key results,
    for the coach's report: a fixed number of queries however many there are."""
    return _in_cycle(
        _objectives(organization=organization, cycle=cycle, viewer=viewer),
        organization=organization,
        cycle=cycle,
    )
