"""Tandem across several processes and machines' worth of services, all real, on 127.0.0.1.

These tests need what ``scripts/ci-distributed`` starts: the test database on a
PostgreSQL primary (``DATABASE_URL``) and a hot-standby replica streaming from it
(``TANDEM_TEST_REPLICA_PORT``, ``TANDEM_TEST_REPLICA_DATA``, ``TANDEM_TEST_PG_BIN``,
``TANDEM_TEST_PG_USER``), and Debian's ``redis-server``, which the ``redis_url`` fixture
starts itself. Unless ``TANDEM_TEST_DISTRIBUTED`` is set, every test here is skipped, as
in ``make test``; with ``TANDEM_TEST_DISTRIBUTED=required`` (the CI stage) a missing
service fails the test instead.

``tandem_server`` starts ``tandem serve`` processes on free ports over the test
database; ``Browser`` is a person's browser (cookies, CSRF token) against one of them.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from django.db import connection

from tests.conftest import PASSWORD
from tests.integrations.pulls.conftest import allowed_server, server  # noqa: F401  (fixtures)
from tests.webhooks.conftest import closed_receiver, receiver  # noqa: F401  (fixtures)

ROOT = Path(__file__).resolve().parents[2]
TANDEM = Path(sys.executable).parent / "tandem"
HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if HERE in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.distributed)


def unavailable(reason: str) -> None:
    if os.environ.get("TANDEM_TEST_DISTRIBUTED") == "required":
        pytest.fail(f"the distributed stage lacks a service: {reason}")
    pytest.skip(f"{reason} (scripts/ci-distributed starts it)")


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def on_postgresql() -> None:
    if not os.environ.get("TANDEM_TEST_DISTRIBUTED"):
        pytest.skip("the distributed stage's services are not set up (scripts/ci-distributed)")
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        unavailable("DATABASE_URL is not a PostgreSQL primary")


@pytest.fixture
def database(on_postgresql: None, transactional_db: None) -> dict[str, str]:
    """The test database's connection settings; committed rows are seen by every process."""
    settings = connection.settings_dict
    return {
        "name": str(settings["NAME"]),
        "host": str(settings["HOST"] or "127.0.0.1"),
        "port": str(settings["PORT"] or 5432),
        "user": str(settings["USER"] or "postgres"),
    }


def primary_url(database: dict[str, str]) -> str:
    return f"postgres://{database['user']}@{database['host']}:{database['port']}/{database['name']}"


@dataclass
class Replica:
    """The streaming replica of the test database, and the switches the tests pull."""

    database: dict[str, str]
    port: int
    data: str
    pg_bin: str
    pg_user: str

    @property
    def url(self) -> str:
        d = self.database
        return f"postgres://{d['user']}@127.0.0.1:{self.port}/{d['name']}"

    def query(self, sql: str, *params: Any) -> list[tuple[Any, ...]]:
        with psycopg.connect(
            host="127.0.0.1",
            port=self.port,
            user=self.database["user"],
            dbname=self.database["name"],
            autocommit=True,
            connect_timeout=5,
        ) as conn:
            return list(conn.execute(sql, params).fetchall())

    def catch_up(self, timeout: float = 30) -> None:
        """Wait until the replica has replayed everything the primary has written."""
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            lsn = cursor.fetchone()[0]
        deadline = time.monotonic() + timeout
        while not self.query("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", lsn)[0][0]:
            assert time.monotonic() < deadline, f"the replica did not reach {lsn}"
            time.sleep(0.05)

    def pause(self) -> None:
        self.query("SELECT pg_wal_replay_pause()")

    def resume(self) -> None:
        self.query("SELECT pg_wal_replay_resume()")

    def _ctl(self, *args: str) -> None:
        command = [f"{self.pg_bin}/pg_ctl", "-D", self.data, *args]
        if os.geteuid() == 0 and self.pg_user != "root":
            command = ["runuser", "-u", self.pg_user, "--", *command]
        subprocess.run(command, check=True, capture_output=True, timeout=60)

    def stop(self) -> None:
        self._ctl("-m", "fast", "-w", "stop")

    def start(self) -> None:
        options = f"-h 127.0.0.1 -p {self.port} -k {Path(self.data).parent} -c fsync=off"
        self._ctl("-w", "-l", f"{self.data}.log", "-o", options, "start")

    def is_running(self) -> bool:
        return Path(self.data, "postmaster.pid").exists()


