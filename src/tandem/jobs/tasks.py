"""Tandem's own housekeeping tasks."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

KEEP_FINISHED_TASKS = dt.timedelta(days=30)


@task(queue_name="default")
def prune_finished_tasks(days: int = KEEP_FINISHED_TASKS.days) -> int:
    """Forget tasks that finished more than ``days`` ago; answer how many went.

    What a task did is kept by its feature (webhook deliveries, sync status); the task
    rows themselves are only the queue.
    """
    cutoff = timezone.now() - dt.timedelta(days=days)
    deleted, _ = DBTaskResult.objects.finished().filter(finished_at__lt=cutoff).delete()
    return deleted
