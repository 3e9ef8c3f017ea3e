"""Pulls read a real HTTP server and a real SQLite file, and record all or nothing."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import sqlite3
from decimal import Decimal

import pytest

from tandem.audit.models import AuditEvent
from tandem.integrations import pulls
from tandem.integrations.models import DataSource
from tandem.integrations.pulls import PullError, data_source_save, pull_preview, pull_run
from tandem.kpis.models import KPI, Measurement
from tests.conftest import Cast
from tests.integrations.conftest import WEEK_1, WEEK_2
from tests.integrations.pulls.conftest import Server

D = Decimal


def json_source(cast: Cast, kpi: KPI, url: str, **config) -> DataSource:
    data = {"kind": "http_json", "url": url, "value_path": "value", **config}
    return data_source_save(kpi=kpi, by=cast.admin, data=data)


def csv_source(cast: Cast, kpi: KPI, url: str, **config) -> DataSource:
    data = {
        "kind": "http_csv",
        "url": url,
        "period_column": "week",
        "value_column": "revenue",
        **config,
    }
    return data_source_save(kpi=kpi, by=cast.admin, data=data)


def values(kpi: KPI) -> dict[dt.date, Decimal]:
    return dict(Measurement.objects.filter(kpi=kpi).values_list("period_start", "value"))


def failure(source: DataSource) -> str:
    with pytest.raises(PullError) as caught:
        pull_run(source=source)
    source.refresh_from_db()
    assert source.last_status == "failed"
    assert source.last_error == str(caught.value)
    return source.last_error


SERIES = {
    "data": {
        "items": [
            {"week": "2026-05-04", "total": 1200.5},
            {"week": "2026-05-11", "total": "1,300"},
        ]
    }
}


def test_a_json_list_becomes_one_measurement_per_period_audited_as_a_pull(
    cast: Cast, revenue: KPI, allowed_server: Server
):
    url = allowed_server.serve("/sales.json", json.dumps(SERIES))
    source = json_source(
        cast, revenue, url, rows_path="data.items", value_path="total", period_path="week"
    )
    result = pull_run(source=source)
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    assert values(revenue) == {WEEK_1: D("1200.5"), WEEK_2: D("1300")}
    assert set(Measurement.objects.filter(kpi=revenue).values_list("source", flat=True)) == {"pull"}
    (event,) = AuditEvent.objects.filter(action="measurement.batch")
    assert event.source == "pull"
    assert event.after is not None
    assert (event.after["created"], event.after["kpis"]) == (2, [revenue.pk])
    source.refresh_from_db()
    assert source.last_status == "ok"
    assert source.last_error == ""
    assert source.last_counts == {"created": 2, "updated": 0, "unchanged": 0}
    assert source.last_success_at == source.last_run_at


def test_the_same_data_again_is_unchanged_and_a_new_value_updates(
    cast: Cast, revenue: KPI, allowed_server: Server
):
    url = allowed_server.serve("/sales.json", json.dumps(SERIES))
    source = json_source(
        cast, revenue, url, rows_path="data.items", value_path="total", period_path="week"
    )
    pull_run(source=source)
    again = pull_run(source=source)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    SERIES_2 = json.loads(json.dumps(SERIES))
    SERIES_2["data"]["items"][1]["total"] = 1400
    allowed_server.serve("/sales.json", json.dumps(SERIES_2))
    third = pull_run(source=source)
    assert (third.created, third.updated, third.unchanged) == (0, 1, 1)
    assert values(revenue)[WEEK_2] == D("1400")


def test_one_value_at_an_indexed_path_without_a_period_is_the_current_periods(
    cast: Cast, revenue: KPI, allowed_server: Server
):
    url = allowed_server.serve("/now.json", json.dumps(SERIES))
    source = json_source(cast, revenue, url, value_path="data.items[-1].total")
    pull_run(source=source)
    today = cast.org.today()
    monday = today - dt.timedelta(days=today.weekday())
    assert values(revenue) == {monday: D("1300")}


def test_times_are_filed_under_their_week_on_the_organisations_clock_and_rolled_up(
    cast: Cast, revenue: KPI, allowed_server: Server
):
    # Sunday 23:30 UTC is already Monday in Paris: the second week. The KPI keeps the
    # last value of a period.
    rows = [
        {"at": "2026-05-05T10:00:00+02:00", "v": 5},
        {"at": "2026-05-10T23:30:00Z", "v": 7},
        {"at": "2026-05-06T09:00:00", "v": 6},
    ]
    url = allowed_server.serve("/times.json", json.dumps({"rows": rows}))
    source = json_source(cast, revenue, url, rows_path="rows", value_path="v", period_path="at")
    pull_run(source=source)
    assert values(revenue) == {WEEK_1: D("6"), WEEK_2: D("7")}


def test_a_server_error_is_recorded_and_writes_nothing(
    cast: Cast, revenue: KPI, allowed_server: Server
):
    url = allowed_server.serve("/down", "oops", status=500, kind="text/plain")
    source = json_source(cast, revenue, url)
    assert failure(source) == "The server answered HTTP 500 (Internal Server Error)."
    assert values(revenue) == {}
    assert source.last_counts == {}
    assert source.last_success_at is None


def test_an_answer_that_is_not_json_is_recorded(cast: Cast, revenue: KPI, allowed_server: Server):
    url = allowed_server.serve("/bad.json", "{not json")
    source = json_source(cast, revenue, url)
    assert failure(source).startswith("The answer is not JSON:")


def test_a_missing_path_names_the_step_where_it_stopped(
    cast: Cast, revenue: KPI, allowed_server: Server
):
    url = allowed_server.serve("/sales.json", json.dumps(SERIES))
    source = json_source(cast, revenue, url, value_path="data.itemz[0].total")
    message = failure(source)
    assert "no “itemz” at data.itemz" in message
    assert "its keys: items" in message
    source = json_source(cast, revenue, url, value_path="data.items[5].total")
    assert "data.items[5] is past the end: the list has 2 items" in failure(source)


def test_text_in_a_number_names_its_row_and_writes_nothing(
    cast: Cast, revenue: KPI, allowed_server: Server
):
    rows = {"rows": [{"w": "2026-05-04", "v": 1}, {"w": "2026-05-11", "v": "n/a"}]}
    url = allowed_server.serve("/text.json", json.dumps(rows))
    source = json_source(cast, revenue, url, rows_path="rows", value_path="v", period_path="w")
    assert failure(source) == "Rows[1]: “n/a” is not a number."
    assert values(revenue) == {}


def test_a_huge_answer_is_refused(cast: Cast, revenue: KPI, allowed_server: Server, monkeypatch):
    monkeypatch.setattr(pulls, "MAX_BYTES", 50_000)
    url = allowed_server.serve("/huge.json", json.dumps({"value": "9" * 60_000}))
    source = json_source(cast, revenue, url)
    assert "more than 50,000 bytes" in failure(source)


def test_a_value_in_a_future_period_refuses_the_whole_pull(
    cast: Cast, revenue: KPI, allowed_server: Server
):
    future = (cast.org.today() + dt.timedelta(days=30)).isoformat()
    rows = {"rows": [{"w": "2026-05-04", "v": 1}, {"w": future, "v": 2}]}
    url = allowed_server.serve("/future.json", json.dumps(rows))
    source = json_source(cast, revenue, url, rows_path="rows", value_path="v", period_path="w")
    assert "is in the future" in failure(source)
    assert values(revenue) == {}


def test_a_csv_is_read_by_its_column_names(cast: Cast, revenue: KPI, allowed_server: Server):
    body = 'Week,Region,Revenue\n2026-05-04,EU,100\n2026-05-11,EU,"1,250.50"\n'
    url = allowed_server.serve("/sales.csv", body, kind="text/csv")
    result = pull_run(source=csv_source(cast, revenue, url))
    assert result.created == 2
    assert values(revenue) == {WEEK_1: D("100"), WEEK_2: D("1250.5")}


def test_a_csv_without_the_column_says_which_columns_it_has(
    cast: Cast, revenue: KPI, allowed_server: Server
):
    url = allowed_server.serve("/sales.csv", "week,amount\n2026-05-04,1\n", kind="text/csv")
    message = failure(csv_source(cast, revenue, url))
    assert message == "The CSV has no column “revenue” (its columns: week, amount)."


def test_text_in_a_csv_number_names_the_spreadsheet_row(
    cast: Cast, revenue: KPI, allowed_server: Server
):
    body = "week;revenue\n2026-05-04;1\n2026-05-11;twelve\n"
    url = allowed_server.serve("/sales.csv", body, kind="text/csv")
    assert failure(csv_source(cast, revenue, url)) == "Row 3: “twelve” is not a number."
    assert values(revenue) == {}


def test_a_bad_date_names_its_row(cast: Cast, revenue: KPI, allowed_server: Server):
    url = allowed_server.serve("/sales.csv", "week,revenue\n04/05/2026,1\n", kind="text/csv")
    assert failure(csv_source(cast, revenue, url)).startswith(
        "Row 2: “04/05/2026” is not a date (YYYY-MM-DD)"
    )


def test_the_preview_shows_what_would_be_recorded_and_writes_nothing(
    cast: Cast, revenue: KPI, allowed_server: Server
):
    url = allowed_server.serve("/sales.json", json.dumps(SERIES))
    source = json_source(
        cast, revenue, url, rows_path="data.items", value_path="total", period_path="week"
    )
    preview = pull_preview(source=source)
    assert preview.error == ""
    assert preview.first == [(WEEK_2, D("1300")), (WEEK_1, D("1200.5"))]
    assert values(revenue) == {}
    source.refresh_from_db()
    assert source.last_run_at is None
    bad = json_source(cast, revenue, url, value_path="nope")
    assert "no “nope”" in pull_preview(source=bad).error


# -- SQL ----------------------------------------------------------------------------------


@pytest.fixture
def sales_db(sources_dir):
    path = sources_dir / "sales.sqlite3"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE sales (week TEXT, total NUMERIC)")
        db.executemany(
            "INSERT INTO sales VALUES (?, ?)", [("2026-05-04", 10), ("2026-05-11", 12.5)]
        )
    db.close()
    return path


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def sql_source(cast: Cast, kpi: KPI, path, query: str) -> DataSource:
    return data_source_save(
        kpi=kpi, by=cast.admin, data={"kind": "sql", "url": f"sqlite:///{path}", "query": query}
    )


def test_a_sqlite_query_records_its_rows(cast: Cast, revenue: KPI, sales_db):
    source = sql_source(cast, revenue, sales_db, "SELECT week, total FROM sales ORDER BY week")
    result = pull_run(source=source)
    assert result.created == 2
    assert values(revenue) == {WEEK_1: D("10"), WEEK_2: D("12.5")}
    assert pull_run(source=source).unchanged == 2


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("DELETE FROM sales", "Only a SELECT"),
        ("UPDATE sales SET total = 0", "Only a SELECT"),
        ("SELECT week, total FROM sales; DELETE FROM sales", "one statement only"),
        ("WITH gone AS (DELETE FROM sales RETURNING *) SELECT * FROM gone", "DELETE is refused"),
        ("ATTACH DATABASE 'x.db' AS x", "Only a SELECT"),
        ("SELECT 1; ATTACH DATABASE 'x.db' AS x", "one statement only"),
    ],
)
def test_a_query_that_writes_is_refused_when_saved(
    cast: Cast, revenue: KPI, sales_db, query, message
):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        sql_source(cast, revenue, sales_db, query)
    assert message in caught.value.message_dict["query"][0]
    assert not DataSource.objects.exists()


@pytest.mark.parametrize(
    "query",
    [
        "DELETE FROM sales",
        "UPDATE sales SET total = 0",
        "INSERT INTO sales VALUES ('2026-05-18', 1)",
        "ATTACH DATABASE ':memory:' AS scratch",
        "CREATE TABLE t (x)",
    ],
)
def test_the_sqlite_connection_itself_refuses_writes(sales_db, query):
    before = digest(sales_db)
    with pytest.raises(PullError, match=r"^The query may only read: SQLite refused it"):
        pulls._sqlite_rows(str(sales_db), query)
    assert digest(sales_db) == before
    with sqlite3.connect(sales_db) as db:
        assert db.execute("SELECT count(*), sum(total) FROM sales").fetchone() == (2, 22.5)
    db.close()


def test_a_write_hidden_in_a_stored_query_is_refused_at_pull_time(
    cast: Cast, revenue: KPI, sales_db
):
    source = sql_source(cast, revenue, sales_db, "SELECT week, total FROM sales")
    DataSource.objects.filter(pk=source.pk).update(query="DELETE FROM sales")
    source.refresh_from_db()
    before = digest(sales_db)
    assert failure(source) == "Only a SELECT (or WITH ... SELECT) is run, not DELETE."
    assert digest(sales_db) == before


def test_an_sql_error_is_recorded_with_the_databases_words(cast: Cast, revenue: KPI, sales_db):
    source = sql_source(cast, revenue, sales_db, "SELECT week, total FROM nosuch")
    assert failure(source) == "The database refused the query: no such table: nosuch."


def test_a_query_with_one_column_is_refused(cast: Cast, revenue: KPI, sales_db):
    source = sql_source(cast, revenue, sales_db, "SELECT total FROM sales")
    assert "two columns" in failure(source)


def test_too_many_rows_are_refused(cast: Cast, revenue: KPI, sales_db, monkeypatch):
    monkeypatch.setattr(pulls, "MAX_ROWS", 1)
    source = sql_source(cast, revenue, sales_db, "SELECT week, total FROM sales")
    assert "more than 1 rows" in failure(source)


def test_a_sqlite_file_outside_the_sources_folder_is_refused(
    cast: Cast, revenue: KPI, sales_db, tmp_path
):
    outside = tmp_path / "elsewhere.sqlite3"
    sqlite3.connect(outside).close()
    source = sql_source(cast, revenue, outside, "SELECT 1, 2")
    assert "must be in" in failure(source)
    source = sql_source(cast, revenue, sales_db.parent / ".." / "elsewhere.sqlite3", "SELECT 1, 2")
    assert "must be in" in failure(source)


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith(("postgres://", "postgresql://")),
    reason="PostgreSQL as a source is tested only where DATABASE_URL points at PostgreSQL (CI)",
)
def test_a_postgres_query_runs_read_only(cast: Cast, revenue: KPI, settings):
    import psycopg

    settings.TANDEM_OUTBOUND_ALLOWED_HOSTS = ["0.0.0.0/0", "::/0"]
    own = settings.DATABASES["default"]
    config = {**own, "NAME": own["NAME"]}
    with pytest.raises(PullError, match="Tandem's own database"):
        pulls._postgres_rows(config, "SELECT 1, 2", cast.org)
    config["NAME"] = "postgres"
    rows = pulls._postgres_rows(config, "SELECT '2026-05-04'::date, 3", cast.org)
    assert list(rows[0]) == [dt.date(2026, 5, 4), 3]
    with pytest.raises(PullError, match="read-only"):
        pulls._postgres_rows(config, "CREATE TABLE tandem_pull_probe (x int)", cast.org)
    assert psycopg  # the driver is what Tandem itself uses


def test_an_organisations_own_allowance_lets_its_pulls_call_an_internal_host(
    cast: Cast, revenue: KPI, server: Server, settings
):
    from django.core.exceptions import ValidationError

    from tandem.integrations.models import OutboundAllowance

    settings.TANDEM_OUTBOUND_ALLOWED_HOSTS = []
    url = server.serve("/v.json", json.dumps({"w": "2026-05-04", "v": 8}))
    with pytest.raises(ValidationError, match="loopback"):
        json_source(cast, revenue, url, period_path="w", value_path="v")
    OutboundAllowance.objects.create(organization=cast.other_org, host="127.0.0.1")
    with pytest.raises(ValidationError, match="loopback"):
        json_source(cast, revenue, url, period_path="w", value_path="v")
    OutboundAllowance.objects.create(organization=cast.org, host="127.0.0.0/8")
    source = json_source(cast, revenue, url, period_path="w", value_path="v")
    assert pull_run(source=source).created == 1
