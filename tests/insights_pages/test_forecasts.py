from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tandem.domain.forecast import Observation, forecast_key_result
from tandem.domain.periods import Frequency, last_n_periods
from tandem.formatting import percent
from tandem.kpis import selectors as kpi_selectors
from tandem.kpis import services as kpis
from tandem.okrs import services as okrs
from tandem.okrs.models import CheckIn
from tandem.web.templatetags.tandem import with_unit
from tests.conftest import Cast


def _check_in_three_times(cast: Cast) -> None:
    start, _ = cast.cycle.bounds()
    elapsed = timezone.now() - start
    for quarter, value in ((1, "20"), (2, "30"), (3, "45")):
        at = start + elapsed * quarter / 4
        okrs.key_result_check_in(
            key_result=cast.kr, value=value, confidence=6, by=cast.member, at=at
        )


def test_objective_page_shows_the_forecast_that_the_forecast_maths_gives(cast: Cast, client_for):
    _check_in_three_times(cast)
    response = client_for(cast.member).get(reverse("objective", args=[cast.objective.pk]))
    start, end = cast.cycle.bounds()
    history = [
        Observation(c.created_at, c.value)
        for c in CheckIn.objects.filter(key_result=cast.kr)
        if c.value is not None
    ]
    forecast = forecast_key_result(
        history=history,
        baseline=Decimal(0),
        target=Decimal(100),
        start=start,
        end=end,
        now=timezone.now(),
    )
    assert forecast.value is not None
    assert forecast.low is not None
    assert forecast.high is not None
    value, low, high = (
        with_unit(v.quantize(Decimal(1), rounding=ROUND_HALF_UP), cast.kr)
        for v in (forecast.value, forecast.low, forecast.high)
    )
    html = response.content.decode()
    assert f"Forecast {value} ({low}\N{EN DASH}{high})" in html
    assert f"{percent(forecast.probability)} chance of 100" in html


def test_the_key_results_chart_draws_the_forecast_as_a_dashed_line_in_its_band(
    cast: Cast, client_for
):
    _check_in_three_times(cast)
    html = client_for(cast.member).get(reverse("objective", args=[cast.objective.pk])).content
    chart = html.decode().split(f'id="kr-{cast.kr.pk}-chart-title"')[1].split("</svg>")[0]
    assert 'class="chart__forecast"' in chart
    assert 'stroke-dasharray="6 4"' in chart
    assert 'class="chart__forecast-band"' in chart


def test_the_objective_header_and_the_team_page_show_the_objectives_forecast(
    cast: Cast, client_for
):
    _check_in_three_times(cast)
    client = client_for(cast.member)
    objective_page = client.get(reverse("objective", args=[cast.objective.pk]))
    team_page = client.get(reverse("team", args=[cast.team.slug]))
    home = client.get(reverse("home"))
    for response in (objective_page, team_page, home):
        assert "data-objective-forecast" in response.content.decode()
        assert "Heading for <strong>" in response.content.decode()
        assert "are likely to reach their target." in response.content.decode()


def test_a_key_result_without_check_ins_shows_the_base_rate(cast: Cast, client_for):
    html = client_for(cast.member).get(reverse("objective", args=[cast.objective.pk])).content
    assert "35% chance of 100" in html.decode()


def test_a_key_result_with_one_check_in_says_too_little_history_instead_of_a_band(
    cast: Cast, client_for
):
    start, _ = cast.cycle.bounds()
    okrs.key_result_check_in(
        key_result=cast.kr,
        value="20",
        confidence=6,
        by=cast.member,
        at=start + (timezone.now() - start) / 2,
    )
    html = client_for(cast.member).get(reverse("objective", args=[cast.objective.pk])).content
    row = html.decode().split(f'id="kr-{cast.kr.pk}"')[1].split("</li>")[0]
    assert "Too little history for a band" in row
    assert "Forecast " not in row.split("data-kr-forecast")[1].split("</div>")[0]
    assert 'class="chart__forecast-band"' not in html.decode()
    _check_in_three_times(cast)
    html = client_for(cast.member).get(reverse("objective", args=[cast.objective.pk])).content
    assert "Too little history for a band" not in html.decode()


def _grow(cast: Cast, n: int) -> None:
    for i in range(n):
        objective = okrs.objective_create(
            organization=cast.org,
            cycle=cast.cycle,
            owner_team=cast.team,
            title=f"Grow region {i}",
            by=cast.owner,
        )
        kr = okrs.key_result_create(
            objective=objective,
            title=f"Clients in region {i}",
            baseline=Decimal(0),
            target=Decimal(10),
            owner=cast.member,
            by=cast.owner,
        )
        okrs.key_result_check_in(key_result=kr, value="3", confidence=6, by=cast.member)


def test_the_team_pages_forecasts_take_the_same_queries_for_3_or_30_objectives(
    cast: Cast, client_for, django_assert_max_num_queries
):
    client = client_for(cast.member)
    _grow(cast, 2)
    url = reverse("team", args=[cast.team.slug])
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    _grow(cast, 27)
    with django_assert_max_num_queries(len(small)):
        response = client.get(url)
    assert response.content.decode().count("data-kr-forecast") == 30


def _kpi_backed(cast: Cast, title: str, values: list[int]) -> int:
    """A KPI-backed key result of ``cast.objective``; how many KPI values it got."""
    kpi = kpis.kpi_create(
        organization=cast.org, name=f"KPI for {title}", owner_team=cast.team, by=cast.owner
    )
    kr = okrs.key_result_create(
        objective=cast.objective,
        title=title,
        baseline=Decimal(0),
        target=Decimal(100),
        owner=cast.member,
        by=cast.owner,
    )
    kpis.key_result_link_kpi(key_result=kr, kpi=kpi, by=cast.owner)
    today = kpi_selectors.org_today(cast.org)
    starts = [s for s in last_n_periods(Frequency.WEEKLY, today, 3) if s >= cast.cycle.start_date]
    for start, value in zip(starts, values, strict=False):
        kpis.measurement_record(kpi=kpi, period_start=start, value=Decimal(value), by=None)
    return min(len(starts), len(values))


def test_a_kpi_backed_key_result_is_forecast_from_its_kpis_values(cast: Cast, client_for):
    recorded = _kpi_backed(cast, "Tickets solved a week", [40, 50, 60])
    response = client_for(cast.member).get(reverse("objective", args=[cast.objective.pk]))
    backed = next(kr for kr in response.context["key_results"] if kr.kpi_id is not None)
    assert recorded > 0
    assert backed.forecast.forecast.observations == recorded
    assert f'id="kr-{backed.pk}-chart-title"' in response.content.decode()


def test_the_objective_pages_forecasts_take_the_same_queries_with_more_key_results(
    cast: Cast, client_for, django_assert_max_num_queries
):
    client = client_for(cast.member)
    url = reverse("objective", args=[cast.objective.pk])
    _check_in_three_times(cast)
    _kpi_backed(cast, "Backed 0", [10, 20])
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for i in range(1, 5):
        _kpi_backed(cast, f"Backed {i}", [10, 20, 30])
        kr = okrs.key_result_create(
            objective=cast.objective,
            title=f"Metric {i}",
            baseline=Decimal(0),
            target=Decimal(10),
            owner=cast.member,
            by=cast.owner,
        )
        okrs.key_result_check_in(key_result=kr, value="4", confidence=6, by=cast.member)
    with django_assert_max_num_queries(len(small)):
        response = client.get(url)
    assert len(response.context["key_results"]) == 10
    assert response.content.decode().count("data-kr-forecast") == 10
