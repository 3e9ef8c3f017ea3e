"""A real HTTP server on 127.0.0.1 for the pulls and the outbound guard.

Each test puts what the server answers in ``server.routes``: path -> (status, content
type, body). The server runs in a thread for the test and is allowed through the
``TANDEM_OUTBOUND_ALLOWED_HOSTS`` setting only when a test asks for ``allowed_server``.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest


@dataclass
class Server:
    host: str
    port: int
    routes: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)
    requests: list[dict[str, str]] = field(default_factory=list)

    def url(self, path: str) -> str:
        return f"http://{self.host}:{self.port}{path}"

    def serve(self, path: str, body: str | bytes, *, status: int = 200, kind: str = "") -> str:
        data = body.encode() if isinstance(body, str) else body
        self.routes[path] = (status, kind or "application/json", data)
        return self.url(path)


def _handler(server: Server) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            server.requests.append({"path": self.path, **dict(self.headers.items())})
            status, kind, body = server.routes.get(self.path, (404, "text/plain", b"no such page"))
            self.send_response(status)
            self.send_header("Content-Type", kind)
            if status in (301, 302):
                self.send_header("Location", body.decode())
                body = b""
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def server() -> Iterator[Server]:
    state = Server(host="127.0.0.1", port=0)
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.port = httpd.server_address[1]
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(5)


@pytest.fixture
def allowed_server(server: Server, settings) -> Server:
    settings.TANDEM_OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    return server


@pytest.fixture
def sources_dir(tmp_path, settings):
    """Where SQLite sources must live: ``<TANDEM_DATA_DIR>/sources``."""
    settings.DATA_DIR = tmp_path
    folder = tmp_path / "sources"
    folder.mkdir()
    return folder


@pytest.fixture
def client_for(cast):
    """A test client logged in as one of the cast."""
    from django.test import Client

    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make
