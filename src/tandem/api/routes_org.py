"""Teams, people and cycles."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Router, Status

from tandem.access.permissions import require_administer, require_manage_cycles
from tandem.accounts import selectors as people
from tandem.accounts import services as accounts
from tandem.accounts.models import Membership, Team
from tandem.api.auth import Need, caller
from tandem.api.common import LIMIT, Id, paginate, ref
from tandem.api.errors import READ_ERRORS, WRITE_ERRORS
from tandem.api.schemas import (
    CycleIn,
    CycleOut,
    CyclePage,
    FiscalYearIn,
    FiscalYearOut,
    PersonOut,
    PersonPage,
    TeamOut,
    TeamPage,
)
from tandem.api.schemas_admin import PersonPatch, TeamIn, TeamPatch
from tandem.audit.models import Source
from tandem.okrs import selectors
from tandem.okrs.models import Cycle
from tandem.okrs.services import (
    cycle_activate,
    cycle_close,
    cycle_create,
    cycle_create_quarters_for_year,
)

router = Router()


@router.get("/teams", response={200: TeamPage, **READ_ERRORS}, tags=["teams"])
def team_list(
    request: HttpRequest, cursor: str | None = None, limit: int = LIMIT, parent: Id | None = None
) -> dict[str, Any]:
    """The organisation's teams, from the company down; filter by ``parent`` team."""
    org = caller(request, Need.READ).organization
    teams = selectors.team_list(organization=org, parent_id=parent)
    return paginate(teams, cursor=cursor, limit=limit)


@router.get("/teams/{team_id}", response={200: TeamOut, **READ_ERRORS}, tags=["teams"])
def team_read(request: HttpRequest, team_id: int) -> Team:
    org = caller(request, Need.READ).organization
    return selectors.team_get_by_id(organization=org, pk=team_id)


@router.post("/teams", response={201: TeamOut, **WRITE_ERRORS}, tags=["teams"])
def team_new(request: HttpRequest, payload: TeamIn) -> Status[Team]:
    """Add a team under ``parent`` (the top of the chart without one). Admins and owners."""
    who = caller(request, Need.WRITE)
    require_administer(who.membership)
    parent = ref(
        selectors.team_get_by_id, "parent", payload.parent, "team", organization=who.organization
    )
    team = accounts.team_create(
        organization=who.organization,
        name=payload.name,
        parent=parent,
        kind=payload.kind,
        mission=payload.mission,
        by=who.user,
        source=Source.API,
    )
    return Status(201, team)


@router.patch("/teams/{team_id}", response={200: TeamOut, **WRITE_ERRORS}, tags=["teams"])
def team_change(request: HttpRequest, team_id: Id, payload: TeamPatch) -> Team:
    """Rename a team, move it (``parent``; null moves it to the top), or change its kind
    or mission. Its slug, and so its page's address, stays."""
    who = caller(request, Need.WRITE)
    require_administer(who.membership)
    team = selectors.team_get_by_id(organization=who.organization, pk=team_id)
    sent = payload.dict(exclude_unset=True)
    changes: dict[str, Any] = {
        name: sent[name] for name in ("name", "kind", "mission") if sent.get(name) is not None
    }
    if "parent" in sent:
        changes["parent"] = ref(
            selectors.team_get_by_id,
            "parent",
            sent["parent"],
            "team",
            organization=who.organization,
        )
    return accounts.team_update(team=team, by=who.user, source=Source.API, **changes)


@router.delete("/teams/{team_id}", response={204: None, **WRITE_ERRORS}, tags=["teams"])
def team_remove(request: HttpRequest, team_id: Id) -> Status[None]:
    """Delete a team that owns no objectives or KPIs and has no teams under it."""
    who = caller(request, Need.WRITE)
    require_administer(who.membership)
    team = selectors.team_get_by_id(organization=who.organization, pk=team_id)
    accounts.team_delete(team=team, by=who.user, source=Source.API)
    return Status(204, None)


@router.get("/people", response={200: PersonPage, **READ_ERRORS}, tags=["people"])
def person_list(
    request: HttpRequest, cursor: str | None = None, limit: int = LIMIT, role: str | None = None
) -> dict[str, Any]:
    """The organisation's members with their role; filter by ``role``."""
    org = caller(request, Need.READ).organization
    rows = people.membership_list(organization=org, role=role or None)
    return paginate(rows, cursor=cursor, limit=limit, key="user_id")


