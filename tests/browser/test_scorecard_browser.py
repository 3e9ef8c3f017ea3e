"""The scorecard in a real Chromium: values typed in cells are saved in the background,
the cell changes colour without a reload, and a refused value says why at the cell."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from playwright.sync_api import Route, expect

from tandem.kpis import services
from tandem.kpis.models import KPI, Measurement
from tests.conftest import Cast
from tests.kpis_web.conftest import weeks

pytestmark = pytest.mark.browser


def _kpi(cast: Cast, name: str = "Client satisfaction") -> KPI:
    return services.kpi_create(
        organization=cast.org,
        name=name,
        owner_team=cast.team,
        target="90",
        yellow="80",
        by=cast.owner,
    )


def _cell_id(kpi: KPI, start: dt.date) -> str:
    return f"v-{kpi.pk}-{start:%Y%m%d}"


def test_typing_a_value_in_a_red_cell_turns_it_green_without_a_reload(
    page, live_server, cast: Cast, log_in
):
    kpi = _kpi(cast)
    last_week = weeks(cast)[-2]
    services.measurement_record(kpi=kpi, period_start=last_week, value="50", by=cast.owner)
    log_in(cast.member)
    page.goto(f"{live_server.url}/scorecard/")
    page.evaluate("window.stillTheSamePage = true")
    cell = page.locator(f"#kpi-row-{kpi.pk} td:has(#{_cell_id(kpi, last_week)})")
    expect(cell).to_have_class(re.compile(r"\bsc-cell--red\b"))

    field = page.locator(f"#{_cell_id(kpi, last_week)}")
    field.fill("95")
    field.press("Enter")

    expect(cell).to_have_class(re.compile(r"\bsc-cell--green\b"))
    expect(page.locator(f"#kpi-row-{kpi.pk} .sc-health .health")).to_have_text("Green")
    assert page.evaluate("window.stillTheSamePage") is True
    measurement = Measurement.objects.get(kpi=kpi, period_start=last_week)
    assert measurement.value == Decimal(95)
    assert measurement.revisions.count() == 1


def test_text_in_a_cell_is_refused_at_the_cell_and_nothing_is_saved(
    page, live_server, cast: Cast, log_in
):
    kpi = _kpi(cast)
    this_week = weeks(cast)[-1]
    log_in(cast.member)
    page.goto(f"{live_server.url}/scorecard/")
    field = page.locator(f"#{_cell_id(kpi, this_week)}")
    field.fill("lots")
    field.press("Enter")

    error = page.locator(f"#{_cell_id(kpi, this_week)}-error")
    expect(error).to_have_text("“lots” is not a number.")
    expect(field).to_have_attribute("aria-invalid", "true")
    expect(field).to_have_value("lots")
    expect(field).to_be_focused()
    assert not Measurement.objects.filter(kpi=kpi).exists()


def test_tab_and_enter_save_cell_after_cell_and_enter_moves_down(
    page, live_server, cast: Cast, log_in
):
    first = _kpi(cast, "Client satisfaction")
    second = _kpi(cast, "Net promoter score")
    w = weeks(cast)
    log_in(cast.editor)
    page.goto(f"{live_server.url}/scorecard/")

    page.locator(f"#{_cell_id(first, w[-3])}").fill("70")
    page.keyboard.press("Tab")
    page.keyboard.type("85")
    page.keyboard.press("Tab")
    page.keyboard.type("91")
    page.keyboard.press("Enter")
    # Enter moved to the same week of the next KPI, ready to type.
    expect(page.locator(f"#{_cell_id(second, w[-1])}")).to_be_focused()
    row = page.locator(f"#kpi-row-{first.pk}")
    expect(row.locator(f"td:has(#{_cell_id(first, w[-3])})")).to_have_class(
        re.compile(r"\bsc-cell--red\b")
    )
    expect(row.locator(f"td:has(#{_cell_id(first, w[-2])})")).to_have_class(
        re.compile(r"\bsc-cell--yellow\b")
    )
    expect(row.locator(f"td:has(#{_cell_id(first, w[-1])})")).to_have_class(
        re.compile(r"\bsc-cell--green\b")
    )
    # The test server shares one SQLite connection between its threads: the next row is
    # typed in once the first row's values are all saved, one request at a time.
    page.keyboard.type("60")
    page.keyboard.press("ArrowUp")
    expect(page.locator(f"#{_cell_id(first, w[-1])}")).to_be_focused()
    expect(page.locator(f"#kpi-row-{second.pk} td:has(#{_cell_id(second, w[-1])})")).to_have_class(
        re.compile(r"\bsc-cell--red\b")
    )
    values = dict(Measurement.objects.filter(kpi=first).values_list("period_start", "value"))
    assert values == {w[-3]: Decimal(70), w[-2]: Decimal(85), w[-1]: Decimal(91)}
    assert Measurement.objects.get(kpi=second).value == Decimal(60)


def test_keys_typed_while_the_row_is_redrawn_stay_in_the_cell_being_typed(
    page, live_server, cast: Cast, log_in
):
    kpi = _kpi(cast)
    w = weeks(cast)
    log_in(cast.editor)
    page.goto(f"{live_server.url}/scorecard/")

    # Hold the first save's answer until the next cell is half typed, as on a slow link.
    held: list[Route] = []

    def hold_first(route):
        if held:
            route.continue_()
        else:
            held.append(route)

    page.route(re.compile(rf".*/kpis/{kpi.pk}/measurements/$"), hold_first)
    page.locator(f"#{_cell_id(kpi, w[-3])}").fill("70")
    page.keyboard.press("Tab")
    page.keyboard.type("8")
    page.wait_for_function("() => document.querySelector('.sc-input--pending') !== null")
    assert len(held) == 1
    held[0].continue_()
    expect(page.locator(f"#kpi-row-{kpi.pk} td:has(#{_cell_id(kpi, w[-3])})")).to_have_class(
        re.compile(r"\bsc-cell--saved\b")
    )
    # The row was redrawn under the caret; the next key still lands in the same cell.
    page.keyboard.type("5")
    field = page.locator(f"#{_cell_id(kpi, w[-2])}")
    expect(field).to_be_focused()
    expect(field).to_have_value("85")
    page.keyboard.press("Enter")
    expect(page.locator(f"#kpi-row-{kpi.pk} td:has(#{_cell_id(kpi, w[-2])})")).to_have_class(
        re.compile(r"\bsc-cell--yellow\b")
    )
    values = dict(Measurement.objects.filter(kpi=kpi).values_list("period_start", "value"))
    assert values == {w[-3]: Decimal(70), w[-2]: Decimal(85)}
