"""A value typed in a scorecard cell: saved, corrected, or refused at the cell with 422."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.messages import get_messages

from tandem.audit.models import AuditEvent
from tandem.kpis import services
from tandem.kpis.models import KPI, Measurement, MeasurementRevision
from tests.conftest import Cast
from tests.kpis_web.conftest import HTMX, weeks


def url(kpi: KPI) -> str:
    return f"/kpis/{kpi.pk}/measurements/"


def _rows() -> tuple[int, int, int]:
    return (
        Measurement.objects.count(),
        MeasurementRevision.objects.count(),
        AuditEvent.objects.count(),
    )


def test_a_value_typed_in_a_cell_is_saved_and_the_row_comes_back_coloured(
    cast: Cast, client_for, sales_kpi: KPI
):
    last_week = weeks(cast)[-2]
    response = client_for(cast.member).post(
        url(sales_kpi), {"period_start": last_week.isoformat(), "value": "95"}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.startswith('<tr class="sc-row" id="kpi-row-')
    # The cell shows the value saved as text, as every cell the person may type in;
    # scorecard.js puts its input back in it when it takes the focus again.
    cell = (
        '<td class="sc-cell sc-cell--green sc-cell--saved" data-outcome="created">'
        '95<span class="visually-hidden"> (green)</span></td>'
    )
    assert cell in html
    assert 'class="sc-input"' not in html
    assert '<span class="health health--green">Green</span>' in html
    assert 'class="spark"' in html
    measurement = Measurement.objects.get(kpi=sales_kpi)
    assert (measurement.period_start, measurement.value) == (last_week, Decimal(95))
    assert (measurement.source, measurement.recorded_by) == ("manual", cast.member)


def test_a_new_value_for_a_period_corrects_it_and_keeps_the_old_one(
    cast: Cast, client_for, sales_kpi: KPI
):
    last_week = weeks(cast)[-2]
    services.measurement_record(kpi=sales_kpi, period_start=last_week, value="50", by=cast.owner)
    response = client_for(cast.editor).post(
        url(sales_kpi), {"period_start": last_week.isoformat(), "value": "85"}, **HTMX
    )
    assert response.status_code == 200
    assert 'sc-cell--yellow sc-cell--saved" data-outcome="updated"' in response.content.decode()
    measurement = Measurement.objects.get(kpi=sales_kpi)
    assert measurement.value == Decimal(85)
    assert list(measurement.revisions.values_list("value", flat=True)) == [Decimal(50)]


def test_the_same_value_again_changes_nothing(cast: Cast, client_for, sales_kpi: KPI):
    last_week = weeks(cast)[-2]
    services.measurement_record(kpi=sales_kpi, period_start=last_week, value="95", by=cast.owner)
    before = _rows()
    response = client_for(cast.editor).post(
        url(sales_kpi), {"period_start": last_week.isoformat(), "value": "95.00"}, **HTMX
    )
    assert response.status_code == 200
    assert 'data-outcome="unchanged"' in response.content.decode()
    assert _rows() == before


def test_text_in_a_number_cell_is_422_naming_the_value_and_writes_nothing(
    cast: Cast, client_for, sales_kpi: KPI
):
    this_week = weeks(cast)[-1]
    before = _rows()
    response = client_for(cast.member).post(
        url(sales_kpi), {"period_start": this_week.isoformat(), "value": "ninety"}, **HTMX
    )
    assert response.status_code == 422
    html = response.content.decode()
    cell_id = f"v-{sales_kpi.pk}-{this_week:%Y%m%d}"
    assert 'value="ninety"' in html
    assert f'aria-invalid="true" aria-describedby="{cell_id}-error"' in html
    assert f'id="{cell_id}-error" role="alert" data-message>“ninety” is not a number.' in html
    assert "sc-cell--error" in html
    assert _rows() == before


def test_an_empty_cell_sent_is_refused_and_asks_for_a_value(cast: Cast, client_for, sales_kpi: KPI):
    this_week = weeks(cast)[-1]
    response = client_for(cast.member).post(
        url(sales_kpi), {"period_start": this_week.isoformat(), "value": " "}, **HTMX
    )
    assert response.status_code == 422
    assert "Enter a value." in response.content.decode()
    assert not Measurement.objects.exists()


def test_a_period_in_the_future_is_422_and_writes_nothing(cast: Cast, client_for, sales_kpi: KPI):
    next_week = weeks(cast)[-1] + dt.timedelta(days=7)
    before = _rows()
    response = client_for(cast.editor).post(
        url(sales_kpi), {"period_start": next_week.isoformat(), "value": "95"}, **HTMX
    )
    assert response.status_code == 422
    html = response.content.decode()
    # Not a column of the scorecard: the row itself says why.
    assert f'id="kpi-row-{sales_kpi.pk}-error" role="alert"' in html
    assert f"{next_week} is in the future: values can be entered up to the current period" in html
    assert _rows() == before


def test_a_day_that_does_not_start_a_week_is_422_and_writes_nothing(
    cast: Cast, client_for, sales_kpi: KPI
):
    wednesday = weeks(cast)[-2] + dt.timedelta(days=2)
    before = _rows()
    response = client_for(cast.editor).post(
        url(sales_kpi), {"period_start": wednesday.isoformat(), "value": "95"}, **HTMX
    )
    assert response.status_code == 422
    assert (
        f"{wednesday} does not start a weekly period of “Client satisfaction”; "
        f"that period starts on {weeks(cast)[-2]}." in response.content.decode()
    )
    assert _rows() == before


def test_a_period_that_is_not_a_date_is_422(cast: Cast, client_for, sales_kpi: KPI):
    response = client_for(cast.editor).post(
        url(sales_kpi), {"period_start": "last week", "value": "95"}, **HTMX
    )
    assert response.status_code == 422
    assert "Enter the first day of the period as YYYY-MM-DD." in response.content.decode()
    assert not Measurement.objects.exists()


def test_the_row_comes_back_with_as_many_columns_as_the_scorecard_showed(
    cast: Cast, client_for, sales_kpi: KPI
):
    response = client_for(cast.editor).post(
        url(sales_kpi),
        {"period_start": weeks(cast)[-1].isoformat(), "value": "95", "periods": "4"},
        **HTMX,
    )
    assert response.content.decode().count('<td class="sc-cell ') == 4


def test_another_organisations_kpi_is_404_and_untouched(cast: Cast, client_for):
    theirs = services.kpi_create(organization=cast.other_org, name="Globex churn", by=None)
    response = client_for(cast.owner).post(
        url(theirs), {"period_start": weeks(cast)[-1].isoformat(), "value": "1"}, **HTMX
    )
    assert response.status_code == 404
    assert not Measurement.objects.exists()


def test_a_viewer_posting_a_value_is_403(cast: Cast, client_for, sales_kpi: KPI):
    response = client_for(cast.viewer).post(
        url(sales_kpi), {"period_start": weeks(cast)[-1].isoformat(), "value": "95"}, **HTMX
    )
    assert response.status_code == 403
    assert "Viewers can read everything but change nothing" in response.content.decode()
    assert not Measurement.objects.exists()


def test_a_member_cannot_enter_values_of_a_kpi_neither_they_nor_their_teams_own(
    cast: Cast, client_for
):
    company_kpi = services.kpi_create(
        organization=cast.org, name="Revenue", owner_team=cast.company, by=cast.owner
    )
    response = client_for(cast.member).post(
        url(company_kpi), {"period_start": weeks(cast)[-1].isoformat(), "value": "95"}, **HTMX
    )
    assert response.status_code == 403
    assert "“Revenue” is neither" in response.content.decode()
    assert not Measurement.objects.exists()


def test_a_member_enters_values_of_a_kpi_they_own_themselves(cast: Cast, client_for):
    mine = services.kpi_create(
        organization=cast.org, name="Tickets closed", owner_user=cast.member, by=cast.owner
    )
    response = client_for(cast.member).post(
        url(mine), {"period_start": weeks(cast)[-1].isoformat(), "value": "12"}, **HTMX
    )
    assert response.status_code == 200
    assert Measurement.objects.get(kpi=mine).value == Decimal(12)


def test_without_javascript_a_cell_posts_and_comes_back_to_the_scorecard_with_a_message(
    cast: Cast, client_for, sales_kpi: KPI
):
    last_week = weeks(cast)[-2]
    response = client_for(cast.member).post(
        url(sales_kpi),
        {"period_start": last_week.isoformat(), "value": "1,250.50"},
        HTTP_REFERER="http://testserver/scorecard/?tag=Customers",
    )
    assert response.status_code == 302
    assert response["Location"] == "http://testserver/scorecard/?tag=Customers"
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message.startswith("Saved 1250.5 for “Client satisfaction”, ")
    assert Measurement.objects.get(kpi=sales_kpi).value == Decimal("1250.5")


def test_without_javascript_a_refused_value_comes_back_with_the_reason(
    cast: Cast, client_for, sales_kpi: KPI
):
    response = client_for(cast.member).post(
        url(sales_kpi), {"period_start": weeks(cast)[-1].isoformat(), "value": "ninety"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/scorecard/?granularity=weekly"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Value of “Client satisfaction” not saved. “ninety” is not a number."
    ]
    assert not Measurement.objects.exists()


def test_without_javascript_the_answer_never_redirects_to_another_site(
    cast: Cast, client_for, sales_kpi: KPI
):
    response = client_for(cast.member).post(
        url(sales_kpi),
        {"period_start": weeks(cast)[-1].isoformat(), "value": "9", "next": "https://evil.test/"},
        HTTP_REFERER="https://evil.test/",
    )
    assert response["Location"] == "/scorecard/?granularity=weekly"


def test_reading_the_measurement_url_is_not_allowed(cast: Cast, client_for, sales_kpi: KPI):
    assert client_for(cast.member).get(url(sales_kpi)).status_code == 405


def test_a_row_sent_without_javascript_saves_every_changed_cell_in_one_go(
    cast: Cast, client_for, sales_kpi: KPI
):
    w = weeks(cast)
    services.measurement_record(kpi=sales_kpi, period_start=w[-3], value="70", by=cast.owner)
    client = client_for(cast.member)
    response = client.post(
        url(sales_kpi),
        {w[-3].isoformat(): "70", w[-2].isoformat(): "85", w[-1].isoformat(): "", "periods": "13"},
        HTTP_REFERER="http://testserver/scorecard/",
    )
    assert response.status_code == 302
    assert response["Location"] == "http://testserver/scorecard/"
    values = dict(Measurement.objects.filter(kpi=sales_kpi).values_list("period_start", "value"))
    assert values == {w[-3]: Decimal(70), w[-2]: Decimal(85)}
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Saved 1 value of “Client satisfaction”."
    ]
    sales_kpi.refresh_from_db()
    assert sales_kpi.latest_period == w[-2]


def test_a_row_with_one_refused_value_saves_none_and_names_the_period(
    cast: Cast, client_for, sales_kpi: KPI
):
    w = weeks(cast)
    before = _rows()
    response = client_for(cast.member).post(
        url(sales_kpi), {w[-3].isoformat(): "70", w[-2].isoformat(): "lots"}
    )
    assert response.status_code == 302
    assert _rows() == before
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert message == (
        f"Values of “Client satisfaction” not saved. Week of {w[-2].day} "
        f"{w[-2]:%b %Y}: “lots” is not a number."
    )
