"""KPI scenarios of ``make bench``: the scorecard of 500 KPIs, and ingesting many values.

Ingestion writes: each run records 10,000 values (half new, half corrections of
recent weeks), and an untimed reset afterwards deletes the new ones, so that every
run finds the same database. The next run's corrections carry other values than
the last run's, so they are corrections again, never "unchanged". The baseline,
the driver's ``executemany`` of the same rows into the measurement table in one
transaction, upserts (``ON CONFLICT ... DO UPDATE``): a plain INSERT of a period
that already has a value would break the (KPI, period) uniqueness.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import close_old_connections, connection
from django.db.models import Min
from django.test import Client
from django.urls import reverse

from tandem.accounts.models import Membership, Organization, Role, Team, User
from tandem.api.services import api_token_create
from tandem.audit.models import Source as AuditSource
from tandem.bench import kpis as bench_kpis
from tandem.bench.generator import Summary
from tandem.bench.harness.scenarios import Pending, Raw, Result, Visitor, new_result
from tandem.domain import periods as pm
from tandem.integrations.ingest import measurements_ingest
from tandem.kpis.models import KPI, KPITag, KPITarget, Measurement, Source

SCORECARD_TAG = bench_kpis.TAGS[0]
SCORECARD_PERIODS = 13
INGEST_ROWS = 10_000
API_BATCH = 5_000
INGEST_KPIS = 500


def _n(value: int) -> str:
    return f"{value:,}"


def owner_of(summary: Summary) -> User:
    organization = Organization.objects.get(pk=summary.organization_id)
    return Membership.objects.get(organization=organization, role=Role.OWNER).user


# -- the scorecard ----------------------------------------------------------------------


def scorecard_page(raw: Raw, summary: Summary) -> Result:
    result = new_result("scorecard", f"scorecard, {SCORECARD_PERIODS} weeks")
    organization = Organization.objects.get(pk=summary.organization_id)
    kpis = KPI.objects.filter(organization=organization, is_active=True, tags__name=SCORECARD_TAG)
    shown = kpis.count()
    if not shown:
        raise Pending(f"no KPI tagged “{SCORECARD_TAG}”: generate Bench Corp again")
    ids = list(kpis.values_list("pk", flat=True))
    measured = Measurement.objects.filter(kpi_id__in=ids).count()
    result.size = (
        f"{_n(shown)} KPIs x {SCORECARD_PERIODS} weeks (tag {SCORECARD_TAG}; "
        f"of {_n(summary.kpis)} KPIs, {_n(summary.measurements)} measurements)"
    )
    url = (
        reverse("scorecard")
        + f"?tag={SCORECARD_TAG}&granularity=weekly&periods={SCORECARD_PERIODS}"
    )
    visitor = Visitor(raw, owner_of(summary))
    tables = {
        "kpi": KPI._meta.db_table,
        "kpi_tags": KPI.tags.through._meta.db_table,
        "tag": KPITag._meta.db_table,
        "target": KPITarget._meta.db_table,
        "measurement": Measurement._meta.db_table,
        "team": Team._meta.db_table,
        "user": User._meta.db_table,
    }

    def sql(text: str) -> str:
        filled = text.format(**tables)
        return filled.replace("%s", "?") if raw.sqlite else filled

    kpis_sql = sql(
        "SELECT k.id, k.name, k.key, k.unit, k.currency, k.direction, k.frequency, "
        "k.aggregation, k.latest_period, k.latest_value, t.name, u.full_name "
        "FROM {kpi} k JOIN {kpi_tags} kt ON kt.kpi_id = k.id JOIN {tag} g ON g.id = kt.kpitag_id "
        "LEFT JOIN {team} t ON t.id = k.owner_team_id LEFT JOIN {user} u ON u.id = k.owner_user_id "
        "WHERE k.organization_id = %s AND k.is_active AND g.name = %s "
        "ORDER BY k.position, k.name"
    )
    tags_sql = sql(
        "SELECT kt.kpi_id, g.name FROM {kpi_tags} kt JOIN {tag} g ON g.id = kt.kpitag_id "
        "WHERE kt.kpi_id IN (@IDS@)"
    )
    targets_sql = sql(
        "SELECT kpi_id, effective_from, target, yellow, low, high, tolerance FROM {target} "
        "WHERE kpi_id IN (@IDS@)"
    )
    values_sql = sql(
        "SELECT kpi_id, period_start, value FROM {measurement} "
        "WHERE kpi_id IN (@IDS@) AND period_start >= %s"
    )
    cal = {
        "week_start": organization.week_start,
        "fiscal_year_start_month": organization.fiscal_year_start_month,
    }
    today = organization.today()
    # The same window as the page: the columns, and the periods the promotion rule reads.
    lookback = organization.promote_after_red_periods + 1
    since = min(
        pm.last_n_periods(pm.Frequency.WEEKLY, today, SCORECARD_PERIODS, **cal)[0],
        pm.last_n_periods(pm.Frequency.MONTHLY, today, lookback, **cal)[0],
    )

    def baseline() -> None:
        visitor.baseline()
        rows = raw.all(kpis_sql, [organization.pk, SCORECARD_TAG])
        kpi_ids = [row[0] for row in rows]
        raw.with_ids(tags_sql, kpi_ids)
        raw.with_ids(targets_sql, kpi_ids)
        marks = ", ".join(["?" if raw.sqlite else "%s"] * len(kpi_ids))
        raw.all(values_sql.replace("@IDS@", marks), [*kpi_ids, raw.day(since)])

    result.work = lambda: visitor.get(url)
    result.baseline_work = baseline
    result.baseline_queries = 3 + 4
    result.extra = {"kpis_shown": shown, "measurements_of_those_kpis": measured}
    return result


# -- ingestion --------------------------------------------------------------------------


@dataclass
class IngestPlan:
    """Which KPIs and periods a run writes: ``new`` periods before each KPI's history
    (a backfill) and ``corrected`` recent periods with their stored values."""

    organization: Organization
    kpis: list[KPI]
    new: list[tuple[KPI, dt.date]]
    corrected: list[tuple[KPI, dt.date, Decimal]]
    first_period: dt.date  # the generated history starts here; new rows lie before it

    @property
    def size(self) -> int:
        return len(self.new) + len(self.corrected)


def ingest_plan(summary: Summary, rows: int) -> IngestPlan:
    organization = Organization.objects.get(pk=summary.organization_id)
    weekly = list(
        KPI.objects.filter(organization=organization, frequency="weekly", is_active=True)
        .select_related("organization")
        .order_by("pk")
    )
    if not weekly:
        raise Pending("no weekly KPI to record values of")
    kpis = weekly[:INGEST_KPIS]
    per_kpi = max(2, min(40, -(-rows // len(kpis))))
    cal = {
        "week_start": organization.week_start,
        "fiscal_year_start_month": organization.fiscal_year_start_month,
    }
    # Work from what is stored, not from today's calendar: the history was generated
    # for the UTC date of its run, which can be a week behind the organisation's own
    # date (a later day, or an organisation ahead of UTC on a Sunday night).
    keep = per_kpi - per_kpi // 2
    stored_by_kpi: dict[int, list[tuple[dt.date, Decimal]]] = {}
    since = organization.today() - dt.timedelta(weeks=keep + 8)
    for kpi_id, start, value in (
        Measurement.objects.filter(kpi__in=kpis, period_start__gte=since)
        .order_by("kpi_id", "period_start")
        .values_list("kpi_id", "period_start", "value")
    ):
        stored_by_kpi.setdefault(kpi_id, []).append((start, value))
    kpis = [kpi for kpi in kpis if len(stored_by_kpi.get(kpi.pk, ())) >= keep]
    if not kpis:
        raise Pending("no weekly KPI has recent values to correct")
    first = Measurement.objects.filter(kpi__in=kpis).aggregate(first=Min("period_start"))["first"]
    backfill = pm.last_n_periods(pm.Frequency.WEEKLY, first, per_kpi // 2 + 1, **cal)[:-1]
    corrected_by_kpi = {kpi.pk: stored_by_kpi[kpi.pk][-keep:] for kpi in kpis}
    new = [(kpi, day) for kpi in kpis for day in backfill]
    corrected = [(kpi, day, value) for kpi in kpis for day, value in corrected_by_kpi[kpi.pk]]
    half = rows // 2
    return IngestPlan(
        organization=organization,
        kpis=kpis,
        new=new[:half],
        corrected=corrected[: rows - min(half, len(new))],
        first_period=first,
    )


class Runs:
    """The rows of the next run, prepared outside the timer. Odd offsets for Tandem,
    even ones for the baseline: a correction always carries a value not yet stored."""

    def __init__(self, plan: IngestPlan) -> None:
        self.plan = plan
        self.count = 0

    def next_offset(self) -> Decimal:
        self.count += 1
        return Decimal(self.count)

    def service_rows(self) -> list[dict[str, Any]]:
        offset = 2 * self.next_offset() - 1
        return [
            {"kpi": kpi.key, "period_start": day.isoformat(), "value": str(offset)}
            for kpi, day in self.plan.new
        ] + [
            {"kpi": kpi.key, "period_start": day.isoformat(), "value": str(value + offset)}
            for kpi, day, value in self.plan.corrected
        ]

    def baseline_rows(self, raw: Raw, by: User, now: dt.datetime) -> list[tuple[Any, ...]]:
        offset = 2 * self.next_offset()
        org_id, by_id, at = self.plan.organization.pk, by.pk, raw.when(now)
        rows = [
            (org_id, kpi.pk, raw.day(day), offset, "api", "", by_id, at, 1)
            for kpi, day in self.plan.new
        ]
        rows += [
            (org_id, kpi.pk, raw.day(day), value + offset, "api", "", by_id, at, 1)
            for kpi, day, value in self.plan.corrected
        ]
        return rows


def _remove_new(plan: IngestPlan) -> None:
    """Delete what a run added before the generated history (untimed)."""
    Measurement.objects.filter(kpi__in=plan.kpis, period_start__lt=plan.first_period).delete()


def _baseline(raw: Raw, runs: Runs, by: User) -> tuple[Callable[[], None], Callable[[], None]]:
    table = Measurement._meta.db_table
    columns = (
        "organization_id, kpi_id, period_start, value, source, note, recorded_by_id, "
        "recorded_at, version"
    )
    mark = "?" if raw.sqlite else "%s"
    insert = (
        f"INSERT INTO {table} ({columns}) VALUES ({', '.join([mark] * 9)}) "
        "ON CONFLICT (kpi_id, period_start) DO UPDATE SET value = excluded.value, "
        "source = excluded.source, note = excluded.note, "
        "recorded_by_id = excluded.recorded_by_id, recorded_at = excluded.recorded_at, "
        f"version = {table}.version + 1"
    )
    begin = "BEGIN IMMEDIATE" if raw.sqlite else "BEGIN"
    pending: list[list[tuple[Any, ...]]] = []

    def prepare() -> None:
        pending[:] = [runs.baseline_rows(raw, by, dt.datetime.now(dt.UTC))]

    def baseline() -> None:
        rows = pending[0]
        cursor = raw.db.cursor()
        try:
            cursor.execute(begin)
            cursor.executemany(insert, rows)
            cursor.execute("COMMIT")
        except BaseException:
            cursor.execute("ROLLBACK")
            raise
        finally:
            cursor.close()

    def reset() -> None:
        raw.run(
            raw.sql(f"DELETE FROM {table} WHERE kpi_id IN (@IDS@) AND period_start < %s").replace(
                "@IDS@", ", ".join([mark] * len(runs.plan.kpis))
            ),
            [*(k.pk for k in runs.plan.kpis), raw.day(runs.plan.first_period)],
        )
        prepare()

    prepare()
    return baseline, reset


def ingest_service(raw: Raw, summary: Summary) -> Result:
    result = new_result("ingest_service", "ingestion, service (measurements_ingest)")
    plan = ingest_plan(summary, INGEST_ROWS)
    by = owner_of(summary)
    runs = Runs(plan)
    result.size = (
        f"{_n(plan.size)} rows for {len(plan.kpis)} KPIs: {_n(len(plan.new))} new, "
        f"{_n(len(plan.corrected))} corrections (of {_n(summary.measurements)} measurements)"
    )
    pending = [runs.service_rows()]

    def work() -> None:
        outcome = measurements_ingest(
            organization=plan.organization, rows=pending[0], by=by, source=Source.API
        )
        if (outcome.created, outcome.updated) != (len(plan.new), len(plan.corrected)):
            raise RuntimeError(f"unexpected outcome {outcome}")

    def reset() -> None:
        _remove_new(plan)
        pending[:] = [runs.service_rows()]

    result.work, result.reset = work, reset
    result.baseline_work, result.baseline_reset = _baseline(raw, runs, by)
    result.baseline_queries = 3  # BEGIN, executemany, COMMIT
    result.extra = {"rows": plan.size}
    return result


def ingest_api(raw: Raw, summary: Summary) -> Result:
    result = new_result("ingest_api", "ingestion, HTTP API (POST /measurements/bulk)")
    plan = ingest_plan(summary, API_BATCH)
    by = owner_of(summary)
    _, secret = api_token_create(
        user=by,
        organization=plan.organization,
        name=f"Bench ingestion {dt.datetime.now(dt.UTC):%H:%M:%S.%f}",
        scope="measurements",
        expires_on=None,
        by=by,
        source=AuditSource.API,
    )
    client = Client()
    headers = {"authorization": f"Bearer {secret}"}
    url = "/api/v1/measurements/bulk"
    runs = Runs(plan)
    result.size = (
        f"one request of {_n(plan.size)} rows for {len(plan.kpis)} KPIs: "
        f"{_n(len(plan.new))} new, {_n(len(plan.corrected))} corrections"
    )
    body = [json.dumps({"rows": runs.service_rows()})]

    def work() -> None:
        response = client.post(url, data=body[0], content_type="application/json", headers=headers)
        close_old_connections()
        if response.status_code != 200:
            raise RuntimeError(f"POST {url} answered {response.status_code}: {response.content!r}")
        answer = response.json()
        if (answer["created"], answer["updated"]) != (len(plan.new), len(plan.corrected)):
            raise RuntimeError(f"unexpected outcome {answer}")

    def reset() -> None:
        connection.ensure_connection()
        _remove_new(plan)
        body[:] = [json.dumps({"rows": runs.service_rows()})]
        close_old_connections()

    result.work, result.reset = work, reset
    result.baseline_work, result.baseline_reset = _baseline(raw, runs, by)
    result.baseline_queries = 3
    result.extra = {"rows": plan.size}
    return result
