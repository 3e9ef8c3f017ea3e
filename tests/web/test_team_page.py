from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.accounts import services as accounts
from tandem.okrs import services as okrs
from tandem.okrs.models import Cycle
from tests.conftest import Cast


def _last_quarter(cast: Cast) -> Cycle:
    start = cast.cycle.start_date
    end = start - dt.timedelta(days=1)
    return okrs.cycle_create(
        organization=cast.org,
        name="Last quarter",
        start_date=end.replace(day=1) - dt.timedelta(days=62),
        end_date=end,
        state=Cycle.State.ACTIVE,
        by=cast.owner,
    )


def test_team_page_shows_objectives_key_results_statuses_and_owners(cast: Cast, client_for):
    response = client_for(cast.viewer).get("/teams/sales/")
    assert response.status_code == 200
    page = response.content.decode()
    assert cast.objective.title in page
    assert "Sign new recurring contracts" in page
    assert "Member Person" in page
    assert "status--not_started" in page
    assert response.context["cycle"] == cast.cycle


def test_team_page_links_its_sub_teams_and_its_parent(cast: Cast, client_for):
    accounts.team_create(
        organization=cast.org, name="Inside sales", parent=cast.team, by=cast.owner
    )
    page = client_for(cast.member).get("/teams/sales/").content.decode()
    assert 'href="/teams/inside-sales/?cycle=' in page
    assert 'href="/teams/acme-it/?cycle=' in page


def test_the_cycle_switcher_shows_another_cycle(cast: Cast, client_for):
    last = _last_quarter(cast)
    old = okrs.objective_create(
        organization=cast.org, cycle=last, owner_team=cast.team, title="Old goal", by=cast.owner
    )
    client = client_for(cast.member)
    page = client.get("/teams/sales/").content.decode()
    assert 'name="cycle"' in page
    assert "Last quarter" in page
    assert "Old goal" not in page
    response = client.get(f"/teams/sales/?cycle={last.pk}")
    assert [o.pk for o in response.context["objectives"]] == [old.pk]
    assert cast.objective.title not in response.content.decode()


def test_another_organisations_team_is_404(cast: Cast, client_for):
    assert client_for(cast.member).get(f"/teams/{cast.other_team.slug}/").status_code == 404


def test_another_organisations_cycle_is_404(cast: Cast, client_for):
    theirs = okrs.cycle_create(
        organization=cast.other_org,
        name="Their quarter",
        start_date=cast.cycle.start_date,
        end_date=cast.cycle.end_date,
        by=cast.outsider,
    )
    client = client_for(cast.member)
    assert client.get(f"/teams/sales/?cycle={theirs.pk}").status_code == 404
    assert client.get("/teams/sales/?cycle=nonsense").status_code == 404


def test_the_team_list_links_every_team(cast: Cast, client_for):
    page = client_for(cast.viewer).get("/teams/").content.decode()
    assert 'href="/teams/sales/"' in page
    assert 'href="/teams/acme-it/"' in page
    assert "Globex" not in page


def test_editors_get_a_new_objective_link_preselecting_team_and_cycle(cast: Cast, client_for):
    editor_page = client_for(cast.editor).get("/teams/sales/").content.decode()
    assert f"/objectives/new/?team=sales&amp;cycle={cast.cycle.pk}" in editor_page
    viewer_page = client_for(cast.viewer).get("/teams/sales/").content.decode()
    assert "/objectives/new/" not in viewer_page
    assert "/check-in/" not in viewer_page


def test_team_page_query_count_does_not_grow_with_the_data(
    cast: Cast, client_for, more_okrs, django_assert_max_num_queries
):
    client = client_for(cast.member)
    client.get("/teams/sales/")
    # One of everything first: a prefetch with no parent rows runs no query at all.
    more_okrs(1)
    with CaptureQueriesContext(connection) as small:
        client.get("/teams/sales/")
    more_okrs(10)
    with django_assert_max_num_queries(len(small)):
        response = client.get("/teams/sales/")
    assert len(response.context["objectives"]) == 12


def test_badges_explain_themselves_and_a_value_past_its_target_is_marked(cast: Cast, client_for):
    page = client_for(cast.viewer).get("/teams/sales/").content.decode()
    assert "Over target" not in page
    assert "Not started: nobody has checked in yet." in page
    okrs.key_result_check_in(key_result=cast.kr, value=Decimal(120), confidence=9, by=cast.member)
    page = client_for(cast.viewer).get("/teams/sales/").content.decode()
    row = page.split(f'id="kr-{cast.kr.pk}"')[1].split("</li>")[0]
    assert "data-over-target" in row
    assert "120 is past the target of 100: 120% of the way. Roll-ups count it as 100%." in row
    assert re.search(r"On track: 120% done, \d+% expected by today\.", row)


def test_low_confidence_on_pace_is_explained_as_such(cast: Cast, client_for):
    cast.org.status_on_track_gap = Decimal(1)
    cast.org.status_at_risk_gap = Decimal(1)
    cast.org.save()
    okrs.key_result_check_in(key_result=cast.kr, value=Decimal(50), confidence=2, by=cast.member)
    page = client_for(cast.viewer).get("/teams/sales/").content.decode()
    row = page.split(f'id="kr-{cast.kr.pk}"')[1].split("</li>")[0]
    assert re.search(
        r"At risk: 50% done, \d+% expected by today, but the last confidence was only 2 of 10\.",
        row,
    )
