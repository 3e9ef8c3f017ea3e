"""SCIM tokens: made and revoked by owners and admins on the Provisioning page and
through the API, shown once, kept as a fingerprint, working for one organisation."""

from __future__ import annotations

import hashlib

from django.test import Client

from tandem.accounts.models import User
from tandem.audit.models import AuditEvent
from tandem.scim.models import ScimToken
from tests.api.conftest import Api, token_for
from tests.conftest import Cast
from tests.scim.conftest import Idp, scim_error


def _as(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_admin_makes_a_token_on_the_page_and_sees_it_once(cast: Cast) -> None:
    client = _as(cast.admin)
    page = client.get("/settings/provisioning/")
    assert page.status_code == 200
    assert b"/scim/v2" in page.content
    answer = client.post("/settings/provisioning/", {"name": "Okta"})
    assert answer.status_code == 200
    secret = answer.context["secret"]
    assert secret.startswith("scim_")
    assert secret in answer.content.decode()
    token = ScimToken.objects.get()
    assert token.organization == cast.org
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in client.get("/settings/provisioning/").content.decode()
    assert AuditEvent.objects.filter(action="scim_token.create", source="web").count() == 1
    assert Idp(secret).get("/Users").status_code == 200
    token.refresh_from_db()
    assert token.last_used_at is not None


def test_revoking_on_the_page_stops_the_provider(cast: Cast) -> None:
    client = _as(cast.owner)
    secret = client.post("/settings/provisioning/", {"name": "Okta"}).context["secret"]
    token = ScimToken.objects.get()
    answer = client.post(f"/settings/provisioning/{token.pk}/revoke/")
    assert answer.status_code == 302
    assert "was revoked" in scim_error(Idp(secret).get("/Users"), 401)
    assert b"revoked" in client.get("/settings/provisioning/").content


def test_a_nameless_token_is_refused_naming_the_field(cast: Cast) -> None:
    answer = _as(cast.admin).post("/settings/provisioning/", {"name": "   "})
    assert answer.status_code == 422
    assert answer.context["form"].errors["name"]
    assert not ScimToken.objects.exists()


def test_only_owners_and_admins_see_the_page(cast: Cast) -> None:
    for user in (cast.editor, cast.member, cast.viewer):
        assert _as(user).get("/settings/provisioning/").status_code == 403
        assert _as(user).post("/settings/provisioning/", {"name": "x"}).status_code == 403
    assert not ScimToken.objects.exists()


def test_another_organisations_token_cannot_be_revoked_here(cast: Cast) -> None:
    secret = _as(cast.outsider).post("/settings/provisioning/", {"name": "Entra"}).context["secret"]
    theirs = ScimToken.objects.get(organization=cast.other_org)
    assert _as(cast.owner).post(f"/settings/provisioning/{theirs.pk}/revoke/").status_code == 404
    assert Idp(secret).get("/Users").status_code == 200


def test_the_api_lists_makes_and_revokes_tokens(cast: Cast, api: Api) -> None:
    admin = token_for(cast.admin, cast.org)
    made = api.post("/scim-tokens", as_=admin, body={"name": "Entra"})
    assert made.status_code == 201
    secret = made.json()["token"]
    assert made.json()["prefix"] == secret[: len(made.json()["prefix"])]
    listed = api.get("/scim-tokens", as_=admin).json()["items"]
    assert [t["name"] for t in listed] == ["Entra"]
    assert "token" not in listed[0]
    assert Idp(secret).get("/Groups").status_code == 200
    assert api.delete(f"/scim-tokens/{made.json()['id']}", as_=admin).status_code == 204
    assert Idp(secret).get("/Groups").status_code == 401
    assert AuditEvent.objects.filter(action="scim_token.revoke", source="api").count() == 1
    member = token_for(cast.member, cast.org)
    assert api.post("/scim-tokens", as_=member, body={"name": "x"}).status_code == 403
    outsider = token_for(cast.outsider, cast.other_org)
    assert api.delete(f"/scim-tokens/{made.json()['id']}", as_=outsider).status_code == 404
