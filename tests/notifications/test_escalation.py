"""A team lead hears once a week about people who missed check-ins N weeks in a row."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from tandem.notifications import services as notifications
from tandem.notifications.models import Notification
from tests.conftest import Mailbox
from tests.notifications.conftest import check_in, run_worker

BERLIN = ZoneInfo("Europe/Berlin")


def friday_ten(day: int, month: int = 10) -> dt.datetime:
    return dt.datetime(2026, month, day, 10, tzinfo=BERLIN)


def test_the_lead_hears_after_two_missed_weeks_once_and_only_about_who_missed(
    crew, smtp_server: Mailbox
):
    c = crew("Europe/Berlin")
    # Both checked in during the week of 5 October; Max keeps checking in, Mia stops.
    check_in(c.kr("mia", "autumn"), "10", dt.datetime(2026, 10, 8, 12, tzinfo=BERLIN))
    check_in(c.kr("max", "autumn"), "10", dt.datetime(2026, 10, 8, 12, tzinfo=BERLIN))
    check_in(c.kr("max", "autumn"), "20", dt.datetime(2026, 10, 13, 12, tzinfo=BERLIN))

    run_worker(friday_ten(16))  # Mia has missed one week: a reminder, no escalation
    assert len(smtp_server.to(c.mia.email)) == 1
    assert smtp_server.to(c.lead.email) == []

    check_in(c.kr("max", "autumn"), "30", dt.datetime(2026, 10, 20, 12, tzinfo=BERLIN))
    run_worker(friday_ten(23))  # the second missed week in a row

    [mail] = smtp_server.to(c.lead.email)
    assert mail["Subject"] == "1 person in your team missed check-ins: a nudge would help"
    body = Mailbox.text(mail)
    assert "Mia Member" in body
    assert "Max Member" not in body
    assert f"{c.kr('mia', 'autumn').title}: no check-in for 2 weeks" in body

    run_worker(friday_ten(23) + dt.timedelta(hours=1))
    assert len(smtp_server.to(c.lead.email)) == 1
    assert Notification.objects.filter(kind=Notification.Kind.ESCALATION).count() == 1


def test_the_number_of_weeks_before_escalating_is_the_organisations(crew, smtp_server: Mailbox):
    c = crew("Europe/Berlin")
    notifications.reminder_settings_update(organization=c.org, by=c.owner, escalate_after_weeks=6)

    run_worker(friday_ten(30))  # five weeks since the cycle began on 1 October

    assert smtp_server.to(c.lead.email) == []
    run_worker(friday_ten(6, month=11))
    [mail] = smtp_server.to(c.lead.email)
    assert "for 6 weeks" in Mailbox.text(mail)
    assert mail["Subject"] == "2 people in your teams missed check-ins: a nudge would help"


def test_escalations_can_be_switched_off(crew, smtp_server: Mailbox):
    c = crew("Europe/Berlin")
    notifications.reminder_settings_update(organization=c.org, by=c.owner, escalation_enabled=False)

    run_worker(friday_ten(30))

    assert smtp_server.to(c.lead.email) == []
    assert len(smtp_server.to(c.mia.email)) == 1
