"""The organisation's settings: its calendar, status thresholds, words and coach rules."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tandem.access import permissions
from tandem.accounts import services as accounts
from tandem.accounts.models import Membership, Organization
from tandem.domain.coach import RULES
from tandem.pages import org_view
from tandem.terms import terms_of
from tandem.web.forms_settings import OrganizationSettingsForm


@require_http_methods(["GET", "POST"])
@org_view
def organization_settings(
    request: HttpRequest, *, org: Organization, membership: Membership
) -> HttpResponse:
    permissions.require_administer(membership)
    if request.method == "POST":
        form = OrganizationSettingsForm(request.POST, terms=terms_of(org))
        if form.is_valid():
            try:
                accounts.organization_update(organization=org, by=membership.user, **form.changes())
            except ValidationError as error:
                for name, problems in error.message_dict.items():
                    form.add_error(form.service_field(name), problems)
            else:
                messages.success(request, _("Settings saved."))
                return redirect("organization_settings")
        status = 422
    else:
        form = OrganizationSettingsForm(
            initial=OrganizationSettingsForm.initial_for(org), terms=terms_of(org)
        )
        status = 200
    return render(
        request,
        "web/org_settings.html",
        {"form": form, "rules": RULES},
        status=status,
    )
