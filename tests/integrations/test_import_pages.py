"""The import pages: upload, preview with errors at their cells, commit."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tandem.accounts.models import User
from tandem.kpis.models import Measurement
from tandem.okrs.models import CheckIn
from tests.conftest import Cast
from tests.integrations.conftest import D, row_counts, xlsx

GOOD = b"kpi,period_start,value\nrevenue,2026-05-04,100\nrevenue,2026-05-11,120\n"
BAD = (
    b"kpi,period_start,value\nrevenue,2026-05-04,100\nrevenue,2026-05-11,lots\nnope,2026-05-11,1\n"
)


def client_as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def upload(client: Client, data: bytes, name: str = "values.csv", kind: str = ""):
    return client.post(reverse("import"), {"file": SimpleUploadedFile(name, data), "kind": kind})


def test_upload_preview_and_commit_imports_the_values_only_on_commit(cast: Cast, revenue):
    client = client_as(cast.editor)
    assert client.get(reverse("import")).status_code == 200
    before = row_counts()
    response = upload(client, GOOD)
    assert response.status_code == 302
    assert response["Location"] == reverse("import_preview")
    preview = client.get(reverse("import_preview"))
    assert preview.status_code == 200
    assert b"Every row is right" in preview.content
    assert b"Import 2 rows" in preview.content
    assert row_counts() == before
    committed = client.post(reverse("import_commit"), follow=True)
    assert b"2 values created" in committed.content
    assert (
        Measurement.objects.filter(kpi=revenue, source="import", recorded_by=cast.editor).count()
        == 2
    )
    # The parsed file is gone: a second commit imports nothing.
    again = client.post(reverse("import_commit"), follow=True)
    assert b"Nothing to import" in again.content
    assert Measurement.objects.count() == 2


def test_the_preview_marks_each_error_at_its_row_and_column_and_offers_no_commit(
    cast: Cast, revenue
):
    client = client_as(cast.editor)
    upload(client, BAD)
    preview = client.get(reverse("import_preview"))
    html = preview.content.decode()
    assert "2 problems in 2 rows" in html
    assert 'id="row-3"' in html
    assert 'id="row-4"' in html
    assert 'id="row-2"' not in html  # the good row is not repeated among the problems
    assert html.count('class="cell--error"') == 2
    assert "“lots” is not a number" in html
    assert "No KPI “nope”" in html
    assert reverse("import_commit") not in html
    before = row_counts()
    refused = client.post(reverse("import_commit"))
    assert refused.status_code == 422
    assert row_counts() == before


def test_an_xlsx_of_check_ins_goes_through_the_same_steps(cast: Cast):
    client = client_as(cast.member)
    data = xlsx([["key_result", "value", "confidence", "note"], [cast.kr.pk, 35, 6, "steady"]])
    assert upload(client, data, "checkins.xlsx").status_code == 302
    assert b"Key-result check-ins" in client.get(reverse("import_preview")).content
    client.post(reverse("import_commit"))
    checkin = CheckIn.objects.get()
    assert (checkin.value, checkin.author, checkin.source) == (D(35), cast.member, "import")


def test_an_unreadable_file_is_refused_on_the_upload_form(cast: Cast):
    response = upload(client_as(cast.editor), b"kpi,period_start,value\n", "header.csv")
    assert response.status_code == 422
    assert b"The file has a header but no values under it." in response.content


def test_a_member_cannot_import_kpi_values(cast: Cast, revenue):
    response = upload(client_as(cast.member), GOOD)
    assert response.status_code == 422
    assert b"Only editors, admins and owners import KPI values" in response.content
    assert not Measurement.objects.exists()


@pytest.mark.parametrize("page", ["import", "import_preview", "import_commit"])
def test_viewers_may_not_import(cast: Cast, page: str):
    client = client_as(cast.viewer)
    response = client.post(reverse(page)) if page == "import_commit" else client.get(reverse(page))
    assert response.status_code == 403


def test_an_upload_in_one_organisation_is_not_committed_in_another(cast: Cast, revenue):
    from tandem.accounts import services as accounts

    client = client_as(cast.editor)
    upload(client, GOOD)
    accounts.membership_add(
        organization=cast.other_org, user=cast.editor, role="editor", by=cast.outsider
    )
    client.post(reverse("organization_switch"), {"organization": cast.other_org.pk, "next": "/"})
    response = client.post(reverse("import_commit"), follow=True)
    assert b"Nothing to import" in response.content
    assert not Measurement.objects.exists()


def test_the_navigation_offers_import_to_members_but_not_viewers(cast: Cast):
    assert reverse("import").encode() in client_as(cast.member).get(reverse("home")).content
    assert reverse("import").encode() not in client_as(cast.viewer).get(reverse("home")).content


def test_the_preview_names_each_bad_row_in_the_readers_language(cast: Cast, revenue):
    from tandem.accounts import services as accounts

    accounts.user_language_set(user=cast.editor, language="de", organization=cast.org)
    client = client_as(cast.editor)
    upload(client, BAD)
    html = client.get(reverse("import_preview")).content.decode()
    # The row, the column and the value are named as in English; the sentences are German.
    assert 'id="row-3"' in html
    assert 'id="row-4"' in html
    assert "„lots“ ist keine Zahl." in html
    assert f"Kein KPI „nope“ in {cast.org.name}." in html
    assert "is not a number" not in html
    assert "No KPI" not in html


def test_a_file_that_cannot_be_read_is_refused_in_the_readers_language(cast: Cast):
    from tandem.accounts import services as accounts

    accounts.user_language_set(user=cast.member, language="es", organization=cast.org)
    response = upload(client_as(cast.member), b"\xff\xfe\x00kpi", "values.csv")
    html = response.content.decode()
    assert response.status_code == 422
    assert "El archivo no es texto UTF-8 (el byte 1 no se puede leer)." in html
    assert "not UTF-8" not in html
