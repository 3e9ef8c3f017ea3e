"""``make bench``: time Tandem's pages and check-ins on a generated 10,000-person company.

    python -m tandem.bench.harness.run [--scale 1.0] [--runs 20] [--seed 1] [--database-url URL]

Creates a fresh SQLite database in a temporary data directory (or uses
``--database-url`` / ``DATABASE_URL``, e.g. a scratch PostgreSQL database),
migrates it, generates Bench Corp at ``--scale`` and a tiny organisation beside
it, then times every scenario of ``scenarios.py`` against its hand-written
SQL baseline. Prints a table and writes it as JSON (``--output``, default
``build/bench/latest.json``) and as Markdown next to it. docs/benchmarks.md
explains the scenarios, the baselines and the targets.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from tandem.bench.harness import RESULTS

TINY_SCALE = 0.001
TINY_NAME = "Bench Tiny"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", type=float, default=1.0, help="1.0 = 10,000 people (default)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=20, help="timed runs per scenario")
    parser.add_argument("--warmup", type=int, default=2, help="untimed runs first")
    parser.add_argument(
        "--database-url",
        default=os.environ.get("DATABASE_URL", ""),
        help="a scratch database to use instead of a fresh SQLite file (default DATABASE_URL)",
    )
    parser.add_argument(
        "--replica-database-url",
        default="",
        help="a streaming replica of --database-url: time pages read from it beside the "
        "primary alone (replica.py)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="keep the SQLite database here instead of a temporary directory",
    )
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="use the Bench Corp already in the database instead of generating it",
    )
    parser.add_argument("--output", type=Path, default=RESULTS / "latest.json")
    parser.add_argument(
        "--only", action="append", default=[], help="run only this scenario key (repeatable)"
    )
    parser.add_argument(
        "--load-seconds",
        type=float,
        default=10.0,
        help="seconds per offered rate in the API throughput run (default 10)",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also profile each scenario (cProfile) into the output directory",
    )
    args = parser.parse_args(argv)
    if args.runs < 1 or args.warmup < 0:
        parser.error("--runs must be at least 1 and --warmup at least 0")
    return args


def _setup_django(args: argparse.Namespace, data_dir: Path) -> None:
    os.environ["TANDEM_DATA_DIR"] = str(data_dir)
    if args.database_url:
        os.environ["DATABASE_URL"] = args.database_url
    else:
        os.environ.pop("DATABASE_URL", None)
    if args.replica_database_url:
        os.environ["TANDEM_REPLICA_DATABASE_URL"] = args.replica_database_url
    else:
        os.environ.pop("TANDEM_REPLICA_DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tandem.bench.harness.settings"
    import django

    django.setup()


def _database_label() -> str:
    from django.db import connection

    connection.ensure_connection()
    if connection.vendor == "sqlite":
        import sqlite3

        return f"SQLite {sqlite3.sqlite_version}"
    version: int = getattr(connection, "pg_version", 0)
    return f"PostgreSQL {version // 10000}.{version % 10000}"


def fast_writes(on: bool) -> None:
    """On SQLite, skip the flush to disk while setting up: migrating and generating
    are not what is measured, and a fresh file needs no crash safety. The timed
    part runs with Tandem's own setting (synchronous=FULL) again."""
    from django.db import connection

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA synchronous={'OFF' if on else 'FULL'}")


def _organisation(
    name: str, scale: float, seed: int, *, reuse: bool, say: Callable[[str], None]
) -> Any:
    from django.utils.text import slugify

    from tandem.accounts.models import Organization
    from tandem.bench.generator import generate, summarize

    existing = Organization.objects.filter(slug=slugify(name)).first()
    if existing is not None:
        if not reuse:
            raise SystemExit(
                f"{name} already exists in this database: use --reuse, or a fresh database."
            )
        say(f"Reusing {name} already in the database.")
        return summarize(existing, scale=scale, seed=seed)
    summary = generate(scale, seed, name=name, progress=lambda line: say(f"  {line}"))
    say(
        f"Generated {name} in {summary.seconds:.1f} s "
        f"(of which KPIs and measurements {summary.kpi_seconds:.1f} s)."
    )
    return summary


def _format(value: float | None, digits: int = 1, suffix: str = "") -> str:
    return "-" if value is None else f"{value:,.{digits}f}{suffix}"


