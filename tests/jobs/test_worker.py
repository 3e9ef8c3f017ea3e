"""``tandem worker`` runs what the periodic jobs enqueue, once per turn, with real task rows."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tandem.jobs import schedule
from tandem.jobs.models import PeriodicRun

pytestmark = pytest.mark.django_db


def run_worker() -> str:
    out = io.StringIO()
    call_command("worker", "--once", stdout=out)
    return out.getvalue()


def test_claim_gives_a_turn_once_per_period():
    now = timezone.now()
    day = dt.timedelta(days=1)
    assert schedule.claim("digest:1", every=day, now=now) is True
    assert schedule.claim("digest:1", every=day, now=now) is False
    assert schedule.claim("digest:1", every=day, now=now + dt.timedelta(hours=23)) is False
    assert schedule.claim("digest:2", every=day, now=now) is True
    assert schedule.claim("digest:1", every=day, now=now + day) is True
    assert PeriodicRun.objects.get(name="digest:1").last_run_at == now + day


def test_the_worker_prunes_old_finished_tasks_and_keeps_recent_and_waiting_ones():
    from tandem.jobs.tasks import prune_finished_tasks

    old = prune_finished_tasks.enqueue(days=3650)
    recent = prune_finished_tasks.enqueue(days=3650)
    out = run_worker()
    # the two above and the daily clean-ups the tick enqueued: tasks, deliveries, ledger
    assert "ran 5 tasks" in out
    assert "finished task pruning: enqueued 1" in out
    DBTaskResult.objects.filter(id=old.id).update(
        finished_at=timezone.now() - dt.timedelta(days=40)
    )
    waiting = prune_finished_tasks.enqueue(days=30)
    DBTaskResult.objects.filter(id=waiting.id).update(
        enqueued_at=timezone.now() - dt.timedelta(days=40)
    )

    out = run_worker()  # the daily pruning already had its turn today: only `waiting` runs
    assert "ran 1 task" in out
    assert "finished task pruning" not in out
    assert not DBTaskResult.objects.filter(id=old.id).exists()
    assert DBTaskResult.objects.filter(id=recent.id).exists()
    assert DBTaskResult.objects.get(id=waiting.id).return_value == 1


def test_a_failing_periodic_job_does_not_stop_the_others(monkeypatch):
    calls = []

    def broken(now):
        raise RuntimeError("source down")

    def fine(now):
        calls.append(now)
        return 2

    monkeypatch.setattr(
        schedule,
        "_JOBS",
        {
            "a broken": schedule.Periodic("a broken", broken),
            "b fine": schedule.Periodic("b fine", fine),
        },
    )
    counts = schedule.tick()
    assert counts == {"a broken": -1, "b fine": 2}
    assert len(calls) == 1


def test_a_negative_interval_is_refused():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--interval"):
        call_command("worker", "--once", "--interval", "-1")
