"""The OKR and KPI spreadsheets kept in another tool, through the import pages: the
examples in docs/examples import as documented, every error names its row and column,
and a file with any error writes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tandem.accounts import services as accounts
from tandem.accounts.models import Role, User
from tandem.kpis.models import KPI, Measurement
from tandem.okrs.models import CheckIn, KeyResult, Objective
from tests.conftest import Cast, make_user
from tests.integrations.conftest import row_counts, xlsx

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def client_as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, data: bytes, name: str, kind: str = ""):
    return client.post(reverse("import"), {"file": SimpleUploadedFile(name, data), "kind": kind})


def preview_errors(client: Client) -> str:
    return client.get(reverse("import_preview")).content.decode()


@pytest.fixture
def example_people(cast: Cast) -> dict[str, User]:
    """The people the example files name, members of the cast's organisation."""
    people = {}
    for email, name in (
        ("ana@example.com", "Ana Alves"),
        ("ben@example.com", "Ben Baker"),
        ("carla@example.com", "Carla Costa"),
    ):
        people[email] = make_user(email, name)
        accounts.membership_add(
            organization=cast.org, user=people[email], role=Role.MEMBER, by=cast.owner
        )
    return people


def test_the_example_okr_sheet_imports_as_documented(cast: Cast, example_people: dict[str, User]):
    client = client_as(cast.editor)
    response = upload(client, (EXAMPLES / "okrs.csv").read_bytes(), "okrs.csv")
    assert response.status_code == 302
    before = row_counts()
    preview = preview_errors(client)
    assert "Every row is right" in preview
    assert row_counts() == before  # the preview wrote nothing

    done = client.post(reverse("import_commit"), follow=True).content.decode()
    assert "2 objectives, 5 key results and 5 check-ins created" in done

    region = Objective.objects.get(title="Be the IT partner our region recommends")
    assert (region.cycle, region.owner_team, region.kind) == (cast.cycle, cast.team, "aspirational")
    books = Objective.objects.get(title="Close the books in five days")
    assert (books.owner_team, books.owner_user, books.kind) == (
        None,
        example_people["carla@example.com"],
        "committed",
    )
    mrr = KeyResult.objects.get(title="Grow monthly recurring revenue")
    assert (mrr.unit, mrr.currency, mrr.baseline, mrr.target) == (
        "currency",
        "EUR",
        Decimal(120000),
        Decimal(180000),
    )
    assert mrr.owner == example_people["ana@example.com"]
    contracts = KeyResult.objects.get(title="Sign new service contracts")
    assert contracts.objective == region  # the blank objective cell continues the one above
    assert contracts.owner == example_people["ben@example.com"]  # matched by full name
    [check_in] = CheckIn.objects.filter(key_result=contracts)
    assert (check_in.value, check_in.source) == (Decimal(4), "import")
    invoices = KeyResult.objects.get(title="Invoices sent on the day of delivery")
    assert (invoices.objective, invoices.unit) == (books, "percent")


def test_an_okr_sheet_with_errors_names_each_cell_and_writes_nothing(
    cast: Cast, example_people: dict[str, User]
):
    sheet = xlsx(
        [
            ["Objective", "Team", "Key result", "Owner", "Baseline", "Target", "Current"],
            ["Win the region", "Marketing", "More leads", "ana@example.com", 0, 100, 10],
            [None, None, "More demos", "Nobody Known", 0, "lots", 5],
            [None, None, "Same again", "ana@example.com", 5, 5, None],
        ]
    )
    client = client_as(cast.editor)
    before = row_counts()
    upload(client, sheet, "okrs.xlsx")
    page = preview_errors(client)
    assert "No team “Marketing” in Acme IT." in page
    assert "No member “Nobody Known” in Acme IT" in page
    assert "lots" in page
    response = client.post(reverse("import_commit"))
    assert response.status_code == 422
    assert row_counts() == before


def test_the_preview_finds_what_only_the_services_check_and_still_writes_nothing(
    cast: Cast, example_people: dict[str, User]
):
    data = (
        b"objective,team,key_result,owner,baseline,target,current\n"
        b"Win the region,Sales,Flat target,ana@example.com,5,5,5\n"
    )
    client = client_as(cast.editor)
    before = row_counts()
    upload(client, data, "okrs.csv")
    page = preview_errors(client)
    assert "Every row is right" not in page
    assert (
        '<td class="cell--error">5<ul class="errorlist"><li>The target equals the baseline (5)'
        in page
    )
    assert client.post(reverse("import_commit")).status_code == 422
    assert row_counts() == before


def test_an_objective_already_in_the_cycle_is_refused_at_its_row(
    cast: Cast, example_people: dict[str, User]
):
    client = client_as(cast.editor)
    upload(client, (EXAMPLES / "okrs.csv").read_bytes(), "okrs.csv")
    client.post(reverse("import_commit"))
    before = row_counts()
    upload(client, (EXAMPLES / "okrs.csv").read_bytes(), "okrs.csv")
    page = preview_errors(client)
    assert "is already in" in page
    assert row_counts() == before


def test_two_members_with_the_same_name_must_be_told_apart_by_email(
    cast: Cast, example_people: dict[str, User]
):
    twin = make_user("ana.two@example.com", "Ana Alves")
    accounts.membership_add(organization=cast.org, user=twin, role=Role.MEMBER, by=cast.owner)
    data = (
        b"objective,team,key_result,owner,baseline,target\n"
        b"Win the region,Sales,More leads,Ana Alves,0,10\n"
    )
    client = client_as(cast.editor)
    upload(client, data, "okrs.csv")
    assert "2 members are called “Ana Alves”: give the e-mail address instead." in (
        preview_errors(client)
    )


