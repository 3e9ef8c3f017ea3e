"""The domain event bus: subscribers run when an event is published, watchers look
before a change and act after it. (That webhook deliveries and e-mails commit or roll
back with the change is tested in tests/webhooks and tests/accounts.)"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tandem import events


@dataclass(frozen=True, slots=True)
class Rang(events.Event):
    log: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Turning(events.Event):
    log: list[str] = field(default_factory=list)


def _first(event: Rang) -> None:
    event.log.append("first")


def _second(event: Rang) -> None:
    event.log.append("second")


def test_publish_calls_each_subscriber_once_in_the_order_they_subscribed():
    events.subscribe(Rang, _first)
    events.subscribe(Rang, _second)
    events.subscribe(Rang, _first)  # subscribing twice changes nothing
    event = Rang()
    events.publish(event)
    assert event.log == ["first", "second"]


def _watch_turning(event: Turning) -> events.After:
    event.log.append("before")
    return lambda: event.log.append("after")


def _wants_seven(organization_id: int) -> bool:
    return organization_id == 7


def test_a_watcher_looks_before_the_change_and_acts_after_it_only_when_it_succeeds():
    events.watch(Turning, _watch_turning, wants=_wants_seven)
    done = Turning()
    with events.changing(done):
        done.log.append("change")
    assert done.log == ["before", "change", "after"]

    failed = Turning()

    def fail() -> None:
        with events.changing(failed):
            failed.log.append("change")
            raise RuntimeError("the change failed")

    with pytest.raises(RuntimeError):
        fail()
    assert failed.log == ["before", "change"]

    assert events.watched(Turning, 7)
    assert not events.watched(Turning, 8)
