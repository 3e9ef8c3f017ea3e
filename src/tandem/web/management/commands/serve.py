"""``tandem serve``: run Tandem behind gunicorn, the way it runs in production.

Outside debug mode the static files are first collected into the data directory,
where WhiteNoise serves them (compressed, with far-future cache headers); in debug
mode WhiteNoise serves them straight from the apps, so nothing is collected.
"""

from __future__ import annotations

import errno
import gc
import os
import socket
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from gunicorn.app.base import BaseApplication

from tandem.conf import env_int

EVERY_INTERFACE = {"0.0.0.0", "::", ""}


def cores() -> int:
    """The cores this process may run on (a container's share, not the host's count)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def sizing(core_count: int) -> tuple[int, int]:
    """Worker processes and threads per worker for ``core_count`` cores.

    A request spends most of its time in Python, which runs one thread at a time per
    process: a process per core keeps every core busy, and a few threads per process
    fill the waits on the database and the network. ``docs/operations.md`` (Sizing)
    has the measurements behind these numbers.
    """
    return max(2, core_count), 8


def configured_sizing() -> tuple[int, int]:
    """``TANDEM_WEB_WORKERS`` and ``TANDEM_WEB_THREADS``, or the sizing for the cores."""
    workers, threads = sizing(cores())
    try:
        return (
            env_int("TANDEM_WEB_WORKERS", workers, minimum=1),
            env_int("TANDEM_WEB_THREADS", threads, minimum=1),
        )
    except ImproperlyConfigured as exc:
        raise CommandError(str(exc)) from None


class TandemServer(BaseApplication):
    """Gunicorn run in this process with Tandem's WSGI application (no argv parsing)."""

    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            # Settings newer than the oldest gunicorn Tandem accepts are skipped there.
            if key in self.cfg.settings:
                self.cfg.set(key, value)

    def load(self) -> Any:
        from tandem.wsgi import application

        # What start-up made (modules, URL patterns, templates) lives as long as the
        # process: kept out of the garbage collector's passes, which then only walk
        # what requests create.
        gc.collect()
        gc.freeze()
        return application


def _bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _check_port_free(host: str, port: int) -> None:
    """Name the problem before gunicorn retries for seconds and gives up with a traceback."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise CommandError(
                    f"--port {port}: the port is already in use on {host} (is Tandem already "
                    "running?); stop the other server or choose another port."
                ) from None
            raise CommandError(f"--host {host}: cannot listen there ({exc.strerror}).") from None


class Command(BaseCommand):
    help = "Serve Tandem with gunicorn (collecting static files first outside debug mode)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--host",
            default="127.0.0.1",
            help="Address to listen on (default 127.0.0.1; 0.0.0.0 for every interface).",
        )
        parser.add_argument("--port", type=int, default=8000, help="Port (default 8000).")
        parser.add_argument(
            "--workers",
            type=int,
            help="Worker processes (default TANDEM_WEB_WORKERS, else one per core, at least 2).",
        )
        parser.add_argument(
            "--threads",
            type=int,
            help="Threads per worker process (default TANDEM_WEB_THREADS, else 8).",
        )
        parser.add_argument(
            "--with-worker",
            action="store_true",
            help="Also run `tandem worker` (webhooks, pulls, e-mail, reminders) beside the "
            "server, stopped with it: for a demo or a one-machine install.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        host: str = options["host"].strip()
        port: int = options["port"]
        default_workers, default_threads = configured_sizing()
        workers: int = default_workers if options["workers"] is None else options["workers"]
        threads: int = default_threads if options["threads"] is None else options["threads"]
        if not 1 <= port <= 65535:
            raise CommandError(f"--port {port}: choose a port from 1 to 65535.")
        if workers < 1:
            raise CommandError(f"--workers {workers}: at least one worker is needed.")
        if threads < 1:
            raise CommandError(f"--threads {threads}: at least one thread is needed.")
        _check_port_free(host, port)

        if not settings.DEBUG:
            self.stdout.write(f"Collecting static files into {settings.STATIC_ROOT} ...")
            call_command("collectstatic", interactive=False, verbosity=0)
        self._warn_about_unapplied_migrations()
        # Workers are forked from this process: none may inherit its database connection.
        connections.close_all()

        shown_host = "localhost" if host in EVERY_INTERFACE else host
        url = f"http://{_bind_address(shown_host, port)}/"
        mode = " in debug mode (TANDEM_DEBUG is on)" if settings.DEBUG else ""
        self.stdout.write(self.style.SUCCESS(f"Tandem is running{mode} at {url}"))
        if host in EVERY_INTERFACE:
            self.stdout.write(
                "It listens on every network interface: add the names people use to reach "
                "this machine to TANDEM_ALLOWED_HOSTS."
            )
        self.stdout.write(
            f"{workers} worker process(es) x {threads} thread(s) on {cores()} core(s); "
            "open it in a browser; press Ctrl+C to stop."
        )
        self.stdout.flush()
        background = None
        if options["with_worker"]:
            # A process of its own: gunicorn forks and handles signals in this one.
            background = subprocess.Popen(
                [sys.executable, "-m", "tandem.cli", "worker", "--interval", "5"]
            )
            self.stdout.write(f"Background work runs in `tandem worker` (pid {background.pid}).")
            # Written before gunicorn forks: a line left in the buffer would reach the log
            # only when a worker next flushes its copy, after requests are answered.
            self.stdout.flush()
        try:
            self._serve(host, port, workers, threads)
        finally:
            if background is not None:
                background.terminate()
                try:
                    background.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    background.kill()

    def _serve(self, host: str, port: int, workers: int, threads: int) -> None:
        TandemServer(
            {
                "bind": _bind_address(host, port),
                "workers": workers,
                "threads": threads,
                "worker_class": "gthread" if threads > 1 else "sync",
                "accesslog": "-",
                "errorlog": "-",
                "proc_name": "tandem",
                "graceful_timeout": 10,
                # gunicorn 27's control socket lives in $HOME: two servers would fight over it.
                "control_socket_disable": True,
            }
        ).run()

    def _warn_about_unapplied_migrations(self) -> None:
        connection = connections[DEFAULT_DB_ALIAS]
        try:
            executor = MigrationExecutor(connection)
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        except Exception as exc:  # any database trouble is reported here, not fatal
            self.stderr.write(f"Could not check the database ({exc}); run `tandem migrate`.")
            return
        if plan:
            self.stderr.write(
                self.style.WARNING(
                    f"The database lacks {len(plan)} migration(s): run `tandem migrate` "
                    "before using Tandem."
                )
            )
