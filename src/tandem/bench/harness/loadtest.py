"""The API under load: ``tandem serve`` as in production, Locust in a process of its own.

``throughput()`` starts ``tandem serve`` (gunicorn sized for the cores, as shipped)
on a free loopback port with the bench's database, then for each scenario and
offered rate runs ``locustfile.py`` headless, at a lower priority (``nice``)
from the Locust of ``.venv-load`` (``make loadbench`` installs it; it never shares
a process or a virtualenv with Tandem). Scenarios:

- ``reads``: ``GET /api/v1/objectives?team=<busiest team>&cycle=<current>`` with a
  ``read`` token, at 25, 50, 100 and 200 requests/s;
- ``bulk``: ``POST /api/v1/measurements/bulk`` of 5,000 corrections (10 weeks of
  500 weekly KPIs, each to a value not stored yet; at a scale with fewer weekly
  KPIs, 10 weeks of each of them) with a ``measurements`` token,
  at a hundredth of those rates (0.25 to 2 posts/s, i.e. 1,250 to 10,000 values/s:
  from well within what one server ingests to well past it);
- as baseline, right after each, the same number of requests at the same rate to
  ``GET /api/v1/cycles/<id>`` (the token check and one row) on the same server.

Target (issue 10): at 50 requests/s a team's objectives answer with p99 <= 250 ms
and no errors.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tandem.bench.harness import ROOT
from tandem.bench.harness.load import serve
from tandem.bench.harness.scenarios import Check, Result

READ_RATES = (25.0, 50.0, 100.0, 200.0)
BULK_RATES = (0.25, 0.5, 1.0, 2.0)
BULK_KPIS = 500
BULK_WEEKS = 10
BULK_MIN_POSTS = 10  # a slow rate still runs long enough for this many posts
TARGET_RATE = 50.0
TARGET_P99_MS = 250.0
LOCUST = ROOT / ".venv-load" / "bin" / "locust"  # TANDEM_LOCUST overrides it


@dataclass
class Run:
    """What one Locust run measured (``locustfile.py`` writes it)."""

    scenario: str
    offered_rate: float
    sent: int
    ok: int
    failures: int
    failure_examples: list[str]
    seconds: float
    achieved_rate: float
    latencies_ms: list[float]
    p50_ms: float | None
    p99_ms: float | None
    max_send_lag_ms: float | None
    locust_p50_ms: float | None
    locust_p99_ms: float | None
    locust_requests: int
    locust_failures: int
    load_before: tuple[float, float, float] = (0.0, 0.0, 0.0)


def prepare(summary: Any, out_dir: Path) -> tuple[dict[str, Any], str]:
    """Tokens, paths and the bulk rows for the runs; the spec Locust reads, and a label."""
    from tandem.api.services import api_token_create
    from tandem.audit.models import Source as AuditSource
    from tandem.bench.harness.kpi_scenarios import owner_of
    from tandem.bench.harness.scenarios import pick_team
    from tandem.kpis.models import KPI, Measurement
    from tandem.okrs.models import Objective

    picked = pick_team(summary)
    owner = owner_of(summary)
    stamp = f"{dt.datetime.now(dt.UTC):%H:%M:%S.%f}"
    tokens = {}
    for scope in ("read", "measurements"):
        _, tokens[scope] = api_token_create(
            user=owner,
            organization=picked.organization,
            name=f"Bench load {scope} {stamp}",
            scope=scope,
            expires_on=None,
            by=owner,
            source=AuditSource.API,
        )
    weekly = list(
        KPI.objects.filter(
            organization=picked.organization, frequency="weekly", is_active=True
        ).values_list("pk", "key")
    )
    weekly.sort()
    per_post = min(BULK_KPIS, len(weekly))
    groups = []
    for first in range(0, len(weekly) - per_post + 1, per_post or 1):
        chunk = dict(weekly[first : first + per_post])
        latest: dict[int, list[tuple[dt.date, Any]]] = {}
        for kpi_id, period, value in (
            Measurement.objects.filter(kpi_id__in=chunk)
            .order_by("kpi_id", "-period_start")
            .values_list("kpi_id", "period_start", "value")
        ):
            if len(latest.setdefault(kpi_id, [])) < BULK_WEEKS:
                latest[kpi_id].append((period, value))
        groups.append(
            [
                [chunk[kpi_id], period.isoformat(), str(value)]
                for kpi_id, values in sorted(latest.items())
                for period, value in values
            ]
        )
    if not per_post or not groups[0]:
        raise RuntimeError("no weekly KPI with values: nothing to post in bulk")
    spec = {
        "base": "",
        "reads_path": f"/api/v1/objectives?team={picked.team.pk}&cycle={picked.cycle.pk}",
        "baseline_path": f"/api/v1/cycles/{picked.cycle.pk}",
        "read_headers": {"authorization": f"Bearer {tokens['read']}"},
        "bulk_path": "/api/v1/measurements/bulk",
        "bulk_headers": {"authorization": f"Bearer {tokens['measurements']}"},
        "bulk_groups": groups,
        "bulk_first_offset": 0,
    }
    objectives = Objective.objects.filter(owner_team=picked.team, cycle=picked.cycle).count()
    label = (
        f"{objectives} objectives of {picked.team.name}; bulk: {len(groups[0]):,} values "
        f"({per_post} KPIs x {BULK_WEEKS} weeks, {len(groups)} groups of KPIs in turn)"
    )
    return spec, label


def locust() -> Path:
    """The Locust executable, or an error that says how to install it."""
    found = Path(os.environ.get("TANDEM_LOCUST", LOCUST))
    if not found.exists():
        raise RuntimeError(
            f"no Locust at {found}: run `make loadbench` (it installs Locust in .venv-load), "
            "or point TANDEM_LOCUST at a locust executable"
        )
    return found


def locust_run(spec: dict[str, Any], scenario: str, rate: float, seconds: float, out: Path) -> Run:
    """One headless Locust run at ``rate`` for ``seconds``, niced, in its own process."""
    executable = locust()
    spec_path = out.with_suffix(".spec.json")
    spec_path.write_text(json.dumps(spec))
    out.unlink(missing_ok=True)
    env = {
        **os.environ,
        "LOAD_SPEC": str(spec_path),
        "LOAD_SCENARIO": scenario,
        "LOAD_RATE": repr(rate),
        "LOAD_SECONDS": repr(seconds),
        "LOAD_OUT": str(out),
    }
    for name in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH"):
        env.pop(name, None)
    nice = [shutil.which("nice") or "nice", "-n", "10"]
    command = [
        *nice,
        str(executable),
        "-f",
        str(Path(__file__).with_name("locustfile.py")),
        "--headless",
        "--only-summary",
        "--users",
        "1",
        "--spawn-rate",
        "1",
        "--run-time",
        f"{int(seconds * 3 + 120)}s",
        "--loglevel",
        "WARNING",
    ]
    load_before = os.getloadavg()
    with out.with_suffix(".log").open("w") as log:
        subprocess.run(
            command, env=env, stdout=log, stderr=subprocess.STDOUT, timeout=seconds * 4 + 180
        )
    if not out.exists():
        raise RuntimeError(f"Locust wrote no figures (see {out.with_suffix('.log')})")
    run = Run(**json.loads(out.read_text()))
    run.load_before = load_before
    return run


def _load(run: Run) -> str:
    return ", ".join(f"{x:.1f}" for x in run.load_before)


def throughput(
    summary: Any,
    *,
    data_dir: Path,
    database_url: str,
    seconds: float,
    out_dir: Path,
    read_rates: tuple[float, ...] = READ_RATES,
    bulk_rates: tuple[float, ...] = BULK_RATES,
    workers: int | None = None,
    threads: int | None = None,
) -> list[Result]:
    """A result per scenario and offered rate, each beside the baseline at that rate."""
    from django.db import connection

    from tandem.web.management.commands.serve import configured_sizing

    locust()  # before anything is written for the run
    spec, label = prepare(summary, out_dir)
    connection.close()  # the server's workers write beside us: hold no lock
    sized = configured_sizing()
    shape = f"{workers or sized[0]} workers x {threads or sized[1]} threads"
    results: list[Result] = []
    offset = 0
    with serve(
        data_dir=data_dir, database_url=database_url, workers=workers, threads=threads
    ) as base:
        spec["base"] = base
        # Every worker process imports, connects and warms its caches before timing.
        locust_run(spec, "reads", 10, 3, out_dir / "load-warmup.json")
        plan = [("reads", rate, seconds) for rate in read_rates]
        plan += [("bulk", rate, max(seconds, BULK_MIN_POSTS / rate)) for rate in bulk_rates]
        for scenario, rate, run_seconds in plan:
            spec["bulk_first_offset"] = offset
            work = locust_run(
                spec, scenario, rate, run_seconds, out_dir / f"load-{scenario}-{rate:g}.json"
            )
            offset += work.sent
            easy = locust_run(
                spec,
                "baseline",
                rate,
                run_seconds,
                out_dir / f"load-baseline-{scenario}-{rate:g}.json",
            )
            values = len(spec["bulk_groups"][0])
            results.append(_result(scenario, rate, work, easy, label, shape, values=values))
    return results


def _result(
    scenario: str, rate: float, work: Run, easy: Run, label: str, shape: str, *, values: int
) -> Result:
    what = "a team's objectives" if scenario == "reads" else f"bulk post of {values:,} values"
    result = Result(key=f"api_load_{scenario}", title=f"API load: {what} at {rate:g} req/s")
    result.size = (
        f"{work.sent} requests, achieved {work.achieved_rate:.2f} req/s "
        f"(baseline {easy.achieved_rate:.2f}); p99 {_ms(work.p99_ms)} "
        f"(baseline {_ms(easy.p99_ms)}); {shape}; load {_load(work)}"
    )
    result.times = [ms / 1000 for ms in work.latencies_ms]
    result.baseline_times = [ms / 1000 for ms in easy.latencies_ms]
    if scenario == "reads" and rate == TARGET_RATE:
        p99 = work.p99_ms if work.p99_ms is not None else float("inf")
        result.checks.append(Check(f"p99 <= {TARGET_P99_MS:g} ms", p99 <= TARGET_P99_MS))
        result.checks.append(Check("no errors", work.failures == 0))
    result.extra = {
        "offered_rate": rate,
        "achieved_rate": round(work.achieved_rate, 2),
        "baseline_achieved_rate": round(easy.achieved_rate, 2),
        "sent": work.sent,
        "failures": work.failures,
        "baseline_failures": easy.failures,
        "failure_examples": work.failure_examples,
        "baseline_p99_ms": easy.p99_ms,
        "max_send_lag_ms": work.max_send_lag_ms,
        "locust_p50_ms": work.locust_p50_ms,
        "locust_p99_ms": work.locust_p99_ms,
        "server": shape,
        "workload": label,
        "load_average_before": list(work.load_before),
        "baseline_route": "/api/v1/cycles/<id>",
        "measured_at": time.strftime("%H:%M:%S"),
    }
    if work.failures or easy.failures:
        result.note = (
            f"{work.failures} failed requests ({easy.failures} baseline), e.g. "
            f"{'; '.join(work.failure_examples[:2]) or '-'}"
        )
    return result


def _ms(value: float | None) -> str:
    return "-" if value is None else f"{value:,.0f} ms"
