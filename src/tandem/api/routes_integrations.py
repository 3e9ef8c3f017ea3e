"""Webhook subscriptions with their delivery logs, and KPIs' data sources (scheduled pulls).

Owners and admins manage both; editors read how a KPI's pull goes. Secrets are answered
once, when made (a new subscription, a rotation), and never again; a data source's
password and header value are always masked.
"""

from __future__ import annotations

import contextlib
from typing import Any, Literal

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from ninja import Router, Status

from tandem.access.permissions import VIEWER_REFUSAL, can_edit, can_manage_sources, require_webhooks
from tandem.api.auth import Need, caller
from tandem.api.common import LIMIT, Id, paginate
from tandem.api.errors import READ_ERRORS, WRITE_ERRORS
from tandem.api.schemas_admin import (
    DataSourceIn,
    DataSourceOut,
    DataSourcePreview,
    DeliveryOut,
    DeliveryPage,
    WebhookCreated,
    WebhookIn,
    WebhookOut,
    WebhookPage,
    WebhookPatch,
)
from tandem.audit.models import Source
from tandem.integrations import pulls
from tandem.integrations.models import SECRET_MASK, DataSource
from tandem.integrations.selectors import data_source_of
from tandem.kpis.models import KPI
from tandem.kpis.selectors import kpi_get
from tandem.webhooks import selectors as hooks
from tandem.webhooks import services as webhooks
from tandem.webhooks.models import Delivery, Subscription

router = Router()

# -- webhook subscriptions ----------------------------------------------------------------


def _webhook(request: HttpRequest, webhook_id: int, need: Need = Need.WRITE) -> Subscription:
    who = caller(request, need)
    require_webhooks(who.membership)
    return hooks.subscription_get(organization=who.organization, pk=webhook_id)


def _with_secret(subscription: Subscription, secret: str) -> dict[str, Any]:
    body = WebhookOut.from_orm(subscription).dict()
    return {**body, "is_active": subscription.is_active, "secret": secret}


@router.get("/webhooks", response={200: WebhookPage, **READ_ERRORS}, tags=["webhooks"])
def webhook_list(request: HttpRequest, cursor: str | None = None, limit: int = LIMIT) -> Any:
    """The organisation's webhook subscriptions (never their secrets)."""
    who = caller(request, Need.READ)
    require_webhooks(who.membership)
    rows = hooks.subscription_list(organization=who.organization)
    return paginate(rows, cursor=cursor, limit=limit)


@router.post("/webhooks", response={201: WebhookCreated, **WRITE_ERRORS}, tags=["webhooks"])
def webhook_new(request: HttpRequest, payload: WebhookIn) -> Status[dict[str, Any]]:
    """Subscribe a URL to events. The answer holds the signing secret, once."""
    who = caller(request, Need.WRITE)
    require_webhooks(who.membership)
    subscription, secret = webhooks.subscription_create(
        organization=who.organization,
        url=payload.url,
        events=payload.events,
        description=payload.description,
        by=who.user,
        source=Source.API,
    )
    return Status(201, _with_secret(subscription, secret))


@router.get("/webhooks/{webhook_id}", response={200: WebhookOut, **READ_ERRORS}, tags=["webhooks"])
def webhook_read(request: HttpRequest, webhook_id: Id) -> Subscription:
    return _webhook(request, webhook_id, Need.READ)


@router.patch(
    "/webhooks/{webhook_id}", response={200: WebhookOut, **WRITE_ERRORS}, tags=["webhooks"]
)
def webhook_change(request: HttpRequest, webhook_id: Id, payload: WebhookPatch) -> Subscription:
    """Change the URL, the events or the description; ``active: false`` pauses the
    subscription (nothing is sent; waiting retries give up), ``true`` resumes it."""
    who = caller(request, Need.WRITE)
    subscription = _webhook(request, webhook_id)
    sent = payload.dict(exclude_unset=True)
    subscription = webhooks.subscription_update(
        subscription=subscription,
        url=sent.get("url"),
        events=sent.get("events"),
        description=sent.get("description"),
        by=who.user,
        source=Source.API,
    )
    if sent.get("active") is not None:
        subscription = webhooks.subscription_set_active(
            subscription=subscription, active=sent["active"], by=who.user, source=Source.API
        )
    return subscription


