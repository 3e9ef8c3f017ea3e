"""Objectives, key results, check-ins, initiatives and alignments."""

from __future__ import annotations

from typing import Any, TypedDict

from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from tandem.access.permissions import (
    Viewer,
    require_adjust_score,
    require_check_in,
    require_create_objective,
    require_edit_objective,
)
from tandem.accounts.models import Organization, Role
from tandem.api.auth import Need, caller_viewer
from tandem.api.common import (
    IF_MATCH,
    LIMIT,
    Id,
    expected_version,
    member,
    paginate,
    ref,
    with_etag,
)
from tandem.api.errors import READ_ERRORS, WRITE_ERRORS, Problem
from tandem.api.schemas import (
    AlignmentIn,
    AlignmentOut,
    AlignmentPage,
    CheckInIn,
    CheckInOut,
    CheckInPage,
    InitiativeIn,
    InitiativeOut,
    InitiativePage,
    InitiativePatch,
    KeyResultIn,
    KeyResultOut,
    KeyResultPage,
    KeyResultPatch,
    ObjectiveIn,
    ObjectiveOut,
    ObjectivePage,
    ObjectivePatch,
    ScoreIn,
)
from tandem.audit.models import Source
from tandem.okrs import selectors
from tandem.okrs import services as okrs
from tandem.okrs.models import Alignment, CheckIn, Initiative, KeyResult, Objective

router = Router()

PATCH_ERRORS = {**WRITE_ERRORS, 400: Problem, 428: Problem}
DELETE_ERRORS = {**WRITE_ERRORS}


# Every read is a selector's, given the token's person: a private objective they may
# not see is absent from lists and answers 404 when addressed, as are its key results,
# check-ins, initiatives and alignments.


class _Seen(TypedDict):
    organization: Organization
    viewer: Viewer


def _seen_by(request: HttpRequest) -> _Seen:
    """What a list selector is given to read as the token's person: their organisation
    and their viewer (with their teams)."""
    who, viewer = caller_viewer(request, Need.READ)
    return {"organization": who.organization, "viewer": viewer}


# -- objectives -----------------------------------------------------------------------------


@router.get("/objectives", response={200: ObjectivePage, **READ_ERRORS}, tags=["objectives"])
def objective_list(
    request: HttpRequest,
    cursor: str | None = None,
    limit: int = LIMIT,
    cycle: Id | None = None,
    team: Id | None = None,
    owner: Id | None = None,
    state: str | None = None,
) -> dict[str, Any]:
    """Objectives; filter by ``cycle``, owning ``team``, owning person (``owner``), ``state``."""
    rows = selectors.objective_list(
        **_seen_by(request),
        cycle_id=cycle,
        owner_team_id=team,
        owner_user_id=owner,
        state=state or None,
    )
    return paginate(rows, cursor=cursor, limit=limit)


@router.get(
    "/objectives/{objective_id}", response={200: ObjectiveOut, **READ_ERRORS}, tags=["objectives"]
)
def objective_read(request: HttpRequest, objective_id: int, response: HttpResponse) -> Objective:
    """One objective; its ``ETag`` header (and ``version``) guards a later update."""
    who, viewer = caller_viewer(request, Need.READ)
    objective = selectors.objective_get(
        organization=who.organization, pk=objective_id, viewer=viewer
    )
    with_etag(response, objective.version)
    return objective


@router.post("/objectives", response={201: ObjectiveOut, **WRITE_ERRORS}, tags=["objectives"])
def objective_new(
    request: HttpRequest, payload: ObjectiveIn, response: HttpResponse
) -> Status[Objective]:
    who, viewer = caller_viewer(request, Need.WRITE)
    org = who.organization
    owner_team = ref(
        selectors.team_get_by_id, "owner_team", payload.owner_team, "team", organization=org
    )
    owner_user = member(org, "owner_user", payload.owner_user)
    if owner_team is not None or owner_user is not None or viewer.role == Role.VIEWER:
        # Without an owner the service names the missing field (422).
        require_create_objective(viewer, owner_team=owner_team, owner_user=owner_user)
    objective = okrs.objective_create(
        organization=org,
        cycle=ref(selectors.cycle_get, "cycle", payload.cycle, "cycle", organization=org),  # type: ignore[arg-type]
        title=payload.title,
        description=payload.description,
        kind=payload.kind,
        owner_team=owner_team,
        owner_user=owner_user,
        is_private=payload.is_private,
        state=payload.state,
        by=who.user,
        source=Source.API,
    )
    with_etag(response, objective.version)
    return Status(201, objective)


