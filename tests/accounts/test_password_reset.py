"""Forgot your password?: the e-mail through a real SMTP server, the link, and its limits."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.conf import settings
from django.contrib.auth.tokens import PasswordResetTokenGenerator
from django.test import Client
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks_db.models import DBTaskResult

import tandem.settings as production
from tandem.accounts.models import PasswordResetRequest, User
from tests.accounts.conftest import link_in, run_worker
from tests.conftest import PASSWORD, Cast, Mailbox

NEW_PASSWORD = "a brand new passphrase"


def ask(client: Client, email: str, **extra: Any):
    return client.post("/password-reset/", {"email": email}, **extra)


def choose(client: Client, path: str, password: str = NEW_PASSWORD):
    """Open the e-mailed link and save ``password``, as a browser does."""
    page = client.get(path)
    assert page.status_code == 302  # Django moves the token out of the address
    form_url = page["Location"]
    return client.post(form_url, {"new_password1": password, "new_password2": password})


def without_csrf(html: str) -> str:
    """The page without its per-visitor CSRF token, the only part that may differ."""
    return re.sub(r'"X-CSRFToken": "[^"]*"', "", html)


def can_sign_in(email: str, password: str) -> bool:
    return Client().post("/login/", {"username": email, "password": password}).status_code == 302


def test_the_login_page_offers_forgot_your_password(db):
    page = Client().get("/login/").content.decode()
    assert '<a href="/password-reset/">Forgot your password?</a>' in page


def test_links_work_for_an_hour_in_production():
    assert production.PASSWORD_RESET_TIMEOUT == 3600


def test_a_password_reset_goes_end_to_end_through_the_smtp_server(
    cast: Cast, smtp_server: Mailbox, base_url: str
):
    response = ask(Client(), "Member@Acme.test")
    assert response.status_code == 302
    assert response["Location"] == "/password-reset/sent/"
    assert smtp_server.messages == []  # sent by the worker, not by the page
    run_worker()
    [message] = smtp_server.to("member@acme.test")
    assert message["Subject"] == "Choose a new Tandem password"
    text = Mailbox.text(message)
    assert "The link works for 1 hour and only once." in text
    assert message.get_body(preferencelist=("html",)) is not None
    path = link_in(message)
    assert path.startswith("/password-reset/")

    done = choose(Client(), path)
    assert done.status_code == 302
    assert done["Location"] == "/password-reset/complete/"
    assert can_sign_in("member@acme.test", NEW_PASSWORD)
    assert not can_sign_in("member@acme.test", PASSWORD)
    # The link worked once.
    again = Client().get(path, follow=True)
    assert "This password-reset link has expired or was already used." in (again.content.decode())


def test_known_and_unknown_addresses_get_the_same_answer(
    cast: Cast, smtp_server: Mailbox, base_url: str
):
    known = ask(Client(), "member@acme.test")
    unknown = ask(Client(), "nobody@acme.test")
    assert (known.status_code, known["Location"]) == (unknown.status_code, unknown["Location"])
    assert DBTaskResult.objects.count() == 2  # the same work for both
    known_page = without_csrf(Client().get(known["Location"]).content.decode())
    unknown_page = without_csrf(Client().get(unknown["Location"]).content.decode())
    assert known_page == unknown_page
    assert "If an account uses that address" in known_page
    run_worker()
    assert [m["To"] for m in smtp_server.messages] == ["member@acme.test"]


def test_an_inactive_account_gets_no_email(cast: Cast, smtp_server: Mailbox):
    User.objects.filter(pk=cast.member.pk).update(is_active=False)
    assert ask(Client(), "member@acme.test").status_code == 302
    run_worker()
    assert smtp_server.messages == []


def test_after_a_reset_the_persons_other_sessions_end(
    cast: Cast, client_for, smtp_server: Mailbox, base_url: str
):
    elsewhere = client_for(cast.member)
    assert elsewhere.get("/").status_code == 200
    ask(Client(), "member@acme.test")
    run_worker()
    choose(Client(), link_in(smtp_server.to("member@acme.test")[0]))
    response = elsewhere.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    assert client_for(cast.owner).get("/").status_code == 200  # others stay signed in


def test_a_weak_new_password_is_refused_and_the_old_one_still_works(
    cast: Cast, smtp_server: Mailbox, base_url: str
):
    ask(Client(), "member@acme.test")
    run_worker()
    response = choose(Client(), link_in(smtp_server.to("member@acme.test")[0]), "12345678")
    assert response.status_code == 200
    assert "This password is entirely numeric." in response.content.decode()
    assert can_sign_in("member@acme.test", PASSWORD)


def test_a_link_older_than_an_hour_no_longer_works(cast: Cast):
    class TwoHoursAgo(PasswordResetTokenGenerator):
        def _now(self) -> dt.datetime:
            # Django's generator counts seconds in naive local time, so must its clock.
            now = dt.datetime.now()  # noqa: DTZ005
            return now - dt.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT + 60)

    uid = urlsafe_base64_encode(force_bytes(cast.member.pk))
    token = TwoHoursAgo().make_token(cast.member)
    page = Client().get(f"/password-reset/{uid}/{token}/", follow=True)
    assert "This password-reset link has expired or was already used." in page.content.decode()


def test_an_address_gets_at_most_three_reset_emails_an_hour(
    cast: Cast, smtp_server: Mailbox, base_url: str
):
    client = Client()
    answers = {ask(client, "member@acme.test")["Location"] for _ in range(5)}
    assert answers == {"/password-reset/sent/"}  # refusing looks the same
    run_worker()
    assert len(smtp_server.to("member@acme.test")) == 3
    assert PasswordResetRequest.objects.filter(email="member@acme.test").count() == 3

    PasswordResetRequest.objects.update(at=timezone.now() - dt.timedelta(minutes=61))
    ask(client, "member@acme.test")
    run_worker()
    assert len(smtp_server.to("member@acme.test")) == 4


def test_one_network_address_is_limited_across_addresses(cast: Cast, settings):
    settings.TANDEM_PASSWORD_RESET_MAX_PER_IP = 4
    client = Client()
    for number in range(6):
        ask(client, f"someone{number}@acme.test", REMOTE_ADDR="203.0.113.9")
    ask(client, "member@acme.test", REMOTE_ADDR="198.51.100.1")
    assert PasswordResetRequest.objects.filter(ip="203.0.113.9").count() == 4
    assert PasswordResetRequest.objects.filter(ip="198.51.100.1").count() == 1


def test_an_invalid_address_is_an_error_on_the_field(db):
    response = ask(Client(), "not an address")
    assert response.status_code == 200
    assert "Enter a valid email address." in response.content.decode()
    assert not DBTaskResult.objects.exists()
