"""Back up one organisation (or the whole Tandem) to a JSON archive, and restore it.

The archive is one JSON document (gzip-compressed when its name ends in ``.gz``)::

    {"format": "tandem-backup", "format_version": 1, "tandem_version": "0.1.0",
     "created_at": "2026-11-22T09:30:00.123456+00:00", "scope": "organization",
     "organizations": [{"id": 1, "slug": "northwind", "name": "Northwind IT"}],
     "users": [{"model": "accounts.user", "pk": 3, "fields": {...}}, ...],
     "tables": {"accounts.organization": [...], "okrs.objective": [...], ...}}

Rows are Django's serialised form (``model``, ``pk``, ``fields``; foreign keys as
ids, many-to-many as lists of ids); decimals are strings and times are ISO 8601
with their offset, to the microsecond.

Which rows: the organisation, every row of every model with a foreign key to
``Organization`` (found at run time, so a new table is backed up without changing
this module), and the people those rows point to (members, authors, actors) with
their password hashes, so that they can sign in after a restore. Nothing of another
organisation is written. ``--all`` writes every organisation and every account.

Consistency: everything is read inside one transaction (a read transaction on
SQLite, ``REPEATABLE READ`` on PostgreSQL), so a backup taken while people work is
the database at one instant.

Restore, in one transaction:

* an organisation whose slug exists is refused, unless ``replace`` is given: then the
  existing one is deleted first (with :func:`tandem.accounts.services.organization_purge`);
* people are matched by e-mail: an existing account is kept as it is (with its
  current password) and the restored rows point to it; a missing one is created;
* ids are kept when they are free, so a restore into an empty database (or over the
  organisation the backup came from) gives back the same ids and links. When some
  ids of a table are taken (restoring into a database that has other data), every
  id of that table is shifted past the table's largest id, and every reference to
  it (foreign keys, many-to-many, an audit event's object) is shifted alike. Old
  values inside audit events' before/after snapshots keep their original ids.
"""

from __future__ import annotations

import datetime as dt
import gzip
import json
import os
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import IO, Any

from django.apps import apps
from django.core import serializers
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone

from tandem.accounts.models import Organization, User
from tandem.accounts.services import organization_purge
from tandem.accounts.tenancy import organization_models, organization_rows
from tandem.audit.models import AuditEvent

FORMAT = "tandem-backup"
FORMAT_VERSION = 1
# Accounts are shared by organisations; their groups and Django permissions are not
# Tandem's and are not backed up.
USER_FIELDS = [
    "password",
    "last_login",
    "is_superuser",
    "email",
    "full_name",
    "is_active",
    "is_staff",
    "date_joined",
]
_CHUNK = 500


class BackupError(Exception):
    """A backup or restore that cannot be done, with a sentence saying why."""


# -- which rows belong to an organisation ------------------------------------------------


def _relations(model: type[models.Model]) -> list[models.Field[Any, Any]]:
    return [f for f in model._meta.concrete_fields if f.is_relation]


# -- writing ------------------------------------------------------------------------------


def _tandem_version() -> str:
    try:
        return metadata.version("tandem-okr")
    except metadata.PackageNotFoundError:
        return "unknown"


def _jsonable(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, Decimal | uuid.UUID):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


@contextmanager
def read_snapshot() -> Iterator[None]:
    """Read the database as it is at one instant, without blocking writers.

    Inside an existing transaction (a test, a caller's ``atomic``) that transaction
    already gives one view.
    """
    if connection.in_atomic_block:
        yield
        return
    if connection.vendor == "postgresql":
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
            yield
        return
    if connection.vendor == "sqlite":
        # Django's transactions on SQLite are IMMEDIATE (they take the write lock);
        # a plain BEGIN is a read transaction: under WAL, writers go on while the
        # backup reads a snapshot.
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("BEGIN")
        try:
            yield
        finally:
            with connection.cursor() as cursor:
                cursor.execute("COMMIT")
        return
    with transaction.atomic():
        yield


def _rows(queryset: models.QuerySet[Any], **options: Any) -> list[dict[str, Any]]:
    return serializers.serialize("python", queryset.iterator(chunk_size=2000), **options)


