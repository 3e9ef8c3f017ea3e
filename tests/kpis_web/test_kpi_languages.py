"""The scorecard and a KPI's page in German, French and Spanish: periods, numbers,
colours, flags and the chart's sentences in the reader's language; the exports keep
the English, machine-readable period names."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from django.test import Client
from django.utils import translation

from tandem.accounts import services as accounts
from tandem.accounts.models import User
from tandem.kpis import services
from tandem.kpis.models import KPI
from tandem.periods_text import period_label
from tests.conftest import Cast
from tests.kpis_web.conftest import weeks


def reader(cast: Cast, client_for: Callable[[User], Client], language: str) -> Client:
    accounts.user_language_set(user=cast.viewer, language=language, organization=cast.org)
    return client_for(cast.viewer)


def with_values(cast: Cast, kpi: KPI) -> list:
    starts = weeks(cast, 4)
    services.measurement_record(kpi=kpi, period_start=starts[-3], value="1234.5", by=cast.owner)
    services.measurement_record(kpi=kpi, period_start=starts[-2], value="95", by=cast.owner)
    return starts


def test_the_scorecard_names_its_weeks_and_colours_in_german(
    cast: Cast, sales_kpi: KPI, client_for: Callable[[User], Client]
):
    starts = with_values(cast, sales_kpi)
    page = reader(cast, client_for, "de").get("/scorecard/?periods=4").content.decode()
    months = ["Jan.", "Feb.", "März", "April", "Mai", "Juni", "Juli", "Aug.", "Sept.", "Okt."]
    months += ["Nov.", "Dez."]
    last = starts[-2]
    short = f"{last.day}. {months[last.month - 1]}"
    assert f'data-label="Woche ab {short} {last.year}">{short}</time>' in page
    assert "week of" not in page
    # A viewer's cells are read-only: the value in German and its colour in words.
    assert '1.234,5<span class="visually-hidden"> (grün)</span>' in page
    assert "(green)" not in page
    assert '<span class="health health--green">Grün</span>' in page


def test_the_kpi_page_names_its_periods_and_its_chart_in_french(
    cast: Cast, sales_kpi: KPI, client_for: Callable[[User], Client]
):
    starts = with_values(cast, sales_kpi)
    page = reader(cast, client_for, "fr").get(f"/kpis/{sales_kpi.pk}/").content.decode()
    with translation.override("fr"):
        label = period_label("weekly", starts[-2])
    assert label.startswith("S")
    assert label[1:3].isdigit()
    assert f"<td>{label}</td>" in page
    assert f"dernière 95 en {label} (vert)." in page
    assert "values over" not in page
    assert "-W" not in page.split("<main", 1)[1]


def test_a_kpi_red_for_periods_in_a_row_is_flagged_in_spanish(
    cast: Cast, client_for: Callable[[User], Client]
):
    kpi = services.kpi_create(
        organization=cast.org, name="Tickets", target="90", yellow="80", by=cast.owner
    )
    for start in weeks(cast, 5)[:-1]:
        services.measurement_record(kpi=kpi, period_start=start, value=Decimal(10), by=cast.owner)
    page = reader(cast, client_for, "es").get("/scorecard/").content.decode()
    assert "En rojo 3 periodos seguidos: ¿convertirlo en un OKR?" in page
    assert ">¿convertir?</a>" in page
    assert "make it an OKR" not in page


def test_the_scorecard_export_keeps_english_period_names_for_a_german_reader(
    cast: Cast, sales_kpi: KPI, client_for: Callable[[User], Client]
):
    starts = with_values(cast, sales_kpi)
    response = reader(cast, client_for, "de").get("/scorecard.csv?periods=4")
    header = response.content.decode().splitlines()[0]
    year, week, _ = starts[-2].isocalendar()
    assert f"{year}-W{week:02d}" in header
    assert "KW" not in header
