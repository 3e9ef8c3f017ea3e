"""Tandem's own housekeeping tasks."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from tandem.jobs.pruning import delete_in_batches, keep_days


@task(queue_name="default")
def prune_finished_tasks(days: int | None = None, now: str | None = None) -> int:
    """Forget tasks that finished more than ``days`` (``TANDEM_KEEP_FINISHED_TASKS_DAYS``)
    before ``now`` (an ISO instant; the real time without one); answer how many went.

    What a task did is kept by its feature (webhook deliveries, sync status); the task
    rows themselves are only the queue.
    """
    keep = (
        dt.timedelta(days=days)
        if days is not None
        else keep_days("TANDEM_KEEP_FINISHED_TASKS_DAYS")
    )
    moment = dt.datetime.fromisoformat(now) if now else timezone.now()
    return delete_in_batches(DBTaskResult.objects.finished().filter(finished_at__lt=moment - keep))
