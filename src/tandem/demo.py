"""The demo organisation, Northwind IT, built from the seed articles' own examples.

``tandem demo`` (and tests, and benchmarks) call :func:`demo_load`. Everything is
written through the services, exactly as people would write it, so the demo has
the same audit history, derived values and invariants as real data.

Northwind IT is an IT service provider in the Midwest (the seeds' "Increase Brand
Awareness in the Midwest"), so its clock is Chicago's. It has:

* twelve people across every role, and an org chart: the company, four
  departments, seven teams, each with a lead;
* the previous quarter, closed, with weekly check-ins, computed scores in every
  band, and two scores an owner adjusted with a reason;
* this year (the parent cycle) and this quarter, both active, with check-ins
  back-dated roughly weekly (monthly for the year) from the cycle's start up to
  now, so that objectives are on track, at risk, off track or not started;
* the seeds' examples: "Become the go-to IT service provider in our region",
  "Increase Brand Awareness in the Midwest", the company key result "Improve
  free-trial to paid sign-ups from 4% to 8%" that Product, Customer Success,
  Marketing and Sales align to, and "Expand employees by 45%".

Progress in a live cycle is planned against the pace at ``now`` (the elapsed
share of the cycle), so the statuses hold whatever day the demo is loaded. In a
quarter's first three weeks nothing can be off track yet (the pace itself is
below the off-track gap): the demo then honestly shows an early quarter.

Reloading deletes the previous demo organisation and the people who belong to
it alone, in the same transaction as the rebuild; other organisations are never
touched.
"""

from __future__ import annotations

import random
import time as clock
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import Enum

from django.apps import apps
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError, Q
from django.utils import timezone

from tandem.accounts import services as accounts
from tandem.accounts.models import Membership, Organization, Role, Team, User
from tandem.audit.models import Source
from tandem.domain.progress import clamp
from tandem.okrs import services as okrs
from tandem.okrs.models import CheckIn, Cycle, Initiative, KeyResult, Objective

DEMO_NAME = "Northwind IT"
DEMO_SLUG = "northwind"
DEMO_DOMAIN = "northwind.example"
DEMO_OWNER_EMAIL = f"ceo@{DEMO_DOMAIN}"
DEMO_PASSWORD = "tandem-demo"
DEMO_TIMEZONE = "America/Chicago"
DEMO_CURRENCY = "USD"
SOURCE = Source.SYSTEM

# -- the cast ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    key: str
    name: str
    role: str
    title: str
    mailbox: str = ""  # defaults to the key

    @property
    def email(self) -> str:
        return f"{self.mailbox or self.key}@{DEMO_DOMAIN}"


PEOPLE = (
    Person("eleanor", "Eleanor Hughes", Role.OWNER, "Chief Executive Officer", mailbox="ceo"),
    Person("marcus", "Marcus Bell", Role.ADMIN, "Chief Operating Officer"),
    Person("oliver", "Oliver Grant", Role.ADMIN, "Finance Director"),
    Person("priya", "Priya Patel", Role.EDITOR, "Head of Product & Engineering"),
    Person("tom", "Tom Fletcher", Role.EDITOR, "Sales Director"),
    Person("aisha", "Aisha Okafor", Role.MEMBER, "Marketing Lead"),
    Person("ravi", "Ravi Kumar", Role.MEMBER, "Product Manager"),
    Person("daniel", "Daniel Reyes", Role.MEMBER, "Customer Success Manager"),
    Person("hannah", "Hannah Schmidt", Role.MEMBER, "Support Lead"),
    Person("james", "James Wright", Role.MEMBER, "Account Executive"),
    Person("chloe", "Chloe Martin", Role.MEMBER, "People & Talent Lead"),
    Person("sofia", "Sofia Rossi", Role.VIEWER, "Board Advisor"),
)


@dataclass(frozen=True)
class TeamSpec:
    slug: str
    name: str
    kind: str
    parent: str | None
    lead: str
    members: tuple[str, ...] = ()
    mission: str = ""


