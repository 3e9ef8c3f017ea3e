"""The OKR and KPI spreadsheets people keep before Tandem, imported as they are.

Two layouts (see docs/using.md and the examples in docs/examples/):

- an **OKR sheet**, one row per key result: ``objective``, ``key_result``, ``owner``,
  ``baseline``, ``target``, ``current`` and optionally ``team``, ``unit``, ``kind`` and
  ``cycle``. Rows of the same objective repeat its title, or leave it blank under the
  first (as merged cells export). The objective is owned by its ``team``, else by the
  ``owner`` of its first row; ``current`` becomes the key result's first check-in, with
  the ``confidence`` column's 1-10 (:data:`DEFAULT_CONFIDENCE`, the middle, without one).
- a **KPI sheet**, one row per KPI: ``kpi`` first, optionally ``unit`` and ``target``,
  then one column per week headed by a date in that week. Each filled cell becomes a
  measurement through the same ingestion as every other KPI value.

People are matched by e-mail, or by full name when exactly one member has it; teams by
name (or slug); KPIs by key, or by name when exactly one has it. Anything unknown is a
row error naming the cell. Both are checked whole and written all or nothing through
the services, like every other import, and their errors use the same row numbers and
column names as the spreadsheet.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tandem.accounts.models import Membership, Organization, Team, User
from tandem.audit.models import Source
from tandem.integrations.files import FIRST_ROW, FileError, Table
from tandem.integrations.ingest import IngestError, measurements_ingest
from tandem.kpis.models import KPI, Frequency
from tandem.kpis.models import Source as MeasurementSource
from tandem.kpis.services import kpi_create
from tandem.okrs import selectors as okr_selectors
from tandem.okrs.models import Cycle, KeyResult, Objective
from tandem.okrs.services import key_result_check_in, key_result_create, objective_create
from tandem.validation import decimal_field

OKR_SHEET = "okr_sheet"
KPI_SHEET = "kpi_sheet"
OKR_COLUMNS = (
    "objective",
    "key_result",
    "owner",
    "team",
    "baseline",
    "target",
    "current",
    "confidence",
    "unit",
    "kind",
    "cycle",
)
KPI_COLUMNS = ("kpi", "unit", "target")
# Another tool's sheet rarely says how confident its owner is: the scale's middle, neither
# a worry nor a promise, until the owner's first check-in in Tandem says otherwise.
DEFAULT_CONFIDENCE = 5
CURRENCY_SIGNS = {"€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY"}


@dataclass
class SheetResult:
    objectives: int = 0
    key_results: int = 0
    check_ins: int = 0
    kpis: int = 0
    values: int = 0
    changes: list[str] = field(default_factory=list)


class _DryRun(Exception):
    pass


class _Errors:
    def __init__(self) -> None:
        self.items: list[dict[str, Any]] = []

    def add(self, row: int | None, column: str, message: str) -> None:
        self.items.append({"row": row, "column": column, "message": message})

    def raise_any(self) -> None:
        if self.items:
            raise FileError(self.items)


def looks_like(table: Table) -> str:
    """``OKR_SHEET``, ``KPI_SHEET`` or "" for a table of another kind."""
    header = set(table.header)
    if "objective" in header and header & {"baseline", "target", "current"}:
        return OKR_SHEET
    if "kpi" in header and any(_header_date(name) for name in table.header):
        return KPI_SHEET
    return ""


def _header_date(name: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(name[:10])
    except ValueError:
        return None


def _unit(text: str) -> tuple[str, str] | str:
    """``(unit, currency)`` for what a spreadsheet says, or the message refusing it."""
    given = text.strip()
    if not given or given.lower() in {"number", "#", "count"}:
        return KeyResult.Unit.NUMBER, ""
    if given.lower() in {"%", "percent", "percentage"}:
        return KeyResult.Unit.PERCENT, ""
    if given in CURRENCY_SIGNS:
        return KeyResult.Unit.CURRENCY, CURRENCY_SIGNS[given]
    if len(given) == 3 and given.isalpha() and given.isascii():
        return KeyResult.Unit.CURRENCY, given.upper()
    return _(
        "“%(value)s” is not a unit Tandem knows: leave it empty for a number, or write %%, "
        "a currency code (EUR) or sign (€)."
    ) % {"value": given}


def _message(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return " ".join(m for messages in error.message_dict.values() for m in messages)
    return " ".join(error.messages)


class _People:
    """Members by e-mail, or by full name when exactly one member has it."""

    def __init__(self, organization: Organization) -> None:
        self.org = organization
        self.by_email: dict[str, User] = {}
        self.by_name: dict[str, list[User]] = {}
        for membership in Membership.objects.filter(organization=organization).select_related(
            "user"
        ):
            user = membership.user
            self.by_email[user.email.lower()] = user
            if user.full_name.strip():
                self.by_name.setdefault(" ".join(user.full_name.lower().split()), []).append(user)

    def find(self, text: str) -> User | str:
        given = " ".join(text.split())
        user = self.by_email.get(given.lower())
        if user is not None:
            return user
        named = self.by_name.get(given.lower(), [])
        if len(named) == 1:
            return named[0]
        if named:
            return ngettext(
                "%(count)s member is called “%(name)s”: give the e-mail address instead.",
                "%(count)s members are called “%(name)s”: give the e-mail address instead.",
                len(named),
            ) % {"count": len(named), "name": given}
        return _(
            "No member “%(name)s” in %(organization)s (give their e-mail address or full name)."
        ) % {"name": given, "organization": self.org.name}


# -- the OKR sheet ------------------------------------------------------------------------


@dataclass
class _KeyResultRow:
    row: int
    title: str
    owner: User | None
    baseline: Decimal | None
    target: Decimal | None
    current: Decimal | None
    confidence: str
    unit: str
    currency: str


@dataclass
class _ObjectiveRows:
    row: int
    title: str
    cycle: Cycle
    kind: str
    team: Team | None
    owner: User | None
    key_results: list[_KeyResultRow] = field(default_factory=list)


def _columns(table: Table, required: tuple[str, ...], errors: _Errors) -> None:
    seen: set[str] = set()
    for name in table.header:
        if name in seen and name:
            errors.add(1, name, _("This column appears twice."))
        seen.add(name)
    for name in required:
        if name not in table.header:
            errors.add(1, name, _("This column is missing."))


def _okr_plan(organization: Organization, table: Table) -> list[_ObjectiveRows]:
    errors = _Errors()
    _columns(table, ("objective", "target"), errors)
    for name in table.header:
        if name not in OKR_COLUMNS:
            errors.add(
                1,
                name or _("(blank)"),
                _("Unknown column; the columns are %(columns)s.")
                % {"columns": ", ".join(OKR_COLUMNS)},
            )
    errors.raise_any()
    people = _People(organization)
    teams: dict[str, Team] = {}
    for each in okr_selectors.team_list(organization=organization):
        teams[each.name.strip().lower()] = each
        teams[each.slug] = each
    cycles = {
        c.name.strip().lower(): c for c in okr_selectors.cycle_list(organization=organization)
    }
    today_cycle = okr_selectors.current_cycle(organization=organization)
    objectives: list[_ObjectiveRows] = []
    current: _ObjectiveRows | None = None

    def amount(row: int, cells: dict[str, str], name: str) -> Decimal | None:
        try:
            return decimal_field(name, cells.get(name, "") or None)
        except ValidationError as e:
            errors.add(row, name, _message(e))
            return None

    for offset, values in enumerate(table.rows):
        row = offset + FIRST_ROW
        cells = dict(zip(table.header, values, strict=True))
        title = cells.get("objective", "").strip()
        if title:
            cycle_name = cells.get("cycle", "").strip()
            cycle = cycles.get(cycle_name.lower()) if cycle_name else today_cycle
            if cycle is None:
                errors.add(
                    row,
                    "cycle",
                    _("No cycle “%(name)s” in %(organization)s.")
                    % {"name": cycle_name, "organization": organization.name}
                    if cycle_name
                    else _("No cycle runs today: name one in a cycle column."),
                )
            kind_text = cells.get("kind", "").strip().lower() or Objective.Kind.ASPIRATIONAL
            if kind_text not in Objective.Kind.values:
                errors.add(
                    row,
                    "kind",
                    _("“%(value)s” is not committed or aspirational.") % {"value": kind_text},
                )
            team_name = cells.get("team", "").strip()
            team: Team | None = teams.get(team_name.lower()) if team_name else None
            if team_name and team is None:
                errors.add(
                    row,
                    "team",
                    _("No team “%(name)s” in %(organization)s.")
                    % {"name": team_name, "organization": organization.name},
                )
            current = _ObjectiveRows(
                row=row,
                title=title,
                cycle=cycle or Cycle(),
                kind=kind_text,
                team=team,
                owner=None,
            )
            objectives.append(current)
        elif current is None:
            errors.add(row, "objective", _("Name the objective this key result belongs to."))
            continue
        owner_text = cells.get("owner", "").strip()
        owner: User | None = None
        if owner_text:
            found = people.find(owner_text)
            if isinstance(found, str):
                errors.add(row, "owner", found)
            else:
                owner = found
        if current.owner is None and owner is not None:
            current.owner = owner
        kr_title = cells.get("key_result", "").strip()
        if not kr_title:
            for name in ("baseline", "target", "current"):
                if cells.get(name, "").strip():
                    errors.add(row, "key_result", _("Give the key result's title."))
                    break
            continue
        unit = _unit(cells.get("unit", ""))
        if isinstance(unit, str):
            errors.add(row, "unit", unit)
            unit = (KeyResult.Unit.NUMBER, "")
        target = amount(row, cells, "target")
        if target is None and not cells.get("target", "").strip():
            errors.add(row, "target", _("Give the key result's target."))
        baseline = amount(row, cells, "baseline")
        if baseline is None and not cells.get("baseline", "").strip():
            baseline = Decimal(0)
        current.key_results.append(
            _KeyResultRow(
                row=row,
                title=kr_title,
                owner=owner,
                baseline=baseline,
                target=target,
                current=amount(row, cells, "current"),
                confidence=cells.get("confidence", "").strip() or str(DEFAULT_CONFIDENCE),
                unit=unit[0],
                currency=unit[1],
            )
        )
    for objective in objectives:
        if objective.team is None and objective.owner is None:
            errors.add(
                objective.row,
                "team",
                _("Give the objective an owner: a team here, or a person in the owner column."),
            )
    errors.raise_any()
    return objectives


# The services' field names, as the sheet's columns.
_FIELD_COLUMNS = {
    "title": None,
    "value": "current",
    "confidence": "confidence",
    "baseline": "baseline",
    "target": "target",
    "unit": "unit",
    "currency": "unit",
    "kind": "kind",
    "owner": "owner",
    "owner_user": "owner",
    "owner_team": "team",
    "cycle": "cycle",
}


@contextmanager
def _at(row: int, column: str, header: list[str]) -> Iterator[None]:
    """A service's refusal, as the errors of the cells it came from (``column`` for what
    names no column of the sheet)."""
    try:
        yield
    except ValidationError as e:
        fields = e.message_dict if hasattr(e, "error_dict") else {"": e.messages}
        errors: list[dict[str, Any]] = []
        for name, messages in fields.items():
            where = _FIELD_COLUMNS.get(name) or column
            where = where if where in header else column
            errors.extend({"row": row, "column": where, "message": m} for m in messages)
        raise FileError(errors) from None


def _okr_write(
    organization: Organization, plan: list[_ObjectiveRows], by: User | None, table_header: list[str]
) -> SheetResult:
    result = SheetResult()
    for entry in plan:
        owner_user = None if entry.team is not None else entry.owner
        if Objective.objects.filter(
            organization=organization,
            cycle=entry.cycle,
            title=entry.title,
            owner_team=entry.team,
            owner_user=owner_user,
        ).exists():
            raise FileError(
                [
                    {
                        "row": entry.row,
                        "column": "objective",
                        "message": _(
                            "“%(title)s” is already in %(cycle)s: this import creates OKRs; "
                            "check in on the existing ones instead."
                        )
                        % {"title": entry.title, "cycle": entry.cycle.name},
                    }
                ]
            )
        with _at(entry.row, "objective", table_header):
            objective = objective_create(
                organization=organization,
                cycle=entry.cycle,
                title=entry.title,
                kind=entry.kind,
                owner_team=entry.team,
                owner_user=owner_user,
                by=by,
                source=Source.IMPORT,
            )
        result.objectives += 1
        result.changes.append(f"created the objective “{entry.title}”")
        for kr_row in entry.key_results:
            with _at(kr_row.row, "key_result", table_header):
                kr = key_result_create(
                    objective=objective,
                    title=kr_row.title,
                    unit=kr_row.unit,
                    currency=kr_row.currency,
                    baseline=kr_row.baseline,
                    target=kr_row.target,
                    owner=kr_row.owner,
                    by=by,
                    source=Source.IMPORT,
                )
            result.key_results += 1
            if kr_row.current is not None and kr_row.current != kr_row.baseline:
                with _at(kr_row.row, "current", table_header):
                    key_result_check_in(
                        key_result=kr,
                        value=kr_row.current,
                        confidence=kr_row.confidence,
                        by=by,
                        source=Source.IMPORT,
                    )
                result.check_ins += 1
    return result


def okr_sheet_check(*, organization: Organization, table: Table, by: User | None) -> SheetResult:
    """Raise :class:`FileError` for every problem of an OKR sheet; write nothing.

    The check goes through the services and is then undone, so that it finds what only
    they check (a target equal to its baseline, a closed cycle)."""
    return _dry(lambda: okr_sheet_import(organization=organization, table=table, by=by))


def okr_sheet_import(*, organization: Organization, table: Table, by: User | None) -> SheetResult:
    """Create the sheet's objectives, key results and first check-ins, all or nothing."""
    plan = _okr_plan(organization, table)
    with transaction.atomic():
        return _okr_write(organization, plan, by, table.header)


