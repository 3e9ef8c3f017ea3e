"""Builds the demo organisation of :mod:`tandem.demo.data` through the services, and
deletes it again (:func:`demo_delete`)."""

from __future__ import annotations

import random
import time as clock
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from tandem.accounts import services as accounts
from tandem.accounts.models import Membership, Organization, Role, Team, User
from tandem.demo.data import (
    CONTRACTS_BEFORE,
    CONTRACTS_DEMOTION,
    CONTRACTS_GREEN,
    CONTRACTS_KPI,
    CONTRACTS_NOTES,
    CONTRACTS_REASON,
    CONTRACTS_SLIP,
    CORRECTED_KPI,
    CURRENCY,
    CURRENT_OBJECTIVES,
    DEMO_CURRENCY,
    DEMO_DOMAIN,
    DEMO_NAME,
    DEMO_OWNER_EMAIL,
    DEMO_PASSWORD,
    DEMO_SLUG,
    DEMO_TIMEZONE,
    FINAL_CONFIDENCE,
    KPI_LINKS,
    KPI_SPECS,
    KPIS,
    NOTES,
    PEOPLE,
    PREVIOUS_OBJECTIVES,
    PROMOTED_IN_WEEK,
    SCORE_ADJUSTMENTS,
    SOURCE,
    TEAMS,
    YEAR_OBJECTIVES,
    KeyResultSpec,
    KPISpec,
    ObjectiveSpec,
    Pace,
    Person,
)
from tandem.domain import periods as pm
from tandem.domain.progress import clamp
from tandem.kpis import services as kpis
from tandem.kpis.models import (
    KPI,
    Measurement,
    Promotion,
)
from tandem.kpis.models import Source as Feed
from tandem.kpis.models import Unit as KPIUnit
from tandem.kpis.selectors import calendar
from tandem.okrs import services as okrs
from tandem.okrs.models import CheckIn, Cycle, KeyResult, Objective
from tandem.reports.demo import demo_plan


def demo_organization() -> Organization | None:
    """The demo organisation, if it was loaded (and not an organisation that took its slug)."""
    organization = Organization.objects.filter(slug=DEMO_SLUG).first()
    if organization is None:
        return None
    made_by_demo = Membership.objects.filter(
        organization=organization, user__email=DEMO_OWNER_EMAIL, role=Role.OWNER
    ).exists()
    if not made_by_demo:
        raise ValidationError(
            {
                "organization": f"An organisation with the slug “{DEMO_SLUG}” exists and is not "
                f"the demo (its owner is not {DEMO_OWNER_EMAIL}); Tandem leaves it alone. "
                "Change its slug to load the demo."
            }
        )
    return organization


def demo_delete() -> bool:
    """Delete the demo organisation and the people who belong to it alone.

    People who also belong to another organisation, and staff accounts, stay.
    Returns whether there was a demo to delete.
    """
    with transaction.atomic():
        organization = demo_organization()
        members = (
            User.objects.filter(
                Q(memberships__organization=organization) | Q(email__iendswith=f"@{DEMO_DOMAIN}")
            )
            if organization is not None
            else User.objects.filter(email__iendswith=f"@{DEMO_DOMAIN}")
        )
        elsewhere = Membership.objects.exclude(organization=organization).values("user_id")
        leaving = list(
            members.exclude(pk__in=elsewhere)
            .exclude(is_staff=True)
            .exclude(is_superuser=True)
            .values_list("pk", flat=True)
            .distinct()
        )
        if organization is not None:
            accounts.organization_purge(organization=organization)
        User.objects.filter(pk__in=leaving).delete()
    return organization is not None


# -- building ---------------------------------------------------------------------------


@dataclass
class DemoSummary:
    organization: Organization
    owner: User
    password: str
    # Someone to log in as for each role (everyone has the same password).
    logins: list[Person] = field(
        default_factory=lambda: [next(p for p in PEOPLE if p.role == r) for r in Role.values]
    )
    seconds: float = 0.0
    counts: dict[str, int] = field(default_factory=dict)
    # Where to look first: (what it shows, path).
    pages: list[tuple[str, str]] = field(default_factory=list)