COMPANY = "northwind-it"
DEPARTMENT = Team.Kind.DEPARTMENT
TEAMS = (
    TeamSpec(COMPANY, DEMO_NAME, Team.Kind.COMPANY, None, "eleanor",
             ("marcus", "oliver", "priya", "tom"),
             "Reliable, friendly IT for growing businesses across the Midwest."),
    TeamSpec("sales-marketing", "Sales & Marketing", DEPARTMENT, COMPANY, "tom", ("aisha",)),
    TeamSpec("product-engineering", "Product & Engineering", DEPARTMENT, COMPANY, "priya"),
    TeamSpec("client-services", "Client Services", DEPARTMENT, COMPANY, "marcus"),
    TeamSpec("finance-people", "Finance & People", DEPARTMENT, COMPANY, "oliver"),
    TeamSpec("sales", "Sales", Team.Kind.TEAM, "sales-marketing", "tom", ("james",),
             "Win and keep the clients who need us most."),
    TeamSpec("marketing", "Marketing", Team.Kind.TEAM, "sales-marketing", "aisha"),
    TeamSpec("product", "Product", Team.Kind.TEAM, "product-engineering", "ravi", ("priya",),
             "Northwind 360, the client portal and its free trial."),
    TeamSpec("customer-success", "Customer Success", Team.Kind.TEAM, "client-services", "daniel"),
    TeamSpec("support", "Support", Team.Kind.TEAM, "client-services", "hannah", ("marcus",)),
    TeamSpec("finance", "Finance", Team.Kind.TEAM, "finance-people", "oliver"),
    TeamSpec("people", "People", Team.Kind.TEAM, "finance-people", "chloe"),
)  # fmt: skip

# -- the OKRs ---------------------------------------------------------------------------


class Pace(Enum):
    """Where an objective in a live cycle stands against the pace at load time.

    The offsets sit in the middle of the default status bands (on track within
    0.10 of the pace, at risk within 0.25), so rounding reported values to whole
    accounts or tenths of a percent never moves an objective across a band.
    """

    ON_TRACK = Decimal("0.05")
    AT_RISK = Decimal("-0.175")
    OFF_TRACK = Decimal("-0.45")
    NOT_STARTED = None


@dataclass(frozen=True)
class InitiativeSpec:
    title: str
    owner: str
    status: str
    due: str  # share of the cycle at which it is due, e.g. "0.5" for half-way


@dataclass(frozen=True)
class KeyResultSpec:
    title: str
    owner: str
    baseline: str | None = None  # None with target None: a milestone
    target: str | None = None
    unit: str = KeyResult.Unit.NUMBER
    step: str = "1"  # reported values are rounded to this
    cumulative: bool = False  # counts that only ever go up (accounts signed, articles written)
    spread: str = "0"  # this key result's lead (+) or lag (-) on its objective's pace
    reached: str | None = None  # closed cycles: the final value ("1" for a milestone done)
    notes: tuple[str, ...] = ()
    initiatives: tuple[InitiativeSpec, ...] = ()

    @property
    def is_milestone(self) -> bool:
        return self.baseline is None


@dataclass(frozen=True)
class ObjectiveSpec:
    title: str
    key_results: tuple[KeyResultSpec, ...]
    team: str | None = None
    person: str | None = None
    kind: str = Objective.Kind.ASPIRATIONAL
    pace: Pace = Pace.ON_TRACK
    description: str = ""
    contributes_to: str = ""  # title of a parent objective
    contributes_to_key_result: str = ""  # title of a parent key result


SEED_OBJECTIVE = "Become the go-to IT service provider in our region"
SEED_REVENUE_KR = "Increase recurring revenue by 25%"
SEED_RESPONSE_KR = "Reduce average response time to client inquiries by 50%"
MIDWEST_OBJECTIVE = "Increase Brand Awareness in the Midwest"
FREE_TRIAL_KR = "Improve free-trial to paid sign-ups from 4% to 8%"
HEADCOUNT_KR = "Expand employees by 45%"
PERCENT = KeyResult.Unit.PERCENT
CURRENCY = KeyResult.Unit.CURRENCY
DONE = Initiative.Status.DONE
IN_PROGRESS = Initiative.Status.IN_PROGRESS
NOT_STARTED = Initiative.Status.NOT_STARTED
BLOCKED = Initiative.Status.BLOCKED