@router.delete("/webhooks/{webhook_id}", response={204: None, **WRITE_ERRORS}, tags=["webhooks"])
def webhook_remove(request: HttpRequest, webhook_id: Id) -> Status[None]:
    """Delete the subscription and its delivery log."""
    who = caller(request, Need.WRITE)
    webhooks.subscription_delete(
        subscription=_webhook(request, webhook_id), by=who.user, source=Source.API
    )
    return Status(204, None)


@router.post(
    "/webhooks/{webhook_id}/secret",
    response={200: WebhookCreated, **WRITE_ERRORS},
    tags=["webhooks"],
)
def webhook_rotate_secret(request: HttpRequest, webhook_id: Id) -> dict[str, Any]:
    """Give the subscription a new signing secret at once; the old one stops working."""
    who = caller(request, Need.WRITE)
    subscription, secret = webhooks.subscription_rotate_secret(
        subscription=_webhook(request, webhook_id), by=who.user, source=Source.API
    )
    return _with_secret(subscription, secret)


@router.post(
    "/webhooks/{webhook_id}/ping",
    response={202: DeliveryOut, **WRITE_ERRORS},
    tags=["webhooks"],
)
def webhook_ping(request: HttpRequest, webhook_id: Id) -> Status[Delivery]:
    """Send a ``ping`` to this URL alone, paused or not; its delivery is answered."""
    who = caller(request, Need.WRITE)
    delivery = webhooks.subscription_ping(
        subscription=_webhook(request, webhook_id), by=who.user, source=Source.API
    )
    return Status(202, delivery)


@router.get(
    "/webhooks/{webhook_id}/deliveries",
    response={200: DeliveryPage, **READ_ERRORS},
    tags=["webhooks"],
)
def delivery_list(
    request: HttpRequest,
    webhook_id: Id,
    cursor: str | None = None,
    limit: int = LIMIT,
    status: Literal["pending", "succeeded", "failed", "gave_up"] | None = None,
) -> Any:
    """The subscription's deliveries, oldest first; filter by ``status``."""
    subscription = _webhook(request, webhook_id, Need.READ)
    rows = hooks.delivery_list(subscription=subscription, status=status)
    return paginate(rows, cursor=cursor, limit=limit)


@router.post(
    "/webhooks/{webhook_id}/deliveries/{delivery_id}/redeliver",
    response={202: DeliveryOut, **WRITE_ERRORS},
    tags=["webhooks"],
)
def delivery_redeliver(request: HttpRequest, webhook_id: Id, delivery_id: Id) -> Status[Delivery]:
    """Send a delivery's payload again as a new delivery with the same event id."""
    who = caller(request, Need.WRITE)
    subscription = _webhook(request, webhook_id)
    delivery = hooks.delivery_get(subscription=subscription, pk=delivery_id)
    again = webhooks.delivery_redeliver(delivery=delivery, by=who.user, source=Source.API)
    return Status(202, again)


# -- data sources -------------------------------------------------------------------------


def _kpi(request: HttpRequest, kpi_id: int, *, manage: bool) -> tuple[KPI, Any]:
    """The KPI, once the caller may see (editors) or set up (admins) its pull."""
    who = caller(request, Need.WRITE if manage else Need.READ)
    kpi = kpi_get(organization=who.organization, pk=kpi_id)
    if not can_edit(who.membership):
        raise PermissionDenied(
            VIEWER_REFUSAL
            if who.membership.role == "viewer"
            else "Only editors, admins and owners can see how a KPI's pull goes."
        )
    if manage and not can_manage_sources(who.membership):
        raise PermissionDenied(
            "Only admins and owners can set up a KPI's pull: it holds passwords and tokens."
        )
    return kpi, who


