"""``python -m tandem.bench.harness.run`` runs end to end on a tiny organisation and
writes its table as JSON."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = {
    "floor",
    "team_page",
    "tree",
    "home_page",
    "checkin",
    "checkin_tiny",
    "scorecard",
    "ingest_service",
    "ingest_api",
    "api_load",
}


def test_bench_run_times_every_scenario_and_writes_json(tmp_path):
    output = tmp_path / "results" / "latest.json"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TANDEM_DATA_DIR"}}
    # A fresh SQLite file in tmp_path, whatever database the suite itself runs on.
    # No Locust: the load test (tests/bench/test_loadtest.py) is reported, not dropped.
    env["TANDEM_LOCUST"] = str(tmp_path / "no-locust")
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "tandem.bench.harness.run",
            "--scale=0.002",
            "--runs=2",
            "--warmup=1",
            "--load-seconds=1",
            f"--output={output}",
            f"--data-dir={tmp_path / 'data'}",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    report = json.loads(output.read_text())
    assert report["scale"] == 0.002
    assert report["database"].startswith("SQLite")
    assert report["organizations"]["big"]["checkins"] == 800
    by_key = {s["key"]: s for s in report["scenarios"]}
    assert set(by_key) == SCENARIOS
    for scenario in report["scenarios"]:
        assert scenario["status"] in {"ok", "pending", "error"}
        if scenario["key"] in {"api_load", "floor"}:
            continue
        assert scenario["target"]
        if scenario["status"] == "ok":
            assert len(scenario["times_ms"]) == 2
            assert scenario["median_ms"] > 0
            assert scenario["baseline_median_ms"] > 0
            assert scenario["met"] in {True, False}
        else:
            # Pages still being built are reported, with the reason, never silently dropped.
            assert scenario["note"]
    # The floor, an empty page through the same stack, has no target of its own: it
    # is the least any page costs, read beside the visitor's own three queries.
    floor = by_key["floor"]
    assert floor["status"] == "ok", floor["note"]
    assert floor["target"] == ""
    assert floor["met"] is None
    assert floor["baseline_queries"] == 3
    assert 3 <= floor["queries"] < by_key["team_page"]["queries"]
    assert floor["median_ms"] > 0
    assert floor["baseline_median_ms"] > 0
    # Check-ins go through the services, which exist: they are always measured.
    assert by_key["checkin"]["status"] == "ok"
    assert by_key["checkin_tiny"]["status"] == "ok"
    assert "<= 1.5x the tiny organisation" in by_key["checkin"]["target"]
    # Ingestion goes through the service and the API, which exist: measured, with rates.
    for key in ("ingest_service", "ingest_api"):
        assert by_key[key]["status"] == "ok", by_key[key]["note"]
        assert by_key[key]["rows_per_s"] > 0
        assert by_key[key]["share_of_executemany_rate"] > 0
    assert by_key["scorecard"]["status"] == "ok", by_key["scorecard"]["note"]
    # The load test needs Locust: without it, one row says how to install it.
    assert by_key["api_load"]["status"] == "error"
    assert "make loadbench" in by_key["api_load"]["note"]
    assert output.with_suffix(".md").read_text().startswith("| scenario |")
    assert "check-in (Bench Corp)" in completed.stdout
