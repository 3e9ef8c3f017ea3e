"""Measurements and check-ins from a spreadsheet: CSV or XLSX.

A file is read into a table of text cells, checked whole, and written all or nothing.
Errors name the row as the person sees it in their spreadsheet (the header is row 1,
so the first value is on row 2) and the column by its header.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tandem.access.permissions import Viewer, can_check_in, viewer_of, visible_objectives
from tandem.accounts.models import Membership, Organization, User
from tandem.audit.models import Source
from tandem.integrations.ingest import (
    IngestError,
    IngestResult,
    measurements_ingest,
    measurements_validate,
)
from tandem.kpis.models import KPI, Measurement
from tandem.kpis.models import Source as MeasurementSource
from tandem.kpis.selectors import org_today
from tandem.okrs.models import CheckIn, Cycle, KeyResult, Objective
from tandem.okrs.services import key_result_check_in
from tandem.validation import decimal_field

MEASUREMENTS = "measurements"
CHECKINS = "checkins"
KINDS = (MEASUREMENTS, CHECKINS)
MEASUREMENT_COLUMNS = ("kpi", "period_start", "value", "note")
CHECKIN_COLUMNS = ("key_result", "objective", "value", "done", "confidence", "note", "date")
# The first data row of a spreadsheet: row 1 holds the header.
FIRST_ROW = 2
MAX_ROWS = 10_000
PROGRESS_EVERY = 500
_YES = {"yes", "y", "true", "1", "done", "x"}
_NO = {"no", "n", "false", "0", "not done", ""}


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]


@dataclass
class FileError(Exception):
    """A file was refused; ``errors`` lists ``{"row": n, "column": c, "message": m}``,
    ``row`` as the spreadsheet shows it (``None`` for the file as a whole)."""

    errors: list[dict[str, Any]] = field(default_factory=list)

    def __str__(self) -> str:
        return "\n".join(describe(e) for e in self.errors)


def describe(error: dict[str, Any]) -> str:
    where = []
    if error.get("row") is not None:
        where.append(_("row %(number)s") % {"number": error["row"]})
    if error.get("column"):
        where.append(_("column %(name)s") % {"name": error["column"]})
    return f"{', '.join(where)}: {error['message']}" if where else str(error["message"])


def _file_error(message: str, column: str = "") -> FileError:
    return FileError([{"row": None, "column": column, "message": message}])


# -- reading ----------------------------------------------------------------------------


def _cell(value: Any) -> str:
    """A spreadsheet cell as the text a person would type in a CSV."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        # Spreadsheets store dates as midnight datetimes.
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return repr(int(value)) if value.is_integer() else repr(value)
    return str(value).strip()


