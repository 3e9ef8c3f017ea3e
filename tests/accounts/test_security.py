"""Sign-in security: lockouts after failed sign-ins, session timeouts, production checks.

Time is never slept: the tests move the stored times of failed sign-ins and of the
session's clock, or pass an explicit ``now``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from django.test import Client
from django.utils import timezone

from tandem.accounts.models import LoginAttempt
from tandem.accounts.security import (
    SESSION_SEEN_AT,
    SESSION_SIGNED_IN_AT,
    login_failure_record,
    login_refusal,
    session_expiry,
)
from tests.conftest import PASSWORD, Cast

TANDEM = Path(sys.executable).parent / "tandem"
LOCKED = "Too many failed sign-ins for this e-mail address"
LOCKED_IP = "Too many failed sign-ins from your network address"
WRONG = "correct email"  # Django's "Please enter a correct email and password."


def sign_in(client: Client, email: str, password: str, **extra: Any) -> str:
    response = client.post("/login/", {"username": email, "password": password}, **extra)
    if response.status_code == 302:
        return "signed in"
    return response.content.decode().replace("&#x27;", "'")


def fail(client: Client, email: str, times: int, **extra: Any) -> None:
    for _ in range(times):
        assert WRONG in sign_in(client, email, "wrong password", **extra)


def age_attempts(minutes: float, **where: str) -> None:
    for attempt in LoginAttempt.objects.filter(**where):
        attempt.at -= dt.timedelta(minutes=minutes)
        attempt.save(update_fields=["at"])


# -- lockout per e-mail address -----------------------------------------------------------


def test_four_failed_sign_ins_still_let_the_right_password_in(cast: Cast):
    client = Client()
    fail(client, cast.member.email, 4)
    assert sign_in(client, cast.member.email, PASSWORD) == "signed in"


def test_five_failed_sign_ins_lock_the_address_even_for_the_right_password(cast: Cast):
    client = Client()
    fail(client, cast.member.email, 5)
    page = sign_in(client, cast.member.email, PASSWORD)
    assert LOCKED in page
    assert "try again in 15 minutes" in page
    assert "_auth_user_id" not in client.session


def test_the_lock_message_does_not_reveal_whether_an_account_exists(cast: Cast):
    fail(Client(), cast.member.email, 5)
    fail(Client(), "nobody@acme.test", 5)
    existing = sign_in(Client(), cast.member.email, PASSWORD)
    missing = sign_in(Client(), "nobody@acme.test", PASSWORD)
    assert LOCKED in existing
    assert existing.split(LOCKED)[1][:80] == missing.split(LOCKED)[1][:80]


def test_the_address_is_locked_regardless_of_its_case(cast: Cast):
    fail(Client(), cast.member.email.upper(), 5)
    assert LOCKED in sign_in(Client(), cast.member.email, PASSWORD)


def test_the_lock_ends_fifteen_minutes_after_the_fifth_failure(cast: Cast):
    client = Client()
    fail(client, cast.member.email, 5)
    age_attempts(14)
    assert "try again in 1 minute" in sign_in(client, cast.member.email, PASSWORD)
    age_attempts(1.1)
    assert sign_in(client, cast.member.email, PASSWORD) == "signed in"


def test_refused_attempts_do_not_extend_the_lock(cast: Cast):
    client = Client()
    fail(client, cast.member.email, 5)
    for _ in range(3):
        assert LOCKED in sign_in(client, cast.member.email, "still guessing")
    assert LoginAttempt.objects.filter(email=cast.member.email).count() == 5


def test_failures_spread_over_more_than_fifteen_minutes_do_not_lock(cast: Cast):
    client = Client()
    fail(client, cast.member.email, 1)
    age_attempts(16)
    fail(client, cast.member.email, 4)
    assert sign_in(client, cast.member.email, PASSWORD) == "signed in"


def test_a_successful_sign_in_forgets_earlier_failures(cast: Cast):
    client = Client()
    fail(client, cast.member.email, 4)
    assert sign_in(client, cast.member.email, PASSWORD) == "signed in"
    assert not LoginAttempt.objects.filter(email=cast.member.email).exists()
    fail(Client(), cast.member.email, 4)
    assert sign_in(Client(), cast.member.email, PASSWORD) == "signed in"


def test_one_locked_address_leaves_other_people_alone(cast: Cast):
    fail(Client(), cast.member.email, 5)
    assert sign_in(Client(), cast.viewer.email, PASSWORD) == "signed in"


def test_the_admin_sign_in_is_locked_too(cast: Cast):
    client = Client()
    fail(client, cast.owner.email, 5)
    response = client.post(
        "/admin/login/", {"username": cast.owner.email, "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 200
    assert LOCKED in response.content.decode()


def test_lock_rules_with_explicit_times(db):
    start = dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC)
    for minute in range(5):
        login_failure_record(
            email="ada@example.test", ip=None, now=start + dt.timedelta(minutes=minute)
        )
    fifth = start + dt.timedelta(minutes=4)
    assert login_refusal(email="ada@example.test", ip=None, now=fifth) is not None
    assert login_refusal(email="ADA@example.test", ip=None, now=fifth + dt.timedelta(minutes=14))
    assert (
        login_refusal(email="ada@example.test", ip=None, now=fifth + dt.timedelta(minutes=15))
        is None
    )
    assert login_refusal(email="bob@example.test", ip=None, now=fifth) is None


def test_failed_sign_ins_older_than_a_day_are_forgotten(db):
    now = timezone.now()
    login_failure_record(email="ada@example.test", ip=None, now=now - dt.timedelta(days=2))
    login_failure_record(email="ada@example.test", ip=None, now=now)
    assert LoginAttempt.objects.count() == 1


# -- lockout per network address ----------------------------------------------------------


def test_fifty_failures_from_one_address_lock_every_sign_in_from_it(cast: Cast):
    client = Client(REMOTE_ADDR="203.0.113.7")
    for i in range(50):
        assert WRONG in sign_in(client, f"guess{i}@acme.test", "nope")
    assert LOCKED_IP in sign_in(client, cast.member.email, PASSWORD)
    assert sign_in(Client(REMOTE_ADDR="198.51.100.1"), cast.member.email, PASSWORD) == "signed in"
    age_attempts(15.1, ip="203.0.113.7")
    assert sign_in(client, cast.member.email, PASSWORD) == "signed in"


def test_the_forwarded_address_counts_only_when_the_proxy_is_trusted(cast: Cast, settings):
    behind = Client(REMOTE_ADDR="10.0.0.1")
    fail(behind, cast.member.email, 1, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert LoginAttempt.objects.get().ip == "10.0.0.1"
    settings.TANDEM_TRUST_X_FORWARDED_FOR = True
    fail(behind, cast.viewer.email, 1, HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9")
    assert LoginAttempt.objects.get(email=cast.viewer.email).ip == "203.0.113.9"


# -- session timeouts ---------------------------------------------------------------------


def signed_in(cast: Cast) -> Client:
    client = Client()
    assert sign_in(client, cast.member.email, PASSWORD) == "signed in"
    return client


def set_clock(client: Client, **ages: float) -> None:
    """Move the session's clock: ``signed_in`` and ``seen`` say how many seconds ago."""
    session = client.session
    now = time.time()
    if "signed_in" in ages:
        session[SESSION_SIGNED_IN_AT] = now - ages["signed_in"]
    if "seen" in ages:
        session[SESSION_SEEN_AT] = now - ages["seen"]
    session.save()


