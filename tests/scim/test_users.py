"""SCIM Users as identity providers drive them: the requests Okta and Microsoft Entra ID
send on create, update, deactivate and delete, against the real endpoints."""

from __future__ import annotations

import json
from typing import Any

from django.test import Client

from tandem.accounts import services as accounts
from tandem.accounts.models import Membership, Role, TeamMembership, User
from tandem.api.models import ApiToken
from tandem.audit.models import AuditEvent
from tandem.scim.models import ScimUser
from tests.api.conftest import Api, token_for
from tests.conftest import Cast
from tests.scim.conftest import LIST, PATCH, USER, Idp, entra_user, okta_user, scim_error


def _signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    assert client.get("/").status_code == 200
    return client


# -- create: GET filter userName eq -> empty list -> POST ---------------------------------


def test_okta_creates_a_person_after_finding_nobody(idp: Idp, cast: Cast) -> None:
    found = idp.get("/Users", filter='userName eq "ada@acme.test"', startIndex=1, count=100)
    assert found.status_code == 200
    assert found.body == {
        "schemas": [LIST],
        "totalResults": 0,
        "startIndex": 1,
        "itemsPerPage": 0,
        "Resources": [],
    }
    created = idp.post("/Users", okta_user("Ada@Acme.test"))
    assert created.status_code == 201, created.body
    body = created.body
    user = User.objects.get(email="ada@acme.test")
    assert body["id"] == str(user.pk)
    assert body["userName"] == "Ada@Acme.test"
    assert body["active"] is True
    assert body["name"]["formatted"] == "Ada Lovelace"
    assert body["emails"] == [{"value": "ada@acme.test", "type": "work", "primary": True}]
    assert body["externalId"] == "00u1oktaAda"
    assert created["Location"] == body["meta"]["location"]
    assert body["meta"]["location"].endswith(f"/scim/v2/Users/{user.pk}")
    # A member without a password: they sign in through the provider.
    assert Membership.objects.get(organization=cast.org, user=user).role == Role.MEMBER
    assert not user.has_usable_password()
    assert user.full_name == "Ada Lovelace"
    assert AuditEvent.objects.filter(
        organization=cast.org, action="membership.create", source="scim", actor=None
    ).exists()
    assert AuditEvent.objects.filter(action="scim.user_create", source="scim").count() == 1
    # The next sync finds the person, whatever the case of the name.
    again = idp.get("/Users", filter='userName eq "ada@ACME.test"')
    assert again.body["totalResults"] == 1
    assert again.body["Resources"][0]["id"] == str(user.pk)


def test_entra_creates_a_person_whose_user_principal_name_is_not_their_address(
    idp: Idp, cast: Cast
) -> None:
    assert (
        idp.get("/Users", filter='userName eq "grace@acme.onmicrosoft.test"').body["totalResults"]
        == 0
    )
    created = idp.post("/Users", entra_user("grace@acme.onmicrosoft.test", "grace@acme.test"))
    assert created.status_code == 201, created.body
    user = User.objects.get(email="grace@acme.test")
    assert Membership.objects.get(organization=cast.org, user=user).title == "Engineer"
    assert created.body["userName"] == "grace@acme.onmicrosoft.test"
    assert created.body["title"] == "Engineer"
    for query in (
        'userName eq "grace@acme.onmicrosoft.test"',
        'externalId eq "a1b2-grace"',
        'emails[type eq "work"].value eq "grace@acme.test"',
        'emails.value eq "GRACE@acme.test"',
    ):
        assert [r["id"] for r in idp.get("/Users", filter=query).body["Resources"]] == [
            str(user.pk)
        ], query
    # externalId is case-exact (RFC 7643), and a home address is no work address.
    assert idp.get("/Users", filter='externalId eq "A1B2-GRACE"').body["totalResults"] == 0
    assert (
        idp.get("/Users", filter='emails[type eq "home"].value eq "grace@acme.test"').body[
            "totalResults"
        ]
        == 0
    )


def test_existing_members_are_found_so_the_provider_links_them(idp: Idp, cast: Cast) -> None:
    found = idp.get("/Users", filter=f'userName eq "{cast.member.email}"')
    assert found.body["totalResults"] == 1
    resource = found.body["Resources"][0]
    assert resource["id"] == str(cast.member.pk)
    assert resource["active"] is True
    assert resource["groups"][0]["display"] == "Sales"
    # Linking: the provider puts its own id on the person.
    answer = idp.patch(
        f"/Users/{cast.member.pk}", {"op": "replace", "path": "externalId", "value": "00u9"}
    )
    assert answer.status_code == 200
    assert answer.body["externalId"] == "00u9"
    assert ScimUser.objects.get(organization=cast.org, user=cast.member).external_id == "00u9"


