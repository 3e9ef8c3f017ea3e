"""One world per test module for the security tests, and a rollback around each test.

The isolation matrix makes about a thousand requests; building the cast for each
would cost more than the requests. ``world`` builds it once per module inside an
open transaction, and ``rolled_back`` wraps every test in a savepoint that is rolled
back, so a request that deletes or archives something leaves the next test the
same world. Nothing outlives the module: its transaction is rolled back too.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY
from django.contrib.auth import SESSION_KEY as AUTH_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.db import transaction
from django.test import Client

from tandem.accounts import services as accounts
from tandem.accounts import tokens
from tandem.accounts.models import Organization, Role, Team, User
from tandem.api.models import ApiToken
from tandem.api.services import api_token_create
from tandem.kpis import services as kpis
from tandem.kpis.models import KPI, ObjectiveKPI
from tandem.okrs import services as okrs
from tandem.okrs.models import Alignment, Cycle, Initiative, KeyResult, Objective
from tandem.reports.services import strategic_plan_save
from tests.conftest import build_cast

ROLES = ("owner", "admin", "editor", "member", "viewer")


@dataclass
class World:
    """The cast of ``tests/conftest.py`` (same people, team and objective), plus one of
    every object a route can name, a session and an API token per person."""

    org: Organization
    other_org: Organization
    people: dict[str, User]
    company: Team
    team: Team
    other_team: Team
    cycle: Cycle
    objective: Objective
    kr: KeyResult
    parent: Objective
    alignment: Alignment
    initiative: Initiative
    kpi: KPI
    link: ObjectiveKPI
    sessions: dict[str, str] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)

    def __getattr__(self, name: str) -> Any:
        # Objects other engineers' routes name (webhooks, invitations...) live in extra.
        extra = self.__dict__.get("extra", {})
        if name in extra:
            return extra[name]
        raise AttributeError(name)

    @property
    def owner(self) -> User:
        return self.people["owner"]

    @property
    def member(self) -> User:
        return self.people["member"]

    def client(self, role: str) -> Client:
        """A client logged in as ``role`` (``anonymous``: nobody); a fresh cookie jar."""
        client = Client()
        if role != "anonymous":
            client.cookies[settings.SESSION_COOKIE_NAME] = self.sessions[role]
        return client


def _session_for(user: User) -> str:
    store = SessionStore()
    store[AUTH_SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = settings.AUTHENTICATION_BACKENDS[0]
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    assert store.session_key is not None
    return store.session_key


def _extras(world: World) -> None:
    """Objects of the routes other engineers add; each only once its app has it."""
    org, owner = world.org, world.owner
    try:
        from tandem.webhooks.models import Delivery, Subscription
    except ImportError:  # pragma: no cover - before webhooks land
        pass
    else:
        hook = Subscription.objects.create(
            organization=org, url="https://hooks.acme.test/tandem", secret="s" * 40, events=[]
        )
        world.extra["webhook"] = hook
        world.extra["delivery"] = Delivery.objects.create(
            organization=org, subscription=hook, event="ping", payload={}
        )
    if hasattr(accounts, "invitation_create"):
        invitation = accounts.invitation_create(
            organization=org, email="newcomer@acme.test", role=Role.MEMBER, by=owner
        )
        world.extra["invitation"] = invitation
        world.extra["invitation_token"] = tokens.invitation_token(invitation)
    world.extra["viewer_membership"] = org.memberships.get(user=world.people["viewer"])
    world.extra["member_token"] = ApiToken.objects.get(organization=org, user=world.member)
    from tandem.scim.services import scim_token_create

    world.extra["scim_token"] = scim_token_create(organization=org, name="Okta", by=owner)[0]
    world.extra["empty_team"] = accounts.team_create(
        organization=org, name="Former projects", parent=world.company, by=owner
    )
    from tandem.integrations.pulls import data_source_save

    # A pull that fails when run (the file is missing): enough to address it.
    data_source_save(
        kpi=world.kpi,
        by=owner,
        data={"kind": "sql", "url": "sqlite:///missing.sqlite3", "query": "SELECT day, n FROM t"},
    )
    world.extra["parent_kr"] = okrs.key_result_create(
        objective=world.parent, title="Open two offices", kind="milestone", by=owner
    )
    # The quarter before, closed: an objective whose score may be adjusted.
    last_end = world.cycle.start_date - dt.timedelta(days=1)
    last = okrs.cycle_create(
        organization=org,
        name="Last quarter",
        start_date=last_end.replace(day=1) - dt.timedelta(days=62),
        end_date=last_end,
        by=owner,
    )
    world.extra["closed_objective"] = okrs.objective_create(
        organization=org, cycle=last, owner_team=world.team, title="Win back lapsed", by=owner
    )
    okrs.cycle_close(cycle=last, by=owner)
    # The first day of this week (the organisation's weeks start on Monday): a weekly
    # KPI's period.
    today = org.today()
    monday = today - dt.timedelta(days=today.weekday())
    world.extra["week"] = monday.isoformat()
    # A KPI of Sales far from its target, to promote or link; another already promoted.
    last_week = monday - dt.timedelta(days=7)
    for name, extra in (("Win rate", "promotable"), ("Uptime", "promoted")):
        made = kpis.kpi_create(
            organization=org, name=name, owner_team=world.team, target="100", by=owner
        )
        kpis.measurement_record(kpi=made, period_start=last_week, value="40", by=owner)
        world.extra[extra] = KPI.objects.get(pk=made.pk)
    kpis.kpi_promote(kpi=world.promoted, cycle=world.cycle, by=owner)
    # The strategic plan, in both organisations: each reads its own.
    world.extra["plan"] = strategic_plan_save(
        organization=org, by=owner, purpose="Keep every client's IT running."
    )
    strategic_plan_save(
        organization=world.other_org,
        by=world.people["outsider"],
        purpose="Globex's own purpose.",
    )


def build_world() -> World:
    cast = build_cast()
    org, owner, team, company, objective = (
        cast.org,
        cast.owner,
        cast.team,
        cast.company,
        cast.objective,
    )
    people: dict[str, User] = {
        "owner": cast.owner,
        "admin": cast.admin,
        "editor": cast.editor,
        "member": cast.member,
        "viewer": cast.viewer,
        "outsider": cast.outsider,
    }
    other_org, other_team, cycle, kr = cast.other_org, cast.other_team, cast.cycle, cast.kr
    parent = okrs.objective_create(
        organization=org, cycle=cycle, owner_team=company, by=owner, title="Grow the company"
    )
    alignment = okrs.alignment_add(objective=objective, parent_objective=parent, by=owner)
    initiative = okrs.initiative_create(objective=objective, title="Call every lead", by=owner)
    kpi = kpis.kpi_create(
        organization=org, name="Revenue", key="revenue", owner_team=team, target="100", by=owner
    )
    link = kpis.objective_link_kpi(objective=objective, kpi=kpi, role="guardrail", by=owner)
    world = World(
        org=org,
        other_org=other_org,
        people=people,
        company=company,
        team=team,
        other_team=other_team,
        cycle=cycle,
        objective=objective,
        kr=kr,
        parent=parent,
        alignment=alignment,
        initiative=initiative,
        kpi=kpi,
        link=link,
    )
    for name, user in people.items():
        world.sessions[name] = _session_for(user)
        _, secret = api_token_create(
            user=user,
            organization=other_org if name == "outsider" else org,
            name=f"{name} token",
            scope="write",
            expires_on=None,
            by=user,
        )
        world.tokens[name] = secret
    _extras(world)
    return world


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    with django_db_blocker.unblock(), transaction.atomic():
        built = build_world()
        yield built
        transaction.set_rollback(True)


@pytest.fixture
def rolled_back(world: World, django_db_blocker: Any) -> Iterator[World]:
    """``world``, with whatever the test writes undone after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield world
        transaction.set_rollback(True)
