"""Bulk measurement ingestion: all rows checked first, written at once, idempotent."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.audit.models import AuditEvent
from tandem.integrations.ingest import IngestError, measurements_ingest
from tandem.kpis.models import KPI, Measurement, MeasurementBatch, MeasurementRevision
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
    # One audit event for the batch, not one per value.
    (event,) = AuditEvent.objects.filter(action__startswith="measurement.")
    assert (event.action, event.source, event.actor) == ("measurement.batch", "api", cast.editor)
    assert event.after is not None
    assert (event.after["created"], sorted(event.after["kpis"])) == (3, [revenue.pk, churn.pk])


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
    first, second = MeasurementBatch.objects.order_by("pk")
    assert corrected.batch == second
    # The old value keeps the batch that sent it; the new one, the batch that corrected it.
    assert MeasurementRevision.objects.get().batch == first
    event = AuditEvent.objects.get(action="measurement.batch", target_id=second.pk)
    assert event.source == "import"
    assert event.before is None
    assert event.after is not None
    assert (event.after["created"], event.after["updated"]) == (1, 1)
    assert (event.after["first_period"], event.after["last_period"]) == (
        WEEK_1.isoformat(),
        WEEK_2.isoformat(),
    )


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
    (event,) = AuditEvent.objects.filter(action__startswith="measurement.")
    assert Measurement.objects.filter(batch_id=event.target_id).count() == 10_000
    assert KPI.objects.get(key="daily-3").latest_period == TODAY
    before = row_counts()
    with django_assert_max_num_queries(5):
        again = ingest(cast, rows)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 10_000)
    assert row_counts() == before


def test_a_batch_is_one_audit_event_naming_who_sent_it_when_and_what_it_wrote(
    cast: Cast, revenue, churn
):
    from tandem.api.services import api_token_create

    token, _ = api_token_create(
        user=cast.editor,
        organization=cast.org,
        name="Nightly sync",
        scope="measurements",
        expires_on=None,
        by=cast.editor,
    )
    result = ingest(
        cast,
        [
            {"kpi": "revenue", "period_start": WEEK_1, "value": "1,250.5", "note": "n"},
            {"kpi": "revenue", "period_start": WEEK_2, "value": "7"},
            {"kpi": "churn", "period_start": "2026-05-01", "value": "2.5"},
        ],
        token=token,
    )
    batch = result.batch
    assert batch is not None
    assert (batch.recorded_by, batch.token, batch.source) == (cast.editor, token, "api")
    assert (batch.created, batch.updated, batch.unchanged, batch.kpi_count) == (3, 0, 0, 2)
    assert set(Measurement.objects.filter(batch=batch)) == set(Measurement.objects.all())
    assert {m.recorded_at for m in Measurement.objects.all()} == {batch.recorded_at}
    event = AuditEvent.objects.get(action="measurement.batch")
    assert (event.target_type, event.target_id) == ("measurementbatch", batch.pk)
    assert (event.actor, event.source) == (cast.editor, "api")
    assert event.target_repr == "3 values of 2 KPIs"
    assert event.after == {
        "source": "api",
        "recorded_by_id": cast.editor.pk,
        "token_id": token.pk,
        "token": "Nightly sync",
        "recorded_at": batch.recorded_at.isoformat(),
        "created": 3,
        "updated": 0,
        "unchanged": 0,
        "first_period": "2026-05-01",
        "last_period": WEEK_2.isoformat(),
        "kpis": sorted([revenue.pk, churn.pk]),
    }


def test_a_batch_that_changes_nothing_records_no_batch(cast: Cast, revenue):
    rows = [{"kpi": "revenue", "period_start": WEEK_1, "value": "3"}]
    ingest(cast, rows)
    again = ingest(cast, rows)
    assert again.batch is None
    assert MeasurementBatch.objects.count() == 1
    assert AuditEvent.objects.filter(action="measurement.batch").count() == 1


def test_a_value_corrected_by_hand_leaves_its_batch_and_keeps_it_in_the_revision(
    cast: Cast, revenue
):
    from tandem.kpis import services as kpis

    sent = ingest(cast, [{"kpi": "revenue", "period_start": WEEK_1, "value": "3"}]).batch
    kpis.measurement_record(kpi=revenue, period_start=WEEK_1, value="4", by=cast.owner, today=TODAY)
    measurement = Measurement.objects.get()
    assert (measurement.value, measurement.batch, measurement.recorded_by) == (
        D(4),
        None,
        cast.owner,
    )
    revision = measurement.revisions.get()
    assert (revision.value, revision.batch, revision.recorded_by) == (D(3), sent, cast.editor)
