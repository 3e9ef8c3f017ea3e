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
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Context, Decimal
from typing import TYPE_CHECKING, Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

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


# A checked row, as written: (KPI id, period start, value, note). A tuple, not an
# object: a batch has up to ten thousand of them.
_Row = tuple[int, dt.date, Decimal, str]


@dataclass
class _Plan:
    rows: list[_Row] = field(default_factory=list)
    kpis: dict[int, KPI] = field(default_factory=dict)


def _parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        raise ValidationError(
            _("“%(value)s” is a time, not a date (YYYY-MM-DD).") % {"value": value}
        )
    if isinstance(value, dt.date):
        return value
    text = str(value).strip() if value is not None else ""
    if not text:
        raise ValidationError(_("Enter the first day of the period (YYYY-MM-DD)."))
    if not _ISO_DATE.fullmatch(text):
        raise ValidationError(_("“%(value)s” is not a date written YYYY-MM-DD.") % {"value": text})
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ValidationError(
            _("“%(value)s” is not a date in the calendar.") % {"value": text}
        ) from None


def _message(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(str(m) for messages in error.message_dict.values() for m in messages)
    return " ".join(error.messages)


# What a batch reads of its KPIs: what checks a row and names the KPI in a message.
_KPI_FIELDS = ("id", "key", "name", "frequency", "organization")


def _find_kpis(organization: Organization, rows: Sequence[Mapping[str, Any]]) -> dict[str, KPI]:
    """The organisation's KPIs the rows name, by key and by id (as text), in one query."""
    # A batch names each KPI many times: tidy each distinct name once.
    names = set()
    for row in rows:
        if isinstance(row, Mapping) and (name := row.get("kpi")):
            names.add(name if type(name) is str else str(name))
    # A NUL names no KPI, and PostgreSQL refuses it even in a query; nor does half of a
    # character (an unpaired surrogate, which JSON can send), which no driver can send.
    wanted = {w for w in (n.strip() for n in names) if w and "\x00" not in w and _is_text(w)}
    # ASCII digits ("²" is a digit to isdigit() but not to int()), and few enough to be
    # a database id: a longer number names no KPI and would overflow the query.
    ids = {int(w) for w in wanted if w.isascii() and w.isdigit() and len(w) < 19}
    found: dict[str, KPI] = {}
    matches = (
        KPI.objects.filter(organization=organization).filter(key__in=wanted)
        | KPI.objects.filter(organization=organization, pk__in=ids)
    ).only(*_KPI_FIELDS)
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


_FIELDS = frozenset(ROW_FIELDS)
_UNSEEN: Any = object()
T = TypeVar("T")


def _validate(
    organization: Organization, rows: Sequence[Mapping[str, Any]], today: dt.date
) -> _Plan:
    """Check every row, and return the good ones, or raise :class:`IngestError` listing
    every bad one.

    A batch names few KPIs and days many times over, and often repeats a value: each
    distinct text is looked up, parsed and checked once per batch (``by_kpi``, ``by_day``,
    ``by_value``), and whether a day starts a period once per frequency.
    """
    errors: list[dict[str, Any]] = []

    def bad(index: int | None, name: str, message: str) -> None:
        errors.append({"index": index, "field": name, "message": message})

    if len(rows) > MAX_ROWS:
        raise IngestError(
            [
                {
                    "index": None,
                    "field": "rows",
                    "message": _("%(count)s rows is too many: send at most %(most)s at once.")
                    % {"count": len(rows), "most": MAX_ROWS},
                }
            ]
        )
    found = _find_kpis(organization, rows)
    plan = _Plan()
    good, kpis = plan.rows, plan.kpis
    seen: dict[tuple[int, dt.date], int] = {}
    by_kpi: dict[str, KPI | None] = {}
    by_day: dict[str, dt.date | str] = {}  # the date, or why the text is none
    by_value: dict[str, Decimal | str] = {}  # the value as stored, or why the text is none
    period_error: dict[tuple[str, dt.date], str] = {}  # "" when the day starts a period
    for index, row in enumerate(rows):
        if type(row) is not dict and not isinstance(row, Mapping):
            bad(index, "row", _("Each row is an object with kpi, period_start and value."))
            continue
        known_fields = row.keys() <= _FIELDS
        if not known_fields:
            for name in sorted(str(k) for k in row if k not in _FIELDS):
                bad(
                    index,
                    name,
                    _("“%(name)s” is not a field (use %(fields)s).")
                    % {"name": name, "fields": ", ".join(ROW_FIELDS)},
                )

        raw_kpi = row.get("kpi")
        if type(raw_kpi) is str:
            kpi = by_kpi.get(raw_kpi, _UNSEEN)
            if kpi is _UNSEEN:
                kpi = by_kpi[raw_kpi] = _lookup(found, raw_kpi) if raw_kpi.strip() else None
        else:
            kpi = None if raw_kpi is None else _lookup(found, raw_kpi)
        if kpi is None:
            if raw_kpi is None or (isinstance(raw_kpi, str) and not raw_kpi.strip()):
                bad(index, "kpi", _("Name the KPI by its key or id."))
            else:
                bad(
                    index,
                    "kpi",
                    _("No KPI “%(kpi)s” in %(organization)s.")
                    % {"kpi": raw_kpi, "organization": organization.name},
                )

        day = _once(by_day, row.get("period_start"), _day_or_why)
        if isinstance(day, str):
            bad(index, "period_start", day)

        value = _once(by_value, row.get("value"), _value_or_why)
        if isinstance(value, str):
            bad(index, "value", value)

        note = row.get("note") or ""
        if note:
            if not isinstance(note, str):
                bad(index, "note", _("A note is text."))
                note = ""
            elif "\x00" in note:
                bad(index, "note", _("A note cannot hold a NUL character."))
                note = ""
            elif not _is_text(note):
                bad(
                    index,
                    "note",
                    _("A note cannot hold half of a character (an unpaired surrogate)."),
                )
                note = ""
            else:
                note = note.strip()

        if kpi is None or isinstance(day, str):
            continue
        # Whether a day starts a period depends on the frequency, not the KPI.
        why = period_error.get((kpi.frequency, day))
        if why is None:
            why = period_error[(kpi.frequency, day)] = _period_error(kpi, day, today)
        if why:
            # Said again for this KPI: the message names it.
            bad(index, "period_start", _period_error(kpi, day, today))
            continue
        kpi_id = kpi.id
        first = seen.setdefault((kpi_id, day), index)
        if first != index:
            bad(
                index,
                "period_start",
                _("Row %(row)s already gives “%(kpi)s” a value for %(date)s.")
                % {"row": first, "kpi": kpi, "date": day},
            )
            continue
        if known_fields and isinstance(value, Decimal):
            good.append((kpi_id, day, value, note))
            kpis[kpi_id] = kpi
    if errors:
        raise IngestError(errors)
    return plan


def _is_text(text: str) -> bool:
    """Whether ``text`` can be written as UTF-8: JSON can send half of a character."""
    if text.isascii():
        return True
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True


def _once(parsed: dict[str, T], raw: Any, parse: Callable[[Any], T]) -> T:
    """``parse(raw)``, kept in ``parsed`` when ``raw`` is text: a batch repeats the same
    days and values row after row."""
    if type(raw) is not str:
        return parse(raw)
    found = parsed.get(raw)
    if found is None:
        found = parsed[raw] = parse(raw)
    return found


def _day_or_why(value: Any) -> dt.date | str:
    try:
        return _parse_date(value)
    except ValidationError as e:
        return _message(e)


def _value_or_why(value: Any) -> Decimal | str:
    try:
        return stored_value(value)
    except ValidationError as e:
        return _message(e)


def _period_error(kpi: KPI, day: dt.date, today: dt.date) -> str:
    """Why ``day`` cannot take a value of ``kpi``, or "" when it can."""
    try:
        validate_period(kpi, day, today=today)
    except ValidationError as e:
        return _message(e)
    return ""


def _field(model: type[models.Model], name: str) -> models.Field[Any, Any]:
    field = model._meta.get_field(name)
    assert isinstance(field, models.Field)
    assert field.column
    return field


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
                    "message": _("“%(value)s” is not one of %(values)s.")
                    % {"value": source, "values": ", ".join(Source.values)},
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
        changed: list[_Row] = []
        replaced: list[int] = []  # the ids of the measurements corrected
        touched: set[int] = set()
        for row in plan.rows:
            current = existing.get((row[0], row[1]))
            if current is None:
                new.append(row)
                touched.add(row[0])
            elif current[1] == row[2] and (not row[3] or row[3] == current[2]):
                result.unchanged += 1
            else:
                changed.append(row)
                replaced.append(current[0])
                touched.add(row[0])
        if not touched:
            return result
        result.created = len(new)
        result.updated = len(changed)
        written = new + changed
        days = {row[1] for row in written}
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
            first_period=min(days),
            last_period=max(days),
        )
        _keep_revisions(organization, now, replaced)
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


