"""``run.py --replica-database-url URL``: pages read from a streaming replica, side
by side with the same pages read from the primary alone, in one run.

    python -m tandem.bench.harness.run --database-url postgres://...primary/tandem \\
        --replica-database-url postgres://...replica/tandem [--scale 1.0] [--runs 20]
    scripts/ci-distributed --bench [--scale 0.1]     # starts both servers itself

Tandem runs with ``TANDEM_REPLICA_DATABASE_URL`` set, as an installation with a
replica does. Every scenario of ``scenarios.py`` and ``kpi_scenarios.py``
timed here is built twice, and the two take turns:

- **primary only**: the process is pinned to the primary (as ``tandem worker`` is), so
  every query goes to the primary, as on a single server; the baseline is the
  hand-written SQL on the primary;
- **with replica**: the router decides, as in production; the baseline is the same
  hand-written SQL on the replica.

The tree, the scorecard and the team page read from the replica; ingestion writes on
the primary in both. Before timing, each scenario is run once with every query
recorded per database alias, and with the replica's and the primary's own table scan
counters (``pg_stat_user_tables``) read before and after: a page "with replica" whose
data was not read on the replica, or a "primary only" page that touched the replica,
is reported as an error instead of being timed. After each ingestion run "with
replica" the run waits, untimed, until the replica has replayed the primary's WAL and
records how long that took (the replication lag a 10,000-row batch causes).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tandem.bench.harness import RESULTS

PRIMARY_ONLY = "primary only"
WITH_REPLICA = "with replica"
# The scenarios timed in both modes: (key, module, factory name). Pages read; ingestion writes.
SCENARIOS = (
    ("tree", "scenarios", "tree_page"),
    ("scorecard", "kpi_scenarios", "scorecard_page"),
    ("team_page", "scenarios", "team_page"),
    ("ingest_service", "kpi_scenarios", "ingest_service"),
    ("ingest_api", "kpi_scenarios", "ingest_api"),
)
READS = frozenset({"tree", "scorecard", "team_page"})


@contextmanager
def primary_only() -> Iterator[None]:
    """Read from the primary in this process inside the block: a single server."""
    from tandem import dbrouter

    before = dbrouter._process_pinned
    dbrouter._process_pinned = True
    try:
        yield
    finally:
        dbrouter._process_pinned = before


def _pinned(work: Callable[[], Any] | None) -> Callable[[], Any] | None:
    if work is None:
        return None

    def run() -> Any:
        with primary_only():
            return work()

    return run


def wal_lsn() -> str:
    from django.db import connections

    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_current_wal_lsn()::text")
        return str(cursor.fetchone()[0])


def catch_up(raw_replica: Any, timeout: float = 300) -> float:
    """Wait until the replica has replayed all the primary has written; seconds waited."""
    lsn = wal_lsn()
    began = time.perf_counter()
    while not raw_replica.all("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn])[0][0]:
        if time.perf_counter() - began > timeout:
            raise RuntimeError(f"the replica did not replay up to {lsn} in {timeout:g} s")
        time.sleep(0.002)
    return time.perf_counter() - began


def _scans(alias: str) -> int:
    """Sequential and index scans of Tandem's tables so far, on one server."""
    from django.db import connections

    with connections[alias].cursor() as cursor:
        cursor.execute(
            "SELECT coalesce(sum(seq_scan + coalesce(idx_scan, 0)), 0) FROM pg_stat_user_tables"
        )
        return int(cursor.fetchone()[0])


@dataclass
class Raws:
    """The scenarios' bare connections (``bench.scenarios.Raw``) to each server."""

    primary: Any
    replica: Any

    def reconnect(self) -> None:
        from django.db import connections

        for raw, alias in ((self.primary, "default"), (self.replica, "replica")):
            raw.db.close()
            wrapper = connections[alias]
            raw.db = wrapper.get_new_connection(wrapper.get_connection_params())
            raw.db.autocommit = True


def _flush_statistics(raws: Raws) -> None:
    """Close every connection: a backend reports its table counters as it exits (the
    baselines' bare connections too, so that none reports late, inside a count)."""
    from django.db import connections

    connections.close_all()
    raws.reconnect()
    time.sleep(0.7)


