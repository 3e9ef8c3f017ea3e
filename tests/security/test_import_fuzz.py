"""Every importer, fed what people and tools really produce: random bytes, text in
the wrong encoding, tables with right and wrong headers, numbers with commas, huge
numbers, NaN, dates in odd formats, duplicated rows, empty cells, formulas.

The promise: a file is imported, or refused with errors naming the row and column
(``FileError``) or the place in the YAML (``OkrYamlError``); never another exception,
never a 500 from the upload page, and a refused file writes nothing.

Bounded for CI: a fixed number of examples per importer (60; 25 through the upload
page), derandomised so that a run is repeatable and a failure reproduces.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from typing import Any

import pytest
import yaml
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from tandem.accounts.models import Organization, User
from tandem.audit.models import AuditEvent
from tandem.integrations import files, sheets
from tandem.integrations.files import FileError
from tandem.integrations.okr_yaml import (
    INITIATIVE_KEYS,
    KEY_RESULT_KEYS,
    OBJECTIVE_KEYS,
    OkrYamlError,
    okrs_import_yaml,
)
from tandem.kpis import services as kpis
from tandem.kpis.models import KPI, Measurement
from tandem.okrs import services as okrs
from tandem.okrs.models import CheckIn, Initiative, KeyResult, Objective
from tests.conftest import Cast
from tests.integrations.conftest import xlsx

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.large_base_example,
    ],
)
# The rows every refused import must leave as they were.
COUNTED: tuple[type[Model], ...] = (
    KPI,
    Measurement,
    CheckIn,
    Objective,
    KeyResult,
    Initiative,
    AuditEvent,
)


def counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in COUNTED}


@dataclass
class Org:
    org: Organization
    owner: User
    kpi: KPI
    objective: Objective
    kr: KeyResult
    milestone: KeyResult
    monday: dt.date


@pytest.fixture
def org(cast: Cast) -> Org:
    revenue = kpis.kpi_create(
        organization=cast.org, name="Revenue", key="revenue", target="100", by=cast.owner
    )
    milestone = okrs.key_result_create(
        objective=cast.objective, title="Open an office", kind="milestone", by=cast.owner
    )
    today = cast.org.today()
    return Org(
        org=cast.org,
        owner=cast.owner,
        kpi=revenue,
        objective=cast.objective,
        kr=cast.kr,
        milestone=milestone,
        monday=today - dt.timedelta(days=today.weekday() + 7),
    )


# -- what goes in a cell -------------------------------------------------------------------

ODD_CELLS = [
    "",
    " ",
    "1,234.5",
    "1.234,5",
    "12,5",
    "1,2,3",
    "1e400",
    "-1e-400",
    "9" * 40,
    "1E+999999999999999999999",
    "NaN",
    "nan",
    "sNaN",
    "Infinity",
    "-inf",
    "0x10",
    "1_000",
    "١٢٣",
    "²",
    "=1+1",
    '=HYPERLINK("http://evil.test","x")',
    "+1",
    "@SUM(A1:A2)",
    "2026/01/05",
    "05.01.2026",
    "2026-13-45",
    "".join(chr(0xFF10 + int(c)) if c.isdigit() else c for c in "2026-01-05"),  # fullwidth
    "2026-W03",
    "2026-01-05T10:00:00+02:00",
    "yes",
    "no",
    "maybe",
    "0",
    "7",
    "10",
    "11",
    "-3",
    "\x00",
    "a\x00b",
    "<script>alert(1)</script>",
    "x" * 300,
]
HEADERS = [
    *files.MEASUREMENT_COLUMNS,
    *files.CHECKIN_COLUMNS,
    *sheets.OKR_COLUMNS,
    "2026-11-02",
    "Period Start",
    "KPI",
    " Key Result ",
    "valeur",
    "",
    "value",
]


def cell(w: Org) -> st.SearchStrategy[str]:
    known = [
        w.kpi.key,
        w.kpi.name,
        str(w.kpi.pk),
        str(w.kr.pk),
        str(w.milestone.pk),
        w.objective.title,
        w.kr.title,
        w.milestone.title,
        w.monday.isoformat(),
        (w.monday - dt.timedelta(days=7)).isoformat(),
        (w.monday + dt.timedelta(days=3)).isoformat(),
        (w.monday + dt.timedelta(days=400)).isoformat(),
    ]
    return st.one_of(
        st.sampled_from(known),
        st.sampled_from(ODD_CELLS),
        st.text(max_size=12),
        st.integers().map(str),
        st.floats().map(str),
        st.decimals().map(str),
        st.dates().map(dt.date.isoformat),
    )


@st.composite
def tables(draw: st.DrawFn, w: Org) -> list[list[str]]:
    header = draw(st.lists(st.sampled_from(HEADERS), min_size=1, max_size=7))
    width = len(header)
    rows = draw(
        st.lists(
            st.lists(cell(w), min_size=max(0, width - 1), max_size=width + 1),
            max_size=8,
        )
    )
    duplicate = draw(st.booleans())
    if rows and duplicate:
        rows.append(list(draw(st.sampled_from(rows))))
    return [header, *rows]


@st.composite
def mutated(draw: st.DrawFn, w: Org, rows: list[list[str]]) -> list[list[str]]:
    """Good rows with a few cells replaced by odd ones, and perhaps a row twice: most
    files then have one or two problems, as real ones do, and some have none."""
    rows = [list(row) for row in rows]
    for _ in range(draw(st.integers(0, 3))):
        row = draw(st.sampled_from(rows))
        row[draw(st.integers(0, len(row) - 1))] = draw(cell(w))
    if draw(st.booleans()):
        rows.append(list(draw(st.sampled_from(rows))))
    return rows


@st.composite
def measurement_tables(draw: st.DrawFn, w: Org) -> list[list[str]]:
    """Mostly right headers, so that the rows get checked and often imported."""
    note = draw(st.booleans())
    weeks = draw(st.lists(st.integers(1, 30), min_size=1, max_size=6, unique=True))
    rows = [
        [
            draw(st.sampled_from([w.kpi.key, w.kpi.name, str(w.kpi.pk)])),
            (w.monday - dt.timedelta(weeks=n)).isoformat(),
            str(draw(st.decimals(-(10**6), 10**6, allow_nan=False, places=2))),
            *([draw(st.text(max_size=10))] if note else []),
        ]
        for n in weeks
    ]
    header = ["kpi", "period_start", "value", *(["note"] if note else [])]
    return [header, *draw(mutated(w, rows))]


@st.composite
def checkin_tables(draw: st.DrawFn, w: Org) -> list[list[str]]:
    header = ["key_result", "value", "done", "confidence", "note", "date"]
    rows = []
    for _ in range(draw(st.integers(1, 5))):
        metric = draw(st.booleans())
        rows.append(
            [
                str(w.kr.pk if metric else w.milestone.pk),
                str(draw(st.integers(-10, 200))) if metric else "",
                "" if metric else draw(st.sampled_from(["yes", "no"])),
                str(draw(st.integers(1, 10))),
                draw(st.text(max_size=10)),
                draw(st.sampled_from(["", w.monday.isoformat()])),
            ]
        )
    return [header, *draw(mutated(w, rows))]


# Mostly good titles, people, teams and numbers, so that many sheets import and the
# rest have one or two problems, as real ones do.
TITLES = st.one_of(
    st.from_regex(r"[A-Za-z][A-Za-z0-9 ]{0,20}", fullmatch=True),
    st.from_regex(r"[A-Za-z][A-Za-z0-9 ]{0,20}", fullmatch=True),
    st.from_regex(r"[A-Za-z][A-Za-z0-9 ]{0,20}", fullmatch=True),
    st.text(max_size=12),
)


@st.composite
def okr_sheet_tables(draw: st.DrawFn, w: Org) -> list[list[str]]:
    """OKR sheets with known and unknown teams and people, blank objective cells under
    the first, and numbers of every sort."""
    header = ["objective", "team", "key_result", "owner", "baseline", "target", "current"]
    rows = []
    for index in range(draw(st.integers(1, 3))):
        rows.append(
            [
                "" if index and draw(st.booleans()) else draw(TITLES),
                draw(st.sampled_from(["", "Sales", "sales", "Sales", "Sales", "Nope"])),
                draw(TITLES),
                draw(
                    st.sampled_from(
                        [w.owner.email, "Olivia Owner", w.owner.email, "", "nobody@x.test"]
                    )
                ),
                str(draw(st.integers(-5, 50))),
                str(draw(st.integers(51, 200) if draw(st.integers(0, 5)) else st.integers())),
                draw(st.sampled_from(["", "7", "12.5", "1,250", "7", "1,5", "abc"])),
            ]
        )
    return [header, *draw(mutated(w, rows))]


@st.composite
def kpi_sheet_tables(draw: st.DrawFn, w: Org) -> list[list[str]]:
    """KPI sheets: known and new KPIs, units and targets, a column per recent week."""
    weeks = draw(st.lists(st.integers(1, 30), min_size=1, max_size=5, unique=True))
    header = [
        "kpi",
        "unit",
        "target",
        *[(w.monday - dt.timedelta(weeks=n)).isoformat() for n in weeks],
    ]
    rows = [
        [
            draw(st.sampled_from([w.kpi.key, w.kpi.name, "New KPI", "Another"])),
            draw(st.sampled_from(["", "%", "EUR", "€", "miles"])),
            draw(st.sampled_from(["", "10", "x"])),
            *[
                str(draw(st.decimals(-(10**6), 10**6, allow_nan=False, places=2)))
                if draw(st.booleans())
                else ""
                for _ in weeks
            ],
        ]
        for _ in range(draw(st.integers(1, 4)))
    ]
    return [header, *draw(mutated(w, rows))]


ENCODINGS = ["utf-8", "utf-8", "utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252", "shift_jis"]


@st.composite
def csv_bytes(draw: st.DrawFn, table: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=draw(st.sampled_from([",", ";", "\t", "|"]))).writerows(table)
    return out.getvalue().encode(draw(st.sampled_from(ENCODINGS)), errors="replace")


def csv_text(table: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(table)
    return out.getvalue()


@st.composite
def xlsx_bytes(draw: st.DrawFn, table: list[list[str]]) -> bytes:
    """A workbook as Excel writes it: text, or a typed number, date or formula."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in table:
        typed: list[Any] = []
        for text in row:
            text = ILLEGAL_CHARACTERS_RE.sub("", text)
            kind = draw(st.sampled_from(["text", "text", "typed"]))
            if kind == "typed":
                try:
                    typed.append(int(text))
                    continue
                except ValueError:
                    pass
                try:
                    typed.append(dt.datetime.fromisoformat(text).replace(tzinfo=None))
                    continue
                except ValueError:
                    pass
            typed.append(text)  # "=1+1" is a formula: openpyxl writes it as one
        sheet.append(typed)
    if draw(st.booleans()):
        sheet.append([draw(st.floats(allow_nan=False, allow_infinity=False)), True, None])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# -- running an import ---------------------------------------------------------------------


