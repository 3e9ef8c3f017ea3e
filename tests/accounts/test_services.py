"""People, organisations, memberships and teams, written through the account services."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from tandem.accounts import services as accounts
from tandem.accounts.models import Membership, Organization, Role, Team, TeamMembership, User
from tandem.audit.models import AuditEvent
from tests.conftest import PASSWORD, Cast
from tests.okrs.conftest import errors_of, nothing_written

# -- people -----------------------------------------------------------------------------


def test_new_person_gets_a_lower_case_e_mail_and_a_hashed_password(db: None):
    user = accounts.user_create(
        email="  Ada.Lovelace@Example.TEST ", full_name=" Ada Lovelace ", password=PASSWORD
    )
    user = User.objects.get(pk=user.pk)
    assert user.email == "ada.lovelace@example.test"
    assert user.full_name == "Ada Lovelace"
    assert user.password != PASSWORD
    assert user.check_password(PASSWORD)
    assert not user.check_password("wrong")
    assert (user.is_active, user.is_staff, user.is_superuser) == (True, False, False)


def test_person_without_a_password_cannot_log_in_with_one(db: None):
    user = accounts.user_create(email="sso@example.test", full_name="Single Sign", password=None)
    assert not user.has_usable_password()


@pytest.mark.parametrize("email", ["olivia@acme.test", "OLIVIA@ACME.TEST", " Olivia@Acme.Test "])
def test_an_e_mail_already_taken_in_any_case_is_refused(cast: Cast, email):
    with nothing_written(), pytest.raises(ValidationError) as exc:
        accounts.user_create(email=email, full_name="Impostor", password=PASSWORD)
    assert "already has an account" in errors_of(exc)["email"][0]
    assert User.objects.filter(email__iexact="olivia@acme.test").count() == 1


@pytest.mark.parametrize("email", ["", "not-an-address", "a@"])
def test_an_invalid_e_mail_is_refused(db: None, email):
    with pytest.raises(ValidationError) as exc:
        accounts.user_create(email=email, full_name="Nobody", password=PASSWORD)
    assert "email" in errors_of(exc)
    assert not User.objects.exists()


def test_a_person_needs_a_name(db: None):
    with pytest.raises(ValidationError) as exc:
        accounts.user_create(email="x@example.test", full_name="  ", password=PASSWORD)
    assert "full_name" in errors_of(exc)
    assert not User.objects.exists()


# -- organisations ----------------------------------------------------------------------


def test_creating_an_organisation_makes_its_creator_the_owner(db: None):
    founder = accounts.user_create(email="f@example.test", full_name="Fay Founder", password=None)
    org = accounts.organization_create(
        name=" Initech ", owner=founder, timezone="America/New_York", fiscal_year_start_month=4
    )
    org = Organization.objects.get(pk=org.pk)
    assert (org.name, org.slug, org.timezone) == ("Initech", "initech", "America/New_York")
    assert org.fiscal_year_start_month == 4
    [membership] = Membership.objects.filter(organization=org)
    assert (membership.user, membership.role) == (founder, Role.OWNER)
    [event] = AuditEvent.objects.filter(organization=org)
    assert (event.action, event.actor, event.target_id) == ("organization.create", founder, org.pk)


def test_two_organisations_may_share_a_name(cast: Cast):
    second = accounts.organization_create(name="Acme IT", owner=cast.outsider)
    third = accounts.organization_create(name="Acme IT", owner=cast.outsider)
    assert [cast.org.slug, second.slug, third.slug] == ["acme-it", "acme-it-2", "acme-it-3"]


def test_an_explicit_slug_already_taken_is_refused(cast: Cast):
    with nothing_written(), pytest.raises(ValidationError) as exc:
        accounts.organization_create(name="Other", slug="acme-it", owner=cast.outsider)
    assert "slug" in errors_of(exc)


@pytest.mark.parametrize("zone", ["Mars/Olympus_Mons", "Europe/Pariss", "GMT+25"])
def test_an_unknown_time_zone_is_refused_naming_it(cast: Cast, zone):
    with nothing_written(), pytest.raises(ValidationError) as exc:
        accounts.organization_create(name="Initech", owner=cast.outsider, timezone=zone)
    [message] = errors_of(exc)["timezone"]
    assert zone in message


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"name": "  "}, "name"),
        ({"week_start": 8}, "week_start"),
        ({"fiscal_year_start_month": 13}, "fiscal_year_start_month"),
        ({"fiscal_year_start_month": 0}, "fiscal_year_start_month"),
    ],
)
def test_organisation_settings_out_of_range_are_refused(cast: Cast, kwargs, field):
    kwargs.setdefault("name", "Initech")
    with nothing_written(), pytest.raises(ValidationError) as exc:
        accounts.organization_create(owner=cast.outsider, **kwargs)
    assert field in errors_of(exc)


def test_organisation_time_zone_is_usable_for_calendar_arithmetic(cast: Cast):
    assert str(cast.org.tz) == "Europe/Paris"


# -- memberships ------------------------------------------------------------------------


def test_adding_a_person_to_an_organisation_gives_them_a_role(cast: Cast):
    newcomer = accounts.user_create(email="n@acme.test", full_name="New Comer", password=None)
    membership = accounts.membership_add(
        organization=cast.org, user=newcomer, role=Role.EDITOR, title="Analyst", by=cast.admin
    )
    assert (membership.role, membership.title) == (Role.EDITOR, "Analyst")
    event = AuditEvent.objects.get(action="membership.create", target_id=membership.pk)
    assert event.actor == cast.admin


def test_adding_someone_twice_is_refused(cast: Cast):
    with nothing_written(), pytest.raises(ValidationError) as exc:
        accounts.membership_add(organization=cast.org, user=cast.member, by=cast.owner)
    assert "already a member" in errors_of(exc)["user"][0]


def test_an_unknown_role_is_refused(cast: Cast):
    with nothing_written(), pytest.raises(ValidationError) as exc:
        accounts.membership_add(
            organization=cast.org, user=cast.outsider, role="emperor", by=cast.owner
        )
    assert "emperor" in errors_of(exc)["role"][0]


def test_a_person_may_belong_to_several_organisations(cast: Cast):
    accounts.membership_add(
        organization=cast.other_org, user=cast.member, role=Role.VIEWER, by=cast.outsider
    )
    assert set(cast.member.memberships.values_list("organization__name", flat=True)) == {
        "Acme IT",
        "Globex",
    }


# -- teams ------------------------------------------------------------------------------


def test_teams_form_a_tree_under_the_company(cast: Cast):
    inside = accounts.team_create(
        organization=cast.org, name="Inside Sales", parent=cast.team, by=cast.admin
    )
    assert inside.parent == cast.team
    assert cast.team.parent == cast.company
    assert list(cast.company.children.all()) == [cast.team]
    assert inside.slug == "inside-sales"


def test_a_team_under_another_organisations_team_is_refused(cast: Cast):
    with nothing_written(), pytest.raises(ValidationError) as exc:
        accounts.team_create(
            organization=cast.org, name="Spies", parent=cast.other_team, by=cast.owner
        )
    assert "Not found in this organisation" in errors_of(exc)["parent"][0]


def test_a_team_name_already_taken_is_refused(cast: Cast):
    with nothing_written(), pytest.raises(ValidationError) as exc:
        accounts.team_create(organization=cast.org, name="sales", by=cast.owner)
    assert "already exists" in errors_of(exc)["name"][0]


def test_another_organisation_may_have_a_team_of_the_same_name(cast: Cast):
    team = accounts.team_create(organization=cast.other_org, name="Sales", by=cast.outsider)
    assert team.slug == cast.team.slug


@pytest.mark.parametrize(("kwargs", "field"), [({"name": " "}, "name"), ({"kind": "x"}, "kind")])
def test_team_creation_errors_name_the_field(cast: Cast, kwargs, field):
    kwargs.setdefault("name", "Support")
    with nothing_written(), pytest.raises(ValidationError) as exc:
        accounts.team_create(organization=cast.org, by=cast.owner, **kwargs)
    assert field in errors_of(exc)


def test_team_membership_records_the_lead(cast: Cast):
    leads = TeamMembership.objects.filter(team=cast.team, is_lead=True)
    assert [tm.user for tm in leads] == [cast.editor]
    assert all(tm.organization_id == cast.org.pk for tm in TeamMembership.objects.all())


def test_only_members_of_the_organisation_may_join_its_teams(cast: Cast):
    with nothing_written(), pytest.raises(ValidationError) as exc:
        accounts.team_add_member(team=cast.team, user=cast.outsider, by=cast.owner)
    assert "not a member of this organisation" in errors_of(exc)["user"][0]


def test_joining_a_team_twice_is_refused(cast: Cast):
    with nothing_written(), pytest.raises(ValidationError) as exc:
        accounts.team_add_member(team=cast.team, user=cast.member, by=cast.owner)
    assert "already in Sales" in errors_of(exc)["user"][0]


def test_joining_a_team_is_audited(cast: Cast):
    tm = accounts.team_add_member(team=cast.team, user=cast.viewer, by=cast.admin)
    event = AuditEvent.objects.get(action="team.member_add", target_id=tm.pk)
    assert event.actor == cast.admin
    assert event.after is not None
    assert event.after["user_id"] == cast.viewer.pk


def test_team_kinds_are_the_org_chart_levels(cast: Cast):
    assert cast.company.kind == Team.Kind.COMPANY
    assert cast.team.kind == Team.Kind.TEAM