def _dry(run: Callable[[], SheetResult]) -> SheetResult:
    outcome: list[SheetResult] = []
    try:
        with transaction.atomic():
            outcome.append(run())
            raise _DryRun
    except _DryRun:
        pass
    return outcome[0]


# -- the KPI sheet ------------------------------------------------------------------------


def _kpi_plan(
    organization: Organization, table: Table
) -> tuple[list[tuple[int, str, dict[str, Any]]], list[tuple[int, str, str]]]:
    """The new KPIs to create (row, name, fields) and the values as (row, column, cell)
    triples, in the order the ingestion gets them."""
    errors = _Errors()
    _columns(table, ("kpi",), errors)
    if table.header and table.header[0] != "kpi":
        errors.add(
            1, table.header[0] or _("(blank)"), _("The first column names the KPI: head it kpi.")
        )
    weeks: dict[str, dt.date] = {}
    for name in table.header:
        if name in KPI_COLUMNS:
            continue
        day = _header_date(name)
        if day is None:
            errors.add(
                1,
                name or _("(blank)"),
                _(
                    "Head each week's column with a date in that week (2026-11-02); the other "
                    "columns are %(columns)s."
                )
                % {"columns": ", ".join(KPI_COLUMNS)},
            )
        else:
            weeks[name] = day
    if not weeks and not errors.items:
        errors.add(1, "", _("No week columns: head each week's column with a date in that week."))
    errors.raise_any()
    known: dict[str, KPI] = {}
    names: dict[str, list[KPI]] = {}
    for each in KPI.objects.filter(organization=organization):
        known[each.key] = each
        names.setdefault(each.name.strip().lower(), []).append(each)
    new: list[tuple[int, str, dict[str, Any]]] = []
    values: list[tuple[int, str, str]] = []
    seen: dict[str, int] = {}
    for offset, cells_list in enumerate(table.rows):
        row = offset + FIRST_ROW
        cells = dict(zip(table.header, cells_list, strict=True))
        given = cells.get("kpi", "").strip()
        if not given:
            errors.add(row, "kpi", _("Name the KPI."))
            continue
        if given.lower() in seen:
            errors.add(
                row,
                "kpi",
                _("Row %(row)s already holds “%(name)s”.")
                % {"row": seen[given.lower()], "name": given},
            )
            continue
        seen[given.lower()] = row
        kpi: KPI | None = known.get(given)
        named = names.get(given.lower(), [])
        if kpi is None and len(named) > 1:
            errors.add(
                row,
                "kpi",
                ngettext(
                    "%(count)s KPI is called “%(name)s”: use its key.",
                    "%(count)s KPIs are called “%(name)s”: use its key.",
                    len(named),
                )
                % {"count": len(named), "name": given},
            )
            continue
        if kpi is None and not named:
            unit = _unit(cells.get("unit", ""))
            if isinstance(unit, str):
                errors.add(row, "unit", unit)
                unit = (KeyResult.Unit.NUMBER, "")
            target = None
            try:
                target = decimal_field("target", cells.get("target", "") or None)
            except ValidationError as e:
                errors.add(row, "target", _message(e))
            new.append((row, given, {"unit": unit[0], "currency": unit[1], "target": target}))
        for column in weeks:
            text = cells.get(column, "").strip()
            if text:
                values.append((row, column, text))
    errors.raise_any()
    return new, values


