"""The company health page in Chromium: promote a red KPI into an OKR, and spot a watermelon.

The issue asks to see a watermelon on the health page of the demo organisation; the
demo has no KPIs yet, so the watermelon here is made in the test with the same
services the demo would use.
"""

from __future__ import annotations

import re

import pytest

from tandem.kpis import services as kpis
from tandem.kpis.models import Promotion
from tests.conftest import Cast
from tests.insights.conftest import check_in, make_kpi, real_weeks, red_for_weeks

pytestmark = pytest.mark.browser


def test_an_editor_promotes_a_kpi_red_for_three_weeks_and_finds_the_new_objective(
    page, live_server, cast: Cast, log_in
):
    red_for_weeks(cast, "Client satisfaction", weeks=3)
    log_in(cast.editor)

    page.get_by_role("link", name="Health", exact=True).click()
    page.wait_for_url(f"{live_server.url}/health/")
    candidates = page.locator("#promote")
    assert candidates.get_by_role("link", name="Client satisfaction", exact=True).is_visible()
    candidates.get_by_role("link", name="Promote to an OKR").click()

    page.wait_for_url(re.compile(r"/kpis/\d+/promote/$"))
    assert page.get_by_label("Objective").input_value() == "Get Client satisfaction back on target"
    assert page.get_by_label("Target").input_value() == "90"
    page.get_by_label("Objective").fill("Delight our clients again")
    page.get_by_role("button", name="Promote to an OKR").click()

    page.wait_for_url(re.compile(r"/objectives/\d+/$"))
    assert page.get_by_role("heading", name="Delight our clients again").is_visible()
    assert page.get_by_text("is now an OKR").is_visible()
    assert (
        page.locator("#promotion-note")
        .inner_text()
        .startswith("Promoted from KPI Client satisfaction")
    )
    objective = Promotion.objects.get().objective

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Sales").click()
    page.wait_for_url(re.compile(r"/teams/sales/"))
    card = page.locator(f"#objective-{objective.pk}")
    assert card.get_by_role("link", name="Delight our clients again", exact=True).is_visible()
    assert card.get_by_text("Promoted from KPI Client satisfaction").is_visible()


def test_a_watermelon_shows_on_the_health_page_and_on_its_objective(
    page, live_server, cast: Cast, log_in
):
    quality = make_kpi(cast, "First-time fix rate")
    kpis.measurement_record(
        kpi=quality, period_start=real_weeks(cast, 1)[0], value="3", by=cast.member
    )
    kpis.objective_link_kpi(objective=cast.objective, kpi=quality, by=cast.owner)
    check_in(cast.kr, "100")
    log_in(cast.viewer)

    page.goto(f"{live_server.url}/health/")

    watermelons = page.locator("#watermelons-guardrail")
    assert watermelons.get_by_text("Red: First-time fix rate").is_visible()
    watermelons.get_by_role("link", name=cast.objective.title).click()
    page.wait_for_url(f"{live_server.url}/objectives/{cast.objective.pk}/")
    note = page.locator("#watermelon-note")
    assert note.is_visible()
    assert "on track but a guardrail is red" in note.inner_text()