def test_person_known_to_another_organisation_joins_and_keeps_their_name(
    idp: Idp, cast: Cast
) -> None:
    created = idp.post("/Users", okta_user(cast.outsider.email, "Someone", "Else"))
    assert created.status_code == 201, created.body
    assert created.body["id"] == str(cast.outsider.pk)
    assert Membership.objects.filter(organization=cast.org, user=cast.outsider).exists()
    cast.outsider.refresh_from_db()
    assert cast.outsider.full_name == "Oscar Outsider"
    # Nor may this provider change the address the other organisation knows them by.
    answer = idp.patch(
        f"/Users/{cast.outsider.pk}",
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": "o@elsewhere.test"},
    )
    assert "also belongs to other organisations" in scim_error(answer, 400, "invalidValue")
    cast.outsider.refresh_from_db()
    assert cast.outsider.email == "oscar@globex.test"


# -- update: PATCH with Operations, PUT ----------------------------------------------------


def test_okta_patch_without_path_renames_and_readdresses(idp: Idp, cast: Cast) -> None:
    user_id = idp.post("/Users", okta_user("ada@acme.test")).body["id"]
    answer = idp.patch(
        f"/Users/{user_id}",
        {
            "op": "replace",
            "value": {
                "name": {"givenName": "Augusta", "familyName": "King"},
                "emails": [{"value": "augusta@acme.test", "type": "work", "primary": True}],
                "userName": "augusta@acme.test",
            },
        },
    )
    assert answer.status_code == 200, answer.body
    assert answer.body["displayName"] == "Augusta King"
    assert answer.body["userName"] == "augusta@acme.test"
    user = User.objects.get(pk=user_id)
    assert (user.full_name, user.email) == ("Augusta King", "augusta@acme.test")


def test_entra_patch_operations_with_paths_and_strings_for_booleans(idp: Idp, cast: Cast) -> None:
    user_id = idp.post("/Users", entra_user("grace@acme.onmicrosoft.test", "grace@acme.test")).body[
        "id"
    ]
    answer = idp.patch(
        f"/Users/{user_id}",
        {"op": "Replace", "path": "name.givenName", "value": "Amazing"},
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "amazing@acme.test"},
        {"op": "Add", "path": "title", "value": "Rear Admiral"},
        {
            "op": "Add",
            "path": "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department",
            "value": "Navy",
        },
        {"op": "Replace", "path": 'phoneNumbers[type eq "work"].value', "value": "+1 555"},
        {"op": "Replace", "path": "active", "value": "True"},
    )
    assert answer.status_code == 200, answer.body
    assert answer.body["name"]["formatted"] == "Amazing Hopper"
    assert answer.body["emails"][0]["value"] == "amazing@acme.test"
    assert answer.body["title"] == "Rear Admiral"
    assert answer.body["active"] is True
    membership = Membership.objects.get(organization=cast.org, user_id=user_id)
    assert membership.title == "Rear Admiral"
    assert AuditEvent.objects.filter(action="membership.update", source="scim").count() == 1


def test_patch_display_name_alone_renames(idp: Idp, cast: Cast) -> None:
    answer = idp.patch(
        f"/Users/{cast.member.pk}",
        {"op": "replace", "path": "displayName", "value": "  Mia   Member "},
    )
    assert answer.status_code == 200
    cast.member.refresh_from_db()
    assert cast.member.full_name == "Mia Member"


def test_put_replaces_what_the_provider_keeps(idp: Idp, cast: Cast) -> None:
    user_id = idp.post("/Users", okta_user("ada@acme.test")).body["id"]
    body = okta_user("ada@acme.test", "Ada", "Byron", title="Analyst")
    answer = idp.put(f"/Users/{user_id}", body)
    assert answer.status_code == 200, answer.body
    assert answer.body["displayName"] == "Ada Byron"
    assert answer.body["title"] == "Analyst"


# -- deactivation: active=false, then back ------------------------------------------------


