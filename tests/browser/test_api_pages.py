"""In a real Chromium: the tokens page, and the API reference working with no internet."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tandem.accounts.models import User
from tandem.api.models import ApiToken
from tandem.api.services import hash_secret
from tests.conftest import Cast

pytestmark = pytest.mark.browser


def test_person_creates_a_token_and_copies_it_once(
    page: Any, live_server: Any, log_in: Callable[[User], Any], cast: Cast
) -> None:
    log_in(cast.member)
    page.locator(".profile__summary").click()  # the person's own links are in their menu
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("Warehouse nightly load")
    page.get_by_label("Scope").select_option("measurements")
    page.get_by_role("button", name="Create token").click()
    secret = page.locator("#new-token").inner_text()
    assert ApiToken.objects.get().secret_hash == hash_secret(secret)
    page.goto(f"{live_server.url}/settings/tokens/")
    assert page.locator("#new-token").count() == 0
    page.get_by_role("button", name="Revoke “Warehouse nightly load”").click()
    assert "no longer works" in page.locator("#messages").inner_text()
    assert ApiToken.objects.get().revoked_at is not None


def test_api_reference_renders_without_the_internet(page: Any, live_server: Any) -> None:
    outside: list[str] = []

    def only_local(route: Any) -> None:
        if route.request.url.startswith(live_server.url):
            route.continue_()
        else:
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", only_local)
    page.goto(f"{live_server.url}/api/v1/docs")
    page.get_by_text("/api/v1/measurements/bulk").first.wait_for()
    assert page.get_by_text("Tandem API").first.is_visible()
    assert outside == []
