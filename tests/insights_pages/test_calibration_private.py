"""Private objectives on the calibration page: its shares and means are computed over
the objectives the reader may see, like the tree's roll-ups, so a private objective
weighs only in the figures of its owner, its team's leads and admins."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tandem.insights.calibration import CalibrationReport, GroupCalibration, calibration_report
from tandem.okrs import services as okrs
from tandem.okrs.models import Cycle, Objective
from tests.conftest import Cast

pytestmark = pytest.mark.django_db

URL = "/calibration/"


@pytest.fixture
def quarter(cast: Cast) -> Cycle:
    """A closed quarter: Sales scored 0.7 on a public objective and 0.1 on a private
    one; the company's only objective, scored 0.2, is private."""
    cycle = okrs.cycle_create(
        organization=cast.org,
        name="Q1 2026",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 3, 31),
        state=Cycle.State.ACTIVE,
        by=cast.owner,
    )
    made = []
    for title, team, private, score in [
        ("Open two regions", cast.team, False, "0.7"),
        ("Poach the rival's team", cast.team, True, "0.1"),
        ("Sell the printing arm", cast.company, True, "0.2"),
    ]:
        objective = okrs.objective_create(
            organization=cast.org, cycle=cycle, title=title, owner_team=team,
            kind=Objective.Kind.ASPIRATIONAL, is_private=private, by=cast.owner,
        )  # fmt: skip
        made.append((objective, score))
    okrs.cycle_close(cycle=cycle, by=cast.owner)
    for objective, score in made:
        okrs.objective_set_score(
            objective=objective, score=Decimal(score), reason="Graded", by=cast.owner
        )
    return cycle


def sales_and_company(
    report: CalibrationReport,
) -> tuple[GroupCalibration | None, GroupCalibration | None]:
    sales = next((g for g in report.teams if g.name == "Sales"), None)
    company = next((g for g in report.teams if g.name == "Acme IT"), None)
    return sales, company


def test_a_plain_members_calibration_counts_only_public_objectives(
    cast: Cast, quarter: Cycle, client_for
):
    report = client_for(cast.member).get(URL).context["report"]
    sales, company = sales_and_company(report)
    assert sales is not None
    [row] = sales.rows
    assert (row.calibration.aspirational.count, row.calibration.aspirational.mean) == (
        1,
        Decimal("0.7"),
    )
    # A team whose every scored objective is private does not show at all.
    assert company is None
    [whole] = report.company.rows
    assert whole.calibration.count == 1


def test_the_teams_lead_counts_its_private_objective_but_not_another_teams(
    cast: Cast, quarter: Cycle, client_for
):
    report = client_for(cast.editor).get(URL).context["report"]
    sales, company = sales_and_company(report)
    assert sales is not None
    [row] = sales.rows
    assert (row.calibration.aspirational.count, row.calibration.aspirational.mean) == (
        2,
        Decimal("0.4"),
    )
    assert company is None


def test_admins_count_every_private_objective(cast: Cast, quarter: Cycle, client_for):
    report = client_for(cast.admin).get(URL).context["report"]
    sales, company = sales_and_company(report)
    assert sales is not None
    assert company is not None
    assert sales.rows[0].calibration.count == 2
    assert company.rows[0].calibration.count == 1
    assert report.company.rows[0].calibration.count == 3


def test_without_a_viewer_the_report_counts_everything_for_background_jobs(
    cast: Cast, quarter: Cycle
):
    report = calibration_report(organization=cast.org)
    assert report.company.rows[0].calibration.count == 3


def test_the_calibration_page_of_a_plain_member_shows_the_public_figures(
    cast: Cast, quarter: Cycle, client_for
):
    page = client_for(cast.member).get(URL).content.decode()
    row = page.split(f'id="calibration-sales-{quarter.pk}"')[1].split("</tr>")[0]
    assert "0.7" in row
    assert "0.4" not in row
