"""The meeting presentation without JavaScript: one long page of slides, a slide per
team with its objectives' progress and status, then the red KPIs and the watermelons."""

from __future__ import annotations

import pytest

from tandem.kpis import services as kpis
from tandem.okrs import services as okrs
from tests.conftest import Cast
from tests.kpis_web.conftest import weeks

pytestmark = pytest.mark.django_db


def test_presentation_has_a_slide_per_team_then_red_kpis_and_watermelons(cast: Cast, client_for):
    okrs.key_result_check_in(key_result=cast.kr, by=cast.member, confidence=8, value="30")
    red = kpis.kpi_create(
        organization=cast.org, name="Overdue invoices", target="10", yellow="12",
        direction="lower_is_better", by=cast.owner,
    )  # fmt: skip
    kpis.measurement_record(kpi=red, period_start=weeks(cast, 2)[0], value="40", by=cast.owner)
    response = client_for(cast.viewer).get("/present/", HTTP_REFERER="http://testserver/scorecard/")
    assert response.status_code == 200
    page = response.content.decode()
    assert 'class="topbar"' not in page  # no page chrome
    assert "present.js" in page
    slides = page.split('<section class="slide')[1:]
    assert len(slides) == 4  # title, Sales, red KPIs, watermelons
    assert "This quarter" in slides[0]
    assert "Sales" in slides[1]
    assert "Become the go-to IT service provider in our region" in slides[1]
    assert "30%" in slides[1]
    assert "Red KPIs" in slides[2]
    assert "Overdue invoices" in slides[2]
    assert "Watermelons" in slides[3]
    # Esc goes back where the presentation was opened from.
    assert 'href="http://testserver/scorecard/" data-exit' in page


def test_presentation_leaves_private_objectives_to_their_team(cast: Cast, client_for):
    okrs.objective_create(
        organization=cast.org, cycle=cast.cycle, owner_team=cast.company, by=cast.owner,
        title="Quietly buy a competitor", is_private=True,
    )  # fmt: skip
    assert (
        "Quietly buy a competitor" not in client_for(cast.viewer).get("/present/").content.decode()
    )
    assert "Quietly buy a competitor" in client_for(cast.owner).get("/present/").content.decode()


def test_presentation_exit_never_points_to_another_site(cast: Cast, client_for):
    page = client_for(cast.member).get("/present/", HTTP_REFERER="https://evil.test/").content
    assert b'href="/" data-exit' in page


def test_outsider_sees_only_their_own_organisation_in_the_presentation(cast: Cast, client_for):
    page = client_for(cast.outsider).get("/present/").content.decode()
    assert "Become the go-to IT service provider" not in page
    assert "Globex" in page
