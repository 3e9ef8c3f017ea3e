"""The scorecard page: rows, coloured cells, switching columns, filters, flags, who may type."""

from __future__ import annotations

import datetime as dt
import re

from django.test import Client

from tandem.domain.periods import Frequency, last_n_periods
from tandem.kpis import selectors, services
from tandem.kpis.models import KPI
from tandem.okrs import services as okrs
from tandem.okrs.models import Cycle
from tests.conftest import Cast
from tests.kpis_web.conftest import weeks


def _cells(html: str, kpi: KPI) -> list[str]:
    """The colour classes of a KPI's period cells, oldest first."""
    row = html.split(f'id="kpi-row-{kpi.pk}"', 1)[1].split("</tr>", 1)[0]
    return re.findall(r'<td class="sc-cell (sc-cell--[a-z_]+(?: sc-cell--not-due)?)', row)


def _record(cast: Cast, kpi: KPI, values: dict[dt.date, str]) -> None:
    for start, value in values.items():
        services.measurement_record(kpi=kpi, period_start=start, value=value, by=cast.owner)


def test_the_scorecard_shows_a_row_per_kpi_with_cells_coloured_by_health(
    cast: Cast, client_for, sales_kpi: KPI
):
    w = weeks(cast)
    _record(cast, sales_kpi, {w[-4]: "95", w[-3]: "85", w[-2]: "50"})
    response = client_for(cast.viewer).get("/scorecard/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<a class="sc-kpi__name" href="/kpis/{sales_kpi.pk}/">Client satisfaction</a>' in html
    assert '<span class="sc-owner">Sales</span>' in html
    assert '<td class="sc-target">≥ 90</td>' in html
    # The latest value, and the week it is for, by its first day.
    latest = (
        '<span class="sc-latest__value">50</span>'
        f'<span class="sc-latest__when">{w[-2].day} {w[-2]:%b}</span>'
    )
    assert latest in html
    assert html.count('<th scope="col" class="sc-col">') == 13
    assert _cells(html, sales_kpi)[-5:] == [
        "sc-cell--no_data",
        "sc-cell--green",
        "sc-cell--yellow",
        "sc-cell--red",
        "sc-cell--no_data",
    ]
    assert '<span class="health health--red">Red</span>' in html
    assert 'class="spark"' in html


def test_a_row_names_its_owner_a_team_or_a_person_by_name_or_else_e_mail(
    cast: Cast, client_for, sales_kpi: KPI
):
    by_person = services.kpi_create(
        organization=cast.org, name="Tickets closed", owner_user=cast.member, by=cast.owner
    )
    nameless = services.kpi_create(
        organization=cast.org, name="Calls made", owner_user=cast.editor, by=cast.owner
    )
    type(cast.editor).objects.filter(pk=cast.editor.pk).update(full_name="")
    html = client_for(cast.viewer).get("/scorecard/").content.decode()

    def owner(kpi: KPI) -> str:
        row = html.split(f'id="kpi-row-{kpi.pk}"', 1)[1].split("</tr>", 1)[0]
        return row.split('<span class="sc-owner">', 1)[1].split("</span>", 1)[0]

    assert owner(sales_kpi) == "Sales"
    assert owner(by_person) == cast.member.full_name
    assert owner(nameless) == cast.editor.email


def test_a_kpi_without_recent_values_is_marked_stale(cast: Cast, client_for, sales_kpi: KPI):
    _record(cast, sales_kpi, {weeks(cast)[-5]: "95"})
    html = client_for(cast.member).get("/scorecard/").content.decode()
    assert '<span class="health health--stale">Stale</span>' in html


def test_a_viewer_reads_the_scorecard_without_a_single_input(
    cast: Cast, client_for, sales_kpi: KPI
):
    _record(cast, sales_kpi, {weeks(cast)[-2]: "95"})
    html = client_for(cast.viewer).get("/scorecard/?inputs=1").content.decode()
    assert 'class="sc-input"' not in html
    assert '<form class="sc-form"' not in html
    assert "data-editable" not in html
    assert "sc-noscript" not in client_for(cast.viewer).get("/scorecard/").content.decode()
    assert '>95<span class="visually-hidden"> (green)</span>' in html


def test_an_editor_can_type_in_every_cell_of_the_kpis_own_periods(
    cast: Cast, client_for, sales_kpi: KPI
):
    w = weeks(cast)
    _record(cast, sales_kpi, {w[-2]: "95"})
    client = client_for(cast.editor)
    html = client.get("/scorecard/").content.decode()
    # Each cell is its value in text; scorecard.js puts the input in when it takes the
    # focus, from the row's data-editable and the column's period.
    assert 'class="sc-input"' not in html
    row = html.split(f'id="kpi-row-{sales_kpi.pk}"', 1)[1].split("</tr>", 1)[0]
    assert 'data-health="green" data-editable>' in row
    assert (
        '<td class="sc-cell sc-cell--green">95<span class="visually-hidden"> (green)</span>' in row
    )
    label = f"week of {w[-1].day} {w[-1]:%b %Y}"
    assert (
        f'<time datetime="{w[-1].isoformat()}" title="W{label[1:]}" data-label="{label}">' in html
    )
    # No form: scorecard.js sends each value to the table's address for the row's KPI.
    assert '<form class="sc-form"' not in html
    assert 'data-record="/kpis/{kpi}/measurements/"' in html

    # Without JavaScript the page links to itself with an input in every cell.
    assert '<noscript><p class="sc-noscript">Without JavaScript, <a href="?inputs=1">' in html
    inputs = client.get("/scorecard/?inputs=1").content.decode()
    assert inputs.count('class="sc-input"') == 13
    assert inputs.count(f'form="sc-form-{sales_kpi.pk}"') == 13
    assert f'name="{w[-1].isoformat()}" form="sc-form-{sales_kpi.pk}"' in inputs
    assert f'aria-label="Client satisfaction, {label}"' in inputs
    shown = f"Client satisfaction, week of {w[-2].day} {w[-2]:%b %Y} (green)"
    assert f'value="95" inputmode="decimal" autocomplete="off" aria-label="{shown}"' in inputs
    # The filters keep it; the link to it is not shown again.
    assert '<input type="hidden" name="inputs" value="1">' in inputs
    assert "sc-noscript" not in inputs
    # There each row is one form, which its inputs name.
    assert inputs.count('<form class="sc-form"') == 1
    assert (
        f'<form class="sc-form" id="sc-form-{sales_kpi.pk}" method="post" '
        f'action="/kpis/{sales_kpi.pk}/measurements/">'
    ) in inputs


def test_a_member_types_only_in_the_rows_of_kpis_of_their_teams(
    cast: Cast, client_for, sales_kpi: KPI
):
    revenue = services.kpi_create(
        organization=cast.org, name="Revenue", owner_team=cast.company, by=cast.owner
    )
    html = client_for(cast.member).get("/scorecard/").content.decode()
    assert (
        f'id="kpi-row-{sales_kpi.pk}" data-kpi="{sales_kpi.pk}" data-health="no_data" '
        "data-editable>" in html
    )
    assert f'id="kpi-row-{revenue.pk}" data-kpi="{revenue.pk}" data-health="no_data">' in html
    inputs = client_for(cast.member).get("/scorecard/?inputs=1").content.decode()
    assert inputs.count('<form class="sc-form"') == 1
    assert inputs.count('class="sc-input"') == 13
    assert inputs.count(f'form="sc-form-{sales_kpi.pk}"') == 13


def test_monthly_columns_roll_weeks_up_and_leave_weekly_kpis_read_only(
    cast: Cast, client_for, sales_kpi: KPI
):
    today = selectors.org_today(cast.org)
    months = last_n_periods(Frequency.MONTHLY, today, 13)
    response = client_for(cast.editor).get("/scorecard/?granularity=monthly&inputs=1")
    html = response.content.decode()
    assert html.count('<th scope="col" class="sc-col">') == 13
    assert f"{months[-1]:%b %Y}" in html
    assert 'class="sc-input"' not in html
    assert "weekly, rolled up (last value)" in html


def test_a_monthly_kpi_is_shown_over_months_in_a_table_of_its_own_beside_the_weeks(
    cast: Cast, client_for, sales_kpi: KPI
):
    monthly = services.kpi_create(
        organization=cast.org,
        name="Monthly revenue",
        frequency="monthly",
        target="100",
        by=cast.owner,
    )
    months = last_n_periods(Frequency.MONTHLY, selectors.org_today(cast.org), 13)
    services.measurement_record(kpi=monthly, period_start=months[-2], value="120", by=cast.owner)
    client = client_for(cast.editor)
    in_months = client.get("/scorecard/?granularity=monthly&periods=3&inputs=1").content.decode()
    assert in_months.count(f'form="sc-form-{monthly.pk}"') == 3
    weekly = client.get("/scorecard/?inputs=1").content.decode()
    # Weeks for the weekly KPI, then the monthly one over its own months, typed in there.
    assert weekly.count("<table ") == 2
    assert '<h2 class="sc-section" id="sc-title-monthly">Monthly KPIs</h2>' in weekly
    assert weekly.index(f'id="kpi-row-{sales_kpi.pk}"') < weekly.index("Monthly KPIs")
    assert weekly.index("Monthly KPIs") < weekly.index(f'id="kpi-row-{monthly.pk}"')
    assert weekly.count('<th scope="col" class="sc-col">') == 26
    assert weekly.count(f'form="sc-form-{monthly.pk}"') == 13
    assert f'aria-label="Monthly revenue, {months[-2]:%b %Y} (green)"' in weekly
    assert "sc-cell--not-due" not in weekly
    assert "shown where due" not in weekly


def test_columns_are_labelled_by_dates_not_week_codes(cast: Cast, client_for, sales_kpi: KPI):
    w = weeks(cast)
    html = client_for(cast.viewer).get("/scorecard/").content.decode()
    first = f'<th scope="col" class="sc-col"><time datetime="{w[0].isoformat()}"'
    assert first in html
    assert f">{w[-1].day} {w[-1]:%b}</time>" in html
    # The year is said once, on the first column (and again where it changes).
    assert f'<span class="sc-col__year">{w[0].year}</span>' in html
    assert not re.search(r"\d{4}-W\d\d", html)


def test_the_number_of_columns_is_bounded(cast: Cast, client_for, sales_kpi: KPI):
    client = client_for(cast.viewer)

    def columns(query: str) -> int:
        html = client.get(f"/scorecard/?{query}").content.decode()
        return html.count('<th scope="col" class="sc-col">')

    assert columns("periods=4") == 4
    assert columns("periods=0") == 1
    assert columns("periods=500") == 52
    assert columns("periods=lots") == 13
    assert columns("granularity=hourly") == 13


def test_filters_by_team_and_by_tag(cast: Cast, client_for, sales_kpi: KPI):
    revenue = services.kpi_create(
        organization=cast.org,
        name="Revenue",
        owner_team=cast.company,
        tags=["Growth"],
        by=cast.owner,
    )
    client = client_for(cast.viewer)
    by_team = client.get(f"/scorecard/?team={cast.team.slug}").content.decode()
    assert f'id="kpi-row-{sales_kpi.pk}"' in by_team
    assert f'id="kpi-row-{revenue.pk}"' not in by_team
    by_tag = client.get("/scorecard/?tag=Growth").content.decode()
    assert f'id="kpi-row-{revenue.pk}"' in by_tag
    assert f'id="kpi-row-{sales_kpi.pk}"' not in by_tag
    assert '<option value="Growth" selected>Growth</option>' in by_tag
    nothing = client.get("/scorecard/?tag=Nothing").content.decode()
    assert "No KPI matches these filters." in nothing


def test_another_organisations_team_as_a_filter_is_404(cast: Cast, client_for):
    response = client_for(cast.viewer).get(f"/scorecard/?team={cast.other_team.slug}")
    assert response.status_code == 404


def test_archived_kpis_and_other_organisations_kpis_are_not_on_the_scorecard(
    cast: Cast, client_for, sales_kpi: KPI
):
    old = services.kpi_create(organization=cast.org, name="Fax volume", by=cast.owner)
    services.kpi_update(kpi=old, is_active=False, by=cast.owner)
    theirs = services.kpi_create(organization=cast.other_org, name="Globex churn", by=None)
    html = client_for(cast.viewer).get("/scorecard/").content.decode()
    assert f'id="kpi-row-{sales_kpi.pk}"' in html
    assert "Fax volume" not in html
    assert f'id="kpi-row-{theirs.pk}"' not in html


def test_three_red_weeks_flag_the_kpi_for_promotion(cast: Cast, client_for, sales_kpi: KPI):
    w = weeks(cast)
    _record(cast, sales_kpi, {w[-4]: "10", w[-3]: "20", w[-2]: "30"})
    html = client_for(cast.viewer).get("/scorecard/").content.decode()
    assert f'<a class="flag flag--promote" href="/kpis/{sales_kpi.pk}/promote/"' in html


def test_a_promoted_kpi_links_its_objective_and_is_not_flagged_again(
    cast: Cast, client_for, sales_kpi: KPI
):
    w = weeks(cast)
    _record(cast, sales_kpi, {w[-4]: "10", w[-3]: "20", w[-2]: "30"})
    promotion = services.kpi_promote(kpi=sales_kpi, cycle=cast.cycle, by=cast.owner)
    html = client_for(cast.viewer).get("/scorecard/").content.decode()
    assert f'<a class="flag flag--promoted" href="/objectives/{promotion.objective_id}/"' in html
    assert 'flag--promote"' not in html


def test_a_promoted_kpi_green_again_after_its_cycle_closed_is_flagged_for_demotion(
    cast: Cast, client_for, sales_kpi: KPI
):
    w = weeks(cast)
    past = okrs.cycle_create(
        organization=cast.org,
        name="Last season",
        start_date=w[0] - dt.timedelta(days=60),
        end_date=w[-6] - dt.timedelta(days=1),
        state=Cycle.State.ACTIVE,
        by=cast.owner,
    )
    _record(cast, sales_kpi, {w[-9]: "10", w[-8]: "20", w[-7]: "30"})
    services.kpi_promote(kpi=sales_kpi, cycle=past, by=cast.owner)
    okrs.cycle_close(cycle=past, by=cast.owner)
    _record(cast, sales_kpi, {w[-5]: "95", w[-4]: "95", w[-3]: "96", w[-2]: "97"})
    html = client_for(cast.viewer).get("/scorecard/").content.decode()
    assert f'<a class="flag flag--demote" href="/kpis/{sales_kpi.pk}/demote/"' in html


def test_an_empty_scorecard_invites_editors_to_create_the_first_kpi(cast: Cast, client_for):
    html = client_for(cast.editor).get("/scorecard/").content.decode()
    assert "No KPI yet." in html
    assert 'href="/kpis/new/">Create the first one</a>' in html


def test_the_scorecard_needs_a_login(cast: Cast, client: Client):
    response = client.get("/scorecard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_navigation_links_the_scorecard(cast: Cast, client_for):
    html = client_for(cast.viewer).get("/scorecard/").content.decode()
    assert '<a href="/scorecard/" aria-current="page">Scorecard</a>' in html
