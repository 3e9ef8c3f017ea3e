"""Running the organisation: its settings and words, invitations, API tokens, reminder
schedules and the scorecard. People and teams are in ``routes_org``.

Every write calls the service the settings pages call, with the same role rules.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Query, Router, Status

from tandem.access.permissions import require_administer
from tandem.accounts import selectors as people
from tandem.accounts import services as accounts
from tandem.accounts.models import Invitation, Organization
from tandem.api import selectors as tokens
from tandem.api.auth import Need, caller
from tandem.api.common import LIMIT, Id, paginate, ref
from tandem.api.errors import READ_ERRORS, WRITE_ERRORS
from tandem.api.schemas_admin import (
    InvitationIn,
    InvitationOut,
    InvitationPage,
    OrganizationOut,
    OrganizationPatch,
    RemindersOut,
    RemindersPatch,
    ScorecardOut,
    TokenCreated,
    TokenIn,
    TokenOut,
    TokenPage,
)
from tandem.api.services import api_token_create, api_token_revoke
from tandem.audit.models import Source
from tandem.domain import periods as pm
from tandem.kpis import selectors as kpi_selectors
from tandem.notifications import selectors as reminder_selectors
from tandem.notifications import services as reminders
from tandem.notifications.models import ReminderSettings
from tandem.notifications.services import SETTINGS_FIELDS
from tandem.okrs.selectors import team_get_by_id

router = Router()

# -- the organisation's settings and words ------------------------------------------------


def _organization(org: Organization) -> dict[str, Any]:
    return {
        "id": org.pk,
        "password_sign_in": org.password_sign_in,
        "terminology": org.terminology or {},
        "coach_disabled_rules": org.coach_disabled_rules or [],
        **{
            name: getattr(org, name)
            for name in accounts.ORGANIZATION_SETTINGS
            if name not in ("terminology", "coach_disabled_rules", "password_sign_in")
        },
        "slug": org.slug,
    }


@router.get("/organization", response={200: OrganizationOut, **READ_ERRORS}, tags=["organization"])
def organization_read(request: HttpRequest) -> dict[str, Any]:
    """The organisation's settings: calendar, status thresholds, words and coach rules."""
    return _organization(caller(request, Need.READ).organization)


@router.patch(
    "/organization", response={200: OrganizationOut, **WRITE_ERRORS}, tags=["organization"]
)
def organization_change(request: HttpRequest, payload: OrganizationPatch) -> dict[str, Any]:
    """Change the settings sent; the others stay. Owners and admins only."""
    who = caller(request, Need.WRITE)
    require_administer(who.membership)
    changes = payload.dict(exclude_unset=True)
    if "terminology" in changes and changes["terminology"] is not None:
        changes["terminology"] = {
            concept: dict(words) for concept, words in changes["terminology"].items()
        }
    updated = accounts.organization_update(
        organization=who.organization, by=who.user, source=Source.API, **changes
    )
    return _organization(updated)


# -- invitations --------------------------------------------------------------------------


def _invitation(invitation: Invitation) -> dict[str, Any]:
    return {
        "id": invitation.pk,
        "email": invitation.email,
        "role": invitation.role,
        "teams": sorted(team.pk for team in invitation.teams.all()),
        "state": invitation.state(),
        "invited_by_id": invitation.invited_by_id,
        "created_at": invitation.created_at,
        "expires_at": invitation.expires_at,
    }


@router.get("/invitations", response={200: InvitationPage, **READ_ERRORS}, tags=["people"])
def invitation_list(
    request: HttpRequest,
    cursor: str | None = None,
    limit: int = LIMIT,
    state: Literal["pending", "accepted", "revoked", "expired"] | None = None,
) -> dict[str, Any]:
    """Invitations sent, each with its state; filter by ``state`` (pending, accepted,
    revoked, expired). Owners and admins only."""
    who = caller(request, Need.READ)
    accounts.require_manage_people(who.membership)
    rows = people.invitation_list(organization=who.organization, state=state)
    return paginate(rows, cursor=cursor, limit=limit, shape=_invitation)


@router.post("/invitations", response={201: InvitationOut, **WRITE_ERRORS}, tags=["people"])
def invitation_new(request: HttpRequest, payload: InvitationIn) -> Status[dict[str, Any]]:
    """Invite someone by e-mail with a role (and teams they join on accepting); the
    e-mail goes out at once. An open invitation to the same address is withdrawn."""
    who = caller(request, Need.WRITE)
    accounts.require_manage_people(who.membership)
    teams = []
    for team_id in dict.fromkeys(payload.teams):
        team = ref(team_get_by_id, "teams", team_id, "team", organization=who.organization)
        assert team is not None
        teams.append(team)
    invitation = accounts.invitation_create(
        organization=who.organization,
        email=payload.email,
        role=payload.role,
        teams=teams,
        by=who.user,
        source=Source.API,
    )
    return Status(201, _invitation(invitation))


@router.delete(
    "/invitations/{invitation_id}", response={204: None, **WRITE_ERRORS}, tags=["people"]
)
def invitation_remove(request: HttpRequest, invitation_id: Id) -> Status[None]:
    """Withdraw an invitation: its link stops working."""
    who = caller(request, Need.WRITE)
    accounts.require_manage_people(who.membership)
    invitation = people.invitation_get(organization=who.organization, pk=invitation_id)
    accounts.invitation_revoke(invitation=invitation, by=who.user, source=Source.API)
    return Status(204, None)


