"""The worker enqueues each due source once and runs it; a stale or failed source shows."""

from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tandem.integrations.models import DataSource
from tandem.integrations.periodic import enqueue_due_pulls
from tandem.integrations.pulls import data_source_save, next_run_after
from tandem.kpis import services as kpis
from tandem.kpis.models import KPI, Measurement
from tests.conftest import Cast
from tests.integrations.pulls.conftest import Server

HOUR = dt.timedelta(hours=1)


def source_for(cast: Cast, kpi: KPI, url: str, **fields) -> DataSource:
    source = data_source_save(
        kpi=kpi,
        by=cast.admin,
        data={"kind": "http_json", "url": url, "value_path": "v", "period_path": "w"},
    )
    if fields:
        DataSource.objects.filter(pk=source.pk).update(**fields)
        source.refresh_from_db()
    return source


def pull_tasks() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(queue_name="pulls"))


def test_only_due_active_sources_are_enqueued_and_each_once(
    cast: Cast, revenue: KPI, allowed_server: Server
):
    now = timezone.now()
    url = allowed_server.url("/x.json")
    other = kpis.kpi_create(organization=cast.org, name="Margin", key="margin", by=cast.owner)
    paused = kpis.kpi_create(organization=cast.org, name="NPS", key="nps", by=cast.owner)
    due = source_for(cast, revenue, url, next_run_at=now - 3 * HOUR - dt.timedelta(minutes=10))
    source_for(cast, other, url, next_run_at=now + dt.timedelta(minutes=1))
    source_for(cast, paused, url, next_run_at=now - HOUR, is_active=False)

    assert enqueue_due_pulls(now) == 1
    assert enqueue_due_pulls(now) == 0  # a second worker ticking at the same moment
    tasks = pull_tasks()
    assert len(tasks) == 1
    assert tasks[0].args_kwargs["args"] == [due.pk]
    due.refresh_from_db()
    # Missed runs are skipped: the next one is the first on the schedule after now.
    assert now < due.next_run_at <= now + HOUR
    assert enqueue_due_pulls(now + HOUR) == 2  # both active ones have come due by then


def test_next_run_keeps_to_the_schedule_and_skips_missed_runs():
    start = dt.datetime(2026, 5, 4, 9, 0, tzinfo=dt.UTC)
    assert next_run_after(start, HOUR, start) == start + HOUR
    assert (
        next_run_after(start, HOUR, start + 5 * HOUR + dt.timedelta(minutes=1)) == start + 6 * HOUR
    )
    assert next_run_after(start + HOUR, HOUR, start) == start + HOUR


def run_worker() -> str:
    out = io.StringIO()
    call_command("worker", "--once", "--queue", "pulls", stdout=out)
    return out.getvalue()


def test_the_worker_pulls_due_sources_and_a_second_run_is_unchanged(
    cast: Cast, revenue: KPI, allowed_server: Server
):
    url = allowed_server.serve("/v.json", json.dumps({"w": "2026-05-04", "v": 41}))
    source = source_for(cast, revenue, url)
    out = run_worker()
    assert "KPI pulls: enqueued 1" in out
    source.refresh_from_db()
    assert source.last_status == "ok"
    assert source.last_counts == {"created": 1, "updated": 0, "unchanged": 0}
    assert Measurement.objects.get(kpi=revenue).value == Decimal(41)
    assert "KPI pulls" not in run_worker()  # not due again before its interval

    DataSource.objects.filter(pk=source.pk).update(next_run_at=timezone.now() - HOUR)
    run_worker()
    source.refresh_from_db()
    assert source.last_counts == {"created": 0, "updated": 0, "unchanged": 1}
    assert [t.return_value["status"] for t in pull_tasks()] == ["ok", "ok"]


def test_a_failing_source_is_recorded_by_the_worker(
    cast: Cast, revenue: KPI, allowed_server: Server
):
    url = allowed_server.serve("/v.json", "{}", status=503)
    source = source_for(cast, revenue, url)
    run_worker()
    source.refresh_from_db()
    assert source.last_status == "failed"
    assert source.last_error == "The server answered HTTP 503 (Service Unavailable)."
    assert source.flag == "sync failed"
    assert not Measurement.objects.filter(kpi=revenue).exists()


def test_a_source_without_success_for_twice_its_interval_is_stale(
    cast: Cast, revenue: KPI, allowed_server: Server
):
    source = source_for(cast, revenue, allowed_server.url("/v.json"))
    now = timezone.now()
    assert source.flag == ""
    source.last_status = "ok"
    source.last_success_at = now - 2 * HOUR + dt.timedelta(minutes=1)
    assert not source.is_stale(now)
    source.last_success_at = now - 2 * HOUR - dt.timedelta(minutes=1)
    assert source.is_stale(now)
    assert source.flag == "stale"
    source.stale_after_minutes = 24 * 60
    assert not source.is_stale(now)
    source.is_active = False
    source.stale_after_minutes = None
    assert source.flag == ""  # a paused source is neither stale nor failing


@pytest.mark.parametrize("minutes", [0, 4])
def test_an_interval_under_five_minutes_is_refused(cast: Cast, revenue: KPI, minutes, settings):
    from django.core.exceptions import ValidationError

    settings.TANDEM_OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    with pytest.raises(ValidationError) as caught:
        data_source_save(
            kpi=revenue,
            by=cast.admin,
            data={
                "kind": "http_json",
                "url": "http://127.0.0.1:9/x",
                "value_path": "v",
                "interval_minutes": minutes,
            },
        )
    assert "interval_minutes" in caught.value.message_dict


def test_a_scheduled_pull_records_its_failure_in_the_organisations_language(
    cast: Cast, revenue: KPI, allowed_server: Server
):
    from tandem.accounts import services as accounts

    accounts.organization_update(organization=cast.org, by=cast.owner, language="de")
    source = source_for(cast, revenue, allowed_server.serve("/v.json", "{}", status=503))
    run_worker()
    source.refresh_from_db()
    assert source.last_error == "Der Server hat mit HTTP 503 geantwortet (Service Unavailable)."
