"""The cycle review as PDF, CSV and XLSX: the scores per objective and each team's
calibration, as the review page shows them; private objectives only for those who may
see them; another organisation's cycle is a 404."""

from __future__ import annotations

import pytest

from tandem.okrs import services as okrs
from tests.conftest import Cast
from tests.reports.conftest import (
    COMMITTED_TITLE,
    PRIVATE_TITLE,
    Review,
    csv_rows,
    pdf_text,
    workbook,
)

pytestmark = pytest.mark.django_db


def url(cast: Cast, kind: str) -> str:
    return f"/cycles/{cast.cycle.pk}/review.{kind}"


def test_review_pdf_lists_every_objective_with_its_score_band_and_team(
    cast: Cast, closed_review: Review, client_for
):
    response = client_for(cast.owner).get(url(cast, "pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content)
    assert "Review of This quarter" in text
    assert "Acme IT" in text  # the organisation in the header
    assert "Page 1 of" in text
    assert "Become the go-to IT service provider in our region" in text
    # Typographic quotes, the en dash, accents and the euro sign print as typed.
    assert COMMITTED_TITLE in text
    assert PRIVATE_TITLE in text
    assert "1.0 green" in text
    assert "0.2 red" in text
    assert "Committed" in text
    assert "Aspirational" in text
    assert "Sales" in text


def test_review_pdf_shows_each_teams_calibration(cast: Cast, closed_review: Review, client_for):
    text = pdf_text(client_for(cast.owner).get(url(cast, "pdf")).content)
    assert "Calibration by team" in text
    # Sales: one objective, at 1.0; the company: 0.2 and 0.5, one below 0.3.
    assert "Sales 1 1.0 1 100% 0 0%" in text
    assert "Acme IT 2 0.35 0 0% 1 50%" in text
    assert "Whole organisation 3 0.57 1 33% 1 33%" in text


def test_review_csv_has_one_row_per_objective_with_the_final_score(
    cast: Cast, closed_review: Review, client_for
):
    response = client_for(cast.owner).get(url(cast, "csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = {row["Objective"]: row for row in csv_rows(response.content)}
    assert set(rows) == {
        "Become the go-to IT service provider in our region",
        COMMITTED_TITLE,
        PRIVATE_TITLE,
    }
    sales = rows["Become the go-to IT service provider in our region"]
    assert sales["Team"] == "Sales"
    assert sales["Owner"] == "Sales"
    assert sales["Kind"] == "aspirational"
    assert sales["Progress"] == "1"
    assert sales["Score"] == "1"
    assert sales["Band"] == "green"
    committed = rows[COMMITTED_TITLE]
    assert (committed["Team"], committed["Kind"], committed["Score"], committed["Band"]) == (
        "Acme IT",
        "committed",
        "0.2",
        "red",
    )


def test_review_csv_of_the_calibration_gives_the_shares_at_one_and_below_three_tenths(
    cast: Cast, closed_review: Review, client_for
):
    response = client_for(cast.owner).get(url(cast, "csv") + "?table=calibration")
    rows = {row["Team"]: row for row in csv_rows(response.content)}
    assert rows["Sales"]["Share at 1.0"] == "1"
    assert rows["Sales"]["Share below 0.3"] == "0"
    assert rows["Acme IT"]["Objectives"] == "2"
    assert rows["Acme IT"]["Share below 0.3"] == "0.5"
    assert rows["Whole organisation"]["Share at 1.0"] == "0.33"


def test_review_csv_of_an_unknown_table_is_404(cast: Cast, closed_review: Review, client_for):
    assert client_for(cast.owner).get(url(cast, "csv") + "?table=secrets").status_code == 404


def test_review_xlsx_holds_the_scores_with_band_fills_and_the_calibration(
    cast: Cast, closed_review: Review, client_for
):
    response = client_for(cast.owner).get(url(cast, "xlsx"))
    assert response.status_code == 200
    book = workbook(response.content)
    assert book.sheetnames == ["Scores", "Calibration"]
    scores = book["Scores"]
    headings = [cell.value for cell in scores[1]]
    rows = {
        row[1]: dict(zip(headings, row, strict=True))
        for row in scores.iter_rows(2, values_only=True)
    }
    assert rows[COMMITTED_TITLE]["Score"] == pytest.approx(0.2)
    assert rows[COMMITTED_TITLE]["Band"] == "red"
    band_column = headings.index("Band")
    fills = {
        row[1].value: row[band_column].fill.start_color.rgb for row in scores.iter_rows(min_row=2)
    }
    assert fills[COMMITTED_TITLE].endswith("F6C4C1")
    assert fills["Become the go-to IT service provider in our region"].endswith("C8EBD0")
    calibration = {row[0]: row for row in book["Calibration"].iter_rows(2, values_only=True)}
    assert calibration["Acme IT"][1] == 2
    assert calibration["Acme IT"][5] == 1


def test_review_of_an_open_cycle_exports_projected_scores(cast: Cast, client_for):
    okrs.key_result_check_in(key_result=cast.kr, by=cast.owner, confidence=8, value="40")
    text = pdf_text(client_for(cast.owner).get(url(cast, "pdf")).content)
    assert "still open: projected scores" in text
    assert "0.4 yellow" in text


@pytest.mark.parametrize("role", ["admin", "editor", "member", "viewer"])
def test_every_member_role_can_download_the_review(
    cast: Cast, closed_review: Review, client_for, role: str
):
    client = client_for(getattr(cast, role))
    for kind in ("pdf", "csv", "xlsx"):
        assert client.get(url(cast, kind)).status_code == 200


@pytest.mark.parametrize("role", ["editor", "member", "viewer"])
def test_private_objectives_are_left_out_for_people_outside_their_team(
    cast: Cast, closed_review: Review, client_for, role: str
):
    client = client_for(getattr(cast, role))
    rows = csv_rows(client.get(url(cast, "csv")).content)
    assert PRIVATE_TITLE not in {row["Objective"] for row in rows}
    assert PRIVATE_TITLE not in pdf_text(client.get(url(cast, "pdf")).content)
    calibration = {
        row["Team"]: row
        for row in csv_rows(client.get(url(cast, "csv") + "?table=calibration").content)
    }
    assert calibration["Acme IT"]["Objectives"] == "1"


def test_another_organisations_cycle_review_is_404(cast: Cast, closed_review: Review, client_for):
    client = client_for(cast.outsider)
    for kind in ("pdf", "csv", "xlsx"):
        assert client.get(url(cast, kind)).status_code == 404


def test_review_export_needs_a_login(cast: Cast, closed_review: Review, client):
    response = client.get(url(cast, "pdf"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_text_that_looks_like_a_formula_stays_text_in_the_exports(cast: Cast, client_for):
    okrs.objective_create(
        organization=cast.org,
        cycle=cast.cycle,
        owner_team=cast.team,
        by=cast.owner,
        title='=HYPERLINK("http://evil.test","click")',
    )
    client = client_for(cast.owner)
    titles = {row["Objective"] for row in csv_rows(client.get(url(cast, "csv")).content)}
    assert '\'=HYPERLINK("http://evil.test","click")' in titles
    scores = workbook(client.get(url(cast, "xlsx")).content)["Scores"]
    cells = [row[1] for row in scores.iter_rows(min_row=2)]
    formula = next(cell for cell in cells if "HYPERLINK" in str(cell.value))
    assert formula.data_type == "s"


def test_review_page_links_its_files(cast: Cast, closed_review: Review, client_for):
    html = client_for(cast.viewer).get(f"/cycles/{cast.cycle.pk}/review/").content.decode()
    for kind in ("pdf", "csv", "xlsx"):
        assert f'href="{url(cast, kind)}"' in html
