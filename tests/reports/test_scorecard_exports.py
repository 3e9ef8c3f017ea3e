"""The scorecard as PDF, CSV and XLSX, with the page's filters (columns, how many,
team, tag): colours as words in CSV and as cell fills in XLSX and PDF."""

from __future__ import annotations

import pytest

from tests.conftest import Cast
from tests.kpis_web.conftest import weeks
from tests.reports.conftest import Board, csv_rows, pdf_text, workbook

pytestmark = pytest.mark.django_db


def test_scorecard_csv_gives_each_periods_value_and_its_colour_in_words(
    cast: Cast, scorecard_kpis: Board, client_for
):
    response = client_for(cast.viewer).get("/scorecard.csv?periods=4")
    assert response.status_code == 200
    assert "attachment" in response["Content-Disposition"]
    rows = {row["KPI"]: row for row in csv_rows(response.content)}
    assert set(rows) == {"Signed contracts", scorecard_kpis.company.name}
    sales = rows["Signed contracts"]
    assert sales["Owner"] == "Sales"
    assert sales["Target"] == "\u2265 90"
    period_columns = [name for name in sales if name.startswith("20") and "health" not in name]
    assert len(period_columns) == 4
    before_last, last = period_columns[-3], period_columns[-2]
    assert (sales[before_last], sales[f"{before_last} health"]) == ("50", "red")
    assert (sales[last], sales[f"{last} health"]) == ("95", "green")
    assert sales[f"{period_columns[-1]} health"] == "no_data"
    company = rows[scorecard_kpis.company.name]
    assert (company[last], company[f"{last} health"]) == ("450", "yellow")


def test_scorecard_csv_honours_the_team_filter(cast: Cast, scorecard_kpis: Board, client_for):
    response = client_for(cast.owner).get(f"/scorecard.csv?team={cast.team.slug}")
    assert [row["KPI"] for row in csv_rows(response.content)] == ["Signed contracts"]


def test_scorecard_export_of_an_unknown_team_is_404(cast: Cast, scorecard_kpis: Board, client_for):
    client = client_for(cast.owner)
    assert client.get(f"/scorecard.csv?team={cast.other_team.slug}").status_code == 404


def test_scorecard_csv_honours_the_number_of_periods(cast: Cast, scorecard_kpis: Board, client_for):
    rows = csv_rows(client_for(cast.owner).get("/scorecard.csv?periods=8").content)
    periods = [name for name in rows[0] if name.startswith("20") and "health" not in name]
    assert len(periods) == 8


def test_scorecard_xlsx_colours_each_cell_by_health(cast: Cast, scorecard_kpis: Board, client_for):
    response = client_for(cast.member).get("/scorecard.xlsx?periods=4")
    assert response.status_code == 200
    sheet = workbook(response.content)["Scorecard"]
    headings = [cell.value for cell in sheet[1]]
    assert len(headings) == 7 + 4
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    sales = rows["Signed contracts"]
    assert sales[-3].value == 50
    assert sales[-3].fill.start_color.rgb.endswith("F6C4C1")  # red
    assert sales[-2].value == 95
    assert sales[-2].fill.start_color.rgb.endswith("C8EBD0")  # green
    assert rows[scorecard_kpis.company.name][-2].fill.start_color.rgb.endswith("FBE8A6")


def test_scorecard_pdf_is_landscape_and_shows_kpi_names_values_and_filters(
    cast: Cast, scorecard_kpis: Board, client_for
):
    from io import BytesIO

    from pypdf import PdfReader

    response = client_for(cast.owner).get(f"/scorecard.pdf?periods=4&team={cast.team.slug}")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    page = PdfReader(BytesIO(response.content)).pages[0]
    assert page.mediabox.width > page.mediabox.height
    text = pdf_text(response.content)
    assert "KPIs over the last 4 weeks · owned by Sales" in text
    assert "Signed contracts" in text
    assert "50" in text
    assert "95" in text
    assert scorecard_kpis.company.name not in text
    for label in [f"W{start.isocalendar().week:02d}" for start in weeks(cast, 4)]:
        assert label in text


def test_scorecard_pdf_prints_the_euro_sign_of_a_kpi_name(
    cast: Cast, scorecard_kpis: Board, client_for
):
    text = pdf_text(client_for(cast.owner).get("/scorecard.pdf").content)
    assert "Cash in the bank (\u20ack)" in text
    assert "450" in text


def test_scorecard_exports_answer_404_to_someone_without_a_membership(db, client):
    from tests.conftest import make_user

    client.force_login(make_user("nobody@nowhere.test", "No Body"))
    assert client.get("/scorecard.pdf").status_code == 404


def test_scorecard_page_links_its_files_with_the_same_filters(
    cast: Cast, scorecard_kpis: Board, client_for
):
    page = client_for(cast.viewer).get(f"/scorecard/?periods=6&team={cast.team.slug}")
    html = page.content.decode()
    for kind in ("pdf", "csv", "xlsx"):
        assert f'href="/scorecard.{kind}?periods=6&amp;team={cast.team.slug}"' in html
