"""How big a 10,000-person company is on PostgreSQL, and what its Monday check-ins write.

    python -m tandem.bench.harness.sizing --database-url postgres://.../tandem \
        [--scale 1.0] [--vacuum-full]

Reads the database ``tandem.bench.harness.run`` filled (Bench Corp, generated at ``--scale``: 1.0 is
10,000 people; the generator is run first when Bench Corp is missing):

1. per table: its rows, the rows that belong to Bench Corp, and its size on disk with
   indexes and TOAST (``pg_total_relation_size``); Bench Corp's share of a table is its
   share of the rows. ``--vacuum-full`` compacts every table first (the sizes of a freshly
   restored database; a live one carries some dead rows besides);
2. what one action writes, read from PostgreSQL's own counters (``pg_stat_user_tables``:
   rows inserted, updated and deleted per table) and WAL position around it: a sign-in,
   a page view by a signed-in person, a check-in (through ``key_result_check_in``), and
   KPI values recorded in one batch (through ``measurements_ingest``). The actions' rows
   are real writes on the database; the check-ins stay (like any check-in), the KPI
   values are deleted again.

docs/operations.md ("Sizing") turns the figures into 1, 10 and 100 companies.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from tandem.bench.harness import RESULTS

SAMPLES = 50
# Bench people have unusable passwords: the one who signs in is given this one.
PASSWORD = "bench sizing password, 2026"


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--scale", type=float, default=1.0, help="Bench Corp's size (1.0: 10,000)")
    parser.add_argument("--vacuum-full", action="store_true", help="compact every table first")
    parser.add_argument("--output", type=Path, default=RESULTS / "sizing.json")
    args = parser.parse_args(argv)
    if not args.database_url.startswith("postgres"):
        parser.error("--database-url (or DATABASE_URL) must be a PostgreSQL database")
    return args


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.pop("TANDEM_REPLICA_DATABASE_URL", None)
    data_dir = Path(tempfile.mkdtemp(prefix="tandem-sizing-"))
    (data_dir / "static").mkdir()  # keeps WhiteNoise from warning that it is missing
    os.environ["TANDEM_DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "tandem.bench.harness.settings"
    import django

    django.setup()


def tables() -> list[tuple[str, str, str]]:
    """(model label, table, how its rows belong to an organisation) of every table."""
    from django.apps import apps

    found = []
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if not meta.managed or meta.proxy:
            continue
        fields = {f.name: f for f in meta.concrete_fields}
        if model.__name__ == "Organization" and meta.app_label == "accounts":
            how = "id"
        elif "organization" in fields and fields["organization"].is_relation:
            how = "organization_id"
        else:
            how = ""
        found.append((meta.label, meta.db_table, how))
    return found


def _one(sql: str, params: list[Any] | None = None) -> Any:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(sql, params or [])
        return cursor.fetchone()[0]


def _rows_of(table: str, how: str, org_id: int) -> int | None:
    """Bench Corp's rows of a table without an organisation column, where one can tell."""
    from django.db import connection

    q = connection.ops.quote_name
    if how:
        return int(_one(f"SELECT count(*) FROM {q(table)} WHERE {q(how)} = %s", [org_id]))
    if table == "accounts_user":
        return int(
            _one(
                "SELECT count(DISTINCT user_id) FROM accounts_membership "
                "WHERE organization_id = %s",
                [org_id],
            )
        )
    if table == "kpis_kpi_tags":
        return int(
            _one(
                "SELECT count(*) FROM kpis_kpi_tags t JOIN kpis_kpi k ON k.id = t.kpi_id "
                "WHERE k.organization_id = %s",
                [org_id],
            )
        )
    return None


