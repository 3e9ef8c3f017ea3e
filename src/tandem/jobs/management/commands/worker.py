"""``tandem worker``: run background tasks and the periodic schedule.

Run one (or more, on other machines) next to the web server::

    tandem worker                # until stopped with Ctrl+C or SIGTERM
    tandem worker --once         # what is due now, then exit (for cron or a test)

Each round asks the periodic jobs (KPI pulls, reminders, ...) what has come due, then runs
every task that is ready, one after the other, and sleeps ``--interval`` seconds when
there is nothing left. A task that is running when the worker is told to stop finishes
first; a second Ctrl+C stops it at once.
"""

from __future__ import annotations

import datetime as dt
import logging
import signal
import threading
import time
from argparse import ArgumentParser, ArgumentTypeError
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import close_old_connections, connections
from django.db.utils import OperationalError
from django.utils.crypto import get_random_string
from django_tasks import task_backends
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction, is_locked_database_exception

from tandem import dbrouter
from tandem.jobs import schedule


def _instant(text: str) -> dt.datetime:
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ArgumentTypeError(f"{text!r} is not an ISO 8601 instant") from None
    if moment.tzinfo is None:
        raise ArgumentTypeError(f"{text!r} has no time zone (add Z or +01:00)")
    return moment


class Command(BaseCommand):
    help = "Run Tandem's background work: webhooks, KPI pulls, reminders."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--once",
            action="store_true",
            help="Enqueue what is due, run every ready task, then exit.",
        )
        parser.add_argument(
            "--interval",
            type=float,
            default=5.0,
            help="Seconds to wait when there is nothing to do (default: 5).",
        )
        parser.add_argument(
            "--now",
            type=_instant,
            default=None,
            help="Tick the periodic jobs as if it were this ISO 8601 instant (with its "
            "time zone): for tests and for replaying a missed moment.",
        )
        parser.add_argument(
            "--queue",
            default="*",
            help="The queues to work on, separated by commas (default: all).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        interval: float = options["interval"]
        if not interval >= 0:
            raise CommandError(f"--interval must be 0 or more seconds, not {interval}.")
        if options["now"] is not None and not options["once"]:
            raise CommandError("--now goes with --once: a running worker ticks at the real time.")
        verbosity: int = options["verbosity"]
        self._configure_logging(verbosity)
        # A task reads what the change that enqueued it has just committed: never from a
        # replica that may not have it yet.
        dbrouter.pin_process_to_primary()
        if type(task_backends["default"]).__module__ == "tandem.jobs.rqbackend":
            self._work_with_rq(options, verbosity)
            return
        worker = Worker(
            queue_names=[q.strip() for q in options["queue"].split(",") if q.strip()],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )
        if not options["once"]:
            worker.configure_signals()
            self.stdout.write(f"Tandem worker {worker.worker_id[:8]} started; Ctrl+C stops it.")
        while True:
            _tidy_connections()
            self._tick(options["now"], verbosity)
            ran = 0
            while worker.running and (task := _claim_next(worker)) is not None:
                worker.run_task(task)
                ran += 1
                _tidy_connections()
            if ran and verbosity >= 1:
                self.stdout.write(f"ran {ran} task{'s' if ran != 1 else ''}")
            if options["once"] or not worker.running:
                return
            if not ran:
                time.sleep(interval)

    def _tick(self, now: dt.datetime | None, verbosity: int) -> None:
        for name, count in schedule.tick(now).items():
            if count and verbosity >= 1:
                what = "failed" if count < 0 else f"enqueued {count}"
                self.stdout.write(f"{name}: {what}")

    def _work_with_rq(self, options: dict[str, Any], verbosity: int) -> None:
        """The same rounds with the queue in Redis: RQ runs the ready jobs of each round
        (and moves delayed ones that have come due), one after the other, in this process."""
        from tandem.jobs import rqbackend  # needs the rq extra (django-tasks-rq)

        names = [q.strip() for q in options["queue"].split(",") if q.strip() and q != "*"]
        stop = threading.Event()

        def request_stop(signum: int, frame: object) -> None:
            stop.set()

        if not options["once"]:
            self.stdout.write("Tandem worker started on the Redis queue; Ctrl+C stops it.")
        while True:
            _tidy_connections()
            self._tick(options["now"], verbosity)
            ran, stopped = rqbackend.work_once(names or None)
            # RQ answers signals while it works; between rounds, this loop does.
            signal.signal(signal.SIGINT, request_stop)
            signal.signal(signal.SIGTERM, request_stop)
            if ran and verbosity >= 1:
                self.stdout.write(f"ran {ran} task{'s' if ran != 1 else ''}")
            if options["once"] or stopped or stop.is_set():
                return
            if not ran:
                stop.wait(options["interval"])

    def _configure_logging(self, verbosity: int) -> None:
        level = logging.WARNING if verbosity == 0 else logging.INFO
        for name in ("tandem.jobs", "django_tasks", "django_tasks_db", "rq.worker"):
            logging.getLogger(name).setLevel(level)


def _claim_next(worker: Worker) -> DBTaskResult | None:
    """The next ready task, claimed for ``worker`` so no other worker runs it.

    The claim is the one django-tasks-db's own worker makes (a locked read in an
    exclusive transaction); a database busy with another worker's claim is not an
    error, the task is taken on the next round.
    """
    tasks = DBTaskResult.objects.ready().filter(backend_name=worker.backend_name)
    if not worker.process_all_queues:
        tasks = tasks.filter(queue_name__in=worker.queue_names)
    try:
        with exclusive_transaction(tasks.db):
            task = tasks.get_locked()
            if task is not None:
                task.claim(worker.worker_id)
    except OperationalError as error:
        if is_locked_database_exception(error):
            return None
        raise
    return task


def _tidy_connections() -> None:
    """Drop database connections that are broken or past their age between tasks, as a
    request does; never inside a transaction (``--once`` called within one, as the
    tests do), where closing would take the caller's transaction with it."""
    if not any(connection.in_atomic_block for connection in connections.all()):
        close_old_connections()
