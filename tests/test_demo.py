"""The demo organisation: the seeds' own examples, live statuses, history, and safe reloads."""

from __future__ import annotations

import datetime as dt
import io
import itertools
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.db.models import F, ProtectedError

from tandem.accounts import services as accounts
from tandem.accounts.models import Membership, Organization, Role, Team, TeamMembership, User
from tandem.audit.models import AuditEvent
from tandem.demo import builder as demo_builder
from tandem.demo import data as demo_data
from tandem.domain.health import Health
from tandem.domain.kpi_rules import WatermelonKind
from tandem.domain.periods import Frequency, period_end
from tandem.domain.progress import Direction
from tandem.domain.scoring import Band
from tandem.domain.status import Status
from tandem.insights.selectors import company_health, objective_signals, promotion_draft
from tandem.kpis.models import (
    KPI,
    KPITag,
    Measurement,
    MeasurementRevision,
    ObjectiveKPI,
    Promotion,
)
from tandem.kpis.selectors import calendar, kpi_detail, load_histories, scorecard
from tandem.okrs import services as okrs
from tandem.okrs.models import (
    Alignment,
    CheckIn,
    Cycle,
    Initiative,
    KeyResult,
    Objective,
)

CHICAGO = ZoneInfo("America/Chicago")
# Seven and a half weeks into the fourth quarter of 2026, on a Wednesday afternoon.
NOW = dt.datetime(2026, 11, 18, 16, 30, tzinfo=CHICAGO)


def kr(org: Organization, title: str) -> KeyResult:
    return KeyResult.objects.select_related("objective__cycle", "organization").get(
        organization=org, title=title
    )


def objective(org: Organization, title: str) -> Objective:
    return Objective.objects.select_related("cycle", "organization").get(
        organization=org, title=title
    )


def live_statuses(org: Organization, now: dt.datetime) -> dict[str, Status]:
    quarter = Cycle.objects.get(organization=org, kind=Cycle.Kind.QUARTER, state="active")
    expected = quarter.expected_progress(now)
    return {
        o.title: o.status(expected=expected)
        for o in Objective.objects.filter(cycle=quarter).select_related("organization")
    }