def sizes(org_id: int) -> list[dict[str, Any]]:
    from django.db import connection

    q = connection.ops.quote_name
    out = []
    for label, table, how in tables():
        total = int(_one(f"SELECT count(*) FROM {q(table)}"))
        of_org = _rows_of(table, how, org_id)
        size = int(_one("SELECT pg_total_relation_size(%s::regclass)", [table]))
        heap = int(_one("SELECT pg_relation_size(%s::regclass)", [table]))
        share = (of_org / total) if (of_org is not None and total) else None
        out.append(
            {
                "model": label,
                "table": table,
                "tenant_column": how,
                "rows": total,
                "rows_of_company": of_org,
                "bytes": size,
                "heap_bytes": heap,
                "bytes_of_company": round(size * share) if share is not None else None,
                "bytes_per_row": round(size / total) if total else None,
            }
        )
    return sorted(out, key=lambda r: -r["bytes"])


def _counters() -> tuple[dict[str, tuple[int, int, int]], int]:
    """Rows inserted, updated, deleted so far per table, and the WAL position in bytes."""
    from django.db import connection, connections

    connections.close_all()  # a backend reports its counters as it exits
    time.sleep(1.0)
    with connection.cursor() as cursor:
        cursor.execute("SELECT relname, n_tup_ins, n_tup_upd, n_tup_del FROM pg_stat_user_tables")
        rows = {name: (ins, upd, dele) for name, ins, upd, dele in cursor.fetchall()}
        cursor.execute("SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')")
        wal = int(cursor.fetchone()[0])
    connections.close_all()
    time.sleep(1.0)
    return rows, wal


def writes_of(action: Callable[[], int]) -> dict[str, Any]:
    """Rows written per table by ``action`` (which returns how many times it acted)."""
    before, wal_before = _counters()
    times = action()
    after, wal_after = _counters()
    per_table: dict[str, dict[str, float]] = {}
    for name, (ins, upd, dele) in after.items():
        was = before.get(name, (0, 0, 0))
        delta = (ins - was[0], upd - was[1], dele - was[2])
        if any(delta):
            per_table[name] = {
                "inserted": round(delta[0] / times, 2),
                "updated": round(delta[1] / times, 2),
                "deleted": round(delta[2] / times, 2),
            }
    rows = sum(sum(v.values()) for v in per_table.values())
    return {
        "actions": times,
        "rows_written_per_action": round(rows, 2),
        "wal_bytes_per_action": round((wal_after - wal_before) / times),
        "per_table": per_table,
    }


