"""Tandem delivers each event as a signed POST to a real receiver, and retries until it
answers or the attempts run out."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tandem.okrs import services as okrs
from tandem.webhooks import services as webhooks
from tandem.webhooks.models import Delivery, Subscription
from tandem.webhooks.tasks import RETRY_DELAYS
from tests.conftest import Cast
from tests.webhooks.conftest import Receiver, move_retries_forward, run_worker, subscribe

pytestmark = pytest.mark.django_db


def check_in(cast: Cast, value: str = "10") -> None:
    okrs.key_result_check_in(key_result=cast.kr, value=value, confidence=7, by=cast.member)


def test_a_check_in_is_posted_with_its_headers_and_a_signature_the_receiver_accepts(
    cast: Cast, receiver: Receiver
):
    subscription = subscribe(cast, receiver, ["checkin.created"])
    check_in(cast, "12.5")
    assert receiver.received == []  # nothing is sent until the worker runs

    assert "ran 1 task" in run_worker()
    (request,) = receiver.received
    delivery = Delivery.objects.get()
    assert request.signature_ok
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["User-Agent"] == "Tandem-Webhooks/1"
    assert request.headers["X-Tandem-Event"] == "checkin.created"
    assert request.headers["X-Tandem-Delivery"] == str(delivery.pk)
    assert request.json["type"] == "checkin.created"
    assert request.json["id"] == str(delivery.event_id)
    assert delivery.subscription == subscription
    assert delivery.status == Delivery.Status.SUCCEEDED
    assert (delivery.attempts, delivery.response_status) == (1, 200)
    assert delivery.response_ms is not None
    assert delivery.finished_at is not None


def test_a_body_changed_on_the_way_fails_the_receivers_check(cast: Cast, receiver: Receiver):
    # The receiver's check is real: a wrong secret is refused.
    subscribe(cast, receiver, ["checkin.created"])
    receiver.secrets["/hook"] = "whsec_not-the-right-one"
    check_in(cast)
    run_worker()
    assert [r.signature_ok for r in receiver.received] == [False]


def test_a_rolled_back_check_in_sends_nothing(cast: Cast, receiver: Receiver):
    subscribe(cast, receiver, ["checkin.created", "objective.status_changed"])
    written = []

    def check_in_then_fail() -> None:
        with transaction.atomic():
            check_in(cast)
            written.append(Delivery.objects.count())  # written in the same transaction...
            raise RuntimeError("the request failed after the check-in")

    with pytest.raises(RuntimeError):
        check_in_then_fail()
    assert written == [2]  # the check-in and the objective's new status
    assert not Delivery.objects.exists()  # ...and gone with it
    assert not DBTaskResult.objects.filter(queue_name="webhooks").exists()
    run_worker()
    assert receiver.received == []


def test_a_failing_receiver_is_retried_with_growing_delays_until_it_answers(
    cast: Cast, receiver: Receiver
):
    subscribe(cast, receiver, ["checkin.created"])
    receiver.fail_first = 2
    check_in(cast)

    before = timezone.now()
    run_worker()
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.FAILED
    assert (delivery.attempts, delivery.response_status) == (1, 500)
    assert delivery.error == "HTTP 500 Internal Server Error: receiver is down"
    assert delivery.next_attempt_at is not None
    first_wait = delivery.next_attempt_at - before
    assert dt.timedelta(seconds=RETRY_DELAYS[0] - 1) < first_wait
    assert first_wait <= dt.timedelta(seconds=RETRY_DELAYS[0] + 5)
    waiting = DBTaskResult.objects.get(queue_name="webhooks", status="READY")
    assert waiting.run_after == delivery.next_attempt_at

    run_worker()  # the delay has not passed: nothing is sent
    assert len(receiver.received) == 1

    move_retries_forward()
    run_worker()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.attempts == 2
    second_wait = delivery.next_attempt_at - timezone.now()
    assert dt.timedelta(seconds=RETRY_DELAYS[1] - 5) < second_wait

    move_retries_forward()
    run_worker()
    delivery.refresh_from_db()
    assert delivery.status == Delivery.Status.SUCCEEDED
    assert (delivery.attempts, delivery.response_status, delivery.error) == (3, 200, "")
    assert delivery.next_attempt_at is None
    assert len(receiver.received) == 3
    assert all(r.signature_ok for r in receiver.received)
    # Every attempt is the same event, signed afresh.
    assert len({r.json["id"] for r in receiver.received}) == 1


def test_tandem_gives_up_after_the_last_attempt(cast: Cast, receiver: Receiver, settings):
    settings.TANDEM_WEBHOOK_RETRY_DELAYS = [0, 0]  # three attempts, no waiting
    subscribe(cast, receiver, ["checkin.created"])
    receiver.fail_first = 10
    check_in(cast)
    run_worker()
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.GAVE_UP
    assert delivery.attempts == 3
    assert delivery.next_attempt_at is None
    assert delivery.finished_at is not None
    assert len(receiver.received) == 3
    move_retries_forward()
    run_worker()
    assert len(receiver.received) == 3


def test_a_receiver_that_hangs_times_out_and_is_retried(cast: Cast, receiver: Receiver, settings):
    settings.TANDEM_WEBHOOK_TIMEOUT_SECONDS = 0.3
    subscribe(cast, receiver, ["checkin.created"])
    receiver.hang = 2.0
    check_in(cast)
    run_worker()
    delivery = Delivery.objects.get()
    assert delivery.status == Delivery.Status.FAILED
    assert delivery.response_status is None
    assert "did not answer within 0.3 seconds" in delivery.error


def test_a_paused_subscription_gets_nothing(cast: Cast, receiver: Receiver):
    subscription = subscribe(cast, receiver, ["checkin.created"])
    webhooks.subscription_set_active(subscription=subscription, active=False, by=cast.admin)
    check_in(cast)
    run_worker()
    assert receiver.received == []
    assert not Delivery.objects.exists()


def test_pausing_drops_the_retries_still_waiting(cast: Cast, receiver: Receiver):
    subscription = subscribe(cast, receiver, ["checkin.created"])
    receiver.fail_first = 1
    check_in(cast)
    run_worker()
    webhooks.subscription_set_active(subscription=subscription, active=False, by=cast.admin)
    move_retries_forward()
    run_worker()
    delivery = Delivery.objects.get()
    assert len(receiver.received) == 1
    assert delivery.status == Delivery.Status.GAVE_UP
    assert "paused" in delivery.error


def test_an_internal_address_is_refused_when_not_allowed(cast: Cast, closed_receiver: Receiver):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        subscribe(cast, closed_receiver, ["checkin.created"])
    assert "loopback" in refused.value.message_dict["url"][0]
    assert not Subscription.objects.exists()


def test_an_address_allowed_once_and_no_longer_is_not_called(
    cast: Cast, receiver: Receiver, settings
):
    subscribe(cast, receiver, ["checkin.created"])
    settings.TANDEM_OUTBOUND_ALLOWED_HOSTS = []
    check_in(cast)
    run_worker()
    delivery = Delivery.objects.get()
    assert receiver.received == []
    # Waiting would not change the rule: no retry.
    assert delivery.status == Delivery.Status.GAVE_UP
    assert "TANDEM_OUTBOUND_ALLOWED_HOSTS" in delivery.error


def test_a_ping_reaches_only_its_subscription_and_a_redelivery_repeats_the_event(
    cast: Cast, receiver: Receiver
):
    first = subscribe(cast, receiver, ["cycle.closed"], path="/first")
    subscribe(cast, receiver, ["cycle.closed"], path="/second")
    ping = webhooks.subscription_ping(subscription=first, by=cast.admin)
    run_worker()
    (request,) = receiver.received
    assert request.path == "/first"
    assert request.signature_ok
    assert request.headers["X-Tandem-Event"] == "ping"
    assert request.json["data"]["subscription"]["id"] == first.pk

    again = webhooks.delivery_redeliver(delivery=ping, by=cast.admin)
    run_worker()
    assert len(receiver.received) == 2
    assert receiver.received[1].json == request.json  # the same event, byte for byte
    assert receiver.received[1].headers["X-Tandem-Delivery"] == str(again.pk)
    again.refresh_from_db()
    assert (again.status, again.redelivery_of) == (Delivery.Status.SUCCEEDED, ping)


def test_a_rotated_secret_signs_what_follows(cast: Cast, receiver: Receiver):
    subscription = subscribe(cast, receiver, ["checkin.created"])
    old = receiver.secrets["/hook"]
    _, new = webhooks.subscription_rotate_secret(subscription=subscription, by=cast.admin)
    assert new != old
    check_in(cast)
    run_worker()
    assert [r.signature_ok for r in receiver.received] == [False]  # still checking the old one
    receiver.secrets["/hook"] = new
    webhooks.delivery_redeliver(delivery=Delivery.objects.get(), by=cast.admin)
    run_worker()
    assert receiver.received[-1].signature_ok


def test_a_task_run_twice_sends_once(cast: Cast, receiver: Receiver):
    from tandem.webhooks.tasks import deliver

    subscribe(cast, receiver, ["checkin.created"])
    check_in(cast)
    delivery = Delivery.objects.get()
    deliver.enqueue(delivery.pk, 1)  # a duplicate of the queued first attempt
    run_worker()
    assert len(receiver.received) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1
    assert Decimal(receiver.received[0].json["data"]["checkin"]["value"]) == Decimal(10)
