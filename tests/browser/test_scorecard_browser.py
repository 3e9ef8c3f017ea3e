"""The scorecard in a real Chromium: values typed in cells are saved in the background,
the cell changes colour without a reload, and a refused value says why at the cell."""

from __future__ import annotations

import datetime as dt
import os
import re
from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import Route, expect

from tandem.domain.periods import Frequency, last_n_periods
from tandem.kpis import selectors, services
from tandem.kpis.models import KPI, Measurement
from tests.conftest import PASSWORD, Cast
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


def _cell(page, kpi: KPI, start: dt.date):
    """The KPI's cell for the period starting at ``start``, found by its column's heading
    (a cell is text until it takes the focus, so it holds no input to find it by)."""
    index = page.evaluate(
        """([row, day]) => Array.from(document.getElementById(row).closest("table").tHead
            .rows[0].cells).findIndex(th => th.querySelector(`time[datetime="${day}"]`))""",
        [f"kpi-row-{kpi.pk}", start.isoformat()],
    )
    assert index > 0
    return page.locator(f"#kpi-row-{kpi.pk} > :nth-child({index + 1})")


def _field(page, kpi: KPI, start: dt.date):
    """The cell's input, there once the cell is clicked as a person would."""
    _cell(page, kpi, start).click()
    return page.locator(f"#{_cell_id(kpi, start)}")


def test_typing_a_value_in_a_red_cell_turns_it_green_without_a_reload(
    page, live_server, cast: Cast, log_in
):
    kpi = _kpi(cast)
    last_week = weeks(cast)[-2]
    services.measurement_record(kpi=kpi, period_start=last_week, value="50", by=cast.owner)
    log_in(cast.member)
    page.goto(f"{live_server.url}/scorecard/")
    page.evaluate("window.stillTheSamePage = true")
    cell = _cell(page, kpi, last_week)
    expect(cell).to_have_class(re.compile(r"\bsc-cell--red\b"))

    field = _field(page, kpi, last_week)
    field.fill("95")
    field.press("Enter")

    expect(cell).to_have_class(re.compile(r"\bsc-cell--green\b"))
    expect(page.locator(f"#kpi-row-{kpi.pk} .sc-health .health")).to_have_text("Green")
    assert page.evaluate("window.stillTheSamePage") is True
    measurement = Measurement.objects.get(kpi=kpi, period_start=last_week)
    assert measurement.value == Decimal(95)
    assert measurement.revisions.count() == 1


def test_a_cell_is_text_until_it_takes_the_focus_and_then_a_labelled_input(
    page, live_server, cast: Cast, log_in
):
    kpi = _kpi(cast)
    w = weeks(cast)
    services.measurement_record(kpi=kpi, period_start=w[0], value="95", by=cast.owner)
    log_in(cast.member)
    page.goto(f"{live_server.url}/scorecard/")
    expect(page.locator("input.sc-input")).to_have_count(0)
    expect(_cell(page, kpi, w[0])).to_have_text("95 (green)")

    # From the KPI's name, Tab goes to its first week's cell, which becomes its input.
    page.locator(f"#kpi-row-{kpi.pk} .sc-kpi__name").focus()
    page.keyboard.press("Tab")
    label = f"Client satisfaction, week of {w[0].day} {w[0]:%b %Y} (green)"
    field = page.get_by_role("textbox", name=label)
    expect(field).to_be_focused()
    expect(field).to_have_value("95")
    assert field.get_attribute("name") == w[0].isoformat()
    # Sent on its own by scorecard.js: the page draws no form per row.
    assert field.evaluate("input => input.form") is None
    # Shift+Tab goes back to the name, not into the cell that holds the input.
    page.keyboard.press("Shift+Tab")
    expect(page.locator(f"#kpi-row-{kpi.pk} .sc-kpi__name")).to_be_focused()
    expect(page.locator("input.sc-input")).to_have_count(1)


