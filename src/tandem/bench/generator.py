"""Build a large, realistic organisation for benchmarks: "Bench Corp".

At scale 1.0 it has the sizes of a 10,000-person company (issue 7): 1,000 teams
(the company, 20 departments and their teams), 4 quarterly cycles (three closed
and scored, the current one active), 10,000 objectives, 40,000 key results and
400,000 check-ins, with alignments from teams to departments to the company.
Smaller scales shrink every count in proportion (scale 0.01 is a 1% company),
with a floor so that even the tiniest organisation has a company, a department
and a team.

Bench data is written with ``bulk_create`` in batches, not through the services:
the services check, lock and audit one row at a time, which would take hours for
400,000 check-ins. So **bench data bypasses the audit log** (no ``AuditEvent`` is
written) and its people have unusable passwords (benchmarks log them in with
``force_login``). The derived values the services keep (a key result's
``current``, ``done``, ``progress``, ``last_confidence``, ``last_checkin_at``; an
objective's ``progress``, ``last_checkin_at`` and, in closed cycles, its scores)
are computed here with :mod:`tandem.domain` from the generated check-ins, so the
data is exactly what the services would have produced.

Everything random comes from one ``random.Random(seed)``: the same seed (and the
same ``today``) gives the same organisation, row for row.
"""

from __future__ import annotations

import datetime as dt
import math
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection, transaction
from django.utils.text import slugify

from tandem.accounts.models import Membership, Organization, Role, Team, TeamMembership, User
from tandem.bench import kpis as bench_kpis
from tandem.domain import progress as maths
from tandem.domain.scoring import score as score_of
from tandem.kpis.models import KPI, Measurement
from tandem.okrs.models import Alignment, CheckIn, Cycle, KeyResult, Objective

# Full-scale sizes (scale 1.0), from issue 7.
FULL_PEOPLE = 10_000
FULL_TEAMS = 1_000
FULL_OBJECTIVES = 10_000
MAX_DEPARTMENTS = 20
CYCLES = 4
KEY_RESULTS_PER_OBJECTIVE = 4
CHECKINS_PER_KEY_RESULT = 10

BATCH = 1000
ORGANIZATION_NAME = "Bench Corp"

DEPARTMENTS = [
    "Engineering",
    "Sales",
    "Marketing",
    "Customer Success",
    "Finance",
    "People",
    "Operations",
    "Product",
    "Design",
    "Legal",
    "Support",
    "Data",
    "Security",
    "IT",
    "Procurement",
    "Partnerships",
    "Research",
    "Quality",
    "Facilities",
    "Communications",
]
TEAM_NOUNS = [
    "Platform",
    "Payments",
    "Growth",
    "Onboarding",
    "Mobile",
    "Web",
    "Search",
    "Billing",
    "Identity",
    "Infrastructure",
    "Analytics",
    "Enterprise",
    "SMB",
    "EMEA",
    "Americas",
    "APAC",
    "Brand",
    "Content",
    "Events",
    "Field",
    "Inside",
    "Renewals",
    "Enablement",
    "Tax",
    "Treasury",
    "Payroll",
    "Talent",
    "Learning",
    "Logistics",
    "Supply",
    "Pricing",
    "Catalogue",
    "Research",
    "Systems",
    "Tooling",
    "Reliability",
    "Storage",
    "Network",
    "Compliance",
    "Contracts",
    "Community",
    "Docs",
    "Insights",
    "Quality",
    "Automation",
    "Workplace",
    "Vendors",
    "Alliances",
    "Labs",
    "Core",
]
FIRST_NAMES = [
    "Ada",
    "Bruno",
    "Chloé",
    "Dmitri",
    "Elena",
    "Farid",
    "Grace",
    "Hugo",
    "Ines",
    "Jonas",
    "Keiko",
    "Liam",
    "Maya",
    "Nadia",
    "Oscar",
    "Priya",
    "Quentin",
    "Rosa",
    "Samir",
    "Tove",
    "Uma",
    "Victor",
    "Wen",
    "Ximena",
    "Yusuf",
    "Zoé",
    "Anders",
    "Beatriz",
    "Chidi",
    "Dana",
]
LAST_NAMES = [
    "Andersen",
    "Baptiste",
    "Costa",
    "Dubois",
    "Eriksen",
    "Fischer",
    "García",
    "Haddad",
    "Ivanova",
    "Jensen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quispe",
    "Rossi",
    "Schmidt",
    "Tanaka",
    "Ueda",
    "Varga",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zhang",
]
OBJECTIVE_TITLES = [
    "Become the go-to provider in our region",
    "Delight every new customer in their first week",
    "Make our product the fastest in its class",
    "Build a team people are proud to join",
    "Win the mid-market",
    "Turn support into a reason to stay",
    "Make releases boring and frequent",
    "Grow revenue without growing costs",
    "Earn our customers' trust on security",
    "Make every decision data-informed",
    "Open our second market",
    "Cut the time from idea to customer",
    "Make onboarding effortless",
    "Keep the lights on, always",
    "Be the easiest company to buy from",
    "Raise the bar on quality",
]
METRIC_TITLES = {
    "increase": [
        "Grow weekly active users",
        "Increase net revenue retention",
        "Raise the NPS of new customers",
        "Grow qualified pipeline",
        "Increase trial-to-paid conversion",
        "Ship more releases per week",
        "Grow monthly recurring revenue",
        "Raise first-contact resolution",
    ],
    "decrease": [
        "Cut monthly churn",
        "Reduce median page load time",
        "Reduce open critical bugs",
        "Cut cost per ticket",
        "Reduce time to hire",
        "Cut infrastructure spend",
    ],
}
MILESTONE_TITLES = [
    "Launch the partner portal",
    "Publish the public API",
    "Sign the first enterprise reference",
    "Pass the ISO 27001 audit",
    "Move billing to the new provider",
    "Run the first customer advisory board",
]
NOTES = [
    "",
    "",
    "",
    "On track after the campaign.",
    "Slower than planned: two people out this week.",
    "Blocked on the vendor contract.",
    "Big jump thanks to the new onboarding flow.",
    "Data from the monthly report.",
    "Holding steady.",
]
SCORE_REASONS = [
    "The number hides a late launch that landed after the cycle closed.",
    "Most of the gain came from a one-off deal; scored lower on purpose.",
]


