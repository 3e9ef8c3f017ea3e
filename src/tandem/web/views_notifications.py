"""Pages of reminders: the organisation's schedule (owners and admins) and each person's
own choice of e-mails."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from tandem.accounts.models import Membership, Organization, Role, User
from tandem.accounts.orgcache import org_terms
from tandem.notifications import selectors, services
from tandem.notifications.forms import PreferenceForm, ReminderSettingsForm
from tandem.notifications.models import ReminderSettings
from tandem.notifications.tasks import send_test_reminder
from tandem.pages import apply_service_errors, org_view

UNPROCESSABLE = 422


def require_settings_admin(membership: Membership) -> None:
    if membership.role not in (Role.OWNER, Role.ADMIN):
        raise PermissionDenied(_("Only owners and admins can change when reminders go out."))


def _render_settings(
    request: HttpRequest,
    *,
    org: Organization,
    form: ReminderSettingsForm,
    saved: ReminderSettings | None,
    status: int = 200,
) -> HttpResponse:
    return render(
        request,
        "web/reminder_settings.html",
        {
            "form": form,
            "saved": saved,
            "timezone": org.timezone,
            "ledger": selectors.recent_ledger(organization=org),
        },
        status=status,
    )


@require_http_methods(["GET", "POST"])
@org_view
def reminder_settings(
    request: HttpRequest, *, org: Organization, membership: Membership
) -> HttpResponse:
    require_settings_admin(membership)
    saved = selectors.settings_of(organization=org)
    if request.method != "POST":
        initial = ReminderSettingsForm.initial_from(saved or ReminderSettings(organization=org))
        return _render_settings(
            request,
            org=org,
            form=ReminderSettingsForm(initial=initial, terms=org_terms(org)),
            saved=saved,
        )
    form = ReminderSettingsForm(request.POST, terms=org_terms(org))
    if form.is_valid():
        try:
            services.reminder_settings_update(
                organization=org, by=_user(request), **form.cleaned_data
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Reminder settings saved."))
            return redirect("reminder_settings")
    return _render_settings(request, org=org, form=form, saved=saved, status=UNPROCESSABLE)


@require_POST
@org_view
def reminder_test(
    request: HttpRequest, *, org: Organization, membership: Membership
) -> HttpResponse:
    require_settings_admin(membership)
    user = _user(request)
    send_test_reminder.enqueue(org.pk, user.pk, timezone.now().isoformat())
    messages.success(
        request,
        _("A test reminder is on its way to %(email)s: the worker sends it shortly.")
        % {"email": user.email},
    )
    return redirect("reminder_settings")


@require_http_methods(["GET", "POST"])
@org_view
def notification_preferences(
    request: HttpRequest, *, org: Organization, membership: Membership
) -> HttpResponse:
    user = _user(request)
    current = selectors.preference_of(organization=org, user=user)
    if request.method == "POST":
        form = PreferenceForm(request.POST)
        if form.is_valid():
            services.notification_preference_set(organization=org, user=user, **form.cleaned_data)
            messages.success(request, _("Your e-mail choices are saved."))
            return redirect("notification_preferences")
        status = UNPROCESSABLE
    else:
        form = PreferenceForm(
            initial={
                "email_reminders": current.email_reminders,
                "email_digest": current.email_digest,
            }
        )
        status = 200
    return render(
        request,
        "web/notification_preferences.html",
        {"form": form, "settings": selectors.settings_of(organization=org)},
        status=status,
    )


def _user(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user