def test_signing_in_starts_the_session_clock(cast: Cast):
    client = signed_in(cast)
    assert abs(client.session[SESSION_SIGNED_IN_AT] - time.time()) < 60
    assert abs(client.session[SESSION_SEEN_AT] - time.time()) < 60


def test_a_session_unused_for_eight_hours_is_signed_out(cast: Cast):
    client = signed_in(cast)
    set_clock(client, seen=8 * 3600 + 1)
    response = client.get("/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")
    page = client.get(response["Location"]).content.decode()
    assert "signed out after 8 hours without activity" in page
    assert client.get("/").status_code == 302


def test_a_session_used_within_eight_hours_stays_and_its_clock_moves(cast: Cast):
    client = signed_in(cast)
    set_clock(client, seen=8 * 3600 - 60)
    assert client.get("/").status_code == 200
    assert time.time() - client.session[SESSION_SEEN_AT] < 60


def test_an_htmx_request_of_an_idle_session_sends_the_whole_page_to_sign_in(cast: Cast):
    client = signed_in(cast)
    set_clock(client, seen=8 * 3600 + 1)
    response = client.post(
        f"/key-results/{cast.kr.pk}/check-in/",
        {"value": "10", "confidence": "7"},
        headers={"HX-Request": "true", "HX-Current-URL": "http://testserver/teams/sales/"},
    )
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/login/?next=")
    assert "teams/sales" in response["HX-Redirect"]
    assert not cast.kr.checkins.exists()