@pytest.fixture
def replica(database: dict[str, str]) -> Iterator[Replica]:
    port = os.environ.get("TANDEM_TEST_REPLICA_PORT", "")
    data = os.environ.get("TANDEM_TEST_REPLICA_DATA", "")
    if not (port and data):
        unavailable("no streaming replica (TANDEM_TEST_REPLICA_PORT, TANDEM_TEST_REPLICA_DATA)")
    state = Replica(
        database=database,
        port=int(port),
        data=data,
        pg_bin=os.environ.get("TANDEM_TEST_PG_BIN", ""),
        pg_user=os.environ.get("TANDEM_TEST_PG_USER", "postgres"),
    )
    assert state.query("SELECT pg_is_in_recovery()") == [(True,)], "not a standby"
    state.catch_up()
    yield state
    # Leave it running and replaying for the next test, whatever this one did.
    if not state.is_running():
        state.start()
    state.resume()
    state.catch_up()


@pytest.fixture
def redis_url(on_postgresql: None, tmp_path: Path) -> Iterator[str]:
    """A redis-server of the test's own, on a free port, without persistence."""
    binary = shutil.which("redis-server")
    if binary is None:
        unavailable("redis-server is not installed")
    assert binary is not None
    port = int(os.environ.get("TANDEM_TEST_REDIS_PORT", "0")) or free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 20
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as probe:
                probe.sendall(b"PING\r\n")
                if probe.recv(16).startswith(b"+PONG"):
                    break
        except OSError:
            pass
        assert process.poll() is None, "redis-server exited"
        assert time.monotonic() < deadline, "redis-server did not answer"
        time.sleep(0.05)
    try:
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        process.terminate()
        process.wait(timeout=20)


def process_env(tmp_path: Path, database: dict[str, str], **extra: str) -> dict[str, str]:
    """The environment of a Tandem process over the test database (and the test settings,
    whose password hasher made the cast's passwords)."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("TANDEM_", "DJANGO_")) and k != "DATABASE_URL"
    }
    env.update(
        DJANGO_SETTINGS_MODULE="tests.settings",
        PYTHONPATH=str(ROOT),
        TANDEM_DATA_DIR=str(tmp_path),
        TANDEM_DEBUG="1",
        TANDEM_SECRET_KEY="tandem-distributed-test-secret-key-0123456789",
        DATABASE_URL=primary_url(database),
    )
    env.update(extra)
    return env


@dataclass
class Server:
    base: str
    log: Path
    process: subprocess.Popen[bytes]

    def log_text(self) -> str:
        return self.log.read_text(errors="replace")


@pytest.fixture
def tandem_server(tmp_path: Path, database: dict[str, str]) -> Iterator[Callable[..., Server]]:
    """Start ``tandem serve`` on a free port over the test database, with ``extra`` env."""
    servers: list[Server] = []

    def start(**extra: str) -> Server:
        port = free_port()
        log = tmp_path / f"serve-{port}.log"
        process = subprocess.Popen(
            [str(TANDEM), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"],
            env=process_env(tmp_path, database, **extra),
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
        )
        app = Server(f"http://127.0.0.1:{port}", log, process)
        servers.append(app)
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{app.base}/login/", timeout=5).status_code == 200:
                    return app
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(app.log_text())
            time.sleep(0.2)

    yield start
    for started in servers:
        started.process.terminate()
    for started in servers:
        try:
            started.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            started.process.kill()
            started.process.wait()


_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


@dataclass
class Browser:
    """One person's browser: its cookies go to whichever server it talks to."""

    cookies: httpx.Cookies = field(default_factory=httpx.Cookies)

    def request(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        with httpx.Client(cookies=self.cookies, timeout=30) as client:
            response = client.request(method, url, **kwargs)
            self.cookies = client.cookies
            return response

    def get(self, url: str) -> httpx.Response:
        return self.request("GET", url)

    def token(self, url: str) -> str:
        """The CSRF token of the form on the page at ``url``."""
        page = self.get(url)
        assert page.status_code == 200, (url, page.status_code)
        found = _TOKEN.search(page.text)
        assert found is not None, f"no form with a CSRF token on {url}"
        return found.group(1)

    def post(self, url: str, data: dict[str, str], *, token: str) -> httpx.Response:
        return self.request(
            "POST", url, data={"csrfmiddlewaretoken": token, **data}, headers={"Referer": url}
        )

    def log_in(self, base: str, email: str) -> None:
        token = self.token(f"{base}/login/")
        answer = self.post(f"{base}/login/", {"username": email, "password": PASSWORD}, token=token)
        assert answer.status_code == 302, answer.text[:500]
        assert answer.headers["Location"] == "/"

    def forget(self, name: str) -> None:
        """Drop a cookie, as the browser does when it expires."""
        for cookie in list(self.cookies.jar):
            if cookie.name == name:
                self.cookies.jar.clear(cookie.domain, cookie.path, cookie.name)
