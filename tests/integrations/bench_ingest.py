"""Rate of the ingestion service against the database driver's own executemany.

Not collected by the test run; run it alone:
``.venv/bin/pytest tests/integrations/bench_ingest.py -s``.
"""

from __future__ import annotations

import time

from django.db import connection, transaction

from tandem.integrations.ingest import measurements_ingest
from tandem.kpis import services as kpis
from tandem.kpis.models import Measurement
from tests.conftest import Cast
from tests.integrations.conftest import TODAY
from tests.integrations.test_ingest import ten_thousand_rows


def test_rate_of_the_service_against_raw_executemany(cast: Cast):
    made = [
        kpis.kpi_create(
            organization=cast.org,
            name=f"Daily {k}",
            key=f"daily-{k}",
            frequency="daily",
            by=cast.owner,
        )
        for k in range(10)
    ]
    rows = ten_thousand_rows()
    start = time.perf_counter()
    measurements_ingest(organization=cast.org, rows=rows, by=cast.editor, today=TODAY)
    service = time.perf_counter() - start
    Measurement.objects.all().delete()
    by_key = {k.key: k.pk for k in made}
    table = Measurement._meta.db_table
    params = [
        (
            cast.org.pk,
            by_key[str(r["kpi"])],
            str(r["period_start"]),
            str(r["value"]),
            "api",
            "",
            cast.editor.pk,
            "2026-06-14 00:00:00",
            1,
        )
        for r in rows
    ]
    start = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} (organization_id, kpi_id, period_start, value, source, note,"
            " recorded_by_id, recorded_at, version) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s)",
            params,
        )
    raw = time.perf_counter() - start
    print(
        f"\nservice: {len(rows) / service:,.0f} rows/s ({service:.2f} s); "
        f"raw executemany: {len(rows) / raw:,.0f} rows/s ({raw:.2f} s); "
        f"ratio {raw / service:.0%}"
    )
