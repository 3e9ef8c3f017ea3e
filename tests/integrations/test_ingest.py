"""Bulk measurement ingestion: all rows checked first, written at once, idempotent."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.audit.models import AuditEvent
from tandem.integrations.ingest import IngestError, measurements_ingest
from tandem.kpis.models import KPI, Measurement, MeasurementRevision
from tests.conftest import Cast
from tests.integrations.conftest import TODAY, WEEK_1, WEEK_2, D, row_counts


def ingest(cast: Cast, rows, **kwargs):
    return measurements_ingest(
        organization=cast.org, rows=rows, by=cast.editor, today=TODAY, **kwargs
    )


def test_a_batch_creates_values_by_key_and_by_id_and_counts_them(cast: Cast, revenue, churn):
    result = ingest(
        cast,
        [
            {"kpi": "revenue", "period_start": "2026-05-04", "value": "100"},
            {"kpi": revenue.pk, "period_start": WEEK_2, "value": 120, "note": "good week"},
            {"kpi": str(churn.pk), "period_start": "2026-05-01", "value": "2.5"},
        ],
    )
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    assert Measurement.objects.get(kpi=revenue, period_start=WEEK_2).note == "good week"
    revenue.refresh_from_db()
    assert (revenue.latest_period, revenue.latest_value) == (WEEK_2, D(120))
    creates = AuditEvent.objects.filter(action="measurement.create", source="api")
    assert creates.count() == 3
    assert creates.filter(actor=cast.editor).count() == 3


def test_the_same_batch_twice_changes_nothing_the_second_time(cast: Cast, revenue):
    rows = [{"kpi": "revenue", "period_start": WEEK_1, "value": "100", "note": "x"}]
    ingest(cast, rows)
    before = row_counts()
    result = ingest(cast, rows)
    assert (result.created, result.updated, result.unchanged) == (0, 0, 1)
    assert row_counts() == before


def test_a_new_value_for_a_period_is_a_correction_keeping_the_old_one(cast: Cast, revenue):
    ingest(cast, [{"kpi": "revenue", "period_start": WEEK_1, "value": "100"}])
    result = ingest(
        cast,
        [
            {"kpi": "revenue", "period_start": WEEK_1, "value": "90"},
            {"kpi": "revenue", "period_start": WEEK_2, "value": "95"},
        ],
        source="import",
    )
    assert (result.created, result.updated, result.unchanged) == (1, 1, 0)
    corrected = Measurement.objects.get(kpi=revenue, period_start=WEEK_1)
    assert (corrected.value, corrected.version, corrected.source) == (D(90), 2, "import")
    assert list(MeasurementRevision.objects.values_list("value", flat=True)) == [D(100)]
    event = AuditEvent.objects.get(action="measurement.correct")
    assert event.source == "import"
    assert event.before is not None
    assert event.after is not None
    assert (event.before["value"], event.after["value"]) == ("100.0000", "90.0000")


def test_every_bad_row_is_listed_with_its_index_and_field_and_nothing_is_written(
    cast: Cast, revenue, churn
):
    ingest(cast, [{"kpi": "revenue", "period_start": WEEK_1, "value": "1"}])
    before = row_counts()
    rows = [
        {"kpi": "revenue", "period_start": WEEK_2, "value": "5"},  # good
        {"kpi": "no-such-kpi", "period_start": WEEK_2, "value": "5"},
        {"kpi": "revenue", "period_start": "4 May 2026", "value": "5"},
        {"kpi": "revenue", "period_start": "2026-05-05", "value": "5"},  # a Tuesday
        {"kpi": "revenue", "period_start": "2026-09-07", "value": "5"},  # future
        {"kpi": "revenue", "period_start": "2026-05-18", "value": "lots"},
        {"kpi": "revenue", "period_start": WEEK_2, "value": "6"},  # twice in the batch
        {"kpi": "", "period_start": "2026-02-30", "value": "12,5"},
        {"kpi": "churn", "period_start": "2026-05-01", "value": "1", "valeu": "2"},
    ]
    with pytest.raises(IngestError) as refused:
        ingest(cast, rows)
    found = {(e["index"], e["field"]) for e in refused.value.errors}
    assert found == {
        (1, "kpi"),
        (2, "period_start"),
        (3, "period_start"),
        (4, "period_start"),
        (5, "value"),
        (6, "period_start"),
        (7, "kpi"),
        (7, "period_start"),
        (7, "value"),
        (8, "valeu"),
    }
    messages = {(e["index"], e["field"]): e["message"] for e in refused.value.errors}
    assert "no-such-kpi" in messages[(1, "kpi")]
    assert "2026-05-04" in messages[(3, "period_start")]
    assert "future" in messages[(4, "period_start")]
    assert "Row 0" in messages[(6, "period_start")]
    assert row_counts() == before


def test_a_kpi_of_another_organisation_is_unknown(cast: Cast):
    from tandem.kpis import services as kpis

    theirs = kpis.kpi_create(organization=cast.other_org, name="Theirs", by=cast.outsider)
    with pytest.raises(IngestError) as refused:
        ingest(cast, [{"kpi": theirs.pk, "period_start": WEEK_1, "value": 1}])
    assert refused.value.errors[0]["field"] == "kpi"
    assert not Measurement.objects.exists()


def test_more_than_ten_thousand_rows_are_refused_whole(cast: Cast, revenue):
    rows = [{"kpi": "revenue", "period_start": WEEK_1, "value": 1}] * 10_001
    with pytest.raises(IngestError) as refused:
        ingest(cast, rows)
    assert refused.value.errors[0]["field"] == "rows"


def ten_thousand_rows(count_kpis: int = 10) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []
    for k in range(count_kpis):
        for day in range(10_000 // count_kpis):
            rows.append(
                {
                    "kpi": f"daily-{k}",
                    "period_start": TODAY - dt.timedelta(days=day),
                    "value": f"{k}.{day}",
                }
            )
    return rows


def test_ten_thousand_values_go_in_with_a_bounded_number_of_queries_and_again_change_nothing(
    cast: Cast, django_assert_max_num_queries
):
    from tandem.kpis import services as kpis

    for k in range(10):
        kpis.kpi_create(
            organization=cast.org,
            name=f"Daily {k}",
            key=f"daily-{k}",
            frequency="daily",
            by=cast.owner,
        )
    rows = ten_thousand_rows()
    # A few queries for the batch, and a refresh of each of the ten KPIs: none per value.
    with django_assert_max_num_queries(40):
        result = ingest(cast, rows)
    assert result.created == 10_000
    assert Measurement.objects.count() == 10_000
    assert AuditEvent.objects.filter(action="measurement.create").count() == 10_000
    assert KPI.objects.get(key="daily-3").latest_period == TODAY
    before = row_counts()
    with django_assert_max_num_queries(5):
        again = ingest(cast, rows)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 10_000)
    assert row_counts() == before


def test_a_bulk_created_value_is_audited_exactly_as_one_recorded_by_hand(cast: Cast, revenue):
    from tandem.audit.services import snapshot

    ingest(cast, [{"kpi": "revenue", "period_start": WEEK_1, "value": "1,250.5", "note": "n"}])
    measurement = Measurement.objects.get()
    event = AuditEvent.objects.get(action="measurement.create")
    assert (event.target_type, event.target_id) == ("measurement", measurement.pk)
    assert event.target_repr == str(measurement)
    assert event.after == snapshot(measurement)
    assert event.before is None
