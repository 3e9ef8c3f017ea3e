"""How pages name a KPI's forecast periods and its warning, and round its values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tandem.domain import periods as pm
from tandem.domain.health import Direction, Health, Thresholds
from tandem.insights.kpi_forecast import display_quantum, kpi_forecast_view

D = Decimal
CAL = {"week_start": 1, "fiscal_year_start_month": 1}
TODAY = dt.date(2026, 12, 2)  # a Wednesday of 2026-W49


def view(values, *, frequency=pm.Frequency.WEEKLY, health=Health.GREEN, thresholds=None):
    starts = pm.last_n_periods(frequency, TODAY, len(values) + 1, **CAL)[:-1]
    return kpi_forecast_view(
        frequency=frequency,
        direction=Direction.HIGHER_IS_BETTER,
        starts=starts,
        values=values,
        thresholds=thresholds or Thresholds(target=D(90), yellow=D(80)),
        health=health,
        today=TODAY,
        calendar=CAL,
    )


def test_the_periods_ahead_follow_the_latest_value_and_are_named():
    v = view([D(100 + (i % 3)) for i in range(12)])
    assert [p.label for p in v.periods] == [
        "2026-W49",
        "2026-W50",
        "2026-W51",
        "2026-W52",
        "2026-W53",
        "2027-W01",
    ]
    assert v.warning is None
    assert v.warning_text == ""


def test_the_warning_counts_periods_from_today_in_the_kpis_own_words():
    falling = [D(130 - 4 * i) for i in range(12)]
    weekly = view(falling)
    assert weekly.warning is not None
    assert weekly.warning_text == f"Likely red in {weekly.warning_in} week" + (
        "s" if weekly.warning_in != 1 else ""
    )
    monthly = view(falling, frequency=pm.Frequency.MONTHLY)
    assert monthly.warning is not None
    assert "month" in monthly.warning_text


def test_without_a_usable_target_there_is_a_forecast_but_no_chance_of_red():
    v = view([D(100 + i) for i in range(10)], thresholds=Thresholds(target=None))
    assert v.periods
    assert all(p.red_chance is None for p in v.periods)
    assert v.warning is None


def test_a_stale_kpi_and_a_short_history_are_told_apart():
    assert view([D(1)] * 10, health=Health.STALE).stale
    short = view([D(1), D(2)])
    assert short.too_little_history
    assert not short.stale
    assert short.values == 2


def test_forecasts_are_rounded_to_a_tenth_of_their_band():
    assert display_quantum(D(500)) == D(1)
    assert display_quantum(D("4.2")) == D("0.1")
    assert display_quantum(D("0.003")) == D("0.01")
    assert display_quantum(D(0)) == D("0.01")
