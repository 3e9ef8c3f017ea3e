"""The reminder settings page (owners and admins) and everyone's own e-mail choices."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.audit.models import AuditEvent
from tandem.notifications.models import Notification, NotificationPreference, ReminderSettings
from tests.conftest import Cast, Mailbox, make_user
from tests.notifications.conftest import run_worker

pytestmark = pytest.mark.django_db

URL = "/settings/reminders/"

VALID = {
    "reminders_enabled": "on",
    "checkin_weekday": "4",
    "checkin_time": "09:30",
    "escalation_enabled": "on",
    "escalate_after_weeks": "3",
    "digest_enabled": "on",
    "digest_weekday": "1",
    "digest_time": "08:00",
    "channel_webhook_url": "",
}


def test_the_settings_page_shows_the_defaults_and_the_timezone(cast: Cast, client_for):
    response = client_for(cast.admin).get(URL)

    assert response.status_code == 200
    page = response.content.decode()
    assert "Europe/Paris" in page
    assert '<option value="5" selected>Friday</option>' in page
    assert 'value="10:00"' in page
    assert "Tandem sends no reminders for this organisation yet" in page


def test_an_admin_saves_the_schedule(cast: Cast, client_for):
    response = client_for(cast.admin).post(URL, VALID)

    assert response.status_code == 302
    saved = ReminderSettings.objects.get(organization=cast.org)
    assert saved.checkin_weekday == 4
    assert saved.checkin_time == dt.time(9, 30)
    assert saved.escalate_after_weeks == 3
    event = AuditEvent.objects.get(action="reminders.update")
    assert event.actor == cast.admin
    assert event.after is not None
    assert event.after["checkin_time"] == "09:30"


def test_the_owner_may_edit_too(cast: Cast, client_for):
    assert client_for(cast.owner).post(URL, VALID).status_code == 302


@pytest.mark.parametrize("role", ["editor", "member", "viewer"])
def test_other_roles_may_not_see_or_change_the_schedule(cast: Cast, client_for, role):
    client = client_for(getattr(cast, role))

    assert client.get(URL).status_code == 403
    assert client.post(URL, VALID).status_code == 403
    assert client.post("/settings/reminders/test/").status_code == 403
    assert not ReminderSettings.objects.exists()


def test_someone_without_an_organisation_gets_404(cast: Cast, client_for):
    stranger = make_user("nobody@nowhere.test", "No Body")

    assert client_for(stranger).get(URL).status_code == 404
    assert client_for(stranger).get("/settings/notifications/").status_code == 404


def test_an_outsider_sees_only_their_own_organisations_ledger(cast: Cast, client_for):
    Notification.objects.create(
        organization=cast.org,
        recipient=f"user:{cast.member.pk}",
        user=cast.member,
        kind=Notification.Kind.CHECKIN_REMINDER,
        period="2026-W44",
        subject="1 key result waits for this week's check-in",
    )

    own = client_for(cast.admin).get(URL).content.decode()
    theirs = client_for(cast.outsider).get(URL).content.decode()

    assert cast.member.email in own
    assert cast.member.email not in theirs
    assert "Nothing sent yet." in theirs


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("checkin_time", "25:00", "Enter a valid time."),
        ("digest_time", "", "This field is required."),
        ("checkin_weekday", "9", "Select a valid choice. 9 is not one of the available choices."),
        ("digest_weekday", "someday", "Select a valid choice."),
        ("escalate_after_weeks", "0", "Ensure this value is greater than or equal to 1."),
        ("channel_webhook_url", "not a url", "Enter a valid URL."),
        ("channel_webhook_url", "http://127.0.0.1:8000/hook", "loopback address"),
    ],
)
def test_bad_input_gets_field_errors_and_saves_nothing(
    cast: Cast, client_for, field, value, message
):
    response = client_for(cast.admin).post(URL, {**VALID, field: value})

    assert response.status_code == 422
    errors = response.context["form"].errors
    assert list(errors) == [field]
    assert message in " ".join(errors[field])
    assert not ReminderSettings.objects.exists()


def test_send_me_a_test_reminder_arrives_by_email(cast: Cast, client_for, smtp_server: Mailbox):
    response = client_for(cast.admin).post("/settings/reminders/test/", follow=True)
    assert "A test reminder is on its way to admin@acme.test" in response.content.decode()

    run_worker(dt.datetime.now(dt.UTC))

    [mail] = smtp_server.to(cast.admin.email)
    assert mail["Subject"].startswith("Test: ")
    assert "This is a test of Acme IT's check-in reminders" in Mailbox.text(mail)
    ledger = client_for(cast.admin).get(URL).content.decode()
    assert "Test reminder" in ledger


def test_every_member_can_turn_reminders_off_for_themselves(cast: Cast, client_for):
    client = client_for(cast.viewer)
    first = client.get("/settings/notifications/")
    assert "E-mail me reminders" in first.content.decode()
    assert first.context["form"].initial == {"email_reminders": True, "email_digest": True}

    response = client.post("/settings/notifications/", {"email_digest": "on"})

    assert response.status_code == 302
    pref = NotificationPreference.objects.get(organization=cast.org, user=cast.viewer)
    assert pref.email_reminders is False
    assert pref.email_digest is True
    again = client.get("/settings/notifications/")
    assert again.context["form"].initial == {"email_reminders": False, "email_digest": True}
