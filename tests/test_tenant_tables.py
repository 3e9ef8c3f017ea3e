"""Every tenant-owned row carries its organisation, and docs/operations.md places every
table in a tenant-sharded PostgreSQL (Citus).

A model is tenant-owned when it points at an organisation or at another tenant-owned
model. Each such model must have its own ``organization`` foreign key (not null), so
that every read can be scoped by it and the table distributed by ``organization_id``.
The tables without one are listed in docs/operations.md as reference or local tables,
with why; a new model that forgets its organisation fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

from django.apps import apps
from django.db import models
from django.test.utils import isolate_apps

from tandem.accounts.models import Organization
from tandem.okrs.models import Objective

OPERATIONS = Path(__file__).resolve().parents[1] / "docs" / "operations.md"
PLACEMENTS = {
    "distributed",
    "reference",
    "local",
    "distributed, once it has organization_id",
}
ROW = re.compile(r"^\|\s*`(?P<table>[a-z0-9_]+)`\s*\|\s*(?P<placement>[^|]+?)\s*\|")
# Tenant-owned tables that have no organisation column yet, each with why. Keep short.
WITHOUT_ORGANIZATION = {
    # Django's own table for KPI.tags: a KPI and a tag of the same organisation.
    "kpis_kpi_tags",
}


def documented() -> dict[str, str]:
    text = OPERATIONS.read_text()
    start, end = text.index("<!-- tables: start -->"), text.index("<!-- tables: end -->")
    rows: dict[str, str] = {}
    for line in text[start:end].splitlines():
        found = ROW.match(line)
        if found:
            assert found["table"] not in rows, f"{found['table']} is listed twice"
            rows[found["table"]] = found["placement"]
    return rows


def _organization_field(model: type[models.Model]) -> models.Field | None:
    return next(
        (
            f
            for f in model._meta.concrete_fields
            if f.name == "organization" and f.is_relation and f.related_model is Organization
        ),
        None,
    )


def _models(registry=apps) -> list[type[models.Model]]:
    return [
        model
        for model in registry.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]


def tenant_owned(candidates: list[type[models.Model]]) -> set[type[models.Model]]:
    """The models pointing at an organisation, or at a model that does, and so on."""
    owned = {m for m in candidates if m is not Organization and _organization_field(m)}
    grew = True
    while grew:
        grew = False
        for model in candidates:
            if model in owned or model is Organization:
                continue
            targets = {f.related_model for f in model._meta.concrete_fields if f.is_relation}
            if Organization in targets or targets & owned:
                owned.add(model)
                grew = True
    return owned


def forgotten(candidates: list[type[models.Model]]) -> list[str]:
    """Tenant-owned models' tables without a not-null ``organization`` foreign key."""
    missing = []
    for model in tenant_owned(candidates):
        field = _organization_field(model)
        if field is None or field.null:
            missing.append(model._meta.db_table)
    return sorted(missing)


def tables() -> dict[str, bool]:
    """Every table Tandem's models make, and whether it has an organisation column."""
    return {m._meta.db_table: _organization_field(m) is not None for m in _models()}


def test_every_tenant_owned_model_carries_its_organisation():
    assert forgotten(_models()) == sorted(WITHOUT_ORGANIZATION)


@isolate_apps("tandem.okrs")
def test_a_new_model_without_its_organisation_is_caught():
    class Comment(models.Model):
        objective = models.ForeignKey(Objective, on_delete=models.CASCADE)

        class Meta:
            app_label = "okrs"

        def __str__(self) -> str:
            return str(self.pk)

    class Reaction(models.Model):
        organization = models.ForeignKey(Organization, on_delete=models.CASCADE, null=True)

        class Meta:
            app_label = "okrs"

        def __str__(self) -> str:
            return str(self.pk)

    class Reply(models.Model):
        comment = models.ForeignKey(Comment, on_delete=models.CASCADE)

        class Meta:
            app_label = "okrs"

        def __str__(self) -> str:
            return str(self.pk)

    assert forgotten([Organization, Objective, Comment, Reaction, Reply]) == [
        "okrs_comment",
        "okrs_reaction",
        "okrs_reply",
    ]


def test_every_table_is_placed_once():
    listed, made = documented(), tables()
    assert sorted(set(made) - set(listed)) == [], "tables missing from docs/operations.md"
    assert sorted(set(listed) - set(made)) == [], "tables in docs/operations.md no model makes"
    unknown = {t: p for t, p in listed.items() if p not in PLACEMENTS}
    assert unknown == {}, f"placements must be one of {sorted(PLACEMENTS)}"


def test_tenant_tables_are_distributed_by_their_organisation():
    listed = documented()
    for table, has_organization in tables().items():
        if has_organization:
            assert listed[table] == "distributed", f"{table} has organization_id"
        elif table in WITHOUT_ORGANIZATION:
            assert listed[table] == "distributed, once it has organization_id", table
        else:
            assert listed[table] in {"reference", "local"}, f"{table} has no organization_id"
