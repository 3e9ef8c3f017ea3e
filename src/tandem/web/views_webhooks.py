"""The webhook settings pages: subscriptions, their secret, test pings and the delivery log.

Owners and admins only (others get a 403 saying so); another organisation's subscription
answers 404. A secret is rendered in the answer to the POST that made it, never put in a
URL, a message or the session.
"""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from tandem.access.permissions import require_webhooks
from tandem.accounts.models import Membership, Organization
from tandem.audit.models import Source
from tandem.pages import org_view
from tandem.webhooks import selectors, services, tasks
from tandem.webhooks.models import Event, Subscription

UNPROCESSABLE = 422


class SubscriptionForm(forms.Form):
    url = forms.CharField(
        label=gettext_lazy("Payload URL"),
        max_length=500,
        help_text=gettext_lazy(
            "Tandem POSTs signed JSON here, e.g. https://example.com/tandem-hook."
        ),
        widget=forms.URLInput(attrs={"placeholder": "https://"}),
    )
    events = forms.MultipleChoiceField(
        label=gettext_lazy("Events"),
        choices=Event.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("What this URL receives."),
    )
    description = forms.CharField(
        label=gettext_lazy("Description"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("What listens there, e.g. “Slack relay”."),
    )


def _add_errors(form: forms.Form, exc: ValidationError) -> None:
    for field, errors in exc.message_dict.items():
        form.add_error(field if field in form.fields else None, errors)


@org_view
def subscription_list(
    request: HttpRequest, *, org: Organization, membership: Membership
) -> HttpResponse:
    require_webhooks(membership)
    form = SubscriptionForm(request.POST or None)
    context: dict[str, Any] = {"form": form}
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                created, secret = services.subscription_create(
                    organization=org,
                    url=form.cleaned_data["url"],
                    events=form.cleaned_data["events"],
                    description=form.cleaned_data["description"],
                    by=membership.user,
                    source=Source.WEB,
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                context.update(created=created, secret=secret, form=SubscriptionForm())
        if form.errors:
            status = UNPROCESSABLE
    context["subscriptions"] = list(selectors.subscription_list(organization=org))
    return render(request, "web/webhook_subscription_list.html", context, status=status)


def _detail(
    request: HttpRequest, subscription: Subscription, *, secret: str | None = None
) -> HttpResponse:
    return render(
        request,
        "web/webhook_subscription_detail.html",
        {
            "subscription": subscription,
            "event_labels": [Event(e).label for e in subscription.events if e in Event.values],
            "deliveries": selectors.delivery_log(subscription=subscription),
            "secret": secret,
            "max_attempts": tasks.max_attempts(),
            "retry_delays": tasks.retry_delays(),
        },
    )


@org_view
def subscription_detail(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    require_webhooks(membership)
    return _detail(request, selectors.subscription_get(organization=org, pk=pk))


@require_POST
@org_view
def subscription_ping(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    require_webhooks(membership)
    subscription = selectors.subscription_get(organization=org, pk=pk)
    services.subscription_ping(subscription=subscription, by=membership.user)
    messages.success(request, _("A ping is on its way; its delivery appears in the log below."))
    return redirect("webhook", pk=subscription.pk)


@require_POST
@org_view
def subscription_pause(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    require_webhooks(membership)
    subscription = selectors.subscription_get(organization=org, pk=pk)
    services.subscription_set_active(subscription=subscription, active=False, by=membership.user)
    messages.success(request, _("Paused: Tandem sends nothing to this URL until you resume it."))
    return redirect("webhook", pk=subscription.pk)


@require_POST
@org_view
def subscription_resume(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    require_webhooks(membership)
    subscription = selectors.subscription_get(organization=org, pk=pk)
    services.subscription_set_active(subscription=subscription, active=True, by=membership.user)
    messages.success(request, _("Resumed: new events are sent to this URL again."))
    return redirect("webhook", pk=subscription.pk)


@require_POST
@org_view
def subscription_rotate(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    require_webhooks(membership)
    subscription = selectors.subscription_get(organization=org, pk=pk)
    subscription, secret = services.subscription_rotate_secret(
        subscription=subscription, by=membership.user
    )
    # Rendered, not redirected: the secret must never sit in a URL or a session.
    return _detail(request, subscription, secret=secret)


@require_POST
@org_view
def subscription_delete(
    request: HttpRequest, pk: int, *, org: Organization, membership: Membership
) -> HttpResponse:
    require_webhooks(membership)
    subscription = selectors.subscription_get(organization=org, pk=pk)
    services.subscription_delete(subscription=subscription, by=membership.user)
    messages.success(
        request,
        _("Deleted the webhook to %(url)s and its delivery log.") % {"url": subscription.url},
    )
    return redirect("webhooks")


@org_view
def delivery_detail(
    request: HttpRequest,
    pk: int,
    delivery_pk: int,
    *,
    org: Organization,
    membership: Membership,
) -> HttpResponse:
    require_webhooks(membership)
    subscription = selectors.subscription_get(organization=org, pk=pk)
    delivery = selectors.delivery_get(subscription=subscription, pk=delivery_pk)
    return render(
        request,
        "web/webhook_delivery_detail.html",
        {
            "subscription": subscription,
            "delivery": delivery,
            "payload": json.dumps(delivery.payload, indent=2, ensure_ascii=False),
            "max_attempts": tasks.max_attempts(),
        },
    )


@require_POST
@org_view
def delivery_redeliver(
    request: HttpRequest,
    pk: int,
    delivery_pk: int,
    *,
    org: Organization,
    membership: Membership,
) -> HttpResponse:
    require_webhooks(membership)
    subscription = selectors.subscription_get(organization=org, pk=pk)
    delivery = selectors.delivery_get(subscription=subscription, pk=delivery_pk)
    try:
        again = services.delivery_redeliver(delivery=delivery, by=membership.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("webhook_delivery", pk=subscription.pk, delivery_pk=delivery.pk)
    messages.success(
        request,
        _("Sending event %(event)s again as delivery %(pk)s.")
        % {"event": delivery.event, "pk": again.pk},
    )
    return redirect("webhook", pk=subscription.pk)
