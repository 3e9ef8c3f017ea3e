"""Every change to webhook subscriptions: keyword-only, atomic, audited.

The audit log never holds a secret: snapshots leave the ``secret`` field out and a
rotation is recorded by its time only.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from tandem import events as bus
from tandem.accounts.models import Organization, User
from tandem.audit.models import Source
from tandem.audit.services import audit_record, snapshot
from tandem.integrations import outbound
from tandem.webhooks import events as webhook_events
from tandem.webhooks.models import PING, Delivery, Event, Subscription

AUDITED_FIELDS = ["url", "events", "description", "is_active", "secret_rotated_at"]
SECRET_PREFIX = "whsec_"


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _description_too_long() -> str:
    return _("Keep the description under %(count)s characters.") % {"count": 200}


def _clean_url(url: str) -> str:
    url = url.strip()
    if not url:
        raise ValidationError({"url": _("Enter the address Tandem should send events to.")})
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError(
            {
                "url": _("“%(url)s” is not an http or https address, e.g. %(example)s.")
                % {"url": url, "example": "https://example.com/hooks"}
            }
        ) from None
    if len(url) > Subscription._meta.get_field("url").max_length:  # type: ignore[operator]
        raise ValidationError({"url": _("That address is too long (500 characters at most).")})
    try:
        outbound.check_url(url)
    except ValidationError as exc:
        raise ValidationError({"url": " ".join(exc.messages)}) from None
    return url


def _clean_events(events: Iterable[str]) -> list[str]:
    chosen = list(dict.fromkeys(events))
    unknown = [e for e in chosen if e not in Event.values]
    if unknown:
        raise ValidationError(
            {"events": _("“%(value)s” is not an event Tandem sends.") % {"value": unknown[0]}}
        )
    if not chosen:
        raise ValidationError({"events": _("Choose at least one event.")})
    # Kept in the order of the list of events, whatever order they came in.
    return [e for e in Event.values if e in chosen]


def subscription_create(
    *,
    organization: Organization,
    url: str,
    events: Iterable[str],
    by: User | None,
    description: str = "",
    source: str = Source.WEB,
) -> tuple[Subscription, str]:
    """Subscribe ``url`` to ``events``; answer the subscription and its new secret."""
    errors: dict[str, str] = {}
    clean_url = clean_events = None
    try:
        clean_url = _clean_url(url)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    try:
        clean_events = _clean_events(events)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
    description = description.strip()
    if len(description) > 200:
        errors["description"] = _("Keep the description under %(count)s characters.") % {
            "count": 200
        }
    if errors:
        raise ValidationError(errors)
    assert clean_url is not None
    assert clean_events is not None
    secret = new_secret()
    with transaction.atomic():
        webhook_events.forget_subscribers()
        subscription = Subscription.objects.create(
            organization=organization,
            url=clean_url,
            events=clean_events,
            description=description,
            secret=secret,
            created_by=by,
        )
        audit_record(
            organization=organization,
            actor=by,
            action="webhook.create",
            target=subscription,
            after=snapshot(subscription, AUDITED_FIELDS),
            source=source,
        )
    return subscription, secret


def subscription_update(
    *,
    subscription: Subscription,
    by: User | None,
    url: str | None = None,
    events: Iterable[str] | None = None,
    description: str | None = None,
    source: str = Source.WEB,
) -> Subscription:
    """Change where a subscription sends, what it receives or its description.

    Its secret stays: a receiver moved to a new address keeps verifying signatures.
    """
    errors: dict[str, str] = {}
    changes: dict[str, object] = {}
    if url is not None:
        try:
            changes["url"] = _clean_url(url)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if events is not None:
        try:
            changes["events"] = _clean_events(events)
        except ValidationError as exc:
            errors.update({k: v[0] for k, v in exc.message_dict.items()})
    if description is not None:
        changes["description"] = description.strip()
        if len(description.strip()) > 200:
            errors["description"] = _("Keep the description under %(count)s characters.") % {
                "count": 200
            }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        current = Subscription.objects.select_for_update().get(pk=subscription.pk)
        before = snapshot(current, AUDITED_FIELDS)
        for name, value in changes.items():
            setattr(current, name, value)
        after = snapshot(current, AUDITED_FIELDS)
        if after == before:
            return current
        webhook_events.forget_subscribers()
        current.save(update_fields=list(changes))
        audit_record(
            organization=current.organization,
            actor=by,
            action="webhook.update",
            target=current,
            before=before,
            after=after,
            source=source,
        )
    return current


def subscription_set_active(
    *, subscription: Subscription, active: bool, by: User | None, source: str = Source.WEB
) -> Subscription:
    """Pause (no new deliveries; waiting retries give up) or resume a subscription."""
    with transaction.atomic():
        current = Subscription.objects.select_for_update().get(pk=subscription.pk)
        if current.is_active == active:
            return current
        webhook_events.forget_subscribers()
        before = snapshot(current, AUDITED_FIELDS)
        current.is_active = active
        current.save(update_fields=["is_active"])
        audit_record(
            organization=current.organization,
            actor=by,
            action="webhook.resume" if active else "webhook.pause",
            target=current,
            before=before,
            after=snapshot(current, AUDITED_FIELDS),
            source=source,
        )
    return current


def subscription_rotate_secret(
    *, subscription: Subscription, by: User | None, source: str = Source.WEB
) -> tuple[Subscription, str]:
    """Give the subscription a new secret at once; answer it. The old one stops working:
    every attempt from now on, retries included, is signed with the new one."""
    secret = new_secret()
    with transaction.atomic():
        current = Subscription.objects.select_for_update().get(pk=subscription.pk)
        before = snapshot(current, AUDITED_FIELDS)
        current.secret = secret
        current.secret_rotated_at = timezone.now()
        current.save(update_fields=["secret", "secret_rotated_at"])
        audit_record(
            organization=current.organization,
            actor=by,
            action="webhook.rotate_secret",
            target=current,
            before=before,
            after=snapshot(current, AUDITED_FIELDS),
            source=source,
        )
    return current, secret


def subscription_delete(
    *, subscription: Subscription, by: User | None, source: str = Source.WEB
) -> None:
    """Delete the subscription and its delivery log; waiting retries are dropped."""
    with transaction.atomic():
        audit_record(
            organization=subscription.organization,
            actor=by,
            action="webhook.delete",
            target=subscription,
            before=snapshot(subscription, AUDITED_FIELDS),
            source=source,
        )
        subscription.delete()
        webhook_events.forget_subscribers()


def subscription_ping(
    *, subscription: Subscription, by: User | None, source: str = Source.WEB
) -> Delivery:
    """Send a ``ping`` to this subscription alone, paused or not, to test the receiver."""
    with transaction.atomic():
        (delivery,) = webhook_events.emit(
            organization=subscription.organization,
            event=PING,
            data={
                "subscription": {
                    "id": subscription.pk,
                    "url": subscription.url,
                    "events": subscription.events,
                },
                "sent_by": {"id": by.pk, "name": str(by)} if by else None,
            },
            to=[subscription],
        )
        audit_record(
            organization=subscription.organization,
            actor=by,
            action="webhook.ping",
            target=subscription,
            after={"delivery": delivery.pk},
            source=source,
        )
    return delivery


def delivery_redeliver(
    *, delivery: Delivery, by: User | None, source: str = Source.WEB
) -> Delivery:
    """Send a delivery's payload again, as a new delivery with the same event id (so a
    receiver that already has the event can tell) and a fresh set of attempts."""
    subscription = delivery.subscription
    if not subscription.is_active and delivery.event != PING:
        raise ValidationError(
            {"__all__": _("The subscription is paused: resume it before redelivering.")}
        )
    with transaction.atomic():
        again = Delivery.objects.create(
            organization=delivery.organization,
            subscription=subscription,
            event_id=delivery.event_id,
            event=delivery.event,
            payload=delivery.payload,
            redelivery_of=delivery,
        )
        bus.publish(bus.DeliveryQueued(again))
        audit_record(
            organization=delivery.organization,
            actor=by,
            action="webhook.redeliver",
            target=subscription,
            after={"delivery": again.pk, "redelivery_of": delivery.pk, "event": delivery.event},
            source=source,
        )
    return again
