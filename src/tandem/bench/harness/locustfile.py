"""Locust's side of ``loadtest.py``: requests at a fixed rate, whatever the answers.

Run by ``loadtest.py`` in a process of its own (``nice``, its own virtualenv,
no Django), one run per scenario and rate::

    locust -f src/tandem/bench/harness/locustfile.py --headless -u 1 -r 1 --run-time 5m

with ``LOAD_SPEC`` (a JSON file: the server's address, tokens, paths, the bulk
rows), ``LOAD_SCENARIO`` (``reads``, ``baseline`` or ``bulk``), ``LOAD_RATE``
(requests per second), ``LOAD_SECONDS`` and ``LOAD_OUT`` (where the figures go).

The single user is an open loop: it starts request *i* at ``i / rate`` seconds on
its own greenlet, never waiting for an earlier answer, so a slow server does not
slow the sender and queueing shows in the latencies. Each latency counts from the
request's due time (not from when it left), so a generator that falls behind is
counted against the server, never hidden; how late requests left is recorded too.
Locust's own statistics (from the moment each request left) are kept beside them.
"""

from __future__ import annotations

import json
import math
import os
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import gevent
from gevent.pool import Group
from locust import FastHttpUser, constant, task

SPEC: dict[str, Any] = json.loads(Path(os.environ["LOAD_SPEC"]).read_text())
SCENARIO = os.environ["LOAD_SCENARIO"]
RATE = float(os.environ["LOAD_RATE"])
SECONDS = float(os.environ["LOAD_SECONDS"])
OUT = Path(os.environ["LOAD_OUT"])


def _percentile(values: list[float], share: float) -> float | None:
    """Nearest rank, as ``scenarios.percentile``."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(1, math.ceil(share * len(ordered))) - 1]


class OpenLoop(FastHttpUser):
    host = SPEC["base"]
    wait_time = constant(0)
    # Connections the user may hold at once: enough that a request never waits for
    # one (a wait would be the generator's, not the server's).
    concurrency = 400
    network_timeout = 60.0
    connection_timeout = 60.0

    @task
    def open_loop(self) -> None:
        total = max(1, round(RATE * SECONDS))
        latencies: list[float] = []
        lags: list[float] = []
        failures: list[str] = []
        group = Group()
        began = time.perf_counter()
        for index in range(total):
            due = began + index / RATE
            delay = due - time.perf_counter()
            if delay > 0:
                gevent.sleep(delay)
            group.spawn(self._one, index, due, latencies, lags, failures)
        group.join()
        # The run lasts at least its schedule: a few slow posts at a low rate do not
        # make the achieved rate look higher than the offered one.
        seconds = max(time.perf_counter() - began, total / RATE)
        stats = self.environment.stats.total
        OUT.write_text(
            json.dumps(
                {
                    "scenario": SCENARIO,
                    "offered_rate": RATE,
                    "sent": total,
                    "ok": len(latencies),
                    "failures": len(failures),
                    "failure_examples": sorted(set(failures))[:5],
                    "seconds": seconds,
                    "achieved_rate": len(latencies) / seconds if seconds else 0.0,
                    "latencies_ms": [round(x * 1000, 3) for x in latencies],
                    "p50_ms": _ms(_percentile(latencies, 0.50)),
                    "p99_ms": _ms(_percentile(latencies, 0.99)),
                    "max_send_lag_ms": _ms(max(lags, default=0.0)),
                    "locust_p50_ms": stats.get_response_time_percentile(0.5),
                    "locust_p99_ms": stats.get_response_time_percentile(0.99),
                    "locust_requests": stats.num_requests,
                    "locust_failures": stats.num_failures,
                }
            )
        )
        runner = self.environment.runner
        assert runner is not None
        gevent.spawn(runner.quit)
        gevent.sleep(60)

    def _one(
        self,
        index: int,
        due: float,
        latencies: list[float],
        lags: list[float],
        failures: list[str],
    ) -> None:
        lags.append(time.perf_counter() - due)
        try:
            if SCENARIO == "bulk":
                body = _bulk_body(index)
                name = "POST /api/v1/measurements/bulk"
                with self.client.post(
                    SPEC["bulk_path"],
                    data=body,
                    headers={**SPEC["bulk_headers"], "content-type": "application/json"},
                    name=name,
                    catch_response=True,
                ) as response:
                    # Every row carries a new value: an answer that stored fewer is wrong.
                    ok = response.status_code == 200 and response.json()["unchanged"] == 0
                    if not ok:
                        response.failure(f"{response.status_code}")
            else:
                path = SPEC["reads_path"] if SCENARIO == "reads" else SPEC["baseline_path"]
                with self.client.get(
                    path, headers=SPEC["read_headers"], name=SCENARIO, catch_response=True
                ) as response:
                    ok = response.status_code == 200
                    if not ok:
                        response.failure(f"{response.status_code}")
            if not ok:
                failures.append(f"{response.status_code} {(response.text or '')[:200]}")
        except Exception as exc:  # a refused or dropped connection is a failed request
            ok = False
            failures.append(f"{type(exc).__name__}: {exc}")
        if ok:
            latencies.append(time.perf_counter() - due)


def _ms(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds * 1000, 3)


def _bulk_body(index: int) -> str:
    """Post ``index``: corrections of one group's rows, each to a value not stored yet.

    Posts take turns over groups of different KPIs (as different senders would), so
    two posts in flight at once rarely wait on each other's rows.
    """
    groups = SPEC["bulk_groups"]
    offset = Decimal(SPEC["bulk_first_offset"] + index + 1)
    rows = [
        {"kpi": kpi, "period_start": period, "value": str(Decimal(value) + offset)}
        for kpi, period, value in groups[index % len(groups)]
    ]
    return json.dumps({"rows": rows})
