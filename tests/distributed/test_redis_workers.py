"""The task queue in a real Redis (``TANDEM_TASKS_BACKEND=rq``), run by two ``tandem worker``.

The changes are made here, through the services, with the rq backend; two worker
processes over the same PostgreSQL database and the same Redis then run what they
enqueued, at the same time. Every webhook is delivered once, every invitation e-mailed
once, every due pull made once, and the daily housekeeping enqueued by one worker only.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
from collections import Counter
from decimal import Decimal
from pathlib import Path

import django_rq
import pytest
from django.db import transaction
from rq.registry import ScheduledJobRegistry

from tandem.accounts import services as accounts
from tandem.accounts.models import Role
from tandem.integrations.models import DataSource
from tandem.integrations.pulls import data_source_save
from tandem.kpis import services as kpis
from tandem.kpis.models import Measurement
from tandem.okrs import services as okrs
from tandem.webhooks.models import Delivery
from tests.conftest import Cast, Mailbox
from tests.distributed.conftest import TANDEM, process_env
from tests.integrations.pulls.conftest import Server
from tests.webhooks.conftest import Receiver, subscribe

pytestmark = pytest.mark.django_db(transaction=True)

QUEUES = ["default", "webhooks", "pulls", "mail"]


@pytest.fixture
def rq(settings, redis_url: str) -> str:
    """This process enqueues through the rq backend into the test's Redis."""
    settings.TASKS = {"default": {"BACKEND": "tandem.jobs.rqbackend.RQBackend", "QUEUES": QUEUES}}
    settings.RQ_QUEUES = {name: {"URL": redis_url} for name in QUEUES}
    return redis_url


def queued(name: str) -> int:
    return int(django_rq.get_queue(name).count)


def two_workers(
    tmp_path: Path, database: dict[str, str], redis_url: str, settings, *, now: str = ""
) -> list[str]:
    """Run two ``tandem worker --once`` side by side; answer their outputs."""
    env = process_env(
        tmp_path,
        database,
        TANDEM_TASKS_BACKEND="rq",
        TANDEM_REDIS_URL=redis_url,
        TANDEM_OUTBOUND_ALLOWED_HOSTS="127.0.0.1",
        TANDEM_EMAIL_HOST=str(getattr(settings, "EMAIL_HOST", "")),
        TANDEM_EMAIL_PORT=str(getattr(settings, "EMAIL_PORT", 25)),
    )
    if not env["TANDEM_EMAIL_HOST"]:
        del env["TANDEM_EMAIL_HOST"]
    command = [str(TANDEM), "worker", "--once", *(["--now", now] if now else [])]
    processes = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    outputs = []
    for process in processes:
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, err[-3000:]
        outputs.append(out)
    return outputs


def ran(outputs: list[str]) -> int:
    return sum(int(n) for out in outputs for n in re.findall(r"^ran (\d+) tasks?$", out, re.M))


def enqueued(outputs: list[str]) -> Counter[str]:
    """How many tasks each periodic job enqueued, over all the workers' outputs."""
    counts: Counter[str] = Counter()
    for out in outputs:
        for name, n in re.findall(r"^(.+): enqueued (\d+)$", out, re.M):
            counts[name] += int(n)
    return counts


def test_a_task_is_pushed_to_redis_only_when_its_change_commits(
    cast: Cast, rq: str, database, smtp_server: Mailbox, settings, tmp_path
):
    with transaction.atomic():
        accounts.invitation_create(
            organization=cast.org, email="nadia@acme.test", role=Role.MEMBER, by=cast.admin
        )
        assert queued("mail") == 0  # not before the commit: a worker could not see it yet
    assert queued("mail") == 1

    def invite_then_fail() -> None:
        with transaction.atomic():
            accounts.invitation_create(
                organization=cast.org, email="ghost@acme.test", role=Role.MEMBER, by=cast.admin
            )
            raise RuntimeError("the change fails after enqueuing")

    with pytest.raises(RuntimeError, match="fails after enqueuing"):
        invite_then_fail()
    assert queued("mail") == 1  # the rolled-back invitation enqueued nothing

    outputs = two_workers(tmp_path, database, rq, settings)
    assert queued("mail") == 0
    assert [str(m["To"]) for m in smtp_server.messages] == ["nadia@acme.test"]
    # Each daily job was enqueued by one of the two workers only, and every task (the
    # invitation and those jobs) was run by one worker only.
    daily = enqueued(outputs)
    assert "finished task pruning" in daily
    assert set(daily.values()) == {1}
    assert ran(outputs) == 1 + sum(daily.values())


def test_two_workers_deliver_every_webhook_once_and_schedule_the_retry_in_redis(
    cast: Cast, rq: str, database, receiver: Receiver, settings, tmp_path
):
    subscribe(cast, receiver, ["checkin.created"])
    receiver.fail_first = 1
    for value in range(1, 13):
        okrs.key_result_check_in(
            key_result=cast.kr, by=cast.member, value=Decimal(value), confidence=7, note=""
        )
    assert queued("webhooks") == 12

    two_workers(tmp_path, database, rq, settings)
    # Twelve requests, one per check-in: none sent twice by the two workers.
    assert len(receiver.received) == 12
    assert len({r.json["id"] for r in receiver.received}) == 12
    assert all(r.signature_ok for r in receiver.received)
    statuses = sorted(Delivery.objects.values_list("status", flat=True))
    assert statuses == ["failed"] + ["succeeded"] * 11
    # The first failed: its retry waits in Redis's schedule, not in the queue.
    assert queued("webhooks") == 0
    assert ScheduledJobRegistry(queue=django_rq.get_queue("webhooks")).count == 1


def test_two_workers_ticking_at_once_pull_a_due_source_once_and_prune_once(
    cast: Cast, rq: str, database, allowed_server: Server, settings, tmp_path
):
    revenue = kpis.kpi_create(
        organization=cast.org, name="Weekly revenue", key="revenue", by=cast.owner
    )
    url = allowed_server.serve("/v.json", json.dumps({"w": "2026-05-04", "v": 41}))
    source = data_source_save(
        kpi=revenue,
        by=cast.admin,
        data={"kind": "http_json", "url": url, "value_path": "v", "period_path": "w"},
    )
    now = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(minutes=1)

    outputs = two_workers(tmp_path, database, rq, settings, now=now.isoformat())
    # The source was due for both; one worker's conditional UPDATE took it.
    assert sum(out.count("KPI pulls: enqueued 1") for out in outputs) == 1
    assert sum(out.count("finished task pruning: enqueued 1") for out in outputs) == 1
    assert len(allowed_server.requests) == 1
    source.refresh_from_db()
    assert source.last_status == "ok"
    assert list(Measurement.objects.filter(kpi=revenue).values_list("value", flat=True)) == [
        Decimal(41)
    ]
    assert DataSource.objects.get(pk=source.pk).next_run_at > now