def actions(summary: Any) -> dict[str, Callable[[], int]]:
    from django.db import close_old_connections
    from django.test import Client
    from django.urls import reverse

    from tandem.bench.harness.kpi_scenarios import ingest_plan, owner_of
    from tandem.bench.harness.scenarios import checkin_pool, pick_team
    from tandem.integrations.ingest import measurements_ingest
    from tandem.kpis.models import Measurement, Source
    from tandem.okrs.services import key_result_check_in

    picked = pick_team(summary)
    lead = picked.lead
    lead.set_password(PASSWORD)
    lead.save(update_fields=["password"])

    def sign_in() -> int:
        for _ in range(SAMPLES // 5):
            client = Client()
            answer = client.post("/login/", {"username": lead.email, "password": PASSWORD})
            close_old_connections()
            if answer.status_code != 302:
                raise RuntimeError(f"sign-in answered {answer.status_code}")
        return SAMPLES // 5

    viewer = Client()
    viewer.force_login(lead)
    pages = [
        reverse("home"),
        reverse("team", args=[picked.team.slug]),
        reverse("tree"),
        reverse("scorecard"),
        reverse("kpis"),
    ]

    def page_views() -> int:
        for url in pages * (SAMPLES // len(pages)):
            answer = viewer.get(url)
            close_old_connections()
            if answer.status_code != 200:
                raise RuntimeError(f"GET {url} answered {answer.status_code}")
        return len(pages) * (SAMPLES // len(pages))

    pool = checkin_pool(summary, size=SAMPLES)

    def check_ins() -> int:
        for kr in pool.key_results:
            value = (kr.current if kr.current is not None else kr.baseline or Decimal(0)) + 1
            key_result_check_in(
                key_result=kr, by=kr.owner, confidence=7, value=value, note="sizing"
            )
        return len(pool.key_results)

    plan = ingest_plan(summary, 1_000)
    weekly = plan.kpis
    # A week before the generated history: a value never recorded, as on a Monday.
    week = [(kpi, day) for kpi, day in plan.new][: len(weekly)]
    by = owner_of(summary)

    def kpi_values() -> int:
        rows = [{"kpi": k.key, "period_start": d.isoformat(), "value": "1"} for k, d in week]
        outcome = measurements_ingest(
            organization=plan.organization, rows=rows, by=by, source=Source.API
        )
        return outcome.created

    def undo_kpi_values() -> int:
        deleted, _ = Measurement.objects.filter(
            kpi__in=weekly, period_start__lt=plan.first_period
        ).delete()
        return deleted

    undo_kpi_values()
    return {
        "sign_in": sign_in,
        "page_view": page_views,
        "check_in": check_ins,
        "kpi_value_ingested": kpi_values,
        "_undo": undo_kpi_values,
    }


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    _setup(args.database_url)
    from django.core.management import call_command
    from django.db import connection
    from django.utils.text import slugify

    from tandem.accounts.models import Organization
    from tandem.bench.generator import generate, summarize

    call_command("migrate", interactive=False, verbosity=0, skip_checks=True)
    big = Organization.objects.filter(slug=slugify("Bench Corp")).first()
    summary = (
        summarize(big, scale=args.scale, seed=1)
        if big is not None
        else generate(args.scale, 1, name="Bench Corp", progress=print)
    )
    if args.vacuum_full:
        print("VACUUM (FULL, ANALYZE) ...", flush=True)
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (FULL, ANALYZE)")
    database_bytes = int(_one("SELECT pg_database_size(current_database())"))
    table_sizes = sizes(summary.organization_id)
    company_bytes = sum(r["bytes_of_company"] or 0 for r in table_sizes)
    print(f"{'table':40} {'rows':>11} {'of company':>11} {'MB':>9} {'B/row':>7}")
    for r in table_sizes:
        of = "-" if r["rows_of_company"] is None else f"{r['rows_of_company']:,}"
        print(
            f"{r['table']:40} {r['rows']:>11,} {of:>11} {r['bytes'] / 2**20:>9.1f} "
            f"{r['bytes_per_row'] or 0:>7}"
        )
    print(
        f"database {database_bytes / 2**30:.2f} GiB; "
        f"the company's rows {company_bytes / 2**30:.2f} GiB"
    )

    todo = actions(summary)
    undo = todo.pop("_undo")
    measured = {}
    for name, action in todo.items():
        measured[name] = writes_of(action)
        print(
            f"{name}: {measured[name]['rows_written_per_action']} rows, "
            f"{measured[name]['wal_bytes_per_action']:,} B of WAL each "
            f"({measured[name]['actions']} measured): {measured[name]['per_table']}",
            flush=True,
        )
    undo()
    # The generator writes no audit events; the actions above did, through the services.
    audit_rows = int(_one("SELECT count(*) FROM audit_auditevent"))
    audit_bytes = int(_one("SELECT pg_total_relation_size('audit_auditevent'::regclass)"))
    audit = {
        "rows": audit_rows,
        "bytes": audit_bytes,
        "bytes_per_row": round(audit_bytes / audit_rows) if audit_rows else None,
    }
    print(f"audit_auditevent after the actions: {audit}")
    report = {
        "when": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "scale": args.scale,
        "vacuum_full": args.vacuum_full,
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "company": {
            "people": summary.people,
            "teams": summary.teams,
            "objectives": summary.objectives,
            "key_results": summary.key_results,
            "checkins": summary.checkins,
            "kpis": summary.kpis,
            "measurements": summary.measurements,
        },
        "database_bytes": database_bytes,
        "company_bytes": company_bytes,
        "tables": table_sizes,
        "writes": measured,
        "audit_after_actions": audit,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(report, indent=2) + "\n")
    print(f"Wrote {args.output}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
