"""Private objectives in the report files: the cycle review's PDF, CSV and XLSX and the
scorecard's files show a private objective only to the people who may see it (its
owner, its team's leads, the owners of its key results, admins and owners), exactly as
the review page does, and count it in no figure shown to the others."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.test import Client

from tandem.kpis import services as kpis
from tandem.okrs import services as okrs
from tandem.okrs.models import Objective
from tests.conftest import Cast
from tests.reports.conftest import csv_rows, pdf_text, workbook

pytestmark = pytest.mark.django_db

TEAM_SECRET = "Buy out the Lyon reseller"
PERSONAL_SECRET = "Pass the CISSP exam"
KINDS = ("csv", "xlsx", "pdf")


@dataclass
class Secrets:
    team: Objective
    personal: Objective


def _with_progress(cast: Cast, objective: Objective, value: int) -> Objective:
    kr = okrs.key_result_create(
        objective=objective,
        title=f"Key result of {objective.title}",
        baseline=Decimal(0),
        target=Decimal(100),
        owner=cast.owner,
        by=cast.owner,
    )
    okrs.key_result_check_in(key_result=kr, by=cast.owner, confidence=7, value=Decimal(value))
    return objective


@pytest.fixture
def secrets(cast: Cast) -> Secrets:
    """Sales's private objective (its lead is the editor) and the member's own private
    objective, in ``cast.cycle``, closed."""
    team = okrs.objective_create(
        organization=cast.org, cycle=cast.cycle, owner_team=cast.team, by=cast.owner,
        title=TEAM_SECRET, is_private=True,
    )  # fmt: skip
    personal = okrs.objective_create(
        organization=cast.org, cycle=cast.cycle, owner_user=cast.member, by=cast.member,
        title=PERSONAL_SECRET, is_private=True,
    )  # fmt: skip
    _with_progress(cast, team, 10)
    _with_progress(cast, personal, 90)
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    return Secrets(team=team, personal=personal)


def review(client: Client, cast: Cast, kind: str) -> str:
    """The text of one review file, whatever its format."""
    response = client.get(f"/cycles/{cast.cycle.pk}/review.{kind}")
    assert response.status_code == 200
    if kind == "pdf":
        return pdf_text(response.content)
    if kind == "xlsx":
        book = workbook(response.content)
        return "\n".join(
            str(cell) for sheet in book for row in sheet.iter_rows(values_only=True) for cell in row
        )
    return response.content.decode()


def test_a_plain_members_review_files_leave_out_their_teams_private_objective(
    cast: Cast, secrets: Secrets, client_for
):
    client = client_for(cast.member)
    for kind in KINDS:
        text = review(client, cast, kind)
        assert TEAM_SECRET not in text, kind
        assert cast.objective.title in text, kind


def test_the_owner_of_a_private_objective_finds_it_in_their_review_files(
    cast: Cast, secrets: Secrets, client_for
):
    for kind in KINDS:
        assert PERSONAL_SECRET in review(client_for(cast.member), cast, kind), kind
        assert PERSONAL_SECRET not in review(client_for(cast.viewer), cast, kind), kind


def test_the_teams_lead_and_the_admins_find_every_private_objective(
    cast: Cast, secrets: Secrets, client_for
):
    for kind in KINDS:
        lead = review(client_for(cast.editor), cast, kind)
        assert TEAM_SECRET in lead, kind
        assert PERSONAL_SECRET not in lead, kind
        admin = review(client_for(cast.admin), cast, kind)
        assert TEAM_SECRET in admin, kind
        assert PERSONAL_SECRET in admin, kind


def test_a_private_objective_counts_in_no_calibration_figure_of_a_plain_member(
    cast: Cast, secrets: Secrets, client_for
):
    address = f"/cycles/{cast.cycle.pk}/review.csv?table=calibration"

    def sales(user) -> dict[str, str]:
        rows = csv_rows(client_for(user).get(address).content)
        return next(row for row in rows if row["Team"] == "Sales")

    assert sales(cast.member)["Objectives"] == "1"
    assert sales(cast.editor)["Objectives"] == "2"


def test_the_review_files_match_the_review_page(cast: Cast, secrets: Secrets, client_for):
    client = client_for(cast.member)
    page = client.get(f"/cycles/{cast.cycle.pk}/review/").content.decode()
    rows = csv_rows(client.get(f"/cycles/{cast.cycle.pk}/review.csv").content)
    titles = {row["Objective"] for row in rows}
    assert titles == {cast.objective.title, PERSONAL_SECRET}
    for title in titles:
        assert title in page
    assert TEAM_SECRET not in page


def test_the_scorecard_files_never_name_a_private_objective_linked_to_a_kpi(cast: Cast, client_for):
    secret = okrs.objective_create(
        organization=cast.org, cycle=cast.cycle, owner_team=cast.team, by=cast.owner,
        title=TEAM_SECRET, is_private=True,
    )  # fmt: skip
    kpi = kpis.kpi_create(
        organization=cast.org, name="Reseller margin", key="margin", owner_team=cast.team,
        target="30", yellow="20", by=cast.owner,
    )  # fmt: skip
    kpis.objective_link_kpi(objective=secret, kpi=kpi, by=cast.owner)
    kr = okrs.key_result_create(
        objective=secret, title="Lift the reseller's margin", baseline=Decimal(10),
        target=Decimal(30), owner=cast.editor, by=cast.owner,
    )  # fmt: skip
    kpis.key_result_link_kpi(key_result=kr, kpi=kpi, by=cast.owner)
    for kind in KINDS:
        response = client_for(cast.member).get(f"/scorecard.{kind}")
        assert response.status_code == 200
        if kind == "pdf":
            text = pdf_text(response.content)
        elif kind == "xlsx":
            book = workbook(response.content)
            text = " ".join(str(c) for s in book for r in s.iter_rows(values_only=True) for c in r)
        else:
            text = response.content.decode()
        assert "Reseller margin" in text, kind
        assert TEAM_SECRET not in text, kind
        assert "Lift the reseller" not in text, kind
