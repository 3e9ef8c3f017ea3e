"""Domain events: what the services say happened, and who listens.

A service says what it did (:func:`publish`) or what it is about to change
(:func:`changing`) and knows nobody who listens: webhooks, e-mail and the other parts
that act on a change subscribe to its event in their ``AppConfig.ready()``. The
services import this module and nothing of their subscribers', so the layers of
docs/development.md hold.

Subscribers run synchronously, inside the caller's transaction: what they write (a
webhook delivery, a queued e-mail task) commits or rolls back with the change, as in
an outbox. A subscriber that must wait for the commit registers its own
``transaction.on_commit``.

Events are plain frozen dataclasses named for what happened, in the past tense; one
about to happen (:func:`changing`) in the present.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    import datetime as dt

    from tandem.accounts.models import Invitation
    from tandem.kpis.models import KPI
    from tandem.okrs.models import CheckIn, Cycle, KeyResult, Objective
    from tandem.webhooks.models import Delivery


class Event:
    """The base of every event."""


@dataclass(frozen=True, slots=True)
class CheckInRecorded(Event):
    """A check-in was recorded on ``key_result``, which it refreshed."""

    checkin: CheckIn
    key_result: KeyResult


@dataclass(frozen=True, slots=True)
class CycleClosed(Event):
    """``cycle`` was closed and ``objectives`` scored by the close."""

    cycle: Cycle
    objectives: Sequence[Objective]


@dataclass(frozen=True, slots=True)
class ObjectiveProgressChanging(Event):
    """The objective's stored progress is about to be recomputed (see :func:`changing`)."""

    objective: Objective


@dataclass(frozen=True, slots=True)
class KPIValueChanging(Event):
    """The KPI's stored latest value is about to be refreshed (see :func:`changing`)."""

    kpi: KPI


@dataclass(frozen=True, slots=True)
class InvitationCreated(Event):
    """An invitation was saved; its e-mail has to leave."""

    invitation: Invitation


@dataclass(frozen=True, slots=True)
class PasswordResetRequested(Event):
    """Someone asked for a reset link for ``email`` (which may belong to nobody)."""

    email: str


@dataclass(frozen=True, slots=True)
class DeliveryQueued(Event):
    """A webhook delivery was written and waits for its next attempt, now or at ``at``."""

    delivery: Delivery
    at: dt.datetime | None = None


E = TypeVar("E", bound=Event)
# What a watcher of a change answers before it: what to run once the change is made.
After = Callable[[], None] | None

_handlers: defaultdict[type[Event], list[Callable[[Any], None]]] = defaultdict(list)
_watchers: defaultdict[type[Event], list[Callable[[Any], After]]] = defaultdict(list)
_interest: defaultdict[type[Event], list[Callable[[int], bool]]] = defaultdict(list)


def _everyone(organization_id: int) -> bool:
    return True


def subscribe(event_type: type[E], handler: Callable[[E], None]) -> None:
    """Call ``handler`` with every published event of ``event_type``."""
    if handler not in _handlers[event_type]:
        _handlers[event_type].append(handler)


def watch(
    event_type: type[E],
    watcher: Callable[[E], After],
    *,
    wants: Callable[[int], bool] | None = None,
) -> None:
    """Call ``watcher`` before each change announced with :func:`changing`; what it
    returns runs once the change is made. ``wants(organization_id)`` tells whether it
    watches an organisation's changes at all, for :func:`watched`."""
    if watcher not in _watchers[event_type]:
        _watchers[event_type].append(watcher)
        _interest[event_type].append(wants if wants is not None else _everyone)


def publish(event: Event) -> None:
    """Hand ``event`` to its subscribers, now, in the caller's transaction."""
    for handler in tuple(_handlers[type(event)]):
        handler(event)


@contextmanager
def changing(event: Event) -> Iterator[None]:
    """Announce a change around the block that makes it, for watchers that compare the
    state before and after (a status that turns from green to red): each watcher looks
    before the block, and what it answered runs after it. Nothing runs after a block
    that raises."""
    afters = [watcher(event) for watcher in tuple(_watchers[type(event)])]
    yield
    for after in afters:
        if after is not None:
            after()


def watched(event_type: type[Event], organization_id: int) -> bool:
    """Whether a watcher watches ``event_type`` changes in the organisation: a bulk write
    that skips the announcing path when nobody watches asks this first."""
    return any(wants(organization_id) for wants in tuple(_interest[event_type]))
