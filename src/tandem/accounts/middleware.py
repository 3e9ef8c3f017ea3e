"""Attach the organisation a person is working in to each request.

A person may belong to several organisations; the chosen one is kept in the
session (``tandem_org``). ``request.organization`` and ``request.membership`` are
``None`` for anonymous visitors and for people without any membership.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from tandem.accounts.languages import language_for_request
from tandem.accounts.models import Membership

SESSION_KEY = "tandem_org"
# Addresses whose answers are read by programs, not people (always in English).
MACHINE_PREFIXES = ("/api/", "/scim/")


class OrganizationMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.membership = None  # type: ignore[attr-defined]
        request.organization = None  # type: ignore[attr-defined]
        if request.user.is_authenticated:
            # Every organisation of the person in one query: the layout's organisation
            # switcher lists them too (request.memberships).
            memberships = sorted(
                Membership.objects.select_related("organization").filter(user=request.user),
                key=lambda m: (m.joined_at, m.pk),
            )
            request.memberships = memberships  # type: ignore[attr-defined]
            wanted = request.session.get(SESSION_KEY)
            membership = next(
                (m for m in memberships if wanted and str(m.organization_id) == str(wanted)), None
            ) or next(iter(memberships), None)
            if membership is not None:
                request.membership = membership  # type: ignore[attr-defined]
                request.organization = membership.organization  # type: ignore[attr-defined]
        return self.get_response(request)


class LanguageMiddleware:
    """Speak the person's language: their choice beats their organisation's default,
    which beats the browser's (Django's ``LocaleMiddleware`` has already activated the
    browser's and adds ``Content-Language`` and ``Vary`` to the response)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The API and SCIM answer machines: their messages, labels and numbers stay
        # English whatever the browser or the person prefers (docs/api.md).
        machine = request.path_info.startswith(MACHINE_PREFIXES)
        language = settings.LANGUAGE_CODE if machine else language_for_request(request)
        if language != getattr(request, "LANGUAGE_CODE", None):
            translation.activate(language)
            request.LANGUAGE_CODE = language
        return self.get_response(request)
