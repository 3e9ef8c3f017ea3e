"""``python -m tandem.bench.harness.sizing`` on a scratch PostgreSQL database: the
company's rows and sizes, and what a sign-in, a page view, a check-in and a KPI value
write, as the operations guide's sizing section quotes them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
NAME = "tandem_sizing_test"


def _admin(sql: str) -> None:
    settings = connection.settings_dict
    with psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"] or "postgres",
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(sql)


def test_sizing_measures_the_company_and_its_writes(tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the harness's sizing.py reads PostgreSQL's own sizes and counters")
    settings = connection.settings_dict
    url = (
        f"postgres://{settings['USER'] or 'postgres'}@{settings['HOST'] or '127.0.0.1'}:"
        f"{settings['PORT'] or 5432}/{NAME}"
    )
    output = tmp_path / "sizing.json"
    _admin(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
    _admin(f"CREATE DATABASE {NAME}")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TANDEM_DATA_DIR"}}
    try:
        completed = subprocess.run(
            [
                sys.executable,
                "-m",
                "tandem.bench.harness.sizing",
                f"--database-url={url}",
                "--scale=0.002",
                f"--output={output}",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
    finally:
        _admin(f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads(output.read_text())
    assert report["scale"] == 0.002
    tables = {t["table"]: t for t in report["tables"]}
    measurements = tables["kpis_measurement"]
    assert measurements["rows_of_company"] == report["company"]["measurements"] > 0
    assert measurements["bytes"] > 0
    assert tables["okrs_checkin"]["rows_of_company"] == report["company"]["checkins"]
    assert tables["accounts_user"]["rows_of_company"] == report["company"]["people"]
    assert report["company_bytes"] <= report["database_bytes"]
    writes = report["writes"]
    assert writes["page_view"]["rows_written_per_action"] == 0
    assert writes["sign_in"]["per_table"]["django_session"]["inserted"] == 1
    check_in = writes["check_in"]["per_table"]
    assert check_in["okrs_checkin"]["inserted"] == 1
    assert check_in["audit_auditevent"]["inserted"] == 1
    assert writes["check_in"]["wal_bytes_per_action"] > 0
    value = writes["kpi_value_ingested"]["per_table"]
    assert value["kpis_measurement"]["inserted"] == 1
    # One audit event per bulk batch, which names its rows: a share of one per value.
    assert 0 < value["audit_auditevent"]["inserted"] < 1
    assert report["audit_after_actions"]["rows"] > 0
