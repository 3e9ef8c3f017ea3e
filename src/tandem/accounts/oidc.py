"""Single sign-on through OpenID Connect (the authorisation-code flow with PKCE).

Built on mozilla-django-oidc, configured only from ``TANDEM_OIDC_*`` settings (see
``tandem.settings`` and docs/operations.md). When ``TANDEM_OIDC_CLIENT_ID`` is not set,
none of this is reachable: ``tandem.urls`` leaves these routes out and the backend is
not installed.

What Tandem adds to the library:

- The provider's endpoints may be given one by one, or read from the issuer's
  discovery document. Discovery happens at the first sign-in, never at start-up, so a
  server on a network that cannot reach the provider still starts.
- The ID token is checked fully: signature, issuer, audience, expiry and nonce (the
  library leaves the audience and the issuer unchecked).
- A person is matched to an existing account by e-mail, case-insensitively, and only
  when the provider says the address is verified. An unknown address is refused with
  a page that says why, unless ``TANDEM_OIDC_CREATE_USERS`` is on: then an account is
  made without a usable password and without any organisation; an invitation adds it
  to one. A pending invitation is never accepted by signing in: joining an
  organisation stays the explicit step of opening the invitation.
- A refused sign-in is recorded as a failed one (``LoginAttempt``), as a wrong
  password is, so it counts towards the lockouts of ``tandem.accounts.security``.
  Signing in through the provider is not itself refused while an address is locked:
  the lock guards Tandem's passwords, and no password is tried here.
"""

from __future__ import annotations

import logging
import threading
from typing import Any

import jwt
import requests
from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import ImproperlyConfigured, SuspiciousOperation, ValidationError
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, URLResolver, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from mozilla_django_oidc.auth import OIDCAuthenticationBackend
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from tandem.accounts import services
from tandem.accounts.models import Invitation, User
from tandem.accounts.security import LoginRefused, client_ip, login_failure_record

logger = logging.getLogger(__name__)

# Clock difference tolerated between Tandem and the provider when checking a token's times.
LEEWAY_SECONDS = 60
TIMEOUT_SECONDS = 10
_ENDPOINTS = {
    # library setting: (Tandem setting, key of the discovery document)
    "OIDC_OP_AUTHORIZATION_ENDPOINT": (
        "TANDEM_OIDC_AUTHORIZATION_ENDPOINT",
        "authorization_endpoint",
    ),
    "OIDC_OP_TOKEN_ENDPOINT": ("TANDEM_OIDC_TOKEN_ENDPOINT", "token_endpoint"),
    "OIDC_OP_USER_ENDPOINT": ("TANDEM_OIDC_USERINFO_ENDPOINT", "userinfo_endpoint"),
    "OIDC_OP_JWKS_ENDPOINT": ("TANDEM_OIDC_JWKS_ENDPOINT", "jwks_uri"),
}
_discovered: dict[str, dict[str, Any]] = {}
_discovery_lock = threading.Lock()


class ProviderUnavailable(Exception):
    """The identity provider could not be reached or answered nonsense."""


class SignInRefused(Exception):
    """A sign-in the provider vouched for, that Tandem refuses; the message is the page's."""

    def __init__(self, message: str, *, email: str = "", status: int = 403) -> None:
        super().__init__(message)
        self.message = message
        self.email = email
        self.status = status


def enabled() -> bool:
    return bool(getattr(settings, "TANDEM_OIDC_CLIENT_ID", ""))


def button_label() -> str:
    return str(getattr(settings, "TANDEM_OIDC_BUTTON_LABEL", "") or "single sign-on")


def _verify_tls() -> bool | str:
    return str(getattr(settings, "TANDEM_OIDC_CA_BUNDLE", "")) or True


