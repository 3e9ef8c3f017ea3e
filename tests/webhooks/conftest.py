"""A real webhook receiver on 127.0.0.1 that checks every signature as a customer's would.

``receiver.fail_first`` makes the next N requests answer 500; ``receiver.hang`` makes
requests wait that many seconds before answering. Each request received is kept in
``receiver.received`` with its headers, its body, and whether its signature was right.
The receiver is reachable only because the tests allow 127.0.0.1 in
``TANDEM_OUTBOUND_ALLOWED_HOSTS`` (the ``receiver`` fixture does; ``closed_receiver``
does not).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import io
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tandem.webhooks import services as webhooks
from tandem.webhooks.models import Subscription
from tests.conftest import Cast


@dataclass
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    signature_ok: bool

    @property
    def json(self) -> dict[str, Any]:
        return json.loads(self.body)


@dataclass
class Receiver:
    host: str = "127.0.0.1"
    port: int = 0
    secrets: dict[str, str] = field(default_factory=dict)  # path -> secret
    received: list[Received] = field(default_factory=list)
    fail_first: int = 0
    hang: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/hook") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def verify(self, path: str, headers: dict[str, str], body: bytes) -> bool:
        """What a customer's receiver does (the snippet in docs/webhooks.md)."""
        secret = self.secrets.get(path)
        timestamp = headers.get("X-Tandem-Timestamp", "")
        given = headers.get("X-Tandem-Signature", "")
        if secret is None or not timestamp.isdigit():
            return False
        if abs(time.time() - int(timestamp)) > 300:
            return False
        mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
        return hmac.compare_digest(given, "sha256=" + mac.hexdigest())


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            headers = dict(self.headers.items())
            with receiver.lock:
                receiver.received.append(
                    Received(self.path, headers, body, receiver.verify(self.path, headers, body))
                )
                failing = receiver.fail_first > 0
                if failing:
                    receiver.fail_first -= 1
            if receiver.hang:
                time.sleep(receiver.hang)
            status, answer = (500, b"receiver is down") if failing else (200, b"ok")
            try:
                self.send_response(status)
                self.send_header("Content-Type", "text/plain")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)
            except OSError:
                pass  # Tandem gave up waiting and closed the connection

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def closed_receiver() -> Iterator[Receiver]:
    """The receiver, not on the allow-list."""
    state = Receiver()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    httpd.daemon_threads = True
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture
def receiver(closed_receiver: Receiver, settings) -> Receiver:
    settings.TANDEM_OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    settings.TANDEM_WEBHOOK_TIMEOUT_SECONDS = 1.0
    return closed_receiver


def subscribe(
    cast: Cast, receiver: Receiver, events: list[str], path: str = "/hook"
) -> Subscription:
    subscription, secret = webhooks.subscription_create(
        organization=cast.org, url=receiver.url(path), events=events, by=cast.admin
    )
    receiver.secrets[path] = secret
    return subscription


def run_worker() -> str:
    out = io.StringIO()
    call_command("worker", "--once", "--queue", "webhooks", stdout=out)
    return out.getvalue()


def move_retries_forward() -> int:
    """Make every waiting webhook task due now, as if its delay had passed."""
    past = timezone.now() - dt.timedelta(seconds=1)
    return DBTaskResult.objects.filter(
        queue_name="webhooks", status="READY", run_after__gt=past
    ).update(run_after=past)


@pytest.fixture
def client_for(cast: Cast):
    """A test client logged in as one of the cast."""
    from django.test import Client

    def make(user) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
