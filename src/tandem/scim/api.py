"""The organisation's SCIM tokens through ``/api/v1`` (what the Provisioning settings
page does): owners and admins with a ``write`` token."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status

from tandem.access.permissions import require_administer
from tandem.api.auth import Need, caller
from tandem.api.common import LIMIT, Id, paginate
from tandem.api.errors import READ_ERRORS, WRITE_ERRORS
from tandem.api.schemas import Page
from tandem.audit.models import Source
from tandem.scim import selectors
from tandem.scim.services import scim_token_create, scim_token_revoke

router = Router()


class ScimTokenOut(Schema):
    id: int
    name: str
    prefix: str = Field(validation_alias="display_prefix", description="Its first characters.")
    revoked_at: dt.datetime | None
    last_used_at: dt.datetime | None
    created_at: dt.datetime


class ScimTokenCreated(ScimTokenOut):
    token: str = Field(description="The token itself: shown this once, never again.")


class ScimTokenIn(Schema):
    name: str = Field(max_length=100, description="The identity provider, e.g. “Okta”.")


class ScimTokenPage(Page):
    items: list[ScimTokenOut]


@router.get("/scim-tokens", response={200: ScimTokenPage, **READ_ERRORS}, tags=["provisioning"])
def scim_token_list(request: HttpRequest, cursor: str | None = None, limit: int = LIMIT) -> Any:
    """The organisation's SCIM tokens (never their secrets). Owners and admins only."""
    who = caller(request, Need.READ)
    require_administer(who.membership)
    return paginate(
        selectors.scim_token_list(organization=who.organization), cursor=cursor, limit=limit
    )


@router.post(
    "/scim-tokens", response={201: ScimTokenCreated, **WRITE_ERRORS}, tags=["provisioning"]
)
def scim_token_new(request: HttpRequest, payload: ScimTokenIn) -> Status[dict[str, Any]]:
    """Create a token for the organisation's identity provider to call ``/scim/v2``. The
    answer holds the token itself, once."""
    who = caller(request, Need.WRITE)
    require_administer(who.membership)
    token, secret = scim_token_create(
        organization=who.organization, name=payload.name, by=who.user, source=Source.API
    )
    body = ScimTokenOut.from_orm(token).dict()
    return Status(201, {**body, "display_prefix": token.display_prefix, "token": secret})


@router.delete(
    "/scim-tokens/{scim_token_id}", response={204: None, **WRITE_ERRORS}, tags=["provisioning"]
)
def scim_token_remove(request: HttpRequest, scim_token_id: Id) -> Status[None]:
    """Revoke a SCIM token: the provider's next request is refused."""
    who = caller(request, Need.WRITE)
    require_administer(who.membership)
    token = selectors.scim_token_get(organization=who.organization, pk=scim_token_id)
    scim_token_revoke(token=token, by=who.user, source=Source.API)
    return Status(204, None)