@router.patch(
    "/objectives/{objective_id}", response={200: ObjectiveOut, **PATCH_ERRORS}, tags=["objectives"]
)
def objective_change(
    request: HttpRequest,
    objective_id: int,
    payload: ObjectivePatch,
    response: HttpResponse,
    if_match: str | None = IF_MATCH,
) -> Objective:
    """Change some fields. Requires the version read (If-Match or ``version``): a stale
    one is refused with 409 and nothing changes."""
    who, viewer = caller_viewer(request, Need.WRITE)
    org = who.organization
    objective = selectors.objective_get(organization=org, pk=objective_id, viewer=viewer)
    require_edit_objective(viewer, objective)
    changes = payload.model_dump(exclude_unset=True)
    version = expected_version(if_match, changes.pop("version", None))
    if "cycle" in changes:
        changes["cycle"] = ref(
            selectors.cycle_get, "cycle", changes["cycle"], "cycle", organization=org
        )
    if "owner_team" in changes:
        changes["owner_team"] = ref(
            selectors.team_get_by_id, "owner_team", changes["owner_team"], "team", organization=org
        )
    if "owner_user" in changes:
        changes["owner_user"] = member(org, "owner_user", changes["owner_user"])
    if changes.get("owner_team") is not None and "owner_user" not in changes:
        changes["owner_user"] = None  # a team takes over from the person, not beside them
    if changes.get("owner_user") is not None and "owner_team" not in changes:
        changes["owner_team"] = None
    if changes.get("owner_team") is not None or changes.get("owner_user") is not None:
        # Handing the objective over: the new owner must be one this person may choose.
        require_create_objective(
            viewer, owner_team=changes.get("owner_team"), owner_user=changes.get("owner_user")
        )
    updated = okrs.objective_update(
        objective=objective, by=who.user, version=version, source=Source.API, **changes
    )
    with_etag(response, updated.version)
    return updated


@router.delete(
    "/objectives/{objective_id}", response={204: None, **DELETE_ERRORS}, tags=["objectives"]
)
def objective_remove(request: HttpRequest, objective_id: int) -> Status[None]:
    """Delete an objective of an open cycle, with its key results and check-ins."""
    who, viewer = caller_viewer(request, Need.WRITE)
    objective = selectors.objective_get(
        organization=who.organization, pk=objective_id, viewer=viewer
    )
    require_edit_objective(viewer, objective)
    okrs.objective_delete(objective=objective, by=who.user, source=Source.API)
    return Status(204, None)


@router.put(
    "/objectives/{objective_id}/score",
    response={200: ObjectiveOut, **WRITE_ERRORS},
    tags=["objectives"],
)
def objective_score_set(
    request: HttpRequest, objective_id: int, payload: ScoreIn, response: HttpResponse
) -> Objective:
    """Adjust the score of an objective of a closed cycle; a score other than the
    computed one needs a ``reason``. Editors and up, and the objective's owner."""
    who, viewer = caller_viewer(request, Need.WRITE)
    objective = selectors.objective_get(
        organization=who.organization, pk=objective_id, viewer=viewer
    )
    require_adjust_score(who.membership, objective, viewer.lead_team_ids)
    scored = okrs.objective_set_score(
        objective=objective,
        score=payload.score,
        reason=payload.reason,
        by=who.user,
        source=Source.API,
    )
    with_etag(response, scored.version)
    return scored


# -- key results ----------------------------------------------------------------------------


@router.get("/key-results", response={200: KeyResultPage, **READ_ERRORS}, tags=["key results"])
def key_result_list(
    request: HttpRequest,
    cursor: str | None = None,
    limit: int = LIMIT,
    objective: Id | None = None,
    cycle: Id | None = None,
    owner: Id | None = None,
) -> dict[str, Any]:
    """Key results; filter by ``objective``, ``cycle`` or ``owner``."""
    rows = selectors.key_result_list(
        **_seen_by(request),
        objective_id=objective,
        cycle_id=cycle,
        owner_id=owner,
    )
    return paginate(rows, cursor=cursor, limit=limit)


@router.get(
    "/key-results/{key_result_id}",
    response={200: KeyResultOut, **READ_ERRORS},
    tags=["key results"],
)
def key_result_read(request: HttpRequest, key_result_id: int, response: HttpResponse) -> KeyResult:
    who, viewer = caller_viewer(request, Need.READ)
    kr = selectors.key_result_get(organization=who.organization, pk=key_result_id, viewer=viewer)
    with_etag(response, kr.version)
    return kr


@router.post("/key-results", response={201: KeyResultOut, **WRITE_ERRORS}, tags=["key results"])
def key_result_new(
    request: HttpRequest, payload: KeyResultIn, response: HttpResponse
) -> Status[KeyResult]:
    who, viewer = caller_viewer(request, Need.WRITE)
    org = who.organization
    objective = ref(
        selectors.objective_get,
        "objective",
        payload.objective,
        "objective",
        organization=org,
        viewer=viewer,
    )
    assert objective is not None
    require_edit_objective(viewer, objective)
    kr = okrs.key_result_create(
        objective=objective,
        title=payload.title,
        kind=payload.kind,
        unit=payload.unit,
        currency=payload.currency,
        baseline=payload.baseline,
        target=payload.target,
        owner=member(org, "owner", payload.owner),
        weight=payload.weight,
        by=who.user,
        source=Source.API,
    )
    with_etag(response, kr.version)
    return Status(201, kr)


