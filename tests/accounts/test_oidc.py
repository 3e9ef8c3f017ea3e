"""Single sign-on through OpenID Connect, against a real OpenID provider on 127.0.0.1.

The provider below is small but real: it serves discovery, an authorisation endpoint
that sends the browser back with a code and the state, a token endpoint that checks
the client's secret, the redirect address and the PKCE verifier and returns an
RS256-signed ID token, userinfo and its JWKS. Tandem talks to it over HTTP; the test
client plays the browser and httpx follows the hop to the provider.
"""

from __future__ import annotations

import base64
import hashlib
import importlib
import json
import os
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlencode, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.contrib.auth import SESSION_KEY
from django.test import Client, override_settings
from django.urls import clear_url_caches

import tandem.urls
from tandem.accounts import oidc, services, tokens
from tandem.accounts.models import LoginAttempt, Membership, Role, User
from tandem.accounts.security import SESSION_SEEN_AT, SESSION_SIGNED_IN_AT
from tandem.audit.models import AuditEvent
from tests.conftest import PASSWORD, Cast

CLIENT_ID = "tandem-okr"
CLIENT_SECRET = "provider-issued-secret"
_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
_OTHER_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class Provider:
    """The provider's state: who is signed in there, and how to misbehave."""

    issuer: str = ""
    person: dict[str, Any] = field(default_factory=dict)
    tamper: str | None = None
    paths: list[str] = field(default_factory=list)
    codes: dict[str, dict[str, Any]] = field(default_factory=dict)
    access_tokens: dict[str, dict[str, Any]] = field(default_factory=dict)

    def signs_in(self, email: str, *, verified: Any = True, name: str = "") -> None:
        self.person = {"sub": f"sub-{email.lower()}", "email": email, "email_verified": verified}
        if name:
            self.person["name"] = name

    def id_token(self, nonce: str) -> str:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "sub": self.person["sub"],
            "aud": CLIENT_ID,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "email": self.person["email"],
        }
        key = _KEY
        if self.tamper == "signature":
            key = _OTHER_KEY
        elif self.tamper == "audience":
            claims["aud"] = "another-application"
        elif self.tamper == "expired":
            claims["iat"], claims["exp"] = now - 7200, now - 3600
        elif self.tamper == "nonce":
            claims["nonce"] = "a-nonce-of-another-sign-in"
        elif self.tamper == "issuer":
            claims["iss"] = "http://impostor.test"
        return jwt.encode(claims, key, algorithm="RS256", headers={"kid": "key-1"})


