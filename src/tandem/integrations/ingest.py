"""Many KPI values at once: from the API, a file import or a scheduled pull.

A batch is checked whole before anything is written: one bad row rejects the batch,
and the error lists every bad row, so that a person fixing a file fixes it once. A
good batch is written in one transaction, and sending it again changes nothing.

The write path is the one of :func:`tandem.kpis.services.measurement_record` (the same
outcomes, revisions and audit events), done in bulk: a batch of ten thousand values
costs a bounded number of queries, not three per value.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from tandem.accounts.models import Organization, User
from tandem.audit.models import AuditEvent
from tandem.events import KPIValueChanging, watched
from tandem.kpis.models import KPI, Measurement, MeasurementRevision, Source
from tandem.kpis.selectors import org_today
from tandem.kpis.services import (
    AUDIT_SOURCE,
    key_result_refresh_from_kpi,
    kpi_refresh,
    stored_value,
    validate_period,
)
from tandem.okrs.models import Cycle, KeyResult, Objective

MAX_ROWS = 10_000
ROW_FIELDS = ("kpi", "period_start", "value", "note")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Up to this many distinct periods, existing values are read by their periods; past
# it, by the range of periods (SQLite caps the parameters of a statement).
_PERIODS_BY_NAME = 500
# What audit snapshots hold of a measurement, in this order.
_SNAPSHOT_FIELDS = (
    "id",
    "organization_id",
    "kpi_id",
    "period_start",
    "value",
    "source",
    "note",
    "recorded_by_id",
    "recorded_at",
    "version",
)


@dataclass
class IngestResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def total(self) -> int:
        return self.created + self.updated + self.unchanged


class IngestError(Exception):
    """A batch was refused; ``errors`` lists every bad row as
    ``{"index": i, "field": f, "message": m}`` (``index`` counts from 0; ``None`` for
    the batch as a whole)."""

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        self.errors = errors
        first = errors[0] if errors else {"index": None, "field": "", "message": ""}
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        super().__init__(f"row {first['index']}, {first['field']}: {first['message']}{more}")


@dataclass
class _Row:
    index: int
    kpi: KPI
    period_start: dt.date
    value: Decimal
    note: str
    kpi_id: int = 0

    def __post_init__(self) -> None:
        self.kpi_id = self.kpi.pk


@dataclass
class _Plan:
    rows: list[_Row] = field(default_factory=list)
    kpis: dict[int, KPI] = field(default_factory=dict)


def _parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        raise ValidationError(f"“{value}” is a time, not a date (YYYY-MM-DD).")
    if isinstance(value, dt.date):
        return value
    text = str(value).strip() if value is not None else ""
    if not text:
        raise ValidationError("Enter the first day of the period (YYYY-MM-DD).")
    if not _ISO_DATE.fullmatch(text):
        raise ValidationError(f"“{text}” is not a date written YYYY-MM-DD.")
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError(f"“{text}” is not a date in the calendar.") from None


def _message(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(str(m) for messages in error.message_dict.values() for m in messages)
    return " ".join(error.messages)


def _find_kpis(organization: Organization, rows: Sequence[Mapping[str, Any]]) -> dict[str, KPI]:
    """The organisation's KPIs the rows name, by key and by id (as text), in one query."""
    wanted = {str(r.get("kpi")).strip() for r in rows if isinstance(r, Mapping) and r.get("kpi")}
    # A NUL names no KPI, and PostgreSQL refuses it even in a query.
    wanted = {w for w in wanted if "\x00" not in w}
    # ASCII digits ("²" is a digit to isdigit() but not to int()), and few enough to be
    # a database id: a longer number names no KPI and would overflow the query.
    ids = {int(w) for w in wanted if w.isascii() and w.isdigit() and len(w) < 19}
    found: dict[str, KPI] = {}
    matches = KPI.objects.filter(organization=organization).filter(
        key__in=wanted
    ) | KPI.objects.filter(organization=organization, pk__in=ids)
    for kpi in matches:
        kpi.organization = organization  # periods read its calendar: spare a query per KPI
        found[f"#{kpi.pk}"] = kpi
        found[kpi.key] = kpi
    return found


