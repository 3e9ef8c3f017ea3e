"""SCIM Groups (Tandem's teams) as a provider pushes them: create with members, add
and remove members by PATCH, rename, delete, and the refusals."""

from __future__ import annotations

from tandem.accounts import services as accounts
from tandem.accounts.models import Team, TeamMembership
from tandem.audit.models import AuditEvent
from tests.conftest import Cast
from tests.scim.conftest import GROUP, Idp, okta_user, scim_error


def _members(team_id: str | int) -> set[int]:
    return set(TeamMembership.objects.filter(team_id=team_id).values_list("user_id", flat=True))


def test_okta_group_push_creates_the_team_then_changes_its_members(idp: Idp, cast: Cast) -> None:
    ada = idp.post("/Users", okta_user("ada@acme.test")).body["id"]
    assert idp.get("/Groups", filter='displayName eq "Research"').body["totalResults"] == 0
    created = idp.post(
        "/Groups",
        {
            "schemas": [GROUP],
            "displayName": "Research",
            "externalId": "00g1okta",
            "members": [{"value": ada, "display": "Ada Lovelace"}],
        },
    )
    assert created.status_code == 201, created.body
    team = Team.objects.get(organization=cast.org, name="Research")
    assert team.parent == cast.company  # under the company, as a team
    assert created.body["id"] == str(team.pk)
    assert created.body["externalId"] == "00g1okta"
    assert created.body["members"][0]["value"] == ada
    assert created["Location"].endswith(f"/scim/v2/Groups/{team.pk}")
    assert _members(team.pk) == {int(ada)}

    added = idp.patch(
        f"/Groups/{team.pk}",
        {
            "op": "add",
            "path": "members",
            "value": [{"value": str(cast.member.pk)}, {"value": str(cast.viewer.pk)}],
        },
    )
    assert added.status_code == 200, added.body
    assert _members(team.pk) == {int(ada), cast.member.pk, cast.viewer.pk}
    removed = idp.patch(
        f"/Groups/{team.pk}", {"op": "remove", "path": f'members[value eq "{cast.viewer.pk}"]'}
    )
    assert removed.status_code == 200
    assert _members(team.pk) == {int(ada), cast.member.pk}
    renamed = idp.patch(
        f"/Groups/{team.pk}",
        {"op": "replace", "value": {"id": str(team.pk), "displayName": "Research Lab"}},
    )
    assert renamed.body["displayName"] == "Research Lab"
    team.refresh_from_db()
    assert team.name == "Research Lab"
    assert team.slug == "research"  # the page's address stays
    assert AuditEvent.objects.filter(action="team.member_add", source="scim").count() == 3
    assert AuditEvent.objects.filter(action="team.member_remove", source="scim").count() == 1


def test_entra_removes_members_by_value_list_and_renames_by_path(idp: Idp, cast: Cast) -> None:
    answer = idp.patch(
        f"/Groups/{cast.team.pk}",
        {"op": "Remove", "path": "members", "value": [{"value": str(cast.member.pk)}]},
        {"op": "Replace", "path": "displayName", "value": "Sales EMEA"},
        {"op": "Add", "path": "members", "value": [{"value": str(cast.admin.pk)}]},
    )
    assert answer.status_code == 200, answer.body
    assert _members(cast.team.pk) == {cast.editor.pk, cast.admin.pk}
    cast.team.refresh_from_db()
    assert cast.team.name == "Sales EMEA"


def test_replace_members_sets_exactly_these_and_remove_all_empties(idp: Idp, cast: Cast) -> None:
    idp.patch(
        f"/Groups/{cast.team.pk}",
        {"op": "replace", "path": "members", "value": [{"value": str(cast.viewer.pk)}]},
    )
    assert _members(cast.team.pk) == {cast.viewer.pk}
    idp.patch(f"/Groups/{cast.team.pk}", {"op": "remove", "path": "members"})
    assert _members(cast.team.pk) == set()


def test_put_replaces_name_and_members(idp: Idp, cast: Cast) -> None:
    answer = idp.put(
        f"/Groups/{cast.team.pk}",
        {"schemas": [GROUP], "displayName": "Sales", "members": [{"value": str(cast.admin.pk)}]},
    )
    assert answer.status_code == 200
    assert _members(cast.team.pk) == {cast.admin.pk}


def test_groups_are_listed_filtered_and_read_without_members(idp: Idp, cast: Cast) -> None:
    everything = idp.get("/Groups").body
    assert {r["displayName"] for r in everything["Resources"]} == {"Acme IT", "Sales"}
    entra = idp.get("/Groups", excludedAttributes="members", filter='displayName eq "sales"')
    assert entra.body["totalResults"] == 1
    assert "members" not in entra.body["Resources"][0]
    member_of = idp.get("/Groups", filter=f'members.value eq "{cast.member.pk}"')
    assert [r["id"] for r in member_of.body["Resources"]] == [str(cast.team.pk)]
    one = idp.get(f"/Groups/{cast.team.pk}").body
    assert {m["value"] for m in one["members"]} == {str(cast.member.pk), str(cast.editor.pk)}
    detail = scim_error(idp.get("/Groups", filter='mission eq "x"'), 400, "invalidFilter")
    assert "mission" in detail


