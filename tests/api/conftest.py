"""Helpers for the API tests: tokens for the cast, and a client that speaks JSON with one.

``api.get("/objectives", as_=token)`` calls ``/api/v1/objectives`` with
``Authorization: Bearer <token>`` and returns the response; ``.json()`` reads its body.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tandem.accounts.models import Organization, User
from tandem.api.models import Scope
from tandem.api.services import api_token_create
from tandem.kpis import services as kpis
from tandem.kpis.models import KPI
from tests.conftest import Cast
from tests.webhooks.conftest import closed_receiver, receiver  # noqa: F401  (fixtures)

PROBLEM = "application/problem+json"


def token_for(user: User, org: Organization, scope: str = Scope.WRITE, **extra: Any) -> str:
    _, secret = api_token_create(
        user=user,
        organization=org,
        name=f"{user.email} {scope}",
        scope=scope,
        expires_on=extra.get("expires_on"),
        by=user,
    )
    return secret


@dataclass
class Tokens:
    owner: str
    editor: str
    member: str
    viewer: str
    reader: str  # the owner, read scope
    measurer: str  # the owner, measurements scope
    outsider: str  # the owner of the other organisation


@pytest.fixture
def tokens(cast: Cast) -> Tokens:
    return Tokens(
        owner=token_for(cast.owner, cast.org),
        editor=token_for(cast.editor, cast.org),
        member=token_for(cast.member, cast.org),
        viewer=token_for(cast.viewer, cast.org),
        reader=token_for(cast.owner, cast.org, Scope.READ),
        measurer=token_for(cast.owner, cast.org, Scope.MEASUREMENTS),
        outsider=token_for(cast.outsider, cast.other_org),
    )


class Api:
    """A JSON client for ``/api/v1``."""

    def __init__(self) -> None:
        self.client = Client()

    def call(
        self,
        method: str,
        path: str,
        *,
        as_: str | None,
        body: Any = None,
        headers: dict[str, str] | None = None,
        raw: str | None = None,
    ) -> Any:
        sent = dict(headers or {})
        if as_ is not None:
            sent["Authorization"] = f"Bearer {as_}"
        data = raw if raw is not None else (json.dumps(body) if body is not None else None)
        kwargs: dict[str, Any] = {"headers": sent}
        if data is not None:
            kwargs.update(data=data, content_type="application/json")
        url = "/api/v1" + path
        return getattr(self.client, method)(url, **kwargs)

    def get(self, path: str, *, as_: str | None, **kw: Any) -> Any:
        return self.call("get", path, as_=as_, **kw)

    def post(self, path: str, body: Any = None, *, as_: str | None, **kw: Any) -> Any:
        return self.call("post", path, as_=as_, body=body, **kw)

    def patch(self, path: str, body: Any = None, *, as_: str | None, **kw: Any) -> Any:
        return self.call("patch", path, as_=as_, body=body, **kw)

    def put(self, path: str, body: Any = None, *, as_: str | None, **kw: Any) -> Any:
        return self.call("put", path, as_=as_, body=body, **kw)

    def delete(self, path: str, *, as_: str | None, **kw: Any) -> Any:
        return self.call("delete", path, as_=as_, **kw)


@pytest.fixture
def api() -> Api:
    return Api()


def assert_problem(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    """The response is RFC 9457 problem JSON with ``status``, naming ``field`` if given."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://")
    assert body["title"]
    assert body["detail"]
    if field is not None:
        assert field in [e["field"] for e in body["errors"]], body
    return body


def this_week(org: Organization, weeks_ago: int = 0) -> dt.date:
    """The Monday starting the organisation's current week, or one ``weeks_ago``."""
    today = timezone.now().astimezone(org.tz).date()
    monday = today - dt.timedelta(days=(today.isoweekday() - org.week_start) % 7)
    return monday - dt.timedelta(weeks=weeks_ago)


@pytest.fixture
def kpi(cast: Cast) -> KPI:
    return kpis.kpi_create(
        organization=cast.org,
        name="Churn rate",
        key="churn-rate",
        owner_team=cast.team,
        frequency="weekly",
        direction="lower_is_better",
        by=cast.owner,
    )
