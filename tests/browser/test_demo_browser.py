"""The demo organisation in Chromium: OKRs and KPIs in tandem, as its owner sees them.

The issue's acceptance: see a watermelon on the health page of the demo, and promote a
red KPI and find the new objective. The demo is built at this moment inside the live
server's database, since the pages judge KPIs and objectives on today's date.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.utils import timezone

from tandem.demo import builder as demo_builder
from tandem.kpis.models import KPI, Promotion
from tandem.okrs.models import Cycle
from tests.conftest import PASSWORD

pytestmark = pytest.mark.browser

WATERMELON = "Turn more free trials into paying clients"
RED_KPI = "Report turnaround time (days)"


@pytest.fixture
def northwind(transactional_db: None) -> demo_builder.DemoSummary:
    summary = demo_builder.demo_load(password=PASSWORD)
    organization = summary.organization
    quarter = Cycle.objects.select_related("organization").get(
        organization=organization, kind=Cycle.Kind.QUARTER, state=Cycle.State.ACTIVE
    )
    if quarter.expected_progress(timezone.now()) <= organization.status_thresholds.on_track_gap:
        pytest.skip("In a quarter's first nine days no objective can be behind the pace yet.")
    return summary


def test_the_demo_owner_sees_the_watermelon_on_the_health_page(
    page: Any, live_server: Any, northwind: demo_builder.DemoSummary, log_in: Any
) -> None:
    log_in(northwind.owner)

    page.get_by_role("link", name="Health", exact=True).click()
    page.wait_for_url(f"{live_server.url}/health/")
    assert page.get_by_role("heading", name="Company health").is_visible()
    behind = page.locator("#watermelons-behind")
    assert behind.get_by_text(
        "Green: Monthly recurring revenue (MRR), Customer retention rate"
    ).is_visible()
    behind.get_by_role("link", name=WATERMELON, exact=True).click()

    page.wait_for_url(re.compile(r"/objectives/\d+/$"))
    assert page.get_by_role("heading", name=WATERMELON).is_visible()
    note = page.locator("#watermelon-note")
    assert note.is_visible()
    assert "linked kpis are green but the objective is behind" in note.inner_text()
    kpis = page.locator("#kpis")
    assert kpis.get_by_role("link", name="Monthly recurring revenue (MRR)").is_visible()
    assert kpis.get_by_role("link", name="Customer retention rate").is_visible()


def test_the_demo_owner_promotes_the_red_kpi_and_finds_its_objective_on_the_team_page(
    page: Any, live_server: Any, northwind: demo_builder.DemoSummary, log_in: Any
) -> None:
    red = KPI.objects.get(organization=northwind.organization, name=RED_KPI)
    log_in(northwind.owner)

    page.goto(f"{live_server.url}/health/")
    candidate = page.locator(f"#promote-{red.pk}")
    assert candidate.get_by_role("link", name=RED_KPI, exact=True).is_visible()
    assert page.locator("#promote").locator("li").count() == 1
    candidate.get_by_role("link", name="Promote to an OKR").click()

    page.wait_for_url(f"{live_server.url}/kpis/{red.pk}/promote/")
    assert page.get_by_label("Objective").input_value() == f"Get {RED_KPI} back on target"
    assert page.get_by_label("Target").input_value() == "2"
    page.get_by_label("Objective").fill("Send every client report within two days")
    page.get_by_role("button", name="Promote to an OKR").click()

    page.wait_for_url(re.compile(r"/objectives/\d+/$"))
    assert page.get_by_role("heading", name="Send every client report within two days").is_visible()
    assert page.get_by_text("is now an OKR").is_visible()
    assert page.locator("#promotion-note").inner_text().startswith(f"Promoted from KPI {RED_KPI}")
    promotion = Promotion.objects.select_related("objective__cycle").get(
        kpi=red, demoted_at__isnull=True
    )
    assert promotion.objective.cycle.kind == Cycle.Kind.QUARTER
    assert promotion.objective.cycle.state == Cycle.State.ACTIVE

    page.get_by_role("link", name="Customer Success").first.click()
    page.wait_for_url(re.compile(r"/teams/customer-success/"))
    card = page.locator(f"#objective-{promotion.objective_id}")
    assert card.get_by_role(
        "link", name="Send every client report within two days", exact=True
    ).is_visible()
    assert card.get_by_text(f"Promoted from KPI {RED_KPI}").is_visible()

    # Back on the health page the KPI is no longer a candidate but an open promotion.
    page.goto(f"{live_server.url}/health/")
    assert page.locator(f"#promote-{red.pk}").count() == 0
    assert (
        page.locator("#open-promotions")
        .get_by_role("link", name="Send every client report within two days")
        .is_visible()
    )
