"""The isolation matrix: every route and API operation, for every role and every verb.

The routes come from the URL configuration (walked recursively) and the operations
from the OpenAPI document, so a new route is never forgotten: one missing from the
table in ``tests/security/routes.py`` fails ``test_every_route_is_in_the_table``
(or its API twin) with the line to add. How to add one is written at the top of
``routes.py``.

Roles: the five of the organisation, ``outsider`` (the owner of another
organisation) and ``anonymous``. Conventions:

- allowed: 2xx or 3xx; for a POST with an empty form, 400 or 422 counts (the
  request got past the permission check and the form refused it);
- insufficient role: 403;
- outsider, on a route naming one of our objects: 404, never 403 (existence does
  not leak); on a route naming none, they are the owner of their own organisation;
- anonymous: a redirect to the login page; 401 from the API.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.security.conftest import World
from tests.security.routes import EXEMPT, OPERATIONS, PAGES, Op, Page, Roles

pytestmark = pytest.mark.django_db

CAST_ROLES = ("owner", "admin", "editor", "member", "viewer", "outsider", "anonymous")
BY_NAME = {page.name: page for page in PAGES}
BY_OPERATION = {op.operation: op for op in OPERATIONS}
API_PREFIX = "/api/v1"


def _walk(patterns: list[Any], namespace: str = "") -> list[str]:
    names: list[str] = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or ""
            if inner in EXEMPT:
                continue
            names.extend(_walk(pattern.url_patterns, inner or namespace))
        elif isinstance(pattern, URLPattern):
            name = pattern.name or f"<unnamed {pattern.pattern}>"
            if namespace:
                name = f"{namespace}:{name}"
            if namespace == "api-v1" and name not in BY_NAME:
                continue  # API operations: checked from the OpenAPI document
            if name not in EXEMPT:
                names.append(name)
    return names


def route_names() -> list[str]:
    return sorted(set(_walk(get_resolver().url_patterns)))


def _openapi() -> dict[str, Any]:
    # The document as the API builds it: parametrisation happens at collection, before
    # the test settings (ALLOWED_HOSTS) apply. test_the_served_document_is_the_one_walked
    # checks that /api/v1/openapi.json serves the same one.
    from tandem.api.api import api

    document: dict[str, Any] = api.get_openapi_schema(path_prefix=API_PREFIX)
    return document


def api_operations() -> list[tuple[str, str, str]]:
    """(operationId, method, path) of every operation in the OpenAPI document."""
    found = []
    for path, methods in _openapi()["paths"].items():
        for method, operation in methods.items():
            found.append((operation["operationId"], method.upper(), path))
    return sorted(found)


def test_the_served_document_is_the_one_walked(client: Client) -> None:
    response = client.get(f"{API_PREFIX}/openapi.json")
    assert response.status_code == 200
    served = sorted(
        (operation["operationId"], method.upper(), path)
        for path, methods in response.json()["paths"].items()
        for method, operation in methods.items()
    )
    assert served == api_operations()


def test_every_route_is_in_the_table() -> None:
    missing = [name for name in route_names() if name not in BY_NAME]
    assert not missing, "Routes missing from tests/security/routes.py PAGES:\n" + "\n".join(
        f'    Page("{name}", args=..., get=EVERYONE|WRITERS|EDITORS|ADMINS|PUBLIC, post=...),'
        for name in missing
    )


def test_every_api_operation_is_in_the_table() -> None:
    missing = [
        (op, method, path) for op, method, path in api_operations() if op not in BY_OPERATION
    ]
    assert not missing, "API operations missing from tests/security/routes.py OPERATIONS:\n" + (
        "\n".join(
            f'    Op("{op}", EVERYONE|WRITERS|EDITORS|ADMINS, args=..., body=...),'
            f"  # {method} {path}"
            for op, method, path in missing
        )
    )


# -- pages ----------------------------------------------------------------------------------


def _page_cases() -> list[Any]:
    existing = set(route_names())
    cases = []
    for page in PAGES:
        if page.name not in existing:
            continue  # in the table before its route lands
        for verb, roles in (("GET", page.get), ("POST", page.post)):
            if roles is None:
                continue
            for role in CAST_ROLES:
                cases.append(pytest.param(page, verb, role, id=f"{page.name}-{verb}-{role}"))
    return cases


def _expected(page: Page, roles: Roles, role: str, names_an_object: bool) -> str:
    if role in roles:
        return "allowed"
    if role == "anonymous":
        return "login"
    if role == "outsider":
        if names_an_object:
            return "404"
        return "allowed" if "owner" in roles else str(page.refused)
    return str(page.refused)


def _allowed(status: int, verb: str) -> bool:
    return status < 400 or (verb != "GET" and status in (400, 422))


@pytest.mark.parametrize(("page", "verb", "role"), _page_cases())
def test_page(rolled_back: World, page: Page, verb: str, role: str) -> None:
    world = rolled_back
    url = reverse(page.name, kwargs=page.args(world))
    client = world.client(role)
    response = client.get(url) if verb == "GET" else client.post(url, page.data(world))
    roles = page.get if verb == "GET" else page.post
    assert roles is not None
    expected = _expected(page, roles, role, page.names_an_object(world))
    status = response.status_code
    where = f"{verb} {url} as {role}"
    if expected == "allowed":
        assert _allowed(status, verb), f"{where}: expected it allowed, got {status}"
    elif expected == "login":
        assert status == 302, f"{where}: expected a redirect to log in, got {status}"
        assert response["Location"].startswith(reverse("login")), where
    else:
        assert status == int(expected), f"{where}: expected {expected}, got {status}"


# -- the API ----------------------------------------------------------------------------------


def _api_cases() -> list[Any]:
    cases = []
    for operation, method, path in api_operations():
        op = BY_OPERATION.get(operation)
        if op is None:
            continue
        for role in CAST_ROLES:
            cases.append(pytest.param(op, method, path, role, id=f"{operation}-{method}-{role}"))
    return cases


@pytest.mark.parametrize(("op", "method", "path", "role"), _api_cases())
def test_api(rolled_back: World, op: Op, method: str, path: str, role: str) -> None:
    world = rolled_back
    args = op.args(world)
    url = path.format(**args)
    headers = {}
    if role != "anonymous":
        headers["Authorization"] = f"Bearer {world.tokens[role]}"
    body = op.body(world) if op.body is not None else None
    response = Client().generic(
        method,
        url,
        data=json.dumps(body) if body is not None else "",
        content_type="application/json",
        headers=headers,
    )
    status = response.status_code
    where = f"{method} {url} as {role}"
    if role == "anonymous":
        assert status == 401, f"{where}: expected 401, got {status}"
    elif role == "outsider":
        if args:
            assert status == 404, f"{where}: expected 404, got {status}"
        elif method == "GET":
            assert status == 200, f"{where}: expected their own organisation's list, got {status}"
            assert world.objective.title not in response.content.decode(), where
            assert world.kpi.name not in response.content.decode(), where
        else:
            # A body naming our objects names nothing in theirs; a change to their own
            # organisation (its settings, its reminders) is theirs to make.
            allowed = 200 <= status < 300 or status == 422
            assert allowed, f"{where}: expected 2xx or 422, got {status}"
    elif role in op.roles:
        assert 200 <= status < 300, f"{where}: expected success, got {status}: {response.content!r}"
    else:
        assert status == op.refused, f"{where}: expected {op.refused}, got {status}"
