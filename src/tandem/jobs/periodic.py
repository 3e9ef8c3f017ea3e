"""Tandem's own periodic housekeeping."""

from __future__ import annotations

import datetime as dt

from tandem.jobs.schedule import claim, periodic
from tandem.jobs.tasks import prune_finished_tasks


@periodic("finished task pruning")
def enqueue_pruning(now: dt.datetime) -> int:
    if not claim("finished task pruning", every=dt.timedelta(days=1), now=now):
        return 0
    prune_finished_tasks.enqueue(now=now.isoformat())
    return 1