def _lookup(found: dict[str, KPI], value: Any) -> KPI | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return found.get(f"#{value}")
    text = str(value).strip()
    # A key wins over an id: a KPI may well be keyed "2026".
    return found.get(text) or (found.get(f"#{text}") if text.isdigit() else None)


def _validate(
    organization: Organization, rows: Sequence[Mapping[str, Any]], today: dt.date
) -> _Plan:
    errors: list[dict[str, Any]] = []

    def bad(index: int | None, name: str, message: str) -> None:
        errors.append({"index": index, "field": name, "message": message})

    if len(rows) > MAX_ROWS:
        raise IngestError(
            [
                {
                    "index": None,
                    "field": "rows",
                    "message": f"{len(rows)} rows is too many: send at most {MAX_ROWS} at once.",
                }
            ]
        )
    found = _find_kpis(organization, rows)
    plan = _Plan()
    seen: dict[tuple[int, dt.date], int] = {}
    period_ok: dict[tuple[str, dt.date], bool] = {}
    for index, row in enumerate(rows):
        if not isinstance(row, Mapping):
            bad(index, "row", "Each row is an object with kpi, period_start and value.")
            continue
        unknown = sorted(str(k) for k in row if k not in ROW_FIELDS)
        for name in unknown:
            bad(index, name, f"“{name}” is not a field (use {', '.join(ROW_FIELDS)}).")
        raw_kpi = row.get("kpi")
        kpi = None
        if raw_kpi is None or (isinstance(raw_kpi, str) and not raw_kpi.strip()):
            bad(index, "kpi", "Name the KPI by its key or id.")
        else:
            kpi = _lookup(found, raw_kpi)
            if kpi is None:
                bad(index, "kpi", f"No KPI “{raw_kpi}” in {organization.name}.")
        period_start = None
        try:
            period_start = _parse_date(row.get("period_start"))
        except ValidationError as e:
            bad(index, "period_start", _message(e))
        value = None
        try:
            value = stored_value(row.get("value"))
        except ValidationError as e:
            bad(index, "value", _message(e))
        note = row.get("note") or ""
        if not isinstance(note, str):
            bad(index, "note", "A note is text.")
            note = ""
        elif "\x00" in note:
            bad(index, "note", "A note cannot hold a NUL character.")
            note = ""
        if kpi is None or period_start is None:
            continue
        # Whether a day starts a period depends on the frequency, not the KPI: a batch
        # of many KPIs over the same days checks each day once per frequency.
        known = period_ok.get((kpi.frequency, period_start))
        if known is None:
            try:
                validate_period(kpi, period_start, today=today)
                known = period_ok[(kpi.frequency, period_start)] = True
            except ValidationError as e:
                period_ok[(kpi.frequency, period_start)] = False
                bad(index, "period_start", _message(e))
                continue
        if not known:
            try:
                validate_period(kpi, period_start, today=today)
            except ValidationError as e:  # the message names this KPI
                bad(index, "period_start", _message(e))
            continue
        first = seen.setdefault((kpi.pk, period_start), index)
        if first != index:
            bad(
                index,
                "period_start",
                f"Row {first} already gives “{kpi}” a value for {period_start}.",
            )
            continue
        if value is not None and not unknown:
            plan.rows.append(_Row(index, kpi, period_start, value, note.strip()))
            plan.kpis[kpi.pk] = kpi
    if errors:
        raise IngestError(errors)
    return plan


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    assert field.column
    return field