def test_a_group_is_deleted_when_it_owns_nothing(idp: Idp, cast: Cast) -> None:
    team_id = idp.post("/Groups", {"schemas": [GROUP], "displayName": "Temporary"}).body["id"]
    assert idp.delete(f"/Groups/{team_id}").status_code == 204
    assert not Team.objects.filter(pk=team_id).exists()
    scim_error(idp.get(f"/Groups/{team_id}"), 404)
    # Sales owns an objective: history must keep naming it.
    detail = scim_error(idp.delete(f"/Groups/{cast.team.pk}"), 409)
    assert "1 objective" in detail
    assert Team.objects.filter(pk=cast.team.pk).exists()


def test_a_second_group_of_the_same_name_is_a_uniqueness_conflict(idp: Idp, cast: Cast) -> None:
    detail = scim_error(
        idp.post("/Groups", {"schemas": [GROUP], "displayName": "sales"}), 409, "uniqueness"
    )
    assert "Sales" in detail or "sales" in detail
    renamed = idp.patch(
        f"/Groups/{cast.company.pk}", {"op": "replace", "path": "displayName", "value": "Sales"}
    )
    assert "already exists" in scim_error(renamed, 400, "invalidValue")


def test_members_must_be_people_of_the_organisation(idp: Idp, cast: Cast) -> None:
    before = _members(cast.team.pk)
    for value in (str(cast.outsider.pk), "999999", "ada"):
        answer = idp.patch(
            f"/Groups/{cast.team.pk}",
            {"op": "add", "path": "members", "value": [{"value": value}]},
        )
        detail = scim_error(answer, 400, "invalidValue")
        assert value in detail
    assert _members(cast.team.pk) == before
    created = idp.post(
        "/Groups",
        {"schemas": [GROUP], "displayName": "Mixed", "members": [{"value": str(cast.outsider.pk)}]},
    )
    scim_error(created, 400, "invalidValue")
    assert not Team.objects.filter(name="Mixed").exists()


def test_a_deactivated_person_leaves_their_groups_and_cannot_join_one(idp: Idp, cast: Cast) -> None:
    idp.patch(f"/Users/{cast.member.pk}", {"op": "replace", "path": "active", "value": False})
    assert cast.member.pk not in _members(cast.team.pk)
    answer = idp.patch(
        f"/Groups/{cast.team.pk}",
        {"op": "add", "path": "members", "value": [{"value": str(cast.member.pk)}]},
    )
    assert "active member" in scim_error(answer, 400, "invalidValue")


def test_another_organisations_team_is_404(idp: Idp, other_idp: Idp, cast: Cast) -> None:
    other = cast.other_team.pk
    scim_error(idp.get(f"/Groups/{other}"), 404)
    scim_error(idp.patch(f"/Groups/{other}", {"op": "remove", "path": "members"}), 404)
    scim_error(idp.delete(f"/Groups/{other}"), 404)
    scim_error(other_idp.get(f"/Groups/{cast.team.pk}"), 404)
    assert {r["displayName"] for r in other_idp.get("/Groups").body["Resources"]} == {
        "Globex Sales"
    }
    assert Team.objects.filter(pk=other).exists()


def test_member_filter_paths_other_than_remove_by_value_are_refused(idp: Idp, cast: Cast) -> None:
    answer = idp.patch(
        f"/Groups/{cast.team.pk}",
        {"op": "add", "path": f'members[value eq "{cast.admin.pk}"]', "value": []},
    )
    assert "members[" in scim_error(answer, 400, "invalidPath")
    unknown = idp.patch(
        f"/Groups/{cast.team.pk}", {"op": "replace", "path": "mission", "value": "x"}
    )
    assert "mission" in scim_error(unknown, 400, "invalidPath")


def test_a_team_made_in_tandem_is_a_group_the_provider_can_link(idp: Idp, cast: Cast) -> None:
    team = accounts.team_create(organization=cast.org, name="Support", by=cast.owner)
    found = idp.get("/Groups", filter='displayName eq "Support"').body["Resources"]
    assert [r["id"] for r in found] == [str(team.pk)]
    idp.patch(f"/Groups/{team.pk}", {"op": "replace", "path": "externalId", "value": "grp-7"})
    assert idp.get("/Groups", filter='externalId eq "grp-7"').body["Resources"][0]["id"] == str(
        team.pk
    )