def _clear(errors: list[dict[str, Any]]) -> None:
    assert errors, "a refusal without a reason"
    for error in errors:
        assert isinstance(error["message"], str), error
        assert error["message"].strip(), error
        assert error["row"] is None or isinstance(error["row"], int), error
        assert isinstance(error.get("column", ""), str), error


def import_file(w: Org, filename: str, data: bytes, kind: str | None = None) -> str:
    """Read, check and import one file as the owner; ``"imported"`` or ``"refused"``."""
    before = counts()
    refusal: FileError | ValidationError | None = None
    try:
        table = files.read_table(filename, data)
        kind = kind or sheets.looks_like(table) or files.guess_kind(table)
        if kind == files.MEASUREMENTS:
            files.measurements_check(organization=w.org, table=table)
            files.measurements_import(organization=w.org, table=table, by=w.owner)
        elif kind == sheets.OKR_SHEET:
            sheets.okr_sheet_check(organization=w.org, table=table, by=w.owner)
            sheets.okr_sheet_import(organization=w.org, table=table, by=w.owner)
        elif kind == sheets.KPI_SHEET:
            sheets.kpi_sheet_check(organization=w.org, table=table, by=w.owner)
            sheets.kpi_sheet_import(organization=w.org, table=table, by=w.owner)
        else:
            files.checkins_check(organization=w.org, table=table, by=w.owner)
            files.checkins_import(organization=w.org, table=table, by=w.owner)
    except (FileError, ValidationError) as e:
        refusal = e
    if refusal is None:
        return "imported"
    if isinstance(refusal, FileError):
        _clear(refusal.errors)
    assert refusal.messages if isinstance(refusal, ValidationError) else True
    assert counts() == before, f"a refused file wrote rows: {refusal}"
    return "refused"