YEAR_OBJECTIVES = (
    ObjectiveSpec(
        SEED_OBJECTIVE,
        team=COMPANY,
        description="Clients across the Midwest think of Northwind first when IT has to just work.",
        key_results=(
            KeyResultSpec(
                SEED_REVENUE_KR, "eleanor", "400000", "500000", CURRENCY, step="1000",
                spread="0.05",
                notes=("Two managed-backup upsells closed.", "Renewals came in at 96%.",
                       "New contracts with three dental practices."),
                initiatives=(
                    InitiativeSpec("Launch the managed backup bundle", "tom", DONE, "0.3"),
                    InitiativeSpec("Quarterly business reviews with the top 30 clients",
                                   "marcus", IN_PROGRESS, "0.95"),
                ),
            ),
            KeyResultSpec(
                SEED_RESPONSE_KR, "marcus", "8", "4", step="0.1", spread="-0.08",
                notes=("Auto-triage helps; nights are still slow.",
                       "Holiday cover stretched the team.", "On-call rota is paying off."),
                initiatives=(
                    InitiativeSpec("Roll out a 24/7 on-call rota", "hannah", IN_PROGRESS, "0.9"),
                    InitiativeSpec("Set up ticket auto-triage", "hannah", DONE, "0.4"),
                ),
            ),
        ),
    ),
    ObjectiveSpec(
        "Build the team our growth needs",
        team="people",
        pace=Pace.AT_RISK,
        contributes_to=SEED_OBJECTIVE,
        key_results=(
            KeyResultSpec(
                HEADCOUNT_KR, "chloe", "40", "58", step="1", cumulative=True,
                notes=("Two engineers signed.", "Offer declined for the senior SRE role."),
                initiatives=(
                    InitiativeSpec("Open a referral bonus programme", "chloe", DONE, "0.2"),
                    InitiativeSpec("Employer brand page on the website", "aisha", IN_PROGRESS,
                                   "0.7"),
                ),
            ),
            KeyResultSpec("Cut time to hire from 45 to 30 days", "chloe", "45", "30", step="1",
                          notes=("Panel interviews now in one day.",)),
        ),
    ),
)  # fmt: skip

