"""``{% sso_button next %}``: the login page's single sign-on button, when it is configured."""

from __future__ import annotations

from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.safestring import SafeString

from tandem.accounts import oidc

register = template.Library()


@register.simple_tag
def sso_button(next_url: str = "") -> SafeString | str:
    if not oidc.enabled():
        return ""
    url = reverse("oidc_authentication_init")
    if next_url:
        url += "?" + urlencode({"next": next_url})
    return format_html(
        '<p class="auth__sso"><a class="btn btn--secondary" href="{}">Sign in with {}</a></p>',
        url,
        oidc.button_label(),
    )
