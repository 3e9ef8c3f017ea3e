"""Random people of two organisations do random things; Tandem's invariants hold throughout.

A hypothesis state machine plays sequences of creates, check-ins, measurements, role
changes and deletions by people of Acme (owner, admin, editor, member, viewer) and of
Globex (owner, member), some on the other organisation's objects. Writes go through
``/api/v1`` with each person's token and Django's test client, so the real permission
checks decide (the same functions the pages use), end to end; role changes go through
``accounts.services.membership_set_role``, which checks who may change roles itself.
The machine does not predict who is allowed what (the rules belong to
``tandem.access.permissions``); it checks what must hold whatever the rules say:

- nothing is ever a 5xx; another organisation's object is always 404; a viewer changes
  nothing;
- every accepted change writes exactly one audit record, naming it; a refused action
  writes nothing at all, audit included;
- the selectors of one organisation never return the other's rows, nor do its lists
  in the API;
- a key result's current value is its latest check-in's value.

Each example runs in a savepoint rolled back at its end. ``TANDEM_STATEFUL_EXAMPLES``
and ``TANDEM_STATEFUL_STEPS`` make a longer run locally::

    TANDEM_STATEFUL_EXAMPLES=500 TANDEM_STATEFUL_STEPS=50 \\
        .venv/bin/pytest -p no:xdist tests/security/test_stateful_services.py
"""

from __future__ import annotations

import datetime as dt
import json
import os
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    consumes,
    invariant,
    rule,
    run_state_machine_as_test,
)

from tandem.accounts import services as accounts
from tandem.accounts.models import Membership, Organization, Role, Team, User
from tandem.api.models import Scope
from tandem.api.services import api_token_create
from tandem.audit.models import AuditEvent
from tandem.kpis import selectors as kpi_selectors
from tandem.kpis import services as kpis
from tandem.kpis.models import KPI, Measurement
from tandem.okrs import selectors as okr_selectors
from tandem.okrs import services as okrs
from tandem.okrs.models import CheckIn, Cycle, KeyResult, Objective
from tests.conftest import quarter_around

EXAMPLES = int(os.environ.get("TANDEM_STATEFUL_EXAMPLES", "30"))
STEPS = int(os.environ.get("TANDEM_STATEFUL_STEPS", "20"))
ORGS = ("acme", "globex")
PEOPLE = {
    "acme": (Role.OWNER, Role.ADMIN, Role.EDITOR, Role.MEMBER, Role.VIEWER),
    "globex": (Role.OWNER, Role.MEMBER),
}
# Accepted and refused actions over the whole run, so the test fails if the machine
# only ever met refusals (or only successes) and so checked half of what it claims.
TALLY = {"accepted": 0, "refused": 0}
WRITES = (Objective, KeyResult, CheckIn, KPI, Measurement, Membership)


@dataclass(frozen=True)
class Person:
    org: str
    name: str  # the role they started with: "acme-member"
    user_id: int
    token: str


@dataclass(frozen=True)
class Thing:
    """An object created during the example: its org, API path, and database id."""

    org: str
    path: str
    pk: int


@dataclass
class World:
    orgs: dict[str, Organization]
    teams: dict[str, Team]
    cycles: dict[str, Cycle]
    kpis: dict[str, KPI]
    people: list[Person]


def _build_world() -> World:
    orgs: dict[str, Organization] = {}
    teams: dict[str, Team] = {}
    cycles: dict[str, Cycle] = {}
    found_kpis: dict[str, KPI] = {}
    people: list[Person] = []
    start, end = quarter_around(dt.datetime.now(dt.UTC).date())
    for org_name in ORGS:
        users = {
            role: accounts.user_create(
                email=f"{role}@{org_name}.test", full_name=f"{org_name} {role}", password=None
            )
            for role in PEOPLE[org_name]
        }
        owner = users[Role.OWNER]
        org = accounts.organization_create(name=org_name.title(), owner=owner)
        for role, user in users.items():
            if role != Role.OWNER:
                accounts.membership_add(organization=org, user=user, role=role, by=owner)
        team = accounts.team_create(organization=org, name=f"{org_name} sales", by=owner)
        accounts.team_add_member(team=team, user=users[Role.MEMBER], by=owner)
        cycles[org_name] = okrs.cycle_create(
            organization=org,
            name="This quarter",
            start_date=start,
            end_date=end,
            state=Cycle.State.ACTIVE,
            by=owner,
        )
        found_kpis[org_name] = kpis.kpi_create(
            organization=org, name="Churn", key="churn", owner_team=team, by=owner
        )
        for role, user in users.items():
            _, secret = api_token_create(
                user=user,
                organization=org,
                name=role,
                scope=Scope.WRITE,
                expires_on=None,
                by=user,
            )
            people.append(Person(org_name, f"{org_name}-{role}", user.pk, secret))
        orgs[org_name], teams[org_name] = org, team
    return World(orgs, teams, cycles, found_kpis, people)