def table(results: list[Any]) -> tuple[str, str]:
    """The results as an aligned text table and as a Markdown table."""
    header = ["scenario", "data size", "median", "p95", "baseline", "ratio", "queries"]
    header += ["target", "met?"]
    rows = []
    for r in results:
        met = {True: "yes", False: "NO", None: r.status}[r.met]
        queries = "-" if r.queries is None else f"{r.queries} (vs {r.baseline_queries})"
        rows.append(
            [
                r.title,
                r.size,
                _format(r.median_ms, suffix=" ms"),
                _format(r.p95_ms, suffix=" ms"),
                _format(r.baseline_median_ms, 2, " ms"),
                _format(r.ratio, 1, "x"),
                queries,
                r.target,
                met,
            ]
        )
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(cell).ljust(w) for cell, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines.append("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)))
    markdown = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    markdown += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    notes = [f"{r.title}: {r.note}" for r in results if r.note]
    return "\n".join([*lines, "", *notes]), "\n".join(markdown)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    temporary = args.data_dir is None and not args.database_url
    data_dir = args.data_dir or Path(tempfile.mkdtemp(prefix="tandem-bench-"))
    # The static directory only keeps WhiteNoise from warning that it is missing.
    (data_dir / "static").mkdir(parents=True, exist_ok=True)
    began = time.perf_counter()

    def say(line: str) -> None:
        print(f"[{time.perf_counter() - began:6.1f} s] {line}" if line else "", flush=True)

    try:
        _setup_django(args, data_dir)
        if args.replica_database_url:
            from tandem.bench.harness import replica

            return replica.bench(args, data_dir, say)
        return _bench(args, data_dir, say)
    finally:
        if temporary:
            shutil.rmtree(data_dir, ignore_errors=True)


def _bench(args: argparse.Namespace, data_dir: Path, say: Callable[[str], None]) -> int:
    from django.core.management import call_command

    from tandem.bench.generator import Sizes
    from tandem.bench.harness import kpi_scenarios, load, loadtest, scenarios

    load_before = os.getloadavg()
    database = _database_label()
    say(f"Database: {database} ({(args.database_url and 'DATABASE_URL') or data_dir})")
    fast_writes(True)
    call_command("migrate", interactive=False, verbosity=0, skip_checks=True)
    sizes = Sizes.at(args.scale)
    say(
        f"Bench Corp at scale {args.scale}: {sizes.people:,} people, {sizes.teams:,} teams, "
        f"{sizes.objectives:,} objectives, {sizes.key_results:,} key results, "
        f"{sizes.checkins:,} check-ins, {sizes.kpis:,} KPIs, {sizes.measurements:,} measurements."
    )
    big = _organisation("Bench Corp", args.scale, args.seed, reuse=args.reuse, say=say)
    tiny = _organisation(TINY_NAME, TINY_SCALE, args.seed, reuse=args.reuse, say=say)
    fast_writes(False)

    raw = scenarios.Raw()
    # Scenarios in one group are measured taking turns: the two check-ins, so that the
    # comparison of a big and a tiny organisation sees the same machine.
    groups: list[list[tuple[str, str, Callable[[], Any]]]] = [
        [("floor", "request floor", lambda: scenarios.floor_page(raw, big))],
        [("team_page", "team page, current cycle", lambda: scenarios.team_page(raw, big))],
        [("tree", "alignment tree, current cycle", lambda: scenarios.tree_page(raw, big))],
        [("home_page", "home page of a team lead", lambda: scenarios.home_page(raw, big))],
        [
            (
                "checkin",
                "check-in (Bench Corp)",
                lambda: scenarios.check_in(raw, big, key="checkin", title="check-in (Bench Corp)"),
            ),
            (
                "checkin_tiny",
                "check-in (tiny organisation)",
                lambda: scenarios.check_in(
                    raw, tiny, key="checkin_tiny", title="check-in (tiny organisation)"
                ),
            ),
        ],
        [("scorecard", "scorecard", lambda: kpi_scenarios.scorecard_page(raw, big))],
        [("ingest_service", "ingestion, service", lambda: kpi_scenarios.ingest_service(raw, big))],
        [("ingest_api", "ingestion, HTTP API", lambda: kpi_scenarios.ingest_api(raw, big))],
    ]
    output: Path = args.output
    output.parent.mkdir(parents=True, exist_ok=True)
    results = []
    for group in groups:
        wanted = [item for item in group if not args.only or item[0] in args.only]
        if wanted:
            say("Timing " + " and ".join(title for _, title, _ in wanted) + " ...")
            results += _measure(scenarios, wanted, args, output.parent)

    if not args.only or "api_load" in args.only:
        say(f"Load-testing the API with Locust ({args.load_seconds:g} s per rate) ...")
        try:
            results += loadtest.throughput(
                big,
                data_dir=data_dir,
                database_url=args.database_url,
                seconds=args.load_seconds,
                out_dir=output.parent,
            )
        except Exception as exc:
            results.append(
                scenarios.Result(
                    key="api_load", title="API load", status="error", note=scenarios.describe(exc)
                )
            )

    # The in-process generator of earlier tables, superseded by api_load: on request.
    if "api_throughput" in args.only:
        say(f"Timing API throughput ({args.load_seconds:g} s per rate) ...")
        try:
            results += load.throughput(
                big,
                data_dir=data_dir,
                database_url=args.database_url,
                seconds=args.load_seconds,
            )
        except Exception as exc:
            results.append(
                scenarios.new_result(
                    "api_throughput",
                    "API throughput",
                    status="error",
                    note=scenarios.describe(exc),
                )
            )

    for r in results:
        rows = r.extra.get("rows")
        if rows and r.median_ms and r.baseline_median_ms:
            r.extra["rows_per_s"] = round(rows / r.median_ms * 1000)
            r.extra["baseline_rows_per_s"] = round(rows / r.baseline_median_ms * 1000)
            share = r.baseline_median_ms / r.median_ms
            r.extra["share_of_executemany_rate"] = round(share, 3)
            r.note = (
                f"{r.extra['rows_per_s']:,} rows/s, {share:.0%} of executemany's "
                f"{r.extra['baseline_rows_per_s']:,} rows/s"
            )
            if r.cpu_median_ms and r.baseline_cpu_median_ms:
                r.note += (
                    f" (CPU {r.cpu_median_ms:,.1f} ms against {r.baseline_cpu_median_ms:,.1f} ms, "
                    f"{r.baseline_cpu_median_ms / r.cpu_median_ms:.0%})"
                )
    by_key = {r.key: r for r in results}
    big_checkin, tiny_checkin = by_key.get("checkin"), by_key.get("checkin_tiny")
    for r in results:
        r.judge()
    if (
        big_checkin is not None
        and tiny_checkin is not None
        and big_checkin.median_ms is not None
        and tiny_checkin.median_ms is not None
    ):
        big_checkin.checks.append(
            scenarios.Check(
                "<= 1.5x the tiny organisation",
                big_checkin.median_ms <= 1.5 * tiny_checkin.median_ms,
            )
        )

    text, markdown = table(results)
    say("")
    say(text)
    report = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "scale": args.scale,
        "seed": args.seed,
        "runs": args.runs,
        "warmup": args.warmup,
        "database": database,
        "machine": machine(load_before, os.getloadavg()),
        "organizations": {
            "big": _summary_dict(big),
            "tiny": _summary_dict(tiny),
        },
        "scenarios": [r.as_dict() for r in results],
        "markdown": markdown,
    }
    output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    output.with_suffix(".md").write_text(markdown + "\n")
    say(f"\nWrote {output} and {output.with_suffix('.md')}.")
    return 0