def test_deactivation_ends_membership_sessions_teams_and_api_tokens(
    idp: Idp, cast: Cast, api: Api
) -> None:
    browser = _signed_in(cast.member)
    other_browser = _signed_in(cast.member)
    bystander = _signed_in(cast.viewer)
    secret = token_for(cast.member, cast.org)
    assert api.get("/kpis", as_=secret).status_code == 200

    answer = idp.patch(f"/Users/{cast.member.pk}", {"op": "replace", "value": {"active": False}})
    assert answer.status_code == 200, answer.body
    assert answer.body["active"] is False
    assert not Membership.objects.filter(organization=cast.org, user=cast.member).exists()
    assert not TeamMembership.objects.filter(user=cast.member).exists()
    assert ApiToken.objects.get(user=cast.member).revoked_at is not None
    assert api.get("/kpis", as_=secret).status_code == 401
    for client in (browser, other_browser):
        page = client.get("/")
        assert page.status_code == 302
        assert page["Location"].startswith("/login/")
    assert bystander.get("/").status_code == 200
    # Their work stays, and the provider still finds them, inactive.
    cast.kr.refresh_from_db()
    assert cast.kr.owner == cast.member
    found = idp.get("/Users", filter=f'userName eq "{cast.member.email}"')
    assert found.body["Resources"][0]["active"] is False
    assert idp.get("/Users", filter="active eq false").body["totalResults"] == 1
    assert AuditEvent.objects.filter(action="scim.user_deactivate", source="scim").count() == 1
    assert AuditEvent.objects.filter(action="api_token.revoke", source="scim").count() == 1


def test_reactivation_gives_back_the_role_they_had(idp: Idp, cast: Cast) -> None:
    idp.patch(f"/Users/{cast.editor.pk}", {"op": "replace", "path": "active", "value": False})
    assert not Membership.objects.filter(organization=cast.org, user=cast.editor).exists()
    answer = idp.patch(
        f"/Users/{cast.editor.pk}", {"op": "Replace", "path": "active", "value": "True"}
    )
    assert answer.body["active"] is True
    assert Membership.objects.get(organization=cast.org, user=cast.editor).role == Role.EDITOR


def test_created_inactive_makes_no_membership(idp: Idp, cast: Cast) -> None:
    created = idp.post("/Users", okta_user("ada@acme.test", active=False))
    assert created.status_code == 201
    assert created.body["active"] is False
    assert not Membership.objects.filter(organization=cast.org, user_id=created.body["id"])


def test_person_removed_in_tandem_shows_inactive_to_the_provider(idp: Idp, cast: Cast) -> None:
    user_id = idp.post("/Users", okta_user("ada@acme.test")).body["id"]
    membership = Membership.objects.get(organization=cast.org, user_id=user_id)
    accounts.membership_remove(membership=membership, by=cast.owner)
    assert idp.get(f"/Users/{user_id}").body["active"] is False


def test_the_last_owner_cannot_be_deactivated(idp: Idp, cast: Cast) -> None:
    answer = idp.patch(
        f"/Users/{cast.owner.pk}", {"op": "replace", "path": "active", "value": False}
    )
    assert "last owner" in scim_error(answer, 400, "invalidValue")
    assert Membership.objects.filter(organization=cast.org, user=cast.owner).exists()


def test_delete_ends_the_membership_and_forgets_the_person(idp: Idp, cast: Cast) -> None:
    browser = _signed_in(cast.viewer)
    user_id = cast.viewer.pk
    assert idp.delete(f"/Users/{user_id}").status_code == 204
    assert not Membership.objects.filter(organization=cast.org, user=cast.viewer).exists()
    assert browser.get("/").status_code == 302
    assert User.objects.filter(pk=user_id).exists()  # the account and its work stay
    scim_error(idp.get(f"/Users/{user_id}"), 404)
    scim_error(idp.delete(f"/Users/{user_id}"), 404)


# -- lists -----------------------------------------------------------------------------------


def test_pages_with_start_index_and_count(idp: Idp, cast: Cast) -> None:
    everyone = idp.get("/Users").body
    assert everyone["totalResults"] == 5  # the five members of cast.org, not the outsider
    ids = [r["id"] for r in everyone["Resources"]]
    second = idp.get("/Users", startIndex=2, count=2).body
    assert second["startIndex"] == 2
    assert second["itemsPerPage"] == 2
    assert second["totalResults"] == 5
    assert [r["id"] for r in second["Resources"]] == ids[1:3]
    assert idp.get("/Users", startIndex=0, count=-1).body["Resources"] == []
    last = idp.get("/Users", startIndex=5, count=10).body
    assert [r["id"] for r in last["Resources"]] == ids[4:]
    detail = scim_error(idp.get("/Users", count="ten"), 400, "invalidValue")
    assert "count" in detail


