"""When an organisation's reminders and digests go out, who wants them, and what was sent."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tandem.accounts.models import Organization


class ReminderSettings(models.Model):
    """An organisation's schedule of check-in reminders, escalations and digests.

    Times are wall-clock times in the organisation's time zone (``Organization.tz``):
    "Friday 10:00" stays 10:00 local across daylight-saving changes.
    """

    Weekday = Organization.Weekday

    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="reminder_settings"
    )
    reminders_enabled = models.BooleanField(default=True)
    checkin_weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices, default=Weekday.FRIDAY
    )
    checkin_time = models.TimeField(default=dt.time(10, 0))
    escalation_enabled = models.BooleanField(default=True)
    escalate_after_weeks = models.PositiveSmallIntegerField(
        default=2, validators=[MinValueValidator(1), MaxValueValidator(12)]
    )
    digest_enabled = models.BooleanField(default=True)
    digest_weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices, default=Weekday.MONDAY
    )
    digest_time = models.TimeField(default=dt.time(8, 0))
    # A Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat...) that gets
    # the company digest; empty for none.
    channel_webhook_url = models.URLField(max_length=500, blank=True)
    # The last occurrence each periodic job handled: the conditional UPDATE of these
    # columns is what lets exactly one worker enqueue an occurrence's messages.
    checkin_handled_for = models.DateTimeField(null=True, blank=True)
    digest_handled_for = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "reminder settings"
        constraints = [
            models.CheckConstraint(
                condition=Q(checkin_weekday__gte=1) & Q(checkin_weekday__lte=7),
                name="reminders_checkin_weekday_range",
            ),
            models.CheckConstraint(
                condition=Q(digest_weekday__gte=1) & Q(digest_weekday__lte=7),
                name="reminders_digest_weekday_range",
            ),
            models.CheckConstraint(
                condition=Q(escalate_after_weeks__gte=1) & Q(escalate_after_weeks__lte=12),
                name="reminders_escalate_after_range",
            ),
        ]

    def __str__(self) -> str:
        return f"Reminders of {self.organization}"


class NotificationPreference(models.Model):
    """What one person wants to receive from one organisation (missing row: everything)."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    email_reminders = models.BooleanField(
        default=True,
        help_text="Check-in reminders, and a lead's note about missed check-ins.",
    )
    email_digest = models.BooleanField(default=True, help_text="The weekly digest.")

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "user"], name="notification_preference_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization}"


class Notification(models.Model):
    """The ledger of what was sent: one row per recipient, kind and period.

    The row is inserted *before* the message goes out; the unique constraint makes a
    second insert fail, so a second worker, a repeated tick or a retried task can never
    send the same reminder twice. An e-mail the mail server refused for now
    (:mod:`tandem.jobs.mail`) is ``retrying`` until ``next_attempt_at``; the retry takes
    the row back with a conditional update on its ``attempts``, so it too is sent by one
    worker only. Any other failure keeps its row (and error) and is not retried: a late
    duplicate is worse than a missed nudge.
    """

    class Kind(models.TextChoices):
        CHECKIN_REMINDER = "checkin_reminder", _("Check-in reminder")
        ESCALATION = "escalation", _("Missed check-ins (to a lead)")
        DIGEST = "digest", _("Weekly digest")
        CHANNEL_DIGEST = "channel_digest", _("Channel digest")
        TEST = "test", _("Test reminder")

    class Status(models.TextChoices):
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        RETRYING = "retrying", _("Failed, will retry")
        FAILED = "failed", _("Failed")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="notifications"
    )
    # "user:<id>" or "channel"; the user is kept beside it for the pages.
    recipient = models.CharField(max_length=64)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The ISO week the message is for (e.g. 2026-W44); a test reminder's own instant.
    period = models.CharField(max_length=40)
    subject = models.CharField(max_length=200, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.SENDING)
    error = models.TextField(blank=True)
    attempts = models.PositiveSmallIntegerField(default=1)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "recipient", "kind", "period"],
                name="notification_once_per_period",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["sending", "sent", "retrying", "failed"]),
                name="notification_status_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "-created_at"]),
            # The daily clean-up's look-up of the oldest rows of every organisation.
            models.Index(fields=["created_at"], name="notification_created"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient} for {self.period}"