def discovery(issuer: str) -> dict[str, Any]:
    """The issuer's discovery document, fetched once per process (a failure is retried)."""
    with _discovery_lock:
        if issuer in _discovered:
            return _discovered[issuer]
        url = issuer.rstrip("/") + "/.well-known/openid-configuration"
        try:
            response = requests.get(url, timeout=TIMEOUT_SECONDS, verify=_verify_tls())
            response.raise_for_status()
            document = response.json()
        except (OSError, ValueError) as exc:  # requests' errors are OSErrors
            raise ProviderUnavailable(f"reading {url} failed: {exc}") from exc
        if not isinstance(document, dict):
            raise ProviderUnavailable(f"{url} is not a discovery document.")
        # OpenID Connect Discovery 1.0, section 4.3: a document naming another issuer
        # must not be used (it would let that issuer's tokens in).
        if str(document.get("issuer", "")).rstrip("/") != issuer.rstrip("/"):
            raise ProviderUnavailable(
                f"{url} names the issuer {document.get('issuer')!r}, not {issuer!r}."
            )
        _discovered[issuer] = document
        return document


def library_setting(name: str, *default: Any) -> Any:
    """What mozilla-django-oidc asks for, answered from Tandem's own settings."""
    if name in _ENDPOINTS:
        tandem_name, key = _ENDPOINTS[name]
        explicit = str(getattr(settings, tandem_name, ""))
        if explicit:
            return explicit
        issuer = str(getattr(settings, "TANDEM_OIDC_ISSUER", ""))
        if not issuer:
            raise ImproperlyConfigured(f"Set {tandem_name} or TANDEM_OIDC_ISSUER.")
        value = discovery(issuer).get(key)
        if not value:
            raise ProviderUnavailable(f"the discovery document of {issuer} has no {key}.")
        return str(value)
    fixed: dict[str, Any] = {
        "OIDC_RP_CLIENT_ID": settings.TANDEM_OIDC_CLIENT_ID,
        "OIDC_RP_CLIENT_SECRET": getattr(settings, "TANDEM_OIDC_CLIENT_SECRET", ""),
        "OIDC_RP_SCOPES": getattr(settings, "TANDEM_OIDC_SCOPES", "openid email profile"),
        "OIDC_RP_SIGN_ALGO": getattr(settings, "TANDEM_OIDC_SIGN_ALGORITHM", "RS256"),
        "OIDC_USE_PKCE": True,
        "OIDC_USE_NONCE": True,
        "OIDC_TIMEOUT": TIMEOUT_SECONDS,
        "OIDC_VERIFY_SSL": _verify_tls(),
        "OIDC_CREATE_USER": getattr(settings, "TANDEM_OIDC_CREATE_USERS", False),
        # Tandem keeps no token: it only needs to know who signed in.
        "OIDC_STORE_ACCESS_TOKEN": False,
        "OIDC_STORE_ID_TOKEN": False,
    }
    if name in fixed:
        return fixed[name]
    return getattr(settings, name, *default) if default else getattr(settings, name)


def _is_true(value: Any) -> bool:
    # Some providers send the claim as the string "true".
    return value is True or (isinstance(value, str) and value.strip().lower() == "true")


def _provider_name(claims: dict[str, Any]) -> str:
    """The name the provider gives, or "" when it gives none."""
    given = " ".join(str(claims.get(c) or "") for c in ("given_name", "family_name")).strip()
    return str(claims.get("name") or "").strip() or given


def _full_name(claims: dict[str, Any], email: str) -> str:
    # An account needs a name; the person can change it later.
    return _provider_name(claims) or email.split("@")[0]


def _record_refusal(request: HttpRequest | None, email: str) -> None:
    login_failure_record(email=email, ip=client_ip(request), now=timezone.now())


def oidc_user_create(*, email: str, full_name: str) -> User:
    """An account for someone the provider vouched for: no usable password, no organisation.

    No audit row: audit records belong to an organisation, and this person has none
    until an invitation adds them (that step is audited).
    """
    try:
        with transaction.atomic():
            return services.user_create(email=email, full_name=full_name[:150], password=None)
    except (IntegrityError, ValidationError):
        # Two sign-ins of the same new person at once: the other one made the account.
        existing = User.objects.filter(email__iexact=email).first()
        if existing is None:
            raise
        return existing


