"""The page where people list, create and revoke their own API tokens."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tandem.accounts.models import Membership, Organization
from tandem.api.models import Scope
from tandem.api.selectors import api_token_get, api_token_list
from tandem.api.services import api_token_create, api_token_revoke
from tandem.audit.models import Source
from tandem.pages import org_view


class TokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("What will use it, e.g. “Warehouse nightly load”."),
    )
    scope = forms.ChoiceField(
        label=gettext_lazy("Scope"), choices=Scope.choices, initial=Scope.READ
    )
    expires_on = forms.DateField(
        required=False,
        label=gettext_lazy("Expires after"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy(
            "The last day it works. Leave empty for a token that works until revoked."
        ),
    )


@org_view
def token_list(request: HttpRequest, *, org: Organization, membership: Membership) -> HttpResponse:
    tokens = api_token_list(organization=org, user=membership.user)
    form = TokenForm(request.POST or None)
    context: dict[str, Any] = {"form": form, "current": "api_tokens"}
    if request.method == "POST" and form.is_valid():
        try:
            token, secret = api_token_create(
                user=membership.user,
                organization=org,
                name=form.cleaned_data["name"],
                scope=form.cleaned_data["scope"],
                expires_on=form.cleaned_data["expires_on"],
                by=membership.user,
                source=Source.WEB,
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            # Rendered, not redirected: the secret must never sit in a URL or a session.
            context.update(created=token, secret=secret, form=TokenForm())
    context["tokens"] = list(tokens)
    return render(request, "web/api_tokens.html", context)


@require_POST
@org_view
def token_revoke(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    token = api_token_get(organization=org, user=membership.user, pk=pk)
    api_token_revoke(token=token, by=membership.user, source=Source.WEB)
    messages.success(request, _("Revoked “%(name)s”: it no longer works.") % {"name": token.name})
    return redirect("api_tokens")
