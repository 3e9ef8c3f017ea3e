"""The meeting presentation in a real Chromium: one slide at a time, → shows the next,
← the previous, Esc leaves."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.conftest import Cast

pytestmark = pytest.mark.browser


def test_arrow_keys_move_between_slides_and_escape_leaves(page, live_server, cast: Cast, log_in):
    log_in(cast.viewer)
    page.goto(f"{live_server.url}/present/")
    title = page.locator(".slide--title")
    team = page.locator('[data-slide^="team-"]')
    expect(title).to_be_visible()
    expect(team).to_be_hidden()
    expect(page.locator("[data-counter]")).to_have_text("1 / 4")
    page.keyboard.press("ArrowRight")
    expect(team).to_be_visible()
    expect(title).to_be_hidden()
    expect(team.get_by_role("heading", name="Sales")).to_be_visible()
    expect(team.get_by_text("Become the go-to IT service provider in our region")).to_be_visible()
    expect(page.locator("[data-counter]")).to_have_text("2 / 4")
    assert page.url.endswith("#slide-2")
    page.keyboard.press("ArrowLeft")
    expect(title).to_be_visible()
    page.keyboard.press("End")
    expect(page.locator('[data-slide="watermelons"]')).to_be_visible()
    page.keyboard.press("Escape")
    page.wait_for_url(f"{live_server.url}/")
