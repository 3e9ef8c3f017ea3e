"""``python -m tandem.bench.harness.growth``: both scales really measured, and each
growth factor their ratio."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tandem.bench.harness import growth


def test_growth_runs_both_scales_and_divides_their_medians(tmp_path: Path):
    completed = subprocess.run(
        [
            sys.executable,
            "-m",
            "tandem.bench.harness.growth",
            "--scale=0.02",
            "--runs=1",
            "--warmup=0",
            f"--output={tmp_path}",
        ],
        cwd=growth.ROOT,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    small = json.loads((tmp_path / "growth-0.02.json").read_text())
    large = json.loads((tmp_path / "growth-0.04.json").read_text())
    assert (small["scale"], large["scale"]) == (0.02, 0.04)
    # The larger run really holds twice the organisation.
    people = [r["organizations"]["big"]["people"] for r in (small, large)]
    assert people[1] == 2 * people[0]

    report = json.loads((tmp_path / "growth.json").read_text())
    rows = {row["key"]: row for row in report["rows"]}
    assert set(rows) == set(growth.SCENARIOS)
    medians = {
        (r["scale"], s["key"]): s["median_ms"] for r in (small, large) for s in r["scenarios"]
    }
    for key in ("tree", "scorecard", "team_page"):
        row = rows[key]
        assert row["median_ms"] == medians[(0.02, key)] > 0
        assert row["double_median_ms"] == medians[(0.04, key)] > 0
        assert row["growth"] == round(row["double_median_ms"] / row["median_ms"], 2)
    assert rows["team_page"]["met"] is (rows["team_page"]["growth"] <= growth.FLAT_GROWTH)
    assert rows["tree"]["met"] is None
    table = (tmp_path / "growth.md").read_text()
    assert table.startswith("| scenario | median at 0.02 | median at 0.04 | growth |")
    assert f"{rows['tree']['growth']:.2f}x" in table
    assert f"{rows['tree']['growth']:.2f}x" in completed.stdout


def test_a_missing_figure_gives_no_factor_and_no_verdict():
    small = {"scale": 1.0, "scenarios": [{"key": "team_page", "title": "t", "median_ms": 20.0}]}
    large = {"scale": 2.0, "scenarios": [{"key": "team_page", "title": "t", "median_ms": 50.0}]}
    rows = {row["key"]: row for row in growth.growth_rows(small, large)}
    assert rows["team_page"]["growth"] == 2.5
    assert rows["team_page"]["met"] is False
    assert rows["tree"]["growth"] is None
    assert rows["tree"]["met"] is None