CURRENT_OBJECTIVES = (
    ObjectiveSpec(
        "Turn more free trials into paying clients",
        team=COMPANY,
        pace=Pace.AT_RISK,
        contributes_to=SEED_OBJECTIVE,
        description="The free trial brings people in; now it has to bring them on board.",
        key_results=(
            KeyResultSpec(
                FREE_TRIAL_KR, "eleanor", "4", "8", PERCENT, step="0.1",
                notes=("Conversion up after the pricing page change.",
                       "Flat week: trials from the webinar convert slowly."),
                initiatives=(
                    InitiativeSpec("Trial nurture e-mail sequence", "aisha", IN_PROGRESS, "0.5"),
                ),
            ),
            KeyResultSpec("Grow paying Northwind 360 clients from 180 to 240", "tom", "180",
                          "240", step="1"),
        ),
    ),
    ObjectiveSpec(
        "Make the free trial sell itself",
        team="product",
        contributes_to_key_result=FREE_TRIAL_KR,
        key_results=(
            KeyResultSpec(
                "Raise trial activation from 30% to 50%", "ravi", "30", "50", PERCENT,
                step="0.1", spread="0.04",
                notes=("Guided setup checklist is live for half of new trials.",),
                initiatives=(
                    InitiativeSpec("Guided setup checklist", "ravi", IN_PROGRESS, "0.5"),
                    InitiativeSpec("Usage-based upgrade nudges", "ravi", NOT_STARTED, "0.85"),
                ),
            ),
            KeyResultSpec("Cut time to first value from 3 days to 1 day", "priya", "3", "1",
                          step="0.1", spread="-0.04"),
            KeyResultSpec("Ship the in-app upgrade prompt", "priya",
                          notes=("Designs approved.", "In beta with ten trial accounts.")),
        ),
    ),
    ObjectiveSpec(
        "Welcome every trial like a client",
        team="customer-success",
        kind=Objective.Kind.COMMITTED,
        pace=Pace.AT_RISK,
        contributes_to_key_result=FREE_TRIAL_KR,
        key_results=(
            KeyResultSpec(
                "Call 90% of new trials within one working day", "daniel", "40", "90",
                PERCENT, step="1",
                notes=("Missed calls pile up on Mondays.", "Still one person short."),
                initiatives=(
                    InitiativeSpec("Write the trial welcome call script", "daniel", DONE, "0.15"),
                    InitiativeSpec("Hire a second onboarding specialist", "chloe", BLOCKED,
                                   "0.4"),
                ),
            ),
            KeyResultSpec("Run 12 onboarding webinars", "daniel", "0", "12", step="1",
                          cumulative=True),
        ),
    ),
    ObjectiveSpec(
        "Fill the trial funnel with the right prospects",
        team="marketing",
        contributes_to_key_result=FREE_TRIAL_KR,
        key_results=(
            KeyResultSpec(
                "Grow qualified trial sign-ups from 120 to 200 a month", "aisha", "120", "200",
                step="1", spread="0.03",
                initiatives=(
                    InitiativeSpec("Paid search campaign for managed IT", "aisha", IN_PROGRESS,
                                   "0.6"),
                ),
            ),
            KeyResultSpec("Publish 6 client case studies", "aisha", "0", "6", step="1",
                          cumulative=True, notes=("Case study with Lakeside Dental is out.",)),
        ),
    ),
    ObjectiveSpec(
        "Close trials with a human touch",
        team="sales",
        pace=Pace.OFF_TRACK,
        contributes_to_key_result=FREE_TRIAL_KR,
        key_results=(
            KeyResultSpec(
                "Book demos with 60% of trials from target accounts", "james", "15", "60",
                PERCENT, step="1",
                notes=("Trials reach us too late to book a demo.",
                       "Pipeline review moved to Mondays."),
                initiatives=(
                    InitiativeSpec("Trial hand-off playbook with Customer Success", "james",
                                   NOT_STARTED, "0.3"),
                ),
            ),
            KeyResultSpec("Convert 25 trials into paid contracts", "tom", "0", "25", step="1",
                          cumulative=True),
        ),
    ),
    ObjectiveSpec(
        MIDWEST_OBJECTIVE,
        team="sales-marketing",
        contributes_to=SEED_OBJECTIVE,
        key_results=(
            KeyResultSpec(
                "Sign 5 tier one accounts out of the top 20 identified in midwest territory",
                "tom", "0", "5", step="1", cumulative=True,
                initiatives=(
                    InitiativeSpec("Build the top-20 target account list", "james", DONE, "0.1"),
                    InitiativeSpec("Executive briefing for the top-20 accounts", "tom",
                                   IN_PROGRESS, "0.7"),
                ),
            ),
            KeyResultSpec(
                "Launch virtual midwest road show tour in three cities", "aisha", "0", "3",
                step="1", cumulative=True,
                notes=("Chicago session done: 140 attendees.", "Columbus date confirmed."),
                initiatives=(
                    InitiativeSpec("Produce the road show webinar kit", "aisha", DONE, "0.25"),
                ),
            ),
            KeyResultSpec("Be featured in three midwest media outlets", "aisha", "0", "3",
                          step="1", cumulative=True),
        ),
    ),
    ObjectiveSpec(
        "Answer every client fast and right the first time",
        team="support",
        kind=Objective.Kind.COMMITTED,
        contributes_to_key_result=SEED_RESPONSE_KR,
        key_results=(
            KeyResultSpec("Raise first-contact resolution from 55% to 70%", "hannah", "55",
                          "70", PERCENT, step="0.1"),
            KeyResultSpec("Publish 40 self-service help articles", "hannah", "0", "40",
                          step="1", cumulative=True,
                          notes=("Password-reset guides are the most read.",)),
        ),
    ),
    ObjectiveSpec(
        "Get paid faster",
        team="finance",
        kind=Objective.Kind.COMMITTED,
        key_results=(
            KeyResultSpec("Reduce days sales outstanding from 52 to 40", "oliver", "52", "40",
                          step="1"),
            KeyResultSpec("Move 80% of clients to direct debit", "oliver", "35", "80",
                          PERCENT, step="1"),
        ),
    ),
    ObjectiveSpec(
        "Close the month in five working days",
        team="finance",
        kind=Objective.Kind.COMMITTED,
        pace=Pace.NOT_STARTED,
        key_results=(
            KeyResultSpec(
                "Cut the month-end close from 9 to 5 working days", "oliver", "9", "5",
                initiatives=(
                    InitiativeSpec("Choose a bank reconciliation tool", "oliver", NOT_STARTED,
                                   "0.5"),
                ),
            ),
            KeyResultSpec("Automate bank reconciliation", "oliver"),
        ),
    ),
    ObjectiveSpec(
        "Become the team's Microsoft 365 expert",
        person="daniel",
        contributes_to="Welcome every trial like a client",
        key_results=(
            KeyResultSpec("Pass the MS-102 Microsoft 365 Administrator exam", "daniel",
                          notes=("Booked the exam.",)),
            KeyResultSpec("Complete 20 hours of hands-on labs", "daniel", "0", "20",
                          step="0.5", cumulative=True),
        ),
    ),
)  # fmt: skip

