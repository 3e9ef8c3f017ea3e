"""``python -m tandem.bench.harness.run --replica-database-url`` (make bench-replica) on
the real primary and its streaming replica: each page timed read from the replica and
from the primary alone, checked to have read where it says, and ingestion on the primary
with the lag it causes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg

from tests.distributed.conftest import Replica

ROOT = Path(__file__).resolve().parents[2]
NAME = "tandem_replica_bench"
PAGES = ("tree", "scorecard", "team_page")
WRITES = ("ingest_service", "ingest_api")


def _admin(database: dict[str, str], sql: str) -> None:
    with psycopg.connect(
        host=database["host"],
        port=database["port"],
        user=database["user"],
        dbname="postgres",
        autocommit=True,
    ) as conn:
        conn.execute(sql)


def test_pages_read_from_the_replica_beside_the_primary_alone(
    replica: Replica, database: dict[str, str], tmp_path: Path
) -> None:
    primary = f"postgres://{database['user']}@{database['host']}:{database['port']}/{NAME}"
    standby = f"postgres://{database['user']}@127.0.0.1:{replica.port}/{NAME}"
    output = tmp_path / "replica.json"
    _admin(database, f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
    _admin(database, f"CREATE DATABASE {NAME}")
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TANDEM_DATA_DIR"}}
    try:
        completed = subprocess.run(
            [
                sys.executable,
                "-m",
                "tandem.bench.harness.run",
                "--scale=0.002",
                "--runs=2",
                "--warmup=1",
                f"--database-url={primary}",
                f"--replica-database-url={standby}",
                f"--output={output}",
                f"--data-dir={tmp_path / 'data'}",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    finally:
        _admin(database, f"DROP DATABASE IF EXISTS {NAME} WITH (FORCE)")
    assert completed.returncode == 0, completed.stdout[-3000:] + completed.stderr[-3000:]
    report = json.loads(output.read_text())
    by_key = {s["key"]: s for s in report["scenarios"]}
    assert set(by_key) == {f"{k}/{m}" for k in PAGES + WRITES for m in ("primary", "replica")}
    for scenario in by_key.values():
        assert scenario["status"] == "ok", (scenario["key"], scenario["note"])
        assert scenario["median_ms"] > 0
        assert scenario["baseline_median_ms"] > 0
    for key in PAGES:
        alone, split = by_key[f"{key}/primary"], by_key[f"{key}/replica"]
        assert alone["queries_replica"] == 0
        assert alone["scans_replica"] == 0
        assert alone["queries_primary"] > 0
        # With the replica, only the session is read from the primary.
        assert split["queries_replica"] > 0
        assert split["scans_replica"] > 0
        assert split["queries_primary_not_session"] == 0
    for key in WRITES:
        assert by_key[f"{key}/replica"]["queries_primary"] > 0
        assert by_key[f"{key}/replica"]["replica_catch_up_max_ms"] >= 0
    assert "replica/primary" in report["table"]
    assert report["machine"]["load_average_before"]
