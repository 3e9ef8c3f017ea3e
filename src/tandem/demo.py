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
  Marketing and Sales align to, and "Expand employees by 45%";
* the KPIs the seeds name (MRR, ARR, total contract value, churn, retention, NPS,
  client satisfaction, response, resolution and report turnaround times, time to
  onboard an employee, contracts submitted on time), each with a year of weekly or
  monthly values up to the last completed period, targets (some changed during the
  year), green, yellow, red and stale ones, and one corrected value;
* OKRs and KPIs in tandem: the recurring-revenue and response-time key results read
  MRR and the weekly response time; client satisfaction and ticket resolution time
  guard the growth objective; Finance's "contracts submitted on time" fell behind,
  was promoted to an OKR of the previous quarter, recovered and was demoted; report
  turnaround time has been red for weeks and waits to be promoted; and one
  watermelon: "Turn more free trials into paying clients" is behind while the KPIs
  linked to it (MRR, retention) are green.

Progress in a live cycle is planned against the pace at ``now`` (the elapsed
share of the cycle), so the statuses hold whatever day the demo is loaded. In a
quarter's first three weeks nothing can be off track yet (the pace itself is
below the off-track gap), and in its first nine days nothing can be at risk, so
there is no watermelon yet; in its first four weeks the contracts KPI has not
been green for four whole weeks since the previous quarter, so it stays promoted
and the health page suggests the demotion once it is due. The demo then honestly
shows an early quarter. A KPI's colour today is fixed by its latest values, not by
the date.

Measurements are recorded through the service, so each has its audit record and a
correction keeps the old value as a revision. The service stamps a value with the
moment it is called; since a year of history is written at once, each value is
then dated to the working day after its period ended, and a promotion and its
demotion to the days they happened, with plain updates.