def _handler(provider: Provider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _answer(self, status: int, body: Any = None, headers: dict[str, str] | None = None):
            data = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            if body is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            provider.paths.append(url.path)
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            if url.path == "/.well-known/openid-configuration":
                self._answer(
                    200,
                    {
                        "issuer": provider.issuer,
                        "authorization_endpoint": provider.issuer + "/authorize",
                        "token_endpoint": provider.issuer + "/token",
                        "userinfo_endpoint": provider.issuer + "/userinfo",
                        "jwks_uri": provider.issuer + "/jwks",
                    },
                )
            elif url.path == "/authorize":
                if (
                    query.get("client_id") != CLIENT_ID
                    or query.get("response_type") != "code"
                    or query.get("code_challenge_method") != "S256"
                    or "openid" not in query.get("scope", "").split()
                ):
                    self._answer(400, {"error": "invalid_request"})
                    return
                code = secrets.token_urlsafe(16)
                provider.codes[code] = query
                back = (
                    query["redirect_uri"] + "?" + urlencode({"code": code, "state": query["state"]})
                )
                self._answer(302, headers={"Location": back})
            elif url.path == "/userinfo":
                token = self.headers.get("Authorization", "").removeprefix("Bearer ")
                if token not in provider.access_tokens:
                    self._answer(401, {"error": "invalid_token"})
                    return
                claims = provider.access_tokens[token]
                if provider.tamper == "subject":
                    claims = {**claims, "sub": "someone-else"}
                self._answer(200, claims)
            elif url.path == "/jwks":
                jwk = jwt.algorithms.RSAAlgorithm.to_jwk(_KEY.public_key(), as_dict=True)
                self._answer(200, {"keys": [{**jwk, "kid": "key-1", "alg": "RS256", "use": "sig"}]})
            else:
                self._answer(404, {"error": "not_found"})

        def do_POST(self) -> None:
            provider.paths.append(self.path)
            length = int(self.headers.get("Content-Length", "0"))
            form = {k: v[0] for k, v in parse_qs(self.rfile.read(length).decode()).items()}
            if self.path != "/token":
                self._answer(404, {"error": "not_found"})
                return
            grant = provider.codes.pop(form.get("code", ""), None)
            verifier = form.get("code_verifier", "")
            challenge = (
                base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
                .rstrip(b"=")
                .decode()
            )
            if (
                form.get("client_id") != CLIENT_ID
                or form.get("client_secret") != CLIENT_SECRET
                or grant is None
                or form.get("redirect_uri") != grant["redirect_uri"]
                or challenge != grant["code_challenge"]
            ):
                self._answer(400, {"error": "invalid_grant"})
                return
            access_token = secrets.token_urlsafe(16)
            provider.access_tokens[access_token] = dict(provider.person)
            self._answer(
                200,
                {
                    "access_token": access_token,
                    "token_type": "Bearer",
                    "expires_in": 300,
                    "id_token": provider.id_token(grant["nonce"]),
                },
            )

    return Handler


@pytest.fixture
def provider() -> Iterator[Provider]:
    state = Provider()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.issuer = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def _reload_urls() -> None:
    importlib.reload(tandem.urls)
    clear_url_caches()


@pytest.fixture
def configure() -> Iterator[Any]:
    """Turn single sign-on on with the given settings, as the environment would."""
    stack: list[Any] = []

    def apply(**overrides: Any) -> None:
        values = {
            "TANDEM_OIDC_CLIENT_ID": CLIENT_ID,
            "TANDEM_OIDC_CLIENT_SECRET": CLIENT_SECRET,
            "TANDEM_OIDC_ISSUER": "",
            "TANDEM_OIDC_AUTHORIZATION_ENDPOINT": "",
            "TANDEM_OIDC_TOKEN_ENDPOINT": "",
            "TANDEM_OIDC_USERINFO_ENDPOINT": "",
            "TANDEM_OIDC_JWKS_ENDPOINT": "",
            "TANDEM_OIDC_SCOPES": "openid email profile",
            "TANDEM_OIDC_SIGN_ALGORITHM": "RS256",
            "TANDEM_OIDC_BUTTON_LABEL": "Okta",
            "TANDEM_OIDC_CREATE_USERS": False,
            "TANDEM_OIDC_REQUIRE_VERIFIED_EMAIL": True,
            "TANDEM_OIDC_CA_BUNDLE": "",
            "AUTHENTICATION_BACKENDS": [
                "tandem.accounts.oidc.OIDCBackend",
                "tandem.accounts.security.RateLimitedBackend",
            ],
            **overrides,
        }
        override = override_settings(**values)
        override.enable()
        stack.append(override)
        oidc._discovered.clear()
        _reload_urls()

    yield apply
    for override in reversed(stack):
        override.disable()
    oidc._discovered.clear()
    _reload_urls()


@pytest.fixture
def sso(configure: Any, provider: Provider) -> Provider:
    """Single sign-on through the local provider, found by discovery."""
    configure(TANDEM_OIDC_ISSUER=provider.issuer)
    return provider


def sign_in(client: Client, next_url: str = "") -> Any:
    """Click the button, let the provider answer, and return Tandem's answer to the callback."""
    start = client.get("/oidc/authenticate/", {"next": next_url} if next_url else {})
    assert start.status_code == 302, start.content
    hop = httpx.get(start["Location"], follow_redirects=False, timeout=10)
    assert hop.status_code == 302, hop.text
    back = urlsplit(hop.headers["Location"])
    assert back.path == "/oidc/callback/"
    return client.get(back.path, dict(parse_qsl(back.query)))


def signed_in_as(client: Client) -> User | None:
    pk = client.session.get(SESSION_KEY)
    return User.objects.get(pk=pk) if pk else None


# -- configured or not ----------------------------------------------------------------------


def test_without_settings_there_is_no_button_and_the_sso_addresses_are_404(client):
    page = client.get("/login/")
    assert page.status_code == 200
    assert b"Sign in with" not in page.content
    assert client.get("/oidc/authenticate/").status_code == 404
    assert client.get("/oidc/callback/", {"code": "x", "state": "y"}).status_code == 404


def test_login_page_shows_the_button_with_the_configured_label(sso, client):
    page = client.get("/login/", {"next": "/teams/"})
    assert b"Sign in with Okta" in page.content
    assert b'href="/oidc/authenticate/?next=%2Fteams%2F"' in page.content


def test_discovery_waits_for_the_first_sign_in(sso, client, cast: Cast):
    # A server that cannot reach the provider must still start and serve passwords.
    client.get("/login/")
    client.post("/login/", {"username": cast.member.email, "password": PASSWORD})
    assert sso.paths == []
    client.logout()
    sso.signs_in(cast.member.email)
    sign_in(client)
    assert sso.paths[0] == "/.well-known/openid-configuration"


# -- signing in ------------------------------------------------------------------------------


def test_existing_person_signs_in_and_lands_on_home(sso, client, cast: Cast):
    sso.signs_in(cast.member.email)
    answer = sign_in(client)
    assert answer.status_code == 302
    assert answer["Location"] == "/"
    assert signed_in_as(client) == cast.member
    assert client.get("/").status_code == 200
    assert client.session[SESSION_SIGNED_IN_AT] == pytest.approx(time.time(), abs=30)
    # The provider was asked for the token with the PKCE verifier and for userinfo.
    assert sso.paths == [
        "/.well-known/openid-configuration",
        "/authorize",
        "/token",
        "/jwks",
        "/userinfo",
    ]


def test_sign_in_returns_to_the_page_asked_for(sso, client, cast: Cast):
    sso.signs_in(cast.member.email)
    assert sign_in(client, "/teams/")["Location"] == "/teams/"


def test_sign_in_never_returns_to_another_site(sso, client, cast: Cast):
    sso.signs_in(cast.member.email)
    assert sign_in(client, "https://evil.test/")["Location"] == "/"


def test_email_in_another_case_finds_the_account(sso, client, cast: Cast):
    sso.signs_in(cast.member.email.upper())
    sign_in(client)
    assert signed_in_as(client) == cast.member
    assert User.objects.filter(email__iexact=cast.member.email).count() == 1


def test_explicit_endpoints_work_without_discovery(configure, provider, client, cast: Cast):
    configure(
        TANDEM_OIDC_AUTHORIZATION_ENDPOINT=provider.issuer + "/authorize",
        TANDEM_OIDC_TOKEN_ENDPOINT=provider.issuer + "/token",
        TANDEM_OIDC_USERINFO_ENDPOINT=provider.issuer + "/userinfo",
        TANDEM_OIDC_JWKS_ENDPOINT=provider.issuer + "/jwks",
    )
    provider.signs_in(cast.editor.email)
    sign_in(client)
    assert signed_in_as(client) == cast.editor
    assert "/.well-known/openid-configuration" not in provider.paths


def test_sso_session_ends_after_the_idle_timeout_like_any_other(sso, client, cast: Cast):
    sso.signs_in(cast.member.email)
    sign_in(client)
    session = client.session
    session[SESSION_SEEN_AT] = time.time() - 9 * 3600
    session.save()
    answer = client.get("/")
    assert answer.status_code == 302
    assert answer["Location"].startswith("/login/")
    assert signed_in_as(client) is None


def test_password_login_still_works_when_sso_is_configured(sso, client, cast: Cast):
    answer = client.post("/login/", {"username": cast.viewer.email, "password": PASSWORD})
    assert answer.status_code == 302
    assert signed_in_as(client) == cast.viewer


# -- password sign-in turned off, names from the provider -----------------------------------


def turn_passwords_off(cast: Cast) -> None:
    services.organization_update(organization=cast.org, by=cast.owner, password_sign_in=False)


def test_an_organisation_that_turns_passwords_off_signs_its_people_in_through_sso(
    sso, client, cast: Cast
):
    turn_passwords_off(cast)
    answer = client.post("/login/", {"username": cast.member.email, "password": PASSWORD})
    assert answer.status_code == 200
    assert "Acme IT signs in through single sign-on, not with a password" in answer.text
    assert "use “Okta” instead" in answer.text
    assert signed_in_as(client) is None
    # A refusal of the right password is no failed attempt towards a lockout.
    assert not LoginAttempt.objects.filter(email=cast.member.email).exists()
    sso.signs_in(cast.member.email)
    assert sign_in(client).status_code == 302
    assert signed_in_as(client) == cast.member


def test_a_wrong_password_still_says_only_that_it_is_wrong(sso, client, cast: Cast):
    turn_passwords_off(cast)
    answer = client.post("/login/", {"username": cast.member.email, "password": "not it"})
    assert answer.status_code == 200
    assert "single sign-on" not in answer.text.split("<form", 1)[1].split("</form>", 1)[0]
    assert "correct email" in answer.text


def test_other_organisations_keep_their_passwords(sso, client, cast: Cast):
    turn_passwords_off(cast)
    answer = client.post("/login/", {"username": cast.outsider.email, "password": PASSWORD})
    assert answer.status_code == 302
    assert signed_in_as(client) == cast.outsider


def test_a_superuser_keeps_their_password_to_reach_the_server(sso, client, cast: Cast):
    turn_passwords_off(cast)
    User.objects.filter(pk=cast.owner.pk).update(is_superuser=True, is_staff=True)
    answer = client.post("/login/", {"username": cast.owner.email, "password": PASSWORD})
    assert answer.status_code == 302
    assert signed_in_as(client) == cast.owner


def test_passwords_work_again_once_single_sign_on_is_removed(configure, client, cast: Cast):
    configure(TANDEM_OIDC_ISSUER="http://127.0.0.1:9")
    turn_passwords_off(cast)
    configure(
        TANDEM_OIDC_CLIENT_ID="",
        AUTHENTICATION_BACKENDS=["tandem.accounts.security.RateLimitedBackend"],
    )
    answer = client.post("/login/", {"username": cast.member.email, "password": PASSWORD})
    assert answer.status_code == 302


def test_the_admin_sign_in_is_refused_too(sso, client, cast: Cast):
    turn_passwords_off(cast)
    User.objects.filter(pk=cast.member.pk).update(is_staff=True)
    answer = client.post(
        "/admin/login/?next=/admin/", {"username": cast.member.email, "password": PASSWORD}
    )
    assert answer.status_code == 200
    assert "signs in through single sign-on" in answer.text
    assert signed_in_as(client) is None


def test_a_rename_at_the_provider_shows_at_the_next_sign_in(sso, client, cast: Cast):
    old_name = cast.member.full_name
    sso.signs_in(cast.member.email, name="  Mona   Lisa-Member ")
    assert sign_in(client).status_code == 302
    cast.member.refresh_from_db()
    assert cast.member.full_name == "Mona Lisa-Member"
    event = AuditEvent.objects.get(organization=cast.org, action="user.rename")
    assert event.source == "sso"
    assert event.actor == cast.member
    assert event.after == {"full_name": "Mona Lisa-Member"}
    assert event.before == {"full_name": old_name}
    # Signing in again with the same name changes and records nothing.
    client.logout()
    assert sign_in(client).status_code == 302
    assert AuditEvent.objects.filter(action="user.rename").count() == 1


def test_a_provider_that_sends_no_name_leaves_the_name_alone(sso, client, cast: Cast):
    before = cast.member.full_name
    sso.signs_in(cast.member.email)
    assert sign_in(client).status_code == 302
    cast.member.refresh_from_db()
    assert cast.member.full_name == before
    assert not AuditEvent.objects.filter(action="user.rename").exists()


# -- refusals --------------------------------------------------------------------------------


def test_unverified_email_is_refused_and_counted_as_a_failed_sign_in(sso, client, cast: Cast):
    sso.signs_in(cast.member.email, verified=False)
    answer = sign_in(client)
    assert answer.status_code == 403
    assert b"has not verified the address member@acme.test" in answer.content
    assert signed_in_as(client) is None
    assert LoginAttempt.objects.filter(email=cast.member.email).count() == 1


def test_email_verified_as_the_string_true_is_accepted(sso, client, cast: Cast):
    sso.signs_in(cast.member.email, verified="true")
    sign_in(client)
    assert signed_in_as(client) == cast.member


def test_unverified_email_is_accepted_when_verification_is_not_required(
    configure, provider, client, cast: Cast
):
    configure(TANDEM_OIDC_ISSUER=provider.issuer, TANDEM_OIDC_REQUIRE_VERIFIED_EMAIL=False)
    provider.signs_in(cast.member.email, verified=None)
    sign_in(client)
    assert signed_in_as(client) == cast.member


def test_unknown_email_is_refused_with_a_page_naming_it(sso, client, cast: Cast):
    sso.signs_in("x@y.test")
    answer = sign_in(client)
    assert answer.status_code == 403
    assert b"No Tandem account for x@y.test; ask an admin for an invitation." in answer.content
    assert not User.objects.filter(email="x@y.test").exists()
    assert signed_in_as(client) is None


def test_unknown_email_with_a_pending_invitation_is_told_to_open_it(sso, client, cast: Cast):
    invitation = services.invitation_create(
        organization=cast.org, email="newcomer@acme.test", role=Role.MEMBER, by=cast.owner
    )
    sso.signs_in("Newcomer@acme.test")
    answer = sign_in(client)
    assert answer.status_code == 403
    assert f"You have an invitation to {cast.org.name}".encode() in answer.content
    invitation.refresh_from_db()
    assert invitation.accepted_at is None


def test_unknown_email_gets_an_account_without_organisation_when_creation_is_on(
    configure, provider, client, cast: Cast
):
    configure(TANDEM_OIDC_ISSUER=provider.issuer, TANDEM_OIDC_CREATE_USERS=True)
    provider.signs_in("Newcomer@Acme.test", name="Nina Newcomer")
    answer = sign_in(client)
    assert answer.status_code == 302
    user = User.objects.get(email="newcomer@acme.test")
    assert signed_in_as(client) == user
    assert user.full_name == "Nina Newcomer"
    assert not user.has_usable_password()
    assert not Membership.objects.filter(user=user).exists()
    # Without an organisation there is nothing to show yet: home answers 404 until an
    # invitation adds the person to one.
    assert client.get("/").status_code == 404


def test_invited_person_made_by_sso_joins_through_the_invitation(
    configure, provider, client, cast: Cast
):
    configure(TANDEM_OIDC_ISSUER=provider.issuer, TANDEM_OIDC_CREATE_USERS=True)
    invitation = services.invitation_create(
        organization=cast.org, email="newcomer@acme.test", role=Role.EDITOR, by=cast.owner
    )
    provider.signs_in("newcomer@acme.test")
    sign_in(client)
    user = User.objects.get(email="newcomer@acme.test")
    assert user.full_name == "newcomer"  # no name claim: the address stands in
    assert not Membership.objects.filter(user=user).exists()  # not joined by signing in
    token = tokens.invitation_token(invitation)
    assert client.post(f"/invitations/{token}/").status_code == 302
    assert Membership.objects.get(user=user).role == Role.EDITOR


def test_deactivated_account_is_refused(sso, client, cast: Cast):
    User.objects.filter(pk=cast.member.pk).update(is_active=False)
    sso.signs_in(cast.member.email)
    answer = sign_in(client)
    assert answer.status_code == 403
    assert b"is deactivated" in answer.content
    assert signed_in_as(client) is None


@pytest.mark.parametrize("tamper", ["signature", "audience", "expired", "nonce", "issuer"])
def test_tampered_id_token_is_refused(sso, client, cast: Cast, tamper):
    sso.signs_in(cast.owner.email)
    sso.tamper = tamper
    answer = sign_in(client)
    assert answer.status_code == 400
    assert b"could not be trusted" in answer.content
    assert signed_in_as(client) is None
    assert LoginAttempt.objects.count() == 1


def test_userinfo_about_another_subject_is_refused(sso, client, cast: Cast):
    sso.signs_in(cast.owner.email)
    sso.tamper = "subject"
    answer = sign_in(client)
    assert answer.status_code == 403
    assert b"did not complete" in answer.content
    assert signed_in_as(client) is None


def test_state_of_another_sign_in_is_refused(sso, client, cast: Cast):
    sso.signs_in(cast.owner.email)
    start = client.get("/oidc/authenticate/")
    hop = httpx.get(start["Location"], follow_redirects=False, timeout=10)
    back = dict(parse_qsl(urlsplit(hop.headers["Location"]).query))
    answer = client.get("/oidc/callback/", {"code": back["code"], "state": "forged-state"})
    assert answer.status_code == 400
    assert b"does not belong to this browser" in answer.content
    assert signed_in_as(client) is None
    assert "/token" not in sso.paths


def test_callback_in_another_browser_is_refused(sso, client, cast: Cast):
    sso.signs_in(cast.owner.email)
    start = client.get("/oidc/authenticate/")
    hop = httpx.get(start["Location"], follow_redirects=False, timeout=10)
    back = urlsplit(hop.headers["Location"])
    other = Client()
    answer = other.get(back.path, dict(parse_qsl(back.query)))
    assert answer.status_code == 400
    assert signed_in_as(other) is None


def test_callback_replayed_is_refused(sso, client, cast: Cast):
    sso.signs_in(cast.owner.email)
    start = client.get("/oidc/authenticate/")
    hop = httpx.get(start["Location"], follow_redirects=False, timeout=10)
    back = urlsplit(hop.headers["Location"])
    assert client.get(back.path, dict(parse_qsl(back.query))).status_code == 302
    client.logout()
    assert client.get(back.path, dict(parse_qsl(back.query))).status_code == 400
    assert signed_in_as(client) is None


def test_provider_refusal_is_shown(sso, client, db):
    client.get("/oidc/authenticate/")
    state = next(iter(client.session["oidc_states"]))
    answer = client.get(
        "/oidc/callback/",
        {"error": "access_denied", "error_description": "You may not use Tandem", "state": state},
    )
    assert answer.status_code == 403
    assert b"You may not use Tandem" in answer.content
    assert state not in client.session["oidc_states"]


def test_forged_error_answer_does_not_sign_anyone_out(sso, client, cast: Cast):
    client.force_login(cast.member)
    answer = client.get("/oidc/callback/", {"error": "access_denied", "state": "forged"})
    assert answer.status_code == 400
    assert signed_in_as(client) == cast.member


def test_unreachable_provider_shows_a_page_not_an_error(configure, client, db):
    configure(TANDEM_OIDC_ISSUER="http://127.0.0.1:9")
    answer = client.get("/oidc/authenticate/")
    assert answer.status_code == 503
    assert b"could not reach the identity provider" in answer.content


# -- settings from the environment ---------------------------------------------------------


def read_settings(tmp_path, **env: str) -> subprocess.CompletedProcess[str]:
    """Import the real settings in a fresh interpreter with only these variables set."""
    script = (
        "import django; from django.conf import settings; django.setup(); "
        "print(settings.AUTHENTICATION_BACKENDS)"
    )
    return subprocess.run(
        [sys.executable, "-c", script],
        env={
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "DJANGO_SETTINGS_MODULE": "tandem.settings",
            "TANDEM_DEBUG": "1",
            "TANDEM_DATA_DIR": str(tmp_path),
            **env,
        },
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_settings_without_a_client_id_install_nothing(tmp_path):
    result = read_settings(tmp_path, TANDEM_OIDC_ISSUER="https://idp.example.com")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "['tandem.accounts.security.RateLimitedBackend']"


def test_settings_with_an_issuer_put_the_sso_backend_first(tmp_path):
    result = read_settings(
        tmp_path,
        TANDEM_OIDC_CLIENT_ID="tandem",
        TANDEM_OIDC_CLIENT_SECRET="secret",
        TANDEM_OIDC_ISSUER="https://idp.example.com/realms/acme/",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        "['tandem.accounts.oidc.OIDCBackend', 'tandem.accounts.security.RateLimitedBackend']"
    )


def test_settings_refuse_endpoints_missing_without_an_issuer(tmp_path):
    result = read_settings(
        tmp_path,
        TANDEM_OIDC_CLIENT_ID="tandem",
        TANDEM_OIDC_CLIENT_SECRET="secret",
        TANDEM_OIDC_AUTHORIZATION_ENDPOINT="https://idp.example.com/authorize",
    )
    assert result.returncode != 0
    assert "Single sign-on needs TANDEM_OIDC_ISSUER" in result.stderr


def test_settings_refuse_a_client_id_without_its_secret(tmp_path):
    result = read_settings(
        tmp_path, TANDEM_OIDC_CLIENT_ID="tandem", TANDEM_OIDC_ISSUER="https://idp.example.com"
    )
    assert result.returncode != 0
    assert "TANDEM_OIDC_CLIENT_SECRET must be set." in result.stderr
