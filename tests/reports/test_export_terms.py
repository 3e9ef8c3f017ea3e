"""Exports say the organisation's words: an organisation that runs EOS gets "Rock" and
"Measurable" columns in its CSV, XLSX and PDF files, as on its pages."""

from __future__ import annotations

import pytest

from tandem.accounts import services as accounts
from tandem.terms import PRESETS
from tests.conftest import Cast
from tests.reports.conftest import Board, Review, csv_rows, pdf_text, workbook

pytestmark = pytest.mark.django_db


@pytest.fixture
def eos(cast: Cast) -> Cast:
    accounts.organization_update(
        organization=cast.org,
        by=cast.owner,
        terminology={
            key: {"singular": s, "plural": p} for key, (s, p) in PRESETS["eos"][1].items()
        },
    )
    cast.org.refresh_from_db()
    return cast


def test_review_csv_and_xlsx_headings_say_rock_instead_of_objective(
    eos: Cast, closed_review: Review, client_for
):
    client = client_for(eos.owner)
    [first, *_] = csv_rows(client.get(f"/cycles/{eos.cycle.pk}/review.csv").content)
    assert "Rock" in first
    assert "Rock id" in first
    assert "Objective" not in first
    [team_row, *_] = csv_rows(
        client.get(f"/cycles/{eos.cycle.pk}/review.csv?table=calibration").content
    )
    assert "Rocks" in team_row
    assert "Objectives" not in team_row
    book = workbook(client.get(f"/cycles/{eos.cycle.pk}/review.xlsx").content)
    assert [cell.value for cell in book["Scores"][1]][:2] == ["Team", "Rock"]
    assert [cell.value for cell in book["Calibration"][1]][:2] == ["Team", "Rocks"]


def test_review_pdf_says_rocks(eos: Cast, closed_review: Review, client_for):
    text = pdf_text(client_for(eos.owner).get(f"/cycles/{eos.cycle.pk}/review.pdf").content)
    assert "3 rocks" in text
    assert "Rock Owner Kind" in text
    assert "Objective" not in text


def test_scorecard_exports_say_measurable_instead_of_kpi(
    eos: Cast, scorecard_kpis: Board, client_for
):
    client = client_for(eos.owner)
    rows = csv_rows(client.get("/scorecard.csv?periods=4").content)
    assert {row["Measurable"] for row in rows} == {"Signed contracts", scorecard_kpis.company.name}
    assert "KPI" not in rows[0]
    book = workbook(client.get("/scorecard.xlsx?periods=4").content)
    [sheet] = book.worksheets
    assert sheet[1][0].value == "Measurable"
    text = pdf_text(client.get("/scorecard.pdf?periods=4").content)
    assert "Measurables over the last 4" in text
    assert "Measurable Owner Target Now" in text
    assert "KPI" not in text


def test_exports_of_an_organisation_without_words_of_its_own_say_tandems(
    cast: Cast, closed_review: Review, client_for
):
    [first, *_] = csv_rows(
        client_for(cast.owner).get(f"/cycles/{cast.cycle.pk}/review.csv").content
    )
    assert "Objective" in first
