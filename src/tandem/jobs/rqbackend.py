"""Background work through Redis: ``TANDEM_TASKS_BACKEND=rq`` (docs/operations.md).

The tasks are django-tasks tasks, as with the database queue; django-tasks-rq stores
them in Redis queues (one per Tandem queue), and ``tandem worker`` runs them with RQ.

The database queue writes a task in the transaction of the change that caused it, so a
change that rolls back leaves no task. Redis cannot join that transaction:
:class:`RQBackend` keeps the promise by pushing a task enqueued inside a transaction
only once the transaction commits (``transaction.on_commit``). A change that rolls back
enqueues nothing; what a change enqueues is never run before the change is visible to
the worker. The price is the moment between the commit and the push: a process killed
exactly then loses the task (the change itself is kept). Each periodic job takes its turn
through a row in the database (:func:`tandem.jobs.schedule.claim`, or a conditional
UPDATE of the source), so two workers never enqueue the same turn, whichever queue
carries the task.
"""

from __future__ import annotations

import functools
import logging
from typing import Any, TypeVar

import django_rq
from django.db import transaction
from django_tasks.base import TASK_MAX_PRIORITY, Task, TaskResult, TaskResultStatus
from django_tasks.signals import task_enqueued
from django_tasks.utils import get_random_id
from django_tasks_rq.backend import Job, failed_callback, success_callback
from django_tasks_rq.backend import RQBackend as LibraryRQBackend
from rq import SimpleWorker
from rq.job import Callback, JobStatus
from typing_extensions import ParamSpec

logger = logging.getLogger("tandem.jobs")

T = TypeVar("T")
P = ParamSpec("P")


class RQBackend(LibraryRQBackend):
    """django-tasks-rq's backend, enqueuing a task on commit when called in a transaction."""

    def enqueue(
        self,
        task: Task[P, T],
        args: P.args,  # type: ignore[valid-type]
        kwargs: P.kwargs,  # type: ignore[valid-type]
    ) -> TaskResult[T]:
        self.validate_task(task)
        result: TaskResult[T] = TaskResult(
            task=task,
            id=get_random_id(),
            status=TaskResultStatus.READY,
            enqueued_at=None,
            started_at=None,
            last_attempted_at=None,
            finished_at=None,
            args=args,
            kwargs=kwargs,
            backend=self.alias,
            errors=[],
            worker_ids=[],
        )
        if transaction.get_connection().in_atomic_block:
            # robust: Redis being unreachable at this moment must not turn the committed
            # change into an error page; the failure is logged.
            transaction.on_commit(functools.partial(self._push, result), robust=True)
        else:
            self._push(result)
        return result

    def _push(self, result: TaskResult[Any]) -> None:
        task = result.task
        queue = django_rq.get_queue(task.queue_name, job_class=Job)
        job = queue.create_job(
            task.module_path,
            args=result.args,
            kwargs=result.kwargs,
            job_id=result.id,
            status=JobStatus.SCHEDULED if task.run_after else JobStatus.QUEUED,
            on_failure=Callback(failed_callback),
            on_success=Callback(success_callback),
            meta={"backend_name": self.alias},
        )
        if task.run_after is None:
            job = queue.enqueue_job(job, at_front=task.priority == TASK_MAX_PRIORITY)
        else:
            job = queue.schedule_job(job, task.run_after)
        object.__setattr__(result, "enqueued_at", job.enqueued_at)
        task_enqueued.send(type(self), task_result=result)


class TandemRQWorker(SimpleWorker):
    """Runs each job in this process (as the database worker does), tidying database
    connections between jobs as a request does."""

    ran = 0

    def subscribe(self) -> None:
        # RQ's remote commands (stop a job from the dashboard) listen on a thread that
        # blocks a minute between reads, and would keep each short round alive that long.
        pass

    def execute_job(self, job: Any, queue: Any) -> None:
        from tandem.jobs.management.commands.worker import _tidy_connections

        self.ran += 1
        _tidy_connections()
        try:
            super().execute_job(job, queue)
        finally:
            _tidy_connections()


def work_once(queue_names: list[str] | None) -> tuple[int, bool]:
    """Run every job ready in ``queue_names`` (all of Tandem's when None), moving the
    delayed ones that have come due first; answer how many ran and whether a stop (Ctrl+C,
    SIGTERM) was asked for meanwhile."""
    from django.conf import settings

    names = queue_names or list(settings.TASKS["default"]["QUEUES"])
    queues = [django_rq.get_queue(name, job_class=Job) for name in names]
    worker = TandemRQWorker(queues, connection=django_rq.get_connection(names[0]), job_class=Job)
    worker.work(burst=True, with_scheduler=True, logging_level="WARNING")
    return worker.ran, bool(getattr(worker, "_stop_requested", False))
