"""The schedule of KPI pulls: every tick of ``tandem worker`` enqueues the sources due."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from tandem.integrations.models import DataSource
from tandem.integrations.pulls import next_run_after
from tandem.integrations.tasks import run_pull
from tandem.jobs.schedule import periodic


@periodic("KPI pulls")
def enqueue_due_pulls(now: dt.datetime) -> int:
    """Enqueue a pull for each active source whose ``next_run_at`` has come.

    Each source is taken with a conditional UPDATE that moves its ``next_run_at`` on, in
    the transaction that enqueues its task: of two workers ticking at once, only the one
    whose UPDATE matched enqueues it.
    """
    due = DataSource.objects.filter(is_active=True, next_run_at__lte=now).values_list(
        "pk", "next_run_at", "interval_minutes"
    )
    enqueued = 0
    for pk, scheduled, minutes in list(due):
        following = next_run_after(scheduled, dt.timedelta(minutes=minutes), now)
        with transaction.atomic():
            taken = DataSource.objects.filter(pk=pk, next_run_at=scheduled).update(
                next_run_at=following
            )
            if taken:
                run_pull.enqueue(pk)
                enqueued += 1
    return enqueued
