"""The rules of issue #5 beyond the matrix: members run their own and their teams'
objectives, leads run their team's, and private objectives are seen only by their
owner, the leads of their team, admins and owners."""

from __future__ import annotations

import pytest
import yaml
from django.core.management import call_command
from django.test import Client

from tandem.access.permissions import viewer_of
from tandem.accounts import services as accounts
from tandem.accounts.models import Role, User
from tandem.api.services import api_token_create
from tandem.integrations.okr_yaml import okrs_export
from tandem.okrs import services as okrs
from tandem.okrs.models import KeyResult, Objective
from tests.conftest import Cast, make_user

SECRET = "Acquire Initech quietly"


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def objective_form(cast: Cast, owner: str, title: str = "Delight our biggest customers") -> dict:
    data = {
        "title": title,
        "description": "",
        "kind": "committed",
        "owner": owner,
        "cycle": cast.cycle.pk,
        "kr-TOTAL_FORMS": "0",
        "kr-INITIAL_FORMS": "0",
        "kr-MIN_NUM_FORMS": "0",
        "kr-MAX_NUM_FORMS": "5",
    }
    return data


@pytest.fixture
def lead(cast: Cast) -> User:
    """A member (not an editor) who leads Sales."""
    user = make_user("lena@acme.test", "Lena Lead")
    accounts.membership_add(organization=cast.org, user=user, role=Role.MEMBER, by=cast.owner)
    accounts.team_add_member(team=cast.team, user=user, is_lead=True, by=cast.owner)
    return user


@pytest.fixture
def secret(cast: Cast) -> Objective:
    """A private objective of Sales, with a key result owned by the admin (the owner of
    a key result sees its objective, so not one of the people it is hidden from)."""
    objective = okrs.objective_create(
        organization=cast.org,
        cycle=cast.cycle,
        owner_team=cast.team,
        title=SECRET,
        is_private=True,
        by=cast.owner,
    )
    okrs.key_result_create(
        objective=objective,
        title="Sign the letter of intent",
        kind=KeyResult.Kind.MILESTONE,
        owner=cast.admin,
        by=cast.owner,
    )
    return objective


def api(cast: Cast, user: User) -> Client:
    _, token = api_token_create(
        user=user, organization=cast.org, name="t", scope="write", expires_on=None, by=user
    )
    return Client(headers={"Authorization": f"Bearer {token}"})


# -- members and leads ------------------------------------------------------------------------


def test_a_member_creates_an_objective_for_their_team(cast: Cast):
    response = client_for(cast.member).post(
        "/objectives/new/", objective_form(cast, f"team:{cast.team.pk}")
    )
    assert response.status_code == 302
    assert Objective.objects.get(title="Delight our biggest customers").owner_team == cast.team


def test_a_member_creates_an_objective_for_themselves(cast: Cast):
    response = client_for(cast.member).post(
        "/objectives/new/", objective_form(cast, f"user:{cast.member.pk}")
    )
    assert response.status_code == 302


def test_a_member_creating_an_objective_for_another_team_is_403(cast: Cast):
    response = client_for(cast.member).post(
        "/objectives/new/", objective_form(cast, f"team:{cast.company.pk}")
    )
    assert response.status_code == 403
    assert not Objective.objects.filter(title="Delight our biggest customers").exists()


def test_a_member_cannot_hand_their_teams_objective_to_another_team(cast: Cast):
    response = client_for(cast.member).post(
        f"/objectives/{cast.objective.pk}/edit/",
        {**objective_form(cast, f"team:{cast.company.pk}"), "version": cast.objective.version},
    )
    assert response.status_code == 403
    cast.objective.refresh_from_db()
    assert cast.objective.owner_team == cast.team