def machine(load_before: Sequence[float], load_after: Sequence[float]) -> dict[str, Any]:
    """What a report says of the machine it was measured on, and its load around the run."""
    import django

    return {
        "platform": platform.platform(),
        "python": platform.python_version(),
        "django": django.get_version(),
        "cpus": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
    }


def _summary_dict(summary: Any) -> dict[str, Any]:
    from dataclasses import asdict

    data = asdict(summary)
    for name in ("seconds", "kpi_seconds"):
        if data[name] != data[name]:  # NaN: reused data, generation not timed
            data[name] = None
        else:
            data[name] = round(data[name], 1)
    return data


def _measure(
    scenarios: Any,
    group: list[tuple[str, str, Callable[[], Any]]],
    args: argparse.Namespace,
    out_dir: Path,
) -> list[Any]:
    results = []
    for key, title, factory in group:
        try:
            result = factory()
        except scenarios.Pending as exc:
            result = scenarios.new_result(key, title, status="pending", note=str(exc))
        except Exception as exc:
            # A page another engineer is still writing may fail: report it, time the rest.
            result = scenarios.new_result(key, title, status="error", note=scenarios.describe(exc))
        results.append(result)
    scenarios.measure(results, runs=args.runs, warmup=args.warmup)
    for result in results:
        if result.status != "ok" or result.work is None:
            continue
        try:
            result.queries = scenarios.count_queries(result.work, result.reset)
            if args.profile:
                path = out_dir / f"{result.key}.prof"
                top = scenarios.profile(
                    result.work, runs=max(3, args.runs // 2), path=path, reset=result.reset
                )
                path.with_suffix(".txt").write_text(top)
        except Exception as exc:
            result.status, result.note = "error", scenarios.describe(exc)
            result.times, result.baseline_times = [], []
    return results


if __name__ == "__main__":
    sys.exit(main())
