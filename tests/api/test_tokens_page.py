"""The API tokens page and the ``tandem token`` command."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from tandem.api.models import ApiToken
from tandem.api.services import api_token_create, hash_secret
from tandem.audit.models import AuditEvent
from tests.api.conftest import Api
from tests.conftest import Cast


def _login(client: Client, cast: Cast, who: str = "member") -> Client:
    client.force_login(getattr(cast, who))
    return client


def test_page_creates_a_token_and_shows_its_secret_once(cast: Cast, api: Api) -> None:
    client = _login(Client(), cast)
    response = client.post(
        "/settings/tokens/", {"name": "Warehouse load", "scope": "measurements", "expires_on": ""}
    )
    assert response.status_code == 200
    secret = response.context["secret"]
    token = ApiToken.objects.get()
    assert token.user == cast.member
    assert token.organization == cast.org
    assert token.scope == "measurements"
    assert token.secret_hash == hash_secret(secret)
    assert secret in response.content.decode()
    assert AuditEvent.objects.filter(action="api_token.create", source="web").count() == 1
    again = client.get("/settings/tokens/")
    assert secret not in again.content.decode()
    assert token.display_prefix in again.content.decode()
    assert api.get("/kpis", as_=secret).status_code == 200


def test_page_names_the_field_of_a_bad_token(cast: Cast) -> None:
    client = _login(Client(), cast)
    response = client.post(
        "/settings/tokens/", {"name": "Old", "scope": "read", "expires_on": "2001-01-01"}
    )
    assert response.status_code == 200
    assert "expires_on" in response.context["form"].errors
    assert not ApiToken.objects.exists()


def test_page_lists_only_ones_own_tokens(cast: Cast) -> None:
    api_token_create(
        user=cast.admin,
        organization=cast.org,
        name="Admin's",
        scope="read",
        expires_on=None,
        by=None,
    )
    mine, _ = api_token_create(
        user=cast.member,
        organization=cast.org,
        name="Mine",
        scope="read",
        expires_on=None,
        by=None,
    )
    response = _login(Client(), cast).get("/settings/tokens/")
    assert [t.pk for t in response.context["tokens"]] == [mine.pk]
    assert "Admin&#x27;s" not in response.content.decode()


def test_page_revokes_a_token(cast: Cast, api: Api) -> None:
    token, secret = api_token_create(
        user=cast.member,
        organization=cast.org,
        name="Mine",
        scope="read",
        expires_on=None,
        by=None,
    )
    response = _login(Client(), cast).post(f"/settings/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api.get("/teams", as_=secret).status_code == 401


def test_nobody_revokes_someone_elses_token(cast: Cast) -> None:
    token, _ = api_token_create(
        user=cast.admin,
        organization=cast.org,
        name="Admin's",
        scope="read",
        expires_on=None,
        by=None,
    )
    response = _login(Client(), cast).post(f"/settings/tokens/{token.pk}/revoke/")
    assert response.status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_page_needs_a_login(cast: Cast) -> None:
    assert Client().get("/settings/tokens/").status_code == 302


def test_menu_links_to_the_tokens_page(cast: Cast) -> None:
    response = _login(Client(), cast).get("/")
    assert 'href="/settings/tokens/"' in response.content.decode()


# -- the command line ---------------------------------------------------------------------


def _token(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_cli_creates_lists_and_revokes_a_token(cast: Cast, api: Api) -> None:
    org = ["--email", "MEMBER@acme.test", "--org", cast.org.slug]
    secret, note = _token(
        "create", *org, "--name", "Nightly", "--scope", "write", "--expires", "2999-12-31"
    )
    secret = secret.strip()
    assert secret.startswith("tdm_")
    assert "shown only once" in note
    assert api.get("/teams", as_=secret).status_code == 200
    assert AuditEvent.objects.filter(action="api_token.create", source="cli").count() == 1
    listed, _ = _token("list", *org)
    assert "Nightly" in listed
    assert "active" in listed
    assert secret not in listed
    revoked, _ = _token("revoke", *org, "--name", secret[:14])
    assert "Revoked" in revoked
    assert api.get("/teams", as_=secret).status_code == 401
    assert "revoked" in _token("list", *org)[0]


def test_cli_names_the_option_at_fault(cast: Cast) -> None:
    org = ["--email", "member@acme.test", "--org", cast.org.slug]
    with pytest.raises(CommandError, match="--expires"):
        _token("create", *org, "--name", "X", "--expires", "someday")
    with pytest.raises(CommandError, match="--expires"):
        _token("create", *org, "--name", "X", "--expires", "2001-01-01")
    with pytest.raises(CommandError, match="--email"):
        _token("create", "--email", "oscar@globex.test", "--org", cast.org.slug, "--name", "X")
    with pytest.raises(CommandError, match="--org"):
        _token("list", "--email", "member@acme.test", "--org", "nowhere")
    with pytest.raises(CommandError, match="--name"):
        _token("revoke", *org, "--name", "missing")
    assert not ApiToken.objects.exists()