@pytest.fixture(scope="class")
def loaded(django_db_setup, django_db_blocker):
    """One demo, built once for the read-only tests of a class and rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        summary = demo_builder.demo_load(now=NOW)
        yield summary
        transaction.set_rollback(True)


@pytest.fixture
def org(loaded, db) -> Organization:
    return loaded.organization


class TestTheLoadedDemo:
    """Read-only checks of one demo loaded at NOW."""

    # -- people and teams

    def test_demo_has_people_in_every_role_with_northwind_addresses(self, org):
        memberships = Membership.objects.filter(organization=org).select_related("user")
        assert 8 <= memberships.count() <= 12
        assert {m.role for m in memberships} == set(Role.values)
        assert all(m.user.email.endswith("@northwind.example") for m in memberships)
        owner = memberships.get(role=Role.OWNER)
        assert owner.user.email == demo_data.DEMO_OWNER_EMAIL
        assert owner.title == "Chief Executive Officer"
        assert org.name == "Northwind IT"
        assert org.timezone == "America/Chicago"

    def test_demo_teams_form_a_tree_from_the_company_through_departments_with_leads(self, org):
        teams = {t.slug: t for t in Team.objects.filter(organization=org)}
        company = teams["northwind-it"]
        assert company.kind == Team.Kind.COMPANY
        assert company.parent is None
        departments = [t for t in teams.values() if t.kind == Team.Kind.DEPARTMENT]
        assert len(departments) >= 4
        assert all(d.parent_id == company.pk for d in departments)
        for name in ("Product", "Customer Success", "Marketing", "Sales", "Finance", "Support"):
            team = Team.objects.get(organization=org, name=name)
            assert team.kind == Team.Kind.TEAM
            assert team.parent is not None
            assert team.parent.kind == Team.Kind.DEPARTMENT
        for team in teams.values():
            assert TeamMembership.objects.filter(team=team, is_lead=True).exists(), team

    def test_every_demo_person_logs_in_with_the_demo_password(self, loaded, org):
        members = User.objects.filter(memberships__organization=org)
        assert all(u.check_password(demo_data.DEMO_PASSWORD) for u in members)
        roles = [
            Membership.objects.get(organization=org, user__email=p.email).role
            for p in loaded.logins
        ]
        assert roles == Role.values

    # -- the seeds' examples

    def test_seed_objective_has_the_revenue_and_response_time_key_results(self, org):
        go_to = objective(org, "Become the go-to IT service provider in our region")
        assert go_to.owner_team is not None
        assert go_to.owner_team.kind == Team.Kind.COMPANY
        revenue = kr(org, "Increase recurring revenue by 25%")
        assert revenue.objective_id == go_to.pk
        assert (revenue.baseline, revenue.target) == (Decimal(400_000), Decimal(500_000))
        assert revenue.unit == KeyResult.Unit.CURRENCY
        assert revenue.currency == "USD"
        response = kr(org, "Reduce average response time to client inquiries by 50%")
        assert response.objective_id == go_to.pk
        assert (response.baseline, response.target) == (Decimal(8), Decimal(4))
        assert response.direction is Direction.DECREASE
        assert response.current is not None
        assert response.baseline is not None
        assert response.current < response.baseline

    def test_midwest_objective_has_the_three_seed_key_results(self, org):
        midwest = objective(org, "Increase Brand Awareness in the Midwest")
        expected = {
            "Sign 5 tier one accounts out of the top 20 identified in midwest territory": 5,
            "Launch virtual midwest road show tour in three cities": 3,
            "Be featured in three midwest media outlets": 3,
        }
        found = {k.title: k for k in midwest.key_results.all()}
        assert set(found) == set(expected)
        for title, target in expected.items():
            assert (found[title].baseline, found[title].target) == (Decimal(0), Decimal(target))

    def test_product_customer_success_marketing_and_sales_align_to_the_free_trial_key_result(
        self, org
    ):
        free_trial = kr(org, "Improve free-trial to paid sign-ups from 4% to 8%")
        assert (free_trial.baseline, free_trial.target) == (Decimal(4), Decimal(8))
        assert free_trial.unit == KeyResult.Unit.PERCENT
        assert free_trial.objective.owner_team == Team.objects.get(organization=org, parent=None)
        aligned = Alignment.objects.filter(parent_key_result=free_trial).select_related(
            "objective__owner_team"
        )
        teams = {str(a.objective.owner_team) for a in aligned}
        assert teams == {"Product", "Customer Success", "Marketing", "Sales"}
        for alignment in aligned:
            assert alignment.objective.cycle_id == free_trial.objective.cycle_id
            assert alignment.objective.key_results.count() >= 2

    def test_people_team_owns_expand_employees_by_45_percent(self, org):
        headcount = kr(org, "Expand employees by 45%")
        assert str(headcount.objective.owner_team) == "People"
        assert headcount.baseline is not None
        assert headcount.target == headcount.baseline * Decimal("1.45")

    def test_demo_has_committed_and_aspirational_objectives_and_an_individual_one(self, org):
        kinds = set(Objective.objects.filter(organization=org).values_list("kind", flat=True))
        assert kinds == {Objective.Kind.COMMITTED, Objective.Kind.ASPIRATIONAL}
        personal = Objective.objects.filter(organization=org, owner_user__isnull=False)
        assert personal.count() >= 1
        assert all(o.cycle.state == Cycle.State.ACTIVE for o in personal)

    def test_initiatives_with_due_dates_and_several_statuses_hang_off_key_results(self, org):
        initiatives = Initiative.objects.filter(organization=org)
        assert initiatives.count() >= 5
        assert initiatives.filter(key_result__isnull=True).count() == 0
        assert initiatives.filter(due_date__isnull=True).count() == 0
        statuses = set(initiatives.values_list("status", flat=True))
        assert {Initiative.Status.DONE, Initiative.Status.IN_PROGRESS} <= statuses
        assert Initiative.Status.BLOCKED in statuses

    def test_key_results_of_several_kinds_and_units_are_present(self, org):
        krs = KeyResult.objects.filter(organization=org)
        assert krs.filter(kind=KeyResult.Kind.MILESTONE).exists()
        assert {KeyResult.Unit.NUMBER, KeyResult.Unit.PERCENT, KeyResult.Unit.CURRENCY} <= set(
            krs.values_list("unit", flat=True)
        )

    # -- cycles, check-ins and scores

    def test_cycles_are_this_year_this_quarter_and_the_closed_quarter_before(self, org):
        cycles = {c.name: c for c in Cycle.objects.filter(organization=org)}
        assert set(cycles) == {"2026", "Q4 2026", "Q3 2026"}
        assert cycles["2026"].kind == Cycle.Kind.YEAR
        assert cycles["Q4 2026"].state == Cycle.State.ACTIVE
        assert cycles["Q4 2026"].parent_id == cycles["2026"].pk
        assert (cycles["Q4 2026"].start_date, cycles["Q4 2026"].end_date) == (
            dt.date(2026, 10, 1),
            dt.date(2026, 12, 31),
        )
        assert cycles["Q3 2026"].state == Cycle.State.CLOSED
        assert cycles["Q3 2026"].parent_id == cycles["2026"].pk

    def test_closed_quarter_has_check_ins_and_final_scores_in_every_band(self, org):
        closed = Cycle.objects.get(organization=org, state=Cycle.State.CLOSED)
        objectives = list(Objective.objects.filter(cycle=closed).select_related("organization"))
        assert len(objectives) >= 5
        assert all(o.state == Objective.State.CLOSED for o in objectives)
        assert all(o.computed_score is not None and o.score is not None for o in objectives)
        assert {o.band for o in objectives} == {Band.RED, Band.YELLOW, Band.GREEN}
        for o in objectives:
            # A KPI-backed key result (the promoted contracts KPI's) takes no check-ins.
            for key_result in o.key_results.filter(kpi__isnull=True):
                checkins = list(key_result.checkins.all())
                assert len(checkins) >= 10, key_result
                assert all(
                    closed.contains(c.created_at.astimezone(CHICAGO).date()) for c in checkins
                )

    def test_an_owner_adjusted_two_closed_scores_with_a_reason(self, org):
        adjusted = Objective.objects.filter(organization=org, state=Objective.State.CLOSED).exclude(
            score=F("computed_score")
        )
        assert adjusted.count() == 2
        owner = User.objects.get(email=demo_data.DEMO_OWNER_EMAIL)
        for o in adjusted:
            assert o.score_reason
            event = AuditEvent.objects.filter(
                organization=org, action="objective.score", target_id=o.pk, actor=owner
            ).latest("id")
            assert event.after == {"score": str(o.score), "score_reason": o.score_reason}

    def test_current_quarter_has_roughly_weekly_check_ins_up_to_now_with_notes(self, org):
        quarter = Cycle.objects.get(organization=org, name="Q4 2026")
        checkins = CheckIn.objects.filter(key_result__objective__cycle=quarter)
        assert checkins.count() >= 100
        assert not checkins.filter(created_at__gt=NOW).exists()
        assert not checkins.filter(created_at__lt=dt.datetime(2026, 10, 1, tzinfo=CHICAGO)).exists()
        assert checkins.exclude(note="").count() >= checkins.count() // 3
        assert len(set(checkins.values_list("confidence", flat=True))) >= 4
        on_track = kr(org, "Raise first-contact resolution from 55% to 70%")
        days = [c.created_at.astimezone(CHICAGO).date() for c in on_track.checkins.all()]
        assert len(days) >= 6
        assert all((b - a).days == 7 for a, b in itertools.pairwise(days))
        assert NOW.date() - days[-1] < dt.timedelta(days=7)

    def test_current_quarter_has_an_objective_of_each_live_status(self, org):
        statuses = live_statuses(org, NOW)
        assert set(statuses.values()) == set(Status)
        assert statuses["Close the month in five working days"] is Status.NOT_STARTED
        assert statuses["Close trials with a human touch"] is Status.OFF_TRACK
        assert statuses["Welcome every trial like a client"] is Status.AT_RISK
        assert statuses["Make the free trial sell itself"] is Status.ON_TRACK

    def test_key_results_store_the_latest_check_in_as_their_current_value(self, org):
        manual = KeyResult.objects.filter(
            organization=org, kind=KeyResult.Kind.METRIC, kpi__isnull=True
        )
        for key_result in manual:
            latest = key_result.checkins.order_by("created_at", "id").last()
            if latest is None:
                assert key_result.current is None
            else:
                assert key_result.current == latest.value
                assert key_result.last_checkin_at == latest.created_at

    def test_everything_in_the_demo_is_in_the_audit_history(self, org):
        events = AuditEvent.objects.filter(organization=org)
        assert (
            events.filter(action="checkin.create").count()
            == CheckIn.objects.filter(organization=org).count()
        )
        assert (
            events.filter(action="objective.create").count()
            == Objective.objects.filter(organization=org).count()
        )
        assert events.filter(action="cycle.close").count() == 1
        # A measurement's audit record names the feed it came by (typed in, or a file).
        made = events.exclude(action__startswith="measurement.")
        assert set(made.values_list("source", flat=True)) == {"system"}
        measured = events.filter(action__startswith="measurement.")
        assert set(measured.values_list("source", flat=True)) == {"web", "import"}

    def test_demo_summary_counts_what_was_built(self, loaded, org):
        assert loaded.counts["people"] == Membership.objects.filter(organization=org).count()
        assert loaded.counts["check-ins"] == CheckIn.objects.filter(organization=org).count()
        assert loaded.counts["objectives"] >= 15
        assert loaded.owner.email == demo_data.DEMO_OWNER_EMAIL


# -- other days of the year -------------------------------------------------------------


@pytest.mark.parametrize(
    "now",
    [
        dt.datetime(2027, 2, 5, 9, 0, tzinfo=CHICAGO),  # five weeks into a quarter
        dt.datetime(2027, 9, 27, 18, 0, tzinfo=CHICAGO),  # the quarter's last week
    ],
)
def test_every_live_status_appears_once_the_quarter_is_five_weeks_old(db, now):
    summary = demo_builder.demo_load(now=now)
    statuses = live_statuses(summary.organization, now)
    assert set(statuses.values()) == set(Status)


def test_demo_loaded_on_new_years_eve_in_chicago_is_in_the_old_year(db):
    # Already 1 January in UTC, still 31 December in Chicago.
    now = dt.datetime(2027, 1, 1, 3, 0, tzinfo=dt.UTC)
    org = demo_builder.demo_load(now=now).organization
    names = set(Cycle.objects.filter(organization=org).values_list("name", flat=True))
    assert names == {"2026", "Q4 2026", "Q3 2026"}
    assert not CheckIn.objects.filter(organization=org, created_at__gt=now).exists()


def test_demo_loaded_on_a_quarters_first_day_has_a_quiet_quarter_and_an_older_closed_one(db):
    now = dt.datetime(2027, 1, 1, 10, 0, tzinfo=CHICAGO)
    org = demo_builder.demo_load(now=now).organization
    cycles = {c.name: c for c in Cycle.objects.filter(organization=org)}
    assert set(cycles) == {"2027", "Q1 2027", "Q4 2026"}
    # The previous quarter belongs to a year the demo has no cycle for.
    assert cycles["Q4 2026"].parent is None
    assert cycles["Q4 2026"].state == Cycle.State.CLOSED
    assert not CheckIn.objects.filter(key_result__objective__cycle=cycles["Q1 2027"]).exists()
    statuses = live_statuses(org, now)
    assert set(statuses.values()) == {Status.NOT_STARTED}


# -- reloading --------------------------------------------------------------------------


def test_reloading_twice_leaves_one_demo_and_other_organisations_untouched(cast):
    def other_rows() -> tuple[int, ...]:
        orgs = [cast.org, cast.other_org]
        return (
            Organization.objects.filter(pk__in=[o.pk for o in orgs]).count(),
            Membership.objects.filter(organization__in=orgs).count(),
            Team.objects.filter(organization__in=orgs).count(),
            Objective.objects.filter(organization__in=orgs).count(),
            CheckIn.objects.filter(organization__in=orgs).count(),
            AuditEvent.objects.filter(organization__in=orgs).count(),
            User.objects.exclude(email__endswith="@northwind.example").count(),
        )

    okrs.key_result_check_in(key_result=cast.kr, value="40", confidence=7, by=cast.member)
    first = demo_builder.demo_load(now=NOW)
    # Someone from another organisation looks around the demo: reloading keeps them.
    accounts.membership_add(
        organization=first.organization, user=cast.outsider, role=Role.VIEWER, by=first.owner
    )
    demo_only = User.objects.get(email="sofia@northwind.example")
    before = other_rows()
    demo_builder.demo_load(now=NOW)
    third = demo_builder.demo_load(now=NOW)

    assert Organization.objects.filter(slug=demo_data.DEMO_SLUG).count() == 1
    assert Organization.objects.filter(name="Northwind IT").count() == 1
    assert not Organization.objects.filter(pk=first.organization.pk).exists()
    assert other_rows() == before
    assert User.objects.filter(email__endswith="@northwind.example").count() == len(
        demo_data.PEOPLE
    )
    assert not User.objects.filter(pk=demo_only.pk).exists()
    assert Membership.objects.filter(user=cast.outsider, organization=cast.other_org).exists()
    assert not Membership.objects.filter(user=cast.outsider, organization=third.organization)
    cast.kr.refresh_from_db()
    assert cast.kr.current == Decimal(40)


def test_an_organisation_that_took_the_demo_slug_is_left_alone(cast):
    taken = accounts.organization_create(
        name="Northwind Traders", slug="northwind", owner=cast.owner
    )
    with pytest.raises(ValidationError) as excinfo:
        demo_builder.demo_load(now=NOW)
    assert "is not the demo" in excinfo.value.message_dict["organization"][0]
    assert Organization.objects.filter(pk=taken.pk).exists()
    assert not User.objects.filter(email__endswith="@northwind.example").exists()


def test_empty_demo_password_is_refused(db):
    with pytest.raises(ValidationError) as excinfo:
        demo_builder.demo_load(now=NOW, password="")
    assert "password" in excinfo.value.message_dict
    assert not Organization.objects.filter(slug=demo_data.DEMO_SLUG).exists()


# -- deleting an organisation -----------------------------------------------------------


def test_purge_deletes_an_organisation_despite_protected_trees_owners_and_kpis(cast):
    child = okrs.cycle_create(
        organization=cast.org,
        name="First month",
        start_date=cast.cycle.start_date,
        end_date=cast.cycle.start_date + dt.timedelta(days=27),
        parent=cast.cycle,
        by=cast.owner,
    )
    personal = okrs.objective_create(
        organization=cast.org, cycle=child, title="Learn SQL", owner_user=cast.member, by=cast.owner
    )
    okrs.key_result_create(objective=personal, title="Finish the course", kind="milestone", by=None)
    kpi = KPI.objects.create(organization=cast.org, name="Churn", key="churn", owner_team=cast.team)
    KeyResult.objects.filter(pk=cast.kr.pk).update(kpi=kpi)
    okrs.key_result_check_in(key_result=cast.kr, value="10", confidence=6, by=cast.member)
    other_before = AuditEvent.objects.filter(organization=cast.other_org).count()
    with pytest.raises(ProtectedError):
        Organization.objects.get(pk=cast.org.pk).delete()

    accounts.organization_purge(organization=cast.org)

    assert not Organization.objects.filter(pk=cast.org.pk).exists()
    for model in (Team, Cycle, Objective, KeyResult, CheckIn, KPI, Membership, AuditEvent):
        assert not model.objects.filter(organization_id=cast.org.pk).exists(), model
    assert Organization.objects.filter(pk=cast.other_org.pk).exists()
    assert Team.objects.filter(pk=cast.other_team.pk).exists()
    assert AuditEvent.objects.filter(organization=cast.other_org).count() == other_before
    # People are not part of an organisation: they stay.
    assert User.objects.filter(pk=cast.member.pk).exists()


def test_purge_stops_when_another_organisation_points_into_this_one(cast):
    # Only a bug could link organisations; the purge must then change nothing.
    Objective.objects.filter(pk=cast.objective.pk).update(organization=cast.other_org)
    with pytest.raises(ProtectedError):
        accounts.organization_purge(organization=cast.org)
    assert Organization.objects.filter(pk=cast.org.pk).exists()
    assert Team.objects.filter(pk=cast.team.pk, parent=cast.company).exists()
    assert Cycle.objects.filter(pk=cast.cycle.pk).exists()


# -- the command ------------------------------------------------------------------------


def test_demo_command_loads_the_demo_prints_the_login_and_no_reset_refuses_a_reload(db):
    out = io.StringIO()
    call_command("demo", "--password", "our own demo secret", stdout=out)
    text = out.getvalue()
    assert "Loaded the demo organisation “Northwind IT”" in text
    assert "ceo@northwind.example with the password our own demo secret" in text
    assert "viewer sofia@northwind.example" in text
    assert "/scorecard/  the weekly scorecard" in text
    assert "/health/  company health: a watermelon" in text
    first = Organization.objects.get(slug="northwind")
    assert User.objects.get(email="marcus@northwind.example").check_password("our own demo secret")

    with pytest.raises(CommandError, match="--reset"):
        call_command("demo", "--no-reset", stdout=io.StringIO())
    assert Organization.objects.get(slug="northwind").pk == first.pk


def test_demo_command_refuses_an_empty_password(db):
    with pytest.raises(CommandError, match="--password"):
        call_command("demo", "--password", "", stdout=io.StringIO())
    assert not Organization.objects.filter(slug="northwind").exists()


# -- the service the demo added ---------------------------------------------------------


def test_user_create_hashed_refuses_a_string_that_is_not_a_password_hash(db):
    with pytest.raises(ValidationError) as excinfo:
        accounts.user_create_hashed(
            email="plain@example.test", full_name="Plain", password_hash="tandem-demo"
        )
    assert "password" in excinfo.value.message_dict
    assert not User.objects.filter(email="plain@example.test").exists()


def test_user_create_hashed_accounts_log_in_with_the_hashed_password(db):
    from django.contrib.auth.hashers import make_password

    hashed = make_password("shared secret words")
    first = accounts.user_create_hashed(email="a@example.test", full_name="A", password_hash=hashed)
    second = accounts.user_create_hashed(
        email="b@example.test", full_name="B", password_hash=hashed
    )
    assert first.check_password("shared secret words")
    assert second.check_password("shared secret words")
    assert not second.check_password("another")


# -- KPIs, and OKRs and KPIs in tandem ----------------------------------------------------

TODAY = NOW.date()
LAST_WEEK = dt.date(2026, 11, 9)  # the last completed week at NOW (weeks start on Monday)
LAST_MONTH = dt.date(2026, 10, 1)
SEED_KPIS = {
    # key: (name, frequency, unit, direction)
    "churn-rate": ("Churn rate", "monthly", "percent", "lower_is_better"),
    "tcv": ("Total contract value (TCV)", "monthly", "currency", "higher_is_better"),
    "nps": ("Net Promoter Score (NPS)", "monthly", "number", "higher_is_better"),
    "arr": ("Annual recurring revenue (ARR)", "monthly", "currency", "higher_is_better"),
    "mrr": ("Monthly recurring revenue (MRR)", "monthly", "currency", "higher_is_better"),
    "customer-retention": ("Customer retention rate", "monthly", "percent", "higher_is_better"),
    "client-satisfaction": ("Client satisfaction", "weekly", "percent", "higher_is_better"),
    "time-to-onboard": (
        "Time to onboard an employee (days)",
        "monthly",
        "number",
        "lower_is_better",
    ),
    "report-turnaround": ("Report turnaround time (days)", "weekly", "number", "lower_is_better"),
    "response-time": (
        "Average weekly response time (hours)",
        "weekly",
        "number",
        "lower_is_better",
    ),
    "contracts-on-time": ("Contracts submitted on time", "weekly", "percent", "higher_is_better"),
    "ticket-resolution": ("Ticket resolution time (hours)", "weekly", "number", "lower_is_better"),
}


def kpi(org: Organization, key: str) -> KPI:
    return KPI.objects.select_related("organization").get(organization=org, key=key)


def quarter_objectives(org: Organization) -> list[Objective]:
    return list(
        Objective.objects.filter(
            organization=org, cycle__kind=Cycle.Kind.QUARTER, cycle__state=Cycle.State.ACTIVE
        ).select_related("cycle", "organization")
    )


@pytest.fixture(scope="class")
def loaded_kpis(django_db_setup, django_db_blocker):
    """One demo, built once for the read-only KPI tests and rolled back after."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield demo_builder.demo_load(now=NOW)
        transaction.set_rollback(True)


