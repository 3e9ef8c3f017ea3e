"""API throughput under concurrency: Tandem behind gunicorn, requests at a constant rate.

``serve()`` starts ``tandem serve`` (gunicorn, as in production) on a free loopback
port with the bench's database; ``constant_rate()`` sends requests at a fixed rate
whatever the answers' speed (an open loop: a slow server does not slow the
sender, so queueing shows in the latencies) from a pool of threads, each with its
own keep-alive ``httpx`` connection. A latency runs from when the request was due
to be sent, not from when a free thread sent it, so falling behind is counted.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tandem.bench.harness import ROOT


@dataclass
class Run:
    """What one constant-rate run measured."""

    offered_rate: float
    sent: int = 0
    latencies: list[float] = field(default_factory=list)  # seconds, successful requests
    failures: int = 0
    seconds: float = 0.0

    @property
    def achieved_rate(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@contextlib.contextmanager
def serve(
    *, data_dir: Path, database_url: str, workers: int | None = 2, threads: int | None = 4
) -> Iterator[str]:
    """Run ``tandem serve`` with ``harness/settings.py``; yield its base URL, stop it after.
    ``None`` leaves the workers or threads to ``tandem serve`` (sized for the cores)."""
    port = _free_port()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tandem.bench.harness.settings",
        "TANDEM_DATA_DIR": str(data_dir),
    }
    if database_url:
        env["DATABASE_URL"] = database_url
    else:
        env.pop("DATABASE_URL", None)
    log = (data_dir / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "django",
            "serve",
            "--port",
            str(port),
            *(["--workers", str(workers)] if workers is not None else []),
            *(["--threads", str(threads)] if threads is not None else []),
        ],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"tandem serve stopped (see {data_dir / 'gunicorn.log'})")
            try:
                httpx.get(f"{base}/login/", timeout=2)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise RuntimeError("tandem serve did not answer within 2 minutes") from None
                time.sleep(0.25)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


def constant_rate(
    url: str,
    *,
    rate: float,
    seconds: float,
    headers: dict[str, str] | None = None,
    concurrency: int = 32,
) -> Run:
    """GET ``url`` ``rate`` times a second for ``seconds`` seconds."""
    total = max(1, round(rate * seconds))
    run = Run(offered_rate=rate, sent=total)
    lock = threading.Lock()
    next_index = [0]
    began = time.perf_counter()

    def worker() -> None:
        with httpx.Client(headers=headers, timeout=30) as client:
            while True:
                with lock:
                    index = next_index[0]
                    next_index[0] += 1
                if index >= total:
                    return
                due = began + index / rate
                wait = due - time.perf_counter()
                if wait > 0:
                    time.sleep(wait)
                try:
                    response = client.get(url)
                    ok = response.status_code == 200
                except httpx.HTTPError:
                    ok = False
                spent = time.perf_counter() - due
                with lock:
                    if ok:
                        run.latencies.append(spent)
                    else:
                        run.failures += 1

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    run.seconds = time.perf_counter() - began
    return run


RATES = (25.0, 50.0, 100.0)


def throughput(
    summary: object,
    *,
    data_dir: Path,
    database_url: str,
    seconds: float,
    rates: tuple[float, ...] = RATES,
) -> list[object]:
    """A result per offered rate: a team's objectives of the current cycle through the
    API (``GET /api/v1/objectives?team=&cycle=``) with a read token, and as baseline
    the same number of requests at the same rate to the cheapest authenticated route,
    ``GET /api/v1/cycles/<id>`` (the token check and one row), on the same server."""
    import datetime as dt

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from tandem.api.services import api_token_create
    from tandem.audit.models import Source as AuditSource
    from tandem.bench.harness.kpi_scenarios import owner_of
    from tandem.bench.harness.scenarios import new_result, pick_team

    picked = pick_team(summary)  # type: ignore[arg-type]
    owner = owner_of(summary)  # type: ignore[arg-type]
    _, secret = api_token_create(
        user=owner,
        organization=picked.organization,
        name=f"Bench load {dt.datetime.now(dt.UTC):%H:%M:%S.%f}",
        scope="read",
        expires_on=None,
        by=owner,
        source=AuditSource.API,
    )
    headers = {"authorization": f"Bearer {secret}"}
    path = f"/api/v1/objectives?team={picked.team.pk}&cycle={picked.cycle.pk}"
    trivial = f"/api/v1/cycles/{picked.cycle.pk}"
    client = Client()
    with CaptureQueriesContext(connection) as reading:
        answer = client.get(path, headers=headers)
    with CaptureQueriesContext(connection) as cheap:
        client.get(trivial, headers=headers)
    if answer.status_code != 200:
        raise RuntimeError(f"GET {path} answered {answer.status_code}")
    objectives = len(answer.json().get("items", []))
    connection.close()  # the server's workers write beside us; hold no lock
    results: list[object] = []
    with serve(data_dir=data_dir, database_url=database_url) as base:
        # A warm-up: every worker process imports and connects once before timing.
        constant_rate(base + path, rate=10, seconds=2, headers=headers)
        for rate in rates:
            work = constant_rate(base + path, rate=rate, seconds=seconds, headers=headers)
            easy = constant_rate(base + trivial, rate=rate, seconds=seconds, headers=headers)
            result = new_result("api_throughput", f"API: a team's objectives at {rate:g} req/s")
            result.size = (
                f"{objectives} objectives of {picked.team.name}; gunicorn 2 workers x 4 threads; "
                f"{work.sent} requests, achieved {work.achieved_rate:.1f} req/s "
                f"(baseline {easy.achieved_rate:.1f})"
            )
            result.times = work.latencies
            result.baseline_times = easy.latencies
            result.queries = len(reading.captured_queries)
            result.baseline_queries = len(cheap.captured_queries)
            result.extra = {
                "offered_rate": rate,
                "achieved_rate": round(work.achieved_rate, 1),
                "baseline_achieved_rate": round(easy.achieved_rate, 1),
                "failures": work.failures,
                "baseline_failures": easy.failures,
                "baseline_route": trivial.rsplit("/", 1)[0] + "/<id>",
            }
            if work.failures or easy.failures:
                result.note = f"{work.failures} failed requests ({easy.failures} baseline)"
            results.append(result)
    return results