Outcomes = dict[str, int]


@pytest.fixture
def outcomes() -> Outcomes:
    """How many examples were imported and refused: a fuzzer that only ever hit the
    first refusal (a wrong header) would test little."""
    return {"imported": 0, "refused": 0}


def test_random_bytes_are_refused_clearly_whatever_the_file_name(org: Org) -> None:
    @FUZZ
    @given(
        data=st.binary(max_size=2048),
        name=st.sampled_from(["values.csv", "values.xlsx", "values.txt", "values.xls", "v"]),
    )
    def run(data: bytes, name: str) -> None:
        import_file(org, name, data)

    run()


def test_random_text_in_random_encodings_is_imported_or_refused_clearly(org: Org) -> None:
    @FUZZ
    @given(
        text=st.text(max_size=400),
        encoding=st.sampled_from(ENCODINGS),
        name=st.sampled_from(["values.csv", "values.xlsx"]),
    )
    def run(text: str, encoding: str, name: str) -> None:
        import_file(org, name, text.encode(encoding, errors="replace"))

    run()


def test_random_csv_tables_are_imported_or_refused_clearly(org: Org) -> None:
    @FUZZ
    @given(st.data())
    def run(data: st.DataObject) -> None:
        table = data.draw(tables(org))
        kind = data.draw(st.sampled_from([None, files.MEASUREMENTS, files.CHECKINS]))
        import_file(org, "table.csv", data.draw(csv_bytes(table)), kind)

    run()


