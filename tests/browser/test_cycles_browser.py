"""Closing a cycle in a real browser, and reading its review."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tandem.okrs import services as okrs
from tandem.okrs.models import Cycle
from tests.conftest import Cast

pytestmark = pytest.mark.browser


def words(text: str) -> str:
    return " ".join(text.split()).upper()


def test_an_owner_closes_the_cycle_and_adjusts_a_score_on_the_review(
    page, live_server, cast: Cast, log_in
):
    okrs.key_result_check_in(key_result=cast.kr, value="72", confidence=7, by=cast.member)
    log_in(cast.owner)
    page.get_by_role("link", name="Cycles").click()
    page.get_by_role("link", name=f"Close {cast.cycle.name}").click()

    # The confirmation previews the score each objective will get.
    row = page.locator(f"#objective-{cast.objective.pk}")
    assert "0.7" in row.locator(".score").inner_text()
    page.get_by_role("button", name=f"Close {cast.cycle.name} and record these scores").click()

    page.wait_for_url(f"**/cycles/{cast.cycle.pk}/review/")
    assert page.get_by_text("closed and its scores are recorded").is_visible()
    row = page.locator(f"#objective-{cast.objective.pk}")
    assert words(row.locator(".score").inner_text()) == "0.7 GREEN"

    row.get_by_role("link", name="Adjust the score").click()
    page.get_by_label("Final score").fill("0.8")
    page.get_by_role("button", name="Save score").click()
    # A different score needs a reason: the page says so next to the field.
    assert page.get_by_text("Say why the score differs from the computed 0.7").is_visible()
    page.get_by_label("Reason").fill("The last contract was signed the day after the close.")
    page.get_by_role("button", name="Save score").click()

    page.wait_for_url(f"**/cycles/{cast.cycle.pk}/review/#objective-{cast.objective.pk}")
    row = page.locator(f"#objective-{cast.objective.pk}")
    assert words(row.locator(".score").inner_text()) == "0.8 GREEN"
    assert "signed the day after the close" in row.inner_text()
    cast.objective.refresh_from_db()
    assert (cast.objective.computed_score, cast.objective.score) == (Decimal("0.7"), Decimal("0.8"))
    assert Cycle.objects.get(pk=cast.cycle.pk).state == Cycle.State.CLOSED