Reloading deletes the previous demo organisation and the people who belong to
it alone, in the same transaction as the rebuild; other organisations are never
touched.
"""

from __future__ import annotations

import random
import time as clock
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import ROUND_FLOOR, ROUND_HALF_UP, Decimal
from enum import Enum

from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from tandem.accounts import services as accounts
from tandem.accounts.models import Membership, Organization, Role, Team, User
from tandem.audit.models import Source
from tandem.domain import periods as pm
from tandem.domain.progress import clamp
from tandem.kpis import services as kpis
from tandem.kpis.models import (
    KPI,
    Aggregation,
    Direction,
    Frequency,
    Measurement,
    ObjectiveKPI,
    Promotion,
)
from tandem.kpis.models import Source as Feed
from tandem.kpis.models import Unit as KPIUnit
from tandem.kpis.selectors import calendar
from tandem.okrs import services as okrs
from tandem.okrs.models import CheckIn, Cycle, Initiative, KeyResult, Objective
from tandem.reports.demo import demo_plan

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
    # The key of the KPI this key result reads its value from (no manual check-ins then).
    kpi: str = ""

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
                spread="0.05", kpi="mrr",
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
                kpi="response-time",
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

# -- the KPIs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class KPISpec:
    """A KPI the seeds name, and a year of its history up to the last completed period.

    The values run from ``start`` a year ago to ``end``, give or take ``noise``;
    ``recent`` fixes the last completed periods (the newest last), so that the KPI's
    colour today, and whether it is a promotion candidate, do not depend on the day
    the demo is loaded. A KPI behind a key result in a live cycle takes its values in
    that cycle from the key result's plan instead, and reaches ``end`` (the key
    result's baseline) just before the cycle starts.
    """

    key: str
    name: str
    description: str
    frequency: str
    unit: str
    direction: str
    aggregation: str
    target: str
    tags: tuple[str, ...]
    team: str | None = None
    person: str | None = None
    start: str = "0"
    end: str = "0"
    noise: str = "0"
    step: str = "1"
    recent: tuple[str, ...] = ()
    # Targets set later, in force from the start of a quarter of this year (1-4).
    later_targets: tuple[tuple[int, str], ...] = ()
    feed: str = Feed.MANUAL
    # No values for this many of the latest completed periods: the KPI went stale.
    silent_for: int = 0
    # The latest value was first typed as this, then corrected (a revision on its page).
    mistyped: str = ""
    # Each value is ``times`` the value of the KPI ``derived_from`` (ARR from MRR).
    derived_from: str = ""
    times: int = 1
    last_note: str = ""


GROWTH = "Growth"
PROFITABILITY = "Profitability"
SATISFACTION = "Customer satisfaction"
OPERATIONS = "Operations"
PEOPLE_TAG = "People"
WEEKLY = Frequency.WEEKLY
MONTHLY = Frequency.MONTHLY
HIGHER = Direction.HIGHER_IS_BETTER
LOWER = Direction.LOWER_IS_BETTER

CONTRACTS_KPI = "contracts-on-time"
PROMOTE_KPI = "report-turnaround"
STALE_KPI = "ticket-resolution"
CORRECTED_KPI = "client-satisfaction"
WATERMELON_OBJECTIVE = "Turn more free trials into paying clients"

KPIS = (
    KPISpec(
        "mrr", "Monthly recurring revenue (MRR)",
        "Managed services and Northwind 360 subscriptions billed in the month, from the "
        "billing system's export.",
        MONTHLY, KPIUnit.CURRENCY, HIGHER, Aggregation.LAST, "360000", (GROWTH, PROFITABILITY),
        team="finance", start="338000", end="400000", noise="3000", step="1000",
        later_targets=((1, "400000"),), feed=Feed.IMPORT,
    ),
    KPISpec(
        "arr", "Annual recurring revenue (ARR)",
        "Twelve times the month's recurring revenue: what a year of today's contracts brings.",
        MONTHLY, KPIUnit.CURRENCY, HIGHER, Aggregation.LAST, "4320000", (GROWTH,),
        person="oliver", derived_from="mrr", times=12, later_targets=((1, "4800000"),),
        feed=Feed.IMPORT,
    ),
    KPISpec(
        "tcv", "Total contract value (TCV)",
        "The whole value of the contracts signed in the month, over their full term.",
        MONTHLY, KPIUnit.CURRENCY, HIGHER, Aggregation.SUM, "250000", (GROWTH,),
        team="sales", start="205000", end="262000", noise="40000", step="1000",
        recent=("241000", "286000"),
    ),
    KPISpec(
        "churn-rate", "Churn rate",
        "Share of the clients at the start of the month who left during it.",
        MONTHLY, KPIUnit.PERCENT, LOWER, Aggregation.AVERAGE, "0.5", (GROWTH, SATISFACTION),
        person="daniel", start="0.82", end="0.56", noise="0.08", step="0.01",
        recent=("0.48", "0.53", "0.61"), last_note="Two clients left after the office move.",
    ),
    KPISpec(
        "customer-retention", "Customer retention rate",
        "Share of the clients we had twelve months ago who are still with us.",
        MONTHLY, KPIUnit.PERCENT, HIGHER, Aggregation.LAST, "92", (SATISFACTION, GROWTH),
        team="customer-success", start="90.4", end="94.2", noise="0.6", step="0.1",
        recent=("93.8", "94.6"),
    ),
    KPISpec(
        "nps", "Net Promoter Score (NPS)",
        "Promoters minus detractors in the month's client survey, from -100 to 100.",
        MONTHLY, KPIUnit.NUMBER, HIGHER, Aggregation.AVERAGE, "50", (SATISFACTION,),
        team="customer-success", start="37", end="46", noise="2", recent=("47", "46"),
    ),
    KPISpec(
        CORRECTED_KPI, "Client satisfaction",
        "Share of the week's support tickets the client rated satisfied or better.",
        WEEKLY, KPIUnit.PERCENT, HIGHER, Aggregation.AVERAGE, "90", (SATISFACTION, OPERATIONS),
        team="support", start="88", end="93", noise="1.5", step="0.1",
        recent=("92.4", "93.1", "91.8"), mistyped="81.8",
    ),
    KPISpec(
        "response-time", "Average weekly response time (hours)",
        "Working hours from a client's inquiry to our first reply, averaged over the week. "
        "The target tightens each quarter on the way to four hours.",
        WEEKLY, KPIUnit.NUMBER, LOWER, Aggregation.AVERAGE, "8", (OPERATIONS, SATISFACTION),
        team="support", start="9.6", end="8", noise="0.3", step="0.1",
        later_targets=((2, "7"), (3, "6"), (4, "5")),
    ),
    KPISpec(
        STALE_KPI, "Ticket resolution time (hours)",
        "Working hours from a ticket's opening to its resolution, averaged over the week.",
        WEEKLY, KPIUnit.NUMBER, LOWER, Aggregation.AVERAGE, "24", (OPERATIONS, SATISFACTION),
        team="support", start="29", end="22.5", noise="1.5", step="0.5", silent_for=3,
        recent=("23", "22", "21.5"),
        last_note="Last export before the helpdesk upgrade; the new export is not set up yet.",
    ),
    KPISpec(
        PROMOTE_KPI, "Report turnaround time (days)",
        "Working days from a month's end to each client's IT health report in their inbox, "
        "averaged over the reports sent in the week.",
        WEEKLY, KPIUnit.NUMBER, LOWER, Aggregation.AVERAGE, "2", (OPERATIONS,),
        team="customer-success", start="1.8", end="2", noise="0.2", step="0.1",
        recent=("2.1", "2.9", "3.4", "3.8", "3.6"),
        last_note="Two report templates broke with the portal update; fixing them by hand.",
    ),
    KPISpec(
        CONTRACTS_KPI, "Contracts submitted on time",
        "Share of the week's signed client contracts that Finance submitted for "
        "countersignature and billing within two working days.",
        WEEKLY, KPIUnit.PERCENT, HIGHER, Aggregation.AVERAGE, "95", (OPERATIONS, PROFITABILITY),
        team="finance", step="0.1",
    ),
    KPISpec(
        "time-to-onboard", "Time to onboard an employee (days)",
        "Working days from a new hire's first day to full access, equipment and training.",
        MONTHLY, KPIUnit.NUMBER, LOWER, Aggregation.AVERAGE, "10", (PEOPLE_TAG,),
        team="people", start="14", end="11.5", noise="0.8", step="0.5",
        recent=("12.5", "10.5", "11"),
    ),
)  # fmt: skip
KPI_SPECS = {spec.key: spec for spec in KPIS}

# How the KPIs and the objectives inform each other: (objective, KPI, role).
GUARDRAIL = ObjectiveKPI.Role.GUARDRAIL
INDICATOR = ObjectiveKPI.Role.INDICATOR
KPI_LINKS = (
    # "Don't sacrifice quality while chasing growth."
    (SEED_OBJECTIVE, CORRECTED_KPI, GUARDRAIL),
    (SEED_OBJECTIVE, STALE_KPI, GUARDRAIL),
    ("Answer every client fast and right the first time", CORRECTED_KPI, GUARDRAIL),
    # The watermelon: revenue and retention are green because existing clients stay and
    # buy more, while the trials this objective is about do not convert.
    (WATERMELON_OBJECTIVE, "mrr", INDICATOR),
    (WATERMELON_OBJECTIVE, "customer-retention", INDICATOR),
    ("Welcome every trial like a client", "nps", INDICATOR),
    ("Get paid faster", CONTRACTS_KPI, INDICATOR),
    ("Build the team our growth needs", "time-to-onboard", INDICATOR),
)

# "Contracts submitted on time", week by week from the week the previous quarter starts
# in (0): it slips before the quarter, is red for weeks, is promoted to an OKR in week
# 3, and recovers; green weeks before and after.
CONTRACTS_SLIP = {
    -2: "89", -1: "84.5", 0: "80.2", 1: "76.9", 2: "78.4",
    3: "83", 4: "87.5", 5: "90.6", 6: "93.4",
}  # fmt: skip
CONTRACTS_BEFORE = ("96.4", "95.1", "97.3", "93.9", "96.0", "98.2", "95.4", "97.0")
CONTRACTS_GREEN = ("95.6", "96.2", "97.1", "95.2", "98.0", "96.8", "97.4", "95.9")
CONTRACTS_NOTES = {
    -1: "Month-end rush: contracts waited for the finance inbox.",
    1: "Two contracts sat unsigned over the long weekend.",
    3: "Daily contract check-in started.",
    6: "E-signature for countersigning is live.",
}
PROMOTED_IN_WEEK = 3
CONTRACTS_REASON = (
    "Red four weeks in a row: late contracts delay the first invoice and annoy new clients. "
    "One quarter of focus to fix the process."
)
CONTRACTS_DEMOTION = (
    "Green every week since the quarter closed: back to the weekly scorecard, where we "
    "keep an eye on it."
)


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