def test_random_xlsx_tables_are_imported_or_refused_clearly(org: Org) -> None:
    @FUZZ
    @given(st.data())
    def run(data: st.DataObject) -> None:
        table = data.draw(tables(org))
        kind = data.draw(st.sampled_from([None, files.MEASUREMENTS, files.CHECKINS]))
        import_file(org, "table.xlsx", data.draw(xlsx_bytes(table)), kind)

    run()


@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_measurement_files_are_imported_or_refused_clearly(
    org: Org, outcomes: Outcomes, form: str
) -> None:
    @FUZZ
    @given(st.data())
    def run(data: st.DataObject) -> None:
        table = data.draw(measurement_tables(org))
        body = data.draw(csv_bytes(table) if form == "csv" else xlsx_bytes(table))
        outcomes[import_file(org, f"values.{form}", body, files.MEASUREMENTS)] += 1

    run()
    assert outcomes["imported"], outcomes
    assert outcomes["refused"], outcomes


@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_checkin_files_are_imported_or_refused_clearly(
    org: Org, outcomes: Outcomes, form: str
) -> None:
    @FUZZ
    @given(st.data())
    def run(data: st.DataObject) -> None:
        table = data.draw(checkin_tables(org))
        body = data.draw(csv_bytes(table) if form == "csv" else xlsx_bytes(table))
        outcomes[import_file(org, f"checkins.{form}", body, files.CHECKINS)] += 1

    run()
    assert outcomes["imported"], outcomes
    assert outcomes["refused"], outcomes