PREVIOUS_OBJECTIVES = (
    ObjectiveSpec(
        "Get the Northwind 360 free trial out of the door",
        team=COMPANY,
        key_results=(
            KeyResultSpec("Launch the Northwind 360 free trial", "priya", reached="1"),
            KeyResultSpec("Sign up 300 trial accounts", "aisha", "0", "300", step="1",
                          cumulative=True, reached="240"),
        ),
    ),
    ObjectiveSpec(
        "Win back lapsed clients",
        team="sales",
        key_results=(
            KeyResultSpec("Re-sign 15 lapsed clients", "james", "0", "15", step="1",
                          cumulative=True, reached="6"),
        ),
    ),
    ObjectiveSpec(
        "Tame the ticket backlog",
        team="support",
        kind=Objective.Kind.COMMITTED,
        key_results=(
            KeyResultSpec("Cut open tickets from 400 to 150", "hannah", "400", "150",
                          step="1", reached="150"),
        ),
    ),
    ObjectiveSpec(
        "Relaunch the Northwind brand",
        team="marketing",
        contributes_to="Get the Northwind 360 free trial out of the door",
        key_results=(
            KeyResultSpec("Ship the new website", "aisha", reached="1"),
            KeyResultSpec("Grow newsletter subscribers from 1,200 to 3,000", "aisha", "1200",
                          "3000", step="1", reached="1650"),
        ),
    ),
    ObjectiveSpec(
        "Stabilise the client portal",
        team="product",
        kind=Objective.Kind.COMMITTED,
        key_results=(
            KeyResultSpec("Cut portal error rate from 2.5% to 0.5%", "ravi", "2.5", "0.5",
                          PERCENT, step="0.1", reached="1.9"),
            KeyResultSpec("Bring page load (p95) from 4.0 to 2.0 seconds", "priya", "4.0", "2.0",
                          step="0.1", reached="3.4"),
        ),
    ),
    ObjectiveSpec(
        "Move every client to monthly billing",
        team="finance",
        kind=Objective.Kind.COMMITTED,
        key_results=(
            KeyResultSpec("Migrate clients to monthly invoices from 20% to 100%", "oliver",
                          "20", "100", PERCENT, step="1", reached="100"),
        ),
    ),
    ObjectiveSpec(
        "Make Northwind a place people want to work",
        team="people",
        key_results=(
            KeyResultSpec("Raise employee NPS from 10 to 30", "chloe", "10", "30", step="1",
                          reached="22"),
            KeyResultSpec("Hold a career conversation with each of our 40 people", "chloe",
                          "0", "40", step="1", cumulative=True, reached="40"),
        ),
    ),
)  # fmt: skip