def test_attributes_and_excluded_attributes(idp: Idp, cast: Cast) -> None:
    only = idp.get("/Users", attributes="userName", filter=f'userName eq "{cast.member.email}"')
    assert set(only.body["Resources"][0]) == {"schemas", "id", "meta", "userName"}
    without = idp.get(f"/Users/{cast.member.pk}", excludedAttributes="groups,emails")
    assert "groups" not in without.body
    assert "emails" not in without.body
    assert without.body["userName"] == cast.member.email


def test_filters_join_with_and(idp: Idp, cast: Cast) -> None:
    both = idp.get("/Users", filter=f'userName eq "{cast.member.email}" and active eq true')
    assert both.body["totalResults"] == 1
    contains = idp.get("/Users", filter='userName sw "adm" and displayName co "person"')
    assert [r["id"] for r in contains.body["Resources"]] == [str(cast.admin.pk)]


def test_the_list_reads_the_same_queries_however_many_people(
    idp: Idp, cast: Cast, django_assert_max_num_queries
) -> None:
    for n in range(30):
        idp.post("/Users", okta_user(f"p{n}@acme.test"))
    with django_assert_max_num_queries(9):
        answer = idp.get("/Users", count=50)
    assert answer.body["itemsPerPage"] == 35


# -- refusals --------------------------------------------------------------------------------


def test_without_or_with_a_bad_token_is_401_in_the_scim_error_schema(cast: Cast) -> None:
    detail = scim_error(Idp(None).get("/Users"), 401)
    assert "Authorization: Bearer scim_" in detail
    assert "not valid" in scim_error(Idp("scim_nope_nope").get("/Users"), 401)
    api_secret = token_for(cast.owner, cast.org)
    assert "not valid" in scim_error(Idp(api_secret).get("/Users"), 401)
    response = Idp(None).get("/Users")
    assert response["WWW-Authenticate"] == 'Bearer realm="tandem-scim"'


def test_a_revoked_token_is_refused(idp: Idp, cast: Cast) -> None:
    from tandem.scim.models import ScimToken
    from tandem.scim.services import scim_token_revoke

    scim_token_revoke(token=ScimToken.objects.get(organization=cast.org), by=cast.admin)
    assert "was revoked" in scim_error(idp.get("/Users"), 401)


def test_another_organisations_person_is_404(idp: Idp, other_idp: Idp, cast: Cast) -> None:
    for answer in (
        idp.get(f"/Users/{cast.outsider.pk}"),
        idp.patch(f"/Users/{cast.outsider.pk}", {"op": "replace", "value": {"active": False}}),
        idp.put(f"/Users/{cast.outsider.pk}", okta_user(cast.outsider.email)),
        idp.delete(f"/Users/{cast.outsider.pk}"),
        other_idp.get(f"/Users/{cast.member.pk}"),
        idp.get("/Users/not-a-number"),
    ):
        scim_error(answer, 404)
    assert Membership.objects.filter(organization=cast.other_org, user=cast.outsider).exists()
    assert other_idp.get("/Users").body["totalResults"] == 1
    assert (
        other_idp.get("/Users", filter=f'userName eq "{cast.member.email}"').body["totalResults"]
        == 0
    )


def test_creating_someone_already_here_is_a_uniqueness_conflict(idp: Idp, cast: Cast) -> None:
    detail = scim_error(idp.post("/Users", okta_user(cast.member.email)), 409, "uniqueness")
    assert cast.member.email in detail
    idp.post("/Users", okta_user("ada@acme.test"))
    taken = okta_user("ada2@acme.test", userName="ada@acme.test")
    assert "userName ada@acme.test" in scim_error(idp.post("/Users", taken), 409, "uniqueness")


def test_changing_to_an_address_of_another_account_is_a_conflict(idp: Idp, cast: Cast) -> None:
    user_id = idp.post("/Users", okta_user("ada@acme.test")).body["id"]
    answer = idp.patch(
        f"/Users/{user_id}",
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": cast.owner.email},
    )
    assert cast.owner.email in scim_error(answer, 409, "uniqueness")


