"""The quality coach reads along in a real Chromium while an objective is written."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tandem.okrs.models import Objective
from tests.conftest import Cast

pytestmark = pytest.mark.browser


def test_the_coachs_hint_appears_while_a_key_result_is_typed(page, live_server, cast: Cast, log_in):
    log_in(cast.editor)
    page.goto(f"{live_server.url}/objectives/new/?cycle={cast.cycle.pk}")
    coach = page.locator("#coach-live")
    expect(coach).to_contain_text("will read along")

    page.get_by_label("Title").first.fill("Delight our clients")
    page.locator("#id_kr-0-title").type("Launch the new client portal")
    hint = coach.locator('[data-rule="activity_key_result"]')
    expect(hint).to_be_visible()
    expect(hint).to_contain_text("Better:")

    # Rephrased as an outcome, the hint goes away; nothing was saved meanwhile.
    page.locator("#id_kr-0-title").fill("Raise portal logins from 120 to 400 a week")
    expect(hint).to_have_count(0)
    assert not Objective.objects.filter(title="Delight our clients").exists()