def test_an_active_session_still_ends_fourteen_days_after_signing_in(cast: Cast):
    client = signed_in(cast)
    set_clock(client, signed_in=14 * 24 * 3600 + 1, seen=10)
    response = client.get("/")
    assert response.status_code == 302
    assert (
        "Your session ended 14 days after you signed in" in client.get("/login/").content.decode()
    )


def test_the_idle_timeout_follows_its_setting(cast: Cast, settings):
    settings.TANDEM_SESSION_IDLE_SECONDS = 600
    client = signed_in(cast)
    set_clock(client, seen=601)
    assert client.get("/").status_code == 302


def test_a_session_from_before_the_timeouts_starts_its_clock_on_its_next_request(cast: Cast):
    client = Client()
    client.force_login(cast.member)
    session = client.session
    del session[SESSION_SIGNED_IN_AT]
    del session[SESSION_SEEN_AT]
    session.save()
    assert client.get("/").status_code == 200
    assert SESSION_SIGNED_IN_AT in client.session


def test_session_expiry_rules_with_explicit_times():
    session = {SESSION_SIGNED_IN_AT: 1000.0, SESSION_SEEN_AT: 5000.0}
    assert session_expiry(session, now=5000.0 + 100, idle=100, absolute=10_000) is None
    assert session_expiry(session, now=5000.0 + 101, idle=100, absolute=10_000) == "idle"
    assert session_expiry(session, now=11_001.0, idle=10_000, absolute=10_000) == "absolute"
    assert session_expiry({}, now=1e12, idle=1, absolute=1) is None


# -- production settings --------------------------------------------------------------------


PRODUCTION = {
    "TANDEM_HTTPS": "1",
    "TANDEM_SECRET_KEY": "a-long-production-secret-Vq3x9Lr7Pz2Kw8Nd5Ts1Hy6Bc4Mf0Gj-" * 2,
    "TANDEM_HSTS_SECONDS": "31536000",
}


def run_tandem(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'tandem.sqlite3'}",
        "TANDEM_DATA_DIR": str(tmp_path),
        **env,
    }
    return subprocess.run(
        [str(TANDEM), *args],
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings(tmp_path):
    result = run_tandem(tmp_path, "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_over_https_sends_cookies_only_over_https(tmp_path):
    code = (
        "import json; from django.conf import settings as s; print(json.dumps(["
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
        "s.SECURE_HSTS_SECONDS, s.TANDEM_SESSION_IDLE_SECONDS, s.SESSION_COOKIE_AGE]))"
    )
    result = run_tandem(tmp_path, "shell", "-c", code, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == [
        True,
        True,
        True,
        31536000,
        8 * 3600,
        14 * 24 * 3600,
    ]


def test_the_lock_is_explained_in_the_language_of_the_sign_in_page(cast: Cast):
    fail(Client(), cast.member.email, 5)
    page = sign_in(Client(), cast.member.email, PASSWORD, HTTP_ACCEPT_LANGUAGE="es")
    assert (
        "Demasiados inicios de sesión fallidos para esta dirección de correo. Por su "
        "seguridad, el inicio de sesión está en pausa: inténtelo de nuevo en 15 minutos."
    ) in page
    assert LOCKED not in page


def test_a_session_ended_by_its_timeout_says_so_in_the_persons_language(cast: Cast):
    from tandem.accounts import services as accounts

    accounts.user_language_set(user=cast.member, language="fr", organization=cast.org)
    client = signed_in(cast)
    set_clock(client, seen=8 * 3600 + 1)
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en")
    # Signed out, the sign-in page follows the browser; the reason was told in French.
    page = client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Vous avez été déconnecté après 8 heures sans activité." in page
    assert "signed out after" not in page
