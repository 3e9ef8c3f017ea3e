"""Check-in reminders go out at the organisation's local time, once, to the right people,
through a real SMTP server and ``tandem worker`` ticking at chosen instants."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tandem.notifications import services as notifications
from tandem.notifications.models import Notification, ReminderSettings
from tandem.notifications.periodic import enqueue_checkin_reminders
from tandem.notifications.tasks import send_checkin_reminder
from tests.conftest import Mailbox
from tests.notifications.conftest import check_in, run_worker

# Fridays on both sides of each zone's DST changes, with the season's cycle.
FRIDAYS = [
    # Berlin falls back on 2026-10-25 and springs forward on 2027-03-28.
    ("Europe/Berlin", dt.date(2026, 10, 23), "autumn", dt.datetime(2026, 10, 23, 8, tzinfo=dt.UTC)),
    ("Europe/Berlin", dt.date(2026, 10, 30), "autumn", dt.datetime(2026, 10, 30, 9, tzinfo=dt.UTC)),
    ("Europe/Berlin", dt.date(2027, 3, 26), "spring", dt.datetime(2027, 3, 26, 9, tzinfo=dt.UTC)),
    ("Europe/Berlin", dt.date(2027, 4, 2), "spring", dt.datetime(2027, 4, 2, 8, tzinfo=dt.UTC)),
    # Chicago falls back on 2026-11-01 and springs forward on 2027-03-14.
    (
        "America/Chicago",
        dt.date(2026, 10, 30),
        "autumn",
        dt.datetime(2026, 10, 30, 15, tzinfo=dt.UTC),
    ),
    (
        "America/Chicago",
        dt.date(2026, 11, 6),
        "autumn",
        dt.datetime(2026, 11, 6, 16, tzinfo=dt.UTC),
    ),
    (
        "America/Chicago",
        dt.date(2027, 3, 12),
        "spring",
        dt.datetime(2027, 3, 12, 16, tzinfo=dt.UTC),
    ),
    (
        "America/Chicago",
        dt.date(2027, 3, 19),
        "spring",
        dt.datetime(2027, 3, 19, 15, tzinfo=dt.UTC),
    ),
]


def local(tz: str, day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZoneInfo(tz))


@pytest.mark.parametrize(("tz", "friday", "season", "expected_utc"), FRIDAYS)
def test_the_reminder_goes_out_at_ten_local_on_both_sides_of_dst_and_not_at_nine_fifty_nine(
    crew, smtp_server: Mailbox, tz, friday, season, expected_utc
):
    c = crew(tz)
    assert local(tz, friday, 10) == expected_utc

    run_worker(local(tz, friday, 9, 59))
    assert smtp_server.to(c.mia.email) == []

    out = run_worker(local(tz, friday, 10))

    assert "check-in reminders: enqueued" in out
    [mail] = smtp_server.to(c.mia.email)
    assert mail["Subject"] == "1 key result waits for this week's check-in"
    body = Mailbox.text(mail)
    assert c.kr("mia", season).title in body
    kr = c.kr("mia", season)
    assert f"http://127.0.0.1:8000/objectives/{kr.objective_id}/#kr-{kr.pk}" in body
    html = mail.get_body(preferencelist=("html",))
    assert html is not None
    assert f'href="http://127.0.0.1:8000/objectives/{kr.objective_id}/#kr-{kr.pk}"' in str(
        html.get_content()
    )
    ledger = Notification.objects.get(user=c.mia, kind=Notification.Kind.CHECKIN_REMINDER)
    assert ledger.status == Notification.Status.SENT
    assert ledger.period == f"{friday.isocalendar()[0]}-W{friday.isocalendar()[1]:02d}"


def test_a_second_tick_a_second_worker_and_a_repeated_task_send_nothing_more(
    crew, smtp_server: Mailbox
):
    c = crew("Europe/Berlin")
    ten = local("Europe/Berlin", dt.date(2026, 10, 30), 10)
    run_worker(ten)
    first = len(smtp_server.messages)
    assert len(smtp_server.to(c.mia.email)) == 1

    # The same tick again, and a later one the same morning: the occurrence is taken.
    assert enqueue_checkin_reminders(ten) == 0
    run_worker(ten + dt.timedelta(minutes=5))
    # Two workers that both enqueued (the occurrence claim undone behind their back):
    # the ledger still lets one message through per person and week.
    ReminderSettings.objects.filter(organization=c.org).update(checkin_handled_for=None)
    assert enqueue_checkin_reminders(ten) > 0
    send_checkin_reminder.enqueue(c.org.pk, c.mia.pk, ten.isoformat())
    run_worker(ten + dt.timedelta(minutes=10))

    assert len(smtp_server.messages) == first
    assert Notification.objects.filter(user=c.mia).count() == 1


def test_a_person_who_checked_in_this_week_gets_nothing(crew, smtp_server: Mailbox):
    c = crew("America/Chicago")
    friday = dt.date(2026, 11, 6)
    # Monday of the same week, early: after the week began in Chicago.
    check_in(c.kr("max", "autumn"), "40", local("America/Chicago", dt.date(2026, 11, 2), 0, 30))

    run_worker(local("America/Chicago", friday, 10))

    assert smtp_server.to(c.max.email) == []
    assert len(smtp_server.to(c.mia.email)) == 1


def test_a_check_in_last_week_does_not_count_for_this_week(crew, smtp_server: Mailbox):
    c = crew("America/Chicago")
    # Sunday 23:30 in Chicago is already Monday in UTC, but still last week locally.
    check_in(c.kr("max", "autumn"), "40", local("America/Chicago", dt.date(2026, 11, 1), 23, 30))

    run_worker(local("America/Chicago", dt.date(2026, 11, 6), 10))

    assert len(smtp_server.to(c.max.email)) == 1


def test_a_person_who_opted_out_gets_no_reminder(crew, smtp_server: Mailbox):
    c = crew("Europe/Berlin")
    notifications.notification_preference_set(
        organization=c.org, user=c.mia, email_reminders=False, email_digest=True
    )

    run_worker(local("Europe/Berlin", dt.date(2026, 10, 30), 10))

    assert smtp_server.to(c.mia.email) == []
    assert len(smtp_server.to(c.max.email)) == 1


def test_switched_off_reminders_send_nothing(crew, smtp_server: Mailbox):
    c = crew("Europe/Berlin")
    notifications.reminder_settings_update(organization=c.org, by=c.owner, reminders_enabled=False)

    run_worker(local("Europe/Berlin", dt.date(2026, 10, 30), 10))

    assert smtp_server.messages == []


def test_an_organisation_that_never_saved_its_settings_gets_no_reminders(
    crew, smtp_server: Mailbox
):
    c = crew("Europe/Berlin")
    ReminderSettings.objects.filter(organization=c.org).delete()

    run_worker(local("Europe/Berlin", dt.date(2026, 10, 30), 10))

    assert smtp_server.messages == []


def test_a_worker_back_after_an_hour_still_sends_but_half_a_day_late_it_skips(
    crew, smtp_server: Mailbox
):
    c = crew("Europe/Berlin")
    run_worker(local("Europe/Berlin", dt.date(2026, 10, 30), 11, 5))
    assert len(smtp_server.to(c.mia.email)) == 1

    run_worker(local("Europe/Berlin", dt.date(2026, 11, 6), 22, 30))
    assert len(smtp_server.to(c.mia.email)) == 1


def test_the_reminder_follows_the_organisations_day_and_time(crew, smtp_server: Mailbox):
    c = crew("America/Chicago")
    notifications.reminder_settings_update(
        organization=c.org, by=c.owner, checkin_weekday=1, checkin_time=dt.time(9, 30)
    )
    monday = dt.date(2026, 11, 2)

    run_worker(local("America/Chicago", monday, 9, 29))
    assert smtp_server.messages == []
    run_worker(local("America/Chicago", monday, 9, 30))
    assert len(smtp_server.to(c.mia.email)) == 1


def test_two_key_results_are_listed_in_one_email(crew, smtp_server: Mailbox):
    from tandem.okrs import services as okrs

    c = crew("Europe/Berlin")
    okrs.key_result_create(
        objective=c.kr("mia", "autumn").objective,
        title="Mia's demos",
        baseline="0",
        target="10",
        owner=c.mia,
        by=c.owner,
    )

    run_worker(local("Europe/Berlin", dt.date(2026, 10, 30), 10))

    [mail] = smtp_server.to(c.mia.email)
    assert mail["Subject"] == "2 key results wait for this week's check-in"
    assert "Mia's demos" in Mailbox.text(mail)


def test_moving_the_day_mid_week_does_not_send_a_second_reminder_that_week(
    crew, smtp_server: Mailbox
):
    c = crew("Europe/Berlin")
    notifications.reminder_settings_update(organization=c.org, by=c.owner, checkin_weekday=1)
    run_worker(local("Europe/Berlin", dt.date(2026, 10, 26), 10))  # Monday
    assert len(smtp_server.to(c.mia.email)) == 1

    notifications.reminder_settings_update(organization=c.org, by=c.owner, checkin_weekday=5)
    run_worker(local("Europe/Berlin", dt.date(2026, 10, 30), 10))  # Friday, same week

    assert len(smtp_server.to(c.mia.email)) == 1
    run_worker(local("Europe/Berlin", dt.date(2026, 11, 6), 10))  # next week's Friday
    assert len(smtp_server.to(c.mia.email)) == 2


def test_the_worker_replays_an_instant_only_once_and_only_with_its_time_zone(db):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="--now goes with --once"):
        call_command("worker", "--now", "2026-10-30T10:00:00+01:00")
    with pytest.raises(CommandError, match="has no time zone"):
        call_command("worker", "--once", "--now", "2026-10-30T10:00:00")
