"""Who is calling: a bearer token acts as one person in one organisation, within its scope."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from tandem.access.permissions import Viewer, viewer_of
from tandem.accounts.models import Membership, Organization, User
from tandem.api.errors import ApiError
from tandem.api.models import ApiToken, Scope
from tandem.api.services import api_token_find, api_token_touch


class TokenAuth(HttpBearer):
    openapi_scheme = "bearer"

    def authenticate(self, request: HttpRequest, token: str) -> ApiToken:
        found = api_token_find(token.strip())
        if found is None:
            raise ApiError(401, "This token is not valid; check it was copied whole.")
        if found.is_revoked:
            raise ApiError(401, f"The token “{found.name}” was revoked.")
        if found.is_expired():
            raise ApiError(401, f"The token “{found.name}” expired on {found.expires_on}.")
        membership = (
            Membership.objects.select_related("organization", "user")
            .filter(organization_id=found.organization_id, user_id=found.user_id)
            .first()
        )
        if membership is None or not membership.user.is_active:
            raise ApiError(
                401, f"The token's owner no longer belongs to {found.organization.name}."
            )
        api_token_touch(token=found)
        found.membership = membership  # type: ignore[attr-defined]
        return found


class Need(Enum):
    """What an operation needs from the token's scope."""

    READ = "read"  # read OKRs, teams and people
    READ_KPIS = "read_kpis"  # read KPIs and their measurements
    WRITE = "write"
    MEASURE = "measure"  # record KPI measurements


_ALLOWED = {
    Need.READ: {Scope.READ, Scope.WRITE},
    Need.READ_KPIS: {Scope.READ, Scope.WRITE, Scope.MEASUREMENTS},
    Need.WRITE: {Scope.WRITE},
    Need.MEASURE: {Scope.WRITE, Scope.MEASUREMENTS},
}
_REFUSAL = {
    Scope.READ: "This token may only read (scope “read”); create a “write” token to change data.",
    Scope.MEASUREMENTS: (
        "This token may only read KPIs and post their measurements (scope “measurements”)."
    ),
    Scope.WRITE: "",
}


@dataclass(frozen=True)
class Caller:
    token: ApiToken
    membership: Membership

    @property
    def user(self) -> User:
        return self.membership.user

    @property
    def organization(self) -> Organization:
        return self.membership.organization


def caller(request: HttpRequest, need: Need) -> Caller:
    """The token's person and organisation, once its scope allows ``need`` (else 403)."""
    token: Any = request.auth  # type: ignore[attr-defined]
    assert isinstance(token, ApiToken)
    if token.scope not in _ALLOWED[need]:
        raise ApiError(403, _REFUSAL[Scope(token.scope)], kind="scope")
    return Caller(token=token, membership=token.membership)  # type: ignore[attr-defined]


def caller_viewer(request: HttpRequest, need: Need) -> tuple[Caller, Viewer]:
    """The caller, and the person as the selectors and role rules see them (with their
    teams, read in one query)."""
    who = caller(request, need)
    return who, viewer_of(who.membership)
