"""The KPI page: header, trend chart with its data table, measurements with their
corrections, targets over time, linked OKRs and promotions; setting a new target."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.kpis import services
from tandem.kpis.models import KPI, KPITarget
from tests.conftest import Cast
from tests.kpis_web.conftest import weeks


def test_the_kpi_page_shows_what_the_kpi_is_and_how_it_is_doing(
    cast: Cast, client_for, sales_kpi: KPI
):
    w = weeks(cast)
    services.measurement_record(kpi=sales_kpi, period_start=w[-2], value="84", by=cast.member)
    response = client_for(cast.viewer).get(f"/kpis/{sales_kpi.pk}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1>Client satisfaction</h1>" in html
    assert '<a href="/teams/sales/">Sales</a>' in html
    assert "<dd>Higher is better</dd>" in html
    assert "<dd>Weekly</dd>" in html
    assert "<dd>Last value</dd>" in html
    assert '<a class="tag" href="/scorecard/?tag=Customers">Customers</a>' in html
    assert '<span class="kpi-now__value">84</span>' in html
    assert (
        '<span class="health health--yellow" tabindex="0" data-tip>Yellow<span class="tip" '
        'role="tooltip">Yellow: short of the target, but within its yellow band.</span></span>'
    ) in html
    # A viewer reads: no forms to change anything.
    assert "Set target" not in html
    assert "Save value" not in html
    assert "Edit KPI" not in html


def test_the_trend_chart_has_coloured_points_a_target_line_bands_and_a_data_table(
    cast: Cast, client_for, sales_kpi: KPI
):
    w = weeks(cast)
    for start, value in zip(w[-4:-1], ["95", "85", "50"], strict=True):
        services.measurement_record(kpi=sales_kpi, period_start=start, value=value, by=cast.owner)
    html = client_for(cast.viewer).get(f"/kpis/{sales_kpi.pk}/").content.decode()
    assert '<svg class="chart chart--kpi"' in html
    assert f'aria-labelledby="kpi-{sales_kpi.pk}-chart-title kpi-{sales_kpi.pk}-chart-desc"' in html
    for colour in ("green", "yellow", "red"):
        assert f'class="chart__point chart__point--{colour}"' in html
    assert 'class="chart__band chart__band--green"' in html
    assert 'class="chart__band chart__band--yellow"' in html
    assert 'class="chart__target"' in html
    assert "Data table: 13 periods" in html
    assert "<td>≥ 90</td>" in html


def test_measurements_list_their_corrections(cast: Cast, client_for, sales_kpi: KPI):
    last_week = weeks(cast)[-2]
    services.measurement_record(
        kpi=sales_kpi, period_start=last_week, value="50", note="first count", by=cast.member
    )
    services.measurement_record(kpi=sales_kpi, period_start=last_week, value="92", by=cast.editor)
    html = client_for(cast.viewer).get(f"/kpis/{sales_kpi.pk}/").content.decode()
    assert "<summary>1 earlier value</summary>" in html
    assert "50, by Member Person on" in html
    assert "— first count" in html
    assert '<td class="num">92</td>' in html
    assert "Editor Person" in html


def test_targets_over_time_and_linked_okrs_and_promotions_are_listed(
    cast: Cast, client_for, sales_kpi: KPI
):
    w = weeks(cast)
    services.kpi_set_target(kpi=sales_kpi, effective_from=w[-6], target="95", by=cast.owner)
    services.key_result_link_kpi(key_result=cast.kr, kpi=sales_kpi, by=cast.owner)
    services.objective_link_kpi(objective=cast.objective, kpi=sales_kpi, by=cast.owner)
    for start in w[-4:-1]:
        services.measurement_record(kpi=sales_kpi, period_start=start, value="10", by=cast.owner)
    promotion = services.kpi_promote(
        kpi=sales_kpi, cycle=cast.cycle, reason="Three red weeks", by=cast.owner
    )
    html = client_for(cast.viewer).get(f"/kpis/{sales_kpi.pk}/").content.decode()
    assert "<li><span>≥ 95</span>" in html
    assert f"from {w[-6]:%-d %b %Y}" in html
    assert '≥ 90 <span class="muted">yellow until 80</span>' in html
    assert 'Sign new recurring contracts</a> <span class="muted">key result of' in html
    guardrail = f'<a href="/objectives/{cast.objective.pk}/">{cast.objective.title}</a>'
    assert f'{guardrail} <span class="muted">guardrail</span>' in html
    assert (
        f'href="/objectives/{promotion.objective_id}/">Get Client satisfaction back on target</a>'
        in html
    )
    assert "— Three red weeks" in html
    assert ">open</span>" in html


def test_another_organisations_kpi_page_is_404(cast: Cast, client_for):
    theirs = services.kpi_create(organization=cast.other_org, name="Globex churn", by=None)
    assert client_for(cast.owner).get(f"/kpis/{theirs.pk}/").status_code == 404


def test_the_kpi_page_reads_a_fixed_number_of_queries(cast: Cast, client_for, sales_kpi: KPI):
    client = client_for(cast.editor)
    # One value and one correction, so that the corrections and their authors are read.
    this_week = weeks(cast)[-1]
    services.measurement_record(kpi=sales_kpi, period_start=this_week, value="1", by=cast.owner)
    services.measurement_record(kpi=sales_kpi, period_start=this_week, value="2", by=cast.owner)
    with CaptureQueriesContext(connection) as small:
        client.get(f"/kpis/{sales_kpi.pk}/")
    for start in weeks(cast, 13)[:-1]:
        services.measurement_record(kpi=sales_kpi, period_start=start, value="70", by=cast.owner)
        services.measurement_record(kpi=sales_kpi, period_start=start, value="91", by=cast.owner)
    with CaptureQueriesContext(connection) as large:
        response = client.get(f"/kpis/{sales_kpi.pk}/")
    html = response.content.decode()
    assert html.count("<summary>1 earlier value</summary>") == 13
    assert html.count("<summary>2 earlier values</summary>") == 0
    assert len(large.captured_queries) == len(small.captured_queries)


def test_an_editor_sets_a_new_target_from_a_date(cast: Cast, client_for, sales_kpi: KPI):
    start = weeks(cast)[-3]
    response = client_for(cast.editor).post(
        f"/kpis/{sales_kpi.pk}/targets/",
        {"effective_from": start.isoformat(), "target": "95", "yellow": "85"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/kpis/{sales_kpi.pk}/"
    target = KPITarget.objects.get(kpi=sales_kpi, effective_from=start)
    assert (target.target, target.yellow) == (Decimal(95), Decimal(85))


def test_a_target_with_yellow_above_it_is_refused_next_to_the_field(
    cast: Cast, client_for, sales_kpi: KPI
):
    response = client_for(cast.editor).post(
        f"/kpis/{sales_kpi.pk}/targets/",
        {"effective_from": weeks(cast)[-1].isoformat(), "target": "90", "yellow": "99"},
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert 'id="id_yellow_error"' in html
    assert "When higher is better, yellow starts at or below the target." in html
    assert KPITarget.objects.filter(kpi=sales_kpi).count() == 1


def test_a_target_that_is_not_a_number_is_refused_naming_it(cast: Cast, client_for, sales_kpi: KPI):
    response = client_for(cast.editor).post(
        f"/kpis/{sales_kpi.pk}/targets/",
        {"effective_from": weeks(cast)[-1].isoformat(), "target": "high"},
    )
    assert response.status_code == 422
    assert "“high” is not a number." in response.content.decode()
    assert KPITarget.objects.filter(kpi=sales_kpi).count() == 1


def test_a_range_kpi_shows_the_range_fields_for_a_new_target(cast: Cast, client_for):
    kpi = services.kpi_create(
        organization=cast.org,
        name="Utilisation",
        direction="within_range",
        low="70",
        high="85",
        by=cast.owner,
    )
    html = client_for(cast.editor).get(f"/kpis/{kpi.pk}/").content.decode()
    assert 'name="low"' in html
    assert 'name="tolerance"' in html
    assert 'name="yellow"' not in html
    response = client_for(cast.editor).post(
        f"/kpis/{kpi.pk}/targets/",
        {"effective_from": weeks(cast)[-1].isoformat(), "low": "90", "high": "80"},
    )
    assert response.status_code == 422
    assert "The highest healthy value cannot be below the lowest." in response.content.decode()


def test_viewers_and_members_cannot_set_targets(cast: Cast, client_for, sales_kpi: KPI):
    data = {"effective_from": weeks(cast)[-1].isoformat(), "target": "1"}
    for user in (cast.viewer, cast.member):
        response = client_for(user).post(f"/kpis/{sales_kpi.pk}/targets/", data)
        assert response.status_code == 403
    assert KPITarget.objects.filter(kpi=sales_kpi).count() == 1


def test_a_member_of_the_owning_team_gets_the_form_to_enter_a_value(
    cast: Cast, client_for, sales_kpi: KPI
):
    html = client_for(cast.member).get(f"/kpis/{sales_kpi.pk}/").content.decode()
    assert f'action="/kpis/{sales_kpi.pk}/measurements/"' in html
    assert f'<option value="{weeks(cast)[-1].isoformat()}">' in html
    response = client_for(cast.member).post(
        f"/kpis/{sales_kpi.pk}/measurements/",
        {
            "period_start": weeks(cast)[-1].isoformat(),
            "value": "93",
            "note": "survey closed",
            "next": f"/kpis/{sales_kpi.pk}/",
        },
    )
    assert response["Location"] == f"/kpis/{sales_kpi.pk}/"
    measurement = sales_kpi.measurements.get()
    assert (measurement.value, measurement.note) == (Decimal(93), "survey closed")


def test_editors_are_offered_to_promote_a_kpi_red_for_three_weeks_and_then_to_demote_it(
    cast: Cast, client_for, sales_kpi: KPI
):
    for start in weeks(cast)[-4:-1]:
        services.measurement_record(kpi=sales_kpi, period_start=start, value="10", by=cast.owner)
    page = f"/kpis/{sales_kpi.pk}/"
    html = client_for(cast.editor).get(page).content.decode()
    assert f'href="/kpis/{sales_kpi.pk}/promote/"' in html
    assert "/demote/" not in html
    assert "/promote/" not in client_for(cast.viewer).get(page).content.decode()
    services.kpi_promote(kpi=sales_kpi, cycle=cast.cycle, by=cast.owner)
    html = client_for(cast.editor).get(page).content.decode()
    assert "/promote/" not in html
    assert f'href="/kpis/{sales_kpi.pk}/demote/">Demote to a plain KPI</a>' in html


def test_the_measurements_are_paged_a_quarter_of_weeks_at_a_time(
    cast: Cast, client_for, sales_kpi: KPI
):
    w = weeks(cast, 20)
    for i, start in enumerate(w):
        services.measurement_record(kpi=sales_kpi, period_start=start, value=str(i), by=cast.member)
    first = client_for(cast.viewer).get(f"/kpis/{sales_kpi.pk}/")
    html = first.content.decode()
    assert html.count('id="measurement-') == 13
    assert "1\u201313 of 20" in html
    assert 'rel="next" href="?measurements=2#measurements-heading"' in html
    second = client_for(cast.viewer).get(f"/kpis/{sales_kpi.pk}/?measurements=2").content.decode()
    assert second.count('id="measurement-') == 7
    assert "14\u201320 of 20" in second
    assert "Newer" in second
