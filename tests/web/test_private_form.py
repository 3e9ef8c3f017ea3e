"""Marking an objective private from its web form, and the "Private" marker."""

from __future__ import annotations

from typing import Any

import pytest

from tandem.accounts import services as accounts
from tandem.accounts.models import Role, User
from tandem.okrs import services as okrs
from tandem.okrs.models import Objective
from tests.conftest import Cast, make_user

SECRET = "Open an office in Lyon"
MARKER = "🔒 Private"


def objective_data(cast: Cast, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": SECRET,
        "description": "",
        "kind": "committed",
        "owner": f"team:{cast.team.pk}",
        "cycle": cast.cycle.pk,
        "kr-TOTAL_FORMS": "0",
        "kr-INITIAL_FORMS": "0",
        "kr-MIN_NUM_FORMS": "0",
        "kr-MAX_NUM_FORMS": "5",
    }
    data.update(overrides)
    return data


@pytest.fixture
def secret(cast: Cast, client_for) -> Objective:
    """Sales's private objective, created through the form by the team's lead."""
    response = client_for(cast.editor).post(
        "/objectives/new/", objective_data(cast, is_private="on")
    )
    assert response.status_code == 302
    return Objective.objects.get(title=SECRET)


def test_the_objective_forms_offer_the_private_checkbox(cast: Cast, client_for):
    for address in ("/objectives/new/", f"/objectives/{cast.objective.pk}/edit/"):
        page = client_for(cast.editor).get(address).content.decode()
        assert 'name="is_private"' in page, address
        assert "Private: only its owner, its team&#x27;s leads and admins see it" in page


def test_a_lead_creates_a_private_objective_through_the_form(cast: Cast, secret: Objective):
    assert secret.is_private
    assert secret.owner_team == cast.team


def test_a_plain_member_of_the_team_does_not_see_it_on_the_team_page(
    cast: Cast, secret: Objective, client_for
):
    page = client_for(cast.member).get(f"/teams/{cast.team.slug}/").content.decode()
    assert cast.objective.title in page
    assert SECRET not in page
    assert client_for(cast.member).get(f"/objectives/{secret.pk}/").status_code == 404


def test_the_lead_sees_it_on_the_team_page_with_its_private_marker(
    cast: Cast, secret: Objective, client_for
):
    page = client_for(cast.editor).get(f"/teams/{cast.team.slug}/").content.decode()
    assert SECRET in page
    assert MARKER in page


def test_a_person_sees_their_own_private_objective_marked_private(cast: Cast, client_for):
    response = client_for(cast.member).post(
        "/objectives/new/",
        objective_data(cast, owner=f"user:{cast.member.pk}", is_private="on"),
    )
    assert response.status_code == 302
    mine = Objective.objects.get(title=SECRET)
    assert (mine.is_private, mine.owner_user) == (True, cast.member)
    for address in ("/", f"/objectives/{mine.pk}/", "/tree/"):
        page = client_for(cast.member).get(address).content.decode()
        assert SECRET in page, address
        assert MARKER in page, address
    assert SECRET not in client_for(cast.viewer).get("/").content.decode()


def test_a_public_objective_carries_no_private_marker(cast: Cast, client_for):
    for address in ("/", f"/objectives/{cast.objective.pk}/", "/tree/"):
        assert MARKER not in client_for(cast.owner).get(address).content.decode(), address


def test_editing_it_to_public_makes_it_visible_to_the_team(
    cast: Cast, secret: Objective, client_for
):
    edit = client_for(cast.editor).get(f"/objectives/{secret.pk}/edit/")
    assert edit.context["form"].initial["is_private"] is True
    response = client_for(cast.editor).post(
        f"/objectives/{secret.pk}/edit/", objective_data(cast, version=secret.version)
    )
    assert response.status_code == 302
    secret.refresh_from_db()
    assert not secret.is_private
    page = client_for(cast.member).get(f"/teams/{cast.team.slug}/").content.decode()
    assert SECRET in page


def test_editing_a_public_objective_to_private_hides_it_from_the_team(cast: Cast, client_for):
    response = client_for(cast.editor).post(
        f"/objectives/{cast.objective.pk}/edit/",
        objective_data(
            cast, title=cast.objective.title, version=cast.objective.version, is_private="on"
        ),
    )
    assert response.status_code == 302
    cast.objective.refresh_from_db()
    assert cast.objective.is_private
    viewer_page = client_for(cast.viewer).get(f"/teams/{cast.team.slug}/").content.decode()
    assert cast.objective.title not in viewer_page


def test_a_plain_member_cannot_make_their_teams_objective_private_and_lose_it(
    cast: Cast, client_for
):
    response = client_for(cast.member).post(
        "/objectives/new/", objective_data(cast, is_private="on")
    )
    assert response.status_code == 422
    assert "You would no longer see it" in str(response.context["form"].errors["is_private"])
    assert not Objective.objects.filter(title=SECRET).exists()


def test_an_editor_not_leading_the_team_cannot_hide_its_objective_from_themselves(
    cast: Cast, client_for
):
    editor = make_user("eve@acme.test", "Eve Editor")
    accounts.membership_add(organization=cast.org, user=editor, role=Role.EDITOR, by=cast.owner)
    version = cast.objective.version
    response = client_for(editor).post(
        f"/objectives/{cast.objective.pk}/edit/",
        objective_data(cast, title=cast.objective.title, version=version, is_private="on"),
    )
    assert response.status_code == 422
    assert "is_private" in response.context["form"].errors
    cast.objective.refresh_from_db()
    assert (cast.objective.is_private, cast.objective.version) == (False, version)


def test_saving_an_objective_audits_the_private_flag(cast: Cast, client_for):
    from tandem.audit.models import AuditEvent

    client_for(cast.editor).post("/objectives/new/", objective_data(cast, is_private="on"))
    created = Objective.objects.get(title=SECRET)
    event = AuditEvent.objects.get(action="objective.create", target_id=created.pk)
    assert event.after is not None
    assert event.after["is_private"] is True


def test_the_owner_of_a_key_result_sees_the_private_objective(cast: Cast, client_for):
    viewer_user: User = cast.viewer
    objective = okrs.objective_create(
        organization=cast.org,
        cycle=cast.cycle,
        owner_team=cast.company,
        title=SECRET,
        is_private=True,
        by=cast.owner,
    )
    okrs.key_result_create(
        objective=objective, title="Sign the lease", kind="milestone", owner=cast.member, by=None
    )
    assert client_for(cast.member).get(f"/objectives/{objective.pk}/").status_code == 200
    assert client_for(viewer_user).get(f"/objectives/{objective.pk}/").status_code == 404
