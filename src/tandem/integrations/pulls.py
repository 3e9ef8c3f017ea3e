"""Pull a KPI's values from where they already live: a database, a JSON or a CSV document.

A pull reads (period, value) pairs from its :class:`~tandem.integrations.models.DataSource`,
files each pair under the KPI's period that holds its date (several pairs in one period
are rolled up with the KPI's aggregation, in date order), and records them through
:func:`tandem.integrations.ingest.measurements_ingest`: checked whole, written all or
nothing, audited with the source "pull". A second pull of the same data changes nothing.

Whatever goes wrong (the server answers 500, the JSON has no such path, a value is text,
the query is not a SELECT) is a :class:`PullError` with one sentence, recorded on the
source as its last error; nothing is written.

Paths into JSON (``rows_path``, ``value_path``, ``period_path``) are names separated by
dots with list indexes in brackets, negative from the end: ``data.items[-1].value``,
``[0].total``. Without ``rows_path`` the value (and the period, if ``period_path`` is
set; otherwise today) is read once from the whole document; with it, ``rows_path``
names a list and the other two paths are read in each of its items.

This module also holds the writes to data sources (create, update, delete), audited with
their secrets masked.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
import sqlite3
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

import dj_database_url
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tandem.accounts.languages import language_of
from tandem.accounts.models import Organization, User
from tandem.audit.models import Source as AuditSource
from tandem.audit.services import audit_record, snapshot
from tandem.domain import health as hm
from tandem.domain import periods as pm
from tandem.formatting import for_reader
from tandem.integrations import outbound
from tandem.integrations.ingest import IngestError, IngestResult, measurements_ingest
from tandem.integrations.models import SECRET_MASK, DataSource, OutboundAllowance, redacted_url
from tandem.kpis.models import KPI, Source
from tandem.kpis.selectors import calendar
from tandem.validation import decimal_field

MAX_ROWS = 10_000
HTTP_TIMEOUT = 20.0
SQL_TIMEOUT_SECONDS = 30
MAX_BYTES = 10 * 1024 * 1024
PREVIEW_ROWS = 10
MIN_INTERVAL_MINUTES = 5
# SQLite files a source may read live here, so that an organisation's admin cannot
# point a source at Tandem's own database or at another organisation's file.
SQLITE_FOLDER = "sources"


class PullError(Exception):
    """A pull failed; the message says why in one sentence."""


@dataclass
class Preview:
    """What a pull would record, without recording it."""

    pairs: list[tuple[dt.date, Decimal]] = field(default_factory=list)
    read: int = 0
    error: str = ""

    @property
    def first(self) -> list[tuple[dt.date, Decimal]]:
        return self.pairs[-PREVIEW_ROWS:][::-1]


# A raw pair as read: where it came from ("row 3"), its period and its value.
RawPair = tuple[str, Any, Any]


# -- JSON paths ---------------------------------------------------------------------------

_STEP = re.compile(r"\[(-?\d+)\]|([^.\[\]]+)")


def _steps(path: str) -> list[str | int]:
    """``data.items[-1].value`` as ``["data", "items", -1, "value"]``."""
    text = path.strip()
    steps: list[str | int] = []
    position = 0
    while position < len(text):
        if text[position] == "." and steps:
            position += 1
        match = _STEP.match(text, position)
        if match is None:
            raise PullError(
                _("“%(path)s” is not a path: write names and [indexes], e.g. %(example)s.")
                % {"path": path, "example": "data.items[-1].value"}
            )
        index, name = match.groups()
        steps.append(int(index) if index is not None else name)
        position = match.end()
    return steps


def _walk(document: Any, path: str, where: str = "") -> Any:
    current = document
    walked = ""
    for step in _steps(path):
        walked = f"{walked}[{step}]" if isinstance(step, int) else f"{walked}.{step}".lstrip(".")
        if isinstance(step, int):
            if not isinstance(current, list):
                text = (
                    _("In %(where)s, %(path)s is not a list, so [%(step)s] finds nothing.")
                    if where
                    else _("In the document, %(path)s is not a list, so [%(step)s] finds nothing.")
                )
                raise PullError(text % {"where": where, "path": walked, "step": step})
            if not -len(current) <= step < len(current):
                text = (
                    ngettext(
                        "In %(where)s, %(path)s is past the end: the list has %(count)s item.",
                        "In %(where)s, %(path)s is past the end: the list has %(count)s items.",
                        len(current),
                    )
                    if where
                    else ngettext(
                        "In the document, %(path)s is past the end: the list has %(count)s item.",
                        "In the document, %(path)s is past the end: the list has %(count)s items.",
                        len(current),
                    )
                )
                raise PullError(text % {"where": where, "path": walked, "count": len(current)})
            current = current[step]
        else:
            if not isinstance(current, dict):
                text = (
                    _("In %(where)s, there is no “%(step)s” at %(path)s: not an object.")
                    if where
                    else _("In the document, there is no “%(step)s” at %(path)s: not an object.")
                )
                raise PullError(text % {"where": where, "path": walked, "step": step})
            if step not in current:
                keys = ", ".join(sorted(map(str, current))[:10]) or _("none")
                text = (
                    _("In %(where)s, there is no “%(step)s” at %(path)s (its keys: %(keys)s).")
                    if where
                    else _(
                        "In the document, there is no “%(step)s” at %(path)s (its keys: %(keys)s)."
                    )
                )
                raise PullError(text % {"where": where, "path": walked, "step": step, "keys": keys})
            current = current[step]
    return current


# -- reading each kind --------------------------------------------------------------------


def _allowed_hosts(organization: Organization) -> list[str]:
    return list(
        OutboundAllowance.objects.filter(organization=organization).values_list("host", flat=True)
    )


def _http_get(source: DataSource) -> bytes:
    headers = {"Accept": "application/json, text/csv;q=0.9, */*;q=0.1"}
    if source.header_name:
        headers[source.header_name] = source.header_value
    try:
        response = outbound.fetch(
            source.url,
            headers=headers,
            allowed_hosts=_allowed_hosts(source.organization),
            timeout=HTTP_TIMEOUT,
            max_bytes=MAX_BYTES,
        )
    except ValidationError as e:
        raise PullError(" ".join(e.messages)) from None
    if response.is_redirect:
        raise PullError(
            _(
                "The server answered HTTP %(status)s, a redirect to %(location)s; Tandem "
                "follows no redirect: enter the final address."
            )
            % {
                "status": response.status_code,
                "location": redacted_url(response.headers.get("location", "?")),
            }
        )
    if not response.is_success:
        raise PullError(
            _("The server answered HTTP %(status)s (%(reason)s).")
            % {"status": response.status_code, "reason": response.reason_phrase}
        )
    return response.content


def _json_pairs(source: DataSource) -> list[RawPair]:
    import json

    body = _http_get(source)
    try:
        document = json.loads(body)
    except (UnicodeDecodeError, ValueError) as e:
        raise PullError(_("The answer is not JSON: %(error)s.") % {"error": e}) from None
    if not source.rows_path:
        value = _walk(document, source.value_path)
        period = _walk(document, source.period_path) if source.period_path else None
        return [(_("the document"), period, value)]
    items = _walk(document, source.rows_path)
    if not isinstance(items, list):
        raise PullError(
            _("%(path)s is not a list: it names one %(type)s.")
            % {"path": source.rows_path, "type": type(items).__name__}
        )
    pairs = []
    for index, item in enumerate(items):
        where = f"{source.rows_path}[{index}]"
        value = _walk(item, source.value_path, where)
        period = _walk(item, source.period_path, where) if source.period_path else None
        pairs.append((where, period, value))
    return pairs


def _csv_pairs(source: DataSource) -> list[RawPair]:
    body = _http_get(source)
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise PullError(_("The CSV is not UTF-8 text.")) from None
    try:
        dialect: Any = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        raise PullError(_("The CSV is empty.")) from None
    except csv.Error as e:
        raise PullError(_("The CSV cannot be read: %(error)s.") % {"error": e}) from None
    columns = {name.lower(): i for i, name in enumerate(header)}
    wanted = []
    for name in (source.period_column, source.value_column):
        if name.strip().lower() not in columns:
            raise PullError(
                _("The CSV has no column “%(name)s” (its columns: %(columns)s).")
                % {"name": name, "columns": ", ".join(header) or _("none")}
            )
        wanted.append(columns[name.strip().lower()])
    pairs: list[RawPair] = []
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(c.strip() for c in cells):
                continue
            got = [cells[i] if i < len(cells) else "" for i in wanted]
            pairs.append((_("row %(number)s") % {"number": number}, got[0], got[1]))
            if len(pairs) > MAX_ROWS:
                raise PullError(
                    _("The CSV has more than %(count)s rows.")
                    % {"count": for_reader(f"{MAX_ROWS:,}")}
                )
    except csv.Error as e:
        raise PullError(_("The CSV cannot be read: %(error)s.") % {"error": e}) from None
    return pairs


_WRITES = re.compile(
    r"\b(insert|update|delete|drop|alter|create|attach|detach|pragma|vacuum|truncate|"
    r"grant|revoke|reindex|replace\s+into)\b",
    re.IGNORECASE,
)
_LITERALS = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|--[^\n]*|/\*.*?\*/", re.DOTALL)


def check_select(query: str) -> None:
    """Refuse anything but one SELECT (or WITH ... SELECT) statement.

    A first line of defence with a clear message; the connection itself is read-only.
    """
    bare = _LITERALS.sub(" ", query).strip().rstrip(";").strip()
    if not bare:
        raise PullError(_("Enter a query: one SELECT giving (period, value) rows."))
    if ";" in bare:
        raise PullError(_("Enter one statement only: a single SELECT."))
    first = bare.split(None, 1)[0].lower()
    if first not in {"select", "with"}:
        raise PullError(
            _("Only a SELECT (or WITH ... SELECT) is run, not %(statement)s.")
            % {"statement": first.upper()}
        )
    write = _WRITES.search(bare)
    if write:
        raise PullError(
            _("The query may only read: %(statement)s is refused.")
            % {"statement": write.group(1).upper()}
        )


def sqlite_folder() -> Path:
    return Path(settings.DATA_DIR) / SQLITE_FOLDER


def _sqlite_rows(name: str, query: str) -> Sequence[Sequence[Any]]:
    folder = sqlite_folder().resolve()
    path = Path(name).expanduser()
    path = (folder / path if not path.is_absolute() else path).resolve()
    if not path.is_relative_to(folder):
        raise PullError(
            _(
                "SQLite files a pull reads must be in %(folder)s; %(path)s is not. Ask the "
                "operator to put (or link) the file there."
            )
            % {"folder": folder, "path": path}
        )
    if not path.is_file():
        raise PullError(_("There is no SQLite file at %(path)s.") % {"path": path})
    try:
        connection = sqlite3.connect(f"{path.as_uri()}?mode=ro", uri=True, timeout=5)
    except sqlite3.Error as e:
        raise PullError(
            _("SQLite cannot open %(name)s: %(error)s.") % {"name": path.name, "error": e}
        ) from None
    try:
        connection.execute("PRAGMA query_only = ON")
        allowed = {sqlite3.SQLITE_SELECT, sqlite3.SQLITE_READ, sqlite3.SQLITE_FUNCTION}
        allowed.add(getattr(sqlite3, "SQLITE_RECURSIVE", 33))

        def authorize(action: int, *args: Any) -> int:
            return sqlite3.SQLITE_OK if action in allowed else sqlite3.SQLITE_DENY

        connection.set_authorizer(authorize)
        deadline = time.monotonic() + SQL_TIMEOUT_SECONDS
        connection.set_progress_handler(lambda: int(time.monotonic() > deadline), 10_000)
        cursor = connection.execute(query)
        rows = cursor.fetchmany(MAX_ROWS + 1)
        width = len(cursor.description or ())
    except sqlite3.Error as e:
        if str(e) == "interrupted":
            raise PullError(
                _("The query ran longer than %(count)s seconds.") % {"count": SQL_TIMEOUT_SECONDS}
            ) from None
        if "not authorized" in str(e):
            raise PullError(
                _("The query may only read: SQLite refused it (not authorized).")
            ) from None
        raise PullError(_("The database refused the query: %(error)s.") % {"error": e}) from None
    finally:
        connection.close()
    return _checked_width(rows, width)


def _checked_width(rows: Sequence[Sequence[Any]], width: int) -> Sequence[Sequence[Any]]:
    if width < 2:
        raise PullError(_("The query must give two columns: the period, then the value."))
    if len(rows) > MAX_ROWS:
        raise PullError(
            _("The query gives more than %(count)s rows; select fewer (a WHERE on the period).")
            % {"count": for_reader(f"{MAX_ROWS:,}")}
        )
    return rows


def _postgres_rows(
    config: dict[str, Any], query: str, organization: Organization
) -> Sequence[Sequence[Any]]:
    import psycopg

    host = str(config.get("HOST") or "")
    port = int(config.get("PORT") or 5432)
    if not host or host.startswith("/"):
        raise PullError(
            _("Give the database's host name in the URL: %(example)s.")
            % {"example": "postgres://user:password@host/db"}
        )
    own = settings.DATABASES["default"]
    if (
        own["ENGINE"] == "django.db.backends.postgresql"
        and str(own.get("HOST") or "") == host
        and int(own.get("PORT") or 5432) == port
        and own.get("NAME") == config.get("NAME")
    ):
        raise PullError(_("A pull may not read Tandem's own database."))
    try:
        outbound.check_url(f"http://{host}:{port}/", allowed_hosts=_allowed_hosts(organization))
    except ValidationError as e:
        raise PullError(" ".join(e.messages)) from None
    options = dict(config.get("OPTIONS") or {})
    try:
        with psycopg.connect(
            host=host,
            port=port,
            dbname=config.get("NAME") or "",
            user=config.get("USER") or None,
            password=config.get("PASSWORD") or None,
            connect_timeout=10,
            options=(
                "-c default_transaction_read_only=on "
                f"-c statement_timeout={SQL_TIMEOUT_SECONDS * 1000}"
            ),
            sslmode=options.get("sslmode", "prefer"),
            autocommit=False,
        ) as connection:
            connection.read_only = True
            with connection.cursor() as cursor:
                cursor.execute(query.encode())  # the admin's own text, not a template
                rows = cursor.fetchmany(MAX_ROWS + 1)
                width = len(cursor.description or ())
            connection.rollback()
    except psycopg.Error as e:
        diag = getattr(e, "diag", None)
        message = (diag.message_primary if diag is not None else None) or str(e).strip()
        raise PullError(
            _("The database refused the query: %(error)s.") % {"error": redacted_url(message)}
        ) from None
    return _checked_width(rows, width)


def _sql_pairs(source: DataSource) -> list[RawPair]:
    check_select(source.query)
    try:
        config = dict(dj_database_url.parse(source.url))
    except (ValueError, KeyError):
        raise PullError(
            _("“%(url)s” is not a database URL: use %(sqlite)s or %(postgres)s.")
            % {
                "url": source.shown_url,
                "sqlite": "sqlite:///file.sqlite3",
                "postgres": "postgres://user:password@host:5432/name",
            }
        ) from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        rows = _sqlite_rows(str(config["NAME"]), source.query)
    elif config["ENGINE"] == "django.db.backends.postgresql":
        rows = _postgres_rows(config, source.query, source.organization)
    else:
        raise PullError(_("Tandem pulls from SQLite and PostgreSQL databases only."))
    return [(_("row %(number)s") % {"number": i}, row[0], row[1]) for i, row in enumerate(rows, 1)]


_READERS: dict[str, Callable[[DataSource], list[RawPair]]] = {
    DataSource.Kind.SQL: _sql_pairs,
    DataSource.Kind.HTTP_JSON: _json_pairs,
    DataSource.Kind.HTTP_CSV: _csv_pairs,
}


# -- from raw pairs to the KPI's periods -----------------------------------------------------


def _at(where: str) -> str:
    return where[:1].upper() + where[1:]


def _instant(raw: Any, where: str, organization: Organization) -> dt.datetime:
    """The moment a period value names; a date is the start of its day."""
    tz = organization.tz
    if isinstance(raw, dt.datetime):
        moment = raw
    elif isinstance(raw, dt.date):
        moment = dt.datetime.combine(raw, dt.time(0))
    elif isinstance(raw, str) and raw.strip():
        text = raw.strip()
        try:
            if len(text) == 10:
                moment = dt.datetime.combine(dt.date.fromisoformat(text), dt.time(0))
            else:
                moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            raise PullError(
                _(
                    "%(where)s: “%(value)s” is not a date (YYYY-MM-DD) or a date and time "
                    "(YYYY-MM-DDTHH:MM, with an optional offset)."
                )
                % {"where": _at(where), "value": text}
            ) from None
    else:
        raise PullError(_("%(where)s: the period is empty.") % {"where": _at(where)})
    # A time without an offset is on the organisation's clock.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=tz)


def to_periods(
    kpi: KPI, raw: Sequence[RawPair], *, now: dt.datetime
) -> list[tuple[dt.date, Decimal]]:
    """File each pair under the KPI's period that holds it; roll up several in one period
    with the KPI's aggregation, in time order. A pair without a period is now's."""
    organization = kpi.organization
    cal = calendar(organization)
    frequency = pm.Frequency(kpi.frequency)
    found: list[tuple[dt.datetime, int, Decimal]] = []
    for order, (where, period, value) in enumerate(raw):
        moment = now if period is None else _instant(period, where, organization)
        if value is None or (isinstance(value, str) and not value.strip()):
            raise PullError(_("%(where)s: the value is empty.") % {"where": _at(where)})
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
            raise PullError(
                _("%(where)s: “%(value)s” is not a number.") % {"where": _at(where), "value": value}
            )
        try:
            amount = decimal_field("value", value)
        except ValidationError as e:
            raise PullError(f"{_at(where)}: {' '.join(e.messages)}") from None
        assert amount is not None
        found.append((moment, order, amount))
    by_period: dict[dt.date, list[Decimal]] = defaultdict(list)
    for moment, _order, amount in sorted(found):
        start = pm.period_of_instant(frequency, moment, organization.tz, **cal)
        by_period[start].append(amount)
    how = hm.Aggregation(kpi.aggregation)
    result = []
    for start in sorted(by_period):
        total = hm.aggregate(by_period[start], how)
        assert total is not None
        result.append((start, total))
    return result


def _read(source: DataSource, now: dt.datetime) -> list[tuple[dt.date, Decimal]]:
    raw = _READERS[source.kind](source)
    return to_periods(source.kpi, raw, now=now)


def _ingest_message(error: IngestError, pairs: list[tuple[dt.date, Decimal]]) -> str:
    parts = []
    for item in error.errors[:3]:
        index = item.get("index")
        where = (
            _("The period starting %(date)s") % {"date": pairs[index][0]}
            if index is not None
            else _("The batch")
        )
        parts.append(f"{where}: {item['message']}")
    more = ""
    if len(error.errors) > 3:
        more = " " + _("(and %(count)s more)") % {"count": len(error.errors) - 3}
    return " ".join(parts) + more


# -- running ------------------------------------------------------------------------------


def pull_preview(*, source: DataSource) -> Preview:
    """Read the source and check what it would record; write nothing, record nothing."""
    from tandem.integrations.ingest import measurements_validate

    try:
        pairs = _read(source, timezone.now())
        rows = [{"kpi": source.kpi_id, "period_start": p, "value": v} for p, v in pairs]
        measurements_validate(organization=source.organization, rows=rows)
    except PullError as e:
        return Preview(error=str(e))
    except IngestError as e:
        return Preview(pairs=pairs, read=len(pairs), error=_ingest_message(e, pairs))
    return Preview(pairs=pairs, read=len(pairs))


def pull_run(*, source: DataSource, by: User | None = None) -> IngestResult:
    """Pull the source's values and record them; record how it went on the source.

    Raises :class:`PullError` after recording the failure; nothing was written then. The
    failure is told in the active language (the reader's on a page, English in the API),
    and a scheduled pull, which nobody reads as it runs, tells it in the organisation's
    language: it stays on the source for its admins to read.
    """
    now = timezone.now()
    language = translation.get_language() if by is not None else None
    with translation.override(language or language_of(None, source.organization)):
        return _run(source, by, now)


def _run(source: DataSource, by: User | None, now: dt.datetime) -> IngestResult:
    try:
        pairs = _read(source, now)
        rows = [{"kpi": source.kpi_id, "period_start": p, "value": v} for p, v in pairs]
        try:
            result = measurements_ingest(
                organization=source.organization, rows=rows, by=by, source=Source.PULL
            )
        except IngestError as e:
            raise PullError(_ingest_message(e, pairs)) from None
    except PullError as e:
        _record(source, now=now, error=str(e))
        raise
    _record(
        source,
        now=now,
        counts={
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
        },
    )
    return result


def _record(
    source: DataSource, *, now: dt.datetime, error: str = "", counts: dict[str, int] | None = None
) -> None:
    fields: dict[str, Any] = {
        "last_run_at": now,
        "last_status": DataSource.Status.FAILED if error else DataSource.Status.OK,
        "last_error": error[:2000],
        "last_counts": counts or {},
    }
    if not error:
        fields["last_success_at"] = now
    # An UPDATE of these fields alone: a pull must not undo an edit saved meanwhile.
    DataSource.objects.filter(pk=source.pk).update(**fields)
    for name, value in fields.items():
        setattr(source, name, value)


# -- configuring ----------------------------------------------------------------------------

CONFIG_FIELDS = [
    "kind",
    "url",
    "query",
    "header_name",
    "header_value",
    "rows_path",
    "value_path",
    "period_path",
    "period_column",
    "value_column",
    "interval_minutes",
    "stale_after_minutes",
    "is_active",
]


def audit_snapshot(source: DataSource) -> dict[str, Any]:
    """The source's configuration for the audit history, its secrets masked."""
    data = snapshot(source, [*CONFIG_FIELDS, "kpi", "organization"])
    data["url"] = redacted_url(source.url)
    if source.header_value:
        data["header_value"] = SECRET_MASK
    return data


def _host(url: str) -> str:
    try:
        config = dj_database_url.parse(url)
        return f"{config.get('HOST')}:{config.get('PORT')}/{config.get('NAME')}"
    except (ValueError, KeyError):
        pass
    match = re.match(r"^[a-z][a-z0-9+.-]*://(?:[^@/]*@)?([^/?#]*)", url.strip(), re.IGNORECASE)
    return (match.group(1) if match else url).lower()


def _keep_secrets(current: DataSource | None, data: dict[str, Any]) -> dict[str, Any]:
    """Put back the secrets a form showed masked, if the address they go to is unchanged.

    An admin who moves a source to another host types its password and header again, so
    a stored secret is never sent somewhere its owner did not send it.
    """
    data = dict(data)
    url = str(data.get("url", "")).strip()
    same_host = current is not None and _host(current.url) == _host(url)
    if SECRET_MASK in url:
        if current is None or not same_host or current.shown_url == current.url:
            raise ValidationError({"url": _("Enter the password again: the address changed.")})
        password = re.search(r"://[^:/@]*:([^@]*)@", current.url)
        url = url.replace(SECRET_MASK, password.group(1) if password else "", 1)
    data["url"] = url
    if data.get("header_value") == SECRET_MASK:
        if current is None or not same_host:
            raise ValidationError(
                {"header_value": _("Enter the header's value again: the address changed.")}
            )
        data["header_value"] = current.header_value
    return data


def _validate(source: DataSource) -> None:
    errors: dict[str, str] = {}
    kind = source.kind
    if kind not in DataSource.Kind.values:
        errors["kind"] = _("Choose SQL, JSON over HTTP or CSV over HTTP.")
    if not source.url.strip():
        errors["url"] = _("Enter the database URL.") if kind == "sql" else _("Enter the address.")
    elif kind == DataSource.Kind.SQL:
        try:
            engine = dj_database_url.parse(source.url)["ENGINE"]
        except (ValueError, KeyError):
            engine = ""
        if engine not in {"django.db.backends.sqlite3", "django.db.backends.postgresql"}:
            errors["url"] = _("Enter a database URL: %(sqlite)s or %(postgres)s.") % {
                "sqlite": "sqlite:///file.sqlite3",
                "postgres": "postgres://user:password@host/db",
            }
        try:
            check_select(source.query)
        except PullError as e:
            errors["query"] = str(e)
    else:
        try:
            outbound.check_url(source.url, allowed_hosts=_allowed_hosts(source.organization))
        except ValidationError as e:
            errors["url"] = " ".join(e.messages)
    if kind == DataSource.Kind.HTTP_JSON:
        if not source.value_path.strip():
            errors["value_path"] = _("Enter the path to the value, e.g. %(example)s.") % {
                "example": "data.items[-1].value"
            }
        for name in ("rows_path", "value_path", "period_path"):
            path = getattr(source, name)
            if path.strip() and name not in errors:
                try:
                    _steps(path)
                except PullError as e:
                    errors[name] = str(e)
    if kind == DataSource.Kind.HTTP_CSV:
        for name in ("period_column", "value_column"):
            if not getattr(source, name).strip():
                errors[name] = _("Enter the column's name as in the CSV's first row.")
    if source.header_name and not re.fullmatch(r"[A-Za-z0-9-]+", source.header_name):
        errors["header_name"] = _(
            "A header name is letters, digits and dashes, e.g. Authorization."
        )
    if source.interval_minutes is None or source.interval_minutes < MIN_INTERVAL_MINUTES:
        errors["interval_minutes"] = _("Pull at most every %(count)s minutes.") % {
            "count": MIN_INTERVAL_MINUTES
        }
    if (
        source.stale_after_minutes is not None
        and source.stale_after_minutes < source.interval_minutes
    ):
        errors["stale_after_minutes"] = _("The grace must be at least the interval.")
    if errors:
        raise ValidationError(errors)


def _build(current: DataSource | None, kpi: KPI, data: dict[str, Any]) -> DataSource:
    data = _keep_secrets(current, data)
    item = current or DataSource(organization=kpi.organization, kpi=kpi)
    item.organization = kpi.organization
    item.kpi = kpi
    for name in CONFIG_FIELDS:
        if name in data:
            value = data[name]
            if isinstance(value, str) and name != "query":
                value = value.strip()
            setattr(item, name, value)
    _coerce_minutes(item)
    _validate(item)
    return item


def _coerce_minutes(item: DataSource) -> None:
    """Whole minutes from a form, the API or a script, or a field error."""
    errors = {}
    for name in ("interval_minutes", "stale_after_minutes"):
        value = getattr(item, name)
        if value is None or value == "":
            setattr(item, name, None)
            continue
        try:
            setattr(item, name, int(value))
        except (TypeError, ValueError):
            errors[name] = _("“%(value)s” is not a whole number of minutes.") % {"value": value}
    if errors:
        raise ValidationError(errors)


def data_source_draft(*, kpi: KPI, data: dict[str, Any]) -> DataSource:
    """The source ``data`` describes, checked and not saved: what the "Test" button tries."""
    current = DataSource.objects.filter(kpi=kpi).first()
    if current is not None:
        current.kpi = kpi
    return _build(current, kpi, data)


def data_source_save(
    *, kpi: KPI, by: User, data: dict[str, Any], source: AuditSource | str = AuditSource.WEB
) -> DataSource:
    """Create or change the data source of ``kpi`` from ``data`` (the config fields).

    A changed source runs at the next tick of the worker, so its new setup shows soon.
    """
    with transaction.atomic():
        current = DataSource.objects.select_for_update().filter(kpi=kpi).first()
        before = audit_snapshot(current) if current else None
        item = _build(current, kpi, data)
        item.next_run_at = timezone.now()
        item.save()
        audit_record(
            organization=kpi.organization,
            actor=by,
            action="data_source.update" if before else "data_source.create",
            target=item,
            before=before,
            after=audit_snapshot(item),
            source=source,
        )
    return item


def data_source_delete(*, data_source: DataSource, by: User) -> None:
    with transaction.atomic():
        audit_record(
            organization=data_source.organization,
            actor=by,
            action="data_source.delete",
            target=data_source,
            before=audit_snapshot(data_source),
        )
        data_source.delete()


# -- scheduling -----------------------------------------------------------------------------


def next_run_after(scheduled: dt.datetime, interval: dt.timedelta, now: dt.datetime) -> dt.datetime:
    """The first run of the schedule after ``now``: missed runs are skipped, not caught up."""
    if scheduled > now:
        return scheduled
    missed = (now - scheduled) // interval + 1
    return scheduled + missed * interval


def sources_for(*, organization: Organization, kpi_ids: Sequence[int]) -> dict[int, DataSource]:
    """The data sources of these KPIs, by KPI id, in one query."""
    return {
        s.kpi_id: s
        for s in DataSource.objects.filter(organization=organization, kpi_id__in=list(kpi_ids))
    }
