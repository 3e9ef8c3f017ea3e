from __future__ import annotations

from decimal import Decimal

import pytest

from tandem.okrs import services as okrs
from tandem.okrs.models import KeyResult, Objective
from tests.conftest import Cast

pytestmark = pytest.mark.browser


def test_a_member_logs_in_and_sees_their_okrs(page, live_server, cast: Cast, log_in):
    log_in(cast.member)
    assert page.get_by_role("heading", name="My OKRs").is_visible()
    assert page.get_by_text(cast.objective.title).first.is_visible()
    assert page.locator(".brand__org").inner_text() == cast.org.name


def test_wrong_password_shows_an_error_and_stays_on_the_login_page(page, live_server, cast: Cast):
    page.goto(f"{live_server.url}/login/")
    page.get_by_label("E-mail").fill(cast.member.email)
    page.get_by_label("Password").fill("not the password")
    page.get_by_role("button", name="Log in").click()
    assert page.get_by_role("alert").is_visible()
    assert page.url.startswith(f"{live_server.url}/login/")


def test_logging_out_returns_to_the_login_page(page, live_server, cast: Cast, log_in):
    log_in(cast.member)
    page.locator(".profile__summary").click()
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(f"{live_server.url}/login/")
    page.goto(f"{live_server.url}/")
    assert "/login/" in page.url


def _second_objective(cast: Cast) -> tuple[KeyResult, KeyResult]:
    second = okrs.key_result_create(
        objective=cast.objective,
        title="Raise the customer satisfaction score",
        baseline=Decimal(60),
        target=Decimal(80),
        unit=KeyResult.Unit.PERCENT,
        owner=cast.member,
        by=cast.owner,
    )
    objective = okrs.objective_create(
        organization=cast.org,
        cycle=cast.cycle,
        owner_team=cast.team,
        kind=Objective.Kind.COMMITTED,
        title="Run a reliable, boring service desk",
        by=cast.owner,
    )
    milestone = okrs.key_result_create(
        objective=objective,
        title="Publish the service catalogue",
        kind=KeyResult.Kind.MILESTONE,
        owner=cast.editor,
        by=cast.owner,
    )
    okrs.key_result_create(
        objective=objective,
        title="Cut first-response time from 8 to 2 hours",
        baseline=Decimal(8),
        target=Decimal(2),
        owner=cast.member,
        by=cast.owner,
    )
    return second, milestone


def test_check_in_from_the_team_page_updates_progress_without_reload(
    page, live_server, cast: Cast, log_in
):
    second, milestone = _second_objective(cast)
    log_in(cast.member)
    page.goto(f"{live_server.url}/teams/{cast.team.slug}/")
    page.evaluate("window.tandemMarker = 'still here'")
    row = page.locator(f"#kr-{cast.kr.pk}")
    row.get_by_label("Value").fill("40")
    row.locator(".confidence__choice", has_text="7").click()
    row.get_by_label("Note").fill("Two new contracts signed")
    row.get_by_label("Note").press("Enter")
    page.locator(f"#kr-{cast.kr.pk}[data-saved]").wait_for()

    assert page.locator(f"#kr-{cast.kr.pk} [data-kr-progress]").inner_text() == "40%"
    objective_progress = page.locator(f"#objective-{cast.objective.pk}-progress")
    # The objective's bar moved too: 40% and 0% with equal weights.
    assert objective_progress.locator("[data-objective-progress]").inner_text() == "20%"
    assert "just now" in objective_progress.inner_text()
    assert page.evaluate("window.tandemMarker") == "still here"
    # Focus moved on to the next key result's value, ready for the next check-in.
    page.wait_for_function(f"document.activeElement.id === 'kr-{second.pk}-value'")

    page.keyboard.type("70")
    page.keyboard.press("Enter")
    page.locator(f"#kr-{second.pk}[data-saved]").wait_for()
    assert page.locator(f"#kr-{second.pk} [data-kr-progress]").inner_text() == "50%"
    assert objective_progress.locator("[data-objective-progress]").inner_text() == "45%"
    assert page.evaluate("window.tandemMarker") == "still here"
    # On to the next objective's milestone, whose first input is its "done" checkbox.
    page.wait_for_function(f"document.activeElement.id === 'kr-{milestone.pk}-done'")


def test_a_check_in_with_text_for_a_value_shows_the_error_next_to_the_field(
    page, live_server, cast: Cast, log_in
):
    log_in(cast.member)
    page.goto(f"{live_server.url}/teams/{cast.team.slug}/")
    page.evaluate("window.tandemMarker = 'still here'")
    row = page.locator(f"#kr-{cast.kr.pk}")
    row.get_by_label("Value").fill("lots")
    row.get_by_label("Value").press("Enter")
    error = page.locator(f"#kr-{cast.kr.pk}-value-error")
    error.wait_for()
    assert "is not a number" in error.inner_text()
    assert page.evaluate("window.tandemMarker") == "still here"
    page.wait_for_function(f"document.activeElement.id === 'kr-{cast.kr.pk}-value'")


def test_an_editor_creates_an_objective_with_two_key_results(page, live_server, cast: Cast, log_in):
    log_in(cast.editor)
    page.goto(f"{live_server.url}/objectives/new/?team={cast.team.slug}&cycle={cast.cycle.pk}")
    page.get_by_label("Title").first.fill("Delight our biggest customers")
    page.locator("#kr-fieldset-1").get_by_label("Title").fill("Lift NPS of top accounts")
    page.locator("#kr-fieldset-1").get_by_label("Baseline").fill("20")
    page.locator("#kr-fieldset-1").get_by_label("Target").fill("45")
    page.locator("#kr-fieldset-2").get_by_label("Title").fill("Run quarterly business reviews")
    page.locator("#kr-fieldset-2").get_by_label("Kind").select_option("milestone")
    page.get_by_role("button", name="Create objective").click()
    page.get_by_role("heading", name="Delight our biggest customers").wait_for()

    objective = Objective.objects.get(title="Delight our biggest customers")
    assert objective.owner_team == cast.team
    assert [kr.title for kr in objective.key_results.all()] == [
        "Lift NPS of top accounts",
        "Run quarterly business reviews",
    ]
    assert page.get_by_text("Run quarterly business reviews").first.is_visible()


def test_invalid_key_results_show_field_errors_and_save_nothing(
    page, live_server, cast: Cast, log_in
):
    log_in(cast.editor)
    page.goto(f"{live_server.url}/objectives/new/?team={cast.team.slug}")
    page.get_by_label("Title").first.fill("An objective that must not be half-saved")
    first = page.locator("#kr-fieldset-1")
    first.get_by_label("Title").fill("Go nowhere")
    first.get_by_label("Baseline").fill("5")
    first.get_by_label("Target").fill("5")
    second = page.locator("#kr-fieldset-2")
    second.get_by_label("Title").fill("Count something")
    second.get_by_label("Baseline").fill("a few")
    second.get_by_label("Target").fill("10")
    page.get_by_role("button", name="Create objective").click()

    page.get_by_text("Nothing was saved").wait_for()
    assert "The target equals the baseline" in first.locator(".errorlist").inner_text()
    assert "Enter a number" in second.locator(".errorlist").inner_text()
    # What was typed is still there to correct.
    assert second.get_by_label("Baseline").input_value() == "a few"
    assert not Objective.objects.filter(title__startswith="An objective that must not").exists()