@router.get("/people/{user_id}", response={200: PersonOut, **READ_ERRORS}, tags=["people"])
def person_read(request: HttpRequest, user_id: Id) -> Membership:
    org = caller(request, Need.READ).organization
    return people.membership_of(organization=org, user_id=user_id)


@router.patch("/people/{user_id}", response={200: PersonOut, **WRITE_ERRORS}, tags=["people"])
def person_change(request: HttpRequest, user_id: Id, payload: PersonPatch) -> Membership:
    """Give someone another role, or another job title. Only owners make or unmake
    owners, and the last owner stays one. Owners and admins only."""
    who = caller(request, Need.WRITE)
    accounts.require_manage_people(who.membership)
    person = people.membership_of(organization=who.organization, user_id=user_id)
    if payload.role is not None:
        person = accounts.membership_set_role(
            membership=person, role=payload.role, by=who.user, source=Source.API
        )
    if payload.title is not None:
        person = accounts.membership_set_title(
            membership=person, title=payload.title, by=who.user, source=Source.API
        )
    return person


@router.delete("/people/{user_id}", response={204: None, **WRITE_ERRORS}, tags=["people"])
def person_remove(request: HttpRequest, user_id: Id) -> Status[None]:
    """End someone's membership: their team places and API tokens go; what they wrote
    stays. Owners and admins only."""
    who = caller(request, Need.WRITE)
    accounts.require_manage_people(who.membership)
    person = people.membership_of(organization=who.organization, user_id=user_id)
    accounts.membership_remove(membership=person, by=who.user, source=Source.API)
    return Status(204, None)


@router.get("/cycles", response={200: CyclePage, **READ_ERRORS}, tags=["cycles"])
def cycle_list(
    request: HttpRequest, cursor: str | None = None, limit: int = LIMIT, state: str | None = None
) -> dict[str, Any]:
    """The organisation's cycles; filter by ``state`` (planning, active, closed)."""
    org = caller(request, Need.READ).organization
    cycles = selectors.cycle_list(organization=org, state=state or None)
    return paginate(cycles, cursor=cursor, limit=limit)


# Before /cycles/{cycle_id}, whose pattern would take "fiscal-years" for an id.
@router.post("/cycles/fiscal-years", response={201: FiscalYearOut, **WRITE_ERRORS}, tags=["cycles"])
def cycle_year_new(request: HttpRequest, payload: FiscalYearIn) -> Status[dict[str, Any]]:
    """Create a fiscal year and its four quarters, in planning, as the cycles page does:
    all five, or none when a name is taken (422 naming ``year``)."""
    who = caller(request, Need.WRITE)
    require_manage_cycles(who.membership)
    year, quarters = cycle_create_quarters_for_year(
        organization=who.organization, year=payload.year, by=who.user, source=Source.API
    )
    return Status(201, {"year": year, "quarters": quarters})


@router.get("/cycles/{cycle_id}", response={200: CycleOut, **READ_ERRORS}, tags=["cycles"])
def cycle_read(request: HttpRequest, cycle_id: int) -> Cycle:
    org = caller(request, Need.READ).organization
    return selectors.cycle_get(organization=org, pk=cycle_id)


@router.post("/cycles", response={201: CycleOut, **WRITE_ERRORS}, tags=["cycles"])
def cycle_new(request: HttpRequest, payload: CycleIn) -> Status[Cycle]:
    who = caller(request, Need.WRITE)
    require_manage_cycles(who.membership)
    parent = ref(
        selectors.cycle_get, "parent", payload.parent, "cycle", organization=who.organization
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


@router.post(
    "/cycles/{cycle_id}/activate", response={200: CycleOut, **WRITE_ERRORS}, tags=["cycles"]
)
def cycle_start(request: HttpRequest, cycle_id: Id) -> Cycle:
    """Start a cycle in planning: its objectives are checked in on from now on."""
    who = caller(request, Need.WRITE)
    cycle = selectors.cycle_get(organization=who.organization, pk=cycle_id)
    require_manage_cycles(who.membership)
    return cycle_activate(cycle=cycle, by=who.user, source=Source.API)


@router.post("/cycles/{cycle_id}/close", response={200: CycleOut, **WRITE_ERRORS}, tags=["cycles"])
def cycle_finish(request: HttpRequest, cycle_id: Id) -> Cycle:
    """Close a cycle and score its open objectives from their progress, as the page does."""
    who = caller(request, Need.WRITE)
    cycle = selectors.cycle_get(organization=who.organization, pk=cycle_id)
    require_manage_cycles(who.membership)
    cycle_close(cycle=cycle, by=who.user, source=Source.API)
    cycle.refresh_from_db()
    return cycle
