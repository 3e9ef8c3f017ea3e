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

from tandem import demo
from tandem.accounts import services as accounts
from tandem.accounts.models import Membership, Organization, Role, Team, TeamMembership, User
from tandem.audit.models import AuditEvent
from tandem.domain.progress import Direction
from tandem.domain.scoring import Band
from tandem.domain.status import Status
from tandem.kpis.models import KPI
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
        summary = demo.demo_load(now=NOW)
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
        assert owner.user.email == demo.DEMO_OWNER_EMAIL
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
        assert all(u.check_password(demo.DEMO_PASSWORD) for u in members)
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
            for key_result in o.key_results.all():
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
        owner = User.objects.get(email=demo.DEMO_OWNER_EMAIL)
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
        for key_result in KeyResult.objects.filter(organization=org, kind=KeyResult.Kind.METRIC):
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
        assert set(events.values_list("source", flat=True)) == {"system"}

    def test_demo_summary_counts_what_was_built(self, loaded, org):
        assert loaded.counts["people"] == Membership.objects.filter(organization=org).count()
        assert loaded.counts["check-ins"] == CheckIn.objects.filter(organization=org).count()
        assert loaded.counts["objectives"] >= 15
        assert loaded.owner.email == demo.DEMO_OWNER_EMAIL


# -- other days of the year -------------------------------------------------------------


@pytest.mark.parametrize(
    "now",
    [
        dt.datetime(2027, 2, 5, 9, 0, tzinfo=CHICAGO),  # five weeks into a quarter
        dt.datetime(2027, 9, 27, 18, 0, tzinfo=CHICAGO),  # the quarter's last week
    ],
)
def test_every_live_status_appears_once_the_quarter_is_five_weeks_old(db, now):
    summary = demo.demo_load(now=now)
    statuses = live_statuses(summary.organization, now)
    assert set(statuses.values()) == set(Status)


def test_demo_loaded_on_new_years_eve_in_chicago_is_in_the_old_year(db):
    # Already 1 January in UTC, still 31 December in Chicago.
    now = dt.datetime(2027, 1, 1, 3, 0, tzinfo=dt.UTC)
    org = demo.demo_load(now=now).organization
    names = set(Cycle.objects.filter(organization=org).values_list("name", flat=True))
    assert names == {"2026", "Q4 2026", "Q3 2026"}
    assert not CheckIn.objects.filter(organization=org, created_at__gt=now).exists()


def test_demo_loaded_on_a_quarters_first_day_has_a_quiet_quarter_and_an_older_closed_one(db):
    now = dt.datetime(2027, 1, 1, 10, 0, tzinfo=CHICAGO)
    org = demo.demo_load(now=now).organization
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
    first = demo.demo_load(now=NOW)
    # Someone from another organisation looks around the demo: reloading keeps them.
    accounts.membership_add(
        organization=first.organization, user=cast.outsider, role=Role.VIEWER, by=first.owner
    )
    demo_only = User.objects.get(email="sofia@northwind.example")
    before = other_rows()
    demo.demo_load(now=NOW)
    third = demo.demo_load(now=NOW)

    assert Organization.objects.filter(slug=demo.DEMO_SLUG).count() == 1
    assert Organization.objects.filter(name="Northwind IT").count() == 1
    assert not Organization.objects.filter(pk=first.organization.pk).exists()
    assert other_rows() == before
    assert User.objects.filter(email__endswith="@northwind.example").count() == len(demo.PEOPLE)
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
        demo.demo_load(now=NOW)
    assert "is not the demo" in excinfo.value.message_dict["organization"][0]
    assert Organization.objects.filter(pk=taken.pk).exists()
    assert not User.objects.filter(email__endswith="@northwind.example").exists()


def test_empty_demo_password_is_refused(db):
    with pytest.raises(ValidationError) as excinfo:
        demo.demo_load(now=NOW, password="")
    assert "password" in excinfo.value.message_dict
    assert not Organization.objects.filter(slug=demo.DEMO_SLUG).exists()


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

    demo.organization_purge(organization=cast.org)

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
        demo.organization_purge(organization=cast.org)
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
