"""Teams, people and cycles through the API."""

from __future__ import annotations

import datetime as dt

from tandem.okrs.models import Cycle
from tests.api.conftest import Api, Tokens, assert_problem
from tests.conftest import Cast


def test_team_list_and_read(api: Api, cast: Cast, tokens: Tokens) -> None:
    listed = api.get("/teams", as_=tokens.reader).json()
    assert {t["name"] for t in listed["items"]} == {"Acme IT", "Sales"}
    children = api.get(f"/teams?parent={cast.company.pk}", as_=tokens.reader).json()
    assert [t["id"] for t in children["items"]] == [cast.team.pk]
    read = api.get(f"/teams/{cast.team.pk}", as_=tokens.reader).json()
    assert read["parent"] == cast.company.pk
    assert read["slug"] == "sales"


def test_team_of_another_organisation_is_404(api: Api, cast: Cast, tokens: Tokens) -> None:
    assert_problem(api.get(f"/teams/{cast.other_team.pk}", as_=tokens.reader), 404)


def test_people_list_and_read_with_roles(api: Api, cast: Cast, tokens: Tokens) -> None:
    listed = api.get("/people", as_=tokens.reader).json()
    assert {p["email"]: p["role"] for p in listed["items"]} == {
        "olivia@acme.test": "owner",
        "admin@acme.test": "admin",
        "editor@acme.test": "editor",
        "member@acme.test": "member",
        "viewer@acme.test": "viewer",
    }
    viewers = api.get("/people?role=viewer", as_=tokens.reader).json()
    assert [p["id"] for p in viewers["items"]] == [cast.viewer.pk]
    read = api.get(f"/people/{cast.member.pk}", as_=tokens.reader).json()
    assert read["full_name"] == "Member Person"


def test_person_of_another_organisation_is_404(api: Api, cast: Cast, tokens: Tokens) -> None:
    assert_problem(api.get(f"/people/{cast.outsider.pk}", as_=tokens.reader), 404)


def test_cycle_list_read_and_create(api: Api, cast: Cast, tokens: Tokens) -> None:
    listed = api.get("/cycles?state=active", as_=tokens.reader).json()
    assert [c["id"] for c in listed["items"]] == [cast.cycle.pk]
    assert api.get(f"/cycles/{cast.cycle.pk}", as_=tokens.reader).json()["state"] == "active"
    start = cast.cycle.end_date + dt.timedelta(days=1)
    created = api.post(
        "/cycles",
        {
            "name": "Next quarter",
            "start_date": str(start),
            "end_date": str(start + dt.timedelta(days=89)),
        },
        as_=tokens.editor,
    )
    assert created.status_code == 201, created.content
    assert Cycle.objects.get(pk=created.json()["id"]).state == "planning"


def test_cycle_ending_before_it_starts_is_422_naming_end_date(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    response = api.post(
        "/cycles",
        {"name": "Odd", "start_date": "2026-04-01", "end_date": "2026-03-01"},
        as_=tokens.owner,
    )
    assert_problem(response, 422, "end_date")


def test_member_cannot_create_a_cycle(api: Api, tokens: Tokens) -> None:
    response = api.post(
        "/cycles",
        {"name": "Q", "start_date": "2026-04-01", "end_date": "2026-06-30"},
        as_=tokens.member,
    )
    assert_problem(response, 403)


def test_cycle_of_another_organisation_is_404(api: Api, cast: Cast, tokens: Tokens) -> None:
    assert_problem(api.get(f"/cycles/{cast.cycle.pk}", as_=tokens.outsider), 404)


def test_unknown_address_under_the_api_is_404_problem(api: Api, tokens: Tokens) -> None:
    response = api.get("/no-such-thing", as_=tokens.reader)
    assert response.status_code == 404