def test_without_javascript_the_scorecard_links_to_an_input_in_every_cell_and_saves_a_row(
    browser, live_server, cast: Cast
):
    kpi = _kpi(cast)
    w = weeks(cast)
    context = browser.new_context(
        java_script_enabled=False, viewport={"width": 1280, "height": 900}
    )
    try:
        page = context.new_page()
        page.set_default_timeout(10_000)
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("E-mail").fill(cast.member.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{live_server.url}/")
        page.goto(f"{live_server.url}/scorecard/")
        expect(page.locator("input.sc-input")).to_have_count(0)
        page.get_by_role("link", name="open the Scorecard with an input in every cell").click()
        expect(page.locator(f"#kpi-row-{kpi.pk} input.sc-input")).to_have_count(13)

        page.get_by_label(f"Client satisfaction, week of {w[-3].day} {w[-3]:%b %Y}").fill("70")
        field = page.get_by_label(f"Client satisfaction, week of {w[-2].day} {w[-2]:%b %Y}")
        field.fill("95")
        field.press("Enter")
        expect(page.get_by_text("Saved 2 values of “Client satisfaction”.")).to_be_visible()
        # Back on the scorecard with inputs, the row coloured by what was saved.
        expect(page.locator(f"#kpi-row-{kpi.pk} input.sc-input")).to_have_count(13)
        cell = page.locator(f"#kpi-row-{kpi.pk} td:has(#{_cell_id(kpi, w[-2])})")
        expect(cell).to_have_class(re.compile(r"\bsc-cell--green\b"))
    finally:
        context.close()
    values = dict(Measurement.objects.filter(kpi=kpi).values_list("period_start", "value"))
    assert values == {w[-3]: Decimal(70), w[-2]: Decimal(95)}


def test_text_in_a_cell_is_refused_at_the_cell_and_nothing_is_saved(
    page, live_server, cast: Cast, log_in
):
    kpi = _kpi(cast)
    this_week = weeks(cast)[-1]
    log_in(cast.member)
    page.goto(f"{live_server.url}/scorecard/")
    field = _field(page, kpi, this_week)
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

    _field(page, first, w[-3]).fill("70")
    page.keyboard.press("Tab")
    page.keyboard.type("85")
    page.keyboard.press("Tab")
    page.keyboard.type("91")
    page.keyboard.press("Enter")
    # Enter moved to the same week of the next KPI, ready to type.
    expect(page.locator(f"#{_cell_id(second, w[-1])}")).to_be_focused()
    expect(_cell(page, first, w[-3])).to_have_class(re.compile(r"\bsc-cell--red\b"))
    expect(_cell(page, first, w[-2])).to_have_class(re.compile(r"\bsc-cell--yellow\b"))
    expect(_cell(page, first, w[-1])).to_have_class(re.compile(r"\bsc-cell--green\b"))
    # The test server shares one SQLite connection between its threads: the next row is
    # typed in once the first row's values are all saved, one request at a time.
    page.keyboard.type("60")
    page.keyboard.press("ArrowUp")
    expect(page.locator(f"#{_cell_id(first, w[-1])}")).to_be_focused()
    expect(_cell(page, second, w[-1])).to_have_class(re.compile(r"\bsc-cell--red\b"))
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
    _field(page, kpi, w[-3]).fill("70")
    page.keyboard.press("Tab")
    page.keyboard.type("8")
    page.wait_for_function("() => document.querySelector('.sc-input--pending') !== null")
    assert len(held) == 1
    held[0].continue_()
    expect(_cell(page, kpi, w[-3])).to_have_class(re.compile(r"\bsc-cell--saved\b"))
    # The row was redrawn under the caret; the next key still lands in the same cell.
    page.keyboard.type("5")
    field = page.locator(f"#{_cell_id(kpi, w[-2])}")
    expect(field).to_be_focused()
    expect(field).to_have_value("85")
    page.keyboard.press("Enter")
    expect(_cell(page, kpi, w[-2])).to_have_class(re.compile(r"\bsc-cell--yellow\b"))
    values = dict(Measurement.objects.filter(kpi=kpi).values_list("period_start", "value"))
    assert values == {w[-3]: Decimal(70), w[-2]: Decimal(85)}


def _sales_and_monthly(cast: Cast) -> tuple[KPI, KPI]:
    weekly = _kpi(cast)
    w = weeks(cast)
    for index, start in enumerate(w[:-1]):
        services.measurement_record(
            kpi=weekly, period_start=start, value=str(80 + index), by=cast.owner
        )
    monthly = services.kpi_create(
        organization=cast.org,
        name="Monthly recurring revenue",
        frequency="monthly",
        owner_team=cast.team,
        target="400000",
        by=cast.owner,
    )
    months = last_n_periods(Frequency.MONTHLY, selectors.org_today(cast.org), 3)
    services.measurement_record(kpi=monthly, period_start=months[-2], value="410000", by=cast.owner)
    return weekly, monthly


def test_the_scorecard_reads_in_one_page_scroll_with_dates_and_each_kpi_in_its_own_cadence(
    page, live_server, cast: Cast, log_in
):
    for n in range(30):
        _kpi(cast, f"Extra KPI {n:02d}")
    weekly, monthly = _sales_and_monthly(cast)
    page.set_viewport_size({"width": 1440, "height": 900})
    log_in(cast.member)
    page.goto(f"{live_server.url}/scorecard/")

    # Dates, not week codes; a target and a latest value for every row.
    w = weeks(cast)
    first = page.locator("table.scorecard").first.locator("thead th.sc-col").first
    expect(first.locator("time")).to_have_text(f"{w[0].day} {w[0]:%b}")
    body = page.locator("body").inner_text()
    assert not re.search(r"\b\d{4}-W\d\d\b", body)
    assert not re.search(r"\d+\.\d{4}\b", body)
    row = page.locator(f"#kpi-row-{weekly.pk}")
    expect(row.locator(".sc-target")).to_have_text("≥ 90")
    expect(row.locator(".sc-latest")).to_contain_text("91")

    # The monthly KPI has a table of its own over months: no hatched weekly cells.
    expect(page.get_by_role("heading", name="Monthly KPIs")).to_be_visible()
    monthly_table = page.locator("table.scorecard").nth(1)
    expect(monthly_table.locator(f"#kpi-row-{monthly.pk}")).to_have_count(1)
    expect(page.locator(".sc-cell--not-due")).to_have_count(0)

    # One scroll: the table is not a scroller of its own, and its header row and KPI
    # column stay in view while the page scrolls under them.
    table = page.locator("table.scorecard").first
    assert (
        page.evaluate("el => getComputedStyle(el.parentElement).overflowY", table.element_handle())
        == "visible"
    )
    header = table.locator("thead th.sc-kpi")
    page.mouse.wheel(0, 600)
    page.wait_for_function("window.scrollY > 300")
    assert page.evaluate("el => getComputedStyle(el).position", header.element_handle()) == (
        "sticky"
    )
    # In view right under the site's top bar (which sticks too), not hidden by it.
    bar = page.locator(".topbar").bounding_box()
    box = header.bounding_box()
    assert bar is not None
    assert box is not None
    assert abs(box["y"] - (bar["y"] + bar["height"])) < 2
    seen = page.evaluate(
        "([x, y]) => document.elementFromPoint(x, y).closest('th')?.className",
        [box["x"] + 10, box["y"] + box["height"] / 2],
    )
    assert seen == "sc-kpi"
    page.evaluate("window.scrollTo(400, window.scrollY)")
    name = page.locator(f"#kpi-row-{weekly.pk} th.sc-kpi")
    if page.evaluate("document.documentElement.scrollWidth > window.innerWidth"):
        box = name.bounding_box()
        assert box is not None
        assert abs(box["x"]) < 2
    _screenshot(page, "scorecard-1440")


def test_on_a_phone_the_scorecard_is_a_list_of_kpi_cards(page, live_server, cast: Cast, log_in):
    weekly, monthly = _sales_and_monthly(cast)
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(cast.member)
    page.goto(f"{live_server.url}/scorecard/")

    card = page.locator(f"#kpi-row-{weekly.pk}")
    box = card.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= 390
    expect(card.locator(".sc-kpi__name")).to_be_visible()
    expect(card.locator(".sc-latest__value")).to_have_text("91")
    expect(card.locator(".sc-health .health")).to_be_visible()
    expect(card.locator(".sc-trend svg.spark")).to_be_visible()
    expect(card.locator("td.sc-cell").first).to_be_hidden()
    assert card.get_attribute("data-health") == "green"
    # Nothing scrolls sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    expect(page.locator(f"#kpi-row-{monthly.pk} .sc-latest__value")).to_have_text("410,000")
    _screenshot(page, "scorecard-390")


def test_arrow_keys_move_within_the_monthly_table_and_enter_saves_a_month(
    page, live_server, cast: Cast, log_in
):
    _weekly, monthly = _sales_and_monthly(cast)
    second = services.kpi_create(
        organization=cast.org,
        name="Annual recurring revenue",
        frequency="monthly",
        owner_team=cast.team,
        target="4800000",
        by=cast.owner,
    )
    months = last_n_periods(Frequency.MONTHLY, selectors.org_today(cast.org), 13)
    log_in(cast.member)
    page.goto(f"{live_server.url}/scorecard/")
    field = _field(page, monthly, months[-1])
    field.fill("300000")
    field.press("Enter")
    # Enter moved down to the next monthly KPI, in the same month.
    expect(page.locator(f"#{_cell_id(second, months[-1])}")).to_be_focused()
    expect(_cell(page, monthly, months[-1])).to_have_class(re.compile(r"\bsc-cell--red\b"))
    page.keyboard.press("ArrowUp")
    expect(field).to_be_focused()
    assert Measurement.objects.get(kpi=monthly, period_start=months[-1]).value == Decimal(300000)


def _screenshot(page, name: str) -> None:
    """With TANDEM_SCREENSHOTS=1, keep what the page looks like, to look at it."""
    if os.environ.get("TANDEM_SCREENSHOTS") == "1":
        folder = Path(__file__).resolve().parents[2] / "var" / "screenshots"
        folder.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(folder / f"{name}.png"), full_page=False)
