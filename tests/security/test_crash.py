"""A bulk ingestion killed mid-way leaves all of its batch or none of it.

For real: a separate Python process ingests 10,000 KPI values into a database the
test shares with it (a SQLite file, or the PostgreSQL test database in CI), and the
test kills it with SIGKILL once its transaction is under way: on SQLite once it holds
the write lock, on PostgreSQL once its transaction has written (it has a transaction
id). No ``finally`` and no rollback code runs in a killed process: whatever is left is
what the database itself guarantees. Then the same batch again completes it, and a
third time changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from django.db import connection

from tandem.audit.models import AuditEvent
from tandem.kpis import services as kpis
from tandem.kpis.models import Measurement
from tests.conftest import Cast
from tests.security.test_concurrency import concurrent_db, file_database  # noqa: F401

REPO = Path(__file__).resolve().parents[2]
KPIS = 50
WEEKS = 200
BATCH = KPIS * WEEKS  # 10,000: the most one ingestion takes
ATTEMPTS = 4
APP_NAME = "tandem-crash-test"

INGEST = """
import json, sys
import django
django.setup()
from tandem.accounts.models import Organization
from tandem.integrations.ingest import measurements_ingest
rows = json.loads(open(sys.argv[1]).read())
org = Organization.objects.get(pk=int(sys.argv[2]))
result = measurements_ingest(organization=org, rows=rows, by=None)
print(json.dumps({"created": result.created, "updated": result.updated,
                  "unchanged": result.unchanged}))
"""


def database_url(file: Path | None) -> str:
    if file is not None:
        return f"sqlite:///{file}"
    s = connection.settings_dict
    password = f":{s['PASSWORD']}" if s.get("PASSWORD") else ""
    return f"postgres://{s['USER']}{password}@{s['HOST']}:{s['PORT'] or 5432}/{s['NAME']}"


def ingestion(file: Path | None, rows: Path, org_pk: int) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        DATABASE_URL=database_url(file),
        PGAPPNAME=APP_NAME,
        PYTHONPATH=os.pathsep.join([str(REPO / "src"), str(REPO)]),
    )
    return subprocess.Popen(
        [sys.executable, "-c", INGEST, str(rows), str(org_pk)],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def writing(file: Path | None) -> Callable[[], bool]:
    """Whether the ingesting process is inside its write transaction."""
    if file is not None:

        def sqlite_writer() -> bool:
            # Tandem's SQLite transactions take the write lock when they begin: if we
            # cannot take it at once, the ingestion holds it.
            probe = sqlite3.connect(file, timeout=0, isolation_level=None)
            try:
                probe.execute("BEGIN IMMEDIATE")
                probe.execute("ROLLBACK")
                return False
            except sqlite3.OperationalError:
                return True
            finally:
                probe.close()

        return sqlite_writer

    def postgres_writer() -> bool:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE application_name = %s AND backend_xid IS NOT NULL",
                [APP_NAME],
            )
            row = cursor.fetchone()
        return bool(row and row[0])

    return postgres_writer


def stored(org_pk: int) -> int:
    return Measurement.objects.filter(organization_id=org_pk).count()


@pytest.fixture
def batch(concurrent_db: None, cast: Cast, tmp_path: Path) -> Path:  # noqa: F811
    """10,000 values: 50 weekly KPIs over the 200 weeks before this one."""
    monday = cast.org.today() - dt.timedelta(days=cast.org.today().weekday())
    rows: list[dict[str, str]] = []
    for n in range(KPIS):
        key = f"metric-{n}"
        kpis.kpi_create(organization=cast.org, name=f"Metric {n}", key=key, by=cast.owner)
        rows.extend(
            {
                "kpi": key,
                "period_start": (monday - dt.timedelta(weeks=week)).isoformat(),
                "value": str(n * 1000 + week),
            }
            for week in range(1, WEEKS + 1)
        )
    assert len(rows) == BATCH
    path = tmp_path / "rows.json"
    path.write_text(json.dumps(rows))
    return path


def test_an_ingestion_killed_mid_way_leaves_all_or_none_and_a_retry_completes_it(
    file_database: Path | None,  # noqa: F811
    batch: Path,
    cast: Cast,
) -> None:
    org_pk = cast.org.pk
    is_writing = writing(file_database)
    rng = random.Random(5)  # repeatable delays
    killed_mid_way = 0
    for _attempt in range(ATTEMPTS):
        process = ingestion(file_database, batch, org_pk)
        deadline = time.monotonic() + 120
        while not is_writing():
            assert process.poll() is None, f"the ingestion ended first: {process.communicate()}"
            assert time.monotonic() < deadline, "the ingestion never started writing"
            time.sleep(0.005)
        # Kill early in the write transaction: on a quiet machine the whole 10,000-value
        # transaction lasts about a quarter of a second (less as ingestion gets faster),
        # so a longer wait would often land after its commit and interrupt nothing.
        time.sleep(rng.uniform(0.0, 0.02))
        finished_first = process.poll() is not None
        os.kill(process.pid, signal.SIGKILL)
        process.communicate(timeout=30)
        count = stored(org_pk)
        assert count in (0, BATCH), f"a killed ingestion left {count} of {BATCH} values"
        if count == BATCH:
            break  # it committed before the kill landed: nothing left to interrupt
        killed_mid_way += not finished_first
    assert killed_mid_way, "no attempt was killed inside its transaction"

    retry = ingestion(file_database, batch, org_pk)
    out, err = retry.communicate(timeout=300)
    assert retry.returncode == 0, err
    result = json.loads(out)
    assert result["created"] + result["unchanged"] == BATCH
    assert stored(org_pk) == BATCH
    pairs = Measurement.objects.filter(organization_id=org_pk).values_list("kpi_id", "period_start")
    assert len(set(pairs)) == BATCH, "a value was stored twice"
    audited = AuditEvent.objects.filter(organization_id=org_pk).count()

    again = ingestion(file_database, batch, org_pk)
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert json.loads(out) == {"created": 0, "updated": 0, "unchanged": BATCH}
    assert stored(org_pk) == BATCH
    assert AuditEvent.objects.filter(organization_id=org_pk).count() == audited
