"""Reads for reminders and digests: who owes a check-in, who missed weeks, what is red.

Everything is read "as of" an occurrence (an instant): its local day in the
organisation's time zone decides the cycles in force and the week, so a worker that
comes back late, or a test travelling in time, gets the answer for that moment.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from tandem.access.permissions import Viewer, can_see_objective
from tandem.accounts.models import Membership, Organization, Role, TeamMembership, User
from tandem.domain import schedule
from tandem.domain.health import Health
from tandem.domain.kpi_rules import WatermelonKind
from tandem.domain.status import Status
from tandem.insights import selectors as insights
from tandem.kpis.models import KPI
from tandem.notifications.models import Notification, NotificationPreference, ReminderSettings
from tandem.okrs.models import Cycle, KeyResult, Objective

LEDGER_LIMIT = 50


def settings_of(*, organization: Organization) -> ReminderSettings | None:
    return ReminderSettings.objects.filter(organization=organization).first()


def preference_of(*, organization: Organization, user: User) -> NotificationPreference:
    """The person's choices; an unsaved default (everything on) when they made none."""
    found = NotificationPreference.objects.filter(organization=organization, user=user).first()
    return found or NotificationPreference(organization=organization, user=user)


def opted_out(*, organization: Organization, user_ids: set[int], what: str) -> set[int]:
    """Of ``user_ids``, those who turned off ``what`` (``email_reminders``/``email_digest``)."""
    return set(
        NotificationPreference.objects.filter(
            organization=organization, user_id__in=user_ids, **{what: False}
        ).values_list("user_id", flat=True)
    )


def recent_ledger(*, organization: Organization) -> list[Notification]:
    return list(
        Notification.objects.filter(organization=organization).select_related("user")[:LEDGER_LIMIT]
    )


def local_day(organization: Organization, moment: dt.datetime) -> dt.date:
    return moment.astimezone(organization.tz).date()


def week_start_instant(organization: Organization, moment: dt.datetime) -> dt.datetime:
    """The first midnight of the organisation's week holding ``moment``."""
    day = schedule.week_start(
        local_day(organization, moment), first_weekday=organization.week_start
    )
    return schedule.local_instant(day, dt.time.min, organization.tz)


def cycles_in_force(*, organization: Organization, day: dt.date) -> list[Cycle]:
    """Active cycles whose dates hold ``day``: their key results take check-ins."""
    cycles = list(
        Cycle.objects.filter(
            organization=organization,
            state=Cycle.State.ACTIVE,
            start_date__lte=day,
            end_date__gte=day,
        )
    )
    for cycle in cycles:
        cycle.organization = organization
    return cycles


@dataclass
class Owed:
    """A key result waiting for its owner's check-in this week."""

    key_result: KeyResult
    weeks_missed: int


def key_results_owed(
    *, organization: Organization, moment: dt.datetime, user_ids: set[int] | None = None
) -> dict[int, list[Owed]]:
    """By owner: the key results in force with no check-in since the week began.

    KPI-backed key results are left out (their value arrives with the KPI's
    measurements) and so are those of owners who left the organisation.
    """
    day = local_day(organization, moment)
    cycles = {c.pk: c for c in cycles_in_force(organization=organization, day=day)}
    if not cycles:
        return {}
    since = week_start_instant(organization, moment)
    members = Membership.objects.filter(organization=organization).values("user_id")
    found = (
        KeyResult.objects.filter(
            organization=organization,
            objective__cycle_id__in=cycles,
            objective__state=Objective.State.ACTIVE,
            kpi__isnull=True,
            owner__isnull=False,
            owner_id__in=members,
        )
        .exclude(last_checkin_at__gte=since)
        .select_related("objective")
        .order_by("objective__position", "objective_id", "position", "id")
    )
    if user_ids is not None:
        found = found.filter(owner_id__in=user_ids)
    owed: dict[int, list[Owed]] = defaultdict(list)
    tz = organization.tz
    for kr in found:
        cycle = cycles[kr.objective.cycle_id]
        last = kr.last_checkin_at.astimezone(tz).date() if kr.last_checkin_at else None
        missed = schedule.weeks_missed(
            last_checkin=last,
            since=cycle.start_date,
            today=day,
            first_weekday=organization.week_start,
        )
        assert kr.owner_id is not None
        owed[kr.owner_id].append(Owed(key_result=kr, weeks_missed=missed))
    return dict(owed)


def leads_of(*, organization: Organization, user_ids: set[int]) -> dict[int, set[int]]:
    """For each lead, the people among ``user_ids`` in the teams they lead (not themselves)."""
    memberships = TeamMembership.objects.filter(organization=organization)
    teams_of: dict[int, set[int]] = defaultdict(set)
    for team_id, user_id in memberships.filter(user_id__in=user_ids).values_list(
        "team_id", "user_id"
    ):
        teams_of[team_id].add(user_id)
    result: dict[int, set[int]] = defaultdict(set)
    for team_id, lead_id in memberships.filter(team_id__in=teams_of, is_lead=True).values_list(
        "team_id", "user_id"
    ):
        people = teams_of[team_id] - {lead_id}
        if people:
            result[lead_id] |= people
    return dict(result)


# -- the weekly digest -----------------------------------------------------------------------