@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_okr_sheets_are_imported_or_refused_clearly(
    org: Org, outcomes: Outcomes, form: str
) -> None:
    @FUZZ
    @given(st.data())
    def run(data: st.DataObject) -> None:
        table = data.draw(okr_sheet_tables(org))
        body = data.draw(csv_bytes(table) if form == "csv" else xlsx_bytes(table))
        outcomes[import_file(org, f"okrs.{form}", body, sheets.OKR_SHEET)] += 1

    run()
    assert outcomes["refused"], outcomes
    # Most drawn sheets carry a problem, so how many import depends on the draws; a
    # clean sheet in the same form must import every time.
    clean = [
        ["objective", "team", "key_result", "owner", "baseline", "target", "current"],
        ["Win the north", "Sales", "Sign partners", org.owner.email, "0", "10", "3"],
    ]
    body = csv_text(clean).encode() if form == "csv" else xlsx([list(row) for row in clean])
    assert import_file(org, f"clean.{form}", body, sheets.OKR_SHEET) == "imported"


@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_kpi_sheets_are_imported_or_refused_clearly(
    org: Org, outcomes: Outcomes, form: str
) -> None:
    @FUZZ
    @given(st.data())
    def run(data: st.DataObject) -> None:
        table = data.draw(kpi_sheet_tables(org))
        body = data.draw(csv_bytes(table) if form == "csv" else xlsx_bytes(table))
        outcomes[import_file(org, f"kpis.{form}", body, sheets.KPI_SHEET)] += 1

    run()
    assert outcomes["imported"], outcomes
    assert outcomes["refused"], outcomes


# -- the OKR YAML import -------------------------------------------------------------------

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.sampled_from(ODD_CELLS),
    st.dates(),
    st.datetimes(),
    st.decimals(allow_nan=False).map(str),
)
ANY_VALUE = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=8,
)


def field_values(known: list[Any]) -> st.SearchStrategy[Any]:
    return st.sampled_from(known) | ANY_VALUE if known else ANY_VALUE


@st.composite
def okr_documents(draw: st.DrawFn, cast_names: dict[str, list[Any]]) -> Any:
    """A file shaped like an export, its fields drawn from right and wrong values."""

    def item(fields: list[str], children: dict[str, Any]) -> dict[str, Any]:
        chosen = draw(st.lists(st.sampled_from(fields), unique=True, max_size=len(fields)))
        out: dict[str, Any] = {
            name: draw(field_values(cast_names.get(name, []))) for name in chosen
        }
        for name, make in children.items():
            if draw(st.booleans()):
                out[name] = [make() for _ in range(draw(st.integers(0, 2)))]
        return out

    def initiative() -> dict[str, Any]:
        return item([*sorted(INITIATIVE_KEYS), "nope"], {})

    def key_result() -> dict[str, Any]:
        return item(
            sorted(KEY_RESULT_KEYS - {"initiatives"}),
            {"initiatives": initiative},
        )

    def objective() -> dict[str, Any]:
        return item(
            sorted(OBJECTIVE_KEYS - {"key_results", "initiatives"}),
            {"key_results": key_result, "initiatives": initiative},
        )

    doc: dict[str, Any] = {}
    for name in draw(st.lists(st.sampled_from(["version", "cycle", "extra"]), unique=True)):
        doc[name] = draw(field_values(cast_names.get(name, [])))
    doc["objectives"] = [objective() for _ in range(draw(st.integers(0, 3)))]
    return doc


def import_yaml(cast: Cast, text: str, with_cycle: bool) -> str:
    before = counts()
    refusal: OkrYamlError | None = None
    try:
        okrs_import_yaml(
            organization=cast.org,
            text=text,
            by=cast.owner,
            cycle=cast.cycle if with_cycle else None,
        )
    except OkrYamlError as e:
        refusal = e
    if refusal is None:
        return "imported"
    assert refusal.errors, "a refusal without a reason"
    for error in refusal.errors:
        assert error["path"], error
        assert error["message"].strip(), error
    assert counts() == before, f"a refused file wrote rows: {refusal}"
    return "refused"


def test_random_text_as_okr_yaml_is_refused_clearly(cast: Cast) -> None:
    @FUZZ
    @given(
        text=st.text(max_size=300) | st.binary(max_size=300).map(lambda b: b.decode("latin-1")),
        with_cycle=st.booleans(),
    )
    def run(text: str, with_cycle: bool) -> None:
        import_yaml(cast, text, with_cycle)

    run()


