"""The weekly check-in by keyboard and mouse, counted: every click and key press is one
interaction, and typing a value or a note into a field is one interaction too."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest

from tandem.okrs import services as okrs
from tandem.okrs.models import CheckIn, KeyResult
from tests.conftest import Cast

pytestmark = pytest.mark.browser


@dataclass
class Hands:
    """A person at the page: each method is one thing they do, and is counted."""

    page: Any
    log: list[str] = field(default_factory=list)

    def click(self, locator: Any) -> None:
        locator.click()
        self.log.append("click")

    def press(self, key: str) -> None:
        self.page.keyboard.press(key)
        self.log.append(key)

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.log.append(f"type {text!r}")


def _five_key_results(cast: Cast) -> list[KeyResult]:
    krs = [cast.kr]
    for n in range(2, 6):
        krs.append(
            okrs.key_result_create(
                objective=cast.objective,
                title=f"Key result number {n}",
                baseline=Decimal(0),
                target=Decimal(100),
                owner=cast.member,
                by=cast.owner,
            )
        )
    return krs


def _focused_id(page: Any) -> str:
    return str(page.evaluate("document.activeElement && document.activeElement.id"))


def test_five_check_ins_with_value_confidence_and_note_take_twenty_interactions(
    page, live_server, cast: Cast, log_in
):
    krs = _five_key_results(cast)
    log_in(cast.member)
    # The reminder e-mail's link to the first key result puts the cursor in its value.
    page.goto(f"{live_server.url}/objectives/{cast.objective.pk}/#kr-{krs[0].pk}")
    page.wait_for_function(f"document.activeElement.id === 'kr-{krs[0].pk}-value'")
    hands = Hands(page)
    for n, kr in enumerate(krs, start=1):
        row = page.locator(f"#kr-{kr.pk}")
        page.wait_for_function(f"document.activeElement.id === 'kr-{kr.pk}-value'")
        hands.type(str(10 * n))
        hands.click(row.locator(".confidence__choice", has_text=str(n + 2)).first)
        page.wait_for_function(f"document.activeElement.id === 'kr-{kr.pk}-note'")
        hands.type(f"Note number {n}")
        hands.press("Enter")
        page.locator(f"#kr-{kr.pk}[data-saved]").wait_for()

    # Four per key result: the value, the confidence, the note, Enter.
    assert len(hands.log) == 20, hands.log
    saved = {c.key_result_id: c for c in CheckIn.objects.filter(key_result__in=krs)}
    for n, kr in enumerate(krs, start=1):
        assert saved[kr.pk].value == Decimal(10 * n)
        assert saved[kr.pk].confidence == n + 2
        assert saved[kr.pk].note == f"Note number {n}"


def test_by_keyboard_alone_a_digit_picks_the_confidence_and_moves_to_the_note(
    page, live_server, cast: Cast, log_in
):
    krs = _five_key_results(cast)[:2]
    okrs.key_result_check_in(key_result=krs[1], by=cast.member, value=Decimal(5), confidence=4)
    log_in(cast.member)
    page.goto(f"{live_server.url}/objectives/{cast.objective.pk}/#kr-{krs[0].pk}")
    page.wait_for_function(f"document.activeElement.id === 'kr-{krs[0].pk}-value'")
    hands = Hands(page)
    hands.type("42")
    hands.press("Tab")
    assert _focused_id(page).startswith(f"kr-{krs[0].pk}-confidence-")
    hands.press("0")  # 0 is 10
    page.wait_for_function(f"document.activeElement.id === 'kr-{krs[0].pk}-note'")
    note = page.locator(f"#kr-{krs[0].pk}-note")
    collapsed = page.locator(f"#kr-{krs[1].pk}-note").bounding_box()["height"]
    assert note.bounding_box()["height"] > collapsed  # the note opened up once wanted
    hands.type("Two lines")
    hands.press("Shift+Enter")  # a new line, not a save
    hands.type("of note")
    hands.press("Enter")
    page.locator(f"#kr-{krs[0].pk}[data-saved]").wait_for()
    first = CheckIn.objects.get(key_result=krs[0])
    assert (first.value, first.confidence, first.note) == (Decimal(42), 10, "Two lines\nof note")

    # The next row kept its last confidence (4): value and Enter check in with it.
    page.wait_for_function(f"document.activeElement.id === 'kr-{krs[1].pk}-value'")
    assert page.locator(f"#kr-{krs[1].pk}-confidence-4").is_checked()
    hands.type("7")
    hands.press("Enter")
    page.locator(f"#kr-{krs[1].pk}[data-saved]").wait_for()
    latest = CheckIn.objects.filter(key_result=krs[1]).latest("pk")
    assert (latest.value, latest.confidence) == (Decimal(7), 4)
    assert len(hands.log) == 9
