"""The daily clean-up of the webhook delivery log."""

from __future__ import annotations

import datetime as dt

from tandem.jobs.schedule import claim, periodic
from tandem.webhooks.tasks import prune_deliveries


@periodic("webhook delivery pruning")
def enqueue_delivery_pruning(now: dt.datetime) -> int:
    if not claim("webhook delivery pruning", every=dt.timedelta(days=1), now=now):
        return 0
    prune_deliveries.enqueue(now.isoformat())
    return 1