class OIDCBackend(OIDCAuthenticationBackend):
    """Signs in the person the identity provider vouches for, matched by verified e-mail."""

    get_settings = staticmethod(library_setting)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # Django builds every backend for every password sign-in too: the provider's
        # endpoints (maybe a discovery request) are looked up only for an SSO callback.
        self.UserModel = User

    def authenticate(self, request: HttpRequest | None, **kwargs: Any) -> User | None:
        # Only the callback view passes a nonce; a password form posted to an address
        # carrying ?code=&state= must not start a token exchange.
        if request is None or "nonce" not in kwargs:
            return None
        super().__init__()
        user: User | None = super().authenticate(request, **kwargs)
        return user

    def _verify_jws(self, payload: str, key: Any) -> dict[str, Any]:
        header = jwt.get_unverified_header(payload)
        algorithm = header.get("alg")
        if algorithm != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation(
                f"The ID token is signed with {algorithm!r}, not {self.OIDC_RP_SIGN_ALGO!r}."
            )
        configured = str(getattr(settings, "TANDEM_OIDC_ISSUER", "")).rstrip("/")
        # Some providers' issuer ends with a slash: the setting is compared without it.
        issuer = [configured, configured + "/"] if configured else None
        try:
            claims: dict[str, Any] = jwt.decode(
                payload,
                key,
                algorithms=[algorithm],
                audience=self.OIDC_RP_CLIENT_ID,
                issuer=issuer,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "sub"]},
            )
        except jwt.InvalidTokenError as exc:
            raise SuspiciousOperation(f"The ID token was refused: {exc}.") from exc
        return claims

    def get_userinfo(
        self, access_token: str, id_token: str, payload: dict[str, Any]
    ) -> dict[str, Any]:
        userinfo: dict[str, Any] = super().get_userinfo(access_token, id_token, payload)
        # OpenID Connect Core 1.0, section 5.3.2: the answer is about the token's subject
        # or it must not be used.
        if str(userinfo.get("sub")) != str(payload.get("sub")):
            raise SuspiciousOperation("The userinfo answer is about another subject.")
        # The ID token's claims, completed by userinfo: some providers put
        # email_verified in only one of them.
        return {**payload, **userinfo}

    def verify_claims(self, claims: dict[str, Any]) -> bool:
        return bool(claims.get("email"))

    def get_or_create_user(self, access_token: str, id_token: str, payload: dict[str, Any]) -> User:
        claims = self.get_userinfo(access_token, id_token, payload)
        email = str(claims.get("email") or "").strip()
        if not email:
            raise SignInRefused(
                _(
                    "The identity provider did not tell Tandem your e-mail address, which "
                    "Tandem needs to find your account. Ask your administrator to release the "
                    "e-mail claim to Tandem."
                ),
            )
        if getattr(settings, "TANDEM_OIDC_REQUIRE_VERIFIED_EMAIL", True) and not _is_true(
            claims.get("email_verified")
        ):
            raise SignInRefused(
                _(
                    "The identity provider has not verified the address %(email)s, so Tandem "
                    "cannot tell that it is yours. Verify it there, then sign in again."
                )
                % {"email": email},
                email=email,
            )
        user = self.UserModel.objects.filter(email__iexact=email).first()
        if user is None:
            if not getattr(settings, "TANDEM_OIDC_CREATE_USERS", False):
                raise SignInRefused(self._no_account(email), email=email)
            try:
                user = oidc_user_create(email=email, full_name=_full_name(claims, email))
            except ValidationError as exc:
                raise SignInRefused(
                    _("Tandem could not make an account for %(email)s: %(reason)s")
                    % {"email": email, "reason": " ".join(exc.messages)},
                    email=email,
                ) from None
            logger.info("Single sign-on made an account for %s", email)
        if not ModelBackend().user_can_authenticate(user):
            raise SignInRefused(
                _(
                    "The Tandem account for %(email)s is deactivated. Ask an admin of your "
                    "organisation to reactivate it."
                )
                % {"email": email},
                email=email,
            )
        # The provider is the source of truth for names: a rename there shows here at
        # the next sign-in.
        try:
            services.user_name_from_provider(user=user, full_name=_provider_name(claims))
        except ValidationError as exc:
            logger.warning("Kept the name of %s: %s", email, " ".join(exc.messages))
        logger.info("Single sign-on for %s", email)
        return user

    @staticmethod
    def _no_account(email: str) -> str:
        pending = [
            i
            for i in Invitation.objects.filter(email__iexact=email).select_related("organization")
            if i.state() == "pending"
        ]
        if pending:
            names = ", ".join(sorted({i.organization.name for i in pending}))
            return _(
                "No Tandem account for %(email)s yet. You have an invitation to "
                "%(organizations)s: open the link in the invitation e-mail to join."
            ) % {"email": email, "organizations": names}
        return _("No Tandem account for %(email)s; ask an admin for an invitation.") % {
            "email": email
        }

    def get_user(self, user_id: Any) -> User | None:
        # The library's get_user would keep a deactivated person signed in.
        user: User | None = ModelBackend.get_user(self, user_id)
        return user