def _insert(model: type[models.Model], fields: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Insert ``rows``, already checked and holding values the driver takes as they are
    (JSON columns as JSON text).

    The ORM's bulk_create spends most of a large batch preparing each value of each row
    in Python (twenty times the database's own time for ten thousand values). SQLite
    runs the driver's executemany fastest. PostgreSQL pays a round trip per row there,
    and psycopg parses a multi-row VALUES of ten thousand parameters slowly, so it gets
    one array per column, unnested into rows on the server.
    """
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [_field(model, name) for name in fields]
    names = ", ".join(quote(f.column) for f in columns)
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            marks = ", ".join(["%s"] * len(fields))
            cursor.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", rows)
            return
        types = [f.db_type(connection) or "text" for f in columns]
        arrays = ", ".join("%s::text[]" if kind == "jsonb" else f"%s::{kind}[]" for kind in types)
        picks = ", ".join(
            f"c{i}::jsonb" if kind == "jsonb" else f"c{i}" for i, kind in enumerate(types)
        )
        aliases = ", ".join(f"c{i}" for i in range(len(types)))
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {picks} FROM unnest({arrays}) AS t({aliases})",
            [list(column) for column in zip(*rows, strict=True)],
        )


def _changes(
    before: dict[str, Any] | None, after: dict[str, Any]
) -> tuple[dict[str, Any] | None, dict[str, Any]]:
    """What :func:`tandem.audit.services.audit_record` keeps of a before and an after."""
    if before is None:
        return None, after
    changed = {k for k in after if before.get(k) != after.get(k)}
    return (
        {k: v for k, v in before.items() if k in changed},
        {k: v for k, v in after.items() if k in changed},
    )


def _insert_audit_events(
    organization: Organization,
    by: User | None,
    source: str,
    now: dt.datetime,
    events: list[tuple[str, int, str, dict[str, Any] | None, dict[str, Any]]],
) -> None:
    """The events audit_record would write for measurements, written in bulk."""
    ops = connection.ops
    at = ops.adapt_datetimefield_value(now)
    target_type = Measurement._meta.model_name or ""
    rows = []
    for action, target_id, target_repr, before, after in events:
        before, after = _changes(before, after)
        rows.append(
            (
                organization.pk,
                by.pk if by else None,
                source,
                action,
                target_type,
                target_id,
                target_repr[:200],
                None if before is None else json.dumps(before),
                json.dumps(after),
                at,
            )
        )
    _insert(
        AuditEvent,
        [
            "organization",
            "actor",
            "source",
            "action",
            "target_type",
            "target_id",
            "target_repr",
            "before",
            "after",
            "at",
        ],
        rows,
    )


def _create_measurements(
    organization: Organization,
    by: User | None,
    source: str,
    now: dt.datetime,
    rows: list[_Row],
) -> list[tuple[str, int, str, dict[str, Any] | None, dict[str, Any]]]:
    """Insert a measurement per row; return their audit events (the snapshot of each new
    measurement, as :func:`tandem.audit.services.snapshot` would take it)."""
    if not rows:
        return []
    ops = connection.ops
    recorded_at = ops.adapt_datetimefield_value(now)
    by_id = by.pk if by else None
    _insert(
        Measurement,
        [
            "organization",
            "kpi",
            "period_start",
            "value",
            "source",
            "note",
            "recorded_by",
            "recorded_at",
            "version",
        ],
        [
            (
                organization.pk,
                r.kpi_id,
                ops.adapt_datefield_value(r.period_start),
                r.value,
                source,
                r.note,
                by_id,
                recorded_at,
                1,
            )
            for r in rows
        ],
    )
    # The driver's executemany returns no ids: read them back in one query, raw, since
    # the ORM's date converters cost more than the query itself.
    quote = connection.ops.quote_name
    kpi_ids = sorted({r.kpi_id for r in rows})
    periods = sorted({r.period_start for r in rows})
    # By the periods written, not their range: a backfill and this week's values
    # would otherwise read back every value in between.
    if len(periods) <= _PERIODS_BY_NAME:
        which = f"{quote('period_start')} IN ({', '.join(['%s'] * len(periods))})"
        period_params = [ops.adapt_datefield_value(p) for p in periods]
    else:
        which = f"{quote('period_start')} BETWEEN %s AND %s"
        period_params = [
            ops.adapt_datefield_value(periods[0]),
            ops.adapt_datefield_value(periods[-1]),
        ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote('id')}, {quote('kpi_id')}, {quote('period_start')} "
            f"FROM {quote(Measurement._meta.db_table)} "
            f"WHERE {quote('kpi_id')} IN ({', '.join(['%s'] * len(kpi_ids))}) AND {which}",
            [*kpi_ids, *period_params],
        )
        ids = {(kpi_id, str(period)): pk for pk, kpi_id, period in cursor.fetchall()}
    at = now.isoformat()
    events: list[tuple[str, int, str, dict[str, Any] | None, dict[str, Any]]] = []
    for r in rows:
        pk = ids[(r.kpi_id, r.period_start.isoformat())]
        after = {
            "id": pk,
            "organization_id": organization.pk,
            "kpi_id": r.kpi_id,
            "period_start": r.period_start.isoformat(),
            "value": str(r.value),
            "source": source,
            "note": r.note,
            "recorded_by_id": by_id,
            "recorded_at": at,
            "version": 1,
        }
        events.append(
            ("measurement.create", pk, f"{r.kpi} {r.period_start}: {r.value}", None, after)
        )
    return events


def measurements_validate(
    *,
    organization: Organization,
    rows: Sequence[Mapping[str, Any]],
    today: dt.date | None = None,
) -> None:
    """Check a batch as :func:`measurements_ingest` would, and write nothing: raise
    :class:`IngestError` listing every bad row."""
    _validate(organization, rows, today or org_today(organization))


def measurements_ingest(
    *,
    organization: Organization,
    rows: Sequence[Mapping[str, Any]],
    by: User | None,
    source: str = Source.API,
    today: dt.date | None = None,
) -> IngestResult:
    """Record many KPI values: each row is ``{"kpi": id or key, "period_start":
    "YYYY-MM-DD" or a date, "value": number, "note": optional text}``.

    Every row is checked first; any bad row raises :class:`IngestError` listing all of
    them, and nothing is written. Otherwise every value is recorded in one transaction,
    as :func:`~tandem.kpis.services.measurement_record` would, and each KPI touched is
    refreshed once. The same batch again changes nothing.
    """
    if source not in Source.values:
        raise IngestError(
            [
                {
                    "index": None,
                    "field": "source",
                    "message": f"“{source}” is not one of {', '.join(Source.values)}.",
                }
            ]
        )
    plan = _validate(organization, rows, today or org_today(organization))
    result = IngestResult()
    if not plan.rows:
        return result
    audit_source = AUDIT_SOURCE[Source(source)]
    now = timezone.now()
    with transaction.atomic():
        existing = _existing(plan)
        new: list[_Row] = []
        changed: list[tuple[_Row, tuple[Any, ...]]] = []
        touched: set[int] = set()
        for row in plan.rows:
            current = existing.get((row.kpi_id, row.period_start))
            if current is None:
                new.append(row)
                touched.add(row.kpi_id)
            elif current[4] == row.value and (not row.note or row.note == current[6]):
                result.unchanged += 1
            else:
                changed.append((row, current))
                touched.add(row.kpi_id)
        if not touched:
            return result
        events = _create_measurements(organization, by, source, now, new)
        events += _correct_measurements(organization, by, source, now, changed)
        _insert_audit_events(organization, by, audit_source, now, events)
        _refresh_kpis(organization, [plan.kpis[kpi_id] for kpi_id in sorted(touched)])
    result.created = len(new)
    result.updated = len(changed)
    return result


def _existing(plan: _Plan) -> dict[tuple[int, dt.date], tuple[Any, ...]]:
    """The stored measurements of the batch's KPIs and periods, locked, as tuples of
    :data:`_SNAPSHOT_FIELDS` (model instances cost more than the query)."""
    periods = sorted({r.period_start for r in plan.rows})
    rows = Measurement.objects.select_for_update().filter(kpi_id__in=list(plan.kpis))
    if len(periods) <= _PERIODS_BY_NAME:
        rows = rows.filter(period_start__in=periods)
    else:
        rows = rows.filter(period_start__gte=periods[0], period_start__lte=periods[-1])
    return {(m[2], m[3]): m for m in rows.order_by().values_list(*_SNAPSHOT_FIELDS)}


def _snapshot(values: tuple[Any, ...]) -> dict[str, Any]:
    """What :func:`tandem.audit.services.snapshot` takes of a measurement."""
    data = dict(zip(_SNAPSHOT_FIELDS, values, strict=True))
    data["period_start"] = data["period_start"].isoformat()
    data["value"] = str(data["value"])
    data["recorded_at"] = data["recorded_at"].isoformat()
    return data


def _correct_measurements(
    organization: Organization,
    by: User | None,
    source: str,
    now: dt.datetime,
    changed: list[tuple[_Row, tuple[Any, ...]]],
) -> list[tuple[str, int, str, dict[str, Any] | None, dict[str, Any]]]:
    """Keep each corrected value as a revision, write the new one; return the audit events
    (before and after, as :func:`~tandem.kpis.services.measurement_record` records them)."""
    if not changed:
        return []
    ops = connection.ops
    by_id = by.pk if by else None
    at = ops.adapt_datetimefield_value(now)
    revisions = []
    updates = []
    events: list[tuple[str, int, str, dict[str, Any] | None, dict[str, Any]]] = []
    for row, current in changed:
        pk, _, _, period, value, old_source, note, recorded_by_id, recorded_at, version = current
        revisions.append(
            (
                organization.pk,
                pk,
                value,
                old_source,
                note,
                recorded_by_id,
                ops.adapt_datetimefield_value(recorded_at),
                at,
            )
        )
        after = (*current[:4], row.value, source, row.note, by_id, now, version + 1)
        updates.append((row.value, source, row.note, by_id, at, version + 1, pk))
        events.append(
            (
                "measurement.correct",
                pk,
                f"{row.kpi} {period}: {row.value}",
                _snapshot(current),
                _snapshot(after),
            )
        )
    _insert(
        MeasurementRevision,
        [
            "organization",
            "measurement",
            "value",
            "source",
            "note",
            "recorded_by",
            "recorded_at",
            "replaced_at",
        ],
        revisions,
    )
    _update(
        Measurement,
        ["value", "source", "note", "recorded_by", "recorded_at", "version"],
        updates,
    )
    return events


def _update(model: type[models.Model], fields: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
    """Set ``fields`` of the rows whose id ends each tuple, in one statement (the ORM's
    bulk_update builds a CASE per field and row, which costs more than the writes)."""
    if not rows:
        return
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    columns = [_field(model, name) for name in fields]
    pk = _field(model, "id")
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            sets = ", ".join(f"{quote(f.column)} = %s" for f in columns)
            cursor.executemany(f"UPDATE {table} SET {sets} WHERE {quote(pk.column)} = %s", rows)
            return
        every = [*columns, pk]
        arrays = ", ".join(f"%s::{f.db_type(connection) or 'text'}[]" for f in every)
        aliases = ", ".join(f"c{i}" for i in range(len(every)))
        sets = ", ".join(f"{quote(f.column)} = u.c{i}" for i, f in enumerate(columns))
        cursor.execute(
            f"UPDATE {table} SET {sets} FROM unnest({arrays}) AS u({aliases}) "
            f"WHERE {table}.{quote(pk.column)} = u.c{len(columns)}",
            [list(column) for column in zip(*rows, strict=True)],
        )


def _refresh_kpis(organization: Organization, kpis: list[KPI]) -> None:
    """What :func:`~tandem.kpis.services.kpi_refresh` does for each KPI, in a few queries
    for all of them: their latest values, then their key results still in play.

    An organisation where someone watches KPI values change (a webhook for KPI health
    changes) gets ``kpi_refresh`` itself, KPI by KPI, which announces each change.
    """
    if watched(KPIValueChanging, organization.pk):
        for kpi in kpis:
            kpi_refresh(kpi=kpi)
        return
    newest = Measurement.objects.filter(kpi_id=OuterRef("pk")).order_by("-period_start")
    latest = {
        pk: (period, value)
        for pk, period, value in KPI.objects.filter(pk__in=[k.pk for k in kpis])
        .annotate(
            newest_period=Subquery(newest.values("period_start")[:1]),
            newest_value=Subquery(newest.values("value")[:1]),
        )
        .order_by()
        .values_list("pk", "newest_period", "newest_value")
    }
    ops = connection.ops
    updates = []
    for kpi in kpis:
        kpi.latest_period, kpi.latest_value = latest.get(kpi.pk, (None, None))
        updates.append(
            (
                ops.adapt_datefield_value(kpi.latest_period),
                kpi.latest_value,
                kpi.pk,
            )
        )
    _update(KPI, ["latest_period", "latest_value"], updates)
    by_id = {kpi.pk: kpi for kpi in kpis}
    backed = (
        KeyResult.objects.filter(kpi_id__in=list(by_id))
        .exclude(objective__cycle__state=Cycle.State.CLOSED)
        .exclude(objective__state__in=[Objective.State.CLOSED, Objective.State.DROPPED])
        .select_related("objective__cycle")
        .order_by("kpi_id", "pk")
    )
    for kr in backed:
        kr.kpi = by_id[kr.kpi_id]  # type: ignore[index]
        key_result_refresh_from_kpi(key_result=kr)
