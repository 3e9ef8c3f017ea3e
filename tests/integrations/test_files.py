"""Measurements and check-ins from CSV and XLSX files: all or nothing, errors at row and
column as the spreadsheet shows them."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.audit.models import AuditEvent
from tandem.integrations import files
from tandem.integrations.files import FileError
from tandem.kpis.models import Measurement
from tandem.kpis.selectors import org_today
from tandem.okrs import services as okrs
from tandem.okrs.models import CheckIn, KeyResult
from tests.conftest import Cast
from tests.integrations.conftest import TODAY, WEEK_2, D, row_counts, xlsx


def table(text: str, name: str = "values.csv") -> files.Table:
    return files.read_table(name, text.encode())


def where(error: FileError) -> set[tuple[int | None, str]]:
    return {(e["row"], e["column"]) for e in error.errors}


def import_measurements(cast: Cast, t: files.Table):
    return files.measurements_import(organization=cast.org, table=t, by=cast.editor, today=TODAY)


def test_a_csv_of_measurements_is_imported_by_kpi_key_or_name(cast: Cast, revenue, churn):
    t = table(
        "KPI,Period start,Value,Note\n"
        "revenue,2026-05-04,100,\n"
        "Monthly churn,2026-05-01,2.5,after the price change\n"
    )
    assert files.guess_kind(t) == files.MEASUREMENTS
    result = import_measurements(cast, t)
    assert (result.created, result.updated, result.unchanged) == (2, 0, 0)
    assert Measurement.objects.get(kpi=churn).note == "after the price change"
    assert Measurement.objects.get(kpi=revenue).source == "import"
    (event,) = AuditEvent.objects.filter(action="measurement.batch", source="import")
    assert event.after is not None
    assert event.after["created"] == 2
    assert sorted(event.after["kpis"]) == sorted([revenue.pk, churn.pk])


def test_an_xlsx_of_measurements_with_real_dates_and_numbers_is_imported(cast: Cast, revenue):
    data = xlsx(
        [
            ["kpi", "period_start", "value"],
            # Spreadsheets keep dates as naive midnights.
            ["revenue", dt.datetime(2026, 5, 4), 100],  # noqa: DTZ001
            ["revenue", dt.datetime(2026, 5, 11), 120.5],  # noqa: DTZ001
        ]
    )
    result = import_measurements(cast, files.read_table("values.xlsx", data))
    assert result.created == 2
    assert Measurement.objects.get(period_start=WEEK_2).value == D("120.5")


def test_a_semicolon_separated_csv_with_a_byte_order_mark_is_read(cast: Cast, revenue):
    t = files.read_table("v.csv", "\ufeffkpi;period_start;value\nrevenue;2026-05-04;7\n".encode())
    assert t.header == ["kpi", "period_start", "value"]
    assert import_measurements(cast, t).created == 1


def test_bad_rows_are_named_by_spreadsheet_row_and_column_and_nothing_is_written(
    cast: Cast, revenue
):
    before = row_counts()
    t = table(
        "kpi,period_start,value\n"
        "revenue,2026-05-04,100\n"
        "revenue,2026-05-11,lots\n"
        "nope,2026-05-11,1\n"
        "revenue,2026-05-04,101\n"
        "revenue,next week,1\n"
    )
    with pytest.raises(FileError) as refused:
        import_measurements(cast, t)
    assert where(refused.value) == {
        (3, "value"),
        (4, "kpi"),
        (5, "period_start"),
        (6, "period_start"),
    }
    assert "row 3, column value" in str(refused.value)
    assert row_counts() == before


def test_a_file_with_wrong_columns_is_refused_naming_them(cast: Cast, revenue):
    with pytest.raises(FileError) as refused:
        import_measurements(cast, table("kpi,period,amount\nrevenue,2026-05-04,1\n"))
    assert where(refused.value) == {
        (1, "period"),
        (1, "amount"),
        (1, "period_start"),
        (1, "value"),
    }


@pytest.mark.parametrize(
    ("name", "data", "says"),
    [
        ("empty.csv", b"", "empty"),
        ("header.csv", b"kpi,period_start,value\n", "no values"),
        (
            "latin.csv",
            "kpi,period_start,value,note\nrevenue,2026-05-04,1,caf\xe9\n".encode("latin-1"),
            "UTF-8",
        ),
        ("values.xlsx", b"not a workbook", "Excel"),
        ("values.pdf", b"%PDF", "neither"),
    ],
)
def test_a_malformed_file_gets_a_clear_error(name: str, data: bytes, says: str):
    with pytest.raises(FileError) as refused:
        files.read_table(name, data)
    assert says in str(refused.value)


def test_a_file_naming_neither_kpi_nor_key_result_cannot_be_guessed():
    with pytest.raises(FileError):
        files.guess_kind(table("name,value\nx,1\n"))


def test_importing_the_same_measurements_file_twice_changes_nothing(cast: Cast, revenue):
    t = table("kpi,period_start,value\nrevenue,2026-05-04,100\n")
    import_measurements(cast, t)
    before = row_counts()
    assert import_measurements(cast, t).unchanged == 1
    assert row_counts() == before


# -- check-ins --------------------------------------------------------------------------


@pytest.fixture
def milestone(cast: Cast) -> KeyResult:
    return okrs.key_result_create(
        objective=cast.objective, title="Open the Lyon office", kind="milestone", by=cast.owner
    )


def import_checkins(cast: Cast, t: files.Table, by=None):
    return files.checkins_import(
        organization=cast.org, table=t, by=by or cast.editor, today=org_today(cast.org)
    )


def test_check_ins_by_id_and_by_titles_are_imported_oldest_first(cast: Cast, milestone):
    yesterday = org_today(cast.org) - dt.timedelta(days=1)
    t = table(
        "objective,key_result,value,done,confidence,note,date\n"
        f",{cast.kr.pk},40,,7,good week,\n"
        f",{cast.kr.pk},30,,6,,{yesterday}\n"
        f"{cast.objective.title},Open the Lyon office,,yes,9,signed,\n"
    )
    assert files.guess_kind(t) == files.CHECKINS
    result = import_checkins(cast, t)
    assert result.created == 3
    cast.kr.refresh_from_db()
    milestone.refresh_from_db()
    assert (cast.kr.current, cast.kr.last_confidence) == (D(40), 7)
    assert milestone.done is True
    assert CheckIn.objects.filter(source="import").count() == 3
    assert AuditEvent.objects.filter(action="checkin.create", source="import").count() == 3


def test_an_xlsx_of_check_ins_is_imported(cast: Cast):
    data = xlsx([["key_result", "value", "confidence"], [cast.kr.pk, 55, 8]])
    assert import_checkins(cast, files.read_table("c.xlsx", data)).created == 1
    cast.kr.refresh_from_db()
    assert cast.kr.current == D(55)


def test_bad_check_in_rows_are_all_named_and_nothing_is_written(cast: Cast, milestone):
    before = row_counts()
    t = table(
        "key_result,objective,value,done,confidence,date\n"
        f"{cast.kr.pk},,40,,7,\n"
        f"{cast.kr.pk},,forty,,7,\n"
        f"{milestone.pk},,,maybe,7,\n"
        "999999,,1,,7,\n"
        f"{cast.kr.pk},,1,,11,\n"
        f"{cast.kr.pk},,1,,5,2999-01-01\n"
        f"{cast.kr.pk},,40,,7,\n"
    )
    with pytest.raises(FileError) as refused:
        import_checkins(cast, t)
    assert where(refused.value) == {
        (3, "value"),
        (4, "done"),
        (5, "key_result"),
        (6, "confidence"),
        (7, "date"),
        (8, ""),
    }
    assert row_counts() == before


def test_a_member_imports_check_ins_only_for_key_results_they_may_check_in_on(cast: Cast):
    theirs = table(f"key_result,value,confidence\n{cast.kr.pk},10,5\n")
    assert import_checkins(cast, theirs, by=cast.member).created == 1
    elsewhere = okrs.objective_create(
        organization=cast.org, cycle=cast.cycle, owner_user=cast.admin, by=cast.owner, title="X"
    )
    other = okrs.key_result_create(
        objective=elsewhere, title="Y", baseline=D(0), target=D(1), by=cast.owner
    )
    with pytest.raises(FileError) as refused:
        import_checkins(cast, table(f"key_result,value,confidence\n{other.pk},1,5\n"), cast.member)
    assert where(refused.value) == {(2, "key_result")}


def test_a_key_result_of_another_organisation_is_not_found(cast: Cast):
    theirs_objective = okrs.objective_create(
        organization=cast.other_org,
        cycle=okrs.cycle_create(
            organization=cast.other_org,
            name="Q",
            start_date=cast.cycle.start_date,
            end_date=cast.cycle.end_date,
            by=cast.outsider,
        ),
        owner_team=cast.other_team,
        by=cast.outsider,
        title="Theirs",
    )
    theirs = okrs.key_result_create(
        objective=theirs_objective, title="T", baseline=D(0), target=D(1), by=cast.outsider
    )
    with pytest.raises(FileError) as refused:
        import_checkins(cast, table(f"key_result,value,confidence\n{theirs.pk},1,5\n"))
    assert "No key result" in str(refused.value)


def test_a_dated_check_in_file_imported_twice_adds_nothing_the_second_time(cast: Cast):
    day = org_today(cast.org) - dt.timedelta(days=2)
    t = table(f"key_result,value,confidence,date\n{cast.kr.pk},12,6,{day}\n")
    assert import_checkins(cast, t).created == 1
    before = row_counts()
    assert import_checkins(cast, t).unchanged == 1
    assert row_counts() == before
