"""The harness's ``loadtest.py``: what it sends, that Locust's side really sends it to
Tandem's API and counts the answers, and how the 50 requests/s target is judged."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from tandem.bench.generator import generate
from tandem.bench.harness import loadtest
from tandem.bench.harness.scenarios import pick_team
from tandem.kpis.models import Measurement

# A fixed day keeps the data repeatable (the current cycle is 2025 Q2, with team
# objectives); the stored weeks are in the past, where corrections are accepted.
TODAY = dt.date(2025, 5, 14)

needs_locust = pytest.mark.skipif(
    not loadtest.LOCUST.exists(), reason="Locust is not in .venv-load: `make loadbench` adds it"
)


def prepared(tmp_path: Path) -> tuple[dict, Any]:
    """The spec for Bench Corp at a tiny scale, and the organisation it reads and writes."""
    summary = generate(0.002, 7, today=TODAY)
    spec, _ = loadtest.prepare(summary, tmp_path)
    return spec, pick_team(summary).organization


def test_prepare_posts_a_new_value_for_stored_weeks_of_weekly_kpis(db: None, tmp_path: Path):
    summary = generate(0.002, 7, today=TODAY)
    spec, label = loadtest.prepare(summary, tmp_path)

    picked = pick_team(summary)
    assert spec["reads_path"] == f"/api/v1/objectives?team={picked.team.pk}&cycle={picked.cycle.pk}"
    assert spec["read_headers"]["authorization"].startswith("Bearer ")
    assert spec["bulk_headers"]["authorization"] != spec["read_headers"]["authorization"]
    rows = [row for group in spec["bulk_groups"] for row in group]
    assert rows
    stored = {
        (key, start.isoformat()): value
        for key, start, value in Measurement.objects.filter(
            kpi__organization=picked.organization, kpi__frequency="weekly"
        ).values_list("kpi__key", "period_start", "value")
    }
    for key, period, value in rows:
        assert stored[(key, period)] == Decimal(value)  # a correction of a stored week
    per_kpi: dict[str, int] = {}
    for key, _, _ in spec["bulk_groups"][0]:
        per_kpi[key] = per_kpi.get(key, 0) + 1
    assert set(per_kpi.values()) <= set(range(1, loadtest.BULK_WEEKS + 1))
    assert f"bulk: {len(spec['bulk_groups'][0]):,} values" in label


@needs_locust
def test_locust_reads_and_posts_at_the_offered_rate_against_tandem(
    transactional_db: None, live_server, tmp_path: Path
):
    spec, organization = prepared(tmp_path)
    spec["base"] = live_server.url

    reads = loadtest.locust_run(spec, "reads", 10, 1, tmp_path / "reads.json")
    assert (reads.sent, reads.ok, reads.failures) == (10, 10, 0), reads.failure_examples
    assert len(reads.latencies_ms) == 10
    assert 0 < reads.p50_ms <= reads.p99_ms  # type: ignore[operator]
    assert reads.locust_requests == 10
    assert 0 < reads.achieved_rate <= 10.5

    first = {(key, period): Decimal(value) for key, period, value in spec["bulk_groups"][0]}
    spec["bulk_first_offset"] = 4
    bulk = loadtest.locust_run(spec, "bulk", 2, 1, tmp_path / "bulk.json")
    assert (bulk.sent, bulk.ok, bulk.failures) == (2, 2, 0), bulk.failure_examples
    # Post i adds offset + i + 1 to each value of its group (groups take turns).
    posted_to_first = [i for i in range(2) if i % len(spec["bulk_groups"]) == 0]
    for (key, period), before in first.items():
        now = Measurement.objects.get(
            kpi__organization=organization, kpi__key=key, period_start=period
        ).value
        assert now in {before + 4 + i + 1 for i in posted_to_first}


@needs_locust
def test_locust_counts_refused_answers_as_failures(
    transactional_db: None, live_server, tmp_path: Path
):
    spec, _ = prepared(tmp_path)
    spec["base"] = live_server.url
    spec["read_headers"] = {"authorization": "Bearer not-a-token"}

    run = loadtest.locust_run(spec, "reads", 10, 0.5, tmp_path / "refused.json")

    assert (run.sent, run.ok, run.failures) == (5, 0, 5)
    assert run.p99_ms is None
    assert all(example.startswith("401") for example in run.failure_examples)


def run_of(latencies_ms: list[float], failures: int = 0) -> loadtest.Run:
    ordered = sorted(latencies_ms)
    return loadtest.Run(
        scenario="reads",
        offered_rate=50.0,
        sent=len(latencies_ms) + failures,
        ok=len(latencies_ms),
        failures=failures,
        failure_examples=["503 busy"] if failures else [],
        seconds=1.0,
        achieved_rate=float(len(latencies_ms)),
        latencies_ms=latencies_ms,
        p50_ms=ordered[len(ordered) // 2] if ordered else None,
        p99_ms=ordered[-1] if ordered else None,
        max_send_lag_ms=0.1,
        locust_p50_ms=None,
        locust_p99_ms=None,
        locust_requests=len(latencies_ms) + failures,
        locust_failures=failures,
    )


@pytest.mark.parametrize(
    ("latencies_ms", "failures", "met"),
    [
        ([10.0] * 49 + [249.0], 0, True),
        ([10.0] * 49 + [251.0], 0, False),
        ([10.0] * 49, 1, False),
        ([], 50, False),
    ],
)
def test_the_target_is_a_p99_of_250_ms_without_errors_at_50_per_second(
    latencies_ms: list[float], failures: int, met: bool
):
    easy = run_of([5.0] * 50)
    result = loadtest._result(
        "reads", 50.0, run_of(latencies_ms, failures), easy, "label", "2 x 8", values=0
    )
    result.judge()
    assert result.met is met
    assert result.target == "p99 <= 250 ms; no errors"
    if failures:
        assert "503 busy" in result.note


def test_other_rates_and_bulk_posts_are_measured_without_a_target():
    easy = run_of([5.0] * 50)
    for scenario, rate in (("reads", 100.0), ("bulk", 0.5)):
        result = loadtest._result(
            scenario, rate, run_of([900.0] * 50), easy, "label", "2 x 8", values=5000
        )
        result.judge()
        assert result.met is None
        assert result.extra["achieved_rate"] == 50.0
    assert result.title == "API load: bulk post of 5,000 values at 0.5 req/s"
    assert json.loads(json.dumps(result.as_dict()))["server"] == "2 x 8"
