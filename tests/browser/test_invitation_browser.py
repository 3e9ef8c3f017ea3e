"""In a real Chromium: an owner invites someone, who accepts from the e-mailed link."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tandem.accounts.models import Membership, Role, User
from tests.accounts.conftest import link_in, run_worker
from tests.conftest import Cast, Mailbox

pytestmark = pytest.mark.browser


def test_an_invited_person_accepts_from_the_email_and_lands_in_the_organisation(
    page: Any,
    browser: Any,
    live_server: Any,
    log_in: Callable[[User], Any],
    cast: Cast,
    smtp_server: Mailbox,
    settings: Any,
) -> None:
    settings.TANDEM_BASE_URL = live_server.url
    log_in(cast.owner)
    page.goto(f"{live_server.url}/settings/people/")
    page.get_by_label("E-mail", exact=True).fill("nia@acme.test")
    page.get_by_label("Role", exact=True).select_option("editor")
    page.get_by_label("Sales").check()
    page.get_by_role("button", name="Send invitation").click()
    assert "Invitation sent to nia@acme.test" in page.locator("#messages").inner_text()
    assert "nia@acme.test" in page.locator("#invitations").inner_text()

    run_worker()
    path = link_in(smtp_server.to("nia@acme.test")[0], base_url=live_server.url)
    context = browser.new_context()
    nia = context.new_page()
    try:
        nia.goto(f"{live_server.url}{path}")
        nia.get_by_label("Your name").fill("Nia New")
        nia.get_by_label("Password", exact=True).fill("a long new passphrase")
        nia.get_by_label("Password again").fill("a long new passphrase")
        nia.get_by_role("button", name="Create my account and join").click()
        nia.wait_for_url(f"{live_server.url}/")
        assert "Welcome to Acme IT: you joined as Editor." in nia.locator("#messages").inner_text()
    finally:
        context.close()
    membership = Membership.objects.get(organization=cast.org, user__email="nia@acme.test")
    assert membership.role == Role.EDITOR