def _kpi_write(
    organization: Organization, table: Table, by: User | None, today: dt.date | None
) -> SheetResult:
    new, values = _kpi_plan(organization, table)
    result = SheetResult()
    weeks = {name: _header_date(name) for name in table.header}
    with transaction.atomic():
        created: dict[int, KPI] = {}
        for row, name, fields in new:
            try:
                created[row] = kpi_create(
                    organization=organization,
                    name=name,
                    frequency=Frequency.WEEKLY,
                    by=by,
                    source=Source.IMPORT,
                    **fields,
                )
            except ValidationError as e:
                raise FileError([{"row": row, "column": "kpi", "message": _message(e)}]) from None
            result.kpis += 1
            result.changes.append(f"created the KPI “{name}”")
        by_row: dict[int, KPI] = dict(created)
        lookup: dict[str, KPI] = {}
        for kpi in KPI.objects.filter(organization=organization):
            lookup.setdefault(kpi.key, kpi)
            lookup.setdefault(kpi.name.strip().lower(), kpi)
        rows: list[dict[str, Any]] = []
        where: list[tuple[int, str]] = []
        for row, column, text in values:
            found = by_row.get(row)
            if found is None:
                cells = dict(zip(table.header, table.rows[row - FIRST_ROW], strict=True))
                given = cells["kpi"].strip()
                found = by_row[row] = lookup.get(given) or lookup[given.lower()]
            kpi = found
            day = weeks[column]
            assert day is not None  # the plan kept only dated columns
            rows.append(
                {
                    "kpi": kpi.pk,
                    "period_start": kpi.period_containing(day).isoformat(),
                    "value": text,
                }
            )
            where.append((row, column))
        try:
            ingested = measurements_ingest(
                organization=organization,
                rows=rows,
                by=by,
                source=MeasurementSource.IMPORT,
                today=today,
            )
        except IngestError as e:
            raise FileError(
                [
                    {
                        "row": None if err["index"] is None else where[err["index"]][0],
                        "column": ""
                        if err["index"] is None
                        else ("kpi" if err["field"] in ("kpi", "row") else where[err["index"]][1]),
                        "message": err["message"],
                    }
                    for err in e.errors
                ]
            ) from None
        result.values = ingested.created + ingested.updated
    return result


def kpi_sheet_check(
    *, organization: Organization, table: Table, by: User | None, today: dt.date | None = None
) -> SheetResult:
    """Raise :class:`FileError` for every problem of a KPI sheet; write nothing."""
    return _dry(lambda: _kpi_write(organization, table, by, today))


def kpi_sheet_import(
    *, organization: Organization, table: Table, by: User | None, today: dt.date | None = None
) -> SheetResult:
    """Create the sheet's new KPIs and record its values, all or nothing."""
    return _kpi_write(organization, table, by, today)