@router.patch(
    "/key-results/{key_result_id}",
    response={200: KeyResultOut, **PATCH_ERRORS},
    tags=["key results"],
)
def key_result_change(
    request: HttpRequest,
    key_result_id: int,
    payload: KeyResultPatch,
    response: HttpResponse,
    if_match: str | None = IF_MATCH,
) -> KeyResult:
    """Change some fields; requires the version read, like objectives."""
    who, viewer = caller_viewer(request, Need.WRITE)
    kr = selectors.key_result_get(organization=who.organization, pk=key_result_id, viewer=viewer)
    require_edit_objective(viewer, kr.objective)
    changes = payload.model_dump(exclude_unset=True)
    version = expected_version(if_match, changes.pop("version", None))
    if "owner" in changes:
        changes["owner"] = member(who.organization, "owner", changes["owner"])
    updated = okrs.key_result_update(
        key_result=kr, by=who.user, version=version, source=Source.API, **changes
    )
    with_etag(response, updated.version)
    return updated


@router.delete(
    "/key-results/{key_result_id}", response={204: None, **DELETE_ERRORS}, tags=["key results"]
)
def key_result_remove(request: HttpRequest, key_result_id: int) -> Status[None]:
    """Delete a key result of an open cycle, with its check-ins."""
    who, viewer = caller_viewer(request, Need.WRITE)
    kr = selectors.key_result_get(organization=who.organization, pk=key_result_id, viewer=viewer)
    require_edit_objective(viewer, kr.objective)
    okrs.key_result_delete(key_result=kr, by=who.user, source=Source.API)
    return Status(204, None)


# -- check-ins --------------------------------------------------------------------------------


@router.get(
    "/key-results/{key_result_id}/check-ins",
    response={200: CheckInPage, **READ_ERRORS},
    tags=["check-ins"],
)
def checkin_list(
    request: HttpRequest, key_result_id: int, cursor: str | None = None, limit: int = LIMIT
) -> dict[str, Any]:
    """A key result's check-ins, oldest first. Check-ins are never changed or deleted."""
    who, viewer = caller_viewer(request, Need.READ)
    kr = selectors.key_result_get(organization=who.organization, pk=key_result_id, viewer=viewer)
    return paginate(selectors.checkin_list(key_result=kr), cursor=cursor, limit=limit)


@router.post(
    "/key-results/{key_result_id}/check-ins",
    response={201: CheckInOut, **WRITE_ERRORS},
    tags=["check-ins"],
)
def checkin_new(request: HttpRequest, key_result_id: int, payload: CheckInIn) -> Status[CheckIn]:
    """Check in: a value (metric) or done (milestone), a confidence from 1 to 10, a note."""
    who, viewer = caller_viewer(request, Need.WRITE)
    kr = selectors.key_result_get(organization=who.organization, pk=key_result_id, viewer=viewer)
    require_check_in(who.membership, kr, viewer.team_ids)
    checkin = okrs.key_result_check_in(
        key_result=kr,
        by=who.user,
        confidence=payload.confidence,
        value=payload.value,
        done=payload.done,
        note=payload.note,
        at=payload.at,
        source=Source.API,
    )
    return Status(201, checkin)


# -- initiatives ------------------------------------------------------------------------------


@router.get("/initiatives", response={200: InitiativePage, **READ_ERRORS}, tags=["initiatives"])
def initiative_list(
    request: HttpRequest,
    cursor: str | None = None,
    limit: int = LIMIT,
    objective: Id | None = None,
    key_result: Id | None = None,
    owner: Id | None = None,
    status: str | None = None,
) -> dict[str, Any]:
    """Initiatives; filter by ``objective``, ``key_result``, ``owner``, ``status``."""
    rows = selectors.initiative_list(
        **_seen_by(request),
        objective_id=objective,
        key_result_id=key_result,
        owner_id=owner,
        status=status or None,
    )
    return paginate(rows, cursor=cursor, limit=limit)


@router.get(
    "/initiatives/{initiative_id}",
    response={200: InitiativeOut, **READ_ERRORS},
    tags=["initiatives"],
)
def initiative_read(request: HttpRequest, initiative_id: int) -> Initiative:
    who, viewer = caller_viewer(request, Need.READ)
    return selectors.initiative_get(organization=who.organization, pk=initiative_id, viewer=viewer)


