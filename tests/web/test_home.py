from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.okrs import services as okrs
from tests.conftest import Cast


def test_home_lists_my_okrs_through_the_key_results_i_own(cast: Cast, client_for):
    response = client_for(cast.member).get("/")
    assert response.status_code == 200
    mine = [o.pk for o in response.context["my_objectives"]]
    assert mine == [cast.objective.pk]
    # Shown once: not repeated under the teams' OKRs.
    assert response.context["team_objectives"] == []
    page = response.content.decode()
    assert "Sign new recurring contracts" in page
    assert "Now 0 · target 100" in page
    assert "Not started" in page
    assert "No check-in yet" in page


def test_home_lists_objectives_i_own_in_person(cast: Cast, client_for):
    mine = okrs.objective_create(
        organization=cast.org,
        cycle=cast.cycle,
        owner_user=cast.viewer,
        title="Learn the product inside out",
        by=cast.owner,
    )
    response = client_for(cast.viewer).get("/")
    assert [o.pk for o in response.context["my_objectives"]] == [mine.pk]


def test_home_lists_my_teams_okrs(cast: Cast, client_for):
    response = client_for(cast.editor).get("/")
    assert response.context["my_objectives"] == []
    assert [o.pk for o in response.context["team_objectives"]] == [cast.objective.pk]


def test_home_shows_progress_status_and_the_age_of_the_last_check_in(cast: Cast, client_for):
    three_days_ago = timezone.now() - dt.timedelta(days=3)
    okrs.key_result_check_in(
        key_result=cast.kr, value="90", confidence=8, by=cast.member, at=three_days_ago
    )
    page = client_for(cast.member).get("/").content.decode()
    assert "90%" in page
    assert "On track" in page
    assert "Last check-in 3\xa0days\xa0ago" in page
    assert "Now 90 · target 100" in page


def test_home_without_any_cycle_says_so(cast: Cast, client_for):
    cast.org.cycles.update(organization=cast.other_org)
    response = client_for(cast.member).get("/")
    assert response.status_code == 200
    assert "There is no cycle yet" in response.content.decode()


def test_home_query_count_does_not_grow_with_the_data(
    cast: Cast, client_for, more_okrs, django_assert_max_num_queries
):
    client = client_for(cast.member)
    client.get("/")  # warm the session
    # One of everything first: a prefetch with no parent rows runs no query at all.
    more_okrs(1)
    with CaptureQueriesContext(connection) as small:
        client.get("/")
    more_okrs(10)
    with django_assert_max_num_queries(len(small)):
        response = client.get("/")
    assert len(response.context["my_objectives"]) == 12


def test_closed_cycle_objectives_show_no_check_in_form(cast: Cast, client_for):
    okrs.key_result_check_in(key_result=cast.kr, value=Decimal(50), confidence=5, by=cast.member)
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    page = client_for(cast.member).get("/").content.decode()
    assert "Sign new recurring contracts" in page
    assert "/check-in/" not in page
