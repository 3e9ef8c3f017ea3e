"""Send reads to a read replica, writes to the primary.

Active only when ``TANDEM_REPLICA_DATABASE_URL`` is set (settings.py then adds the
``replica`` alias, this router and :class:`ReplicaMiddleware`). A read goes to the
replica unless one of these sends it to the primary:

- it is made inside a transaction: a service reads and locks what it is about to change,
  and must see its own writes, which a replica only receives later;
- the request is a write (POST, PUT, PATCH, DELETE), or comes from a browser that wrote
  less than ``TANDEM_REPLICA_PIN_SECONDS`` ago (a cookie set by the write): whoever has
  just changed something reads it back, however far the replica lags;
- it reads a session: a session is changed by the requests that use it (sign-in, the
  idle clock), and a stale copy would sign a person out or undo the change;
- the process works in the background (``tandem worker``): a task reads the rows the
  change that enqueued it has just committed;
- the replica is down: a connection that fails marks it down for
  ``TANDEM_REPLICA_RETRY_SECONDS``, with a warning in the log, and reads go to the
  primary meanwhile. A page whose replica connection broke while it was drawn is drawn
  again from the primary instead of answering 500.

Migrations run on the primary alone; the replica receives them through replication.
The router adds no query to a request: it connects to the replica when a request first
reads from it, as Django would, and learns that the replica is down from that connection
failing.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from contextvars import ContextVar
from typing import Any

from django.conf import settings
from django.db import DatabaseError, connections, transaction
from django.db.models import Model
from django.http import HttpRequest, HttpResponse

PRIMARY = "default"
REPLICA = "replica"
# Set on the answer to a write; while the browser sends it back, reads go to the primary.
PIN_COOKIE = "tandem_primary"
# Apps whose rows are always read from the primary.
PRIMARY_APPS = frozenset({"sessions"})
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})

logger = logging.getLogger("tandem.dbrouter")

_pinned: ContextVar[bool] = ContextVar("tandem_pinned_to_primary", default=False)
_process_pinned = False
_down_until = 0.0
_down_lock = threading.Lock()


def pin_process_to_primary() -> None:
    """Read from the primary in this process from now on (background workers)."""
    global _process_pinned
    _process_pinned = True


@contextmanager
def pinned_to_primary() -> Iterator[None]:
    """Read from the primary inside the block (in this thread or task)."""
    token = _pinned.set(True)
    try:
        yield
    finally:
        _pinned.reset(token)


def replica_is_down() -> bool:
    return time.monotonic() < _down_until


def mark_replica_down(reason: str) -> None:
    """Read from the primary for the next ``TANDEM_REPLICA_RETRY_SECONDS``; warn once."""
    global _down_until
    retry = float(getattr(settings, "TANDEM_REPLICA_RETRY_SECONDS", 10))
    with _down_lock:
        was_down = replica_is_down()
        _down_until = time.monotonic() + retry
    with suppress(DatabaseError):  # already broken: closing it is all that was wanted
        connections[REPLICA].close()
    if not was_down:
        logger.warning(
            "The read replica is unreachable (%s); reading from the primary for the next %g s.",
            reason,
            retry,
        )


def _replica_usable() -> bool:
    if replica_is_down():
        return False
    replica = connections[REPLICA]
    if replica.connection is not None:
        return True
    try:
        replica.ensure_connection()
    except DatabaseError as error:
        mark_replica_down(str(error).strip().splitlines()[0] if str(error).strip() else "no answer")
        return False
    return True


class PrimaryReplicaRouter:
    def db_for_read(self, model: type[Model], **hints: Any) -> str:
        if _process_pinned or _pinned.get() or model._meta.app_label in PRIMARY_APPS:
            return PRIMARY
        if transaction.get_connection(PRIMARY).in_atomic_block:
            return PRIMARY
        return REPLICA if _replica_usable() else PRIMARY

    def db_for_write(self, model: type[Model], **hints: Any) -> str:
        return PRIMARY

    def allow_relation(self, obj1: Model, obj2: Model, **hints: Any) -> bool:
        # Both aliases hold the same data: a row read from the replica may point at one
        # written on the primary.
        return True

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == PRIMARY


class ReplicaMiddleware:
    """Read-your-writes and the fallback to the primary, per request (first in the list)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        writes = request.method not in SAFE_METHODS
        token = _pinned.set(writes or PIN_COOKIE in request.COOKIES)
        try:
            response = self.get_response(request)
            if response.status_code >= 500 and not _pinned.get() and self._replica_failed():
                mark_replica_down("its connection broke during a request")
                _pinned.set(True)
                response = self.get_response(request)
        finally:
            _pinned.reset(token)
        if writes:
            response.set_cookie(
                PIN_COOKIE,
                "1",
                max_age=int(getattr(settings, "TANDEM_REPLICA_PIN_SECONDS", 5)),
                httponly=True,
                samesite="Lax",
                secure=bool(getattr(settings, "SESSION_COOKIE_SECURE", False)),
            )
        return response

    @staticmethod
    def _replica_failed() -> bool:
        """Whether this request's replica connection raised a database error."""
        replica = connections[REPLICA]
        return bool(replica.errors_occurred) and (
            replica.connection is None or not replica.is_usable()
        )