# -- API tokens ---------------------------------------------------------------------------


@router.get("/tokens", response={200: TokenPage, **READ_ERRORS}, tags=["tokens"])
def token_list(request: HttpRequest, cursor: str | None = None, limit: int = LIMIT) -> Any:
    """Your own API tokens in this organisation (never their secrets)."""
    who = caller(request, Need.READ)
    rows = tokens.api_token_list(organization=who.organization, user=who.user)
    return paginate(rows, cursor=cursor, limit=limit)


@router.post("/tokens", response={201: TokenCreated, **WRITE_ERRORS}, tags=["tokens"])
def token_new(request: HttpRequest, payload: TokenIn) -> Status[dict[str, Any]]:
    """Create a token acting as you, with a scope and an optional last day. The answer
    holds the token itself, once: it is never shown again."""
    who = caller(request, Need.WRITE)
    token, secret = api_token_create(
        user=who.user,
        organization=who.organization,
        name=payload.name,
        scope=payload.scope,
        expires_on=payload.expires_on,
        by=who.user,
        source=Source.API,
    )
    body = TokenOut.from_orm(token).dict()
    return Status(201, {**body, "display_prefix": token.display_prefix, "token": secret})


@router.delete("/tokens/{token_id}", response={204: None, **WRITE_ERRORS}, tags=["tokens"])
def token_remove(request: HttpRequest, token_id: Id) -> Status[None]:
    """Revoke one of your tokens: it stops working at once (this one too)."""
    who = caller(request, Need.WRITE)
    token = tokens.api_token_get(organization=who.organization, user=who.user, pk=token_id)
    api_token_revoke(token=token, by=who.user, source=Source.API)
    return Status(204, None)


# -- reminder schedules -------------------------------------------------------------------


def _reminders(org: Organization) -> dict[str, Any]:
    saved = reminder_selectors.settings_of(organization=org)
    current = saved or ReminderSettings(organization=org)
    return {
        "saved": saved is not None,
        "timezone": org.timezone,
        **{name: getattr(current, name) for name in SETTINGS_FIELDS},
        "checkin_time": current.checkin_time.strftime("%H:%M"),
        "digest_time": current.digest_time.strftime("%H:%M"),
    }


@router.get("/reminders", response={200: RemindersOut, **READ_ERRORS}, tags=["reminders"])
def reminders_read(request: HttpRequest) -> dict[str, Any]:
    """When check-in reminders, escalations and digests go out. Owners and admins only."""
    who = caller(request, Need.READ)
    require_administer(who.membership)
    return _reminders(who.organization)


@router.patch("/reminders", response={200: RemindersOut, **WRITE_ERRORS}, tags=["reminders"])
def reminders_change(request: HttpRequest, payload: RemindersPatch) -> dict[str, Any]:
    """Change the schedule's fields sent. Saving it the first time turns reminders on."""
    who = caller(request, Need.WRITE)
    require_administer(who.membership)
    changes = {k: v for k, v in payload.dict(exclude_unset=True).items() if v is not None}
    for name in ("checkin_time", "digest_time"):
        if name in changes:
            changes[name] = dt.time.fromisoformat(changes[name])
    reminders.reminder_settings_update(
        organization=who.organization, by=who.user, source=Source.API, **changes
    )
    return _reminders(who.organization)


# -- the scorecard ------------------------------------------------------------------------


@router.get("/scorecard", response={200: ScorecardOut, **READ_ERRORS}, tags=["kpis"])
def scorecard_read(
    request: HttpRequest,
    granularity: pm.Frequency = pm.Frequency.WEEKLY,
    periods: int = Query(13, ge=1, le=104),
    team: Id | None = None,
    tag: str | None = None,
) -> dict[str, Any]:
    """The scorecard as the page draws it: KPIs as rows, the last ``periods`` periods as
    columns, each cell with its value and health; filter by owning ``team`` or ``tag``."""
    org = caller(request, Need.READ_KPIS).organization
    owner = ref(team_get_by_id, "team", team, "team", organization=org)
    board = kpi_selectors.scorecard(
        organization=org, granularity=granularity, periods=periods, team=owner, tag=tag or None
    )
    return {
        "granularity": board.granularity.value,
        "columns": [
            {"start": start, "label": label}
            for start, label in zip(board.columns, board.labels, strict=True)
        ],
        "rows": [
            {
                "kpi": row.kpi.pk,
                "key": row.kpi.key,
                "name": row.kpi.name,
                "owner_team": row.kpi.owner_team_id,
                "owner_user": row.kpi.owner_user_id,
                "unit": row.kpi.unit,
                "direction": row.kpi.direction,
                "target": row.target.target if row.target is not None else None,
                "health": row.health.value,
                "sync": row.sync,
                "promote": row.promote,
                "demote": row.demote,
                "cells": [
                    {
                        "start": cell.start,
                        "value": cell.value if cell.expected else None,
                        "health": cell.health.value,
                        "expected": cell.expected,
                    }
                    for cell in row.cells
                ],
            }
            for row in board.rows
        ],
    }
