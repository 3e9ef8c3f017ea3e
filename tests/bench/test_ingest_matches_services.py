"""Bulk ingestion leaves what recording the same values one by one would leave, on bench data
(which has KPI-backed key results): measurements, revisions, the KPIs' latest values, the
backed key results and their objectives; the audit history differs by design (one event
for the batch instead of one per value)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction

from tandem.audit.models import AuditEvent
from tandem.bench.generator import Summary, generate
from tandem.integrations.ingest import measurements_ingest
from tandem.kpis import services as kpis_services
from tandem.kpis.models import KPI, Measurement, MeasurementRevision
from tandem.okrs.models import KeyResult, Objective

TODAY = dt.date(2025, 5, 14)


@pytest.fixture
def bench(db: None) -> Summary:
    return generate(0.002, 5, today=TODAY)


def _rows(summary: Summary) -> list[dict[str, Any]]:
    backed = KeyResult.objects.get(organization_id=summary.organization_id, kpi__isnull=False)
    kpi = backed.kpi
    assert kpi is not None
    other = KPI.objects.filter(organization_id=summary.organization_id).exclude(pk=kpi.pk).first()
    assert other is not None
    latest = kpi.measurements.order_by("-period_start").first()
    assert latest is not None
    oldest = other.measurements.order_by("period_start").first()
    assert oldest is not None
    before_history = oldest.period_start - dt.timedelta(
        days=7 if other.frequency == "weekly" else 0
    )
    rows = [
        # A correction of the backed KPI's latest value: its key result moves.
        {"kpi": kpi.key, "period_start": latest.period_start, "value": str(latest.value + 5)},
        # The same value again: unchanged.
        {"kpi": other.key, "period_start": oldest.period_start, "value": str(oldest.value)},
        # This week's value: new, and the KPI's latest.
        {"kpi": kpi.key, "period_start": kpi.period_containing(TODAY), "value": "7.5"},
    ]
    if other.frequency == "weekly":
        rows.append({"kpi": other.key, "period_start": before_history, "value": "3"})
    return rows


def _state(summary: Summary) -> dict[str, Any]:
    org = summary.organization_id
    events = []
    for e in AuditEvent.objects.filter(organization_id=org, action__startswith="measurement."):
        after = {k: v for k, v in (e.after or {}).items() if k not in {"id", "recorded_at"}}
        before = e.before and {k: v for k, v in e.before.items() if k != "id"}
        events.append((e.action, e.target_repr, e.source, e.actor_id, str(before), str(after)))
    return {
        "measurements": sorted(
            Measurement.objects.filter(organization_id=org).values_list(
                "kpi_id", "period_start", "value", "source", "note", "recorded_by_id", "version"
            )
        ),
        "revisions": sorted(
            MeasurementRevision.objects.filter(organization_id=org).values_list(
                "measurement__kpi_id",
                "measurement__period_start",
                "value",
                "source",
                "note",
                "recorded_by_id",
                "recorded_at",
            )
        ),
        "events": sorted(events),
        "kpis": sorted(
            KPI.objects.filter(organization_id=org).values_list(
                "pk", "latest_period", "latest_value"
            )
        ),
        "key_results": sorted(
            KeyResult.objects.filter(organization_id=org, kpi__isnull=False).values_list(
                "pk", "current", "progress"
            )
        ),
        "objectives": sorted(
            Objective.objects.filter(organization_id=org).values_list("pk", "progress")
        ),
    }


def test_a_batch_leaves_what_recording_each_value_would(bench):
    rows = _rows(bench)
    owner = KPI.objects.filter(organization_id=bench.organization_id).first()
    assert owner is not None
    by = None
    with transaction.atomic():
        result = measurements_ingest(
            organization=owner.organization, rows=rows, by=by, source="api", today=TODAY
        )
        bulk = _state(bench)
        transaction.set_rollback(True)
    assert (result.created, result.updated, result.unchanged) == (len(rows) - 2, 1, 1)
    with transaction.atomic():
        for row in rows:
            kpi = KPI.objects.select_related("organization").get(key=row["kpi"])
            kpis_services.measurement_record(
                kpi=kpi,
                period_start=row["period_start"],
                value=row["value"],
                by=by,
                source="api",
                today=TODAY,
            )
        one_by_one = _state(bench)
        transaction.set_rollback(True)
    bulk_events, by_hand_events = bulk.pop("events"), one_by_one.pop("events")
    assert bulk == one_by_one
    assert [e[0] for e in by_hand_events] == ["measurement.correct", "measurement.create"] + [
        "measurement.create"
    ] * (len(rows) - 3)
    ((action, what, source, actor, before, _after),) = bulk_events
    assert (action, what, source, actor, before) == (
        "measurement.batch",
        f"{len(rows) - 1} values of 2 KPIs" if len(rows) > 3 else "2 values of 1 KPI",
        "api",
        None,
        "None",
    )
    backed_before = _state(bench)["key_results"]
    assert bulk["key_results"] != backed_before  # the correction moved the key result
    assert bulk["revisions"][0][2] != Decimal(rows[0]["value"])
