"""The KPI page's forecast: the next periods with their 80% band in the chart and a table,
the "likely red" warning, and "too little history" instead of a band."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

from tandem.kpis import services
from tandem.kpis.models import KPI
from tandem.kpis.selectors import org_today
from tandem.okrs import services as okrs
from tests.conftest import Cast
from tests.kpis_web.conftest import weeks


def record(cast: Cast, kpi: KPI, values: list[str]) -> None:
    """``values`` for the weeks before this one, the last for last week."""
    starts = weeks(cast, len(values) + 1)[:-1]
    for start, value in zip(starts, values, strict=True):
        services.measurement_record(kpi=kpi, period_start=start, value=value, by=cast.owner)


def page(cast: Cast, client_for, kpi: KPI) -> str:
    response = client_for(cast.viewer).get(f"/kpis/{kpi.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_kpi_heading_for_red_is_warned_of_with_the_week_it_turns_red(
    cast: Cast, client_for, sales_kpi: KPI
):
    # Green from 90, yellow from 80: falling by 4 a week from 130 to 86, red within weeks.
    record(cast, sales_kpi, [str(130 - 4 * i) for i in range(12)])
    html = page(cast, client_for, sales_kpi)
    assert "data-kpi-warning" in html
    assert "Likely red in 1 week<" in html or "Likely red this week<" in html
    assert "chance of being red" in html
    assert "docs/insights.md" in html
    # The warned period is marked in the forecast table, which lists six weeks ahead.
    assert html.count('<tr class="kpi-forecast__warned">') == 1
    table = html.split('class="table kpi-forecast__table"')[1].split("</table>")[0]
    assert table.count("<tr") == 7  # the head and six periods


def test_a_steady_green_kpi_has_a_forecast_and_no_warning(cast: Cast, client_for, sales_kpi: KPI):
    record(cast, sales_kpi, ["101", "99", "100", "102", "98", "100", "101", "99", "100", "100"])
    html = page(cast, client_for, sales_kpi)
    assert "data-kpi-warning" not in html
    assert "kpi-forecast__warned" not in html
    table = html.split('class="table kpi-forecast__table"')[1].split("</table>")[0]
    assert table.count("<tr") == 7
    assert '<td class="num">0%</td>' in table
    # The chart draws the forecast in its band, over six more columns than the data table.
    assert 'class="chart__forecast-band"' in html
    assert 'class="chart__forecast"' in html
    assert "Forecast for the next 6 periods, with its 80% band." in html
    assert "Data table: 13 periods" in html


def test_two_values_are_too_little_history_for_a_band(cast: Cast, client_for, sales_kpi: KPI):
    record(cast, sales_kpi, ["95", "70"])
    html = page(cast, client_for, sales_kpi)
    assert "data-too-little-history" in html
    assert "Too little history for a forecast: 2 values so far, and a forecast needs 8." in html
    assert "kpi-forecast__table" not in html
    assert "chart__forecast" not in html
    assert "data-kpi-warning" not in html


def test_a_kpi_whose_values_stopped_arriving_is_not_forecast(
    cast: Cast, client_for, sales_kpi: KPI
):
    starts = weeks(cast, 20)[:10]  # ten values, the latest ten weeks ago
    for start in starts:
        services.measurement_record(kpi=sales_kpi, period_start=start, value="85", by=cast.owner)
    html = page(cast, client_for, sales_kpi)
    assert "data-forecast-stale" in html
    assert "kpi-forecast__table" not in html
    assert "data-kpi-warning" not in html


def test_a_kpi_kept_within_a_range_drifting_out_of_it_is_warned_of(cast: Cast, client_for):
    utilisation = services.kpi_create(
        organization=cast.org,
        name="Headcount utilisation",
        key="utilisation",
        direction="within_range",
        low="70",
        high="85",
        tolerance="3",
        by=cast.owner,
    )
    # Inside the range and climbing 1.5 a week towards its red edge at 88.
    record(cast, utilisation, [str(70 + 1.5 * i) for i in range(12)])
    html = page(cast, client_for, utilisation)
    assert "data-kpi-warning" in html


def test_a_kpi_without_a_target_is_forecast_without_a_chance_of_red(cast: Cast, client_for):
    visits = services.kpi_create(organization=cast.org, name="Visits", key="visits", by=cast.owner)
    record(cast, visits, [str(500 + 10 * (i % 4)) for i in range(10)])
    html = page(cast, client_for, visits)
    assert html.count('<span class="muted">no target</span>') == 6
    assert "data-kpi-warning" not in html


def _next_cycle_key_result(cast: Cast, kpi: KPI, aggregation: str = "last") -> None:
    """A key result from 100 to 200 in a 13-week cycle starting next week, reading ``kpi``."""
    next_week = weeks(cast, 1)[0] + dt.timedelta(days=7)
    cycle = okrs.cycle_create(
        organization=cast.org,
        name="Next quarter",
        start_date=next_week,
        end_date=next_week + dt.timedelta(days=13 * 7 - 1),
        kind="custom",
        by=cast.owner,
    )
    assert cycle.start_date > org_today(cast.org)
    objective = okrs.objective_create(
        organization=cast.org, cycle=cycle, owner_team=cast.team, title="Delight", by=cast.owner
    )
    kr = okrs.key_result_create(
        objective=objective,
        title="Satisfaction to 200",
        baseline="100",
        target="200",
        by=cast.owner,
    )
    services.key_result_link_kpi(key_result=kr, kpi=kpi, aggregation=aggregation, by=cast.owner)


def _forecast(cast: Cast, client_for, kpi: KPI) -> tuple[list[Decimal], str]:
    response = client_for(cast.viewer).get(f"/kpis/{kpi.pk}/")
    assert response.status_code == 200
    return [p.value for p in response.context["forecast"].periods], response.content.decode()


FLAT = ["101", "99", "100", "102", "98", "100", "101", "99", "100", "100"]


def test_a_kpi_backing_a_key_result_is_forecast_towards_its_target_in_the_cycle(
    cast: Cast, client_for, sales_kpi: KPI
):
    record(cast, sales_kpi, FLAT)
    plain, html = _forecast(cast, client_for, sales_kpi)
    assert "It backs a key result" not in html
    _next_cycle_key_result(cast, sales_kpi)
    leaning, html = _forecast(cast, client_for, sales_kpi)
    assert "It backs a key result" in html
    # The forecast starts this week, not in the cycle yet; from next week on the KPI is
    # expected to move towards 200 at most of the 100 / 13 a week the key result needs.
    assert leaning[0] == plain[0]
    gains = [b - a for a, b in zip(plain, leaning, strict=True)]
    assert all(later > earlier for earlier, later in itertools.pairwise(gains[1:]))
    assert gains[-1] > 5 * Decimal(100) / 13 * Decimal("0.5")


def test_a_kpi_summed_into_a_key_result_is_forecast_on_its_own(
    cast: Cast, client_for, sales_kpi: KPI
):
    record(cast, sales_kpi, FLAT)
    plain, _ = _forecast(cast, client_for, sales_kpi)
    _next_cycle_key_result(cast, sales_kpi, aggregation="sum")
    summed, html = _forecast(cast, client_for, sales_kpi)
    assert summed == plain
    assert "It backs a key result" not in html
