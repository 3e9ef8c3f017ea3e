"""The e-mails of accounts: invitations and password resets, as plain text and simple HTML.

Links are absolute, built from ``TANDEM_BASE_URL``: the e-mails are sent by the worker,
which has no request to take a host name from.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from tandem.terms import terms_of


def absolute_url(path: str) -> str:
    return f"{settings.TANDEM_BASE_URL}{path}"


def send(
    *, to: str, subject: str, template: str, context: dict[str, Any], language: str = "en"
) -> None:
    """Send ``accounts/email/<template>.txt`` with its ``.html`` twin to one address, in
    ``language``."""
    context = {"base_url": settings.TANDEM_BASE_URL, **context}
    with translation.override(language):
        context["terms"] = terms_of(context.get("organization"))
        text = render_to_string(f"accounts/email/{template}.txt", context)
        html = render_to_string(f"accounts/email/{template}.html", context)
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[to]
    )
    message.attach_alternative(html, "text/html")
    message.send()


def invitation_link(token: str) -> str:
    return absolute_url(reverse("invitation_accept", kwargs={"token": token}))


def password_reset_link(uidb64: str, token: str) -> str:
    return absolute_url(
        reverse("password_reset_confirm", kwargs={"uidb64": uidb64, "token": token})
    )
