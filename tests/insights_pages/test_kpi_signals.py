from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from tandem.domain.periods import Frequency, last_n_periods, period_label
from tandem.kpis import selectors, services
from tandem.kpis.models import KPI
from tests.conftest import Cast

NOISE = [50, 52, 48, 51, 49, 52, 48, 50, 51, 49, 52, 48, 50]
SHIFT = [50, 52, 48, 51, 49, 52, 48, 50, 80, 81, 79, 82, 80]


def _kpi_with(cast: Cast, values: list[int]) -> tuple[KPI, list[str]]:
    kpi = services.kpi_create(
        organization=cast.org, name="Tickets solved", owner_team=cast.team, by=cast.owner
    )
    starts = last_n_periods(Frequency.WEEKLY, selectors.org_today(cast.org), len(values))
    for start, value in zip(starts, values, strict=True):
        services.measurement_record(kpi=kpi, period_start=start, value=Decimal(value), by=None)
    cal = selectors.calendar(cast.org)
    return kpi, [period_label(Frequency.WEEKLY, s, **cal) for s in starts]


def test_the_kpi_page_shows_a_real_shift_up_and_rings_the_signalled_values(cast: Cast, client_for):
    kpi, labels = _kpi_with(cast, SHIFT)
    html = client_for(cast.member).get(reverse("kpi", args=[kpi.pk])).content.decode()
    assert f"Real shift up since {labels[8]}" in html
    assert html.count('class="chart__signal"') >= 3


def test_the_kpi_page_calls_noise_routine_variation_and_rings_nothing(cast: Cast, client_for):
    kpi, _ = _kpi_with(cast, NOISE)
    html = client_for(cast.member).get(reverse("kpi", args=[kpi.pk])).content.decode()
    assert "<strong>Routine variation</strong>" in html
    assert 'class="chart__signal"' not in html


def test_the_kpi_page_says_when_there_is_not_enough_data(cast: Cast, client_for):
    kpi, _ = _kpi_with(cast, NOISE[:4])
    html = client_for(cast.member).get(reverse("kpi", args=[kpi.pk])).content.decode()
    assert "<strong>Not enough data</strong>" in html


def test_the_scorecard_marks_a_shift_only_on_the_row_whose_latest_value_is_a_signal(
    cast: Cast, client_for
):
    shifted, _ = _kpi_with(cast, SHIFT)
    shift_start = last_n_periods(Frequency.WEEKLY, selectors.org_today(cast.org), len(SHIFT))[8]
    steady = services.kpi_create(
        organization=cast.org, name="Calls answered", owner_team=cast.team, by=cast.owner
    )
    starts = last_n_periods(Frequency.WEEKLY, selectors.org_today(cast.org), len(NOISE))
    for start, value in zip(starts, NOISE, strict=True):
        services.measurement_record(kpi=steady, period_start=start, value=Decimal(value), by=None)
    html = client_for(cast.member).get(reverse("scorecard")).content.decode()
    shifted_row = html.split(f'id="kpi-row-{shifted.pk}"')[1].split("</tr>")[0]
    steady_row = html.split(f'id="kpi-row-{steady.pk}"')[1].split("</tr>")[0]
    assert "data-shift" in shifted_row
    # The scorecard names weeks by their first day, as its columns do.
    assert f"Real shift up since {shift_start.day} {shift_start:%b}" in shifted_row
    assert "data-shift" not in steady_row
