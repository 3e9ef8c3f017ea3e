"""The ingestion benchmark plans its rows from the values stored, so that it runs on data
generated on an earlier day, or for an organisation whose date is ahead of UTC's."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.bench.generator import generate
from tandem.bench.harness.kpi_scenarios import ingest_plan
from tandem.kpis.models import Measurement


@pytest.mark.parametrize("days_ago", [0, 1, 9, 20])
def test_plan_corrects_stored_values_and_backfills_before_history(db: None, days_ago: int) -> None:
    today = dt.datetime.now(dt.UTC).date() - dt.timedelta(days=days_ago)
    summary = generate(0.002, 3, today=today)

    plan = ingest_plan(summary, 200)

    assert plan.new
    assert plan.corrected
    assert 0 < plan.size <= 200
    assert len(plan.new) == len(plan.kpis) * len({day for _, day in plan.new})
    stored = {
        (kpi_id, start): value
        for kpi_id, start, value in Measurement.objects.filter(kpi__in=plan.kpis).values_list(
            "kpi_id", "period_start", "value"
        )
    }
    for kpi, day, value in plan.corrected:
        assert stored[(kpi.pk, day)] == value
    for kpi, day in plan.new:
        assert day < plan.first_period
        assert (kpi.pk, day) not in stored
    assert plan.first_period == min(day for _, day in stored)
