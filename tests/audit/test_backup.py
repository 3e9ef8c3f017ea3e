"""Backups hold one organisation whole and nothing of another; restores bring it back."""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.apps import apps
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import models
from django.test import Client

from tandem.accounts.models import Organization, User
from tandem.accounts.tenancy import organization_models
from tandem.audit.backup import FORMAT, FORMAT_VERSION
from tandem.audit.models import AuditEvent
from tandem.demo import builder as demo_builder
from tandem.demo import data as demo_data
from tandem.kpis import services as kpis
from tandem.kpis.models import KPI
from tandem.okrs import services as okrs
from tandem.okrs.models import KeyResult, Objective
from tests.conftest import PASSWORD, Cast

ROOT = Path(__file__).resolve().parents[2]
TANDEM = Path(sys.executable).parent / "tandem"
NOW = dt.datetime(2026, 11, 18, 16, 30, tzinfo=ZoneInfo("America/Chicago"))


def backup(path: Path, *args: str) -> dict[str, Any]:
    call_command("backup", *args, "-o", str(path), stdout=open(os.devnull, "w"))  # noqa: SIM115
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as source:
        return json.load(source)


def restore(path: Path, *args: str) -> None:
    call_command("restore", str(path), *args, stdout=open(os.devnull, "w"))  # noqa: SIM115


def rows_of(organization_ids: list[int]) -> dict[str, list[Any]]:
    """Every row that belongs to the organisations, table by table, with ids."""
    # An organisation's cache version is drawn afresh whenever its teams or its row are
    # written, a restore included, so that nothing cached before the restore is served
    # after it: it is the one column a restore does not bring back as it was.
    tables: dict[str, list[Any]] = {
        "accounts.organization": list(
            Organization.objects.filter(pk__in=organization_ids)
            .order_by("pk")
            .values(
                *[
                    f.attname
                    for f in Organization._meta.concrete_fields
                    if f.name != "cache_version"
                ]
            )
        )
    }
    for model in organization_models():
        org_fields = [
            f.name
            for f in model._meta.concrete_fields
            if f.many_to_one and f.related_model is Organization
        ]
        query = models.Q()
        for name in org_fields:
            query |= models.Q(**{f"{name}__in": organization_ids})
        queryset = model._base_manager.filter(query).order_by("pk")
        tables[model._meta.label_lower] = list(queryset.values())
        for m2m in model._meta.many_to_many:
            through: Any = m2m.remote_field.through
            column = m2m.m2m_field_name()
            tables[f"{model._meta.label_lower}.{m2m.name}"] = sorted(
                (row[f"{column}_id"], row[f"{m2m.m2m_reverse_field_name()}_id"])
                for row in through._base_manager.filter(**{f"{column}__in": queryset}).values()
            )
    return tables


def people_of(organization_ids: list[int]) -> list[dict[str, Any]]:
    users = User.objects.filter(memberships__organization__in=organization_ids).distinct()
    return list(users.order_by("pk").values(*[f for f in USER_COLUMNS]))


USER_COLUMNS = ["id", "email", "full_name", "password", "is_active", "is_staff", "date_joined"]


def without_ids(tables: dict[str, list[Any]]) -> dict[str, list[Any]]:
    """Rows with their ids and references left out, for restores that shift ids."""
    result: dict[str, list[Any]] = {}
    for table, rows in tables.items():
        if rows and isinstance(rows[0], tuple):
            result[table] = [len(rows)]
            continue
        cleaned = [
            {k: v for k, v in row.items() if k != "id" and not k.endswith("_id")} for row in rows
        ]
        result[table] = sorted(cleaned, key=lambda r: json.dumps(r, sort_keys=True, default=str))
    return result


# -- what a backup holds --------------------------------------------------------------------


