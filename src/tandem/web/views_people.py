"""People management and invitations.

``/settings/people/`` is for owners and admins (others get a 403 saying so); members and
invitations of another organisation answer 404. ``/invitations/<token>/`` is open to
anyone holding the link.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tandem.accounts import selectors, services
from tandem.accounts.forms import (
    InviteForm,
    JoinForm,
    RoleForm,
    role_choices,
)
from tandem.accounts.middleware import SESSION_KEY
from tandem.accounts.models import Invitation, Membership, Organization, User
from tandem.audit.models import Source
from tandem.pages import apply_service_errors, org_view

UNPROCESSABLE = 422
GONE = 410


# -- the people page ----------------------------------------------------------------------


def _people_page(
    request: HttpRequest,
    *,
    org: Organization,
    membership: Membership,
    invite_form: InviteForm | None = None,
    row_errors: dict[int, list[str]] | None = None,
    status: int = 200,
) -> HttpResponse:
    people = selectors.people_list(organization=org)
    for person in people:
        person.errors = (row_errors or {}).get(person.pk, [])  # type: ignore[attr-defined]
        # Admins neither make nor unmake owners: an owner's row offers them nothing.
        person.manageable = (  # type: ignore[attr-defined]
            membership.role == "owner" or person.role != "owner"
        )
    context: dict[str, Any] = {
        "people": people,
        "invitations": selectors.invitations_pending(organization=org),
        "invite_form": invite_form or InviteForm(organization=org, manager=membership),
        "roles": role_choices(membership),
        "invitation_days": services.INVITATION_LIFETIME.days,
    }
    return render(request, "web/people.html", context, status=status)


@require_http_methods(["GET", "POST"])
@org_view
def people(request: HttpRequest, *, org: Organization, membership: Membership) -> HttpResponse:
    services.require_manage_people(membership)
    if request.method != "POST":
        return _people_page(request, org=org, membership=membership)
    form = InviteForm(request.POST, organization=org, manager=membership)
    if form.is_valid():
        try:
            invitation = services.invitation_create(
                organization=org,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                teams=form.cleaned_data["teams"],
                by=membership.user,
                source=Source.WEB,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("Invitation sent to %(email)s: the link works for %(days)s days.")
                % {"email": invitation.email, "days": services.INVITATION_LIFETIME.days},
            )
            return redirect("people")
    return _people_page(
        request, org=org, membership=membership, invite_form=form, status=UNPROCESSABLE
    )


@require_POST
@org_view
def person_role(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    services.require_manage_people(membership)
    person = selectors.membership_get(organization=org, pk=pk)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            services.membership_set_role(
                membership=person, role=form.cleaned_data["role"], by=membership.user
            )
        except ValidationError as exc:
            errors = exc.messages
        else:
            messages.success(
                request,
                _("%(user)s is now %(role)s.")
                % {"user": person.user, "role": person.get_role_display()},
            )
            return redirect("people")
    else:
        errors = [str(e) for e in form.errors.get("role", [])]
    return _people_page(
        request, org=org, membership=membership, row_errors={pk: errors}, status=UNPROCESSABLE
    )


@require_POST
@org_view
def person_remove(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    services.require_manage_people(membership)
    person = selectors.membership_get(organization=org, pk=pk)
    try:
        services.membership_remove(membership=person, by=membership.user)
    except ValidationError as exc:
        return _people_page(
            request,
            org=org,
            membership=membership,
            row_errors={pk: exc.messages},
            status=UNPROCESSABLE,
        )
    messages.success(
        request,
        _("%(user)s is no longer a member of %(org)s; their objectives and check-ins stay.")
        % {"user": person.user, "org": org},
    )
    if person.user_id == membership.user_id:
        return redirect("home")
    return redirect("people")


@require_POST
@org_view
def invitation_revoke(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    services.require_manage_people(membership)
    invitation = selectors.invitation_get(organization=org, pk=pk)
    try:
        services.invitation_revoke(invitation=invitation, by=membership.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(
            request, _("Withdrew the invitation to %(email)s.") % {"email": invitation.email}
        )
    return redirect("people")


# -- accepting an invitation ----------------------------------------------------------------


def _closed(request: HttpRequest, invitation: Invitation, sentence: str) -> HttpResponse:
    return render(
        request,
        "web/invitation_closed.html",
        {"invitation": invitation, "sentence": sentence},
        status=GONE,
    )


def _joined(request: HttpRequest, invitation: Invitation) -> HttpResponse:
    request.session[SESSION_KEY] = invitation.organization_id
    messages.success(
        request,
        _("Welcome to %(name)s: you joined as %(role)s.")
        % {"name": invitation.organization.name, "role": invitation.get_role_display()},
    )
    return redirect("home")


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = selectors.invitation_find(token)
    if invitation is None:
        raise Http404("This invitation link is not valid: check that it was copied whole.")
    state = invitation.state()
    if state != "pending":
        return _closed(request, invitation, str(services.INVITATION_STATE_MESSAGES[state]))
    context: dict[str, Any] = {
        "invitation": invitation,
        "organization_name": invitation.organization.name,
    }
    if request.user.is_authenticated:
        user = request.user
        if user.email.lower() != invitation.email.lower():
            # Reading the page is harmless and says what to do; joining is refused.
            context["wrong_user"] = user
            status = 403 if request.method == "POST" else 200
            return render(request, "web/invitation.html", context, status=status)
        if request.method == "POST":
            try:
                services.invitation_accept(invitation=invitation, user=user)
            except ValidationError as exc:
                return _closed(request, invitation, " ".join(exc.messages))
            return _joined(request, invitation)
        return render(request, "web/invitation.html", context)
    if User.objects.filter(email__iexact=invitation.email).exists():
        context["login_url"] = f"{reverse('login')}?next={request.path}"
        return render(request, "web/invitation.html", context)
    form = JoinForm(request.POST or None)
    context["form"] = form
    if request.method == "POST":
        if form.is_valid():
            try:
                new_user = services.invitation_accept_new_user(
                    invitation=invitation,
                    full_name=form.cleaned_data["full_name"],
                    password=form.cleaned_data["password"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                login(request, new_user)
                return _joined(request, invitation)
        return render(request, "web/invitation.html", context, status=UNPROCESSABLE)
    return render(request, "web/invitation.html", context)