# Scores an owner changed after the close, with the reason they gave.
SCORE_ADJUSTMENTS = {
    "Tame the ticket backlog": (
        Decimal("0.8"),
        "The backlog fell partly because a large client left in August; "
        "process changes closed about 80% of the gap.",
    ),
    "Win back lapsed clients": (
        Decimal("0.5"),
        "Two more lapsed clients signed in the first week of the next quarter, "
        "on terms agreed in this one.",
    ),
}

NOTES = {
    Pace.ON_TRACK: (
        "Steady week, moving as planned.",
        "Ahead of plan after a strong week.",
        "No blockers.",
        "Good momentum; keeping the rhythm.",
    ),
    Pace.AT_RISK: (
        "Slower than hoped; needs a push next week.",
        "Behind plan, but the fix is in motion.",
        "Capacity is tight; we have asked for help.",
        "Recovering, but behind the plan.",
    ),
    Pace.OFF_TRACK: (
        "Stalled: no time for this alongside the day job.",
        "Not moving; raising it at the leadership meeting.",
        "Rethinking the approach.",
    ),
}
FINAL_CONFIDENCE = {Pace.ON_TRACK: 8, Pace.AT_RISK: 5, Pace.OFF_TRACK: 3}

# -- deleting an organisation -----------------------------------------------------------


def _organization_models() -> list[type[models.Model]]:
    """Every model whose rows belong to an organisation (a foreign key to it)."""
    return [
        model
        for model in apps.get_models()
        if model is not Organization
        and any(
            f.many_to_one and f.related_model is Organization for f in model._meta.concrete_fields
        )
    ]


def _scoped(model: type[models.Model], organization: Organization) -> models.QuerySet[models.Model]:
    # The base manager: custom query sets refuse bulk updates (check-ins, audit).
    org_fields = [
        f.name
        for f in model._meta.concrete_fields
        if f.many_to_one and f.related_model is Organization
    ]
    query = Q()
    for name in org_fields:
        query |= Q(**{name: organization})
    return model._base_manager.filter(query)


def organization_purge(*, organization: Organization) -> None:
    """Delete an organisation and every row that belongs to it.

    ``on_delete=PROTECT`` guards objectives' cycles and owners, team and cycle
    trees and KPI-backed key results, so a plain ``organization.delete()`` is
    refused. Trees are first cut loose (a parent inside the same organisation),
    then each kind of row is deleted once nothing left protects it. A row of
    another organisation that points into this one stops the purge with
    ``ProtectedError``: another organisation is never changed.
    """
    owned = _organization_models()
    with transaction.atomic():
        for model in owned:
            for f in model._meta.concrete_fields:
                if f.many_to_one and f.related_model is model and f.null:
                    _scoped(model, organization).update(**{f.name: None})
        pending = list(owned)
        while pending:
            blocked: list[type[models.Model]] = []
            last_error: ProtectedError | None = None
            for model in pending:
                try:
                    with transaction.atomic():
                        _scoped(model, organization).delete()
                except ProtectedError as exc:
                    blocked.append(model)
                    last_error = exc
            if len(blocked) == len(pending):
                assert last_error is not None
                raise last_error
            pending = blocked
        organization.delete()


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
            organization_purge(organization=organization)
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
        builder.objectives_in(previous, PREVIOUS_OBJECTIVES, live=False)
        builder.close(previous)
        builder.objectives_in(year, YEAR_OBJECTIVES, live=True)
        builder.objectives_in(quarter, CURRENT_OBJECTIVES, live=True)
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
        },
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
