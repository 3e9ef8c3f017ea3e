"""Sign-in security: session timeouts, and refusing password guessing.

Sessions end after ``TANDEM_SESSION_IDLE_SECONDS`` without a request (8 hours by
default) and ``TANDEM_SESSION_AGE_SECONDS`` after the sign-in (14 days), however
active the session is. Both are checked on the server by
:class:`SessionTimeoutMiddleware`, from times kept in the session itself.

Failed sign-ins are rows of :class:`~tandem.accounts.models.LoginAttempt`, so that
several app servers count the same failures. After ``TANDEM_LOGIN_MAX_FAILURES``
failures (5) for one e-mail address within ``TANDEM_LOGIN_LOCKOUT_SECONDS`` (15
minutes), signing in with that address is refused for that long, even with the right
password; after ``TANDEM_LOGIN_MAX_FAILURES_PER_IP`` (50) failures from one network
address, every sign-in from it is. Refused attempts are not counted, so a lock ends
on time. The refusal reads the same whether or not the address has an account.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections.abc import Callable
from typing import Any

from asgiref.sync import sync_to_async
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tandem.accounts.languages import CODES
from tandem.accounts.models import LoginAttempt, Membership, User

SESSION_SIGNED_IN_AT = "tandem_signed_in_at"
SESSION_SEEN_AT = "tandem_seen_at"
# Writing the session on every request would cost a database write per page. The
# last-seen time is refreshed when it is a twentieth of the idle timeout old (at
# most 5 minutes): a session may end that much early, never late.
SEEN_PRECISION_SECONDS = 300
KEEP_ATTEMPTS = dt.timedelta(days=1)


def _setting(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def idle_seconds() -> int:
    return _setting("TANDEM_SESSION_IDLE_SECONDS", 8 * 3600)


def absolute_seconds() -> int:
    return int(settings.SESSION_COOKIE_AGE)


def lockout() -> dt.timedelta:
    return dt.timedelta(seconds=_setting("TANDEM_LOGIN_LOCKOUT_SECONDS", 15 * 60))


# -- session timeouts ---------------------------------------------------------------------


def session_expiry(
    session: Any, *, now: float, idle: int | None = None, absolute: int | None = None
) -> str | None:
    """Why the session has ended at ``now`` (a Unix time): "idle", "absolute" or ``None``."""
    idle = idle_seconds() if idle is None else idle
    absolute = absolute_seconds() if absolute is None else absolute
    signed_in_at = session.get(SESSION_SIGNED_IN_AT)
    seen_at = session.get(SESSION_SEEN_AT)
    if signed_in_at is not None and now - float(signed_in_at) > absolute:
        return "absolute"
    if seen_at is not None and now - float(seen_at) > idle:
        return "idle"
    return None


def _hours(seconds: int) -> str:
    """How long ``seconds`` is, in the active language: "8 hours", "14 Tage"."""
    if seconds % 86400 == 0:
        days = seconds // 86400
        return ngettext("%(count)s day", "%(count)s days", days) % {"count": days}
    if seconds % 3600 == 0:
        hours = seconds // 3600
        return ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours}
    minutes = math.ceil(seconds / 60)
    return ngettext("%(count)s minute", "%(count)s minutes", minutes) % {"count": minutes}


def expiry_message(reason: str, seconds: int) -> str:
    """Why the session ended, in the active language."""
    if reason == "idle":
        text = _("You were signed out after %(duration)s without activity. Please sign in again.")
    else:
        text = _("Your session ended %(duration)s after you signed in. Please sign in again.")
    return text % {"duration": _hours(seconds)}


class SessionTimeoutMiddleware:
    """End sessions that were idle too long or began too long ago (after authentication)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated:
            session = request.session
            now = time.time()
            reason = session_expiry(session, now=now)
            if reason is not None:
                # Told in the person's own language, which the sign-in page no longer
                # knows once they are signed out.
                language = getattr(request.user, "language", "")
                if language not in CODES:
                    language = translation.get_language()
                logout(request)
                limit = idle_seconds() if reason == "idle" else absolute_seconds()
                with translation.override(language):
                    messages.info(request, expiry_message(reason, limit))
                if request.headers.get("HX-Request") == "true":
                    # An htmx request would swap the sign-in page into a fragment of
                    # the old page: send the whole browser there instead.
                    response = HttpResponse(status=204)
                    response["HX-Redirect"] = redirect_to_login(
                        request.headers.get("HX-Current-URL") or request.get_full_path()
                    )["Location"]
                    return response
            else:
                # A session opened before these checks existed starts its clock now.
                session.setdefault(SESSION_SIGNED_IN_AT, now)
                seen_at = session.get(SESSION_SEEN_AT)
                precision = min(SEEN_PRECISION_SECONDS, idle_seconds() // 20)
                if seen_at is None or now - float(seen_at) >= precision:
                    session[SESSION_SEEN_AT] = now
        return self.get_response(request)


@receiver(user_logged_in, dispatch_uid="tandem_session_signed_in")
def _signed_in(sender: Any, request: HttpRequest | None, user: AbstractBaseUser, **_: Any) -> None:
    if request is not None and hasattr(request, "session"):
        now = time.time()
        request.session[SESSION_SIGNED_IN_AT] = now
        request.session[SESSION_SEEN_AT] = now
    # Someone who knows the password starts afresh: earlier typos no longer count.
    email = getattr(user, "email", "")
    if email:
        LoginAttempt.objects.filter(email=email.lower()).delete()


# -- login rate limiting ------------------------------------------------------------------


def client_ip(request: HttpRequest | None) -> str | None:
    """The address a request came from.

    Behind a reverse proxy every request comes from the proxy; with
    ``TANDEM_TRUST_X_FORWARDED_FOR`` the last address the proxy appended is used
    instead (the earlier ones are whatever the client claimed).
    """
    if request is None:
        return None
    if getattr(settings, "TANDEM_TRUST_X_FORWARDED_FOR", False):
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.split(",")[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR") or None


def _locked_until(times: list[dt.datetime], limit: int, window: dt.timedelta) -> dt.datetime | None:
    """``times`` are the latest failures, newest first: locked when ``limit`` of them
    fell within ``window``, for ``window`` after the last one."""
    if len(times) < limit:
        return None
    newest, oldest = times[0], times[limit - 1]
    if newest - oldest <= window:
        return newest + window
    return None


def _latest_failures(*, limit: int, now: dt.datetime, **where: Any) -> list[dt.datetime]:
    return list(
        LoginAttempt.objects.filter(at__lte=now, **where)
        .order_by("-at")
        .values_list("at", flat=True)[:limit]
    )


def login_refusal(*, email: str, ip: str | None, now: dt.datetime) -> str | None:
    """The reason signing in with ``email`` from ``ip`` is refused at ``now``, if it is."""
    window = lockout()
    per_account = _setting("TANDEM_LOGIN_MAX_FAILURES", 5)
    per_ip = _setting("TANDEM_LOGIN_MAX_FAILURES_PER_IP", 50)
    checks: list[tuple[str, int, dict[str, Any]]] = []
    if ip:
        checks.append(("ip", per_ip, {"ip": ip}))
    if email:
        checks.append(("email", per_account, {"email": email.strip().lower()}))
    for what, limit, where in checks:
        until = _locked_until(_latest_failures(limit=limit, now=now, **where), limit, window)
        if until is not None and until > now:
            minutes = max(1, math.ceil((until - now).total_seconds() / 60))
            if what == "ip":
                text = ngettext(
                    "Too many failed sign-ins from your network address. For your security, "
                    "signing in is paused: try again in %(count)s minute.",
                    "Too many failed sign-ins from your network address. For your security, "
                    "signing in is paused: try again in %(count)s minutes.",
                    minutes,
                )
            else:
                text = ngettext(
                    "Too many failed sign-ins for this e-mail address. For your security, "
                    "signing in is paused: try again in %(count)s minute.",
                    "Too many failed sign-ins for this e-mail address. For your security, "
                    "signing in is paused: try again in %(count)s minutes.",
                    minutes,
                )
            return text % {"count": minutes}
    return None


def login_failure_record(*, email: str, ip: str | None, now: dt.datetime) -> LoginAttempt:
    LoginAttempt.objects.filter(at__lt=now - KEEP_ATTEMPTS).delete()
    return LoginAttempt.objects.create(email=email.strip().lower()[:254], ip=ip, at=now)


@receiver(user_login_failed, dispatch_uid="tandem_login_failed")
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **_: Any
) -> None:
    email = str(credentials.get("username") or credentials.get("email") or "")
    login_failure_record(email=email, ip=client_ip(request), now=timezone.now())


def password_sign_in_refusal(user: User) -> str | None:
    """Why ``user`` may not sign in with a password, or None.

    An organisation that signs its people in through single sign-on may turn passwords
    off: its members then use the provider's button. It counts only while single sign-on
    is set up on this server, so that nobody is locked out when it is removed; the
    server's superusers keep their password to reach the server when the provider is down.
    """
    from tandem.accounts import oidc  # it builds on this module

    if user.is_superuser or not oidc.enabled():
        return None
    names = sorted(
        Membership.objects.filter(user=user, organization__password_sign_in=False).values_list(
            "organization__name", flat=True
        )
    )
    if not names:
        return None
    return _(
        "%(organizations)s signs in through single sign-on, not with a password: "
        "use “%(button)s” instead."
    ) % {"organizations": ", ".join(names), "button": oidc.button_label()}


class LoginRefused(ValidationError):
    """Raised by the backend while a sign-in is locked.

    Django's ``authenticate`` turns ``PermissionDenied`` into a plain "wrong password",
    which would hide the reason; a ``ValidationError`` passes through it, and the
    sign-in forms (ours and the admin's) show its message above the fields.
    """


class RateLimitedBackend(ModelBackend):
    """Django's e-mail and password check, refused while the address or network is locked."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        email = username if username is not None else kwargs.get("email")
        refusal = login_refusal(email=email or "", ip=client_ip(request), now=timezone.now())
        if refusal is not None:
            raise LoginRefused(refusal, code="locked")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is not None:
            # Asked only once the password is right, so a stranger learns nothing.
            refusal = password_sign_in_refusal(user)
            if refusal is not None:
                raise LoginRefused(refusal, code="sso_only")
        return user

    async def aauthenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        # Django's async check skips ``authenticate``: route it through the lock too.
        return await sync_to_async(self.authenticate)(
            request, username=username, password=password, **kwargs
        )