def _read_csv(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        raise _file_error(
            _(
                "The file is not UTF-8 text (byte %(byte)s cannot be read). Save it as "
                "“CSV UTF-8” and upload it again."
            )
            % {"byte": e.start + 1}
        ) from None
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(text[:4096], ",;\t")
    except csv.Error:
        dialect = csv.excel
    try:
        return [[c.strip() for c in row] for row in csv.reader(io.StringIO(text), dialect)]
    except csv.Error as e:
        raise _file_error(_("The file is not valid CSV: %(error)s.") % {"error": e}) from None


def _read_xlsx(data: bytes) -> list[list[str]]:
    import zipfile

    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise _file_error(
            _("The file is not an Excel workbook (.xlsx) that can be read.")
        ) from None
    try:
        sheet = book.worksheets[0]
        return [[_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    finally:
        book.close()


def read_table(filename: str, data: bytes) -> Table:
    """The first sheet of an XLSX file, or a CSV file, as a header and rows of text.

    Blank rows are dropped; header names are compared lower-case with spaces as
    underscores, so “Period start” is ``period_start``.
    """
    name = filename.lower()
    if name.endswith(".xlsx"):
        raw = _read_xlsx(data)
    elif name.endswith((".csv", ".txt")):
        raw = _read_csv(data)
    else:
        raise _file_error(
            _("“%(filename)s” is neither a CSV nor an XLSX file.") % {"filename": filename}
        )
    raw = [row for row in raw if any(c for c in row)]
    if not raw:
        raise _file_error(_("The file is empty: the first row names the columns, values follow."))
    header = [re.sub(r"\s+", "_", c.strip().lower()) for c in raw[0]]
    while header and not header[-1]:
        header.pop()
    rows = [(row + [""] * len(header))[: len(header)] for row in raw[1:]]
    # PostgreSQL cannot store a NUL character in text, and no one types one: it comes
    # from a binary or UTF-16 file read as text.
    nul: list[dict[str, Any]] = [
        {"row": number, "column": name, "message": _("This cell holds a NUL character.")}
        for number, row in enumerate([header, *rows], start=1)
        for name, value in zip(header, row, strict=False)
        if "\x00" in value
    ]
    if nul:
        nul[0]["message"] += " " + _("Save the file as “CSV UTF-8” and upload it again.")
        raise FileError(nul[:20])
    if not rows:
        raise _file_error(_("The file has a header but no values under it."))
    if len(rows) > MAX_ROWS:
        raise _file_error(
            _("The file has %(count)s rows; import at most %(most)s at once.")
            % {"count": len(rows), "most": MAX_ROWS}
        )
    return Table(header=header, rows=rows)


def guess_kind(table: Table) -> str:
    if "kpi" in table.header:
        return MEASUREMENTS
    if "key_result" in table.header:
        return CHECKINS
    raise _file_error(
        _(
            "Cannot tell what the file holds: measurements need a “kpi” column, check-ins a "
            "“key_result” column."
        )
    )


def _check_columns(table: Table, known: Sequence[str], required: Sequence[str]) -> None:
    errors = []
    for name in table.header:
        if name not in known:
            errors.append(
                {
                    "row": 1,
                    "column": name or _("(blank)"),
                    "message": _("Unknown column; the columns are %(columns)s.")
                    % {"columns": ", ".join(known)},
                }
            )
    seen = set()
    for name in table.header:
        if name and name in seen:
            errors.append({"row": 1, "column": name, "message": _("This column appears twice.")})
        seen.add(name)
    for name in required:
        if name not in table.header:
            errors.append({"row": 1, "column": name, "message": _("This column is missing.")})
    if errors:
        raise FileError(errors)


# -- measurements -----------------------------------------------------------------------


def _measurement_rows(organization: Organization, table: Table) -> list[dict[str, Any]]:
    """The table's rows as :func:`measurements_ingest` takes them, a KPI named by its
    key, or else by its name."""
    _check_columns(table, MEASUREMENT_COLUMNS, ("kpi", "period_start", "value"))
    names: dict[str, list[KPI]] = {}
    keys = set()
    for kpi in KPI.objects.filter(organization=organization).only("pk", "key", "name"):
        keys.add(kpi.key)
        names.setdefault(kpi.name.strip().lower(), []).append(kpi)
    out = []
    for cells in table.rows:
        row = dict(zip(table.header, cells, strict=True))
        given = row.get("kpi", "")
        named = names.get(given.lower(), [])
        wanted: Any = given if given in keys or len(named) != 1 else named[0].pk
        out.append(
            {
                "kpi": wanted,
                "period_start": row.get("period_start", ""),
                "value": row.get("value", ""),
                "note": row.get("note", ""),
            }
        )
    return out


def _from_ingest(table: Table, error: IngestError) -> FileError:
    column = {"row": "kpi"}
    return FileError(
        [
            {
                "row": None if e["index"] is None else e["index"] + FIRST_ROW,
                "column": column.get(e["field"], e["field"]),
                "message": e["message"],
            }
            for e in error.errors
        ]
    )


def measurements_check(
    *, organization: Organization, table: Table, today: dt.date | None = None
) -> None:
    """Raise :class:`FileError` for every bad row of a measurements table; write nothing."""
    rows = _measurement_rows(organization, table)
    try:
        measurements_validate(organization=organization, rows=rows, today=today)
    except IngestError as e:
        raise _from_ingest(table, e) from None


def measurements_import(
    *,
    organization: Organization,
    table: Table,
    by: User | None,
    today: dt.date | None = None,
) -> IngestResult:
    rows = _measurement_rows(organization, table)
    try:
        return measurements_ingest(
            organization=organization,
            rows=rows,
            by=by,
            source=MeasurementSource.IMPORT,
            today=today,
        )
    except IngestError as e:
        raise _from_ingest(table, e) from None


# -- check-ins --------------------------------------------------------------------------


@dataclass
class CheckInRow:
    row: int
    key_result: KeyResult
    value: Decimal | None
    done: bool | None
    confidence: str
    note: str
    at: dt.datetime | None


@dataclass
class CheckInResult:
    created: int = 0
    unchanged: int = 0


def _key_result_finder(
    organization: Organization, table: Table, viewer: Viewer | None
) -> Callable[[dict[str, str]], KeyResult | str]:
    """Find each row's key result in one query: by id, or by objective and key result
    titles among the open cycles' objectives that the importing person may see (a
    private objective they may not see is unknown to their file)."""
    krs = list(
        visible_objectives(
            KeyResult.objects.filter(organization=organization), viewer, "objective__"
        )
        .exclude(objective__cycle__state=Cycle.State.CLOSED)
        .select_related("objective__cycle", "kpi")
    )
    by_id = {kr.pk: kr for kr in krs}
    by_titles: dict[tuple[str, str], list[KeyResult]] = {}
    for kr in krs:
        key = (kr.objective.title.strip().lower(), kr.title.strip().lower())
        by_titles.setdefault(key, []).append(kr)

    def find(row: dict[str, str]) -> KeyResult | str:
        given = row.get("key_result", "")
        objective = row.get("objective", "")
        if not given:
            return _("Name the key result by its id, or by its title with the objective's.")
        if not objective:
            # ASCII digits only: "²" is a digit to isdigit() but not to int().
            if not (given.isascii() and given.isdigit()):
                return _(
                    "“%(value)s” is not a key result id; to name it by its title, add an "
                    "“objective” column with its objective's title."
                ) % {"value": given}
            found = by_id.get(int(given))
            if found is None:
                return _("No key result #%(id)s in an open cycle of %(organization)s.") % {
                    "id": given,
                    "organization": organization.name,
                }
            return found
        matches = by_titles.get((objective.lower(), given.lower()), [])
        if not matches:
            return _(
                "No key result “%(title)s” under an objective “%(objective)s” in an open cycle."
            ) % {"title": given, "objective": objective}
        if len(matches) > 1:
            ids = ", ".join(
                _("#%(id)s in %(cycle)s") % {"id": kr.pk, "cycle": kr.objective.cycle}
                for kr in matches
            )
            return _(
                "Several open cycles have “%(objective)s” / “%(title)s”: use the key result's "
                "id (%(ids)s)."
            ) % {"objective": objective, "title": given, "ids": ids}
        return matches[0]

    return find


def _done(text: str) -> bool | None:
    lowered = text.strip().lower()
    if lowered in _YES:
        return True
    if lowered in _NO:
        return False if lowered else None
    raise ValidationError(_("“%(value)s” is not yes or no.") % {"value": text})


def _checkin_rows(
    *,
    organization: Organization,
    table: Table,
    by: User,
    today: dt.date | None,
) -> list[CheckInRow]:
    _check_columns(table, CHECKIN_COLUMNS, ("key_result", "confidence"))
    membership = Membership.objects.filter(organization=organization, user=by).first()
    viewer = viewer_of(membership) if membership is not None else None
    team_ids: Collection[int] = viewer.team_ids if viewer is not None else set()
    find = _key_result_finder(organization, table, viewer)
    today = today or org_today(organization)
    errors: list[dict[str, Any]] = []
    out: list[CheckInRow] = []
    seen: dict[tuple[str, ...], int] = {}

    def bad(row: int, column: str, message: str) -> None:
        errors.append({"row": row, "column": column, "message": message})

    for offset, cells in enumerate(table.rows):
        number = offset + FIRST_ROW
        row = dict(zip(table.header, cells, strict=True))
        first = seen.setdefault(tuple(cells), number)
        if first != number:
            bad(number, "", _("The same check-in as row %(row)s.") % {"row": first})
            continue
        found = find(row)
        kr = found if isinstance(found, KeyResult) else None
        if isinstance(found, str):
            bad(number, "key_result", found)
        elif membership is None or not can_check_in(membership, found, team_ids):
            bad(number, "key_result", _("You may not check in on “%(title)s”.") % {"title": found})
            kr = None
        elif found.kpi_id is not None:
            bad(
                number,
                "key_result",
                _("“%(title)s” reads its value from the KPI “%(kpi)s”: import measurements.")
                % {"title": found, "kpi": found.kpi},
            )
            kr = None
        elif found.objective.state in (Objective.State.CLOSED, Objective.State.DROPPED):
            bad(
                number,
                "key_result",
                _("The objective “%(title)s” is closed.") % {"title": found.objective},
            )
            kr = None
        value = done = None
        try:
            value = decimal_field("value", row.get("value", ""))
        except ValidationError as e:
            bad(number, "value", e.message_dict["value"][0])
        try:
            done = _done(row.get("done", ""))
        except ValidationError as e:
            bad(number, "done", e.messages[0])
        if kr is not None and kr.is_metric and value is None and "value" not in row:
            bad(number, "value", _("A metric key result needs a value: add a “value” column."))
        elif kr is not None and kr.is_metric and value is None:
            bad(number, "value", _("Enter the key result's current value."))
        elif kr is not None and not kr.is_metric and done is None:
            bad(number, "done", _("Say whether the milestone is done (yes or no)."))
        confidence = row.get("confidence", "")
        if not re.fullmatch(r"\d{1,2}", confidence) or not 1 <= int(confidence) <= 10:
            bad(
                number,
                "confidence",
                _("“%(value)s” is not a whole number from 1 to 10.") % {"value": confidence},
            )
        at = None
        when = row.get("date", "")
        if when:
            try:
                day = dt.date.fromisoformat(when) if len(when) == 10 else None
            except ValueError:
                day = None
            if day is None:
                bad(
                    number,
                    "date",
                    _("“%(value)s” is not a date written YYYY-MM-DD.") % {"value": when},
                )
            elif day > today:
                bad(number, "date", _("%(date)s is in the future.") % {"date": day})
            else:
                # Noon on the organisation's clock: the day stays the same in any zone
                # the reader is in.
                at = dt.datetime.combine(day, dt.time(12), tzinfo=organization.tz)
        if kr is not None and not any(e["row"] == number for e in errors):
            out.append(
                CheckInRow(
                    row=number,
                    key_result=kr,
                    value=value if kr.is_metric else None,
                    done=done if not kr.is_metric else None,
                    confidence=confidence,
                    note=row.get("note", ""),
                    at=at,
                )
            )
    if errors:
        raise FileError(errors)
    return out


def checkins_check(
    *, organization: Organization, table: Table, by: User, today: dt.date | None = None
) -> None:
    """Raise :class:`FileError` for every bad row of a check-ins table; write nothing."""
    _checkin_rows(organization=organization, table=table, by=by, today=today)


def _already_there(row: CheckInRow) -> bool:
    """A dated check-in imported before: the same file again adds nothing."""
    if row.at is None:
        return False
    return CheckIn.objects.filter(
        key_result=row.key_result,
        created_at=row.at,
        value=row.value,
        done=row.done,
        confidence=int(row.confidence),
        note=row.note.strip(),
    ).exists()


def checkins_import(
    *,
    organization: Organization,
    table: Table,
    by: User,
    today: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> CheckInResult:
    """Check in every row, oldest date first, in one transaction: all or nothing.

    ``progress(done, total)`` is called every few hundred rows: each check-in goes
    through the service one by one.
    """
    rows = _checkin_rows(organization=organization, table=table, by=by, today=today)
    result = CheckInResult()
    # Undated rows are check-ins made now: they come after any dated one.
    ordered = sorted(
        rows, key=lambda r: (r.at is None, r.at or dt.datetime.min.replace(tzinfo=dt.UTC))
    )
    with transaction.atomic():
        for row in ordered:
            if _already_there(row):
                result.unchanged += 1
                continue
            try:
                key_result_check_in(
                    key_result=row.key_result,
                    by=by,
                    confidence=row.confidence,
                    value=row.value,
                    done=row.done,
                    note=row.note,
                    at=row.at,
                    source=Source.IMPORT,
                )
            except ValidationError as e:
                raise FileError(
                    [
                        {
                            "row": row.row,
                            "column": "" if name == "__all__" else name,
                            "message": message,
                        }
                        for name, messages in e.message_dict.items()
                        for message in messages
                    ]
                ) from None
            result.created += 1
            done = result.created + result.unchanged
            if progress is not None and (done % PROGRESS_EVERY == 0 or done == len(ordered)):
                progress(done, len(ordered))
    return result


# -- export -----------------------------------------------------------------------------


def measurements_export(
    *, organization: Organization, since: dt.date | None = None
) -> Iterator[list[str]]:
    """The organisation's measurements as CSV rows (header first), in the columns an
    import reads: a file exported here imports again unchanged."""
    yield list(MEASUREMENT_COLUMNS)
    rows = Measurement.objects.filter(organization=organization)
    if since is not None:
        rows = rows.filter(period_start__gte=since)
    for key, period, value, note in (
        rows.order_by("kpi__key", "period_start")
        .values_list("kpi__key", "period_start", "value", "note")
        .iterator(chunk_size=2000)
    ):
        text = f"{value:f}"
        text = text.rstrip("0").rstrip(".") if "." in text else text
        yield [key, period.isoformat(), text, note]
