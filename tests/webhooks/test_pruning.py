"""The worker's daily clean-up forgets deliveries finished longer ago than
``TANDEM_KEEP_WEBHOOK_DELIVERIES_DAYS`` (90 by default), and keeps any delivery still
waiting for a retry."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone

from tandem.okrs import services as okrs
from tandem.webhooks.models import Delivery
from tests.conftest import Cast
from tests.webhooks.conftest import Receiver, run_worker, subscribe

pytestmark = pytest.mark.django_db


def tick(now: dt.datetime) -> str:
    out = io.StringIO()
    call_command("worker", "--once", "--now", now.isoformat(), stdout=out)
    return out.getvalue()


def test_finished_deliveries_go_after_ninety_days_and_a_waiting_retry_stays(
    cast: Cast, receiver: Receiver
):
    subscribe(cast, receiver, ["checkin.created"])
    okrs.key_result_check_in(key_result=cast.kr, value="10", confidence=7, by=cast.member)
    run_worker()
    receiver.fail_first = 1
    okrs.key_result_check_in(key_result=cast.kr, value="20", confidence=7, by=cast.member)
    run_worker()
    done = Delivery.objects.get(status=Delivery.Status.SUCCEEDED)
    waiting = Delivery.objects.get(status=Delivery.Status.FAILED)
    now = timezone.now()

    out = tick(now + dt.timedelta(days=89))
    assert "webhook delivery pruning: enqueued 1" in out
    assert set(Delivery.objects.values_list("pk", flat=True)) == {done.pk, waiting.pk}

    out = tick(now + dt.timedelta(days=89, hours=12))  # one turn a day
    assert "webhook delivery pruning" not in out

    tick(now + dt.timedelta(days=91))
    assert list(Delivery.objects.values_list("pk", flat=True)) == [waiting.pk]


def test_the_retention_is_a_setting(cast: Cast, receiver: Receiver, settings):
    settings.TANDEM_KEEP_WEBHOOK_DELIVERIES_DAYS = 7
    subscribe(cast, receiver, ["checkin.created"])
    okrs.key_result_check_in(key_result=cast.kr, value="10", confidence=7, by=cast.member)
    run_worker()
    tick(timezone.now() + dt.timedelta(days=6))
    assert Delivery.objects.count() == 1
    tick(timezone.now() + dt.timedelta(days=8))
    assert Delivery.objects.count() == 0
