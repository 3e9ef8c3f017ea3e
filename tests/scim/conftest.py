"""An identity provider's side of SCIM: a client that sends ``/scim/v2`` requests with
the organisation's bearer token, as Okta or Microsoft Entra ID send them."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tandem.scim.services import scim_token_create
from tests.conftest import Cast

SCIM = "application/scim+json"
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


class Idp:
    """Sends what a provider sends: JSON bodies as application/scim+json, the token in
    the Authorization header; every answer is checked to be SCIM JSON."""

    def __init__(self, token: str | None) -> None:
        self.token = token
        self.client = Client()

    def call(self, method: str, path: str, body: Any = None, **query: Any) -> Any:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        url = "/scim/v2" + path
        if method == "GET":
            response = self.client.get(url, query, headers=headers)
        else:
            response = getattr(self.client, method.lower())(
                url,
                json.dumps(body) if body is not None else "",
                content_type=SCIM,
                headers=headers,
            )
        if response.status_code != 204:
            assert response["Content-Type"] == SCIM, response.content
            response.body = json.loads(response.content)  # type: ignore[attr-defined]
        else:
            assert response.content == b""
        return response

    def get(self, path: str, **query: Any) -> Any:
        return self.call("GET", path, **query)

    def post(self, path: str, body: Any) -> Any:
        return self.call("POST", path, body)

    def put(self, path: str, body: Any) -> Any:
        return self.call("PUT", path, body)

    def patch(self, path: str, *operations: dict[str, Any]) -> Any:
        return self.call("PATCH", path, {"schemas": [PATCH], "Operations": list(operations)})

    def delete(self, path: str) -> Any:
        return self.call("DELETE", path)


def scim_error(response: Any, status: int, scim_type: str | None = None) -> str:
    """The error's detail, once it is checked to be a SCIM error with this status."""
    assert response.status_code == status, response.body
    body = response.body
    assert body["schemas"] == [ERROR]
    assert body["status"] == str(status)
    if scim_type is None:
        assert "scimType" not in body
    else:
        assert body["scimType"] == scim_type
    return str(body["detail"])


@pytest.fixture
def idp(cast: Cast) -> Idp:
    """The provider of cast.org, with a token an admin made."""
    _, secret = scim_token_create(organization=cast.org, name="Okta", by=cast.admin)
    return Idp(secret)


@pytest.fixture
def other_idp(cast: Cast) -> Idp:
    """The provider of cast.other_org."""
    _, secret = scim_token_create(organization=cast.other_org, name="Entra", by=cast.outsider)
    return Idp(secret)


def okta_user(email: str, given: str = "Ada", family: str = "Lovelace", **extra: Any) -> dict:
    """A user as Okta posts it (its SCIM 2.0 test app's body)."""
    return {
        "schemas": [USER],
        "userName": email,
        "name": {"givenName": given, "familyName": family},
        "emails": [{"primary": True, "value": email, "type": "work"}],
        "displayName": f"{given} {family}",
        "locale": "en-US",
        "externalId": "00u1okta" + email.split("@")[0],
        "groups": [],
        "password": "ignored-by-tandem-1",
        "active": True,
        **extra,
    }


def entra_user(upn: str, mail: str, display: str = "Grace Hopper", **extra: Any) -> dict:
    """A user as Microsoft Entra ID posts it with its default attribute mappings."""
    given, _, family = display.partition(" ")
    return {
        "schemas": [USER, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"],
        "externalId": "a1b2-" + upn.split("@")[0],
        "userName": upn,
        "active": True,
        "displayName": display,
        "title": "Engineer",
        "emails": [{"primary": True, "type": "work", "value": mail}],
        "meta": {"resourceType": "User"},
        "name": {"formatted": display, "familyName": family, "givenName": given},
        "addresses": [{"type": "work", "country": "FR"}],
        "phoneNumbers": [{"type": "work", "value": "+33 1 00 00 00 00"}],
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User": {"department": "R&D"},
        **extra,
    }


@pytest.fixture
def api() -> Any:
    from tests.api.conftest import Api

    return Api()