def _quarter_of(day: date) -> tuple[date, date]:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = date(day.year, first_month, 1)
    after = date(day.year + 1, 1, 1) if first_month == 10 else date(day.year, first_month + 3, 1)
    return start, after - timedelta(days=1)


def _quarter_name(start: date) -> str:
    return f"Q{(start.month - 1) // 3 + 1} {start.year}"


def _round(value: Decimal, step: Decimal, *, down: bool) -> Decimal:
    units = (value / step).quantize(Decimal(1), rounding=ROUND_FLOOR if down else ROUND_HALF_UP)
    return units * step


class _Builder:
    def __init__(self, *, password: str, now: datetime) -> None:
        self.password = password
        self.now = now
        self.rng = random.Random(DEMO_SLUG)  # the same demo on every load
        self.people: dict[str, User] = {}
        self.teams: dict[str, Team] = {}
        self.objectives: dict[str, Objective] = {}
        self.key_results: dict[str, KeyResult] = {}
        # KPI values come from a generator of their own, so that adding a KPI does not
        # change the check-ins.
        self.kpi_rng = random.Random(f"{DEMO_SLUG}-kpis")
        self.kpis: dict[str, KPI] = {}
        # Values planned for each KPI, by period start, and where a key result's plan
        # takes over a KPI's values (the start of the key result's cycle).
        self.series: dict[str, dict[date, Decimal]] = {}
        self.planned_from: dict[str, date] = {}
        self.kpi_notes: dict[str, dict[date, str]] = {}
        self.promotion: Promotion | None = None

    # The org chart -------------------------------------------------------------------

    def people_and_teams(self) -> Organization:
        # Everyone shares the demo password: hash it once (Argon2 is slow on purpose).
        shared_hash = make_password(self.password)
        for person in PEOPLE:
            self.people[person.key] = accounts.user_create_hashed(
                email=person.email, full_name=person.name, password_hash=shared_hash
            )
        owner = self.people["eleanor"]
        organization = accounts.organization_create(
            name=DEMO_NAME,
            slug=DEMO_SLUG,
            owner=owner,
            timezone=DEMO_TIMEZONE,
            source=SOURCE,
        )
        self.organization = organization
        for person in PEOPLE:
            if person.role == Role.OWNER:
                accounts.membership_set_title(
                    membership=Membership.objects.get(organization=organization, user=owner),
                    title=person.title,
                    by=owner,
                    source=SOURCE,
                )
                continue
            accounts.membership_add(
                organization=organization,
                user=self.people[person.key],
                role=person.role,
                title=person.title,
                by=owner,
                source=SOURCE,
            )
        for spec in TEAMS:
            team = accounts.team_create(
                organization=organization,
                name=spec.name,
                slug=spec.slug,
                kind=spec.kind,
                parent=self.teams[spec.parent] if spec.parent else None,
                mission=spec.mission,
                by=owner,
                source=SOURCE,
            )
            self.teams[spec.slug] = team
            accounts.team_add_member(
                team=team, user=self.people[spec.lead], is_lead=True, by=owner, source=SOURCE
            )
            for key in spec.members:
                accounts.team_add_member(team=team, user=self.people[key], by=owner, source=SOURCE)
        return organization

    # Cycles --------------------------------------------------------------------------

    def cycles(self) -> tuple[Cycle, Cycle, Cycle]:
        """This year (active), this quarter (active) and the previous quarter (to close)."""
        today = self.now.astimezone(self.organization.tz).date()
        owner = self.people["eleanor"]
        year = okrs.cycle_create(
            organization=self.organization,
            name=str(today.year),
            kind=Cycle.Kind.YEAR,
            start_date=date(today.year, 1, 1),
            end_date=date(today.year, 12, 31),
            state=Cycle.State.ACTIVE,
            by=owner,
            source=SOURCE,
        )
        start, end = _quarter_of(today)
        quarter = okrs.cycle_create(
            organization=self.organization,
            name=_quarter_name(start),
            start_date=start,
            end_date=end,
            parent=year,
            state=Cycle.State.ACTIVE,
            by=owner,
            source=SOURCE,
        )
        previous_start, previous_end = _quarter_of(start - timedelta(days=1))
        previous = okrs.cycle_create(
            organization=self.organization,
            name=_quarter_name(previous_start),
            start_date=previous_start,
            end_date=previous_end,
            # The year before has no cycle of its own in the demo.
            parent=year if previous_start.year == today.year else None,
            state=Cycle.State.ACTIVE,
            by=owner,
            source=SOURCE,
        )
        return year, quarter, previous

    # Objectives ----------------------------------------------------------------------

    def _author(self, spec: ObjectiveSpec) -> User:
        if spec.person:
            return self.people[spec.person]
        lead = next(t.lead for t in TEAMS if t.slug == spec.team)
        return self.people[lead]

    def objectives_in(self, cycle: Cycle, specs: Sequence[ObjectiveSpec], *, live: bool) -> None:
        for spec in specs:
            by = self._author(spec)
            objective = okrs.objective_create(
                organization=self.organization,
                cycle=cycle,
                title=spec.title,
                description=spec.description,
                kind=spec.kind,
                owner_team=self.teams[spec.team] if spec.team else None,
                owner_user=self.people[spec.person] if spec.person else None,
                by=by,
                source=SOURCE,
            )
            self.objectives[spec.title] = objective
            created: list[tuple[KeyResultSpec, KeyResult]] = []
            for kr_spec in spec.key_results:
                kr = okrs.key_result_create(
                    objective=objective,
                    title=kr_spec.title,
                    kind=KeyResult.Kind.MILESTONE
                    if kr_spec.is_milestone
                    else KeyResult.Kind.METRIC,
                    unit=kr_spec.unit,
                    currency=DEMO_CURRENCY if kr_spec.unit == CURRENCY else "",
                    baseline=kr_spec.baseline,
                    target=kr_spec.target,
                    owner=self.people[kr_spec.owner],
                    by=by,
                    source=SOURCE,
                )
                self.key_results[kr_spec.title] = kr
                if kr_spec.kpi:
                    kpis.key_result_link_kpi(
                        key_result=kr, kpi=self.kpis[kr_spec.kpi], by=by, source=SOURCE
                    )
                created.append((kr_spec, kr))
                for item in kr_spec.initiatives:
                    okrs.initiative_create(
                        objective=objective,
                        key_result=kr,
                        title=item.title,
                        owner=self.people[item.owner],
                        status=item.status,
                        due_date=self._day_at(cycle, Decimal(item.due)),
                        by=by,
                        source=SOURCE,
                    )
            if spec.contributes_to:
                okrs.alignment_add(
                    objective=objective,
                    parent_objective=self.objectives[spec.contributes_to],
                    by=by,
                    source=SOURCE,
                )
            if spec.contributes_to_key_result:
                okrs.alignment_add(
                    objective=objective,
                    parent_key_result=self.key_results[spec.contributes_to_key_result],
                    by=by,
                    source=SOURCE,
                )
            if live:
                self._live_checkins(cycle, spec, created)
            else:
                self._closed_checkins(cycle, spec, created)

    @staticmethod
    def _day_at(cycle: Cycle, share: Decimal) -> date:
        days = (cycle.end_date - cycle.start_date).days
        return cycle.start_date + timedelta(days=int(share * days))

    def _schedule(self, cycle: Cycle, index: int) -> list[datetime]:
        """When a key result's owner checked in: weekly (monthly for a year), up to now."""
        tz = self.organization.tz
        _, end = cycle.bounds()
        limit = min(self.now, end)
        hour, minute = 9 + index % 8, (17 * index) % 60
        days: list[date] = []
        if cycle.kind == Cycle.Kind.YEAR:
            # The first working day of each month, reporting on the month before.
            for month in range(cycle.start_date.month + 1, 13):
                day = date(cycle.start_date.year, month, 1)
                while day.weekday() >= 5:
                    day += timedelta(days=1)
                days.append(day)
        else:
            # Each owner has a habit: Thursday, Friday or Monday.
            weekday = (3, 4, 0)[index % 3]
            day = cycle.start_date + timedelta(days=3)
            while day.weekday() != weekday:
                day += timedelta(days=1)
            while day <= cycle.end_date:
                days.append(day)
                day += timedelta(days=7)
        instants = [datetime.combine(d, time(hour, minute), tzinfo=tz) for d in days]
        return [t for t in instants if t < limit]

    def _live_checkins(
        self, cycle: Cycle, spec: ObjectiveSpec, created: list[tuple[KeyResultSpec, KeyResult]]
    ) -> None:
        if spec.pace is Pace.NOT_STARTED:
            return
        offset = spec.pace.value
        assert offset is not None
        expected = cycle.expected_progress(self.now)
        goal = expected + offset  # the objective's progress, against today's pace
        plans = []
        milestone_done = Decimal(0)
        for index, (kr_spec, kr) in enumerate(created):
            times = self._schedule(cycle, len(self.key_results) + index)
            if spec.pace is Pace.OFF_TRACK:
                # Off-track key results are the ones nobody finds the time to update.
                times = [t for i, t in enumerate(times) if i % 3 != 1 or i == len(times) - 1]
            done_at = None
            if kr_spec.is_milestone and spec.pace is Pace.ON_TRACK and times:
                done_at = next(
                    (t for t in times if cycle.expected_progress(t) >= Decimal("0.5")), None
                )
                milestone_done += kr.weight if done_at else 0
            plans.append((kr_spec, kr, times, done_at))
        total = sum((kr.weight for _, kr in created), Decimal(0))
        metric_weight = sum((kr.weight for s, kr in created if not s.is_milestone), Decimal(0))
        # Metric key results make up for a milestone not yet done; one done early puts
        # the objective ahead of the pace rather than holding its metrics back.
        compensated = (goal * total - milestone_done) / metric_weight if metric_weight else goal
        metric_goal = max(goal, compensated)
        for kr_spec, kr, times, done_at in plans:
            final = clamp(metric_goal + Decimal(kr_spec.spread), Decimal(0), Decimal("1.15"))
            if kr_spec.kpi:
                self._plan_kpi(cycle, kr_spec, kr, final=final)
                continue
            self._check_in(
                cycle,
                kr_spec,
                kr,
                times,
                final=final,
                done_at=done_at,
                confidence=FINAL_CONFIDENCE[spec.pace],
                notes=NOTES[spec.pace],
            )

    def _closed_checkins(
        self, cycle: Cycle, spec: ObjectiveSpec, created: list[tuple[KeyResultSpec, KeyResult]]
    ) -> None:
        for index, (kr_spec, kr) in enumerate(created):
            times = self._schedule(cycle, len(self.key_results) + index)
            assert kr_spec.reached is not None
            reached = Decimal(kr_spec.reached)
            if kr_spec.is_milestone:
                final = reached
                done_at = next(
                    (t for t in times if cycle.expected_progress(t) >= Decimal("0.7")), None
                )
            else:
                assert kr_spec.baseline is not None
                assert kr_spec.target is not None
                baseline, target = Decimal(kr_spec.baseline), Decimal(kr_spec.target)
                final = (reached - baseline) / (target - baseline)
                done_at = None
            pace = (
                Pace.ON_TRACK
                if final >= Decimal("0.7")
                else Pace.AT_RISK
                if final >= Decimal("0.4")
                else Pace.OFF_TRACK
            )
            self._check_in(
                cycle,
                kr_spec,
                kr,
                times,
                final=final,
                done_at=done_at if final else None,
                confidence=FINAL_CONFIDENCE[pace] + (1 if final >= 1 else 0),
                notes=NOTES[pace],
            )

    def _check_in(
        self,
        cycle: Cycle,
        spec: KeyResultSpec,
        kr: KeyResult,
        times: list[datetime],
        *,
        final: Decimal,
        done_at: datetime | None,
        confidence: int,
        notes: Sequence[str],
    ) -> None:
        """Report a path from the baseline to ``final`` progress over ``times``."""
        if not times:
            return
        start, _ = cycle.bounds()
        span = (times[-1] - start).total_seconds()
        step = Decimal(spec.step)
        previous: Decimal | None = None
        own_notes = list(spec.notes)
        for i, at in enumerate(times):
            last = i == len(times) - 1
            share = Decimal((at - start).total_seconds() / span) if span else Decimal(1)
            level = 7 + round((confidence - 7) * float(share)) + self.rng.choice((-1, 0, 0, 1))
            level = confidence if last else min(10, max(1, level))
            if own_notes and (last or self.rng.random() < 0.4):
                note = own_notes.pop(0)
            elif last or self.rng.random() < 0.5:
                note = self.rng.choice(notes)
            else:
                note = ""
            if spec.is_milestone:
                okrs.key_result_check_in(
                    key_result=kr,
                    done=done_at is not None and at >= done_at,
                    confidence=level,
                    note=note,
                    at=at,
                    by=self.people[spec.owner],
                    source=SOURCE,
                )
                continue
            assert kr.baseline is not None
            assert kr.target is not None
            wobble = Decimal(0) if last else Decimal(self.rng.randint(-30, 30)) / 1000
            progress = final * share + wobble
            value = _round(
                kr.baseline + progress * (kr.target - kr.baseline), step, down=spec.cumulative
            )
            if spec.cumulative:
                value = max(value, previous if previous is not None else kr.baseline)
            previous = value
            okrs.key_result_check_in(
                key_result=kr,
                value=value,
                confidence=level,
                note=note,
                at=at,
                by=self.people[spec.owner],
                source=SOURCE,
            )

    # KPIs ----------------------------------------------------------------------------

    @property
    def today(self) -> date:
        return self.now.astimezone(self.organization.tz).date()

    def _kpi_owner(self, spec: KPISpec) -> User:
        """Who enters a KPI's values: the person who owns it, or its team's lead."""
        if spec.person:
            return self.people[spec.person]
        lead = next(t.lead for t in TEAMS if t.slug == spec.team)
        return self.people[lead]

    def kpis_define(self) -> None:
        """Every KPI with the target of last year's plan, and the targets set since."""
        today = self.today
        plan_start = date(today.year - 1, 1, 1)
        for spec in KPIS:
            by = self._kpi_owner(spec)
            kpi = kpis.kpi_create(
                organization=self.organization,
                name=spec.name,
                key=spec.key,
                description=spec.description,
                owner_team=self.teams[spec.team] if spec.team else None,
                owner_user=self.people[spec.person] if spec.person else None,
                unit=spec.unit,
                currency=DEMO_CURRENCY if spec.unit == KPIUnit.CURRENCY else "",
                direction=spec.direction,
                frequency=spec.frequency,
                aggregation=spec.aggregation,
                target=spec.target,
                effective_from=plan_start,
                tags=spec.tags,
                by=by,
                source=SOURCE,
            )
            self.kpis[spec.key] = kpi
            for quarter, target in spec.later_targets:
                day = date(today.year, 3 * quarter - 2, 1)
                if day <= today:
                    kpis.kpi_set_target(
                        kpi=kpi, effective_from=day, target=target, by=by, source=SOURCE
                    )

    def _year_of(self, spec: KPISpec) -> list[date]:
        """The starts of a year of the KPI's periods, up to the last completed one."""
        frequency = pm.Frequency(spec.frequency)
        cal = calendar(self.organization)
        count = 52 if frequency is pm.Frequency.WEEKLY else 12
        last = pm.previous_period(frequency, self.today, **cal)
        return [pm.add_periods(frequency, last, -n, **cal) for n in range(count - 1, -1, -1)]

    def _period_close(self, frequency: str, start: date) -> datetime:
        end = pm.period_end(pm.Frequency(frequency), start, **calendar(self.organization))
        return datetime.combine(end, time(17), tzinfo=self.organization.tz)

    def _recorded_at(self, spec: KPISpec, start: date) -> datetime:
        """When a period's value came in: the first working day after the period ended."""
        end = pm.period_end(pm.Frequency(spec.frequency), start, **calendar(self.organization))
        day = end + timedelta(days=1)
        while day.weekday() >= 5:
            day += timedelta(days=1)
        hour = 7 if spec.feed == Feed.IMPORT else 9 + len(spec.key) % 3
        at = datetime.combine(
            day, time(hour, (7 * len(spec.key)) % 60), tzinfo=self.organization.tz
        )
        return min(at, self.now)

    def _write(
        self,
        spec: KPISpec,
        values: Mapping[date, Decimal],
        notes: Mapping[date, str] | None = None,
    ) -> list[Measurement]:
        """Record ``values`` through the service, as the KPI's owner entered them.

        The service stamps each value with the moment it is called; the demo writes a
        year of history at once, so each value is then dated to the working day after
        its period ended (one bulk update), and the KPI and the key results reading it
        are refreshed once, from those dates.
        """
        kpi = self.kpis[spec.key]
        by = self._kpi_owner(spec)
        notes = notes or {}
        rows = []
        for start, value in sorted(values.items()):
            measurement, _ = kpis.measurement_record(
                kpi=kpi,
                period_start=start,
                value=value,
                by=by,
                source=spec.feed,
                note=notes.get(start, ""),
                today=self.today,
                refresh=False,
            )
            measurement.recorded_at = self._recorded_at(spec, start)
            rows.append(measurement)
        Measurement.objects.bulk_update(rows, ["recorded_at"])
        kpis.kpi_refresh(kpi=kpi)
        return rows

    def _plan_kpi(
        self, cycle: Cycle, spec: KeyResultSpec, kr: KeyResult, *, final: Decimal
    ) -> None:
        """Plan the values in ``cycle`` of the KPI a key result reads, so that the key
        result stands at ``final`` progress at the KPI's last completed period, along
        the same kind of path as a check-in's; the owner's notes go with the last ones."""
        kpi_spec = KPI_SPECS[spec.kpi]
        frequency = pm.Frequency(kpi_spec.frequency)
        cal = calendar(self.organization)
        last = pm.previous_period(frequency, self.today, **cal)
        starts = [
            start
            for start in pm.periods_between(frequency, cycle.start_date, last, **cal)
            if start >= cycle.start_date  # a week that straddles the start is the year before
        ]
        self.planned_from[spec.kpi] = cycle.start_date
        plan: dict[date, Decimal] = {}
        assert kr.baseline is not None
        assert kr.target is not None
        begin, _ = cycle.bounds()
        closes = [self._period_close(frequency, start) for start in starts]
        span = (closes[-1] - begin).total_seconds() if closes else 0
        for i, (start, at) in enumerate(zip(starts, closes, strict=True)):
            last_one = i == len(starts) - 1
            share = Decimal((at - begin).total_seconds() / span) if span else Decimal(1)
            wobble = Decimal(0) if last_one else Decimal(self.kpi_rng.randint(-30, 30)) / 1000
            progress = final * share + wobble
            value = kr.baseline + progress * (kr.target - kr.baseline)
            plan[start] = _round(value, Decimal(spec.step), down=False)
        self.series[spec.kpi] = plan
        self.kpi_notes[spec.kpi] = dict(zip(reversed(starts), reversed(spec.notes), strict=False))

    def _history(self, spec: KPISpec) -> dict[date, Decimal]:
        """A year of the KPI's values: a trend with noise, or a multiple of another KPI."""
        starts = self._year_of(spec)
        if spec.silent_for:
            starts = starts[: -spec.silent_for]
        if spec.derived_from:
            source = self.series[spec.derived_from]
            return {start: source[start] * spec.times for start in starts if start in source}
        values = dict(self.series.get(spec.key, {}))
        cut = self.planned_from.get(spec.key)
        free = [start for start in starts if cut is None or start < cut]
        low, high, noise = Decimal(spec.start), Decimal(spec.end), Decimal(spec.noise)
        for i, start in enumerate(free):
            trend = high if len(free) == 1 else low + (high - low) * i / (len(free) - 1)
            # A key result's plan starts from the KPI's value just before its cycle.
            exact = cut is not None and i == len(free) - 1
            jitter = Decimal(0) if exact else noise * self.kpi_rng.randint(-100, 100) / 100
            values[start] = _round(trend + jitter, Decimal(spec.step), down=False)
        if cut is None and spec.recent:
            values.update(zip(starts[-len(spec.recent) :], map(Decimal, spec.recent), strict=True))
        return values

    def kpi_histories(self) -> None:
        """A year of values for every KPI but the contracts one (its story has its own)."""
        for spec in KPIS:
            if spec.key == CONTRACTS_KPI:
                continue
            values = self._history(spec)
            self.series[spec.key] = values
            latest = max(values)
            notes = dict(self.kpi_notes.get(spec.key, {}))
            if spec.last_note:
                notes[latest] = spec.last_note
            typed = dict(values)
            if spec.mistyped:
                typed[latest] = Decimal(spec.mistyped)
            self._write(spec, typed, notes)
            if spec.mistyped:
                self._correct(spec, latest, values[latest])

    def _correct(self, spec: KPISpec, start: date, value: Decimal) -> None:
        """Correct a mistyped value through the service: the old one stays as a revision."""
        measurement, _ = kpis.measurement_record(
            kpi=self.kpis[spec.key],
            period_start=start,
            value=value,
            by=self._kpi_owner(spec),
            source=spec.feed,
            note=f"Corrected: {spec.mistyped} was a typo; the survey export says {value}.",
            today=self.today,
        )
        # Corrected when the demo was loaded, on the demo's clock.
        Measurement.objects.filter(pk=measurement.pk).update(recorded_at=self.now)

    def kpi_links(self) -> None:
        for title, key, role in KPI_LINKS:
            kpis.objective_link_kpi(
                objective=self.objectives[title],
                kpi=self.kpis[key],
                role=role,
                by=self.people["eleanor"],
                source=SOURCE,
            )

    # The contracts KPI: promoted to an OKR for one cycle, then demoted ------------------

    def _contracts_weeks(self, previous: Cycle) -> dict[int, date]:
        """The contracts KPI's year of weeks, by their number from the previous quarter's
        first week (0)."""
        first = pm.period_start(
            pm.Frequency.WEEKLY, previous.start_date, **calendar(self.organization)
        )
        return {(start - first).days // 7: start for start in self._year_of(self.contracts)}

    @property
    def contracts(self) -> KPISpec:
        return KPI_SPECS[CONTRACTS_KPI]

    def _contracts_values(
        self, weeks: Mapping[int, date], wanted: Sequence[int]
    ) -> tuple[dict[date, Decimal], dict[date, str]]:
        values, notes = {}, {}
        for week in wanted:
            start = weeks[week]
            if week in CONTRACTS_SLIP:
                value = CONTRACTS_SLIP[week]
            elif week < 0:
                value = CONTRACTS_BEFORE[week % len(CONTRACTS_BEFORE)]
            else:
                value = CONTRACTS_GREEN[week % len(CONTRACTS_GREEN)]
            values[start] = Decimal(value)
            if week in CONTRACTS_NOTES:
                notes[start] = CONTRACTS_NOTES[week]
        return values, notes

    def contracts_fall_behind(self, previous: Cycle) -> None:
        """Finance's contracts KPI goes red; after weeks of red, Oliver promotes it to an
        OKR of the previous quarter, and it recovers before the quarter ends."""
        weeks = self._contracts_weeks(previous)
        before = [w for w in weeks if w < PROMOTED_IN_WEEK]
        during = [
            w for w, start in weeks.items() if w >= PROMOTED_IN_WEEK and start <= previous.end_date
        ]
        self._write(self.contracts, *self._contracts_values(weeks, before))
        promotion = kpis.kpi_promote(
            kpi=self.kpis[CONTRACTS_KPI],
            cycle=previous,
            by=self.people["oliver"],
            reason=CONTRACTS_REASON,
            source=SOURCE,
        )
        # The service stamps the promotion with the moment it is called.
        promoted = datetime.combine(
            weeks[PROMOTED_IN_WEEK], time(10, 30), tzinfo=self.organization.tz
        )
        Promotion.objects.filter(pk=promotion.pk).update(promoted_at=promoted)
        self.promotion = promotion
        self._write(self.contracts, *self._contracts_values(weeks, during))

    def contracts_recover(self, previous: Cycle) -> None:
        """Green every week after the quarter; demoted once four such weeks are complete.

        In a quarter's first four weeks there are not yet four whole weeks after the
        previous one: the promotion then stays open and the health page suggests the
        demotion when it is due.
        """
        weeks = self._contracts_weeks(previous)
        after = [w for w, start in weeks.items() if start > previous.end_date]
        self._write(self.contracts, *self._contracts_values(weeks, after))
        cal = calendar(self.organization)
        day_after = previous.end_date + timedelta(days=1)
        first = pm.period_start(pm.Frequency.WEEKLY, day_after, **cal)
        if first < day_after:
            first = pm.next_period(pm.Frequency.WEEKLY, day_after, **cal)
        due = first + timedelta(weeks=self.organization.demote_after_green_periods)
        if due > self.today:
            return
        assert self.promotion is not None
        kpis.kpi_demote(
            promotion=self.promotion,
            by=self.people["oliver"],
            note=CONTRACTS_DEMOTION,
            source=SOURCE,
        )
        demoted = datetime.combine(due, time(9, 45), tzinfo=self.organization.tz)
        Promotion.objects.filter(pk=self.promotion.pk).update(demoted_at=min(demoted, self.now))

    # Closing -------------------------------------------------------------------------

    def close(self, cycle: Cycle) -> None:
        owner = self.people["eleanor"]
        okrs.cycle_close(cycle=cycle, by=owner, source=SOURCE)
        for title, (score, reason) in SCORE_ADJUSTMENTS.items():
            objective = Objective.objects.select_related("cycle", "organization").get(
                pk=self.objectives[title].pk
            )
            okrs.objective_set_score(
                objective=objective, score=score, reason=reason, by=owner, source=SOURCE
            )


def demo_build(*, password: str = DEMO_PASSWORD, now: datetime | None = None) -> DemoSummary:
    """Build the demo organisation as it would look at ``now`` (default: this moment)."""
    if not password:
        raise ValidationError({"password": "The demo people need a password to log in."})
    builder = _Builder(password=password, now=now or timezone.now())
    with transaction.atomic():
        organization = builder.people_and_teams()
        year, quarter, previous = builder.cycles()
        builder.kpis_define()
        builder.objectives_in(previous, PREVIOUS_OBJECTIVES, live=False)
        # The contracts KPI is promoted into the previous quarter while it is still open.
        builder.contracts_fall_behind(previous)
        builder.close(previous)
        builder.contracts_recover(previous)
        builder.objectives_in(year, YEAR_OBJECTIVES, live=True)
        builder.objectives_in(quarter, CURRENT_OBJECTIVES, live=True)
        builder.kpi_histories()
        builder.kpi_links()
        demo_plan(organization=organization, by=builder.people["eleanor"], kpis=builder.kpis)
    kpi_pk = {key: kpi.pk for key, kpi in builder.kpis.items()}
    return DemoSummary(
        organization=organization,
        owner=builder.people["eleanor"],
        password=password,
        counts={
            "people": Membership.objects.filter(organization=organization).count(),
            "teams": Team.objects.filter(organization=organization).count(),
            "cycles": Cycle.objects.filter(organization=organization).count(),
            "objectives": Objective.objects.filter(organization=organization).count(),
            "key results": KeyResult.objects.filter(organization=organization).count(),
            "check-ins": CheckIn.objects.filter(organization=organization).count(),
            "KPIs": KPI.objects.filter(organization=organization).count(),
            "measurements": Measurement.objects.filter(organization=organization).count(),
        },
        pages=[
            ("the weekly scorecard: every KPI, 13 weeks of colours", reverse("scorecard")),
            (
                "company health: a watermelon, red and stale KPIs, a KPI to promote to an OKR",
                reverse("health"),
            ),
            (
                "a KPI promoted to an OKR for one quarter and demoted once fixed",
                reverse("kpi", args=[kpi_pk[CONTRACTS_KPI]]),
            ),
            (
                "a KPI with a corrected value",
                reverse("kpi", args=[kpi_pk[CORRECTED_KPI]]),
            ),
            ("the one-page strategic plan, as a page and a PDF", reverse("plan")),
            ("slides for the weekly meeting (arrow keys, Esc)", reverse("present")),
            ("calibration of past scores, per team", reverse("calibration")),
            (
                "settings: the organisation's words, the coach's rules, people, webhooks",
                reverse("organization_settings"),
            ),
        ],
    )


def demo_load(
    *, password: str = DEMO_PASSWORD, now: datetime | None = None, reset: bool = True
) -> DemoSummary:
    """Replace the demo organisation by a fresh one, in one transaction.

    With ``reset=False`` an existing demo is an error instead of being replaced.
    """
    started = clock.perf_counter()
    with transaction.atomic():
        if demo_organization() is not None and not reset:
            raise ValidationError(
                {"reset": f"The demo organisation “{DEMO_NAME}” is already loaded."}
            )
        demo_delete()
        summary = demo_build(password=password, now=now)
    summary.seconds = clock.perf_counter() - started
    return summary
