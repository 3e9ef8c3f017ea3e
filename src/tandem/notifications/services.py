"""Writes of reminders and digests: the organisation's schedule, a person's choices, the
ledger of what was sent."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from tandem.accounts.models import Organization, User
from tandem.audit.models import Source
from tandem.audit.services import audit_record, snapshot
from tandem.integrations import outbound
from tandem.notifications.models import Notification, NotificationPreference, ReminderSettings

SETTINGS_FIELDS = [
    "reminders_enabled",
    "checkin_weekday",
    "checkin_time",
    "escalation_enabled",
    "escalate_after_weeks",
    "digest_enabled",
    "digest_weekday",
    "digest_time",
    "channel_webhook_url",
]


def _settings_snapshot(settings: ReminderSettings) -> dict[str, Any]:
    # The audit's snapshot leaves times as they are; its JSON column needs text.
    return {
        k: v.isoformat(timespec="minutes") if isinstance(v, dt.time) else v
        for k, v in snapshot(settings, SETTINGS_FIELDS).items()
    }


def reminder_settings_update(
    *,
    organization: Organization,
    by: User | None,
    source: str = Source.WEB,
    **changes: Any,
) -> ReminderSettings:
    """Create or change the organisation's reminder schedule.

    Saving the schedule for the first time is what turns reminders on (see
    docs/reminders.md). The channel webhook must be an address Tandem may call
    (:mod:`tandem.integrations.outbound`), checked now so that a typo shows on the form
    rather than in a failed delivery on Monday.
    """
    unknown = set(changes) - set(SETTINGS_FIELDS)
    if unknown:
        raise TypeError(f"reminder_settings_update does not change {sorted(unknown)}")
    with transaction.atomic():
        current, created = ReminderSettings.objects.select_for_update().get_or_create(
            organization=organization
        )
        before = None if created else _settings_snapshot(current)
        for field, value in changes.items():
            setattr(current, field, value.strip() if isinstance(value, str) else value)
        errors: dict[str, str] = {}
        for field in ("checkin_weekday", "digest_weekday"):
            if getattr(current, field) not in ReminderSettings.Weekday.values:
                errors[field] = "Choose a day of the week."
        if not 1 <= current.escalate_after_weeks <= 12:
            errors["escalate_after_weeks"] = "Escalate after 1 to 12 missed weeks."
        if current.channel_webhook_url and "channel_webhook_url" in changes:
            try:
                outbound.check_url(current.channel_webhook_url)
            except ValidationError as error:
                errors["channel_webhook_url"] = " ".join(error.messages)
        if errors:
            raise ValidationError(errors)
        current.full_clean(exclude=["organization", *errors])
        after = _settings_snapshot(current)
        if not created and after == before:
            return current
        current.save()
        audit_record(
            organization=organization,
            actor=by,
            action="reminders.update",
            target=current,
            before=before,
            after=after,
            source=source,
        )
    return current


def notification_preference_set(
    *,
    organization: Organization,
    user: User,
    email_reminders: bool,
    email_digest: bool,
    source: str = Source.WEB,
) -> NotificationPreference:
    """A person's own choice of e-mails from this organisation."""
    with transaction.atomic():
        pref, created = NotificationPreference.objects.select_for_update().get_or_create(
            organization=organization, user=user
        )
        fields = ["email_reminders", "email_digest"]
        before = None if created else snapshot(pref, fields)
        pref.email_reminders = email_reminders
        pref.email_digest = email_digest
        after = snapshot(pref, fields)
        if not created and after == before:
            return pref
        pref.save()
        audit_record(
            organization=organization,
            actor=user,
            action="notifications.preference",
            target=pref,
            before=before,
            after=after,
            source=source,
        )
    return pref


def notification_claim(
    *,
    organization: Organization,
    kind: str,
    period: str,
    user: User | None = None,
    subject: str = "",
    attempt: int = 1,
) -> Notification | None:
    """Insert the ledger row of a message about to be sent; ``None`` if it already exists.

    The insert comes first and alone in its transaction: whoever inserts the row sends
    the message, everybody else (a second worker, a repeated task) skips it. Attempt
    number ``attempt`` > 1 instead takes back a row left ``retrying`` by the attempt
    before, with one conditional update that only one worker wins.
    """
    recipient = f"user:{user.pk}" if user is not None else "channel"
    try:
        with transaction.atomic():
            return Notification.objects.create(
                organization=organization,
                recipient=recipient,
                user=user,
                kind=kind,
                period=period,
                subject=subject[:200],
            )
    except IntegrityError:
        if attempt <= 1:
            return None
    waiting = Notification.objects.filter(
        organization=organization,
        recipient=recipient,
        kind=kind,
        period=period,
        status=Notification.Status.RETRYING,
        attempts=attempt - 1,
    )
    if not waiting.update(
        status=Notification.Status.SENDING, attempts=attempt, next_attempt_at=None
    ):
        return None
    return waiting.model.objects.get(
        organization=organization, recipient=recipient, kind=kind, period=period
    )


def notification_finish(
    *, notification: Notification, error: str = "", retry_at: dt.datetime | None = None
) -> Notification:
    """Record how a claimed message went: sent, failed for good, or (with ``retry_at``)
    to be tried again then."""
    if not error:
        notification.status = Notification.Status.SENT
    elif retry_at is not None:
        notification.status = Notification.Status.RETRYING
    else:
        notification.status = Notification.Status.FAILED
    notification.error = error
    notification.sent_at = None if error else timezone.now()
    notification.next_attempt_at = retry_at if error else None
    notification.save(update_fields=["status", "error", "sent_at", "next_attempt_at"])
    return notification


def claim_occurrence(*, settings_id: int, field: str, occurrence: dt.datetime) -> bool:
    """Take an organisation's occurrence for one job: one conditional UPDATE, which exactly
    one of any number of workers wins."""
    if field not in ("checkin_handled_for", "digest_handled_for"):
        raise ValueError(f"{field} is not an occurrence column")
    unhandled = Q(**{f"{field}__isnull": True}) | Q(**{f"{field}__lt": occurrence})
    updated = (
        ReminderSettings.objects.filter(pk=settings_id)
        .filter(unhandled)
        .update(**{field: occurrence})
    )
    return updated == 1