def _existing(plan: _Plan) -> dict[tuple[int, dt.date], tuple[int, Decimal, str]]:
    """The stored measurements of the batch's KPIs and periods, locked (on PostgreSQL),
    as (id, value, note) by KPI and period: what tells a correction from a value sent
    again.

    Read through the cursor: the ORM's converters of dates, times and decimals cost
    more than the query. The value is made a Decimal as the ORM would (to compare it).
    """
    ops = connection.ops
    quote = ops.quote_name
    kpi_ids = sorted(plan.kpis)
    periods = sorted({r[1] for r in plan.rows})
    which, period_params = _period_filter(periods)
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sqlite = connection.vendor != "postgresql"
    # SQLite's driver would parse each date read: the batch's own dates by their text
    # cost a dictionary lookup instead.
    period = f"CAST({quote('period_start')} AS TEXT)" if sqlite else quote("period_start")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {quote('kpi_id')}, {period}, {quote('id')}, {quote('value')}, "
            f"{quote('note')} FROM {quote(Measurement._meta.db_table)} "
            f"WHERE {quote('kpi_id')} IN ({', '.join(['%s'] * len(kpi_ids))}) AND {which}"
            f"{lock}",
            [*kpi_ids, *period_params],
        )
        fetched = cursor.fetchall()
    if not sqlite:
        return {(kpi_id, day): (pk, value, note) for kpi_id, day, pk, value, note in fetched}
    # A range of periods reads days the batch does not name: they are left out.
    days = {ops.adapt_datefield_value(p): p for p in periods}
    # SQLite's driver reads a decimal column as an int or a float.
    return {
        (kpi_id, days[day]): (pk, _sqlite_decimal(value), note)
        for kpi_id, day, pk, value, note in fetched
        if day in days
    }