class TestTheDemoKPIs:
    """Read-only checks of the KPIs of one demo loaded at NOW."""

    @pytest.fixture
    def org(self, loaded_kpis, db) -> Organization:
        return loaded_kpis.organization

    # -- the KPIs and their history

    def test_the_kpis_the_seeds_name_exist_with_an_owner_unit_direction_and_frequency(self, org):
        found = {k.key: k for k in KPI.objects.filter(organization=org)}
        assert set(found) == set(SEED_KPIS)
        for key, (name, frequency, unit, direction) in SEED_KPIS.items():
            k = found[key]
            assert (k.name, k.frequency, k.unit, k.direction) == (name, frequency, unit, direction)
            assert (k.owner_team is None) != (k.owner_user is None), key
            assert k.currency == ("USD" if unit == "currency" else ""), key
            assert k.targets.exists(), key
            assert k.tags.exists(), key
        assert found["contracts-on-time"].owner_team == Team.objects.get(
            organization=org, slug="finance"
        )
        assert found["tcv"].aggregation == "sum"
        assert found["mrr"].aggregation == "last"
        tags = set(KPITag.objects.filter(organization=org).values_list("name", flat=True))
        assert tags == {"Growth", "Profitability", "Customer satisfaction", "Operations", "People"}

    def test_every_kpi_has_a_year_of_history_up_to_the_last_completed_period(self, org):
        for k in KPI.objects.filter(organization=org).exclude(key="ticket-resolution"):
            starts = list(k.measurements.values_list("period_start", flat=True))
            if k.frequency == "weekly":
                assert len(starts) == 52, k
                assert starts[-1] == LAST_WEEK, k
                assert all((b - a).days == 7 for a, b in itertools.pairwise(starts)), k
            else:
                assert len(starts) == 12, k
                assert starts[-1] == LAST_MONTH, k
                assert starts[0] == dt.date(2025, 11, 1), k
            assert (k.latest_period, k.latest_value) == (
                starts[-1],
                k.measurements.get(period_start=starts[-1]).value,
            )
        assert not Measurement.objects.filter(organization=org, period_start__gt=LAST_WEEK)

    def test_measurements_are_dated_after_their_period_and_never_after_now(self, org):
        measurements = Measurement.objects.filter(organization=org).select_related("kpi")
        for m in measurements:
            period = Frequency(m.kpi.frequency)
            assert m.recorded_at.astimezone(CHICAGO).date() > period_end(period, m.period_start)
            assert m.recorded_at <= NOW

    def test_targets_changed_during_the_year_and_earlier_periods_keep_theirs(self, org):
        mrr = kpi(org, "mrr")
        assert [(t.effective_from, t.target) for t in mrr.targets.all()] == [
            (dt.date(2025, 1, 1), Decimal(360_000)),
            (dt.date(2026, 1, 1), Decimal(400_000)),
        ]
        response = kpi(org, "response-time")
        assert [(t.effective_from, t.target) for t in response.targets.all()] == [
            (dt.date(2025, 1, 1), Decimal(8)),
            (dt.date(2026, 4, 1), Decimal(7)),
            (dt.date(2026, 7, 1), Decimal(6)),
            (dt.date(2026, 10, 1), Decimal(5)),
        ]
        assert AuditEvent.objects.filter(organization=org, action="kpi.target").count() == 5

    def test_the_scorecard_has_green_yellow_red_and_stale_kpis(self, org):
        board = scorecard(organization=org, today=TODAY)
        health = {row.kpi.key: row.health for row in board.rows}
        assert set(health.values()) == {Health.GREEN, Health.YELLOW, Health.RED, Health.STALE}
        assert health["report-turnaround"] is Health.RED
        assert health["ticket-resolution"] is Health.STALE
        assert health["nps"] is Health.YELLOW
        for green in ("mrr", "arr", "customer-retention", "client-satisfaction"):
            assert health[green] is Health.GREEN, green
        # A year has every colour in it, not only today's.
        cells = {c.health for row in board.rows for c in row.cells}
        assert {Health.GREEN, Health.YELLOW, Health.RED} <= cells

    def test_one_kpi_stopped_getting_values_four_weeks_ago(self, org):
        report = company_health(organization=org, today=TODAY, now=NOW)
        assert [line.kpi.key for line in report.stale] == ["ticket-resolution"]
        stale = kpi(org, "ticket-resolution")
        assert stale.latest_period == LAST_WEEK - dt.timedelta(weeks=3)
        assert stale.measurements.count() == 49

    def test_a_mistyped_value_was_corrected_and_the_kpi_page_keeps_the_old_one(self, org):
        revisions = MeasurementRevision.objects.filter(organization=org).select_related(
            "measurement__kpi"
        )
        assert len(revisions) == 1
        revision = revisions[0]
        assert revision.measurement.kpi.key == "client-satisfaction"
        assert revision.value == Decimal("81.8")
        assert revision.measurement.value == Decimal("91.8")
        assert revision.measurement.version == 2
        assert "typo" in revision.measurement.note
        detail = kpi_detail(kpi=revision.measurement.kpi, today=TODAY)
        shown = next(m for m in detail["measurements"] if m.period_start == LAST_WEEK)
        assert [r.value for r in shown.revisions.all()] == [Decimal("81.8")]
        assert (
            AuditEvent.objects.filter(organization=org, action="measurement.correct").count() == 1
        )

    def test_every_measurement_is_in_the_audit_history(self, org):
        assert (
            AuditEvent.objects.filter(organization=org, action="measurement.create").count()
            == Measurement.objects.filter(organization=org).count()
        )

    # -- OKRs and KPIs in tandem

    def test_revenue_and_response_time_key_results_read_their_kpis_without_check_ins(self, org):
        for title, key in (
            ("Increase recurring revenue by 25%", "mrr"),
            ("Reduce average response time to client inquiries by 50%", "response-time"),
        ):
            key_result = kr(org, title)
            assert key_result.kpi_id == kpi(org, key).pk
            assert not key_result.checkins.exists()
            latest = Measurement.objects.filter(kpi_id=key_result.kpi_id).latest("period_start")
            assert key_result.current == latest.value
            assert key_result.last_checkin_at == latest.recorded_at
        revenue = kr(org, "Increase recurring revenue by 25%")
        # The plan starts from the key result's baseline, in December.
        december = Measurement.objects.get(
            kpi__key="mrr", organization=org, period_start=dt.date(2025, 12, 1)
        )
        assert december.value == revenue.baseline
        # ARR is twelve times MRR, month by month.
        arr = dict(kpi(org, "arr").measurements.values_list("period_start", "value"))
        mrr = dict(kpi(org, "mrr").measurements.values_list("period_start", "value"))
        assert arr == {start: value * 12 for start, value in mrr.items()}

    def test_client_satisfaction_and_ticket_resolution_guard_the_growth_objective(self, org):
        growth = objective(org, "Become the go-to IT service provider in our region")
        guardrails = ObjectiveKPI.objects.filter(objective=growth, role="guardrail")
        assert {link.kpi.key for link in guardrails} == {"client-satisfaction", "ticket-resolution"}
        signals = objective_signals(organization=org, objectives=[growth], today=TODAY, now=NOW)
        found = signals[growth.pk]
        assert not found.guardrail_red
        assert found.watermelon is None
        assert {s.kpi.key for s in found.indicators} == {"mrr", "response-time"}

    def test_exactly_one_watermelon_kpis_green_while_the_objective_is_behind(self, org):
        objectives = quarter_objectives(org)
        signals = objective_signals(organization=org, objectives=objectives, today=TODAY, now=NOW)
        melons = {
            o.title: signals[o.pk] for o in objectives if signals[o.pk].watermelon is not None
        }
        assert list(melons) == ["Turn more free trials into paying clients"]
        melon = melons["Turn more free trials into paying clients"]
        assert melon.watermelon == WatermelonKind.KPIS_GREEN_OBJECTIVE_BEHIND
        assert melon.status is Status.AT_RISK
        assert {s.kpi.key for s in melon.indicators} == {"mrr", "customer-retention"}
        assert {s.health for s in melon.indicators} == {Health.GREEN}
        report = company_health(organization=org, today=TODAY, now=NOW)
        assert [w.objective.title for w in report.behind] == [
            "Turn more free trials into paying clients"
        ]
        assert report.guardrail == []
        # Other objectives behind have a KPI that is not green, or none at all.
        year = Objective.objects.filter(organization=org, cycle__kind=Cycle.Kind.YEAR)
        everywhere = objective_signals(organization=org, objectives=year, today=TODAY, now=NOW)
        assert all(s.watermelon is None for s in everywhere.values())

    def test_report_turnaround_time_red_for_weeks_is_a_promotion_candidate(self, org):
        report = company_health(organization=org, today=TODAY, now=NOW)
        assert [line.kpi.key for line in report.promote] == ["report-turnaround"]
        assert {line.kpi.key for line in report.red} == {"report-turnaround", "churn-rate"}
        assert report.open_promotions == []
        assert report.demote == []
        draft = promotion_draft(kpi=kpi(org, "report-turnaround"), today=TODAY)
        assert draft.red_run >= 3
        assert draft.suggest_promote

    def test_contracts_kpi_was_promoted_for_the_previous_quarter_and_demoted_after(self, org):
        contracts = kpi(org, "contracts-on-time")
        promotion = Promotion.objects.select_related("objective__cycle").get(kpi=contracts)
        closed = promotion.objective.cycle
        assert closed.name == "Q3 2026"
        assert closed.state == Cycle.State.CLOSED
        assert promotion.demoted_at is not None
        promoted_on = promotion.promoted_at.astimezone(CHICAGO).date()
        demoted_on = promotion.demoted_at.astimezone(CHICAGO).date()
        assert closed.contains(promoted_on)
        assert closed.end_date < demoted_on <= TODAY
        assert (
            promotion.promoted_by
            == promotion.demoted_by
            == User.objects.get(email="oliver@northwind.example")
        )
        assert promotion.reason
        assert promotion.demotion_note
        # Red for weeks before the promotion, green every week after the quarter.
        history = load_histories([contracts], since=dt.date(2025, 1, 1), organization=org)[
            contracts.pk
        ]
        assert history.completed_healths(promoted_on, 4, calendar(org)) == [Health.RED] * 4
        after = [s for s in history.values if s > closed.end_date]
        assert len(after) >= 4
        assert {history.health_at(s) for s in after} == {Health.GREEN}
        # The OKR read the KPI, got it back on target and scored 1.0 at the close.
        okr = promotion.objective
        assert okr.kind == Objective.Kind.COMMITTED
        assert okr.state == Objective.State.CLOSED
        assert okr.score == Decimal(1)
        assert okr.owner_team == contracts.owner_team
        assert okr.key_results.get().kpi_id == contracts.pk
        for action in ("kpi.promote", "kpi.demote"):
            event = AuditEvent.objects.get(organization=org, action=action)
            assert event.target_id == promotion.pk
            assert event.source == "system"

    def test_kpi_and_objective_pages_tell_the_promotion_story(self, org):
        from django.test import Client

        promotion = Promotion.objects.select_related("objective").get(organization=org)
        client = Client()
        client.force_login(User.objects.get(email=demo_data.DEMO_OWNER_EMAIL))
        kpi_page = client.get(f"/kpis/{promotion.kpi_id}/").content.decode()
        assert "Promoted to" in kpi_page
        assert promotion.objective.title in kpi_page
        assert "demoted 2 Nov 2026 by Oliver Grant" in kpi_page
        objective_page = client.get(f"/objectives/{promotion.objective_id}/").content.decode()
        assert "Promoted from KPI" in objective_page
        assert "Demoted back to a plain KPI on 2 Nov 2026" in objective_page