def _week(org: Organization, weeks_ago: int) -> dt.date:
    today = timezone.now().astimezone(org.tz).date()
    monday = today - dt.timedelta(days=(today.isoweekday() - org.week_start) % 7)
    return monday - dt.timedelta(weeks=weeks_ago)


class TandemUnderAttack(RuleBasedStateMachine):
    objectives = Bundle("objectives")
    key_results = Bundle("key_results")

    def __init__(self) -> None:
        super().__init__()
        # A savepoint per example, rolled back in teardown: every example starts from
        # the same two organisations.
        self._atomic = transaction.atomic()
        self._atomic.__enter__()
        try:
            self.world = _build_world()
        except BaseException:
            transaction.set_rollback(True)
            self._atomic.__exit__(None, None, None)
            raise
        self.client = Client()
        self.accepted = 0
        self.refused = 0

    def teardown(self) -> None:
        TALLY["accepted"] += self.accepted
        TALLY["refused"] += self.refused
        transaction.set_rollback(True)
        self._atomic.__exit__(None, None, None)

    # -- helpers --------------------------------------------------------------------------

    def _state(self, org: str) -> tuple[int, ...]:
        organization = self.world.orgs[org]
        rows = tuple(m.objects.filter(organization=organization).count() for m in WRITES)
        roles = tuple(
            Membership.objects.filter(organization=organization)
            .order_by("user_id")
            .values_list("role", flat=True)
        )
        measured = tuple(
            Measurement.objects.filter(organization=organization)
            .order_by("pk")
            .values_list("value", flat=True)
        )
        return (*rows, hash(roles), hash(measured), self._audits(org))

    def _audits(self, org: str) -> int:
        return AuditEvent.objects.filter(organization=self.world.orgs[org]).count()

    def _last_audit(self, org: str) -> AuditEvent:
        event = AuditEvent.objects.filter(organization=self.world.orgs[org]).first()
        assert event is not None
        return event

    def _call(
        self, who: Person, method: str, path: str, body: Any = None
    ) -> tuple[int, dict[str, Any]]:
        kwargs: dict[str, Any] = {"headers": {"Authorization": f"Bearer {who.token}"}}
        if body is not None:
            kwargs.update(data=json.dumps(body), content_type="application/json")
        response = getattr(self.client, method)("/api/v1" + path, **kwargs)
        assert response.status_code < 500, (method, path, response.content)
        payload = json.loads(response.content) if response.content else {}
        return response.status_code, payload

    def _write(
        self, who: Person, target_org: str, method: str, path: str, body: Any = None
    ) -> tuple[int, dict[str, Any]]:
        """Call the API as ``who`` on ``target_org``'s data and check the write's outcome:
        refused, nothing changes anywhere; accepted, one audit record in that org."""
        before = {org: self._state(org) for org in ORGS}
        audits = self._audits(target_org)
        status, payload = self._call(who, method, path, body)
        if who.org != target_org:
            assert status == 404, (who, method, path, status, payload)
        if status >= 400:
            self.refused += 1
            assert {org: self._state(org) for org in ORGS} == before, (who, method, path)
        else:
            role = Membership.objects.get(
                organization=self.world.orgs[who.org], user_id=who.user_id
            ).role
            assert role != Role.VIEWER, ("a viewer changed something", method, path)
            if payload.get("outcome") == "unchanged":
                assert self._audits(target_org) == audits
            else:
                self.accepted += 1
                assert self._audits(target_org) == audits + 1, (method, path)
                assert self._last_audit(target_org).actor_id == who.user_id
            for org in ORGS:
                if org != target_org:
                    assert self._state(org) == before[org]
        return status, payload

    # -- rules ----------------------------------------------------------------------------

    people = st.sampled_from(range(7))

    def _person(self, index: int) -> Person:
        return self.world.people[index % len(self.world.people)]

    @rule(
        target=objectives,
        who=people,
        org=st.sampled_from(ORGS),
        by_team=st.booleans(),
        private=st.booleans(),
    )
    def create_objective(self, who: int, org: str, by_team: bool, private: bool) -> Any:
        person = self._person(who)
        owner: dict[str, int] = (
            {"owner_team": self.world.teams[org].pk} if by_team else {"owner_user": person.user_id}
        )
        status, payload = self._write(
            person,
            person.org,  # an object of the other org in a body is a 422, never a write
            "post",
            "/objectives",
            {
                "cycle": self.world.cycles[org].pk,
                "title": f"Objective of {person.name}",
                "is_private": private,
                **owner,
            },
        )
        if person.org != org:
            assert status in {403, 422}, payload  # the other org's cycle or team: never a write
        if status == 201:
            event = self._last_audit(org)
            assert (event.action, event.target_id) == ("objective.create", payload["id"])
            return Thing(org, "/objectives", payload["id"])
        return Thing(org, "/objectives", 0)  # refused: addressing it later is a 404

    @rule(target=key_results, who=people, objective=objectives, target_value=st.integers(1, 500))
    def create_key_result(self, who: int, objective: Thing, target_value: int) -> Any:
        person = self._person(who)
        status, payload = self._write(
            person,
            person.org,
            "post",
            "/key-results",
            {
                "objective": objective.pk,
                "title": "A measurable result",
                "baseline": "0",
                "target": str(target_value),
            },
        )
        if person.org != objective.org:
            assert status in {403, 422}, payload
        if status == 201:
            event = self._last_audit(objective.org)
            assert (event.action, event.target_id) == ("key_result.create", payload["id"])
            return Thing(objective.org, "/key-results", payload["id"])
        return Thing(objective.org, "/key-results", 0)

    @rule(
        who=people,
        kr=key_results,
        value=st.decimals(min_value=-1000, max_value=1000, places=2),
        confidence=st.integers(0, 11),
    )
    def check_in(self, who: int, kr: Thing, value: Decimal, confidence: int) -> None:
        person = self._person(who)
        status, payload = self._write(
            person,
            kr.org,
            "post",
            f"/key-results/{kr.pk}/check-ins",
            {"value": str(value), "confidence": confidence},
        )
        if not 1 <= confidence <= 10:
            assert status in {403, 404, 422}
        if status == 201:
            assert Decimal(payload["value"]) == value
            current = KeyResult.objects.get(pk=kr.pk).current
            assert current == value, "the latest check-in is the key result's value"

    @rule(
        who=people,
        org=st.sampled_from(ORGS),
        weeks_ago=st.integers(0, 3),
        value=st.decimals(min_value=0, max_value=100, places=1),
    )
    def record_measurement(self, who: int, org: str, weeks_ago: int, value: Decimal) -> None:
        person = self._person(who)
        organization = self.world.orgs[org]
        status, payload = self._write(
            person,
            org,
            "post",
            f"/kpis/{self.world.kpis[org].pk}/measurements",
            {"period_start": _week(organization, weeks_ago).isoformat(), "value": str(value)},
        )
        if status in {200, 201}:
            assert Decimal(payload["measurement"]["value"]) == value

    @rule(who=people, whom=people, role=st.sampled_from(Role.values))
    def change_role(self, who: int, whom: int, role: str) -> None:
        actor, subject = self._person(who), self._person(whom)
        org = subject.org
        membership = Membership.objects.select_related("organization", "user").get(
            organization=self.world.orgs[org], user_id=subject.user_id
        )
        before = {o: self._state(o) for o in ORGS}
        was = membership.role
        try:
            accounts.membership_set_role(
                membership=membership, role=role, by=User.objects.get(pk=actor.user_id)
            )
        except (PermissionDenied, ValidationError):
            self.refused += 1
            assert {o: self._state(o) for o in ORGS} == before
            return
        assert actor.org == org, "someone changed a role in another organisation"
        if was == role:
            assert self._state(org) == before[org]
        else:
            self.accepted += 1
            assert self._audits(org) == before[org][-1] + 1
            event = self._last_audit(org)
            assert (event.action, event.target_id) == ("membership.update", membership.pk)

    @rule(who=people, objective=consumes(objectives))
    def delete_objective(self, who: int, objective: Thing) -> None:
        person = self._person(who)
        status, _ = self._write(person, objective.org, "delete", f"/objectives/{objective.pk}")
        if status == 204:
            event = self._last_audit(objective.org)
            assert (event.action, event.target_id) == ("objective.delete", objective.pk)
            assert not Objective.objects.filter(pk=objective.pk).exists()

    @rule(who=people, kr=consumes(key_results))
    def delete_key_result(self, who: int, kr: Thing) -> None:
        person = self._person(who)
        status, _ = self._write(person, kr.org, "delete", f"/key-results/{kr.pk}")
        if status == 204:
            assert not CheckIn.objects.filter(key_result_id=kr.pk).exists()

    # -- invariants -----------------------------------------------------------------------

    @invariant()
    def selectors_keep_to_their_organisation(self) -> None:
        for name, org in self.world.orgs.items():
            cycle = self.world.cycles[name]
            rows: list[Any] = [
                *okr_selectors.cycle_list(organization=org),
                *okr_selectors.team_list(organization=org),
                *okr_selectors.cycle_objectives(organization=org, cycle=cycle),
                *kpi_selectors.kpi_list(organization=org),
            ]
            for team in okr_selectors.team_list(organization=org):
                rows += okr_selectors.objectives_for_team(organization=org, team=team, cycle=cycle)
            assert all(row.organization_id == org.pk for row in rows)
            members = set(Membership.objects.filter(organization=org).values_list("user_id"))
            people = okr_selectors.people_of(organization=org)
            assert {(p.pk,) for p in people} <= members

    @invariant()
    def api_lists_keep_to_the_callers_organisation(self) -> None:
        for person in self.world.people:
            if not person.name.endswith(Role.OWNER):
                continue
            own = self.world.orgs[person.org]
            for path, model in (("/objectives", Objective), ("/key-results", KeyResult)):
                status, page = self._call(person, "get", path + "?limit=200")
                if status != 200:  # a demoted owner's token may no longer read
                    continue
                ids = {row["id"] for row in page["items"]}
                assert ids <= set(
                    model.objects.filter(organization=own).values_list("pk", flat=True)
                )

    @invariant()
    def a_key_results_value_is_its_latest_check_in(self) -> None:
        for kr in KeyResult.objects.filter(organization__in=self.world.orgs.values()):
            latest = kr.checkins.order_by("-created_at", "-id").first()
            assert kr.current == (latest.value if latest else None), kr

    @invariant()
    def every_change_has_exactly_one_audit_record(self) -> None:
        # Objective and key result creations and deletions, check-ins, measurements and
        # role changes each name their target once; no record names a missing actor.
        for org in self.world.orgs.values():
            events = AuditEvent.objects.filter(organization=org)
            assert not events.filter(actor__isnull=True).exists()
            for checkin in CheckIn.objects.filter(organization=org):
                assert events.filter(action="checkin.create", target_id=checkin.pk).count() == 1


@pytest.mark.django_db
def test_random_people_doing_random_things_keep_tandems_invariants() -> None:
    TALLY.update(accepted=0, refused=0)
    run_state_machine_as_test(
        TandemUnderAttack,
        settings=settings(
            max_examples=EXAMPLES,
            stateful_step_count=STEPS,
            deadline=None,
            derandomize=True,
            database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
    assert TALLY["accepted"] > EXAMPLES, TALLY
    assert TALLY["refused"] > EXAMPLES, TALLY
