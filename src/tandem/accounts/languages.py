"""Which language a person reads Tandem in.

The person's own choice comes first, then their organisation's default, then what the
browser asks for (``Accept-Language``, or the language menu of the sign-in page, kept in
Django's language cookie), then English. Pages follow :func:`language_for_request`;
e-mails sent outside a request follow :func:`language_of`.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import translation

CODES = frozenset(code for code, _ in settings.LANGUAGES)


def language_of(user: Any, organization: Any = None) -> str:
    """The language of ``user`` working in ``organization``: theirs, else the
    organisation's, else Tandem's default (no browser to ask)."""
    for choice in (getattr(user, "language", ""), getattr(organization, "language", "")):
        if choice in CODES:
            return str(choice)
    return str(settings.LANGUAGE_CODE)


def language_for_request(request: HttpRequest) -> str:
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated and user.language in CODES:
        return str(user.language)
    organization = getattr(request, "organization", None)
    if organization is not None and organization.language in CODES:
        return str(organization.language)
    return translation.get_language_from_request(request)