@dataclass
class Digest:
    """What is red: KPIs, key results at risk or off track, watermelons."""

    red_kpis: list[KPI] = field(default_factory=list)
    key_results: list[tuple[KeyResult, Status]] = field(default_factory=list)
    watermelons: list[tuple[Objective, WatermelonKind]] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.red_kpis or self.key_results or self.watermelons)

    def seen_by(self, viewer: Viewer | None) -> Digest:
        """What ``viewer`` may read of it: no private objective, nor a key result of one,
        they may not see. ``None`` (a chat channel, read by anyone in it) sees no
        private objective at all."""

        def shown(objective: Objective) -> bool:
            if viewer is None:
                return not objective.is_private
            # The key results come prefetched with their objective: no query per person.
            owners = {kr.owner_id for kr in objective.key_results.all() if kr.owner_id}
            return can_see_objective(viewer, objective, key_result_owner_ids=owners)

        return Digest(
            red_kpis=list(self.red_kpis),
            key_results=[(kr, s) for kr, s in self.key_results if shown(kr.objective)],
            watermelons=[(o, w) for o, w in self.watermelons if shown(o)],
        )


@dataclass
class OrgDigest:
    """The company's digest, and what it takes to cut it down to one person's."""

    company: Digest
    team_ids_of: dict[int, set[int]]
    viewers: dict[int, Viewer] = field(default_factory=dict)

    def for_user(self, user_id: int) -> Digest:
        """The person's part of the company's digest, without the private objectives
        they may not see (a plain member of the team owning one, say)."""
        teams = self.team_ids_of.get(user_id, set())

        def kpi_is_mine(kpi: KPI) -> bool:
            return kpi.owner_user_id == user_id or kpi.owner_team_id in teams

        def objective_is_mine(objective: Objective) -> bool:
            return objective.owner_user_id == user_id or objective.owner_team_id in teams

        mine = Digest(
            red_kpis=[k for k in self.company.red_kpis if kpi_is_mine(k)],
            key_results=[
                (kr, status)
                for kr, status in self.company.key_results
                if kr.owner_id == user_id or objective_is_mine(kr.objective)
            ],
            watermelons=[(o, w) for o, w in self.company.watermelons if objective_is_mine(o)],
        )
        return mine.seen_by(self.viewers.get(user_id))


def org_digest(*, organization: Organization, moment: dt.datetime) -> OrgDigest:
    """Everything red in the organisation at ``moment``, read once for all its people.

    The maths is the insights' own: KPI health from :func:`insights.current_healths`,
    watermelons from :func:`insights.objective_signals`, a key result's status from its
    pace in the cycle.
    """
    day = local_day(organization, moment)
    kpis = list(
        KPI.objects.filter(organization=organization, is_active=True).order_by("position", "name")
    )
    for kpi in kpis:
        kpi.organization = organization
    healths = insights.current_healths(kpis, organization=organization, today=day)
    company = Digest(red_kpis=[k for k in kpis if healths.get(k.pk) == Health.RED])
    cycles = {c.pk: c for c in cycles_in_force(organization=organization, day=day)}
    objectives = list(
        Objective.objects.filter(
            organization=organization, cycle_id__in=cycles, state=Objective.State.ACTIVE
        )
        .select_related("owner_team", "owner_user")
        .prefetch_related("key_results__owner")
        .order_by("cycle_id", "position", "id")
    )
    for objective in objectives:
        objective.organization = organization
        objective.cycle = cycles[objective.cycle_id]
        expected = objective.cycle.expected_progress(moment)
        for kr in objective.key_results.all():
            kr.organization = organization
            kr.objective = objective
            status = kr.status(expected=expected)
            if status in (Status.AT_RISK, Status.OFF_TRACK):
                company.key_results.append((kr, status))
    signals = insights.objective_signals(
        organization=organization, objectives=objectives, today=day, now=moment
    )
    for objective in objectives:
        found = signals.get(objective.pk)
        if found is not None and found.watermelon is not None:
            company.watermelons.append((objective, found.watermelon))
    team_ids_of: dict[int, set[int]] = defaultdict(set)
    lead_team_ids_of: dict[int, set[int]] = defaultdict(set)
    for user_id, team_id, is_lead in TeamMembership.objects.filter(
        organization=organization
    ).values_list("user_id", "team_id", "is_lead"):
        team_ids_of[user_id].add(team_id)
        if is_lead:
            lead_team_ids_of[user_id].add(team_id)
    viewers = {
        membership.user_id: Viewer(
            membership=membership,
            team_ids=frozenset(team_ids_of.get(membership.user_id, ())),
            lead_team_ids=frozenset(lead_team_ids_of.get(membership.user_id, ())),
        )
        for membership in Membership.objects.filter(organization=organization).only(
            "organization_id", "user_id", "role"
        )
    }
    return OrgDigest(company=company, team_ids_of=dict(team_ids_of), viewers=viewers)


def digest_readers(*, organization: Organization) -> list[tuple[User, bool]]:
    """Every member with an e-mail address, and whether they read the whole company's
    digest (owners and admins) or their own and their teams'."""
    return [
        (m.user, m.role in (Role.OWNER, Role.ADMIN))
        for m in Membership.objects.filter(organization=organization, user__is_active=True)
        .select_related("user")
        .order_by("user__email")
    ]