def test_bad_values_name_the_attribute(idp: Idp, cast: Cast) -> None:
    no_user_name = okta_user("ada@acme.test")
    del no_user_name["userName"]
    assert "userName" in scim_error(idp.post("/Users", no_user_name), 400, "invalidValue")
    not_an_address = okta_user("ada@acme.test", emails=[{"value": "not-an-address"}])
    detail = scim_error(idp.post("/Users", not_an_address), 400, "invalidValue")
    assert "emails" in detail
    assert "not-an-address" in detail
    upn_only = {"schemas": [USER], "userName": "ada", "name": {"givenName": "Ada"}}
    assert "e-mail address" in scim_error(idp.post("/Users", upn_only), 400, "invalidValue")
    bad_active = okta_user("ada@acme.test", active="yes")
    assert "active" in scim_error(idp.post("/Users", bad_active), 400, "invalidValue")
    unknown = okta_user("ada@acme.test", favouriteColour="blue")
    assert "favouritecolour" in scim_error(idp.post("/Users", unknown), 400, "invalidValue")
    assert not User.objects.filter(email="ada@acme.test").exists()
    broken = _raw(idp, "POST", "/Users", "{")
    assert "not valid JSON" in scim_error(broken, 400, "invalidSyntax")


def _raw(idp: Idp, method: str, path: str, text: str) -> Any:
    response = getattr(idp.client, method.lower())(
        "/scim/v2" + path,
        text,
        content_type="application/scim+json",
        headers={"Authorization": f"Bearer {idp.token}"},
    )
    response.body = json.loads(response.content)
    return response


def test_a_refused_operation_leaves_the_earlier_ones_undone(idp: Idp, cast: Cast) -> None:
    answer = idp.patch(
        f"/Users/{cast.member.pk}",
        {"op": "replace", "path": "displayName", "value": "Renamed"},
        {"op": "replace", "path": "active", "value": False},
        {"op": "replace", "path": "shoeSize", "value": 42},
    )
    detail = scim_error(answer, 400, "invalidPath")
    assert "Operation 3" in detail
    assert "shoeSize" in detail
    cast.member.refresh_from_db()
    assert cast.member.full_name == "Member Person"
    assert Membership.objects.filter(organization=cast.org, user=cast.member).exists()


def test_patch_bodies_that_are_not_patches_are_refused(idp: Idp, cast: Cast) -> None:
    path = f"/Users/{cast.member.pk}"
    no_schema = idp.call("PATCH", path, {"Operations": [{"op": "replace", "value": {}}]})
    assert "PatchOp" in scim_error(no_schema, 400, "invalidSyntax")
    bad_op = idp.patch(path, {"op": "merge", "path": "active", "value": False})
    assert "merge" in scim_error(bad_op, 400, "invalidSyntax")
    no_path = idp.patch(path, {"op": "remove"})
    scim_error(no_path, 400, "noTarget")
    removing_name = idp.patch(path, {"op": "remove", "path": "displayName"})
    assert "displayName" in scim_error(removing_name, 400, "mutability")
    bad_path = idp.patch(path, {"op": "replace", "path": 'emails[type eq "work"', "value": "x"})
    assert "bracket" in scim_error(bad_path, 400, "invalidPath")


def test_filters_tandem_does_not_understand_are_invalid_filters(idp: Idp, cast: Cast) -> None:
    cases = {
        'userName gt "a"': "operator 'gt'",
        'userName eq "a" or userName eq "b"': "only and",
        'nickName eq "ada"': "cannot be filtered on nickname",
        "userName eq ada": "double quotes",
        'userName eq "ada': "does not end",
        "active eq 1": "active only with eq true",
    }
    for text, expected in cases.items():
        detail = scim_error(idp.get("/Users", filter=text), 400, "invalidFilter")
        assert expected in detail, (text, detail)
        assert text in detail or expected in detail


def test_every_answer_is_scim_json_and_wrong_methods_say_so(idp: Idp, cast: Cast) -> None:
    answer = idp.call("PATCH", "/Users", {"schemas": [PATCH], "Operations": []})
    assert "PATCH is not allowed" in scim_error(answer, 405)
    assert answer["Allow"] == "GET, POST"
    assert "Bulk" in scim_error(idp.get("/Bulk"), 404)


def test_the_audit_log_says_the_identity_provider_did_it(idp: Idp, cast: Cast) -> None:
    idp.patch(f"/Users/{cast.viewer.pk}", {"op": "replace", "path": "active", "value": False})
    client = Client()
    client.force_login(cast.owner)
    page = client.get("/audit/")
    assert page.status_code == 200
    assert "The identity provider" in page.content.decode()
