"""Many KPI values at once: from the API, a file import or a scheduled pull.

A batch is checked whole before anything is written: one bad row rejects the batch,
and the error lists every bad row, so that a person fixing a file fixes it once. A
good batch is written in one transaction, and sending it again changes nothing.

A batch leaves the measurements and revisions that
:func:`tandem.kpis.services.measurement_record` would leave value by value, and one
audit event for the whole batch instead of one per value: a
:class:`~tandem.kpis.models.MeasurementBatch` records who sent it (person and API
token), through what and when, every value it wrote points to it, and a revision keeps
the batch of the value it replaced. A batch of ten thousand values costs the same few
queries as a batch of ten.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Context, Decimal
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from tandem.accounts.models import Organization, User
from tandem.audit.models import AuditEvent
from tandem.events import KPIValueChanging, watched
from tandem.kpis.models import KPI, Measurement, MeasurementBatch, MeasurementRevision, Source
from tandem.kpis.selectors import org_today
from tandem.kpis.services import (
    AUDIT_SOURCE,
    key_result_refresh_from_kpi,
    kpi_refresh,
    stored_value,
    validate_period,
)
from tandem.okrs.models import Cycle, KeyResult, Objective

if TYPE_CHECKING:
    from tandem.api.models import ApiToken

MAX_ROWS = 10_000
ROW_FIELDS = ("kpi", "period_start", "value", "note")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Up to this many distinct periods, existing values are read by their periods; past
# it, by the range of periods (SQLite caps the parameters of a statement).
_PERIODS_BY_NAME = 500
# What is read of a stored measurement, in this order: what a revision keeps of it.
_EXISTING_FIELDS = (
    "id",
    "value",
    "source",
    "note",
    "recorded_by_id",
    "recorded_at",
    "batch_id",
)


@dataclass
class IngestResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    # The batch written, if anything was: None when every value was already stored.
    batch: MeasurementBatch | None = None

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


def _insert(
    model: type[models.Model],
    fields: Sequence[str],
    rows: list[tuple[Any, ...]],
    *,
    conflict: str = "",
) -> None:
    """Insert ``rows``, already checked and holding values the driver takes as they are;
    ``conflict`` (an ``ON CONFLICT ...`` clause) turns the insert into an upsert.

    The ORM's bulk_create (with ``update_conflicts`` too) spends most of a large batch
    preparing each value of each row in Python (twenty times the database's own time for
    ten thousand values). SQLite runs the driver's executemany fastest. PostgreSQL pays
    a round trip per row there, and psycopg parses a multi-row VALUES of ten thousand
    parameters slowly, so it gets one array per column, unnested into rows on the server.
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
            cursor.executemany(
                f"INSERT INTO {table} ({names}) VALUES ({marks}) {conflict}".rstrip(), rows
            )
            return
        types = [f.db_type(connection) or "text" for f in columns]
        arrays = ", ".join(f"%s::{kind}[]" for kind in types)
        aliases = ", ".join(f"c{i}" for i in range(len(types)))
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT {aliases} "
            f"FROM unnest({arrays}) AS t({aliases}) {conflict}".rstrip(),
            [list(column) for column in zip(*rows, strict=True)],
        )


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
    token: ApiToken | None = None,
    today: dt.date | None = None,
) -> IngestResult:
    """Record many KPI values: each row is ``{"kpi": id or key, "period_start":
    "YYYY-MM-DD" or a date, "value": number, "note": optional text}``.

    Every row is checked first; any bad row raises :class:`IngestError` listing all of
    them, and nothing is written. Otherwise the values are written in one transaction as
    one :class:`~tandem.kpis.models.MeasurementBatch` (``by``, ``token``, ``source`` and
    the time): new values are created, changed ones corrected (the old value kept as a
    revision, with who had sent it and when), each measurement written points to the
    batch, one audit event ``measurement.batch`` names it, and each KPI touched is
    refreshed once. The same batch again changes nothing and records nothing.
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
            elif current[1] == row.value and (not row.note or row.note == current[3]):
                result.unchanged += 1
            else:
                changed.append((row, current))
                touched.add(row.kpi_id)
        if not touched:
            return result
        result.created = len(new)
        result.updated = len(changed)
        written = [*new, *(row for row, _ in changed)]
        batch = MeasurementBatch.objects.create(
            organization=organization,
            source=source,
            recorded_by=by,
            token=token,
            recorded_at=now,
            created=result.created,
            updated=result.updated,
            unchanged=result.unchanged,
            kpi_count=len(touched),
            first_period=min(r.period_start for r in written),
            last_period=max(r.period_start for r in written),
        )
        _keep_revisions(organization, now, changed)
        _upsert(organization, by, source, now, batch, written)
        _audit_batch(organization, by, token, batch, sorted(touched))
        result.batch = batch
        _refresh_kpis(organization, [plan.kpis[kpi_id] for kpi_id in sorted(touched)])
    return result


def _period_filter(periods: list[dt.date]) -> tuple[str, list[Any]]:
    """``period_start`` among ``periods``: by name up to :data:`_PERIODS_BY_NAME` of them
    (a backfill and this week's values would otherwise read every value in between),
    past it by their range (SQLite caps the parameters of a statement)."""
    ops = connection.ops
    column = ops.quote_name("period_start")
    if len(periods) <= _PERIODS_BY_NAME:
        marks = ", ".join(["%s"] * len(periods))
        return f"{column} IN ({marks})", [ops.adapt_datefield_value(p) for p in periods]
    return f"{column} BETWEEN %s AND %s", [
        ops.adapt_datefield_value(periods[0]),
        ops.adapt_datefield_value(periods[-1]),
    ]


def _existing(plan: _Plan) -> dict[tuple[int, dt.date], tuple[Any, ...]]:
    """The stored measurements of the batch's KPIs and periods, locked (on PostgreSQL),
    as tuples of :data:`_EXISTING_FIELDS`, by KPI and period.

    Read through the cursor: the ORM's converters of dates, times and decimals cost
    more than the query. The value is made a Decimal as the ORM would (to compare it);
    the other columns go back to the database as they came (into the revisions).
    """
    quote = connection.ops.quote_name
    kpi_ids = sorted(plan.kpis)
    which, period_params = _period_filter(sorted({r.period_start for r in plan.rows}))
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    columns = ", ".join(quote(_field(Measurement, name).column) for name in _EXISTING_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote('kpi_id')}, {quote('period_start')}, {columns} "
            f"FROM {quote(Measurement._meta.db_table)} "
            f"WHERE {quote('kpi_id')} IN ({', '.join(['%s'] * len(kpi_ids))}) AND {which}"
            f"{lock}",
            [*kpi_ids, *period_params],
        )
        fetched = cursor.fetchall()
    if connection.vendor == "postgresql":
        return {(kpi_id, period): tuple(rest) for kpi_id, period, *rest in fetched}
    # SQLite's driver reads dates and times through the converters Django registers,
    # but a decimal column as an int or a float.
    return {
        (kpi_id, period): (pk, _sqlite_decimal(value), *rest)
        for kpi_id, period, pk, value, *rest in fetched
    }


_FLOAT_CONTEXT = Context(prec=15)


def _sqlite_decimal(value: Any) -> Decimal:
    """A decimal column's value as SQLite returns it (an int, a float, or text), as the
    ORM's converter makes it."""
    if isinstance(value, float):
        return _FLOAT_CONTEXT.create_decimal_from_float(value)
    return Decimal(value)


def _keep_revisions(
    organization: Organization,
    now: dt.datetime,
    changed: list[tuple[_Row, tuple[Any, ...]]],
) -> None:
    """Keep each corrected value as a revision: the value, its source and note, who had
    sent it, when, and in which batch."""
    replaced_at = connection.ops.adapt_datetimefield_value(now)
    org_id = organization.pk
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
            "batch",
            "replaced_at",
        ],
        [(org_id, *current, replaced_at) for _, current in changed],
    )


