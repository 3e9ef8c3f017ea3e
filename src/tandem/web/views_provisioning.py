"""The settings page where owners and admins make and revoke the organisation's SCIM
tokens (the identity provider's key to ``/scim/v2``)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from tandem.access.permissions import require_administer
from tandem.accounts.models import Membership, Organization
from tandem.audit.models import Source
from tandem.pages import org_view
from tandem.scim.selectors import scim_token_get, scim_token_list
from tandem.scim.services import scim_token_create, scim_token_revoke


class ScimTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("Name"),
        max_length=100,
        help_text=gettext_lazy("The identity provider that will use it, e.g. “Okta”."),
    )


@require_http_methods(["GET", "POST"])
@org_view
def provisioning(
    request: HttpRequest, *, org: Organization, membership: Membership
) -> HttpResponse:
    require_administer(membership)
    form = ScimTokenForm(request.POST or None)
    context: dict[str, Any] = {"form": form}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                token, secret = scim_token_create(
                    organization=org,
                    name=form.cleaned_data["name"],
                    by=membership.user,
                    source=Source.WEB,
                )
            except ValidationError as exc:
                for field, errors in exc.message_dict.items():
                    form.add_error(field if field in form.fields else None, errors)
                status = 422
            else:
                # Rendered, not redirected: the secret must never sit in a URL or a session.
                context.update(created=token, secret=secret, form=ScimTokenForm())
        else:
            status = 422
    context["tokens"] = list(scim_token_list(organization=org))
    context["scim_base"] = request.build_absolute_uri("/scim/v2")
    return render(request, "web/provisioning.html", context, status=status)


@require_POST
@org_view
def token_revoke(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    require_administer(membership)
    token = scim_token_get(organization=org, pk=pk)
    scim_token_revoke(token=token, by=membership.user, source=Source.WEB)
    messages.success(
        request,
        _("Revoked “%(name)s”: the identity provider can no longer use it.") % {"name": token.name},
    )
    return redirect("scim_tokens")
