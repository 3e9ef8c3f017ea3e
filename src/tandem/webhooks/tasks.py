"""Delivering a webhook: one signed POST per attempt, retried later with a growing delay.

Each attempt is a task on the ``webhooks`` queue that carries the delivery's id and the
attempt's number. A task whose attempt was already made (a duplicate, or a delivery
redelivered or finished since) does nothing, so a task that runs twice never sends
twice. The request goes through :mod:`tandem.integrations.outbound`: no internal
address unless the operator allows it, no redirect followed, a short timeout.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from tandem import events as bus
from tandem.accounts.languages import language_of
from tandem.integrations import outbound
from tandem.webhooks.models import PING, Delivery

# Seconds to wait after the 1st, 2nd, ... failed attempt; one more attempt than delays.
# ``TANDEM_WEBHOOK_RETRY_DELAYS`` (a list of seconds) replaces it, e.g. in tests.
RETRY_DELAYS = (30, 2 * 60, 10 * 60, 60 * 60, 6 * 60 * 60)
TIMEOUT_SECONDS = 10.0
# What Tandem reads of an answer: enough for an error message, not a download.
MAX_ANSWER_BYTES = 64 * 1024
USER_AGENT = "Tandem-Webhooks/1"
# A refusal that will not change by waiting: the URL itself is not allowed.
_FINAL_CODES = {"scheme", "host", "blocked"}


def retry_delays() -> list[int]:
    return [int(s) for s in getattr(settings, "TANDEM_WEBHOOK_RETRY_DELAYS", RETRY_DELAYS)]


def max_attempts() -> int:
    return len(retry_delays()) + 1


def timeout_seconds() -> float:
    return float(getattr(settings, "TANDEM_WEBHOOK_TIMEOUT_SECONDS", TIMEOUT_SECONDS))


def body_of(delivery: Delivery) -> bytes:
    """The exact bytes sent (and signed): the stored payload as compact JSON."""
    return json.dumps(delivery.payload, separators=(",", ":"), ensure_ascii=False).encode()


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` and the hex HMAC-SHA256 of ``<timestamp>.<body>`` keyed by ``secret``."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def _trim(text: str, limit: int = 500) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


@task(queue_name="webhooks")
def deliver(delivery_id: int, attempt: int) -> str:
    """Make attempt number ``attempt`` of the delivery; answer what became of it."""
    delivery = (
        Delivery.objects.select_related("subscription", "organization")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None or delivery.is_finished or delivery.attempts != attempt - 1:
        return "skipped"
    # What went wrong is kept on the delivery in the organisation's language: its
    # admins read it on the webhook's page, and no one in particular sent it.
    with translation.override(language_of(None, delivery.organization)):
        return _attempt(delivery, attempt)


def _attempt(delivery: Delivery, attempt: int) -> str:
    subscription = delivery.subscription
    if not subscription.is_active and delivery.event != PING:
        return _record(
            delivery,
            attempt=attempt,
            outcome=Delivery.Status.GAVE_UP,
            error=_("The subscription was paused before this event could be sent."),
            count_attempt=False,
        )
    body = body_of(delivery)
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "X-Tandem-Event": delivery.event,
        "X-Tandem-Delivery": str(delivery.pk),
        "X-Tandem-Timestamp": timestamp,
        "X-Tandem-Signature": signature(subscription.secret, timestamp, body),
    }
    started = time.monotonic()
    status_code: int | None = None
    error = ""
    final = False
    try:
        answer = outbound.fetch(
            subscription.url,
            method="POST",
            content=body,
            headers=headers,
            timeout=timeout_seconds(),
            max_bytes=MAX_ANSWER_BYTES,
        )
    except ValidationError as exc:
        error = " ".join(exc.messages)
        final = exc.code in _FINAL_CODES
    else:
        status_code = answer.status_code
        if not 200 <= status_code < 300:
            text = answer.text.strip()
            error = f"HTTP {status_code} {answer.reason_phrase}" + (f": {text}" if text else "")
    elapsed = int((time.monotonic() - started) * 1000)
    if not error:
        outcome = Delivery.Status.SUCCEEDED
    elif final or attempt >= max_attempts() or not deliver.get_backend().supports_defer:
        outcome = Delivery.Status.GAVE_UP
    else:
        outcome = Delivery.Status.FAILED
    return _record(
        delivery,
        attempt=attempt,
        outcome=outcome,
        error=error,
        status_code=status_code,
        elapsed_ms=elapsed,
    )


def _record(
    delivery: Delivery,
    *,
    attempt: int,
    outcome: str,
    error: str,
    status_code: int | None = None,
    elapsed_ms: int | None = None,
    count_attempt: bool = True,
) -> str:
    now = timezone.now()
    with transaction.atomic():
        current = Delivery.objects.select_for_update().get(pk=delivery.pk)
        if current.attempts != attempt - 1 or current.is_finished:
            return "skipped"  # another run of this attempt got here first
        if count_attempt:
            current.attempts = attempt
            current.response_status = status_code
            current.response_ms = elapsed_ms
        current.error = _trim(error)
        current.status = outcome
        current.next_attempt_at = None
        if outcome == Delivery.Status.FAILED:
            current.next_attempt_at = now + dt.timedelta(seconds=retry_delays()[attempt - 1])
            enqueue(current, at=current.next_attempt_at)
        elif outcome in (Delivery.Status.SUCCEEDED, Delivery.Status.GAVE_UP):
            current.finished_at = now
        current.save()
    return str(outcome)


@task(queue_name="default")
def prune_deliveries(now: str) -> int:
    """Forget deliveries that finished (succeeded or gave up) more than
    ``TANDEM_KEEP_WEBHOOK_DELIVERIES_DAYS`` before ``now``; answer how many went.

    A delivery still waiting for a retry is kept however old it is: its next attempt
    needs it.
    """
    from tandem.jobs.pruning import delete_in_batches, keep_days

    cutoff = dt.datetime.fromisoformat(now) - keep_days("TANDEM_KEEP_WEBHOOK_DELIVERIES_DAYS")
    return delete_in_batches(
        Delivery.objects.filter(
            status__in=[Delivery.Status.SUCCEEDED, Delivery.Status.GAVE_UP],
            finished_at__lt=cutoff,
        )
    )


def enqueue(delivery: Delivery, *, at: dt.datetime | None = None) -> None:
    """Queue the next attempt of ``delivery`` (now, or at ``at``) in the current transaction."""
    attempt = delivery.attempts + 1
    backend = deliver.get_backend()
    if not backend.supports_defer:
        # The immediate backend (a trial without a worker) would send before the caller
        # commits, and cannot wait for a retry: send after the commit, once.
        transaction.on_commit(lambda: deliver.enqueue(delivery.pk, attempt))
        return
    task = deliver.using(run_after=at) if at is not None else deliver
    task.enqueue(delivery.pk, attempt)


def _on_delivery_queued(event: bus.DeliveryQueued) -> None:
    enqueue(event.delivery, at=event.at)


def connect() -> None:
    """Queue every delivery that is written (``WebhooksConfig.ready``)."""
    bus.subscribe(bus.DeliveryQueued, _on_delivery_queued)