def test_okr_yaml_files_are_imported_or_refused_clearly(cast: Cast, outcomes: Outcomes) -> None:
    okrs.key_result_create(
        objective=cast.objective, title="Ship it", kind="milestone", by=cast.owner
    )
    kpis.kpi_create(organization=cast.org, name="Churn", key="churn", by=cast.owner)
    names: dict[str, list[Any]] = {
        "version": [1, 2, "1"],
        "cycle": [cast.cycle.name, "Another quarter"],
        "key": [
            f"obj-{cast.objective.pk}",
            f"kr-{cast.kr.pk}",
            "growth",
            "obj-99999999999999999999",
        ],
        "title": ["Grow", "  ", "Become the go-to IT service provider in our region"],
        "kind": ["committed", "aspirational", "metric", "milestone"],
        "owner_team": [cast.team.slug, "nobody"],
        "owner_user": [cast.member.email, "nobody@acme.test"],
        "owner": [cast.member.email],
        "state": ["active", "closed", "draft"],
        "private": [True, False, "yes"],
        "unit": ["number", "percent", "currency"],
        "currency": ["EUR", "euro"],
        "baseline": [0, "0", 10],
        "target": [100, "1,000", 0, "NaN"],
        "weight": [1, 0, -1, "2"],
        "kpi": [{"key": "churn"}, {"key": "churn", "aggregation": "sum"}, {"key": "nope"}],
        "status": ["not_started", "done", "lost"],
        "due_date": [
            "2026-01-05",
            dt.date(2026, 1, 5),
            dt.datetime(2026, 1, 5, 10, tzinfo=dt.UTC),
            "soon",
        ],
        "aligned_to": [["growth"], [f"obj-{cast.objective.pk}"], ["kr-1"]],
        "guardrails": [["churn"], ["nope"]],
        "indicators": [["churn"]],
    }

    @FUZZ
    @given(doc=okr_documents(names), with_cycle=st.booleans())
    def run(doc: Any, with_cycle: bool) -> None:
        outcomes[import_yaml(cast, yaml.safe_dump(doc, allow_unicode=True), with_cycle)] += 1

    run()
    assert outcomes["refused"], outcomes


def test_an_exported_file_with_odd_scalars_is_refused_with_its_path(cast: Cast) -> None:
    """A title YAML reads as a date, a list where text goes: the path names the field."""
    text = (
        f"cycle: {cast.cycle.name}\n"
        "objectives:\n"
        "  - title: 2026-01-05\n"
        f"    owner_team: {cast.team.slug}\n"
        "    description: [a, b]\n"
    )
    with pytest.raises(OkrYamlError) as refused:
        okrs_import_yaml(organization=cast.org, text=text, by=cast.owner)
    paths = [e["path"] for e in refused.value.errors]
    assert "objectives[0].description" in paths


# -- the upload page -----------------------------------------------------------------------


def test_the_upload_page_never_answers_500(org: Org) -> None:
    client = Client()
    client.force_login(org.owner)

    @settings(FUZZ, max_examples=25)
    @given(st.data())
    def run(data: st.DataObject) -> None:
        form = data.draw(st.sampled_from(["csv", "xlsx", "bytes"]))
        table = data.draw(
            st.one_of(tables(org), measurement_tables(org), checkin_tables(org)),
        )
        body: bytes
        if form == "csv":
            body = data.draw(csv_bytes(table))
        elif form == "xlsx":
            body = data.draw(xlsx_bytes(table))
        else:
            body = data.draw(st.binary(max_size=512))
        name = data.draw(st.sampled_from([f"upload.{form}", "upload.csv", "upload.xlsx"]))
        before = counts()
        response = client.post(
            reverse("import"),
            {
                "file": SimpleUploadedFile(name, body),
                "kind": data.draw(st.sampled_from(["", files.MEASUREMENTS, files.CHECKINS])),
            },
        )
        # Client raises what the view raised: a 500 fails here with its traceback.
        assert response.status_code in (302, 422), response.status_code
        assert counts() == before, "the upload alone wrote rows"
        if response.status_code == 302:
            preview = client.get(reverse("import_preview"))
            assert preview.status_code == 200
            committed = client.post(reverse("import_commit"))
            assert committed.status_code in (302, 422)
            if committed.status_code == 422:
                assert counts() == before, "a refused commit wrote rows"

    run()