_FLOAT_CONTEXT = Context(prec=15)


def _sqlite_decimal(value: Any) -> Decimal:
    """A decimal column's value as SQLite returns it (an int, a float, or text), as the
    ORM's converter makes it."""
    if isinstance(value, float):
        return _FLOAT_CONTEXT.create_decimal_from_float(value)
    return Decimal(value)


def _among(ids: list[int]) -> tuple[str, Any]:
    """A condition that a column's value is among ``ids`` and its one parameter, however
    many ids there are (SQLite caps the parameters of a statement): a JSON array on
    SQLite, an array on PostgreSQL."""
    if connection.vendor == "postgresql":
        return "= ANY(%s)", ids
    return "IN (SELECT value FROM json_each(%s))", json.dumps(ids)


def _keep_revisions(organization: Organization, now: dt.datetime, replaced: list[int]) -> None:
    """Keep each corrected value as a revision: the value, its source and note, who had
    sent it, when, and in which batch.

    Copied inside the database in one statement, before the upsert overwrites them:
    the old values need not travel to Python and back.
    """
    if not replaced:
        return
    quote = connection.ops.quote_name
    kept = [
        "organization",
        "measurement",
        "value",
        "source",
        "note",
        "recorded_by",
        "recorded_at",
        "batch",
        "replaced_at",
    ]
    copied = ["value", "source", "note", "recorded_by", "recorded_at", "batch"]
    ids, param = _among(replaced)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {quote(MeasurementRevision._meta.db_table)} "
            f"({', '.join(quote(_field(MeasurementRevision, f).column) for f in kept)}) "
            f"SELECT %s, {quote('id')}, "
            f"{', '.join(quote(_field(Measurement, f).column) for f in copied)}, %s "
            f"FROM {quote(Measurement._meta.db_table)} WHERE {quote('id')} {ids}",
            [organization.pk, connection.ops.adapt_datetimefield_value(now), param],
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
    version.

    The rows travel as one parameter per column that varies (KPI, period, value, note),
    unpacked into rows by the database: a JSON array through ``json_each`` on SQLite,
    arrays through ``unnest`` on PostgreSQL; what every row shares (organisation,
    source, sender, time, batch) is a parameter of its own. The ORM's bulk_create
    prepares each value of each row in Python (twenty times the database's own time for
    ten thousand values); the driver's executemany binds each row's ten parameters and
    steps the statement once per row, more than twice the time SQLite takes to unpack
    the same rows from one text; PostgreSQL would pay a round trip per row.
    """
    ops = connection.ops
    quote = ops.quote_name
    table = quote(Measurement._meta.db_table)
    updated = ["value", "source", "note", "recorded_by_id", "recorded_at", "batch_id"]
    sets = ", ".join(f"{quote(c)} = excluded.{quote(c)}" for c in updated)
    version = quote("version")
    conflict = (
        f"ON CONFLICT ({quote('kpi_id')}, {quote('period_start')}) DO UPDATE SET {sets}, "
        f"{version} = {table}.{version} + 1"
    )
    fields = [
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
    ]
    names = ", ".join(quote(_field(Measurement, f).column) for f in fields)
    shared: list[Any] = [
        organization.pk,
        source,
        by.pk if by else None,
        ops.adapt_datetimefield_value(now),
        batch.pk,
    ]
    if connection.vendor == "postgresql":

        def kind(name: str) -> str:
            return _field(Measurement, name).db_type(connection) or "text"

        varying = ["kpi", "period_start", "value", "note"]
        arrays = ", ".join(f"%s::{kind(f)}[]" for f in varying)
        select = (
            f"SELECT %s::{kind('organization')}, c0, c1, c2, %s::{kind('source')}, c3, "
            f"%s::{kind('recorded_by')}, %s::{kind('recorded_at')}, 1, %s::{kind('batch')} "
            f"FROM unnest({arrays}) AS t(c0, c1, c2, c3)"
        )
        params = [*shared, *(list(column) for column in zip(*rows, strict=True))]
    else:
        day_of = {day: ops.adapt_datefield_value(day) for day in {row[1] for row in rows}}
        packed = json.dumps(
            [(kpi_id, day_of[day], str(value), note) for kpi_id, day, value, note in rows]
        )

        def item(i: int) -> str:
            return f"json_extract(j.value, '$[{i}]')"

        # "WHERE true" tells SQLite that ON CONFLICT is the upsert's, not a join's.
        select = (
            f"SELECT %s, {item(0)}, {item(1)}, {item(2)}, %s, {item(3)}, %s, %s, 1, %s "
            "FROM json_each(%s) AS j WHERE true"
        )
        params = [*shared, packed]
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({names}) {select} {conflict}", params)


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


def _refresh_kpis(organization: Organization, kpis: list[KPI]) -> None:
    """What :func:`~tandem.kpis.services.kpi_refresh` does for each KPI, in a few queries
    for all of them: their latest values, then their key results still in play.

    An organisation where someone watches KPI values change (a webhook for KPI health
    changes) gets ``kpi_refresh`` itself, KPI by KPI, which announces each change.
    """
    if watched(KPIValueChanging, organization.pk):
        # Those who watch are told the whole KPI: read it whole (the batch read a part).
        for kpi in KPI.objects.filter(pk__in=[k.pk for k in kpis]).order_by("pk"):
            kpi.organization = organization
            kpi_refresh(kpi=kpi)
        return
    # Each KPI's newest value, copied inside the database in one statement.
    quote = connection.ops.quote_name
    kpi_table, measurement = quote(KPI._meta.db_table), quote(Measurement._meta.db_table)
    which, param = _among([k.pk for k in kpis])

    def newest(column: str) -> str:
        return (
            f"(SELECT m.{quote(column)} FROM {measurement} m "
            f"WHERE m.{quote('kpi_id')} = {kpi_table}.{quote('id')} "
            f"ORDER BY m.{quote('period_start')} DESC LIMIT 1)"
        )

    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {kpi_table} SET {quote('latest_period')} = {newest('period_start')}, "
            f"{quote('latest_value')} = {newest('value')} WHERE {quote('id')} {which}",
            [param],
        )
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
