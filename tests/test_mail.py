"""The SMTP fixture other tests rely on: Django's real SMTP backend talks to aiosmtpd."""

from __future__ import annotations

from django.core.mail import send_mail

from tests.conftest import Mailbox


def test_mail_sent_through_django_arrives_at_the_local_smtp_server(smtp_server: Mailbox):
    sent = send_mail(
        "Your check-in is due",
        "Two key results wait for this week's value.",
        "Tandem <tandem@acme.test>",
        ["mia@acme.test"],
    )
    assert sent == 1
    [message] = smtp_server.to("mia@acme.test")
    assert message["Subject"] == "Your check-in is due"
    assert "Two key results" in Mailbox.text(message)
    assert smtp_server.envelopes == [("tandem@acme.test", ["mia@acme.test"])]
