"""``tandem import`` and ``tandem export``: through call_command, and once through the
real console script."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from tandem.kpis.models import Measurement
from tandem.okrs.models import CheckIn, KeyResult
from tests.conftest import Cast
from tests.integrations.conftest import D, row_counts, xlsx

TANDEM = Path(sys.executable).parent / "tandem"


def tandem(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


@pytest.fixture
def values_csv(tmp_path: Path) -> Path:
    path = tmp_path / "values.csv"
    path.write_text(
        "kpi,period_start,value,note\nrevenue,2026-05-04,100,\nrevenue,2026-05-11,120,\n"
    )
    return path


def test_import_of_a_measurements_csv_guesses_its_kind_and_reports_counts(
    cast: Cast, revenue, values_csv: Path
):
    out, err = tandem(
        "importfile", str(values_csv), "--org", cast.org.slug, "--as", cast.editor.email
    )
    assert "2 values created, 0 corrected, 0 unchanged." in out
    assert "read 2 rows" in err
    assert "checking and writing 2 values" in err
    assert Measurement.objects.filter(kpi=revenue, source="import").count() == 2


def test_a_dry_run_checks_the_file_and_writes_nothing(cast: Cast, revenue, values_csv: Path):
    before = row_counts()
    out, _ = tandem(
        "importfile",
        str(values_csv),
        "--org",
        cast.org.slug,
        "--as",
        cast.editor.email,
        "--dry-run",
    )
    assert "nothing written" in out
    assert row_counts() == before


def test_a_bad_file_fails_listing_rows_and_columns_and_writes_nothing(
    cast: Cast, revenue, tmp_path: Path
):
    path = tmp_path / "bad.csv"
    path.write_text(
        "kpi,period_start,value\nrevenue,2026-05-04,100\nrevenue,2026-05-11,abc\nnope,2026-05-11,1\n"
    )
    before = row_counts()
    with pytest.raises(CommandError) as refused:
        tandem("importfile", str(path), "--org", cast.org.slug, "--as", cast.editor.email)
    assert "row 3, column value" in str(refused.value)
    assert "row 4, column kpi" in str(refused.value)
    assert row_counts() == before


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--org", "nope", "--as", "editor@acme.test"], "--org"),
        (["--org", "acme-it", "--as", "oscar@globex.test"], "--as"),
        (["--org", "acme-it", "--as", "viewer@acme.test"], "only editors"),
    ],
)
def test_an_unknown_organisation_outsider_or_viewer_is_refused(
    cast: Cast, revenue, values_csv: Path, args: list[str], says: str
):
    assert cast.org.slug == "acme-it"
    with pytest.raises(CommandError) as refused:
        tandem("importfile", str(values_csv), *args)
    assert says in str(refused.value)
    assert not Measurement.objects.exists()


def test_check_ins_from_xlsx_show_progress_on_stderr(cast: Cast, tmp_path: Path):
    path = tmp_path / "checkins.xlsx"
    path.write_bytes(xlsx([["key_result", "value", "confidence"], [cast.kr.pk, 30, 7]]))
    out, err = tandem("importfile", str(path), "--org", cast.org.slug, "--as", cast.member.email)
    assert "1 check-ins created" in out
    assert "checkins.xlsx: 1/1 rows (100%)" in err
    assert CheckIn.objects.get().author == cast.member


def test_kpi_values_exported_as_csv_import_again_unchanged(
    cast: Cast, revenue, values_csv: Path, tmp_path: Path
):
    tandem("importfile", str(values_csv), "--org", cast.org.slug, "--as", cast.editor.email)
    exported = tmp_path / "measurements.csv"
    _, err = tandem(
        "exportfile", "--org", cast.org.slug, "--kpis", "--from", "2026-05-10", "-o", str(exported)
    )
    assert "Wrote 1 values" in err
    assert exported.read_text().splitlines() == [
        "kpi,period_start,value,note",
        "revenue,2026-05-11,120,",
    ]
    before = row_counts()
    out, _ = tandem("importfile", str(exported), "--org", cast.org.slug, "--as", cast.editor.email)
    assert "0 values created, 0 corrected, 1 unchanged." in out
    assert row_counts() == before


def test_okrs_exported_to_yaml_import_again_unchanged_and_an_edit_is_applied(
    cast: Cast, tmp_path: Path
):
    path = tmp_path / "okrs.yaml"
    tandem("exportfile", "--org", cast.org.slug, "--cycle", cast.cycle.name, "-o", str(path))
    before = row_counts()
    out, _ = tandem("importfile", str(path), "--org", cast.org.slug, "--as", cast.editor.email)
    assert "0 items were created, 0 changed" in out
    assert row_counts() == before
    data = yaml.safe_load(path.read_text())
    data["objectives"][0]["key_results"][0]["target"] = 150
    path.write_text(yaml.safe_dump(data))
    out, _ = tandem("importfile", str(path), "--org", cast.org.slug, "--as", cast.editor.email)
    assert "target of key result" in out
    assert KeyResult.objects.get(pk=cast.kr.pk).target == D(150)


def test_a_yaml_error_names_its_path_and_exits_non_zero(cast: Cast, tmp_path: Path):
    path = tmp_path / "okrs.yaml"
    tandem("exportfile", "--org", cast.org.slug, "--cycle", cast.cycle.name, "-o", str(path))
    data = yaml.safe_load(path.read_text())
    data["objectives"][0]["key_results"][0]["baseline"] = "zero"
    path.write_text(yaml.safe_dump(data))
    with pytest.raises(CommandError) as refused:
        tandem("importfile", str(path), "--org", cast.org.slug, "--as", cast.editor.email)
    assert "objectives[0].key_results[0].baseline" in str(refused.value)


def test_export_of_an_unknown_cycle_names_the_cycles(cast: Cast):
    with pytest.raises(CommandError) as refused:
        tandem("exportfile", "--org", cast.org.slug, "--cycle", "Q9")
    assert "This quarter" in str(refused.value)


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TANDEM_", "DJANGO_")) and k != "DATABASE_URL"
    }
    env.update(TANDEM_DATA_DIR=str(data_dir), TANDEM_DEBUG="1")
    return subprocess.run(
        [str(TANDEM), *args], env=env, capture_output=True, text=True, timeout=300, check=False
    )


SETUP = """
import datetime as dt
from tandem.accounts.models import Organization, User
from tandem.okrs import services as okrs
org = Organization.objects.get(slug="initech")
boss = User.objects.get(email="bill@initech.test")
okrs.cycle_create(organization=org, name="Q3", start_date=dt.date(2026, 7, 1),
                  end_date=dt.date(2026, 9, 30), by=boss)
