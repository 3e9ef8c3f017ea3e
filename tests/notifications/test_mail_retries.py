"""A reminder the mail server refuses for now is tried again after 1 and 5 minutes (then
30 minutes and 2 hours) and goes out once it is taken; a refusal that waiting will not
change, or the last attempt, is given up and shown in the ledger. A real aiosmtpd server
does the refusing."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tandem.jobs.mail import RETRY_DELAYS
from tandem.notifications.models import Notification
from tests.conftest import Mailbox, move_mail_retries_forward
from tests.notifications.conftest import check_in, run_worker

FRIDAY_TEN = dt.datetime(2026, 10, 23, 10, tzinfo=ZoneInfo("Europe/Berlin"))
BUSY = "451 4.3.0 Mailbox busy, try again later"


def mias_reminder(c) -> Notification:
    return Notification.objects.get(user=c.mia, kind=Notification.Kind.CHECKIN_REMINDER)


def waiting_mail() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(queue_name="mail", status="READY"))


def test_a_reminder_refused_twice_goes_out_on_the_third_attempt_once(
    crew, smtp_server: Mailbox, client_for
):
    c = crew("Europe/Berlin")
    smtp_server.refuse[c.mia.email] = [BUSY, BUSY]

    before = timezone.now()
    run_worker(FRIDAY_TEN)
    assert smtp_server.to(c.mia.email) == []
    assert len(smtp_server.to(c.max.email)) == 1  # Max's reminder is not held up
    row = mias_reminder(c)
    assert (row.status, row.attempts) == (Notification.Status.RETRYING, 1)
    assert row.error == f"{c.mia.email}: {BUSY}"
    assert row.next_attempt_at is not None
    wait = row.next_attempt_at - before
    assert dt.timedelta(seconds=RETRY_DELAYS[0] - 1) < wait <= dt.timedelta(seconds=65)
    [task] = waiting_mail()
    assert task.run_after == row.next_attempt_at
    page = client_for(c.owner).get("/settings/reminders/").content.decode()
    assert "Failed, will retry" in page

    run_worker(FRIDAY_TEN + dt.timedelta(seconds=30))  # its minute has not passed
    assert smtp_server.refused == [c.mia.email]

    move_mail_retries_forward()
    run_worker(FRIDAY_TEN + dt.timedelta(minutes=1))
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Notification.Status.RETRYING, 2)
    assert row.next_attempt_at is not None
    wait = row.next_attempt_at - timezone.now()
    assert dt.timedelta(seconds=RETRY_DELAYS[1] - 5) < wait <= dt.timedelta(seconds=300)

    move_mail_retries_forward()
    run_worker(FRIDAY_TEN + dt.timedelta(minutes=6))
    row.refresh_from_db()
    assert (row.status, row.attempts, row.error) == (Notification.Status.SENT, 3, "")
    assert row.next_attempt_at is None
    [mail] = smtp_server.to(c.mia.email)
    assert mail["Subject"] == "1 key result waits for this week's check-in"
    assert len(smtp_server.to(c.max.email)) == 1
    assert waiting_mail() == []

    run_worker(FRIDAY_TEN + dt.timedelta(minutes=7))  # a repeated run sends nothing more
    assert len(smtp_server.to(c.mia.email)) == 1


def test_after_the_last_attempt_the_reminder_is_given_up_and_recorded(
    crew, smtp_server: Mailbox, settings
):
    settings.TANDEM_MAIL_RETRY_DELAYS = [0, 0]  # three attempts, no waiting
    c = crew("Europe/Berlin")
    smtp_server.refuse[c.mia.email] = [BUSY] * 5

    run_worker(FRIDAY_TEN)

    assert smtp_server.refused == [c.mia.email] * 3
    row = mias_reminder(c)
    assert (row.status, row.attempts) == (Notification.Status.FAILED, 3)
    assert row.error == f"Gave up after 3 attempts: {c.mia.email}: {BUSY}"
    assert row.next_attempt_at is None
    assert waiting_mail() == []
    assert smtp_server.to(c.mia.email) == []


def test_a_permanent_refusal_is_not_retried(crew, smtp_server: Mailbox):
    c = crew("Europe/Berlin")
    smtp_server.refuse[c.mia.email] = ["550 5.1.1 No such mailbox"]

    run_worker(FRIDAY_TEN)

    row = mias_reminder(c)
    assert (row.status, row.attempts) == (Notification.Status.FAILED, 1)
    assert row.error == f"{c.mia.email}: 550 5.1.1 No such mailbox"
    assert waiting_mail() == []


def test_a_check_in_made_before_the_retry_means_no_reminder(crew, smtp_server: Mailbox):
    c = crew("Europe/Berlin")
    smtp_server.refuse[c.mia.email] = [BUSY]
    run_worker(FRIDAY_TEN)
    check_in(c.kr("mia", "autumn"), "40", FRIDAY_TEN)

    move_mail_retries_forward()
    run_worker(FRIDAY_TEN + dt.timedelta(minutes=1))

    row = mias_reminder(c)
    assert row.status == Notification.Status.FAILED
    assert row.error == "Not sent: nothing waits for a check-in any more."
    assert smtp_server.to(c.mia.email) == []