# -- what the fuzzing found ----------------------------------------------------------------
# A NUL character crashed every importer on PostgreSQL (which cannot store one in text)
# and was stored silently on SQLite; "²" as a key result id crashed the check-in import.


@pytest.mark.parametrize("column", files.MEASUREMENT_COLUMNS)
def test_a_nul_in_a_measurement_file_is_refused_at_its_cell(org: Org, column: str) -> None:
    row = {"kpi": org.kpi.key, "period_start": org.monday.isoformat(), "value": "5", "note": ""}
    row[column] = "a\x00b"
    body = "kpi,period_start,value,note\n" + ",".join(row.values())
    before = counts()
    with pytest.raises(FileError) as refused:
        files.measurements_import(
            organization=org.org, table=files.read_table("v.csv", body.encode()), by=org.owner
        )
    assert refused.value.errors[0] == {
        "row": 2,
        "column": column,
        "message": "This cell holds a NUL character. Save the file as “CSV UTF-8” and "
        "upload it again.",
    }
    assert counts() == before


@pytest.mark.parametrize("column", files.CHECKIN_COLUMNS)
def test_a_nul_in_a_checkin_file_is_refused_at_its_cell(org: Org, column: str) -> None:
    row = dict.fromkeys(files.CHECKIN_COLUMNS, "")
    row.update(key_result=str(org.kr.pk), value="5", confidence="7")
    row[column] = "\x00"
    body = ",".join(files.CHECKIN_COLUMNS) + "\n" + ",".join(row.values())
    assert import_file(org, "c.csv", body.encode(), files.CHECKINS) == "refused"


def test_a_key_result_id_in_superscript_digits_is_a_row_error(org: Org) -> None:
    table = files.read_table("c.csv", "key_result,value,confidence\n²,5,7\n".encode())
    with pytest.raises(FileError) as refused:
        files.checkins_check(organization=org.org, table=table, by=org.owner)
    assert refused.value.errors[0]["row"] == 2
    assert refused.value.errors[0]["column"] == "key_result"
    assert "is not a key result id" in refused.value.errors[0]["message"]


def test_a_nul_sent_to_the_ingestion_is_a_row_error(org: Org) -> None:
    from tandem.integrations.ingest import IngestError, measurements_ingest

    before = counts()
    with pytest.raises(IngestError) as refused:
        measurements_ingest(
            organization=org.org,
            rows=[
                {"kpi": "rev\x00enue", "period_start": org.monday.isoformat(), "value": "1"},
                {
                    "kpi": org.kpi.key,
                    "period_start": org.monday.isoformat(),
                    "value": "1",
                    "note": "\x00",
                },
            ],
            by=org.owner,
        )
    assert [(e["index"], e["field"]) for e in refused.value.errors] == [(0, "kpi"), (1, "note")]
    assert counts() == before


@pytest.mark.parametrize("field", ["cycle", "title", "description", "owner_team"])
def test_a_nul_in_an_okr_yaml_file_is_refused_at_its_field(cast: Cast, field: str) -> None:
    doc: dict[str, Any] = {
        "cycle": cast.cycle.name,
        "objectives": [{"title": "Grow", "owner_team": cast.team.slug}],
    }
    if field == "cycle":
        doc["cycle"] = "This\x00quarter"
    else:
        doc["objectives"][0][field] = "a\x00b"
    before = counts()
    with pytest.raises(OkrYamlError) as refused:
        okrs_import_yaml(organization=cast.org, text=yaml.safe_dump(doc), by=cast.owner)
    where = "cycle" if field == "cycle" else f"objectives[0].{field}"
    assert {"path": where, "message": "Text cannot hold a NUL character (\\0)."} in (
        refused.value.errors
    )
    assert counts() == before
