"""``tandem push`` as a person runs it: a separate process with only a server address and
a token (no database, no settings), talking to a real Tandem over HTTP."""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from tandem.api.models import Scope
from tandem.kpis import services as kpis
from tandem.kpis.models import KPI, Measurement
from tests.api.conftest import this_week, token_for
from tests.conftest import Cast

TANDEM = str(Path(sys.executable).with_name("tandem"))


@pytest.fixture
def revenue(cast: Cast) -> KPI:
    return kpis.kpi_create(
        organization=cast.org,
        name="Weekly revenue",
        key="revenue",
        owner_team=cast.team,
        frequency="weekly",
        by=cast.owner,
    )


def push(server: str, token: str, *args: str) -> subprocess.CompletedProcess[str]:
    # Nothing of Tandem's own configuration: only what a laptop or a cron job would have.
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/tmp"),
        "TANDEM_SERVER": server,
        "TANDEM_TOKEN": token,
    }
    return subprocess.run(
        [TANDEM, "push", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_a_value_pushed_without_a_period_lands_in_this_period(
    transactional_db, live_server, cast: Cast, revenue: KPI
):
    token = token_for(cast.owner, cast.org, Scope.MEASUREMENTS)
    done = push(live_server.url, token, "revenue", "1250.50", "--note", "from the till")
    assert done.returncode == 0, done.stderr
    assert "Weekly revenue" in done.stdout
    assert "created" in done.stdout
    stored = Measurement.objects.get(kpi=revenue)
    assert (stored.period_start, stored.value, stored.note) == (
        this_week(cast.org),
        Decimal("1250.50"),
        "from the till",
    )
    again = push(live_server.url, token, "revenue", "1250.50", "--note", "from the till")
    assert again.returncode == 0
    assert "unchanged" in again.stdout


def test_a_csv_is_pushed_in_batches_and_pushing_it_again_changes_nothing(
    transactional_db, live_server, cast: Cast, revenue: KPI, tmp_path: Path
):
    weeks = [this_week(cast.org, weeks_ago=n) for n in range(3, -1, -1)]
    path = tmp_path / "values.csv"
    path.write_text(
        "kpi,period_start,value\n"
        + "".join(f"revenue,{w},{100 + i}\n" for i, w in enumerate(weeks)),
        encoding="utf-8",
    )
    token = token_for(cast.editor, cast.org, Scope.WRITE)
    first = push(live_server.url, token, "--file", str(path))
    assert first.returncode == 0, first.stderr
    assert "created 4, updated 0, unchanged 0" in first.stdout
    second = push(live_server.url, token, "--file", str(path))
    assert "created 0, updated 0, unchanged 4" in second.stdout
    assert dict(Measurement.objects.filter(kpi=revenue).values_list("period_start", "value")) == {
        w: Decimal(100 + i) for i, w in enumerate(weeks)
    }


def test_a_bad_row_is_named_by_its_line_and_nothing_of_the_file_is_written(
    transactional_db, live_server, cast: Cast, revenue: KPI, tmp_path: Path
):
    week = this_week(cast.org)
    path = tmp_path / "values.csv"
    path.write_text(
        f"kpi,period_start,value\nrevenue,{week},10\nrevenue,{week - dt.timedelta(weeks=1)},lots\n",
        encoding="utf-8",
    )
    done = push(live_server.url, token_for(cast.owner, cast.org), "--file", str(path))
    assert done.returncode == 1
    assert "line 3, value" in done.stderr
    assert "Nothing of this batch was written" in done.stderr
    assert not Measurement.objects.filter(kpi=revenue).exists()


def test_another_organisations_kpi_is_not_found_and_a_bad_token_is_refused(
    transactional_db, live_server, cast: Cast, revenue: KPI
):
    outsider = push(live_server.url, token_for(cast.outsider, cast.other_org), "revenue", "5")
    assert outsider.returncode == 1
    assert "no KPI with the key “revenue”" in outsider.stderr
    wrong = push(live_server.url, "tdm_not-a-real-token", "revenue", "5")
    assert wrong.returncode == 1
    assert "token is not valid" in wrong.stderr
    assert not Measurement.objects.exists()


def test_push_says_what_is_missing_before_calling_anyone():
    done = push("", "", "revenue", "5")
    assert done.returncode == 1
    assert "--server" in done.stderr
    unreachable = push("http://127.0.0.1:9", "tdm_x", "revenue", "5")
    assert unreachable.returncode == 1
    assert "Cannot reach" in unreachable.stderr
