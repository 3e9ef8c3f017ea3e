"""Every read of webhooks, scoped to the organisation: another organisation's answers 404."""

from __future__ import annotations

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from tandem.accounts.models import Organization
from tandem.queries import where
from tandem.webhooks.models import Delivery, Subscription

DELIVERY_LOG_LENGTH = 50


def subscription_list(*, organization: Organization) -> QuerySet[Subscription]:
    return Subscription.objects.filter(organization=organization).select_related("created_by")


def subscription_get(*, organization: Organization, pk: int) -> Subscription:
    return get_object_or_404(
        Subscription.objects.select_related("organization", "created_by"),
        organization=organization,
        pk=pk,
    )


def delivery_log(*, subscription: Subscription, limit: int = DELIVERY_LOG_LENGTH) -> list[Delivery]:
    """The subscription's latest deliveries, newest first."""
    return list(
        Delivery.objects.filter(
            organization_id=subscription.organization_id, subscription=subscription
        ).order_by("-created_at", "-id")[:limit]
    )


def delivery_list(*, subscription: Subscription, status: str | None = None) -> QuerySet[Delivery]:
    """The subscription's deliveries; ``status`` keeps those in it."""
    rows = Delivery.objects.filter(
        organization_id=subscription.organization_id, subscription=subscription
    )
    return where(rows, status=status)


def delivery_get(*, subscription: Subscription, pk: int) -> Delivery:
    return get_object_or_404(
        Delivery.objects.select_related("subscription", "organization"),
        organization_id=subscription.organization_id,
        subscription=subscription,
        pk=pk,
    )
