"""The events Tandem sends to webhook subscriptions, and the one way to send them: :func:`emit`.

:func:`emit` writes a :class:`~tandem.webhooks.models.Delivery` per active subscription
that wants the event and has its delivery task enqueued (:class:`tandem.events.DeliveryQueued`,
which ``webhooks.tasks`` handles), both in the caller's transaction (an outbox): a
check-in that rolls back sends nothing, and a committed one is delivered even if the
server stops right after. The helpers below subscribe to the services' domain events
(:func:`connect`, from the app's ``ready()``); each costs one query when nobody
subscribes to its webhook event.

Statuses and colours are the ones the pages show: an objective's live status from
:mod:`tandem.domain.status` at the cycle's pace, a KPI's current health from
:mod:`tandem.kpis.selectors` (stale and no data included).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from tandem import events as bus
from tandem.accounts.models import Organization
from tandem.webhooks.models import Delivery, Event, Subscription

if TYPE_CHECKING:
    from tandem.kpis.models import KPI
    from tandem.okrs.models import CheckIn, Cycle, KeyResult, Objective


def url(path: str) -> str:
    return f"{settings.TANDEM_BASE_URL}{path}"


def _number(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


class _Memo:
    """The organisations' active subscriptions, read once per transaction.

    A bulk ingestion refreshes hundreds of KPIs in one transaction, and a check-in asks
    for two events: one query serves them all. The memo lives as long as a callback it
    registered with ``on_commit`` is still waiting, that is until the transaction
    commits or rolls back (or the savepoint it was made in rolls back).
    """

    def __init__(self) -> None:
        self.active: dict[int, list[Subscription]] = {}

    def __call__(self) -> None:  # the on_commit callback: nothing to do
        pass


def _memo() -> _Memo | None:
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        return None
    memo: _Memo | None = getattr(connection, "_tandem_webhooks_memo", None)
    if memo is None or not any(entry[1] is memo for entry in connection.run_on_commit):
        memo = _Memo()
        transaction.on_commit(memo)
        connection._tandem_webhooks_memo = memo
    return memo


def forget_subscribers() -> None:
    """Called by every change to a subscription, so this transaction sees it."""
    connection = transaction.get_connection()
    connection._tandem_webhooks_memo = None


def subscribers(organization_id: int, event: str) -> list[Subscription]:
    """The active subscriptions of the organisation that want ``event``."""
    memo = _memo()
    active = memo.active.get(organization_id) if memo is not None else None
    if active is None:
        active = list(Subscription.objects.filter(organization_id=organization_id, is_active=True))
        if memo is not None:
            memo.active[organization_id] = active
    # The events are a JSON list: filtered here, not in SQL (SQLite has no JSON "contains").
    return [s for s in active if s.wants(event)]


def payload(
    *, organization: Organization, event: str, data: dict[str, Any], event_id: uuid.UUID
) -> dict[str, Any]:
    return {
        "id": str(event_id),
        "type": event,
        "created_at": timezone.now().isoformat(),
        "organization": {"id": organization.pk, "name": organization.name},
        "data": data,
    }


def emit(
    *,
    organization: Organization,
    event: str,
    data: dict[str, Any],
    to: Sequence[Subscription] | None = None,
) -> list[Delivery]:
    """Send ``event`` with ``data`` to every active subscription that wants it (or to ``to``).

    Call it inside the transaction of the change: the deliveries commit or roll back
    with it.
    """
    targets = list(to) if to is not None else subscribers(organization.pk, event)
    if not targets:
        return []
    event_id = uuid.uuid4()
    body = payload(organization=organization, event=event, data=data, event_id=event_id)
    deliveries = []
    for subscription in targets:
        delivery = Delivery.objects.create(
            organization=organization,
            subscription=subscription,
            event_id=event_id,
            event=event,
            payload=body,
        )
        bus.publish(bus.DeliveryQueued(delivery))
        deliveries.append(delivery)
    return deliveries


# -- what the services call ---------------------------------------------------------------


def _objective(objective: Objective) -> dict[str, Any]:
    return {
        "id": objective.pk,
        "title": objective.title,
        "kind": objective.kind,
        "owner": objective.owner_name,
        "progress": _number(objective.progress),
        "url": url(f"/objectives/{objective.pk}/"),
    }


def checkin_created(*, checkin: CheckIn, key_result: KeyResult) -> None:
    """A check-in was recorded on ``key_result`` (refreshed by it)."""
    organization = key_result.objective.organization
    targets = subscribers(organization.pk, Event.CHECKIN_CREATED)
    if not targets:
        return
    author = checkin.author
    emit(
        organization=organization,
        event=Event.CHECKIN_CREATED,
        to=targets,
        data={
            "checkin": {
                "id": checkin.pk,
                "value": _number(checkin.value),
                "done": checkin.done,
                "confidence": checkin.confidence,
                "note": checkin.note,
                "created_at": checkin.created_at.isoformat(),
                "source": checkin.source,
                "author": {"id": author.pk, "name": str(author)} if author else None,
            },
            "key_result": {
                "id": key_result.pk,
                "title": key_result.title,
                "kind": key_result.kind,
                "unit": key_result.unit,
                "baseline": _number(key_result.baseline),
                "target": _number(key_result.target),
                "current": _number(key_result.current),
                "done": key_result.done,
                "progress": _number(key_result.progress),
            },
            "objective": _objective(key_result.objective),
        },
    )


def _live_status(objective: Objective) -> str | None:
    """The objective's live status now, or ``None`` when it has none (not active, or its
    cycle is not running)."""
    from tandem.okrs.models import Cycle, Objective

    cycle = objective.cycle
    if objective.state != Objective.State.ACTIVE or cycle.state != Cycle.State.ACTIVE:
        return None
    return str(objective.status(expected=cycle.expected_progress(timezone.now())))


def objective_status_before(objective: Objective) -> str | None:
    """Call before the objective's progress is recomputed; pass the answer to
    :func:`objective_status_changed` afterwards."""
    if not subscribers(objective.organization_id, Event.OBJECTIVE_STATUS_CHANGED):
        return None
    return _live_status(objective)


def objective_status_changed(*, objective: Objective, before: str | None) -> None:
    if before is None:
        return
    after = _live_status(objective)
    if after is None or after == before:
        return
    cycle = objective.cycle
    emit(
        organization=objective.organization,
        event=Event.OBJECTIVE_STATUS_CHANGED,
        data={
            "objective": {
                **_objective(objective),
                "cycle": {"id": cycle.pk, "name": cycle.name},
            },
            "old_status": before,
            "new_status": after,
            "expected_progress": str(cycle.expected_progress(timezone.now())),
        },
    )


def _kpi_health(kpi: KPI, period: dt.date | None, value: Decimal | None) -> str:
    from tandem.domain.health import Health
    from tandem.kpis.selectors import History, calendar

    if period is None or value is None:
        return str(Health.NO_DATA)
    organization = kpi.organization
    history = History(kpi, list(kpi.targets.all()), {period: value})
    return str(history.current_health(organization.today(), calendar(organization)))


def kpi_health_before(kpi: KPI) -> str | None:
    """Call before the KPI's latest value is refreshed; pass the answer to
    :func:`kpi_health_changed` afterwards."""
    from tandem.kpis.models import KPI

    if not subscribers(kpi.organization_id, Event.KPI_HEALTH_CHANGED):
        return None
    # The caller's copy may already carry the new value: read the stored one.
    period, value = KPI.objects.values_list("latest_period", "latest_value").get(pk=kpi.pk)
    return _kpi_health(kpi, period, value)


def kpi_health_changed(*, kpi: KPI, before: str | None) -> None:
    if before is None:
        return
    after = _kpi_health(kpi, kpi.latest_period, kpi.latest_value)
    if after == before:
        return
    emit(
        organization=kpi.organization,
        event=Event.KPI_HEALTH_CHANGED,
        data={
            "kpi": {
                "id": kpi.pk,
                "key": kpi.key,
                "name": kpi.name,
                "unit": kpi.unit,
                "direction": kpi.direction,
                "frequency": kpi.frequency,
                "latest_period": kpi.latest_period.isoformat() if kpi.latest_period else None,
                "latest_value": _number(kpi.latest_value),
                "url": url(f"/kpis/{kpi.pk}/"),
            },
            "old_health": before,
            "new_health": after,
        },
    )


def cycle_closed(*, cycle: Cycle, objectives: Sequence[Objective]) -> None:
    """``cycle`` was closed and ``objectives`` were scored by the close."""
    targets = subscribers(cycle.organization_id, Event.CYCLE_CLOSED)
    if not targets:
        return
    emit(
        organization=cycle.organization,
        event=Event.CYCLE_CLOSED,
        to=targets,
        data={
            "cycle": {
                "id": cycle.pk,
                "name": cycle.name,
                "start_date": cycle.start_date.isoformat(),
                "end_date": cycle.end_date.isoformat(),
                "closed_at": cycle.closed_at.isoformat() if cycle.closed_at else None,
                "url": url(f"/cycles/{cycle.pk}/review/"),
            },
            "objectives": [
                {
                    "id": o.pk,
                    "title": o.title,
                    "kind": o.kind,
                    "score": _number(o.score),
                    "computed_score": _number(o.computed_score),
                    "url": url(f"/objectives/{o.pk}/"),
                }
                for o in objectives
            ],
        },
    )


# -- the domain events they answer --------------------------------------------------------


def _on_checkin(event: bus.CheckInRecorded) -> None:
    checkin_created(checkin=event.checkin, key_result=event.key_result)


def _on_cycle_closed(event: bus.CycleClosed) -> None:
    cycle_closed(cycle=event.cycle, objectives=event.objectives)


def _then(before: str | None, changed: Callable[[str], None]) -> bus.After:
    """Nothing to do after the change when nobody wanted the state before it."""
    return None if before is None else (lambda: changed(before))


def _watch_objective(event: bus.ObjectiveProgressChanging) -> bus.After:
    objective = event.objective
    return _then(
        objective_status_before(objective),
        lambda before: objective_status_changed(objective=objective, before=before),
    )


def _watch_kpi(event: bus.KPIValueChanging) -> bus.After:
    kpi = event.kpi
    return _then(kpi_health_before(kpi), lambda before: kpi_health_changed(kpi=kpi, before=before))


def _wants_kpi_health(organization_id: int) -> bool:
    return bool(subscribers(organization_id, Event.KPI_HEALTH_CHANGED))


def connect() -> None:
    """Subscribe to the domain events that become webhook events (``WebhooksConfig.ready``)."""
    bus.subscribe(bus.CheckInRecorded, _on_checkin)
    bus.subscribe(bus.CycleClosed, _on_cycle_closed)
    bus.watch(bus.ObjectiveProgressChanging, _watch_objective)
    bus.watch(bus.KPIValueChanging, _watch_kpi, wants=_wants_kpi_health)
