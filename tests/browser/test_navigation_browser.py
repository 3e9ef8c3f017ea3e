"""The navigation as people meet it: a header that stays in view, the right section
highlighted, a profile menu for the person's own links, and a menu button on a phone."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import PASSWORD, Cast

pytestmark = pytest.mark.browser


def _current(page: Any) -> list[str]:
    return [a.inner_text() for a in page.locator(".mainnav a[aria-current='page']").all()]


def test_each_page_highlights_its_own_section(page, live_server, cast: Cast, log_in):
    log_in(cast.owner)
    expected = {
        "/": ["Home"],
        "/calibration/": ["Cycles"],
        "/cycles/": ["Cycles"],
        f"/objectives/{cast.objective.pk}/": ["Teams"],  # the owner is in no team
        "/scorecard/": ["Scorecard"],
        "/kpis/": ["Scorecard"],
        "/plan/": ["Plan"],
        "/health/": ["Health"],
        "/audit/": ["Settings"],
        "/settings/tokens/": [],
    }
    for path, current in expected.items():
        page.goto(f"{live_server.url}{path}")
        assert _current(page) == current, path


def test_an_objective_page_highlights_its_team(page, live_server, cast: Cast, log_in):
    log_in(cast.member)
    page.goto(f"{live_server.url}/objectives/{cast.objective.pk}/")
    assert _current(page) == [cast.team.name]


def test_the_header_stays_in_view_and_the_profile_menu_holds_the_personal_links(
    page, live_server, cast: Cast, log_in
):
    log_in(cast.member)
    page.goto(f"{live_server.url}/objectives/{cast.objective.pk}/")
    header = page.locator("header.topbar")
    assert header.evaluate("e => getComputedStyle(e).position") == "sticky"
    page.mouse.wheel(0, 2000)
    page.wait_for_function("window.scrollY > 0")
    assert header.bounding_box()["y"] == 0
    tokens = page.get_by_role("link", name="API tokens")
    assert not tokens.is_visible()
    page.locator(".profile__summary").click()
    assert tokens.is_visible()
    assert page.get_by_role("link", name="My e-mails").is_visible()
    page.keyboard.press("Escape")
    assert not tokens.is_visible()


def test_on_a_phone_the_navigation_opens_from_a_menu_button(
    browser, live_server, cast: Cast, transactional_db
):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(10_000)
    try:
        page.goto(f"{live_server.url}/login/")
        page.get_by_label("E-mail").fill(cast.owner.email)
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(f"{live_server.url}/")
        # Nothing scrolls sideways and no navigation item is cut off.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
        settings = page.locator(".mainnav").get_by_role("link", name="Settings")
        assert not settings.is_visible()
        button = page.get_by_role("button", name="Menu")
        assert button.get_attribute("aria-expanded") == "false"
        button.click()
        assert button.get_attribute("aria-expanded") == "true"
        box = settings.bounding_box()
        assert box is not None
        assert box["x"] + box["width"] <= 390
        settings.click()
        page.wait_for_url(f"{live_server.url}/settings/organization/")
        assert _current(page) == ["Settings"]
    finally:
        context.close()
