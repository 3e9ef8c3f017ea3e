"""The KPI list grouped by tag, creating and editing a KPI, archiving and restoring it."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from tandem.kpis import services
from tandem.kpis.models import KPI, KPITarget
from tests.conftest import Cast


def _new(**changes: Any) -> dict[str, Any]:
    data = {
        "name": "Net revenue retention",
        "key": "",
        "description": "Revenue kept from last year's customers.",
        "owner": "",
        "unit": "percent",
        "currency": "",
        "direction": "higher_is_better",
        "frequency": "monthly",
        "aggregation": "last",
        "tags": "Growth, Customers, growth",
        "target": "105",
        "yellow": "100",
    }
    data.update(changes)
    return data


def _edit(kpi: KPI, **changes: Any) -> dict[str, Any]:
    data = {
        "name": kpi.name,
        "key": kpi.key,
        "description": kpi.description,
        "owner": f"team:{kpi.owner_team_id}" if kpi.owner_team_id else "",
        "unit": kpi.unit,
        "currency": kpi.currency,
        "direction": kpi.direction,
        "frequency": kpi.frequency,
        "aggregation": kpi.aggregation,
        "tags": ", ".join(t.name for t in kpi.tags.all()),
        "version": kpi.version,
    }
    data.update(changes)
    return data


# -- list -------------------------------------------------------------------------------


def test_the_kpi_list_groups_kpis_by_tag_and_keeps_archived_ones_apart(
    cast: Cast, client_for, sales_kpi: KPI
):
    services.kpi_create(organization=cast.org, name="Revenue", tags=["Growth"], by=cast.owner)
    services.kpi_create(organization=cast.org, name="Headcount", by=cast.owner)
    old = services.kpi_create(organization=cast.org, name="Fax volume", by=cast.owner)
    services.kpi_update(kpi=old, is_active=False, by=cast.owner)
    services.kpi_create(organization=cast.other_org, name="Globex churn", by=None)
    response = client_for(cast.viewer).get("/kpis/")
    assert response.status_code == 200
    html = response.content.decode()
    headings = [part.split("</h2>", 1)[0].split(">", 1)[1] for part in html.split("<h2 id=")[1:]]
    assert headings == ["Customers", "Growth", "Without a tag", "Archived"]
    assert html.index("Client satisfaction") < html.index("Revenue") < html.index("Headcount")
    assert html.index("Fax volume") > html.index("Archived")
    assert "Globex churn" not in html
    assert "3 KPIs watch" in html
    assert "New KPI" not in html


def test_editors_see_the_new_kpi_button(cast: Cast, client_for):
    html = client_for(cast.editor).get("/kpis/").content.decode()
    assert '<a class="btn" href="/kpis/new/">New KPI</a>' in html


# -- create -----------------------------------------------------------------------------


def test_an_editor_creates_a_kpi_with_its_first_target_and_tags(cast: Cast, client_for):
    client = client_for(cast.editor)
    assert client.get("/kpis/new/").status_code == 200
    response = client.post("/kpis/new/", _new(owner=f"team:{cast.team.pk}"))
    kpi = KPI.objects.get(organization=cast.org, name="Net revenue retention")
    assert response.status_code == 302
    assert response["Location"] == f"/kpis/{kpi.pk}/"
    assert kpi.key == "net-revenue-retention"
    assert (kpi.unit, kpi.frequency, kpi.owner_team) == ("percent", "monthly", cast.team)
    assert sorted(t.name for t in kpi.tags.all()) == ["Customers", "Growth"]
    target = KPITarget.objects.get(kpi=kpi)
    assert (target.target, target.yellow) == (Decimal(105), Decimal(100))


def test_a_kpi_kept_within_a_range_is_created_with_its_range(cast: Cast, client_for):
    response = client_for(cast.admin).post(
        "/kpis/new/",
        _new(
            name="Utilisation",
            direction="within_range",
            target="",
            yellow="",
            low="70",
            high="85",
            tolerance="5",
            owner=f"user:{cast.member.pk}",
        ),
    )
    assert response.status_code == 302
    kpi = KPI.objects.get(name="Utilisation")
    assert kpi.owner_user == cast.member
    target = kpi.targets.get()
    assert (target.low, target.high, target.tolerance) == (Decimal(70), Decimal(85), Decimal(5))


def test_a_kpi_may_be_created_without_a_target(cast: Cast, client_for):
    response = client_for(cast.editor).post("/kpis/new/", _new(target="", yellow=""))
    assert response.status_code == 302
    assert not KPITarget.objects.exists()


def test_a_key_already_used_is_refused_next_to_the_key(cast: Cast, client_for, sales_kpi: KPI):
    response = client_for(cast.editor).post("/kpis/new/", _new(key="client-satisfaction"))
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_key_error"' in html
    assert "Another KPI already uses the key “client-satisfaction”." in html
    assert KPI.objects.filter(organization=cast.org).count() == 1


def test_money_without_a_currency_is_refused_next_to_the_currency(cast: Cast, client_for):
    response = client_for(cast.editor).post("/kpis/new/", _new(unit="currency"))
    assert response.status_code == 422
    assert 'id="id_currency_error"' in response.content.decode()
    assert "Name the currency (e.g. EUR, USD)." in response.content.decode()
    assert not KPI.objects.exists()


def test_thresholds_on_the_wrong_side_of_the_target_are_refused_and_nothing_is_created(
    cast: Cast, client_for
):
    response = client_for(cast.editor).post(
        "/kpis/new/", _new(direction="lower_is_better", target="5", yellow="3")
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_yellow_error"' in html
    assert "When lower is better, yellow ends at or above the target." in html
    assert not KPI.objects.exists()


def test_text_for_a_target_is_refused_naming_it(cast: Cast, client_for):
    response = client_for(cast.editor).post("/kpis/new/", _new(target="lots"))
    assert response.status_code == 422
    assert "“lots” is not a number." in response.content.decode()
    assert not KPI.objects.exists()


def test_a_missing_name_and_an_owner_of_another_organisation_are_refused(cast: Cast, client_for):
    response = client_for(cast.editor).post(
        "/kpis/new/", _new(name="", owner=f"team:{cast.other_team.pk}")
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_name_error"' in html
    assert 'id="id_owner_error"' in html
    assert not KPI.objects.exists()


def test_viewers_and_members_cannot_create_kpis(cast: Cast, client_for):
    for user in (cast.viewer, cast.member):
        client = client_for(user)
        assert client.get("/kpis/new/").status_code == 403
        assert client.post("/kpis/new/", _new()).status_code == 403
    assert not KPI.objects.exists()


# -- edit -------------------------------------------------------------------------------


def test_an_editor_edits_a_kpi_and_its_tags(cast: Cast, client_for, sales_kpi: KPI):
    client = client_for(cast.editor)
    form = client.get(f"/kpis/{sales_kpi.pk}/edit/").content.decode()
    assert 'value="Customers"' in form
    assert f'<option value="team:{cast.team.pk}" selected>Sales</option>' in form
    response = client.post(
        f"/kpis/{sales_kpi.pk}/edit/",
        _edit(sales_kpi, name="Customer satisfaction", tags="Customers, Quality", owner=""),
    )
    assert response.status_code == 302
    sales_kpi.refresh_from_db()
    assert sales_kpi.name == "Customer satisfaction"
    assert sales_kpi.owner_team is None
    assert sorted(t.name for t in sales_kpi.tags.all()) == ["Customers", "Quality"]
    assert sales_kpi.version == 2


def test_an_edit_over_someone_elses_change_is_refused(cast: Cast, client_for, sales_kpi: KPI):
    stale = _edit(sales_kpi, name="Mine")
    services.kpi_update(kpi=sales_kpi, name="Theirs", by=cast.owner)
    response = client_for(cast.editor).post(f"/kpis/{sales_kpi.pk}/edit/", stale)
    assert response.status_code == 422
    assert "Someone else changed “Theirs” since you opened it" in response.content.decode()
    sales_kpi.refresh_from_db()
    assert sales_kpi.name == "Theirs"


def test_editing_another_organisations_kpi_is_404(cast: Cast, client_for):
    theirs = services.kpi_create(organization=cast.other_org, name="Globex churn", by=None)
    client = client_for(cast.owner)
    assert client.get(f"/kpis/{theirs.pk}/edit/").status_code == 404
    assert client.post(f"/kpis/{theirs.pk}/edit/", _edit(theirs, name="x")).status_code == 404
    theirs.refresh_from_db()
    assert theirs.name == "Globex churn"


def test_a_viewer_cannot_edit_a_kpi(cast: Cast, client_for, sales_kpi: KPI):
    response = client_for(cast.viewer).post(f"/kpis/{sales_kpi.pk}/edit/", _edit(sales_kpi))
    assert response.status_code == 403


# -- archive ----------------------------------------------------------------------------


def test_an_archived_kpi_leaves_the_scorecard_and_comes_back_when_restored(
    cast: Cast, client_for, sales_kpi: KPI
):
    client = client_for(cast.editor)
    response = client.post(f"/kpis/{sales_kpi.pk}/archive/")
    assert response["Location"] == f"/kpis/{sales_kpi.pk}/"
    sales_kpi.refresh_from_db()
    assert sales_kpi.is_active is False
    assert f'id="kpi-row-{sales_kpi.pk}"' not in client.get("/scorecard/").content.decode()
    page = client.get(f"/kpis/{sales_kpi.pk}/").content.decode()
    assert "Put back on the scorecard" in page
    client.post(f"/kpis/{sales_kpi.pk}/unarchive/")
    sales_kpi.refresh_from_db()
    assert sales_kpi.is_active is True
    assert f'id="kpi-row-{sales_kpi.pk}"' in client.get("/scorecard/").content.decode()


def test_viewers_cannot_archive_and_other_organisations_kpis_are_404(
    cast: Cast, client_for, sales_kpi: KPI
):
    assert client_for(cast.viewer).post(f"/kpis/{sales_kpi.pk}/archive/").status_code == 403
    theirs = services.kpi_create(organization=cast.other_org, name="Globex churn", by=None)
    assert client_for(cast.owner).post(f"/kpis/{theirs.pk}/archive/").status_code == 404
    sales_kpi.refresh_from_db()
    theirs.refresh_from_db()
    assert sales_kpi.is_active
    assert theirs.is_active


def test_archiving_is_a_post(cast: Cast, client_for, sales_kpi: KPI):
    assert client_for(cast.editor).get(f"/kpis/{sales_kpi.pk}/archive/").status_code == 405


def test_a_key_already_used_is_refused_in_the_readers_language(
    cast: Cast, client_for, sales_kpi: KPI
):
    from tandem.accounts import services as accounts

    accounts.user_language_set(user=cast.editor, language="fr", organization=cast.org)
    response = client_for(cast.editor).post("/kpis/new/", _new(key="client-satisfaction"))
    assert response.status_code == 422
    html = response.content.decode()
    assert "Un autre KPI utilise déjà la clé « client-satisfaction »." in html
    assert "Another KPI already uses" not in html