@dataclass(frozen=True, slots=True)
class Sizes:
    """How big an organisation is at a given scale (at least one team per level)."""

    people: int
    teams: int
    departments: int
    objectives: int
    scale: float = 1.0

    @classmethod
    def at(cls, scale: float) -> Sizes:
        if not (0 < scale <= 10):
            raise ValueError(f"the scale must be in (0, 10], not {scale}")
        teams = max(3, round(FULL_TEAMS * scale))
        departments = min(MAX_DEPARTMENTS, max(1, (teams - 1) // 5))
        return cls(
            people=max(2 * teams, round(FULL_PEOPLE * scale)),
            teams=teams,
            departments=departments,
            objectives=max(CYCLES, round(FULL_OBJECTIVES * scale)),
            scale=scale,
        )

    @property
    def key_results(self) -> int:
        return self.objectives * KEY_RESULTS_PER_OBJECTIVE

    @property
    def checkins(self) -> int:
        return self.key_results * CHECKINS_PER_KEY_RESULT

    @property
    def kpis(self) -> int:
        return sum(bench_kpis.kpi_counts(self.scale))

    @property
    def measurements(self) -> int:
        return bench_kpis.measurement_count(self.scale)


@dataclass(frozen=True, slots=True)
class Summary:
    """What was generated, for the benchmark table and the command's output."""

    organization_id: int
    name: str
    scale: float
    seed: int
    people: int
    teams: int
    departments: int
    cycles: int
    objectives: int
    key_results: int
    checkins: int
    alignments: int
    current_cycle_id: int
    seconds: float
    kpis: int = 0
    measurements: int = 0
    # Of ``seconds``, the time spent on the KPIs and their measurements.
    kpi_seconds: float = 0.0


@dataclass(slots=True)
class _Planned:
    """One objective with its key results and their check-in series, before insertion."""

    objective: Objective
    level: int  # 0 company, 1 department, 2 team
    key_results: list[KeyResult] = field(default_factory=list)
    series: list[list[CheckIn]] = field(default_factory=list)


def quarter_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """The calendar quarter around ``day``: its first and last day."""
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = dt.date(day.year, first_month, 1)
    next_start = (
        dt.date(day.year + 1, 1, 1) if first_month == 10 else dt.date(day.year, first_month + 3, 1)
    )
    return start, next_start - dt.timedelta(days=1)


def _batches(items: list[CheckIn], size: int) -> Iterator[list[CheckIn]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class _Generator:
    def __init__(
        self, *, scale: float, seed: int, name: str, today: dt.date, now: dt.datetime
    ) -> None:
        self.sizes = Sizes.at(scale)
        self.scale = scale
        self.seed = seed
        self.name = name
        self.today = today
        self.rng = random.Random(seed)
        self.now = now
        self.alignment_count = 0
        self.checkin_count = 0

    # -- people and teams ---------------------------------------------------------------

    def organization(self) -> Organization:
        slug = slugify(self.name)[:60]
        if Organization.objects.filter(slug=slug).exists():
            raise ValueError(
                f"An organisation “{self.name}” ({slug}) already exists in this database; "
                "generate into a fresh database or choose another name."
            )
        return Organization.objects.create(name=self.name, slug=slug, timezone="Europe/Paris")

    def teams(self, org: Organization) -> tuple[Team, list[Team], list[Team]]:
        company = Team.objects.create(
            organization=org, name=self.name, slug=slugify(self.name)[:60], kind=Team.Kind.COMPANY
        )
        departments = Team.objects.bulk_create(
            [
                Team(
                    organization=org,
                    parent=company,
                    name=DEPARTMENTS[i],
                    slug=slugify(DEPARTMENTS[i]),
                    kind=Team.Kind.DEPARTMENT,
                    mission=f"{DEPARTMENTS[i]} for {self.name}.",
                )
                for i in range(self.sizes.departments)
            ],
            batch_size=BATCH,
        )
        # Departments differ in size, as in a real company (engineering is big).
        weights = [self.rng.uniform(0.3, 3.0) for _ in departments]
        per_department: dict[int, int] = {}
        teams: list[Team] = []
        for _ in range(self.sizes.teams - 1 - len(departments)):
            index = self.rng.choices(range(len(departments)), weights)[0]
            k = per_department.get(index, 0)
            per_department[index] = k + 1
            noun = TEAM_NOUNS[k % len(TEAM_NOUNS)]
            suffix = f" {k // len(TEAM_NOUNS) + 1}" if k >= len(TEAM_NOUNS) else ""
            name = f"{departments[index].name} {noun}{suffix}"
            teams.append(
                Team(
                    organization=org,
                    parent=departments[index],
                    name=name,
                    slug=slugify(name)[:60],
                    kind=Team.Kind.TEAM,
                )
            )
        return company, departments, Team.objects.bulk_create(teams, batch_size=BATCH)

    def people(
        self, org: Organization, all_teams: list[Team]
    ) -> tuple[dict[int, list[User]], dict[int, User]]:
        """Everyone in exactly one team; each team's first person is its lead."""
        domain = f"{slugify(self.name)}.test"
        users = []
        for i in range(self.sizes.people):
            first = self.rng.choice(FIRST_NAMES)
            last = self.rng.choice(LAST_NAMES)
            users.append(
                User(
                    email=f"{slugify(first)}.{slugify(last)}.{i}@{domain}",
                    full_name=f"{first} {last}",
                    # Unusable: bench people are logged in with force_login, never a password.
                    password=f"!bench{self.rng.getrandbits(64):016x}",
                )
            )
        users = User.objects.bulk_create(users, batch_size=BATCH)
        company = all_teams[0]
        members: dict[int, list[User]] = {team.pk: [users[i]] for i, team in enumerate(all_teams)}
        leads = {team.pk: users[i] for i, team in enumerate(all_teams)}
        rest = users[len(all_teams) :]
        executives = min(4, len(rest) // 10)
        members[company.pk].extend(rest[:executives])
        for user in rest[executives:]:
            team = all_teams[1 + self.rng.randrange(len(all_teams) - 1)]
            members[team.pk].append(user)

        kind_of = {team.pk: team.kind for team in all_teams}
        memberships = []
        team_memberships = []
        for team_pk, people in members.items():
            for position, user in enumerate(people):
                is_lead = position == 0
                if team_pk == company.pk:
                    role = Role.OWNER if is_lead else Role.ADMIN
                    title = "Chief Executive Officer" if is_lead else "Executive"
                elif kind_of[team_pk] == Team.Kind.DEPARTMENT and is_lead:
                    role, title = Role.EDITOR, "Head of department"
                elif is_lead:
                    role, title = Role.MEMBER, "Team lead"
                else:
                    role = Role.VIEWER if self.rng.random() < 0.03 else Role.MEMBER
                    title = ""
                memberships.append(Membership(organization=org, user=user, role=role, title=title))
                team_memberships.append(
                    TeamMembership(organization=org, team_id=team_pk, user=user, is_lead=is_lead)
                )
        Membership.objects.bulk_create(memberships, batch_size=BATCH)
        TeamMembership.objects.bulk_create(team_memberships, batch_size=BATCH)
        viewers = {m.user_id for m in memberships if m.role == Role.VIEWER}
        writers = {
            team_pk: [u for u in people if u.pk not in viewers]
            for team_pk, people in members.items()
        }
        return writers, leads

    # -- cycles -------------------------------------------------------------------------

    def cycles(self, org: Organization) -> list[Cycle]:
        """Three closed quarters, then the active quarter around today (oldest first)."""
        start, end = quarter_of(self.today)
        quarters = [(start, end)]
        for _ in range(CYCLES - 1):
            start, end = quarter_of(quarters[0][0] - dt.timedelta(days=1))
            quarters.insert(0, (start, end))
        cycles = []
        for i, (start, end) in enumerate(quarters):
            current = i == len(quarters) - 1
            closed_at = None
            if not current:
                closed_at = dt.datetime.combine(
                    end + dt.timedelta(days=3), dt.time(17), tzinfo=org.tz
                ).astimezone(dt.UTC)
            cycles.append(
                Cycle.objects.create(
                    organization=org,
                    name=f"{start.year} Q{(start.month - 1) // 3 + 1}",
                    kind=Cycle.Kind.QUARTER,
                    start_date=start,
                    end_date=end,
                    state=Cycle.State.ACTIVE if current else Cycle.State.CLOSED,
                    closed_at=closed_at,
                )
            )
        return cycles

    def objective_counts(self) -> list[int]:
        """Objectives per cycle: an equal share, the remainder going to the latest cycles."""
        total = self.sizes.objectives
        counts = [total // CYCLES] * CYCLES
        for i in range(total % CYCLES):
            counts[CYCLES - 1 - i] += 1
        return counts

    # -- objectives, key results, check-ins ---------------------------------------------

    def key_result(self, org: Organization, position: int, owners: list[User]) -> KeyResult:
        r = self.rng.random()
        owner = self.rng.choice(owners)
        weight = self.rng.choices([Decimal(1), Decimal(2), Decimal("0.5")], weights=[80, 15, 5])[0]
        if r < 0.15:
            kr = KeyResult(
                organization=org,
                title=self.rng.choice(MILESTONE_TITLES),
                kind=KeyResult.Kind.MILESTONE,
                owner=owner,
                weight=weight,
                position=position,
            )
            return kr
        direction = "decrease" if r < 0.30 else "increase"
        unit = self.rng.choices(
            [KeyResult.Unit.NUMBER, KeyResult.Unit.PERCENT, KeyResult.Unit.CURRENCY],
            weights=[50, 30, 20],
        )[0]
        if unit == KeyResult.Unit.PERCENT:
            low = Decimal(self.rng.randint(50, 400)) / 10
            high = low + Decimal(self.rng.randint(30, 300)) / 10
        elif unit == KeyResult.Unit.CURRENCY:
            low = Decimal(self.rng.randint(10, 500) * 1000)
            high = low + Decimal(self.rng.randint(20, 800) * 1000)
        else:
            low = Decimal(self.rng.randint(0, 400))
            high = low + Decimal(self.rng.randint(10, 600))
        baseline, target = (low, high) if direction == "increase" else (high, low)
        kr = KeyResult(
            organization=org,
            title=self.rng.choice(METRIC_TITLES[direction]),
            kind=KeyResult.Kind.METRIC,
            unit=unit,
            currency="EUR" if unit == KeyResult.Unit.CURRENCY else "",
            baseline=baseline,
            target=target,
            owner=owner,
            weight=weight,
            position=position,
        )
        return kr

    def series(
        self,
        kr: KeyResult,
        *,
        org: Organization,
        window: tuple[dt.datetime, dt.datetime],
        cycle_bounds: tuple[dt.datetime, dt.datetime],
        closed: bool,
        authors: list[User],
    ) -> list[CheckIn]:
        """Ten check-ins spread over the window, drifting towards a final progress."""
        first, last = window
        start, end = cycle_bounds
        span = (last - first).total_seconds()
        cycle_span = (end - start).total_seconds()
        elapsed = (last - start).total_seconds() / cycle_span
        if closed:
            final = self.rng.triangular(0.0, 1.15, 0.75)
        else:
            final = elapsed * self.rng.triangular(0.3, 1.3, 0.95)
        done_at = CHECKINS_PER_KEY_RESULT
        if kr.kind == KeyResult.Kind.MILESTONE and self.rng.random() < (
            0.7 if closed else 0.8 * elapsed
        ):
            done_at = self.rng.randint(3, CHECKINS_PER_KEY_RESULT - 1)
        quantum = Decimal("0.1") if kr.unit == KeyResult.Unit.PERCENT else Decimal(1)
        checkins = []
        for i in range(CHECKINS_PER_KEY_RESULT):
            share = (i + 0.5 + self.rng.uniform(-0.4, 0.4)) / CHECKINS_PER_KEY_RESULT
            at = (first + dt.timedelta(seconds=share * span)).replace(microsecond=0)
            expected = max(0.05, (at - start).total_seconds() / cycle_span)
            reached = final * (i + 1) / CHECKINS_PER_KEY_RESULT + self.rng.gauss(0, 0.03)
            value: Decimal | None = None
            done: bool | None = None
            if kr.kind == KeyResult.Kind.MILESTONE:
                done = i >= done_at
                reached = 1.0 if done else 0.8 * expected
            else:
                assert kr.baseline is not None
                assert kr.target is not None
                move = (kr.target - kr.baseline) * Decimal(repr(round(reached, 4)))
                value = (kr.baseline + move).quantize(quantum)
            pace = min(reached / expected, 1.2) / 1.2
            confidence = min(10, max(1, round(3 + 6 * pace + self.rng.gauss(0, 1))))
            author = kr.owner if self.rng.random() < 0.85 else self.rng.choice(authors)
            checkins.append(
                CheckIn(
                    organization_id=org.pk,
                    value=value,
                    done=done,
                    confidence=confidence,
                    note=self.rng.choice(NOTES),
                    author_id=author.pk if author else None,
                    source=self.rng.choices(["web", "api", "import"], weights=[85, 10, 5])[0],
                    created_at=at,
                )
            )
        return checkins

    def cycle(
        self,
        org: Organization,
        cycle: Cycle,
        count: int,
        *,
        company: Team,
        departments: list[Team],
        teams: list[Team],
        writers: dict[int, list[User]],
        leads: dict[int, User],
    ) -> None:
        closed = cycle.state == Cycle.State.CLOSED
        bounds = cycle.bounds()
        start, end = bounds
        last = min(end, self.now) - dt.timedelta(hours=1)
        # A cycle that began hours ago still gets its ten check-ins, just close together.
        window = (start + dt.timedelta(hours=2), max(last, start + dt.timedelta(hours=3)))

        # An equal share per owner; the remainder goes first to the company, then to
        # each department, then to teams drawn at random (teams shuffled per cycle).
        shuffled = list(teams)
        self.rng.shuffle(shuffled)
        owners: list[tuple[Team, int]] = [(company, 0)] + [(d, 1) for d in departments]
        owners += [(t, 2) for t in shuffled]
        per_owner = [
            count // len(owners) + (1 if i < count % len(owners) else 0) for i in range(len(owners))
        ]

        planned: list[_Planned] = []
        for (team, level), n in zip(owners, per_owner, strict=True):
            team_writers = writers[team.pk] or [leads[team.pk]]
            for _ in range(n):
                state = Objective.State.CLOSED if closed else Objective.State.ACTIVE
                if self.rng.random() < (0.03 if closed else 0.02):
                    state = Objective.State.DROPPED
                objective = Objective(
                    organization=org,
                    cycle=cycle,
                    title=self.rng.choice(OBJECTIVE_TITLES),
                    kind=(
                        Objective.Kind.COMMITTED
                        if self.rng.random() < 0.3
                        else Objective.Kind.ASPIRATIONAL
                    ),
                    owner_team=team,
                    state=state,
                    is_private=self.rng.random() < 0.02,
                    position=len(planned),
                    created_by=leads[team.pk],
                )
                plan = _Planned(objective=objective, level=level)
                for position in range(KEY_RESULTS_PER_OBJECTIVE):
                    kr = self.key_result(org, position, team_writers)
                    checkins = self.series(
                        kr,
                        org=org,
                        window=window,
                        cycle_bounds=bounds,
                        closed=closed,
                        authors=team_writers,
                    )
                    self.derive_key_result(kr, checkins[-1])
                    plan.key_results.append(kr)
                    plan.series.append(checkins)
                self.derive_objective(plan, closed=closed)
                planned.append(plan)

        Objective.objects.bulk_create([p.objective for p in planned], batch_size=BATCH)
        krs: list[KeyResult] = []
        for plan in planned:
            for kr in plan.key_results:
                kr.objective = plan.objective
                krs.append(kr)
        KeyResult.objects.bulk_create(krs, batch_size=BATCH)
        pending: list[CheckIn] = []
        for plan in planned:
            for kr, checkins in zip(plan.key_results, plan.series, strict=True):
                for checkin in checkins:
                    checkin.key_result_id = kr.pk
                pending.extend(checkins)
            if len(pending) >= 20 * BATCH:
                self.flush_checkins(pending)
                pending = []
        self.flush_checkins(pending)
        self.alignments(org, planned, departments)

    def flush_checkins(self, checkins: list[CheckIn]) -> None:
        for batch in _batches(checkins, BATCH):
            CheckIn.objects.bulk_create(batch)
        self.checkin_count += len(checkins)

    @staticmethod
    def derive_key_result(kr: KeyResult, latest: CheckIn) -> None:
        """What ``key_result_check_in`` stores after the latest check-in."""
        kr.current = latest.value
        kr.done = bool(latest.done)
        kr.last_confidence = latest.confidence
        kr.last_checkin_at = latest.created_at
        kr.progress = kr.compute_progress()

    def derive_objective(self, plan: _Planned, *, closed: bool) -> None:
        """What ``objective_recompute`` stores, and what ``cycle_close`` scores."""
        objective = plan.objective
        objective.progress = maths.objective_progress(
            maths.Weighted(progress=kr.progress, weight=kr.weight) for kr in plan.key_results
        )
        objective.last_checkin_at = max(
            kr.last_checkin_at for kr in plan.key_results if kr.last_checkin_at is not None
        )
        if closed and objective.state == Objective.State.CLOSED:
            objective.computed_score = score_of(objective.progress)
            objective.score = objective.computed_score
            if self.rng.random() < 0.05:
                nudge = Decimal("0.1") if self.rng.random() < 0.5 else Decimal("-0.1")
                objective.score = min(Decimal(1), max(Decimal(0), objective.score + nudge))
                objective.score_reason = self.rng.choice(SCORE_REASONS)

    def alignments(
        self, org: Organization, planned: list[_Planned], departments: list[Team]
    ) -> None:
        """Teams contribute to their department, departments to the company: never a loop."""
        company_plans = [p for p in planned if p.level == 0]
        by_department: dict[int, list[_Planned]] = {}
        for plan in planned:
            if plan.level == 1:
                by_department.setdefault(plan.objective.owner_team_id or 0, []).append(plan)
        rows: list[Alignment] = []

        def link(child: _Planned, parents: list[_Planned]) -> bool:
            if not parents:
                return False
            parent = self.rng.choice(parents)
            if self.rng.random() < 0.5:
                rows.append(
                    Alignment(
                        organization=org,
                        objective=child.objective,
                        parent_objective=parent.objective,
                    )
                )
            else:
                kr = self.rng.choice(parent.key_results)
                rows.append(
                    Alignment(organization=org, objective=child.objective, parent_key_result=kr)
                )
            return True

        department_plans = [p for p in planned if p.level == 1]
        for plan in planned:
            if plan.level == 1 and self.rng.random() < 0.9:
                link(plan, company_plans)
            elif plan.level == 2 and self.rng.random() < 0.85:
                team = plan.objective.owner_team
                assert team is not None
                home = by_department.get(team.parent_id or 0) or company_plans
                linked = link(plan, home)
                # A few teams also contribute to another department's objective.
                if linked and self.rng.random() < 0.05:
                    others = [p for p in department_plans if all(p is not h for h in home)]
                    if not others:
                        continue
                    other = self.rng.choice(others)
                    rows.append(
                        Alignment(
                            organization=org,
                            objective=plan.objective,
                            parent_objective=other.objective,
                        )
                    )
        Alignment.objects.bulk_create(rows, batch_size=BATCH)
        self.alignment_count += len(rows)

    def run(self, progress: Callable[[str], None]) -> Summary:
        began = time.perf_counter()
        with transaction.atomic():
            org = self.organization()
            company, departments, teams = self.teams(org)
            progress(f"{1 + len(departments) + len(teams)} teams")
            writers, leads = self.people(org, [company, *departments, *teams])
            progress(f"{self.sizes.people} people")
            cycles = self.cycles(org)
            for cycle, count in zip(cycles, self.objective_counts(), strict=True):
                self.cycle(
                    org,
                    cycle,
                    count,
                    company=company,
                    departments=departments,
                    teams=teams,
                    writers=writers,
                    leads=leads,
                )
                progress(f"{cycle.name}: {count} objectives, {self.checkin_count} check-ins so far")
            kpis_began = time.perf_counter()
            kpi_generator = bench_kpis.KpiGenerator(
                org=org,
                scale=self.scale,
                seed=self.seed,
                now=self.now,
                owner_teams=[*departments, *teams],
                people=[user for people in writers.values() for user in people],
                current_cycle=cycles[-1],
            )
            kpi_count = kpi_generator.run(progress)
            kpi_seconds = time.perf_counter() - kpis_began
        if connection.vendor == "postgresql":
            # A production PostgreSQL analyses new tables by itself (autovacuum) soon
            # after a bulk load; do it now so plans match a settled database.
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        return Summary(
            organization_id=org.pk,
            name=org.name,
            scale=self.scale,
            seed=self.seed,
            people=self.sizes.people,
            teams=1 + len(departments) + len(teams),
            departments=len(departments),
            cycles=len(cycles),
            objectives=self.sizes.objectives,
            key_results=self.sizes.key_results,
            checkins=self.checkin_count,
            alignments=self.alignment_count,
            current_cycle_id=cycles[-1].pk,
            seconds=time.perf_counter() - began,
            kpis=kpi_count,
            measurements=kpi_generator.measurements,
            kpi_seconds=kpi_seconds,
        )


def generate(
    scale: float,
    seed: int,
    *,
    name: str = ORGANIZATION_NAME,
    today: dt.date | None = None,
    progress: Callable[[str], None] | None = None,
) -> Summary:
    """Build the organisation ``name`` at ``scale`` (1.0 = 10,000 people) from ``seed``.

    ``today`` anchors the cycles (the current quarter is the one around it) and the
    latest check-ins (noon that day, UTC, or now if earlier); pass it to get the
    very same data on another day. ``progress`` receives a line per
    step. Refuses (``ValueError``) if an organisation with that name exists.
    Bypasses the services and so the audit log (see the module docstring).
    """
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    if today is not None:
        # Noon of the given day keeps the data repeatable; never later than the real
        # now, so that no generated check-in lies after one recorded for real.
        now = min(now, dt.datetime.combine(today, dt.time(12), tzinfo=dt.UTC))
    generator = _Generator(scale=scale, seed=seed, name=name, today=now.date(), now=now)
    return generator.run(progress or (lambda line: None))


def summarize(organization: Organization, *, scale: float, seed: int) -> Summary:
    """The summary of an organisation generated earlier (for a benchmark that reuses its data)."""
    current = (
        Cycle.objects.filter(organization=organization, state=Cycle.State.ACTIVE)
        .order_by("-start_date")
        .first()
    )
    if current is None:
        raise ValueError(f"{organization} has no active cycle; it was not made by the generator.")
    return Summary(
        organization_id=organization.pk,
        name=organization.name,
        scale=scale,
        seed=seed,
        people=Membership.objects.filter(organization=organization).count(),
        teams=Team.objects.filter(organization=organization).count(),
        departments=Team.objects.filter(
            organization=organization, kind=Team.Kind.DEPARTMENT
        ).count(),
        cycles=Cycle.objects.filter(organization=organization).count(),
        objectives=Objective.objects.filter(organization=organization).count(),
        key_results=KeyResult.objects.filter(organization=organization).count(),
        checkins=CheckIn.objects.filter(organization=organization).count(),
        alignments=Alignment.objects.filter(organization=organization).count(),
        current_cycle_id=current.pk,
        seconds=math.nan,
        kpis=KPI.objects.filter(organization=organization).count(),
        measurements=Measurement.objects.filter(organization=organization).count(),
        kpi_seconds=math.nan,
    )
