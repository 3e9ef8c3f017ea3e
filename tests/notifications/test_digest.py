"""The weekly digest: red KPIs, key results behind and watermelons, by e-mail to the people
concerned and as Slack-compatible JSON to a channel's incoming webhook.

The data is built with the services on the insights tests' pinned dates (a Sunday late
in the second quarter of 2026); the digest goes out on Sundays at 18:00 in Paris.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tandem.kpis import services as kpis
from tandem.kpis.models import ObjectiveKPI
from tandem.notifications import services as notifications
from tandem.notifications.models import Notification
from tandem.okrs import services as okrs
from tandem.okrs.models import Cycle
from tests.conftest import Cast, Mailbox
from tests.insights.conftest import THIS_WEEK, TODAY, make_kpi, make_objective, record
from tests.notifications.conftest import Hook, run_worker

PARIS = ZoneInfo("Europe/Paris")
DIGEST_AT = dt.datetime.combine(TODAY, dt.time(18), tzinfo=PARIS)
CHECKED_AT = dt.datetime(2026, 6, 10, 12, tzinfo=dt.UTC)


@pytest.fixture
def red_week(cast: Cast):
    """Q2 2026 with a red KPI, a key result at risk and a watermelon, all of Sales."""
    q2 = okrs.cycle_create(
        organization=cast.org,
        name="Q2 2026",
        start_date=dt.date(2026, 4, 1),
        end_date=dt.date(2026, 6, 30),
        state=Cycle.State.ACTIVE,
        by=cast.owner,
    )
    red = make_kpi(cast, "Client satisfaction")
    record(red, THIS_WEEK, "3")
    green = make_kpi(cast, "New accounts")
    record(green, THIS_WEEK, "12")
    melon, behind = make_objective(cast, q2, "Grow the region")
    kpis.objective_link_kpi(
        objective=melon, kpi=green, by=cast.owner, role=ObjectiveKPI.Role.INDICATOR
    )
    okrs.key_result_check_in(
        key_result=behind, value="20", confidence=7, by=cast.member, at=CHECKED_AT
    )
    _, risky = make_objective(cast, q2, "Delight clients")
    okrs.key_result_check_in(
        key_result=risky, value="70", confidence=7, by=cast.member, at=CHECKED_AT
    )
    notifications.reminder_settings_update(
        organization=cast.org,
        by=cast.owner,
        digest_weekday=7,
        digest_time=dt.time(18),
        reminders_enabled=False,
    )
    return {"red": red, "melon": melon, "behind": behind, "risky": risky}


def test_the_digest_lists_a_red_kpi_a_key_result_at_risk_and_a_watermelon(
    cast: Cast, red_week, smtp_server: Mailbox
):
    run_worker(DIGEST_AT - dt.timedelta(minutes=1))
    assert smtp_server.messages == []

    run_worker(DIGEST_AT)

    [mail] = smtp_server.to(cast.member.email)
    assert mail["Subject"] == "This week: 1 red KPI, 2 key results behind, 1 watermelon"
    body = Mailbox.text(mail)
    assert "Client satisfaction" in body
    assert f"/kpis/{red_week['red'].pk}/" in body
    assert "Delight clients: the number: at risk" in body
    assert "Grow the region: the number: off track" in body
    assert "Grow the region (Sales): Linked KPIs are green but the objective is behind" in body
    html = mail.get_body(preferencelist=("html",))
    assert html is not None
    assert "Watermelons" in str(html.get_content())


def test_the_digest_goes_to_the_people_concerned_once(cast: Cast, red_week, smtp_server: Mailbox):
    run_worker(DIGEST_AT)
    run_worker(DIGEST_AT + dt.timedelta(minutes=30))

    receivers = sorted(str(m["To"]) for m in smtp_server.messages)
    # Owners and admins read the company's; the team's member and lead read Sales'; the
    # viewer owns nothing red and gets no empty digest; the other organisation nothing.
    assert receivers == sorted(
        [cast.owner.email, cast.admin.email, cast.member.email, cast.editor.email]
    )
    assert "in your part of Acme IT" in Mailbox.text(smtp_server.to(cast.member.email)[0])
    assert "What needs attention in Acme IT" in Mailbox.text(smtp_server.to(cast.owner.email)[0])
    assert Notification.objects.filter(kind=Notification.Kind.DIGEST).count() == 4


def test_a_person_who_opted_out_of_the_digest_gets_none(cast: Cast, red_week, smtp_server: Mailbox):
    notifications.notification_preference_set(
        organization=cast.org, user=cast.member, email_reminders=True, email_digest=False
    )

    run_worker(DIGEST_AT)

    assert smtp_server.to(cast.member.email) == []
    assert len(smtp_server.to(cast.editor.email)) == 1


def test_the_channel_digest_arrives_as_slack_compatible_json(
    cast: Cast, red_week, smtp_server: Mailbox, chat_webhook: Hook
):
    notifications.reminder_settings_update(
        organization=cast.org, by=cast.owner, channel_webhook_url=chat_webhook.url
    )

    run_worker(DIGEST_AT)
    run_worker(DIGEST_AT + dt.timedelta(minutes=5))

    [payload] = chat_webhook.received
    assert chat_webhook.headers[0]["Content-Type"] == "application/json"
    assert payload["text"] == (
        "Acme IT, week 2026-W24: 1 red KPI, 2 key results behind, 1 watermelon"
    )
    assert payload["blocks"][0]["type"] == "header"
    sections = "\n".join(b["text"]["text"] for b in payload["blocks"] if b["type"] == "section")
    assert "*Red KPIs*" in sections
    assert "|Client satisfaction> (Sales)" in sections
    assert "|Delight clients: the number>: at risk" in sections
    assert "*Watermelons*" in sections
    assert "|Grow the region>" in sections
    ledger = Notification.objects.get(kind=Notification.Kind.CHANNEL_DIGEST)
    assert ledger.status == Notification.Status.SENT
    assert ledger.recipient == "channel"


def test_a_channel_that_cannot_be_reached_is_recorded_as_failed_and_the_emails_still_go(
    cast: Cast, red_week, smtp_server: Mailbox, chat_webhook: Hook
):
    notifications.reminder_settings_update(
        organization=cast.org, by=cast.owner, channel_webhook_url=chat_webhook.url
    )
    # The chat's server goes away after the address was saved.
    chat_webhook.stop()

    run_worker(DIGEST_AT)

    ledger = Notification.objects.get(kind=Notification.Kind.CHANNEL_DIGEST)
    assert ledger.status == Notification.Status.FAILED
    assert "could not reach" in ledger.error
    assert len(smtp_server.to(cast.member.email)) == 1


def test_a_channel_webhook_on_a_private_address_is_refused_when_saved(cast: Cast):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        notifications.reminder_settings_update(
            organization=cast.org, by=cast.owner, channel_webhook_url="http://10.0.0.5/hook"
        )
    assert "private address" in caught.value.message_dict["channel_webhook_url"][0]


def test_a_digest_the_mail_server_refused_for_one_reader_is_retried_for_that_reader_only(
    cast: Cast, red_week, smtp_server: Mailbox
):
    from tests.conftest import move_mail_retries_forward

    smtp_server.refuse[cast.member.email] = ["450 4.2.1 Mailbox unavailable, try later"]
    run_worker(DIGEST_AT)
    assert smtp_server.to(cast.member.email) == []
    first = sorted(str(m["To"]) for m in smtp_server.messages)
    assert first == sorted([cast.owner.email, cast.admin.email, cast.editor.email])
    waiting = Notification.objects.get(kind=Notification.Kind.DIGEST, user=cast.member)
    assert (waiting.status, waiting.attempts) == (Notification.Status.RETRYING, 1)

    move_mail_retries_forward()
    run_worker(DIGEST_AT + dt.timedelta(minutes=1))

    assert len(smtp_server.to(cast.member.email)) == 1
    assert len(smtp_server.messages) == 4  # nobody else got theirs twice
    waiting.refresh_from_db()
    assert (waiting.status, waiting.attempts) == (Notification.Status.SENT, 2)


def test_the_digest_names_its_week_and_what_is_red_in_the_readers_language(
    cast: Cast, red_week, smtp_server: Mailbox
):
    from tandem.accounts import services as accounts

    accounts.user_language_set(user=cast.member, language="de", organization=cast.org)
    accounts.user_language_set(user=cast.owner, language="es", organization=cast.org)

    run_worker(DIGEST_AT)

    german = Mailbox.text(smtp_server.to(cast.member.email)[0])
    assert "diese Woche (KW 24/2026)" in german
    assert "Linked KPIs are green" not in german
    assert "2026-W24" not in german
    spanish = Mailbox.text(smtp_server.to(cast.owner.email)[0])
    assert "(S24 2026)" in spanish
    # The ledger keeps the machine's name of the week, whatever the language.
    assert set(Notification.objects.values_list("period", flat=True)) == {"2026-W24"}