def _source_of(kpi: KPI) -> DataSource:
    source = data_source_of(kpi=kpi)
    if source is None:
        raise Http404("No pull is set up for this KPI.")
    return source


def _source(source: DataSource) -> dict[str, Any]:
    return {
        **{name: getattr(source, name) for name in pulls.CONFIG_FIELDS},
        "kpi": source.kpi_id,
        "url": source.shown_url,
        "header_value": SECRET_MASK if source.header_value else "",
        "next_run_at": source.next_run_at,
        "last_run_at": source.last_run_at,
        "last_success_at": source.last_success_at,
        "last_status": source.last_status,
        "last_error": source.last_error,
        "last_counts": source.last_counts or {},
        "flag": source.flag,
    }


@router.get(
    "/kpis/{kpi_id}/source", response={200: DataSourceOut, **READ_ERRORS}, tags=["data sources"]
)
def data_source_read(request: HttpRequest, kpi_id: Id) -> dict[str, Any]:
    """How the KPI's values are pulled and how the last pull went. Editors and up."""
    kpi, _ = _kpi(request, kpi_id, manage=False)
    return _source(_source_of(kpi))


@router.put(
    "/kpis/{kpi_id}/source", response={200: DataSourceOut, **WRITE_ERRORS}, tags=["data sources"]
)
def data_source_put(request: HttpRequest, kpi_id: Id, payload: DataSourceIn) -> dict[str, Any]:
    """Set up or change the KPI's pull; it runs at the worker's next turn."""
    kpi, who = _kpi(request, kpi_id, manage=True)
    source = pulls.data_source_save(kpi=kpi, by=who.user, data=payload.dict(), source=Source.API)
    return _source(source)


@router.delete("/kpis/{kpi_id}/source", response={204: None, **WRITE_ERRORS}, tags=["data sources"])
def data_source_remove(request: HttpRequest, kpi_id: Id) -> Status[None]:
    """Stop pulling the KPI; its values stay."""
    kpi, who = _kpi(request, kpi_id, manage=True)
    pulls.data_source_delete(data_source=_source_of(kpi), by=who.user)
    return Status(204, None)


@router.post(
    "/kpis/{kpi_id}/source/test",
    response={200: DataSourcePreview, **WRITE_ERRORS},
    tags=["data sources"],
)
def data_source_test(request: HttpRequest, kpi_id: Id, payload: DataSourceIn) -> dict[str, Any]:
    """Read the source described (not saved) and say what it would record; nothing is
    written. ``ok`` is false with ``error`` saying why when it would fail."""
    kpi, _ = _kpi(request, kpi_id, manage=True)
    draft = pulls.data_source_draft(kpi=kpi, data=payload.dict())
    preview = pulls.pull_preview(source=draft)
    return {
        "ok": not preview.error,
        "read": preview.read,
        "error": preview.error,
        "values": [{"period_start": p, "value": v} for p, v in preview.first],
    }


@router.post(
    "/kpis/{kpi_id}/source/pull",
    response={200: DataSourceOut, **WRITE_ERRORS},
    tags=["data sources"],
)
def data_source_pull(request: HttpRequest, kpi_id: Id) -> dict[str, Any]:
    """Pull now and answer how it went: ``last_status`` ok with ``last_counts``, or
    failed with ``last_error`` (nothing was written then)."""
    kpi, who = _kpi(request, kpi_id, manage=True)
    source = _source_of(kpi)
    # A failure is recorded on the source, which the answer shows.
    with contextlib.suppress(pulls.PullError):
        pulls.pull_run(source=source, by=who.user)
    source.refresh_from_db()
    source.kpi = kpi
    return _source(source)
