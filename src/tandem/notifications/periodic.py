"""The periodic jobs of reminders and digests: on each tick of ``tandem worker``, every
organisation whose weekly time has come gets its messages enqueued, once.

An occurrence is "due" from its instant until :data:`GRACE` later: a worker that was
down for an hour still sends when it comes back, but a reminder half a day late is
skipped (it would arrive in the evening or the next day, as noise).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from tandem.domain import schedule
from tandem.jobs.schedule import claim, periodic
from tandem.notifications import selectors, services
from tandem.notifications.models import ReminderSettings
from tandem.notifications.tasks import (
    prune_ledger,
    send_checkin_reminder,
    send_digests,
    send_escalation,
)

GRACE = dt.timedelta(hours=12)


def _due(
    settings: ReminderSettings, weekday: int, at: dt.time, now: dt.datetime
) -> dt.datetime | None:
    occurrence = schedule.last_occurrence(
        weekday=weekday, at=at, tz=settings.organization.tz, now=now
    )
    return occurrence if schedule.is_due(occurrence, now=now, grace=GRACE) else None


@periodic("check-in reminders")
def enqueue_checkin_reminders(now: dt.datetime) -> int:
    """A reminder task per person who owes a check-in, and an escalation task per lead
    of someone who missed ``escalate_after_weeks`` weeks in a row."""
    enqueued = 0
    for settings in ReminderSettings.objects.filter(reminders_enabled=True).select_related(
        "organization"
    ):
        occurrence = _due(settings, settings.checkin_weekday, settings.checkin_time, now)
        if occurrence is None:
            continue
        with transaction.atomic():
            if not services.claim_occurrence(
                settings_id=settings.pk, field="checkin_handled_for", occurrence=occurrence
            ):
                continue
            organization = settings.organization
            owed = selectors.key_results_owed(organization=organization, moment=occurrence)
            when = occurrence.isoformat()
            for user_id in sorted(owed):
                send_checkin_reminder.enqueue(organization.pk, user_id, when)
                enqueued += 1
            if settings.escalation_enabled:
                weeks = settings.escalate_after_weeks
                late = {
                    user_id
                    for user_id, items in owed.items()
                    if any(o.weeks_missed >= weeks for o in items)
                }
                for lead_id in sorted(selectors.leads_of(organization=organization, user_ids=late)):
                    send_escalation.enqueue(organization.pk, lead_id, when, weeks)
                    enqueued += 1
    return enqueued


@periodic("weekly digests")
def enqueue_digests(now: dt.datetime) -> int:
    enqueued = 0
    for settings in ReminderSettings.objects.filter(digest_enabled=True).select_related(
        "organization"
    ):
        occurrence = _due(settings, settings.digest_weekday, settings.digest_time, now)
        if occurrence is None:
            continue
        with transaction.atomic():
            if services.claim_occurrence(
                settings_id=settings.pk, field="digest_handled_for", occurrence=occurrence
            ):
                send_digests.enqueue(settings.organization_id, occurrence.isoformat())
                enqueued += 1
    return enqueued


@periodic("reminder ledger pruning")
def enqueue_ledger_pruning(now: dt.datetime) -> int:
    if not claim("reminder ledger pruning", every=dt.timedelta(days=1), now=now):
        return 0
    prune_ledger.enqueue(now.isoformat())
    return 1