def test_every_model_with_an_organisation_is_backed_up_and_restorable(cast: Cast, tmp_path):
    data = backup(tmp_path / "acme.json", "--org", cast.org.slug)
    owned = {
        m
        for m in apps.get_models()
        if m is not Organization
        and any(f.related_model is Organization for f in m._meta.concrete_fields if f.many_to_one)
    }
    missing = {m._meta.label_lower for m in owned} - set(data["tables"])
    assert not missing, f"not in backups: {missing}"
    restorable = owned | {Organization, User}
    for model in owned:
        for f in model._meta.concrete_fields:
            if f.is_relation:
                assert f.related_model in restorable, (
                    f"{model._meta.label}.{f.name} points to {f.related_model}, which a "
                    "restore cannot rebuild: back that table up too"
                )
        for m2m in model._meta.many_to_many:
            assert m2m.related_model in restorable, f"{model._meta.label}.{m2m.name}"
    # A table without an organisation that points into one would be lost by a restore.
    for model in apps.get_models():
        if model in restorable:
            continue
        for f in model._meta.concrete_fields:
            if f.is_relation:
                assert f.related_model not in owned, (
                    f"{model._meta.label}.{f.name} points into organisation data but has no "
                    "organisation of its own: give it an organisation foreign key"
                )


def test_a_backup_has_a_manifest_and_keeps_numbers_and_times_exactly(cast: Cast, tmp_path):
    okrs.key_result_check_in(
        key_result=cast.kr, value=Decimal("12.3456"), confidence=7, by=cast.member
    )
    data = backup(tmp_path / "acme.json", "--org", cast.org.slug)
    assert data["format"] == FORMAT
    assert data["format_version"] == FORMAT_VERSION
    assert data["tandem_version"]
    assert dt.datetime.fromisoformat(data["created_at"]).tzinfo is not None
    assert data["scope"] == "organization"
    assert data["organizations"] == [{"id": cast.org.pk, "slug": "acme-it", "name": "Acme IT"}]
    (checkin,) = data["tables"]["okrs.checkin"]
    assert checkin["fields"]["value"] == "12.3456"
    stamp = dt.datetime.fromisoformat(checkin["fields"]["created_at"])
    assert stamp == cast.kr.checkins.get().created_at  # to the microsecond, with its offset
    assert checkin["fields"]["created_at"].endswith("+00:00")


def test_a_backup_holds_nothing_of_another_organisation(cast: Cast, tmp_path):
    data = backup(tmp_path / "acme.json", "--org", cast.org.slug)
    text = json.dumps(data)
    assert "Globex" not in text
    assert cast.outsider.email not in text
    emails = {u["fields"]["email"] for u in data["users"]}
    assert emails == {
        u.email for u in (cast.owner, cast.admin, cast.editor, cast.member, cast.viewer)
    }
    for table, rows in data["tables"].items():
        for row in rows:
            org = row["pk"] if table == "accounts.organization" else row["fields"]["organization"]
            assert org == cast.org.pk, table


def test_a_backup_keeps_password_hashes_so_people_can_sign_in_after_a_restore(cast: Cast, tmp_path):
    data = backup(tmp_path / "acme.json", "--org", cast.org.slug)
    owner = next(u for u in data["users"] if u["fields"]["email"] == cast.owner.email)
    assert owner["fields"]["password"] == User.objects.get(pk=cast.owner.pk).password
    assert "groups" not in owner["fields"]


def test_a_whole_instance_backup_holds_every_organisation_and_account(cast: Cast, tmp_path):
    data = backup(tmp_path / "all.json.gz", "--all")
    assert data["scope"] == "instance"
    assert {o["slug"] for o in data["organizations"]} == {"acme-it", "globex"}
    assert len(data["users"]) == User.objects.count()


def test_a_backup_file_is_readable_by_its_owner_only(cast: Cast, tmp_path):
    path = tmp_path / "acme.json.gz"
    path.write_text("an older file anyone could read")
    path.chmod(0o644)
    backup(path, "--org", cast.org.slug)
    assert path.stat().st_mode & 0o777 == 0o600
    assert [p.name for p in tmp_path.iterdir()] == ["acme.json.gz"]


