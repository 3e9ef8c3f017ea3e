"""The discovery documents a provider reads before it provisions."""

from __future__ import annotations

from tests.conftest import Cast
from tests.scim.conftest import GROUP, LIST, USER, Idp, scim_error


def test_service_provider_config_says_what_is_supported(cast: Cast) -> None:
    body = Idp(None).get("/ServiceProviderConfig").body
    assert body["patch"] == {"supported": True}
    assert body["filter"]["supported"] is True
    assert body["bulk"]["supported"] is False
    assert body["etag"] == {"supported": False}
    assert body["authenticationSchemes"][0]["type"] == "oauthbearertoken"


def test_resource_types_and_schemas(cast: Cast, idp: Idp) -> None:
    types = idp.get("/ResourceTypes").body
    assert types["schemas"] == [LIST]
    assert {(t["name"], t["endpoint"], t["schema"]) for t in types["Resources"]} == {
        ("User", "/Users", USER),
        ("Group", "/Groups", GROUP),
    }
    assert idp.get("/ResourceTypes/User").body["schema"] == USER
    scim_error(idp.get("/ResourceTypes/Device"), 404)
    schemas = idp.get("/Schemas").body["Resources"]
    assert {s["id"] for s in schemas} == {USER, GROUP}
    user = idp.get(f"/Schemas/{USER}").body
    assert {a["name"] for a in user["attributes"]} >= {"userName", "active", "emails", "name"}
    scim_error(idp.get("/Schemas/urn:nothing"), 404)
