"""The reminders ledger is pruned daily after ``TANDEM_KEEP_NOTIFICATIONS_DAYS`` (90 by
default), but never inside the two weeks its once-a-week promise rests on."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from tandem.notifications import services as notifications
from tandem.notifications.models import Notification
from tests.conftest import Mailbox
from tests.notifications.conftest import run_worker

FRIDAY_TEN = dt.datetime(2026, 10, 23, 10, tzinfo=ZoneInfo("Europe/Berlin"))


def quiet(c) -> None:
    """No more reminders, so that the later ticks only clean up."""
    notifications.reminder_settings_update(
        organization=c.org, by=c.owner, reminders_enabled=False, digest_enabled=False
    )


def test_ledger_rows_go_after_ninety_days(crew, smtp_server: Mailbox):
    c = crew("Europe/Berlin")
    run_worker(FRIDAY_TEN)
    quiet(c)
    sent = Notification.objects.count()
    assert sent == len(smtp_server.messages) > 0
    created = Notification.objects.earliest("created_at").created_at

    out = run_worker(created + dt.timedelta(days=89))
    assert "reminder ledger pruning: enqueued 1" in out
    assert Notification.objects.count() == sent

    run_worker(created + dt.timedelta(days=91))
    assert Notification.objects.count() == 0


def test_a_short_retention_still_keeps_two_weeks_so_a_reminder_is_never_sent_twice(
    crew, smtp_server: Mailbox, settings
):
    settings.TANDEM_KEEP_NOTIFICATIONS_DAYS = 1
    c = crew("Europe/Berlin")
    run_worker(FRIDAY_TEN)
    assert len(smtp_server.to(c.mia.email)) == 1
    quiet(c)
    created = Notification.objects.earliest("created_at").created_at

    sent = Notification.objects.count()
    run_worker(created + dt.timedelta(days=13))
    assert Notification.objects.count() == sent

    run_worker(created + dt.timedelta(days=15))
    assert Notification.objects.count() == 0