def test_a_whole_instance_backup_restores_over_itself_with_replace(cast: Cast, tmp_path):
    okrs.key_result_check_in(key_result=cast.kr, value=Decimal(9), confidence=6, by=cast.member)
    ids = [cast.org.pk, cast.other_org.pk]
    before = rows_of(ids)
    path = tmp_path / "all.json"
    backup(path, "--all")
    okrs.objective_update(objective=cast.objective, by=cast.owner, title="Changed after")
    restore(path, "--replace")
    assert rows_of(ids) == before


def test_backing_up_an_unknown_organisation_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match="no organisation has the slug “nope”"):
        call_command("backup", "--org", "nope", "-o", str(tmp_path / "x.json"))


# -- restoring ------------------------------------------------------------------------------


def test_the_demo_survives_a_backup_deletion_and_restore_with_every_row_and_id(db, tmp_path):
    summary = demo_builder.demo_load(now=NOW)
    org_id = summary.organization.pk
    before = rows_of([org_id])
    people = people_of([org_id])
    assert len(before["okrs.checkin"]) > 100
    assert len(before["kpis.measurement"]) > 100
    assert len(before["audit.auditevent"]) > 500
    assert before["kpis.kpi.tags"]
    path = tmp_path / "northwind.json.gz"
    backup(path, "--org", demo_data.DEMO_SLUG)

    demo_builder.demo_delete()  # the organisation and the people who belonged to it alone
    assert not Organization.objects.filter(pk=org_id).exists()
    assert not User.objects.filter(email=demo_data.DEMO_OWNER_EMAIL).exists()
    restore(path)

    assert rows_of([org_id]) == before
    assert people_of([org_id]) == people
    client = Client()
    response = client.post(
        "/login/", {"username": demo_data.DEMO_OWNER_EMAIL, "password": demo_data.DEMO_PASSWORD}
    )
    assert response.status_code == 302
    objective = Objective.objects.filter(organization_id=org_id).first()
    assert objective is not None
    assert client.get(f"/objectives/{objective.pk}/").status_code == 200


def test_restoring_over_an_existing_organisation_is_refused_without_replace(cast: Cast, tmp_path):
    path = tmp_path / "acme.json"
    backup(path, "--org", cast.org.slug)
    okrs.key_result_check_in(key_result=cast.kr, value=Decimal(5), confidence=5, by=cast.member)
    before = rows_of([cast.org.pk])
    with pytest.raises(CommandError, match=r"slug “acme-it” already exists.*--replace"):
        restore(path)
    assert rows_of([cast.org.pk]) == before


def test_replace_puts_the_backup_in_place_of_the_existing_organisation(cast: Cast, tmp_path):
    path = tmp_path / "acme.json"
    backup(path, "--org", cast.org.slug)
    before = rows_of([cast.org.pk])
    okrs.key_result_check_in(key_result=cast.kr, value=Decimal(5), confidence=5, by=cast.member)
    okrs.objective_update(objective=cast.objective, by=cast.owner, title="Changed after")
    other = rows_of([cast.other_org.pk])
    restore(path, "--replace")
    assert rows_of([cast.org.pk]) == before
    assert rows_of([cast.other_org.pk]) == other