def _upsert(
    organization: Organization,
    by: User | None,
    source: str,
    now: dt.datetime,
    batch: MeasurementBatch,
    rows: list[_Row],
) -> None:
    """Write the new and the corrected values in one statement: an insert that corrects
    the period's value where one is stored (``ON CONFLICT ... DO UPDATE``), raising its
    version."""
    ops = connection.ops
    quote = ops.quote_name
    recorded_at = ops.adapt_datetimefield_value(now)
    to_day = ops.adapt_datefield_value
    org_id, by_id, batch_id = organization.pk, by.pk if by else None, batch.pk
    table = quote(Measurement._meta.db_table)
    updated = ["value", "source", "note", "recorded_by_id", "recorded_at", "batch_id"]
    sets = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in updated)
    version = quote("version")
    conflict = (
        f"ON CONFLICT ({quote('kpi_id')}, {quote('period_start')}) DO UPDATE SET {sets}, "
        f"{version} = {table}.{version} + 1"
    )
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
            "batch",
        ],
        [
            (
                org_id,
                r.kpi_id,
                to_day(r.period_start),
                r.value,
                source,
                r.note,
                by_id,
                recorded_at,
                1,
                batch_id,
            )
            for r in rows
        ],
        conflict=conflict,
    )


def _audit_batch(
    organization: Organization,
    by: User | None,
    token: ApiToken | None,
    batch: MeasurementBatch,
    kpi_ids: list[int],
) -> None:
    """The batch's one audit event: who, with which token, through what, when, and what
    it wrote (how many values of each outcome, of which KPIs, over which periods)."""
    after = {
        "source": batch.source,
        "recorded_by_id": by.pk if by else None,
        "token_id": token.pk if token else None,
        "token": token.name if token else "",
        "recorded_at": batch.recorded_at.isoformat(),
        "created": batch.created,
        "updated": batch.updated,
        "unchanged": batch.unchanged,
        "first_period": batch.first_period.isoformat() if batch.first_period else None,
        "last_period": batch.last_period.isoformat() if batch.last_period else None,
        "kpis": kpi_ids,
    }
    AuditEvent.objects.create(
        organization=organization,
        actor=by,
        source=AUDIT_SOURCE[Source(batch.source)],
        action="measurement.batch",
        target_type=MeasurementBatch._meta.model_name or "",
        target_id=batch.pk,
        target_repr=str(batch)[:200],
        before=None,
        after=after,
    )


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