def backup_data(*, organizations: Sequence[Organization] | None = None) -> dict[str, Any]:
    """The archive of ``organizations``, or of the whole Tandem when ``None``."""
    with read_snapshot():
        everything = organizations is None
        chosen = list(
            Organization.objects.order_by("pk") if organizations is None else organizations
        )
        tables: dict[str, list[dict[str, Any]]] = {
            "accounts.organization": _rows(
                Organization.objects.filter(pk__in=[o.pk for o in chosen]).order_by("pk")
            )
        }
        people: set[int] = set()
        for model in organization_models():
            rows = _rows(organization_rows(model, chosen))
            tables[model._meta.label_lower] = rows
            # The serialiser names foreign keys by field name (``author``, not ``author_id``).
            to_people = [f.name for f in _relations(model) if f.related_model is User]
            many_people = [f.name for f in model._meta.many_to_many if f.related_model is User]
            for row in rows:
                for name in to_people:
                    if row["fields"].get(name) is not None:
                        people.add(row["fields"][name])
                for name in many_people:
                    people.update(row["fields"].get(name, []))
        users = User.objects.all() if everything else User.objects.filter(pk__in=people)
        return {
            "format": FORMAT,
            "format_version": FORMAT_VERSION,
            "tandem_version": _tandem_version(),
            "created_at": timezone.now().isoformat(),
            "scope": "instance" if everything else "organization",
            "organizations": [{"id": o.pk, "slug": o.slug, "name": o.name} for o in chosen],
            "users": _rows(users.order_by("pk"), fields=USER_FIELDS),
            "tables": tables,
        }


def _open(path: Path, mode: str) -> IO[str]:
    if path.suffix == ".gz":
        return gzip.open(path, mode + "t", encoding="utf-8")  # type: ignore[return-value]
    return path.open(mode, encoding="utf-8")


def backup_write(
    *, path: Path, organizations: Sequence[Organization] | None = None
) -> dict[str, Any]:
    """Write the archive readable by its owner only: it holds password hashes.

    It is written beside ``path`` and renamed into place, so a failed backup never
    leaves a truncated file where the last good one was.
    """
    data = backup_data(organizations=organizations)
    partial = path.with_name(f".{path.name}.partial")
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as raw:
            os.fchmod(raw.fileno(), 0o600)  # an existing file keeps its mode otherwise
            if path.suffix == ".gz":
                with gzip.GzipFile(filename=path.name, mode="wb", fileobj=raw) as packed:
                    packed.write(_encode(data))
            else:
                raw.write(_encode(data))
        partial.replace(path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return data


def _encode(data: dict[str, Any]) -> bytes:
    return json.dumps(data, default=_jsonable, ensure_ascii=False).encode()


def backup_read(path: Path) -> dict[str, Any]:
    try:
        with _open(path, "r") as source:
            data = json.load(source)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, EOFError) as exc:
        raise BackupError(f"{path} is not a readable Tandem backup ({exc}).") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise BackupError(f"{path} is not a Tandem backup (no “{FORMAT}” header).")
    if data.get("format_version") != FORMAT_VERSION:
        raise BackupError(
            f"{path} is a backup of format {data.get('format_version')}; this Tandem reads "
            f"format {FORMAT_VERSION}. Restore it with the Tandem version that wrote it "
            f"({data.get('tandem_version', 'unknown')})."
        )
    return data


# -- restoring ----------------------------------------------------------------------------


@dataclass
class RestoreSummary:
    organizations: list[str]
    counts: dict[str, int] = field(default_factory=dict)
    users_created: int = 0
    users_matched: int = 0
    shifted: dict[str, int] = field(default_factory=dict)  # table -> id shift


def _max_pk(model: type[models.Model]) -> int:
    return int(model._base_manager.aggregate(top=Max("pk"))["top"] or 0)


def _any_taken(model: type[models.Model], pks: list[Any]) -> bool:
    return any(
        model._base_manager.filter(pk__in=pks[i : i + _CHUNK]).exists()
        for i in range(0, len(pks), _CHUNK)
    )