@router.post("/initiatives", response={201: InitiativeOut, **WRITE_ERRORS}, tags=["initiatives"])
def initiative_new(request: HttpRequest, payload: InitiativeIn) -> Status[Initiative]:
    who, viewer = caller_viewer(request, Need.WRITE)
    org = who.organization
    objective = ref(
        selectors.objective_get,
        "objective",
        payload.objective,
        "objective",
        organization=org,
        viewer=viewer,
    )
    assert objective is not None
    require_edit_objective(viewer, objective)
    initiative = okrs.initiative_create(
        objective=objective,
        title=payload.title,
        key_result=ref(
            selectors.key_result_get,
            "key_result",
            payload.key_result,
            "key result",
            organization=org,
            viewer=viewer,
        ),
        owner=member(org, "owner", payload.owner),
        status=payload.status,
        due_date=payload.due_date,
        by=who.user,
        source=Source.API,
    )
    return Status(201, initiative)


@router.patch(
    "/initiatives/{initiative_id}",
    response={200: InitiativeOut, **WRITE_ERRORS},
    tags=["initiatives"],
)
def initiative_change(
    request: HttpRequest, initiative_id: int, payload: InitiativePatch
) -> Initiative:
    """Change an initiative's status (initiatives carry no version: the last status wins)."""
    who, viewer = caller_viewer(request, Need.WRITE)
    initiative = selectors.initiative_get(
        organization=who.organization, pk=initiative_id, viewer=viewer
    )
    require_edit_objective(viewer, initiative.objective)
    return okrs.initiative_set_status(
        initiative=initiative, status=payload.status, by=who.user, source=Source.API
    )


@router.delete(
    "/initiatives/{initiative_id}", response={204: None, **DELETE_ERRORS}, tags=["initiatives"]
)
def initiative_remove(request: HttpRequest, initiative_id: int) -> Status[None]:
    who, viewer = caller_viewer(request, Need.WRITE)
    initiative = selectors.initiative_get(
        organization=who.organization, pk=initiative_id, viewer=viewer
    )
    require_edit_objective(viewer, initiative.objective)
    okrs.initiative_delete(initiative=initiative, by=who.user, source=Source.API)
    return Status(204, None)


# -- alignments -------------------------------------------------------------------------------


@router.get("/alignments", response={200: AlignmentPage, **READ_ERRORS}, tags=["alignments"])
def alignment_list(
    request: HttpRequest,
    cursor: str | None = None,
    limit: int = LIMIT,
    objective: Id | None = None,
    parent_objective: Id | None = None,
    parent_key_result: Id | None = None,
) -> dict[str, Any]:
    """Which objective contributes to which parent objective or key result."""
    rows = selectors.alignment_list(
        **_seen_by(request),
        objective_id=objective,
        parent_objective_id=parent_objective,
        parent_key_result_id=parent_key_result,
    )
    return paginate(rows, cursor=cursor, limit=limit)


@router.get(
    "/alignments/{alignment_id}", response={200: AlignmentOut, **READ_ERRORS}, tags=["alignments"]
)
def alignment_read(request: HttpRequest, alignment_id: int) -> Alignment:
    who, viewer = caller_viewer(request, Need.READ)
    return selectors.alignment_get(organization=who.organization, pk=alignment_id, viewer=viewer)


@router.post("/alignments", response={201: AlignmentOut, **WRITE_ERRORS}, tags=["alignments"])
def alignment_new(request: HttpRequest, payload: AlignmentIn) -> Status[Alignment]:
    who, viewer = caller_viewer(request, Need.WRITE)
    seen = {"organization": who.organization, "viewer": viewer}
    objective = ref(selectors.objective_get, "objective", payload.objective, "objective", **seen)
    assert objective is not None
    require_edit_objective(viewer, objective)
    alignment = okrs.alignment_add(
        objective=objective,
        parent_objective=ref(
            selectors.objective_get,
            "parent_objective",
            payload.parent_objective,
            "objective",
            **seen,
        ),
        parent_key_result=ref(
            selectors.key_result_get,
            "parent_key_result",
            payload.parent_key_result,
            "key result",
            **seen,
        ),
        by=who.user,
        source=Source.API,
    )
    return Status(201, alignment)


@router.delete(
    "/alignments/{alignment_id}", response={204: None, **DELETE_ERRORS}, tags=["alignments"]
)
def alignment_remove(request: HttpRequest, alignment_id: int) -> Status[None]:
    who, viewer = caller_viewer(request, Need.WRITE)
    alignment = selectors.alignment_get(
        organization=who.organization, pk=alignment_id, viewer=viewer
    )
    require_edit_objective(viewer, alignment.objective)
    okrs.alignment_remove(alignment=alignment, by=who.user, source=Source.API)
    return Status(204, None)
