"""A small company in a chosen time zone, for reminders that travel in time.

``crew(tz)`` builds an organisation in ``tz`` with an owner, a team lead (Lena), two
members (Mia and Max) in the Sales team, and one active cycle per DST season around
the dates the tests travel to: autumn 2026 and spring 2027. Mia and Max each own one
key result in each cycle. Reminders are switched on with the defaults (Friday 10:00).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from tandem.accounts import services as accounts
from tandem.accounts.models import Organization, Role, Team, User
from tandem.notifications import services as notifications
from tandem.okrs import services as okrs
from tandem.okrs.models import Cycle, KeyResult
from tests.conftest import make_user


@dataclass
class Crew:
    org: Organization
    owner: User
    lead: User
    mia: User
    max: User
    team: Team
    autumn: Cycle
    spring: Cycle
    krs: dict[tuple[str, str], KeyResult]

    def kr(self, person: str, season: str) -> KeyResult:
        return self.krs[(person, season)]


def build_crew(tz: str) -> Crew:
    slug = tz.split("/")[-1].lower()
    owner = make_user(f"owner@{slug}.test", "Olga Owner")
    org = accounts.organization_create(name=f"Crew {slug}", owner=owner, timezone=tz)
    people = {}
    for key, name in (("lead", "Lena Lead"), ("mia", "Mia Member"), ("max", "Max Member")):
        user = make_user(f"{key}@{slug}.test", name)
        accounts.membership_add(organization=org, user=user, role=Role.MEMBER, by=owner)
        people[key] = user
    team = accounts.team_create(organization=org, name="Sales", by=owner)
    accounts.team_add_member(team=team, user=people["lead"], is_lead=True, by=owner)
    accounts.team_add_member(team=team, user=people["mia"], by=owner)
    accounts.team_add_member(team=team, user=people["max"], by=owner)
    cycles = {
        "autumn": (dt.date(2026, 10, 1), dt.date(2026, 12, 31)),
        "spring": (dt.date(2027, 1, 1), dt.date(2027, 6, 30)),
    }
    made: dict[str, Cycle] = {}
    krs: dict[tuple[str, str], KeyResult] = {}
    for season, (start, end) in cycles.items():
        cycle = okrs.cycle_create(
            organization=org,
            name=season.title(),
            start_date=start,
            end_date=end,
            state=Cycle.State.ACTIVE,
            by=owner,
        )
        made[season] = cycle
        objective = okrs.objective_create(
            organization=org,
            cycle=cycle,
            owner_team=team,
            title=f"Win the region ({season})",
            by=owner,
        )
        for person in ("mia", "max"):
            krs[(person, season)] = okrs.key_result_create(
                objective=objective,
                title=f"{person.title()}'s signed contracts ({season})",
                baseline=Decimal(0),
                target=Decimal(100),
                owner=people[person],
                by=owner,
            )
    notifications.reminder_settings_update(organization=org, by=owner)
    return Crew(
        org=org,
        owner=owner,
        lead=people["lead"],
        mia=people["mia"],
        max=people["max"],
        team=team,
        autumn=made["autumn"],
        spring=made["spring"],
        krs=krs,
    )


@pytest.fixture
def crew(db: None) -> Callable[[str], Crew]:
    return build_crew


def run_worker(now: dt.datetime) -> str:
    """One round of ``tandem worker`` as if it were ``now``: tick, then run every task."""
    out = io.StringIO()
    call_command("worker", "--once", "--now", now.isoformat(), stdout=out)
    return out.getvalue()


def check_in(kr: KeyResult, value: str, at: dt.datetime) -> None:
    okrs.key_result_check_in(key_result=kr, value=value, confidence=7, by=kr.owner, at=at)


@dataclass
class Hook:
    """A local HTTP server standing in for a chat's incoming webhook."""

    url: str
    stop: Callable[[], None] = lambda: None
    received: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)


@pytest.fixture
def chat_webhook(settings) -> Iterator[Hook]:
    hook = Hook(url="")

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            hook.received.append(json.loads(self.rfile.read(length)))
            hook.headers.append(dict(self.headers.items()))
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.end_headers()
            self.wfile.write(b"ok")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.TANDEM_OUTBOUND_ALLOWED_HOSTS = ["127.0.0.1"]
    hook.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/T000/B000"
    stopped = False

    def stop() -> None:
        nonlocal stopped
        if not stopped:
            server.shutdown()
            server.server_close()
            stopped = True

    hook.stop = stop
    try:
        yield hook
    finally:
        stop()


@pytest.fixture
def client_for() -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