class _Remap:
    """Where each archived id goes: people by e-mail, other tables by a shift."""

    def __init__(self) -> None:
        self.users: dict[int, int] = {}
        self.shift: dict[type[models.Model], int] = {}
        self.by_name: dict[str, type[models.Model]] = {}

    def id(self, model: type[models.Model], value: Any) -> Any:
        if value is None:
            return None
        if model is User:
            try:
                return self.users[value]
            except KeyError:
                raise BackupError(
                    f"The backup refers to person #{value}, whom it does not contain."
                ) from None
        if model not in self.shift:
            raise BackupError(
                f"The backup refers to {model._meta.label} #{value}, a table it does not "
                "contain; it cannot be restored into this Tandem."
            )
        return value + self.shift[model]

    def row(self, instance: models.Model) -> None:
        model = type(instance)
        for f in model._meta.concrete_fields:
            if f.is_relation:
                setattr(instance, f.attname, self.id(f.related_model, getattr(instance, f.attname)))  # type: ignore[arg-type]
            elif f.primary_key:
                instance.pk = self.id(model, instance.pk)
        if isinstance(instance, AuditEvent):
            target = self.by_name.get(instance.target_type)
            if target is not None:
                instance.target_id = self.id(target, instance.target_id)
            elif instance.target_type == "user" and instance.target_id in self.users:
                instance.target_id = self.users[instance.target_id]


def _restore_users(rows: list[dict[str, Any]], remap: _Remap, summary: RestoreSummary) -> None:
    emails = {str(r["fields"]["email"]).lower(): r for r in rows}
    existing = {
        u.email.lower(): u.pk
        for i in range(0, len(rows), _CHUNK)
        for u in User.objects.filter(email__in=list(emails)[i : i + _CHUNK])
    }
    wanted = [r["pk"] for r in rows if str(r["fields"]["email"]).lower() not in existing]
    taken = {
        pk
        for i in range(0, len(wanted), _CHUNK)
        for pk in User.objects.filter(pk__in=wanted[i : i + _CHUNK]).values_list("pk", flat=True)
    }
    # New ids for taken ones start past every id in use and every id kept.
    next_pk = max([_max_pk(User), *wanted])
    for obj in serializers.deserialize("python", rows, ignorenonexistent=True):
        user = obj.object
        assert isinstance(user, User)
        old = user.pk
        match = existing.get(user.email.lower())
        if match is not None:
            remap.users[old] = match
            summary.users_matched += 1
            continue
        if old in taken:
            next_pk += 1
            user.pk = next_pk
        obj.save(force_insert=True)
        remap.users[old] = user.pk
        summary.users_created += 1


def restore(data: dict[str, Any], *, replace: bool = False) -> RestoreSummary:
    """Bring back an archive read by :func:`backup_read`, in one transaction."""
    slugs = [o["slug"] for o in data["organizations"]]
    summary = RestoreSummary(organizations=slugs)
    with transaction.atomic():
        for slug in slugs:
            existing = Organization.objects.filter(slug=slug).first()
            if existing is None:
                continue
            if not replace:
                raise BackupError(
                    f"An organisation with the slug “{slug}” already exists. Restore with "
                    "--replace to delete it and put the backup in its place, or restore "
                    "into another database."
                )
            organization_purge(organization=existing)

        remap = _Remap()
        _restore_users(data.get("users", []), remap, summary)
        tables: dict[type[models.Model], list[dict[str, Any]]] = {}
        for label, rows in data["tables"].items():
            try:
                model = apps.get_model(label)
            except LookupError:
                raise BackupError(
                    f"The backup has a table {label} that this Tandem does not know; restore "
                    f"it with Tandem {data.get('tandem_version', 'unknown')} or later."
                ) from None
            tables[model] = rows
            remap.by_name[model._meta.model_name or ""] = model
            pks = [r["pk"] for r in rows]
            remap.shift[model] = _max_pk(model) if pks and _any_taken(model, pks) else 0
            if remap.shift[model]:
                summary.shifted[label] = remap.shift[model]

        many: list[tuple[models.Model, dict[str, Sequence[Any]]]] = []
        for model, rows in tables.items():
            for obj in serializers.deserialize("python", rows, ignorenonexistent=True):
                remap.row(obj.object)
                m2m = obj.m2m_data  # save() forgets it, even when told not to save it
                obj.save(save_m2m=False, force_insert=True)
                if m2m:
                    many.append((obj.object, m2m))
            summary.counts[model._meta.label_lower] = len(rows)
        for instance, m2m in many:
            for name, ids in m2m.items():
                target = instance._meta.get_field(name).related_model
                getattr(instance, name).set([remap.id(target, i) for i in ids])  # type: ignore[arg-type]

        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), [User, *tables]):
                cursor.execute(sql)
    return summary