def test_the_example_kpi_sheet_creates_the_new_kpis_and_records_every_week(
    cast: Cast, revenue: KPI
):
    client = client_as(cast.editor)
    upload(client, (EXAMPLES / "kpis-weekly.csv").read_bytes(), "kpis-weekly.csv")
    assert "Every row is right" in preview_errors(client)
    done = client.post(reverse("import_commit"), follow=True).content.decode()
    assert "2 KPIs created and 11 values recorded" in done

    contracts = KPI.objects.get(name="Signed contracts")
    assert contracts.frequency == "weekly"
    values = dict(Measurement.objects.filter(kpi=contracts).values_list("period_start", "value"))
    assert values == {
        dt.date(2026, 11, 2): Decimal(7),
        dt.date(2026, 11, 9): Decimal(9),
        dt.date(2026, 11, 16): Decimal(12),
        dt.date(2026, 11, 23): Decimal(11),
    }
    # "Weekly revenue" already exists (the cast's KPI): matched by name, not created.
    assert KPI.objects.filter(name="Weekly revenue").count() == 1
    assert Measurement.objects.get(kpi=revenue, period_start=dt.date(2026, 11, 9)).value == (
        Decimal("41250.50")
    )
    assert Measurement.objects.filter(kpi__name="Open support tickets").count() == 3


def test_a_week_headed_by_any_day_of_it_counts_for_that_week(cast: Cast, revenue: KPI):
    data = b"kpi,2026-11-06\nrevenue,10\n"  # a Friday
    client = client_as(cast.editor)
    upload(client, data, "kpis.csv", kind="kpi_sheet")
    client.post(reverse("import_commit"))
    [value] = Measurement.objects.filter(kpi=revenue)
    assert value.period_start == dt.date(2026, 11, 2)


def test_a_kpi_sheet_with_errors_names_each_cell_and_writes_nothing(cast: Cast, revenue: KPI):
    data = b"kpi,unit,2026-11-02,next week\nrevenue,,lots\nrevenue,,3\n"
    client = client_as(cast.editor)
    before = row_counts()
    upload(client, data, "kpis.csv", kind="kpi_sheet")
    page = preview_errors(client)
    assert "next_week" in page
    assert "Head each week" in page
    data = b"kpi,unit,2026-11-02\nrevenue,,lots\nrevenue,,3\nNew one,miles,4\n"
    upload(client, data, "kpis.csv", kind="kpi_sheet")
    page = preview_errors(client)
    assert "Row 2 already holds “revenue”." in page
    assert "“miles” is not a unit Tandem knows" in page
    assert client.post(reverse("import_commit")).status_code == 422
    assert row_counts() == before


def test_members_may_not_import_okr_or_kpi_sheets(cast: Cast):
    response = upload(client_as(cast.member), (EXAMPLES / "okrs.csv").read_bytes(), "okrs.csv")
    assert response.status_code == 422
    assert "Only editors, admins and owners import" in response.content.decode()


def test_tandem_import_takes_the_example_sheets_too(
    cast: Cast, example_people: dict[str, User], revenue: KPI
):
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    def tandem(*args: str) -> str:
        out = io.StringIO()
        call_command("importfile", *args, stdout=out, stderr=io.StringIO())
        return out.getvalue()

    common = ["--org", cast.org.slug, "--as", cast.editor.email]
    before = row_counts()
    out = tandem(str(EXAMPLES / "okrs.csv"), *common, "--dry-run")
    assert "2 objectives, 5 key results and 5 check-ins would be created; nothing written." in out
    assert row_counts() == before
    out = tandem(str(EXAMPLES / "okrs.csv"), *common)
    assert "2 objectives, 5 key results and 5 check-ins were created." in out
    out = tandem(str(EXAMPLES / "kpis-weekly.csv"), *common)
    assert "2 new KPIs and 11 values were recorded." in out
    with pytest.raises(CommandError, match=r"row 2, column objective: .* is already in"):
        tandem(str(EXAMPLES / "okrs.csv"), *common)


def test_a_decimal_comma_is_refused_at_its_cell_and_a_thousands_comma_is_read(
    cast: Cast, revenue: KPI
):
    client = client_as(cast.editor)
    upload(client, b'kpi,2026-11-02,2026-11-09\nrevenue,"12,5","1,250.5"\n', "kpis.csv")
    page = preview_errors(client)
    assert (
        '<td class="cell--error">12,5<ul class="errorlist"><li>“12,5” is not a number (write '
        "decimals with a point: 12.5).</li>" in page
    )
    assert "1,250.5</td>" in page  # no error at the thousands separator
    upload(client, b'kpi,2026-11-09\nrevenue,"1,250.5"\n', "kpis.csv")
    client.post(reverse("import_commit"))
    assert Measurement.objects.get(kpi=revenue).value == Decimal("1250.5")


def test_an_excel_kpi_sheet_with_real_dates_as_headers_is_read_by_week(cast: Cast, revenue: KPI):
    # Excel keeps a date as a naive midnight, which is what openpyxl writes back.
    midnight = dt.datetime(2026, 11, 9)  # noqa: DTZ001
    sheet = xlsx(
        [
            ["KPI", dt.date(2026, 11, 2), midnight, dt.date(2026, 11, 18)],
            ["Weekly revenue", 100, 110.5, None],
        ]
    )
    client = client_as(cast.editor)
    upload(client, sheet, "kpis.xlsx")
    assert "Every row is right" in preview_errors(client)
    client.post(reverse("import_commit"))
    assert dict(Measurement.objects.filter(kpi=revenue).values_list("period_start", "value")) == {
        dt.date(2026, 11, 2): Decimal(100),
        dt.date(2026, 11, 9): Decimal("110.5"),
    }
