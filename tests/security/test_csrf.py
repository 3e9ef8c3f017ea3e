"""Every form route refuses a POST without a CSRF token, for a signed-in owner.

The routes come from the URL configuration (the isolation matrix's walk and table in
``tests/security/routes.py``), so a route added tomorrow is covered without touching
this file. A POST is sent to every route, not only to the routes that take one: a
route that does not answer POST must still never act on a forged one.

``/api/v1`` is left out on purpose: the API authenticates with a bearer token the
browser never sends on its own, so a forged cross-site request carries no
credentials. ``test_the_api_ignores_the_session_cookie`` checks exactly that.
"""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import NoReverseMatch, reverse

from tests.security.conftest import World
from tests.security.routes import PAGES
from tests.security.test_isolation_matrix import route_names

pytestmark = pytest.mark.django_db

BY_NAME = {page.name: page for page in PAGES}
# Django's refusal page says this; a 403 from a permission check does not.
CSRF_REFUSAL = b"CSRF verification failed"


def _web_routes() -> list[str]:
    return [name for name in route_names() if not name.startswith("api-v1:")]


def _url(world: World, name: str) -> str:
    page = BY_NAME.get(name)
    kwargs: dict[str, Any] = page.args(world) if page is not None else {}
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:  # pragma: no cover - the isolation matrix names the fix
        pytest.fail(f"{name} needs URL arguments: add it to tests/security/routes.py PAGES")


def _owner(world: World) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.SESSION_COOKIE_NAME] = world.sessions["owner"]
    return client


def test_the_walk_finds_the_form_routes() -> None:
    # A walk that found nothing would make every test below vacuous.
    names = set(_web_routes())
    assert {"login", "objective_edit", "key_result_check_in", "import_commit", "people"} <= names
    assert not any(name.startswith("api-v1:") for name in names)


@pytest.mark.parametrize("name", _web_routes())
def test_post_without_a_csrf_token_is_403(rolled_back: World, name: str) -> None:
    url = _url(rolled_back, name)
    response = _owner(rolled_back).post(url, BY_NAME[name].data(rolled_back))
    assert response.status_code == 403, f"POST {url} without a CSRF token: {response.status_code}"
    assert CSRF_REFUSAL in response.content, f"POST {url}: 403, but not for the missing token"


@pytest.mark.parametrize("name", _web_routes())
def test_post_with_a_wrong_csrf_token_is_403(rolled_back: World, name: str) -> None:
    url = _url(rolled_back, name)
    client = _owner(rolled_back)
    client.cookies[settings.CSRF_COOKIE_NAME] = "a" * 32
    response = client.post(url, BY_NAME[name].data(rolled_back), headers={"X-CSRFToken": "b" * 32})
    assert response.status_code == 403, f"POST {url} with a forged token: {response.status_code}"
    assert CSRF_REFUSAL in response.content


@pytest.mark.parametrize("name", _web_routes())
def test_post_with_the_csrf_token_gets_past_the_check(rolled_back: World, name: str) -> None:
    """The control: the same POST with the page's token is not refused for CSRF, so the
    403 above is the token check and not a permission check."""
    url = _url(rolled_back, name)
    client = _owner(rolled_back)
    token = "c" * 32  # a secret, as the cookie holds it; the form sends it back
    client.cookies[settings.CSRF_COOKIE_NAME] = token
    response = client.post(url, BY_NAME[name].data(rolled_back), headers={"X-CSRFToken": token})
    assert CSRF_REFUSAL not in response.content, f"POST {url} with its token: refused for CSRF"


def test_the_api_ignores_the_session_cookie(rolled_back: World) -> None:
    """A browser sends the session cookie with a forged request, never a bearer token:
    with the cookie alone the API answers 401 and writes nothing."""
    client = Client(enforce_csrf_checks=True)
    client.cookies[settings.SESSION_COOKIE_NAME] = rolled_back.sessions["owner"]
    before = rolled_back.objective.key_results.count()
    response = client.post(
        "/api/v1/key-results",
        {"objective": rolled_back.objective.pk, "title": "Forged", "kind": "milestone"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert rolled_back.objective.key_results.count() == before