"""


def test_the_tandem_script_exports_and_imports_okrs_for_real(tmp_path: Path):
    data_dir = tmp_path / "var"
    assert run(data_dir, "migrate", "--noinput").returncode == 0
    made = run(
        data_dir,
        "createuser",
        "--email",
        "bill@initech.test",
        "--name",
        "Bill",
        "--password",
        "correct horse battery staple",
    )
    assert made.returncode == 0, made.stderr
    org = run(
        data_dir,
        "createorg",
        "--name",
        "Initech",
        "--slug",
        "initech",
        "--owner-email",
        "bill@initech.test",
    )
    assert org.returncode == 0, org.stderr
    assert run(data_dir, "shell", "-c", SETUP).returncode == 0
    plan = tmp_path / "q3.yaml"
    plan.write_text(
        "cycle: Q3\nobjectives:\n"
        "- title: Ship the TPS reports on time\n  owner_user: bill@initech.test\n"
        "  key_results:\n  - {title: Reports late, baseline: 40, target: 5}\n"
    )
    imported = run(data_dir, "import", str(plan), "--org", "initech", "--as", "bill@initech.test")
    assert imported.returncode == 0, imported.stderr
    assert "2 items were created" in imported.stdout
    exported = run(data_dir, "export", "--org", "initech", "--cycle", "Q3")
    assert exported.returncode == 0, exported.stderr
    data = yaml.safe_load(exported.stdout)
    assert data["objectives"][0]["key_results"][0]["target"] == 5
    plan.write_text(exported.stdout.replace("target: 5", "target: five"))
    refused = run(data_dir, "import", str(plan), "--org", "initech", "--as", "bill@initech.test")
    assert refused.returncode != 0
    assert "objectives[0].key_results[0].target" in refused.stderr
