"""The people page: members with role, teams and last login; roles; removal; who may."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client

from tandem.accounts import services
from tandem.accounts.models import Membership, Role, TeamMembership, User
from tandem.api.models import ApiToken
from tandem.api.services import api_token_create
from tandem.audit.models import AuditEvent
from tandem.okrs.models import CheckIn, Objective
from tandem.okrs.services import key_result_check_in
from tests.conftest import Cast, make_user


def membership(cast: Cast, user: User) -> Membership:
    return Membership.objects.get(organization=cast.org, user=user)


def set_role(client: Client, cast: Cast, user: User, role: str):
    return client.post(f"/settings/people/{membership(cast, user).pk}/role/", {"role": role})


def remove(client: Client, cast: Cast, user: User):
    return client.post(f"/settings/people/{membership(cast, user).pk}/remove/")


def second_owner(cast: Cast) -> User:
    olga = make_user("olga@acme.test", "Olga Second")
    services.membership_add(organization=cast.org, user=olga, role=Role.OWNER, by=cast.owner)
    return olga


# -- who may --------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["editor", "member", "viewer"])
def test_the_people_page_is_403_for_everyone_but_owners_and_admins(
    cast: Cast, client_for, role: str
):
    client = client_for(getattr(cast, role))
    page = client.get("/settings/people/")
    assert page.status_code == 403
    assert "Only owners and admins can manage the people" in page.content.decode()
    assert (
        client.post("/settings/people/", {"email": "x@acme.test", "role": "member"}).status_code
        == 403
    )
    assert set_role(client, cast, cast.viewer, "owner").status_code == 403
    assert remove(client, cast, cast.viewer).status_code == 403
    assert membership(cast, cast.viewer).role == Role.VIEWER


@pytest.mark.parametrize(
    "path", ["/settings/people/", "/settings/people/1/role/", "/settings/people/1/remove/"]
)
def test_anonymous_visitors_are_sent_to_log_in(db, path: str):
    response = Client().get(path) if path == "/settings/people/" else Client().post(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


def test_an_outsider_cannot_touch_another_organisations_members(cast: Cast, client_for):
    oscar = client_for(cast.outsider)  # owner of Globex
    assert set_role(oscar, cast, cast.member, "viewer").status_code == 404
    assert remove(oscar, cast, cast.member).status_code == 404
    assert membership(cast, cast.member).role == Role.MEMBER
    page = oscar.get("/settings/people/").content.decode()
    assert "member@acme.test" not in page
    assert "oscar@globex.test" in page


# -- the list -------------------------------------------------------------------------------


def test_the_page_lists_every_member_with_role_teams_and_last_login(cast: Cast, client_for):
    User.objects.filter(pk=cast.editor.pk).update(
        last_login=dt.datetime(2026, 3, 4, 9, 30, tzinfo=dt.UTC)
    )
    page = client_for(cast.admin).get("/settings/people/")
    assert page.status_code == 200
    rows = {m.user.email: m for m in page.context["people"]}
    assert set(rows) == {
        "olivia@acme.test",
        "admin@acme.test",
        "editor@acme.test",
        "member@acme.test",
        "viewer@acme.test",
    }
    assert rows["editor@acme.test"].team_names == ["Sales"]
    assert rows["olivia@acme.test"].role == Role.OWNER
    html = page.content.decode()
    assert "4 Mar 2026 09:30" in html
    assert "Sales" in html


def test_the_page_reads_a_constant_number_of_queries(
    cast: Cast, client_for, django_assert_max_num_queries
):
    client = client_for(cast.owner)
    client.get("/settings/people/")
    for number in range(15):
        person = make_user(f"p{number}@acme.test", f"Person {number}")
        services.membership_add(organization=cast.org, user=person, by=cast.owner)
        services.team_add_member(team=cast.team, user=person, by=cast.owner)
        services.invitation_create(
            organization=cast.org,
            email=f"i{number}@acme.test",
            role="member",
            by=cast.owner,
            teams=[cast.team],
        )
    with django_assert_max_num_queries(14):
        assert client.get("/settings/people/").status_code == 200


def test_admins_get_no_controls_on_an_owners_row_and_no_owner_role_to_give(cast: Cast, client_for):
    page = client_for(cast.admin).get("/settings/people/")
    owner_row = next(p for p in page.context["people"] if p.user == cast.owner)
    assert owner_row.manageable is False
    assert ("owner", "Owner") not in page.context["roles"]
    assert ("owner", "Owner") in client_for(cast.owner).get("/settings/people/").context["roles"]


# -- roles ----------------------------------------------------------------------------------


def test_an_owner_changes_a_role_and_it_is_audited(cast: Cast, client_for):
    response = set_role(client_for(cast.owner), cast, cast.member, "editor")
    assert response.status_code == 302
    assert membership(cast, cast.member).role == Role.EDITOR
    event = AuditEvent.objects.filter(action="membership.update").latest("id")
    assert event.before == {"role": "member"}
    assert event.after == {"role": "editor"}
    assert event.actor == cast.owner


def test_an_owner_makes_an_admin_an_owner(cast: Cast, client_for):
    assert set_role(client_for(cast.owner), cast, cast.admin, "owner").status_code == 302
    assert membership(cast, cast.admin).role == Role.OWNER


def test_an_admin_changes_other_roles(cast: Cast, client_for):
    assert set_role(client_for(cast.admin), cast, cast.viewer, "member").status_code == 302
    assert membership(cast, cast.viewer).role == Role.MEMBER


def test_an_admin_cannot_make_an_owner(cast: Cast, client_for):
    response = set_role(client_for(cast.admin), cast, cast.editor, "owner")
    assert response.status_code == 422
    assert (
        "Only an owner can make someone an owner or change an owner&#x27;s role."
        in response.content.decode()
    )
    assert membership(cast, cast.editor).role == Role.EDITOR


def test_an_admin_cannot_unmake_an_owner(cast: Cast, client_for):
    second_owner(cast)
    response = set_role(client_for(cast.admin), cast, cast.owner, "viewer")
    assert response.status_code == 422
    assert membership(cast, cast.owner).role == Role.OWNER


def test_the_last_owner_cannot_be_demoted(cast: Cast, client_for):
    response = set_role(client_for(cast.owner), cast, cast.owner, "admin")
    assert response.status_code == 422
    assert (
        "Olivia Owner is the last owner of Acme IT: make someone else an owner first."
        in response.content.decode()
    )
    assert membership(cast, cast.owner).role == Role.OWNER


def test_one_of_two_owners_can_step_down(cast: Cast, client_for):
    second_owner(cast)
    assert set_role(client_for(cast.owner), cast, cast.owner, "admin").status_code == 302
    assert membership(cast, cast.owner).role == Role.ADMIN
    with pytest.raises(ValidationError) as refused:
        services.membership_set_role(
            membership=Membership.objects.get(user__email="olga@acme.test"),
            role=Role.ADMIN,
            by=User.objects.get(email="olga@acme.test"),
        )
    assert "last owner" in refused.value.message_dict["role"][0]


def test_an_unknown_role_is_refused(cast: Cast, client_for):
    response = set_role(client_for(cast.owner), cast, cast.member, "emperor")
    assert response.status_code == 422
    assert membership(cast, cast.member).role == Role.MEMBER


def test_services_refuse_people_who_are_not_owners_or_admins(cast: Cast):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.membership_set_role(
            membership=membership(cast, cast.viewer), role=Role.ADMIN, by=cast.editor
        )
    with pytest.raises(PermissionDenied):
        services.invitation_create(
            organization=cast.org, email="x@acme.test", role=Role.MEMBER, by=cast.outsider
        )


# -- removal --------------------------------------------------------------------------------


def test_removing_a_member_ends_the_membership_and_keeps_their_work(cast: Cast, client_for):
    key_result_check_in(key_result=cast.kr, value=Decimal(40), confidence=7, by=cast.member)
    _token, secret = api_token_create(
        user=cast.member,
        organization=cast.org,
        name="Nightly",
        scope="read",
        expires_on=None,
        by=cast.member,
    )
    response = remove(client_for(cast.admin), cast, cast.member)
    assert response.status_code == 302
    assert not Membership.objects.filter(organization=cast.org, user=cast.member).exists()
    assert not TeamMembership.objects.filter(user=cast.member).exists()
    assert CheckIn.objects.filter(key_result=cast.kr, author=cast.member).count() == 1
    cast.kr.refresh_from_db()
    assert cast.kr.owner == cast.member
    assert Objective.objects.filter(pk=cast.objective.pk).exists()
    assert ApiToken.objects.get(user=cast.member).revoked_at is not None
    assert (
        Client(HTTP_AUTHORIZATION=f"Bearer {secret}").get("/api/v1/objectives").status_code == 401
    )
    actions = list(AuditEvent.objects.filter(actor=cast.admin).values_list("action", flat=True))
    assert {"team.member_remove", "api_token.revoke", "membership.delete"} <= set(actions)
    # Tandem still knows the person; they just no longer see Acme IT.
    assert User.objects.filter(pk=cast.member.pk).exists()
    assert client_for(cast.member).get("/").status_code == 404


def test_an_admin_cannot_remove_an_owner(cast: Cast, client_for):
    second_owner(cast)
    response = remove(client_for(cast.admin), cast, cast.owner)
    assert response.status_code == 422
    assert "Only an owner can remove an owner." in response.content.decode()
    assert membership(cast, cast.owner).role == Role.OWNER


def test_the_last_owner_cannot_be_removed(cast: Cast, client_for):
    response = remove(client_for(cast.owner), cast, cast.owner)
    assert response.status_code == 422
    assert (
        "Olivia Owner is the last owner of Acme IT: make someone else an owner before removing"
        in response.content.decode()
    )
    assert membership(cast, cast.owner).role == Role.OWNER


def test_an_owner_removes_another_owner(cast: Cast, client_for):
    olga = second_owner(cast)
    assert remove(client_for(cast.owner), cast, olga).status_code == 302
    assert not Membership.objects.filter(organization=cast.org, user=olga).exists()
