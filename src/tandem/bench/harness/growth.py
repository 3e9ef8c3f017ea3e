"""Cost growth: the pages and ingestion at scale S and at 2S, and how each figure grows.

    python -m tandem.bench.harness.growth [--scale 0.5] [--runs 10] [--warmup 1] [--output DIR]

Runs ``tandem.bench.harness.run`` twice, each in a fresh SQLite database of its own (a separate
process, so neither run's caches or connections reach the other), once with Bench Corp
at ``--scale`` and once at twice it, timing the tree, the scorecard, the team page and
ingestion through the service and the API. Prints, for each scenario, both medians
and the growth factor (median at 2S / median at S), and writes them to
``growth.json`` and ``growth.md`` in ``--output``.

Doubling the organisation doubles its teams, objectives and KPIs, but one team's page
shows the same number of objectives at both sizes: its median must not grow with the
organisation (judged: growth <= 1.5x, room for the machine's noise).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tandem.bench.harness import RESULTS, ROOT

SCENARIOS = ("tree", "scorecard", "team_page", "ingest_service", "ingest_api")
ONE_TEAM = ("team_page",)  # pages shown to one team: their cost must stay flat
FLAT_GROWTH = 1.5


def growth_rows(small: dict[str, Any], large: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per scenario: both medians, the factor between them, and a verdict for
    the pages of one team (``None`` where no verdict applies or a figure is missing)."""
    at_small = {s["key"]: s for s in small["scenarios"]}
    at_large = {s["key"]: s for s in large["scenarios"]}
    rows = []
    for key in SCENARIOS:
        a, b = at_small.get(key, {}), at_large.get(key, {})
        first, second = a.get("median_ms"), b.get("median_ms")
        factor = round(second / first, 2) if first and second else None
        met = None
        if key in ONE_TEAM and factor is not None:
            met = factor <= FLAT_GROWTH
        rows.append(
            {
                "key": key,
                "title": a.get("title") or b.get("title") or key,
                "scale": small["scale"],
                "median_ms": first,
                "double_scale": large["scale"],
                "double_median_ms": second,
                "growth": factor,
                "target": f"growth <= {FLAT_GROWTH}x" if key in ONE_TEAM else "",
                "met": met,
                "note": "; ".join(n for n in (a.get("note"), b.get("note")) if n),
            }
        )
    return rows


def markdown(rows: list[dict[str, Any]], loads: list[Any]) -> str:
    scale, double = rows[0]["scale"], rows[0]["double_scale"]
    lines = [
        f"| scenario | median at {scale:g} | median at {double:g} | growth | target | met? |",
        "|---|---|---|---|---|---|",
    ]
    for row in rows:
        first, second, factor = row["median_ms"], row["double_median_ms"], row["growth"]
        met = {True: "yes", False: "no", None: ""}[row["met"]]
        lines.append(
            f"| {row['title']} | {'-' if first is None else f'{first:,.1f} ms'} | "
            f"{'-' if second is None else f'{second:,.1f} ms'} | "
            f"{'-' if factor is None else f'{factor:.2f}x'} | "
            f"{row['target']} | {met} |"
        )
    lines.append("")
    lines.append("Load average before each run: " + "; ".join(str(load) for load in loads))
    return "\n".join(lines)


def run_at(scale: float, args: argparse.Namespace, output: Path) -> dict[str, Any]:
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "TANDEM_DATA_DIR"}}
    command = [
        sys.executable,
        "-m",
        "tandem.bench.harness.run",
        f"--scale={scale}",
        f"--runs={args.runs}",
        f"--warmup={args.warmup}",
        f"--seed={args.seed}",
        f"--output={output}",
    ]
    for key in SCENARIOS:
        command.append(f"--only={key}")
    subprocess.run(command, check=True, cwd=ROOT, env=env)
    return json.loads(output.read_text())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=float, default=0.5, help="S; the second run is 2S")
    parser.add_argument("--runs", type=int, default=10)
    parser.add_argument("--warmup", type=int, default=1)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    args.output.mkdir(parents=True, exist_ok=True)
    small = run_at(args.scale, args, args.output / f"growth-{args.scale:g}.json")
    large = run_at(2 * args.scale, args, args.output / f"growth-{2 * args.scale:g}.json")
    rows = growth_rows(small, large)
    loads = [report["machine"]["load_average_before"] for report in (small, large)]
    table = markdown(rows, loads)
    print(table, flush=True)
    (args.output / "growth.json").write_text(json.dumps({"rows": rows, "loads": loads}, indent=2))
    (args.output / "growth.md").write_text(table + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
