"""Invitations by e-mail: sent through the mail queue and a real SMTP server, then accepted."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tandem.accounts import services, tokens
from tandem.accounts.middleware import SESSION_KEY
from tandem.accounts.models import Invitation, Membership, Role, TeamMembership, User
from tandem.audit.models import AuditEvent
from tests.accounts.conftest import link_in, run_worker
from tests.conftest import PASSWORD, Cast, Mailbox

NEW_PASSWORD = "a long new passphrase"


def invite(client: Client, email: str, role: str = "member", **extra: object):
    return client.post("/settings/people/", {"email": email, "role": role, **extra})


def invitation_link(cast: Cast, client_for, smtp_server: Mailbox, email: str, **extra) -> str:
    response = invite(client_for(cast.owner), email, **extra)
    assert response.status_code == 302, response.content.decode()
    run_worker()
    return link_in(smtp_server.to(email.lower())[-1])


def join(path: str, name: str = "Nia New", password: str = NEW_PASSWORD) -> tuple[Client, Any]:
    client = Client()
    response = client.post(
        path, {"full_name": name, "password": password, "password_again": password}
    )
    return client, response


def test_the_invitation_arrives_by_smtp_and_its_link_creates_the_account_with_role_and_teams(
    cast: Cast, client_for, smtp_server: Mailbox, base_url: str
):
    path = invitation_link(
        cast, client_for, smtp_server, "Nia@Acme.test", role="editor", teams=[cast.team.pk]
    )
    [message] = smtp_server.to("nia@acme.test")
    assert message["Subject"] == "Join Acme IT on Tandem"
    text = Mailbox.text(message)
    assert "Olivia Owner invites you to join Acme IT on Tandem as Editor, in Sales." in text
    html = message.get_body(preferencelist=("html",))
    assert html is not None
    assert f'href="{base_url}{path}"' in html.get_content()
    assert path.startswith("/invitations/")

    page = Client().get(path)
    assert page.status_code == 200
    assert "Olivia Owner invites nia@acme.test to Acme IT as Editor." in page.content.decode()

    client, response = join(path)
    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get(email="nia@acme.test")
    assert user.full_name == "Nia New"
    assert user.check_password(NEW_PASSWORD)
    assert Membership.objects.get(organization=cast.org, user=user).role == Role.EDITOR
    assert TeamMembership.objects.filter(team=cast.team, user=user).exists()
    home = client.get("/")
    assert home.status_code == 200
    assert "Welcome to Acme IT: you joined as Editor." in home.content.decode()
    invitation = Invitation.objects.get(email="nia@acme.test")
    assert invitation.accepted_by == user
    assert invitation.state() == "accepted"
    actions = set(
        AuditEvent.objects.filter(organization=cast.org, target_type="invitation").values_list(
            "action", flat=True
        )
    )
    assert actions == {"invitation.create", "invitation.accept"}


def test_the_email_waits_for_the_worker_on_the_mail_queue(
    cast: Cast, client_for, smtp_server: Mailbox, base_url: str
):
    invite(client_for(cast.owner), "nia@acme.test")
    assert smtp_server.messages == []  # the page did not talk to the mail server
    [queued] = DBTaskResult.objects.all()
    assert queued.queue_name == "mail"
    assert queued.task_path == "tandem.accounts.tasks.send_invitation"
    run_worker()
    queued.refresh_from_db()
    assert queued.status == "SUCCESSFUL"
    assert queued.return_value is True
    assert len(smtp_server.to("nia@acme.test")) == 1


def test_a_refused_invitation_enqueues_no_email(cast: Cast, client_for):
    response = invite(client_for(cast.owner), "member@acme.test")
    assert response.status_code == 422
    assert not DBTaskResult.objects.exists()
    assert not Invitation.objects.exists()


def test_the_token_is_kept_only_as_a_hash_nowhere_in_the_rows_or_the_queue(
    cast: Cast, client_for, smtp_server: Mailbox, base_url: str
):
    path = invitation_link(cast, client_for, smtp_server, "nia@acme.test")
    token = path.rstrip("/").rsplit("/", 1)[1]
    invitation = Invitation.objects.get()
    stored = " ".join(str(v) for v in Invitation.objects.values().get().values())
    assert token not in stored
    assert invitation.token_hash == tokens.invitation_token_hash(token)
    queued = " ".join(str(row) for row in DBTaskResult.objects.values_list("args_kwargs"))
    assert token not in queued


def test_a_used_link_says_it_has_already_been_used(
    cast: Cast, client_for, smtp_server: Mailbox, base_url: str
):
    path = invitation_link(cast, client_for, smtp_server, "nia@acme.test")
    join(path)
    again = Client().get(path)
    assert again.status_code == 410
    assert "This invitation has already been used." in again.content.decode()
    _, response = join(path, name="Someone Else")
    assert response.status_code == 410
    assert User.objects.filter(email="nia@acme.test").count() == 1


def test_an_expired_link_says_it_has_expired_and_creates_nothing(
    cast: Cast, client_for, smtp_server: Mailbox, base_url: str
):
    path = invitation_link(cast, client_for, smtp_server, "nia@acme.test")
    invitation = Invitation.objects.get()
    assert invitation.expires_at - invitation.created_at == dt.timedelta(days=7)
    Invitation.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    page = Client().get(path)
    assert page.status_code == 410
    assert "This invitation has expired." in page.content.decode()
    _, response = join(path)
    assert response.status_code == 410
    assert not User.objects.filter(email="nia@acme.test").exists()


def test_a_withdrawn_link_says_it_was_withdrawn(
    cast: Cast, client_for, smtp_server: Mailbox, base_url: str
):
    path = invitation_link(cast, client_for, smtp_server, "nia@acme.test")
    invitation = Invitation.objects.get()
    response = client_for(cast.admin).post(f"/settings/people/invitations/{invitation.pk}/revoke/")
    assert response.status_code == 302
    page = Client().get(path)
    assert page.status_code == 410
    assert "This invitation was withdrawn." in page.content.decode()
    assert (
        "No invitation is waiting."
        in client_for(cast.owner).get("/settings/people/").content.decode()
    )


def test_an_invitation_withdrawn_before_the_worker_runs_sends_nothing(
    cast: Cast, client_for, smtp_server: Mailbox
):
    invite(client_for(cast.owner), "nia@acme.test")
    services.invitation_revoke(invitation=Invitation.objects.get(), by=cast.owner)
    run_worker()
    assert smtp_server.messages == []


def test_reinviting_an_address_replaces_its_pending_invitation(
    cast: Cast, client_for, smtp_server: Mailbox, base_url: str
):
    first = invitation_link(cast, client_for, smtp_server, "nia@acme.test")
    second = invitation_link(cast, client_for, smtp_server, "NIA@acme.test", role="viewer")
    assert first != second
    assert Client().get(first).status_code == 410
    assert Invitation.objects.filter(revoked_at__isnull=True).count() == 1
    join(second)
    membership = Membership.objects.get(organization=cast.org, user__email="nia@acme.test")
    assert membership.role == Role.VIEWER


def test_inviting_someone_already_a_member_says_so_on_the_email_field(cast: Cast, client_for):
    response = invite(client_for(cast.owner), "Member@Acme.test")
    assert response.status_code == 422
    form = response.context["invite_form"]
    assert form.errors["email"] == ["member@acme.test is already a member of Acme IT."]


def test_an_admin_cannot_invite_an_owner(cast: Cast, client_for):
    response = invite(client_for(cast.admin), "nia@acme.test", role="owner")
    assert response.status_code == 422
    assert "role" in response.context["invite_form"].errors
    with pytest.raises(ValidationError) as refused:
        services.invitation_create(
            organization=cast.org, email="nia@acme.test", role=Role.OWNER, by=cast.admin
        )
    assert refused.value.message_dict == {"role": ["Only an owner can invite another owner."]}
    assert not Invitation.objects.exists()


def test_an_owner_can_invite_an_owner(cast: Cast, client_for, smtp_server: Mailbox, base_url):
    join(invitation_link(cast, client_for, smtp_server, "nia@acme.test", role="owner"))
    assert Membership.objects.get(user__email="nia@acme.test").role == Role.OWNER


def test_a_team_of_another_organisation_is_refused(cast: Cast):
    with pytest.raises(ValidationError) as refused:
        services.invitation_create(
            organization=cast.org,
            email="nia@acme.test",
            role=Role.MEMBER,
            teams=[cast.other_team],
            by=cast.owner,
        )
    assert "teams" in refused.value.message_dict


def test_an_existing_user_logged_in_as_the_address_joins_with_one_click(
    cast: Cast, client_for, smtp_server: Mailbox, base_url: str
):
    path = invitation_link(cast, client_for, smtp_server, "oscar@globex.test", role="viewer")
    oscar = client_for(cast.outsider)
    page = oscar.get(path)
    assert page.status_code == 200
    assert "Join Acme IT</button>" in page.content.decode()
    response = oscar.post(path)
    assert response.status_code == 302
    assert Membership.objects.get(organization=cast.org, user=cast.outsider).role == Role.VIEWER
    assert Membership.objects.filter(organization=cast.other_org, user=cast.outsider).exists()
    assert oscar.session[SESSION_KEY] == cast.org.pk  # lands in the organisation just joined
    assert User.objects.filter(email="oscar@globex.test").count() == 1


def test_an_existing_user_not_logged_in_is_asked_to_log_in_first(
    cast: Cast, client_for, smtp_server: Mailbox, base_url: str
):
    path = invitation_link(cast, client_for, smtp_server, "oscar@globex.test")
    anonymous = Client()
    page = anonymous.get(path).content.decode()
    assert "You already have a Tandem account with this address: log in first" in page
    assert f'href="/login/?next={path}"' in page
    join(path)  # no second account, no password change
    assert not Membership.objects.filter(organization=cast.org, user=cast.outsider).exists()
    cast.outsider.refresh_from_db()
    assert cast.outsider.check_password(PASSWORD)

    signed_in = anonymous.post(
        f"/login/?next={path}",
        {"username": "oscar@globex.test", "password": PASSWORD, "next": path},
    )
    assert signed_in["Location"] == path
    anonymous.post(path)
    assert Membership.objects.filter(organization=cast.org, user=cast.outsider).exists()


def test_someone_logged_in_as_another_address_is_told_and_cannot_accept(
    cast: Cast, client_for, smtp_server: Mailbox, base_url: str
):
    path = invitation_link(cast, client_for, smtp_server, "nia@acme.test")
    oscar = client_for(cast.outsider)
    page = oscar.get(path)
    assert page.status_code == 200
    assert "This invitation is for nia@acme.test; you are logged in as oscar@globex.test." in (
        page.content.decode()
    )
    assert oscar.post(path).status_code == 403
    assert not Membership.objects.filter(organization=cast.org, user=cast.outsider).exists()
    assert Invitation.objects.get().state() == "pending"


def test_a_weak_password_is_refused_on_its_field_and_creates_nothing(
    cast: Cast, client_for, smtp_server: Mailbox, base_url: str
):
    path = invitation_link(cast, client_for, smtp_server, "nia@acme.test")
    _, response = join(path, password="12345678")
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert "This password is entirely numeric." in errors["password"]
    _, response = join(path, name="   ")
    assert response.status_code == 422
    assert not User.objects.filter(email="nia@acme.test").exists()
    assert Invitation.objects.get().state() == "pending"


def test_differing_passwords_are_refused(
    cast: Cast, client_for, smtp_server: Mailbox, base_url: str
):
    path = invitation_link(cast, client_for, smtp_server, "nia@acme.test")
    response = Client().post(
        path, {"full_name": "Nia", "password": NEW_PASSWORD, "password_again": "other one!"}
    )
    assert response.status_code == 422
    assert response.context["form"].errors["password_again"] == ["The two passwords differ."]


def test_an_unknown_token_is_404(db):
    assert Client().get("/invitations/not-a-real-token/").status_code == 404


def test_an_outsider_cannot_withdraw_another_organisations_invitation(cast: Cast, client_for):
    invitation = services.invitation_create(
        organization=cast.org, email="nia@acme.test", role=Role.MEMBER, by=cast.owner
    )
    response = client_for(cast.outsider).post(
        f"/settings/people/invitations/{invitation.pk}/revoke/"
    )
    assert response.status_code == 404
    invitation.refresh_from_db()
    assert invitation.revoked_at is None


@pytest.mark.parametrize("role", ["editor", "member", "viewer"])
def test_only_owners_and_admins_withdraw_invitations(cast: Cast, client_for, role: str):
    invitation = services.invitation_create(
        organization=cast.org, email="nia@acme.test", role=Role.MEMBER, by=cast.owner
    )
    response = client_for(getattr(cast, role)).post(
        f"/settings/people/invitations/{invitation.pk}/revoke/"
    )
    assert response.status_code == 403
    invitation.refresh_from_db()
    assert invitation.revoked_at is None
