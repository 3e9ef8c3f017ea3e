"""Northwind IT, the demo organisation, as data: its people and teams, its OKRs of the
previous quarter, this quarter and this year, its KPIs with their history, and the
stories they tell (:mod:`tandem.demo` describes them; :mod:`tandem.demo.builder`
writes them through the services)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from tandem.accounts.models import Role, Team
from tandem.audit.models import Source
from tandem.kpis.models import (
    Aggregation,
    Direction,
    Frequency,
    ObjectiveKPI,
)
from tandem.kpis.models import Source as Feed
from tandem.kpis.models import Unit as KPIUnit
from tandem.okrs.models import Initiative, KeyResult, Objective

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