def where_queries_go(result: Any, raws: Raws) -> dict[str, Any]:
    """Run the scenario once, recording its queries per alias and each server's scans."""
    from django.db import connections, reset_queries
    from django.test.utils import CaptureQueriesContext

    _flush_statistics(raws)
    scans_before = {alias: _scans(alias) for alias in ("default", "replica")}
    _flush_statistics(raws)
    reset_queries()
    assert result.work is not None
    with (
        CaptureQueriesContext(connections["default"]) as on_primary,
        CaptureQueriesContext(connections["replica"]) as on_replica,
    ):
        result.work()
    if result.reset is not None:
        result.reset()
    _flush_statistics(raws)
    scans = {alias: _scans(alias) - scans_before[alias] for alias in ("default", "replica")}
    primary_sql = [query["sql"] for query in on_primary.captured_queries]
    return {
        "queries_primary": len(primary_sql),
        "queries_replica": len(on_replica.captured_queries),
        # Besides the session, which is always read from the primary.
        "queries_primary_not_session": sum("django_session" not in sql for sql in primary_sql),
        "scans_primary": scans["default"],
        "scans_replica": scans["replica"],
    }


def routing_problem(key: str, mode: str, seen: dict[str, Any]) -> str:
    """Why the run's queries did not go where the mode says, or ``""``."""
    if mode == PRIMARY_ONLY:
        if seen["queries_replica"] or seen["scans_replica"]:
            return (
                f"read the replica while pinned to the primary ({seen['queries_replica']} "
                f"queries, {seen['scans_replica']} scans)"
            )
        return ""
    if key in READS:
        if not seen["queries_replica"] or seen["scans_replica"] <= 0:
            return (
                f"did not read from the replica ({seen['queries_replica']} queries, "
                f"{seen['scans_replica']} scans there)"
            )
        if seen["queries_primary_not_session"]:
            return f"read {seen['queries_primary_not_session']} queries from the primary"
        return ""
    if not seen["queries_primary"]:
        return "wrote nothing on the primary"
    return ""


def build(key: str, module: Any, factory: str, mode: str, raws: Raws, big: Any) -> Any:
    if key not in READS:
        # What an interrupted run added is removed first: each run must create its rows.
        from tandem.bench.harness import kpi_scenarios

        plan = kpi_scenarios.ingest_plan(big, kpi_scenarios.INGEST_ROWS)
        kpi_scenarios._remove_new(plan)
    # A page's baseline reads where the page does; ingestion's writes on the primary.
    raw = raws.replica if mode == WITH_REPLICA and key in READS else raws.primary
    result = getattr(module, factory)(raw, big)
    result.title = f"{result.title} [{mode}]"
    result.key = f"{key}/{'primary' if mode == PRIMARY_ONLY else 'replica'}"
    result.extra["mode"] = mode
    if mode == PRIMARY_ONLY:
        result.work = _pinned(result.work)
        result.reset = _pinned(result.reset)
    if key in READS:
        return result
    # Each write starts with the replica caught up on the last one (untimed); after a
    # run with the replica, the wait is the replication lag the batch caused.
    lags: list[float] = result.extra.setdefault("replica_catch_up_s", [])
    reset, baseline_reset = result.reset, result.baseline_reset

    def catch_up_then_reset() -> None:
        waited = catch_up(raws.replica)
        if mode == WITH_REPLICA:
            lags.append(waited)
        if reset is not None:
            reset()
        catch_up(raws.replica)

    def baseline_then_catch_up() -> None:
        if baseline_reset is not None:
            baseline_reset()
        catch_up(raws.replica)

    result.reset, result.baseline_reset = catch_up_then_reset, baseline_then_catch_up
    return result


def _prepared(key: str, module: Any, factory: str, mode: str, raws: Raws, big: Any) -> Any:
    """The scenario in one mode, its queries checked to go where the mode says."""
    from tandem.bench.harness import scenarios

    try:
        result = build(key, module, factory, mode, raws, big)
        seen = where_queries_go(result, raws)
        result.extra.update(seen)
        problem = routing_problem(key, mode, seen)
        if problem:
            result.status, result.note = "error", problem
    except Exception as exc:
        result = scenarios.new_result(
            key, f"{key} [{mode}]", status="error", note=scenarios.describe(exc)
        )
        result.key = f"{key}/{'primary' if mode == PRIMARY_ONLY else 'replica'}"
    return result


def _finish(result: Any) -> None:
    lags = result.extra.pop("replica_catch_up_s", None)
    if lags:
        result.extra["replica_catch_up_median_ms"] = round(statistics.median(lags) * 1000)
        result.extra["replica_catch_up_max_ms"] = round(max(lags) * 1000)
    result.queries = result.extra.get("queries_primary", 0) + result.extra.get("queries_replica", 0)
    result.judge()