# -- the KPIs on other days of the year ---------------------------------------------------


@pytest.mark.parametrize(
    "now",
    [
        dt.datetime(2027, 2, 5, 9, 0, tzinfo=CHICAGO),  # five weeks into a quarter
        dt.datetime(2027, 9, 27, 18, 0, tzinfo=CHICAGO),  # the quarter's last week
    ],
)
def test_one_watermelon_one_candidate_and_a_demoted_kpi_whatever_the_day(db, now):
    org = demo_builder.demo_load(now=now).organization
    today = now.date()
    report = company_health(organization=org, today=today, now=now)
    assert [w.objective.title for w in report.behind] == [
        "Turn more free trials into paying clients"
    ]
    assert report.guardrail == []
    assert [line.kpi.key for line in report.promote] == ["report-turnaround"]
    assert [line.kpi.key for line in report.stale] == ["ticket-resolution"]
    promotion = Promotion.objects.get(organization=org)
    assert promotion.demoted_at is not None
    assert promotion.demoted_at <= now


def test_in_a_quarters_first_weeks_the_contracts_kpi_waits_to_be_demoted(db):
    # Two weeks into the quarter: not yet four whole green weeks since the last one.
    now = dt.datetime(2027, 1, 15, 11, 0, tzinfo=CHICAGO)
    org = demo_builder.demo_load(now=now).organization
    promotion = Promotion.objects.select_related("objective__cycle").get(organization=org)
    assert promotion.demoted_at is None
    assert promotion.objective.cycle.name == "Q4 2026"
    assert promotion.objective.cycle.state == Cycle.State.CLOSED
    report = company_health(organization=org, today=now.date(), now=now)
    assert report.open_promotions == [promotion]
    assert report.demote == []
    assert [line.kpi.key for line in report.promote] == ["report-turnaround"]
    assert [w.objective.title for w in report.behind] == [
        "Turn more free trials into paying clients"
    ]
