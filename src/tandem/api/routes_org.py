"""Teams, people and cycles."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Query, Router, Status

from tandem.accounts.models import Membership, Team
from tandem.api.auth import Need, caller
from tandem.api.common import DEFAULT_LIMIT, MAX_LIMIT, Id, paginate, ref
from tandem.api.errors import READ_ERRORS, WRITE_ERRORS
from tandem.api.schemas import (
    CycleIn,
    CycleOut,
    CyclePage,
    PersonOut,
    PersonPage,
    TeamOut,
    TeamPage,
)
from tandem.audit.models import Source
from tandem.okrs import selectors
from tandem.okrs.models import Cycle
from tandem.okrs.services import cycle_create
from tandem.web.permissions import require_manage_cycles

router = Router()

LIMIT = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT)


@router.get("/teams", response={200: TeamPage, **READ_ERRORS}, tags=["teams"])
def team_list(
    request: HttpRequest, cursor: str | None = None, limit: int = LIMIT, parent: Id | None = None
) -> dict[str, Any]:
    """The organisation's teams, from the company down; filter by ``parent`` team."""
    org = caller(request, Need.READ).organization
    teams = Team.objects.filter(organization=org)
    if parent is not None:
        teams = teams.filter(parent_id=parent)
    return paginate(teams, cursor=cursor, limit=limit)


@router.get("/teams/{team_id}", response={200: TeamOut, **READ_ERRORS}, tags=["teams"])
def team_read(request: HttpRequest, team_id: int) -> Team:
    org = caller(request, Need.READ).organization
    return get_object_or_404(Team, organization=org, pk=team_id)


@router.get("/people", response={200: PersonPage, **READ_ERRORS}, tags=["people"])
def person_list(
    request: HttpRequest, cursor: str | None = None, limit: int = LIMIT, role: str | None = None
) -> dict[str, Any]:
    """The organisation's members with their role; filter by ``role``."""
    org = caller(request, Need.READ).organization
    people = Membership.objects.filter(organization=org).select_related("user")
    if role:
        people = people.filter(role=role)
    return paginate(people, cursor=cursor, limit=limit, key="user_id")


@router.get("/people/{user_id}", response={200: PersonOut, **READ_ERRORS}, tags=["people"])
def person_read(request: HttpRequest, user_id: Id) -> Membership:
    org = caller(request, Need.READ).organization
    people = Membership.objects.select_related("user")
    return get_object_or_404(people, organization=org, user_id=user_id)


@router.get("/cycles", response={200: CyclePage, **READ_ERRORS}, tags=["cycles"])
def cycle_list(
    request: HttpRequest, cursor: str | None = None, limit: int = LIMIT, state: str | None = None
) -> dict[str, Any]:
    """The organisation's cycles; filter by ``state`` (planning, active, closed)."""
    org = caller(request, Need.READ).organization
    cycles = Cycle.objects.filter(organization=org)
    if state:
        cycles = cycles.filter(state=state)
    return paginate(cycles, cursor=cursor, limit=limit)


@router.get("/cycles/{cycle_id}", response={200: CycleOut, **READ_ERRORS}, tags=["cycles"])
def cycle_read(request: HttpRequest, cycle_id: int) -> Cycle:
    org = caller(request, Need.READ).organization
    return selectors.cycle_get(organization=org, pk=cycle_id)


@router.post("/cycles", response={201: CycleOut, **WRITE_ERRORS}, tags=["cycles"])
def cycle_new(request: HttpRequest, payload: CycleIn) -> Status[Cycle]:
    who = caller(request, Need.WRITE)
    require_manage_cycles(who.membership)
    parent = ref(
        Cycle.objects.filter(organization=who.organization), "parent", payload.parent, "cycle"
    )
    cycle = cycle_create(
        organization=who.organization,
        name=payload.name,
        start_date=payload.start_date,
        end_date=payload.end_date,
        kind=payload.kind,
        parent=parent,
        state=payload.state,
        by=who.user,
        source=Source.API,
    )
    return Status(201, cycle)
