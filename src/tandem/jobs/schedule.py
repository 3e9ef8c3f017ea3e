"""The periodic jobs: each app says what has come due, ``tandem worker`` asks them all.

An app declares a job in its ``periodic`` module::

    from tandem.jobs.schedule import periodic

    @periodic("KPI pulls")
    def enqueue_due_pulls(now: datetime) -> int:
        ...  # enqueue a task per source whose next run is at or before ``now``
        return how_many

A job must be idempotent for a given ``now``: it marks what it enqueued (for example by
moving a ``next_run_at`` forward in the same transaction), so two workers ticking at the
same time, or a tick repeated after a crash, never send the same thing twice.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.utils import timezone
from django.utils.module_loading import autodiscover_modules

logger = logging.getLogger("tandem.jobs")

Job = Callable[[dt.datetime], int]


@dataclass(frozen=True)
class Periodic:
    name: str
    job: Job


_JOBS: dict[str, Periodic] = {}
_discovered = False


def periodic(name: str) -> Callable[[Job], Job]:
    """Register ``job`` under ``name``; it is called on every tick of the worker."""

    def register(job: Job) -> Job:
        _JOBS[name] = Periodic(name=name, job=job)
        return job

    return register


def jobs() -> list[Periodic]:
    global _discovered
    if not _discovered:
        autodiscover_modules("periodic")
        _discovered = True
    return sorted(_JOBS.values(), key=lambda p: p.name)


def tick(now: dt.datetime | None = None) -> dict[str, int]:
    """Run every periodic job once; answer how many tasks each enqueued.

    A job that fails is logged and the others still run: one broken source must not stop
    reminders or webhooks.
    """
    moment = now or timezone.now()
    counts: dict[str, int] = {}
    for entry in jobs():
        try:
            counts[entry.name] = entry.job(moment)
        except Exception:
            logger.exception("The periodic job %r failed.", entry.name)
            counts[entry.name] = -1
    return counts


def claim(name: str, *, every: dt.timedelta, now: dt.datetime) -> bool:
    """Take the turn of the job ``name`` if it last ran ``every`` or longer before ``now``.

    Exactly one of any number of workers calling this at the same time gets ``True``: the
    claim is one conditional UPDATE (or the INSERT of the first run, which the unique name
    lets only one worker win).
    """
    from django.db import IntegrityError, transaction

    from tandem.jobs.models import PeriodicRun

    updated = PeriodicRun.objects.filter(name=name, last_run_at__lte=now - every).update(
        last_run_at=now
    )
    if updated:
        return True
    if PeriodicRun.objects.filter(name=name).exists():
        return False
    try:
        with transaction.atomic():
            PeriodicRun.objects.create(name=name, last_run_at=now)
    except IntegrityError:
        return False
    return True