def test_restoring_beside_the_original_shifts_taken_ids_and_keeps_every_link(cast: Cast, tmp_path):
    kpi = kpis.kpi_create(organization=cast.org, name="Churn", by=cast.owner)
    okrs.key_result_check_in(key_result=cast.kr, value=Decimal(7), confidence=6, by=cast.member)
    path = tmp_path / "acme.json"
    backup(path, "--org", cast.org.slug)
    original = rows_of([cast.org.pk])
    # The original stays under another slug: every id of the backup is taken.
    Organization.objects.filter(pk=cast.org.pk).update(slug="acme-original")
    users = User.objects.count()
    restore(path)

    copy = Organization.objects.get(slug="acme-it")
    assert copy.pk != cast.org.pk
    assert without_ids(rows_of([copy.pk])) == without_ids(original)
    assert User.objects.count() == users  # people matched by e-mail, not duplicated
    # Links point inside the copy: its key result, its objective, its cycle, its people.
    kr = KeyResult.objects.get(organization=copy)
    assert kr.pk != cast.kr.pk
    assert kr.objective.organization_id == copy.pk
    assert kr.objective.cycle.organization_id == copy.pk
    assert kr.owner_id == cast.member.pk
    assert kr.checkins.get().author_id == cast.member.pk
    assert KPI.objects.get(organization=copy).pk != kpi.pk
    # The audit history points at the copy's objects.
    event = AuditEvent.objects.get(organization=copy, action="key_result.create")
    assert event.target_id == kr.pk
    # New rows get fresh ids after the shifted ones (PostgreSQL's sequences were moved on).
    later = okrs.objective_create(
        organization=copy,
        cycle=kr.objective.cycle,
        owner_team=kr.objective.owner_team,
        by=cast.owner,
        title="Written after the restore",
    )
    assert later.pk > kr.objective.pk


def test_a_file_that_is_not_a_backup_is_refused_clearly(db, tmp_path):
    path = tmp_path / "notes.json"
    path.write_text('{"hello": "world"}')
    with pytest.raises(CommandError, match="not a Tandem backup"):
        restore(path)
    path.write_text("not json")
    with pytest.raises(CommandError, match="not a readable Tandem backup"):
        restore(path)


def test_a_backup_of_another_format_version_is_refused_clearly(cast: Cast, tmp_path):
    path = tmp_path / "acme.json"
    data = backup(path, "--org", cast.org.slug)
    data["format_version"] = 99
    path.write_text(json.dumps(data))
    with pytest.raises(CommandError, match="format 99"):
        restore(path)


# -- the real command on a fresh database ----------------------------------------------------


def run_tandem(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'src'}",
        # The test settings: the suite's fast password hasher checks the restored hashes.
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "TANDEM_DATA_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.sqlite3'}",
    }
    result = subprocess.run(
        [str(TANDEM), *args],
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result


def test_the_tandem_command_restores_into_a_fresh_database_with_the_same_ids(cast: Cast, tmp_path):
    okrs.key_result_check_in(key_result=cast.kr, value=Decimal(30), confidence=8, by=cast.member)
    path = tmp_path / "acme.json"
    data = backup(path, "--org", cast.org.slug)
    run_tandem(tmp_path, "migrate", "--verbosity", "0")
    result = run_tandem(tmp_path, "restore", str(path))
    assert "Restored acme-it" in result.stdout
    check = (
        "from django.contrib.auth import authenticate; "
        f"user = authenticate(username={cast.owner.email!r}, password={PASSWORD!r}); "
        "print('signed in as', user.email if user else None)"
    )
    assert f"signed in as {cast.owner.email}" in run_tandem(tmp_path, "shell", "-c", check).stdout
    # A backup of the restored database holds the very same rows.
    again = tmp_path / "again.json"
    run_tandem(tmp_path, "backup", "--org", cast.org.slug, "-o", str(again))
    copy = json.loads(again.read_text())
    # The same rows but the organisation's cache version, drawn afresh by the restore.
    versions = [
        [row["fields"].pop("cache_version") for row in tables["accounts.organization"]]
        for tables in (copy["tables"], data["tables"])
    ]
    assert versions[0] != versions[1]
    assert copy["tables"] == data["tables"]
    assert copy["users"] == data["users"]


def test_a_copy_whose_api_token_would_clash_is_refused_and_writes_nothing(cast: Cast, tmp_path):
    from tandem.api.services import api_token_create

    api_token_create(
        user=cast.owner,
        organization=cast.org,
        name="BI",
        scope="read",
        expires_on=None,
        by=cast.owner,
    )
    path = tmp_path / "acme.json"
    backup(path, "--org", cast.org.slug)
    Organization.objects.filter(pk=cast.org.pk).update(slug="acme-original")
    organizations = Organization.objects.count()
    with pytest.raises(CommandError, match="does not fit into this database"):
        restore(path)
    assert Organization.objects.count() == organizations