def bench(args: argparse.Namespace, data_dir: Path, say: Callable[[str], None]) -> int:
    from django.core.management import call_command
    from django.db import connections

    from tandem.bench.harness import kpi_scenarios, scenarios
    from tandem.bench.harness import run as runner

    if "replica" not in connections.settings:
        raise SystemExit("no replica alias: TANDEM_REPLICA_DATABASE_URL is not set")
    if connections["default"].vendor != "postgresql":
        raise SystemExit("--replica-database-url needs a PostgreSQL primary (--database-url)")
    load_before = os.getloadavg()
    database = runner._database_label()
    say(f"Database: {database}, primary {_where('default')}, replica {_where('replica')}")
    call_command("migrate", interactive=False, verbosity=0, skip_checks=True)
    big = runner._organisation("Bench Corp", args.scale, args.seed, reuse=args.reuse, say=say)
    runner._organisation(runner.TINY_NAME, runner.TINY_SCALE, args.seed, reuse=args.reuse, say=say)
    with connections["default"].cursor() as cursor:
        cursor.execute("ANALYZE")
    raws = Raws(primary=scenarios.Raw(), replica=scenarios.Raw())
    raws.reconnect()
    if raws.replica.all("SELECT pg_is_in_recovery()", [])[0][0] is not True:
        raise SystemExit("the replica is not a standby (pg_is_in_recovery() is false)")
    say(f"The replica replayed the generated data in {catch_up(raws.replica):.1f} s more.")

    modules = {"scenarios": scenarios, "kpi_scenarios": kpi_scenarios}
    wanted = [s for s in SCENARIOS if not args.only or s[0] in args.only]
    results: list[Any] = []
    for key, module, factory in wanted:
        # Pages: both modes take turns. Ingestion: one mode after the other, each built
        # on the values the other left (a correction must differ from what is stored).
        turns = [[PRIMARY_ONLY, WITH_REPLICA]] if key in READS else [[PRIMARY_ONLY], [WITH_REPLICA]]
        for modes in turns:
            group = [_prepared(key, modules[module], factory, mode, raws, big) for mode in modes]
            say("Timing " + " and ".join(r.title for r in group) + " ...")
            scenarios.measure(group, runs=args.runs, warmup=args.warmup)
            for result in group:
                _finish(result)
            results += group

    text = side_by_side(results)
    say("")
    say(text)
    load_after = os.getloadavg()
    say(f"Load average before {load_before[0]:.2f}, after {load_after[0]:.2f} (1 min).")
    output: Path = args.output
    if output == RESULTS / "latest.json":
        # The single-server results stay where make bench writes them.
        output = output.with_name("replica.json")
    output.parent.mkdir(parents=True, exist_ok=True)
    report = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "mode": "primary and streaming replica",
        "scale": args.scale,
        "seed": args.seed,
        "runs": args.runs,
        "warmup": args.warmup,
        "database": database,
        "machine": runner.machine(load_before, load_after),
        "organizations": {"big": runner._summary_dict(big)},
        "scenarios": [r.as_dict() for r in results],
        "table": text,
    }
    output.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    output.with_suffix(".txt").write_text(text + "\n")
    say(f"\nWrote {output} and {output.with_suffix('.txt')}.")
    return 0 if all(r.status == "ok" for r in results) else 1


def _where(alias: str) -> str:
    from django.db import connections

    settings = connections[alias].settings_dict
    return f"{settings['HOST']}:{settings['PORT']}/{settings['NAME']}"


def _ms(value: float | None, digits: int = 1) -> str:
    return "-" if value is None else f"{value:,.{digits}f} ms"


def side_by_side(results: list[Any]) -> str:
    """One line per scenario: primary only, with replica, each beside its baseline."""
    header = [
        "scenario",
        "primary only",
        "(baseline)",
        "with replica",
        "(baseline)",
        "replica/primary",
        "queries primary+replica",
        "replica lag after",
    ]
    rows = []
    by_key = {r.key: r for r in results}
    for key, _, _ in SCENARIOS:
        single, split = by_key.get(f"{key}/primary"), by_key.get(f"{key}/replica")
        if single is None or split is None:
            continue
        change = (
            f"{split.median_ms / single.median_ms:.2f}x"
            if single.median_ms and split.median_ms
            else "-"
        )
        lag = split.extra.get("replica_catch_up_median_ms")
        queries = (
            f"{single.extra.get('queries_primary', '-')}+0 / "
            f"{split.extra.get('queries_primary', '-')}+{split.extra.get('queries_replica', '-')}"
        )
        rows.append(
            [
                single.title.split(" [")[0],
                _ms(single.median_ms),
                _ms(single.baseline_median_ms, 2),
                _ms(split.median_ms),
                _ms(split.baseline_median_ms, 2),
                change,
                queries,
                "-"
                if lag is None
                else f"{lag:,} ms (max {split.extra['replica_catch_up_max_ms']:,})",
            ]
        )
    widths = [max(len(str(row[i])) for row in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True))]
    lines.append("  ".join("-" * w for w in widths))
    lines += ["  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)) for row in rows]
    notes = [f"{r.title}: {r.note}" for r in results if r.note]
    return "\n".join([*lines, "", *notes])
