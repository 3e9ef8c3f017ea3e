"""Forgetting old records in batches, for the daily clean-up jobs.

A table of millions of rows is cleared a thousand rows at a time, each batch in its
own short transaction: the clean-up never holds a lock that a check-in or a delivery
would wait behind, and a worker stopped half-way has still done its part.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models, transaction

BATCH = 1000


def delete_in_batches(rows: models.QuerySet, *, batch: int = BATCH) -> int:
    """Delete ``rows``, ``batch`` at a time (oldest ids first); answer how many went."""
    model = rows.model
    label = model._meta.label
    gone = 0
    while True:
        ids = list(rows.order_by("pk").values_list("pk", flat=True)[:batch])
        if not ids:
            return gone
        with transaction.atomic():
            _, per_model = model._default_manager.filter(pk__in=ids).delete()
        gone += per_model.get(label, 0)
        if len(ids) < batch:
            return gone


def keep_days(name: str) -> dt.timedelta:
    """The retention setting ``name`` (``TANDEM_KEEP_..._DAYS``) as a duration."""
    return dt.timedelta(days=int(getattr(settings, name)))
