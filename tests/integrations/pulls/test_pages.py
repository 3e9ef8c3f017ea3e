"""The source page: admins set up, test and run a pull; its status shows where KPIs show."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from tandem.audit.models import AuditEvent
from tandem.integrations.models import DataSource
from tandem.integrations.pulls import data_source_save
from tandem.kpis.models import KPI, Measurement
from tests.conftest import Cast
from tests.integrations.pulls.conftest import Server

FORM = {
    "kind": "http_json",
    "value_path": "v",
    "period_path": "w",
    "interval_minutes": "60",
    "is_active": "on",
}
SECRET_URL_PASSWORD = "hunter2-db-pass"
TOKEN = "Bearer tok-9f8e7d"


def page_url(kpi: KPI, suffix: str = "") -> str:
    return f"/kpis/{kpi.pk}/source/{suffix}"


def make_source(cast: Cast, kpi: KPI, url: str) -> DataSource:
    return data_source_save(
        kpi=kpi,
        by=cast.admin,
        data={
            **FORM,
            "interval_minutes": 60,
            "is_active": True,
            "url": url,
            "header_name": "Authorization",
            "header_value": TOKEN,
        },
    )


@pytest.mark.parametrize(("who", "status"), [("viewer", 403), ("member", 403), ("editor", 200)])
def test_the_page_is_for_editors_and_up(cast: Cast, revenue: KPI, client_for, who, status):
    assert client_for(getattr(cast, who)).get(page_url(revenue)).status_code == status


def test_an_editor_sees_the_status_but_cannot_change_the_source(
    cast: Cast, revenue: KPI, client_for, allowed_server: Server
):
    make_source(cast, revenue, allowed_server.url("/v.json"))
    client = client_for(cast.editor)
    html = client.get(page_url(revenue)).content.decode()
    assert "How it goes" in html
    assert 'name="url"' not in html
    assert client.post(page_url(revenue), {**FORM, "url": "http://x"}).status_code == 403
    assert client.post(page_url(revenue, "pull/")).status_code == 403
    assert client.post(page_url(revenue, "delete/")).status_code == 403
    assert DataSource.objects.count() == 1


@pytest.mark.parametrize("suffix", ["", "pull/", "delete/"])
def test_another_organisations_kpi_is_404(cast: Cast, revenue: KPI, client_for, suffix):
    client = client_for(cast.outsider)
    response = (
        client.post(page_url(revenue, suffix), FORM) if suffix else client.get(page_url(revenue))
    )
    assert response.status_code == 404


def test_an_admin_creates_a_source_audited_without_its_secrets(
    cast: Cast, revenue: KPI, client_for, allowed_server: Server
):
    url = f"http://reader:{SECRET_URL_PASSWORD}@127.0.0.1:{allowed_server.port}/v.json"
    data = {**FORM, "url": url, "header_name": "Authorization", "header_value": TOKEN}
    response = client_for(cast.admin).post(page_url(revenue), data)
    assert response.status_code == 302
    source = DataSource.objects.get(kpi=revenue)
    assert source.url == url
    assert source.header_value == TOKEN
    event = AuditEvent.objects.get(action="data_source.create")
    text = json.dumps(event.after)
    assert SECRET_URL_PASSWORD not in text
    assert TOKEN not in text
    assert "reader:********@127.0.0.1" in text
    html = client_for(cast.admin).get(page_url(revenue)).content.decode()
    assert SECRET_URL_PASSWORD not in html
    assert TOKEN not in html


def test_saving_the_masked_secrets_keeps_them_and_another_host_needs_them_again(
    cast: Cast, revenue: KPI, client_for, allowed_server: Server, settings
):
    url = f"http://reader:{SECRET_URL_PASSWORD}@127.0.0.1:{allowed_server.port}/v.json"
    client = client_for(cast.owner)
    data = {**FORM, "url": url, "header_name": "Authorization", "header_value": TOKEN}
    client.post(page_url(revenue), data)
    masked = {
        **data,
        "url": url.replace(SECRET_URL_PASSWORD, "********"),
        "header_value": "********",
        "interval_minutes": "1440",
    }
    assert client.post(page_url(revenue), masked).status_code == 302
    source = DataSource.objects.get(kpi=revenue)
    assert (source.url, source.header_value, source.interval_minutes) == (url, TOKEN, 1440)
    settings.TANDEM_OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1", "127.0.0.2"]
    elsewhere = {**masked, "url": masked["url"].replace("127.0.0.1", "127.0.0.2")}
    response = client.post(page_url(revenue), elsewhere)
    assert response.status_code == 422
    assert "Enter the password again" in response.content.decode()
    source.refresh_from_db()
    assert source.url == url


def test_a_private_address_is_refused_on_the_form(cast: Cast, revenue: KPI, client_for, settings):
    settings.TANDEM_OUTBOUND_ALLOWED_HOSTS = []
    response = client_for(cast.admin).post(
        page_url(revenue), {**FORM, "url": "http://169.254.169.254/latest/meta-data/"}
    )
    assert response.status_code == 422
    assert "link-local address" in response.content.decode()
    assert not DataSource.objects.exists()


def test_test_shows_the_parsed_rows_and_writes_nothing(
    cast: Cast, revenue: KPI, client_for, allowed_server: Server
):
    url = allowed_server.serve("/v.json", json.dumps({"w": "2026-05-04", "v": 12.5}))
    response = client_for(cast.admin).post(page_url(revenue), {**FORM, "url": url, "test": "1"})
    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-preview-row><td>2026-05-04</td><td class="num">12.5</td>' in html
    assert not DataSource.objects.exists()
    assert not Measurement.objects.exists()


def test_test_shows_the_error(cast: Cast, revenue: KPI, client_for, allowed_server: Server):
    url = allowed_server.serve("/v.json", "{}", status=500)
    response = client_for(cast.admin).post(page_url(revenue), {**FORM, "url": url, "test": "1"})
    assert "The server answered HTTP 500 (Internal Server Error)." in response.content.decode()


def test_pull_now_records_the_values_and_says_how_many(
    cast: Cast, revenue: KPI, client_for, allowed_server: Server
):
    url = allowed_server.serve("/v.json", json.dumps({"w": "2026-05-04", "v": 3}))
    make_source(cast, revenue, url)
    client = client_for(cast.admin)
    response = client.post(page_url(revenue, "pull/"), follow=True)
    assert "Pulled 1 value: 1 new, 0 changed, 0 unchanged." in response.content.decode()
    assert Measurement.objects.get(kpi=revenue).source == "pull"
    assert allowed_server.requests[0]["Authorization"] == TOKEN


def test_delete_stops_the_pull_keeps_the_values_and_is_audited(
    cast: Cast, revenue: KPI, client_for, allowed_server: Server
):
    url = allowed_server.serve("/v.json", json.dumps({"w": "2026-05-04", "v": 3}))
    make_source(cast, revenue, url)
    client = client_for(cast.admin)
    client.post(page_url(revenue, "pull/"))
    assert client.post(page_url(revenue, "delete/")).status_code == 302
    assert not DataSource.objects.exists()
    assert Measurement.objects.filter(kpi=revenue).count() == 1
    event = AuditEvent.objects.get(action="data_source.delete")
    assert TOKEN not in json.dumps(event.before)


def failing(cast: Cast, kpi: KPI, server: Server) -> DataSource:
    source = make_source(cast, kpi, server.serve("/down", "x", status=502))
    DataSource.objects.filter(pk=source.pk).update(
        last_status="failed",
        last_error="The server answered HTTP 502 (Bad Gateway).",
        last_run_at=timezone.now(),
    )
    return source


def stale(cast: Cast, kpi: KPI, server: Server) -> DataSource:
    source = make_source(cast, kpi, server.url("/v.json"))
    long_ago = timezone.now() - dt.timedelta(days=3)
    DataSource.objects.filter(pk=source.pk).update(
        last_status="ok", last_success_at=long_ago, created_at=long_ago
    )
    return source


def test_a_failing_source_shows_on_the_kpi_page_with_its_error(
    cast: Cast, revenue: KPI, client_for, allowed_server: Server
):
    failing(cast, revenue, allowed_server)
    html = client_for(cast.editor).get(f"/kpis/{revenue.pk}/").content.decode()
    assert '<span class="pill">sync failed</span>' in html
    assert "The server answered HTTP 502 (Bad Gateway)." in html
    viewer_html = client_for(cast.viewer).get(f"/kpis/{revenue.pk}/").content.decode()
    assert "sync failed" in viewer_html
    assert "Bad Gateway" not in viewer_html  # the error is for those who can fix it


def test_failing_and_stale_sources_are_flagged_on_the_scorecard(
    cast: Cast, revenue: KPI, churn: KPI, client_for, allowed_server: Server
):
    failing(cast, revenue, allowed_server)
    stale(cast, churn, allowed_server)
    html = client_for(cast.member).get("/scorecard/").content.decode()
    assert f'data-sync href="/kpis/{revenue.pk}/source/"' in html
    assert html.count(">sync failed</a>") == 1
    assert html.count(">stale</a>") == 1


def test_failing_and_stale_sources_are_listed_on_the_health_page(
    cast: Cast, revenue: KPI, churn: KPI, client_for, allowed_server: Server
):
    failing(cast, revenue, allowed_server)
    stale(cast, churn, allowed_server)
    html = client_for(cast.member).get("/health/").content.decode()
    assert 'id="sync-kpis"' in html
    assert '<span class="pill" data-sync>sync failed</span>' in html
    assert '<span class="pill" data-sync>stale</span>' in html


def test_a_healthy_source_shows_no_flag(
    cast: Cast, revenue: KPI, client_for, allowed_server: Server
):
    url = allowed_server.serve("/v.json", json.dumps({"w": "2026-05-04", "v": 3}))
    make_source(cast, revenue, url)
    client_for(cast.admin).post(page_url(revenue, "pull/"))
    assert "data-sync" not in client_for(cast.member).get("/scorecard/").content.decode()
    assert 'id="sync-kpis"' not in client_for(cast.member).get("/health/").content.decode()


def test_the_scorecard_reads_the_sources_without_a_query_per_kpi(
    cast: Cast,
    revenue: KPI,
    churn: KPI,
    client_for,
    allowed_server: Server,
    django_assert_max_num_queries,
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tandem.kpis import services as kpis

    client = client_for(cast.member)
    failing(cast, revenue, allowed_server)
    with CaptureQueriesContext(connection) as few:
        client.get("/scorecard/")
    for n in range(6):
        kpi = kpis.kpi_create(organization=cast.org, name=f"K{n}", key=f"k{n}", by=cast.owner)
        failing(cast, kpi, allowed_server)
    stale(cast, churn, allowed_server)
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get("/scorecard/").content.decode()
    assert html.count(">sync failed</a>") == 7


def test_test_and_the_form_answer_in_the_readers_language(
    cast: Cast, revenue: KPI, client_for, allowed_server: Server, settings
):
    from tandem.accounts import services as accounts

    accounts.user_language_set(user=cast.admin, language="es", organization=cast.org)
    client = client_for(cast.admin)
    url = allowed_server.serve("/v.json", json.dumps({"w": "2026-05-04"}))
    tested = client.post(page_url(revenue), {**FORM, "url": url, "test": "1"}).content.decode()
    assert "En el documento no hay «v» en v (sus claves: w)." in tested
    settings.TANDEM_OUTBOUND_ALLOWED_HOSTS = []
    refused = client.post(page_url(revenue), {**FORM, "url": "http://169.254.169.254/x"})
    assert refused.status_code == 422
    assert "Tandem no llama a 169.254.169.254: es una dirección de enlace local." in (
        refused.content.decode()
    )
    assert not DataSource.objects.exists()