def test_a_member_creating_an_objective_for_another_team_through_the_api_is_403(cast: Cast):
    response = api(cast, cast.member).post(
        "/api/v1/objectives",
        {"cycle": cast.cycle.pk, "title": "Theirs", "owner_team": cast.company.pk},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_a_member_cannot_edit_another_teams_objective(cast: Cast):
    company = okrs.objective_create(
        organization=cast.org, cycle=cast.cycle, owner_team=cast.company, title="C", by=cast.owner
    )
    assert client_for(cast.member).get(f"/objectives/{company.pk}/edit/").status_code == 403
    response = api(cast, cast.member).patch(
        f"/api/v1/objectives/{company.pk}",
        {"title": "Mine now", "version": company.version},
        content_type="application/json",
    )
    assert response.status_code == 403


def test_a_lead_edits_their_teams_objective(cast: Cast, lead: User):
    response = client_for(lead).post(
        f"/objectives/{cast.objective.pk}/edit/",
        {
            **objective_form(cast, f"team:{cast.team.pk}", title="Own the region"),
            "version": cast.objective.version,
        },
    )
    assert response.status_code == 302
    cast.objective.refresh_from_db()
    assert cast.objective.title == "Own the region"


def test_a_lead_adds_a_key_result_to_their_teams_objective(cast: Cast, lead: User):
    response = api(cast, lead).post(
        "/api/v1/key-results",
        {"objective": cast.objective.pk, "title": "Ship the portal", "kind": "milestone"},
        content_type="application/json",
    )
    assert response.status_code == 201


def test_a_viewer_cannot_create_even_for_themselves(cast: Cast):
    response = client_for(cast.viewer).post(
        "/objectives/new/", objective_form(cast, f"user:{cast.viewer.pk}")
    )
    assert response.status_code == 403


# -- private objectives: who sees them ---------------------------------------------------------


@pytest.mark.parametrize("who", ["viewer", "member", "editor_not_lead"])
def test_a_private_objective_is_hidden_everywhere_from_those_who_may_not_see_it(
    cast: Cast, secret: Objective, who: str
):
    if who == "editor_not_lead":
        user = make_user("eve@acme.test", "Eve Editor")
        accounts.membership_add(organization=cast.org, user=user, role=Role.EDITOR, by=cast.owner)
        accounts.team_add_member(team=cast.team, user=user, by=cast.owner)
    else:
        user = getattr(cast, who)
    client = client_for(user)
    pages = [
        "/",
        f"/teams/{cast.team.slug}/",
        "/tree/",
        f"/cycles/{cast.cycle.pk}/tree/",
        f"/cycles/{cast.cycle.pk}/review/",
        f"/cycles/{cast.cycle.pk}/coach/",
        "/health/",
        "/scorecard/",
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == 200, page
        assert SECRET not in response.content.decode(), f"{page} shows the private objective"
    for address in (
        f"/objectives/{secret.pk}/",
        f"/objectives/{secret.pk}/edit/",
        f"/cycles/{cast.cycle.pk}/tree/branch/{secret.pk}/",
    ):
        assert client.get(address).status_code == 404, address
    kr = secret.key_results.get()
    assert client.post(f"/key-results/{kr.pk}/check-in/", {"done": "on"}).status_code == 404

    token = api(cast, user)
    listing = token.get("/api/v1/objectives").json()
    assert secret.pk not in [item["id"] for item in listing["items"]]
    assert cast.objective.pk in [item["id"] for item in listing["items"]]
    key_results = token.get("/api/v1/key-results").json()
    assert kr.pk not in [item["id"] for item in key_results["items"]]
    assert token.get(f"/api/v1/objectives/{secret.pk}").status_code == 404
    assert token.get(f"/api/v1/key-results/{kr.pk}").status_code == 404
    assert token.get(f"/api/v1/key-results/{kr.pk}/check-ins").status_code == 404

    export = okrs_export(organization=cast.org, cycle=cast.cycle, viewer=viewer_of_user(cast, user))
    assert SECRET not in str(export)


def viewer_of_user(cast: Cast, user: User):
    return viewer_of(cast.org.memberships.get(user=user))


@pytest.mark.parametrize("who", ["owner", "admin", "lead"])
def test_a_private_objective_shows_to_admins_owners_and_its_teams_leads(
    cast: Cast, secret: Objective, lead: User, who: str
):
    user = lead if who == "lead" else getattr(cast, who)
    client = client_for(user)
    assert client.get(f"/objectives/{secret.pk}/").status_code == 200
    assert SECRET in client.get(f"/teams/{cast.team.slug}/").content.decode()
    assert SECRET in client.get("/tree/").content.decode()
    token = api(cast, user)
    assert token.get(f"/api/v1/objectives/{secret.pk}").status_code == 200
    ids = [item["id"] for item in token.get("/api/v1/objectives").json()["items"]]
    assert secret.pk in ids


def test_a_private_objective_owned_by_a_person_shows_to_that_person(cast: Cast):
    mine = okrs.objective_create(
        organization=cast.org,
        cycle=cast.cycle,
        owner_user=cast.member,
        title="Learn Django",
        is_private=True,
        by=cast.member,
    )
    assert client_for(cast.member).get(f"/objectives/{mine.pk}/").status_code == 200
    assert "Learn Django" in client_for(cast.member).get("/").content.decode()
    assert client_for(cast.viewer).get(f"/objectives/{mine.pk}/").status_code == 404


def test_the_owner_of_a_key_result_of_a_private_objective_sees_it_and_checks_in(
    cast: Cast, secret: Objective
):
    kr = okrs.key_result_create(
        objective=secret, title="Visit the site", kind=KeyResult.Kind.MILESTONE,
        owner=cast.member, by=cast.owner,
    )  # fmt: skip
    client = client_for(cast.member)
    assert client.get(f"/objectives/{secret.pk}/").status_code == 200
    assert SECRET in client.get(f"/teams/{cast.team.slug}/").content.decode()
    checked = client.post(f"/key-results/{kr.pk}/check-in/", {"done": "on", "confidence": "7"})
    assert checked.status_code == 302
    kr.refresh_from_db()
    assert kr.last_checkin_at is not None
    ids = [item["id"] for item in api(cast, cast.member).get("/api/v1/objectives").json()["items"]]
    assert secret.pk in ids
    assert client_for(cast.viewer).get(f"/objectives/{secret.pk}/").status_code == 404


def test_a_private_objective_counts_in_no_roll_up_shown_to_others(cast: Cast, secret: Objective):
    kr = secret.key_results.get()
    okrs.key_result_check_in(key_result=kr, done=True, confidence=9, by=cast.owner)
    okrs.alignment_add(objective=secret, parent_objective=cast.objective, by=cast.owner)
    client = client_for(cast.viewer)
    cycles = client.get("/cycles/").content.decode()
    tree = client.get("/tree/")
    assert tree.context["facts"].objectives == 1
    assert client_for(cast.owner).get("/tree/").context["facts"].objectives == 2
    assert SECRET not in cycles


def test_the_command_line_exports_private_objectives_only_without_as(cast: Cast, secret, tmp_path):
    everything = tmp_path / "all.yaml"
    call_command("exportfile", "--org", cast.org.slug, "--cycle", cast.cycle.name, "-o", everything)
    assert SECRET in everything.read_text()
    viewers = tmp_path / "viewer.yaml"
    call_command(
        "exportfile",
        "--org",
        cast.org.slug,
        "--cycle",
        cast.cycle.name,
        "--as",
        cast.viewer.email,
        "-o",
        viewers,
    )
    titles = [o["title"] for o in yaml.safe_load(viewers.read_text())["objectives"]]
    assert titles == [cast.objective.title]


def test_a_csv_check_in_import_does_not_find_a_private_key_result(cast: Cast, secret):
    from tandem.integrations import files

    kr = secret.key_results.get()
    table = files.Table(
        header=["key_result", "done", "confidence"], rows=[[str(kr.pk), "yes", "8"]]
    )
    with pytest.raises(files.FileError) as refused:
        files.checkins_check(organization=cast.org, table=table, by=cast.member)
    assert f"No key result #{kr.pk}" in str(refused.value)


def test_a_yaml_import_by_an_editor_cannot_name_a_private_objective(cast: Cast, secret):
    from tandem.integrations.okr_yaml import OkrYamlError, okrs_import_yaml

    # Not the editor of the cast: that one leads Sales, and sees its private objectives.
    editor = make_user("eve@acme.test", "Eve Editor")
    accounts.membership_add(organization=cast.org, user=editor, role=Role.EDITOR, by=cast.owner)
    text = yaml.safe_dump(
        {
            "version": 1,
            "cycle": cast.cycle.name,
            "objectives": [{"key": f"obj-{secret.pk}", "title": "Leaked", "owner_team": "sales"}],
        }
    )
    with pytest.raises(OkrYamlError):
        okrs_import_yaml(organization=cast.org, text=text, by=editor)
    secret.refresh_from_db()
    assert secret.title == SECRET