def _refused(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    return render(
        request,
        "web/sso_refused.html",
        {"message": message, "label": button_label()},
        status=status,
    )


_UNAVAILABLE = gettext_lazy(
    "Tandem could not reach the identity provider just now. Try again in a minute, or "
    "sign in with your password."
)


class StartView(OIDCAuthenticationRequestView):
    """Sends the browser to the identity provider, with state, nonce and PKCE challenge."""

    get_settings = staticmethod(library_setting)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        # The library looks the endpoint up here; a failure would be a bare 500.
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        try:
            self.OIDC_OP_AUTH_ENDPOINT = library_setting("OIDC_OP_AUTHORIZATION_ENDPOINT")
        except ProviderUnavailable as exc:
            logger.warning("Single sign-on could not start: %s", exc)
            return _refused(request, str(_UNAVAILABLE), status=503)
        self.OIDC_RP_CLIENT_ID = settings.TANDEM_OIDC_CLIENT_ID
        response: HttpResponse = super().get(request)
        return response


class CallbackView(OIDCAuthenticationCallbackView):
    """Where the provider sends the browser back: sign in, or say why not."""

    get_settings = staticmethod(library_setting)

    def get(self, request: HttpRequest) -> HttpResponse:
        states = request.session.get("oidc_states") or {}
        if request.GET.get("state") not in states:
            # Checked before the library sees an error answer too: it would sign out
            # whoever follows a forged link to this address.
            _record_refusal(request, "")
            return _refused(
                request,
                _(
                    "This sign-in link does not belong to this browser or was already used. "
                    "Start again from the sign-in page."
                ),
                status=400,
            )
        if request.GET.get("error") or not request.GET.get("code"):
            # The library forgets the state and signs out, then calls login_failure.
            failed: HttpResponse = super().get(request)
            return failed
        try:
            response: HttpResponse = super().get(request)
        except SignInRefused as exc:
            logger.warning("Single sign-on refused: %s", exc.message)
            _record_refusal(request, exc.email)
            return _refused(request, exc.message, status=exc.status)
        except LoginRefused as exc:
            # Only reached if the password backend is asked too, while a lock holds.
            return _refused(request, " ".join(exc.messages), status=429)
        except (SuspiciousOperation, jwt.InvalidTokenError) as exc:
            logger.warning("Single sign-on refused: %s", exc)
            _record_refusal(request, "")
            return _refused(
                request,
                _(
                    "The identity provider's answer could not be trusted, so Tandem did not "
                    "sign you in. Start again; if it happens again, tell your administrator."
                ),
                status=400,
            )
        except requests.HTTPError as exc:
            logger.warning("Single sign-on failed: %s", exc)
            return _refused(
                request,
                _(
                    "The identity provider refused to complete the sign-in. Start again from "
                    "the sign-in page."
                ),
                status=502,
            )
        except (ProviderUnavailable, OSError) as exc:  # requests' errors are OSErrors
            logger.warning("Single sign-on failed: %s", exc)
            return _refused(request, str(_UNAVAILABLE), status=502)
        return response

    def login_failure(self) -> HttpResponse:
        error = self.request.GET.get("error")
        if error:
            logger.info("The identity provider answered %s", error)
            detail = self.request.GET.get("error_description") or error
            message = _("The identity provider did not sign you in (%(detail)s).") % {
                "detail": detail
            }
        else:
            message = _("Single sign-on did not complete. Start again from the sign-in page.")
        return _refused(self.request, message, status=403)


urlpatterns: list[URLPattern | URLResolver] = [
    path("oidc/authenticate/", StartView.as_view(), name="oidc_authentication_init"),
    path("oidc/callback/", CallbackView.as_view(), name="oidc_authentication_callback"),
]
