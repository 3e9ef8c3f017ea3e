"""The cycles list: nesting, counts, creating, planning a fiscal year, starting cycles."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.test import Client

from tandem.accounts.models import User
from tandem.okrs import services as okrs
from tandem.okrs.models import Cycle
from tests.conftest import Cast
from tests.cycles.conftest import objective_at

Clients = Callable[[User], Client]


def row_of(html: str, cycle: Cycle) -> str:
    match = re.search(rf'<tr[^>]*id="cycle-{cycle.pk}".*?</tr>', html, re.S)
    assert match, f"no row for {cycle.name}"
    return match.group(0)


def test_anonymous_visitors_are_sent_to_log_in(client: Client, cast: Cast):
    response = client.get("/cycles/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_quarters_are_listed_under_their_year_with_state_dates_count_and_mean_progress(
    cast: Cast, client_for: Clients
):
    year, quarters = okrs.cycle_create_quarters_for_year(
        organization=cast.org, year=2040, by=cast.owner
    )
    objective_at(cast, "Half way", progress="0.5", team=cast.team, cycle=quarters[1])
    objective_at(cast, "Done", progress="1", team=cast.team, cycle=quarters[1])
    objective_at(cast, "No key results", progress=None, team=cast.team, cycle=quarters[1])
    html = client_for(cast.viewer).get("/cycles/").content.decode()
    names = re.findall(r'<tr class="cycles__row cycles__row--depth-(\d)" id="cycle-(\d+)"', html)
    assert names == [
        ("0", str(year.pk)),
        *[("1", str(q.pk)) for q in quarters],
        ("0", str(cast.cycle.pk)),
    ]
    q2 = row_of(html, quarters[1])
    assert "Planning" in q2
    assert "1 Apr 2040 \u2013 30 Jun 2040" in q2
    assert '<td class="num">3</td>' in q2
    assert "50%" in q2  # (0.5 + 1 + 0) / 3
    assert "No objectives" in row_of(html, quarters[0])


def test_viewers_see_no_buttons_to_change_cycles(cast: Cast, client_for: Clients):
    html = client_for(cast.viewer).get("/cycles/").content.decode()
    assert "Create cycle" not in html
    assert f"Close {cast.cycle.name}" not in html


def test_an_editor_creates_a_quarter_inside_a_year(cast: Cast, client_for: Clients):
    year, _ = okrs.cycle_create_quarters_for_year(organization=cast.org, year=2041, by=cast.owner)
    response = client_for(cast.editor).post(
        "/cycles/",
        {
            "name": "Sprint 2041",
            "kind": "custom",
            "start_date": "2041-02-01",
            "end_date": "2041-02-28",
            "parent": str(year.pk),
        },
    )
    assert response.status_code == 302
    cycle = Cycle.objects.get(organization=cast.org, name="Sprint 2041")
    assert (cycle.parent, cycle.state) == (year, Cycle.State.PLANNING)


def field_errors(html: str, field: str) -> str:
    match = re.search(rf'id="id_{field}_error">(.*?)</ul>', html, re.S)
    return match.group(1) if match else ""


def test_a_cycle_that_ends_before_it_starts_gets_an_error_on_its_end(
    cast: Cast, client_for: Clients
):
    response = client_for(cast.admin).post(
        "/cycles/",
        {
            "name": "Backwards",
            "kind": "quarter",
            "start_date": "2042-03-01",
            "end_date": "2042-01-01",
        },
    )
    assert response.status_code == 422
    assert "must end after it starts" in field_errors(response.content.decode(), "end_date")
    assert not Cycle.objects.filter(name="Backwards").exists()


def test_a_taken_name_gets_an_error_on_the_name(cast: Cast, client_for: Clients):
    response = client_for(cast.owner).post(
        "/cycles/",
        {
            "name": "this QUARTER",
            "kind": "quarter",
            "start_date": "2042-01-01",
            "end_date": "2042-03-31",
        },
    )
    assert response.status_code == 422
    assert "already exists" in field_errors(response.content.decode(), "name")


def test_a_quarter_outside_its_year_gets_an_error_on_the_year(cast: Cast, client_for: Clients):
    year, _ = okrs.cycle_create_quarters_for_year(organization=cast.org, year=2043, by=cast.owner)
    response = client_for(cast.owner).post(
        "/cycles/",
        {
            "name": "Stray",
            "kind": "quarter",
            "start_date": "2044-01-01",
            "end_date": "2044-03-31",
            "parent": str(year.pk),
        },
    )
    assert response.status_code == 422
    assert "must lie inside 2043" in field_errors(response.content.decode(), "parent")


def test_another_organisations_year_cannot_be_chosen_as_parent(cast: Cast, client_for: Clients):
    theirs = okrs.cycle_create(
        organization=cast.other_org,
        name="2045",
        kind=Cycle.Kind.YEAR,
        start_date=dt.date(2045, 1, 1),
        end_date=dt.date(2045, 12, 31),
        by=cast.outsider,
    )
    response = client_for(cast.owner).post(
        "/cycles/",
        {
            "name": "Borrowed",
            "kind": "quarter",
            "start_date": "2045-01-01",
            "end_date": "2045-03-31",
            "parent": str(theirs.pk),
        },
    )
    assert response.status_code == 422
    assert field_errors(response.content.decode(), "parent")
    assert not Cycle.objects.filter(name="Borrowed").exists()


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_members_and_viewers_cannot_create_cycles(cast: Cast, client_for: Clients, role: str):
    response = client_for(getattr(cast, role)).post(
        "/cycles/",
        {"name": "Sneaky", "kind": "quarter", "start_date": "2046-01-01", "end_date": "2046-03-31"},
    )
    assert response.status_code == 403
    assert not Cycle.objects.filter(name="Sneaky").exists()


def test_planning_a_fiscal_year_creates_it_with_its_quarters(cast: Cast, client_for: Clients):
    response = client_for(cast.editor).post("/cycles/fiscal-year/", {"year": "2047"})
    assert response.status_code == 302
    year = Cycle.objects.get(organization=cast.org, name="2047")
    assert list(year.children.order_by("start_date").values_list("name", flat=True)) == [
        "Q1 2047",
        "Q2 2047",
        "Q3 2047",
        "Q4 2047",
    ]


def test_planning_a_year_twice_names_the_clash_on_the_year_field(cast: Cast, client_for: Clients):
    client = client_for(cast.editor)
    client.post("/cycles/fiscal-year/", {"year": "2048"})
    response = client.post("/cycles/fiscal-year/", {"year": "2048"})
    assert response.status_code == 422
    assert "“2048”" in field_errors(response.content.decode(), "year")


def test_a_member_cannot_plan_a_fiscal_year(cast: Cast, client_for: Clients):
    assert client_for(cast.member).post("/cycles/fiscal-year/", {"year": "2049"}).status_code == 403


def test_an_editor_starts_a_planning_cycle(cast: Cast, client_for: Clients):
    year, _ = okrs.cycle_create_quarters_for_year(organization=cast.org, year=2050, by=cast.owner)
    response = client_for(cast.editor).post(f"/cycles/{year.pk}/activate/")
    assert response.status_code == 302
    year.refresh_from_db()
    assert year.state == Cycle.State.ACTIVE


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_members_and_viewers_cannot_start_a_cycle(cast: Cast, client_for: Clients, role: str):
    year, _ = okrs.cycle_create_quarters_for_year(organization=cast.org, year=2051, by=cast.owner)
    assert client_for(getattr(cast, role)).post(f"/cycles/{year.pk}/activate/").status_code == 403
    year.refresh_from_db()
    assert year.state == Cycle.State.PLANNING


def test_starting_another_organisations_cycle_is_404(cast: Cast, client_for: Clients):
    theirs = okrs.cycle_create(
        organization=cast.other_org,
        name="Theirs",
        start_date=dt.date(2052, 1, 1),
        end_date=dt.date(2052, 3, 31),
        by=cast.outsider,
    )
    assert client_for(cast.owner).post(f"/cycles/{theirs.pk}/activate/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == Cycle.State.PLANNING


def test_a_closed_cycle_cannot_be_started_again_and_the_page_says_why(
    cast: Cast, client_for: Clients
):
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    client = client_for(cast.owner)
    response = client.post(f"/cycles/{cast.cycle.pk}/activate/", follow=True)
    assert "is closed and cannot be reopened" in response.content.decode()
    cast.cycle.refresh_from_db()
    assert cast.cycle.state == Cycle.State.CLOSED


def test_the_cycles_page_runs_the_same_queries_for_few_and_many_cycles(
    cast: Cast, client_for: Clients, django_assert_max_num_queries
):
    client = client_for(cast.viewer)
    okrs.cycle_create_quarters_for_year(organization=cast.org, year=2060, by=cast.owner)
    with django_assert_max_num_queries(14) as few:
        client.get("/cycles/")
    for year in range(2061, 2066):
        _, quarters = okrs.cycle_create_quarters_for_year(
            organization=cast.org, year=year, by=cast.owner
        )
        objective_at(cast, f"Goal {year}", progress="0.3", team=cast.team, cycle=quarters[0])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/cycles/")
    assert response.content.decode().count("cycles__row--depth-1") == 24
