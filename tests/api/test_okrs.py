"""Objectives, key results, check-ins, initiatives and alignments through the API."""

from __future__ import annotations

from decimal import Decimal

from tandem.audit.models import AuditEvent
from tandem.okrs import services as okrs
from tandem.okrs.models import Alignment, CheckIn, Cycle, Initiative, KeyResult, Objective
from tests.api.conftest import Api, Tokens, assert_problem
from tests.conftest import Cast

# -- objectives ---------------------------------------------------------------------------


def test_objective_list_filters_by_cycle_team_owner_and_state(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    mine = okrs.objective_create(
        organization=cast.org,
        cycle=cast.cycle,
        owner_user=cast.member,
        title="Mine",
        by=None,
        state=Objective.State.DRAFT,
    )

    def ids(query: str) -> list[int]:
        response = api.get(f"/objectives?{query}", as_=tokens.reader)
        assert response.status_code == 200, response.content
        return [o["id"] for o in response.json()["items"]]

    assert ids("") == [cast.objective.pk, mine.pk]
    assert ids(f"cycle={cast.cycle.pk}") == [cast.objective.pk, mine.pk]
    assert ids(f"team={cast.team.pk}") == [cast.objective.pk]
    assert ids(f"owner={cast.member.pk}") == [mine.pk]
    assert ids("state=draft") == [mine.pk]


def test_objective_read_gives_version_and_etag(api: Api, cast: Cast, tokens: Tokens) -> None:
    response = api.get(f"/objectives/{cast.objective.pk}", as_=tokens.reader)
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == cast.objective.title
    assert body["owner_team"] == cast.team.pk
    assert body["cycle"] == cast.cycle.pk
    assert body["version"] == 1
    assert response["ETag"] == '"1"'


def test_objective_of_another_organisation_is_404(api: Api, cast: Cast, tokens: Tokens) -> None:
    assert_problem(api.get(f"/objectives/{cast.objective.pk}", as_=tokens.outsider), 404)
    assert_problem(
        api.patch(
            f"/objectives/{cast.objective.pk}",
            {"title": "Mine now", "version": 1},
            as_=tokens.outsider,
        ),
        404,
    )
    assert_problem(api.delete(f"/objectives/{cast.objective.pk}", as_=tokens.outsider), 404)
    cast.objective.refresh_from_db()
    assert cast.objective.title != "Mine now"


def test_editor_creates_an_objective_audited_as_api(api: Api, cast: Cast, tokens: Tokens) -> None:
    response = api.post(
        "/objectives",
        {
            "cycle": cast.cycle.pk,
            "title": "Delight customers",
            "owner_team": cast.team.pk,
            "kind": "committed",
        },
        as_=tokens.editor,
    )
    assert response.status_code == 201, response.content
    created = Objective.objects.get(pk=response.json()["id"])
    assert created.kind == "committed"
    assert created.created_by == cast.editor
    event = AuditEvent.objects.get(action="objective.create", target_id=created.pk)
    assert event.source == "api"
    assert event.actor == cast.editor


def test_member_cannot_create_an_objective_for_a_team_they_are_not_in(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    response = api.post(
        "/objectives",
        {"cycle": cast.cycle.pk, "title": "X", "owner_team": cast.company.pk},
        as_=tokens.member,
    )
    assert_problem(response, 403)


def test_member_creates_an_objective_for_their_team(api: Api, cast: Cast, tokens: Tokens) -> None:
    response = api.post(
        "/objectives",
        {"cycle": cast.cycle.pk, "title": "X", "owner_team": cast.team.pk},
        as_=tokens.member,
    )
    assert response.status_code == 201


def test_objective_without_title_is_422_naming_the_field(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    response = api.post(
        "/objectives",
        {"cycle": cast.cycle.pk, "title": "  ", "owner_team": cast.team.pk},
        as_=tokens.owner,
    )
    body = assert_problem(response, 422, "title")
    assert body["errors"][0]["message"] == "Give the objective a title."


def test_objective_missing_required_field_is_422_from_request_validation(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    response = api.post("/objectives", {"title": "No cycle"}, as_=tokens.owner)
    assert_problem(response, 422, "cycle")


def test_objective_in_a_cycle_of_another_organisation_is_422_naming_cycle(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    theirs = okrs.cycle_create(
        organization=cast.other_org,
        name="Q",
        start_date=cast.cycle.start_date,
        end_date=cast.cycle.end_date,
        by=None,
    )
    response = api.post(
        "/objectives",
        {"cycle": theirs.pk, "title": "X", "owner_team": cast.team.pk},
        as_=tokens.owner,
    )
    assert_problem(response, 422, "cycle")
    response = api.post(
        "/objectives",
        {"cycle": cast.cycle.pk, "title": "X", "owner_team": cast.other_team.pk},
        as_=tokens.owner,
    )
    assert_problem(response, 422, "owner_team")
    response = api.post(
        "/objectives",
        {"cycle": cast.cycle.pk, "title": "X", "owner_user": cast.outsider.pk},
        as_=tokens.owner,
    )
    assert_problem(response, 422, "owner_user")


def test_malformed_json_is_400_problem(api: Api, tokens: Tokens) -> None:
    assert_problem(api.call("post", "/objectives", as_=tokens.owner, raw="{nope"), 400)


def test_patch_with_current_if_match_succeeds_and_bumps_etag(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    etag = api.get(f"/objectives/{cast.objective.pk}", as_=tokens.owner)["ETag"]
    response = api.patch(
        f"/objectives/{cast.objective.pk}",
        {"title": "Lead the region"},
        as_=tokens.owner,
        headers={"If-Match": etag},
    )
    assert response.status_code == 200, response.content
    assert response.json()["version"] == 2
    assert response["ETag"] == '"2"'
    cast.objective.refresh_from_db()
    assert cast.objective.title == "Lead the region"


def test_patch_with_stale_if_match_is_409_and_changes_nothing(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    etag = api.get(f"/objectives/{cast.objective.pk}", as_=tokens.owner)["ETag"]
    okrs.objective_update(objective=cast.objective, title="Someone else's title", by=cast.admin)
    response = api.patch(
        f"/objectives/{cast.objective.pk}",
        {"title": "Mine"},
        as_=tokens.owner,
        headers={"If-Match": etag},
    )
    assert_problem(response, 409, "version")
    cast.objective.refresh_from_db()
    assert cast.objective.title == "Someone else's title"


def test_patch_with_stale_version_field_is_409(api: Api, cast: Cast, tokens: Tokens) -> None:
    okrs.objective_update(objective=cast.objective, title="Changed", by=cast.admin)
    response = api.patch(
        f"/objectives/{cast.objective.pk}", {"title": "Mine", "version": 1}, as_=tokens.owner
    )
    assert_problem(response, 409, "version")
    ok = api.patch(
        f"/objectives/{cast.objective.pk}", {"title": "Mine", "version": 2}, as_=tokens.owner
    )
    assert ok.status_code == 200


def test_patch_without_any_version_is_428(api: Api, cast: Cast, tokens: Tokens) -> None:
    response = api.patch(f"/objectives/{cast.objective.pk}", {"title": "Mine"}, as_=tokens.owner)
    assert_problem(response, 428, "version")


def test_patch_with_a_made_up_if_match_is_400(api: Api, cast: Cast, tokens: Tokens) -> None:
    response = api.patch(
        f"/objectives/{cast.objective.pk}",
        {"title": "Mine"},
        as_=tokens.owner,
        headers={"If-Match": '"abc"'},
    )
    assert_problem(response, 400, "If-Match")


def test_patch_owner_to_a_person_frees_the_team(api: Api, cast: Cast, tokens: Tokens) -> None:
    response = api.patch(
        f"/objectives/{cast.objective.pk}",
        {"owner_user": cast.member.pk, "version": 1},
        as_=tokens.owner,
    )
    assert response.status_code == 200, response.content
    assert response.json()["owner_team"] is None
    assert response.json()["owner_user"] == cast.member.pk


def test_delete_objective_in_open_cycle(api: Api, cast: Cast, tokens: Tokens) -> None:
    response = api.delete(f"/objectives/{cast.objective.pk}", as_=tokens.owner)
    assert response.status_code == 204
    assert not Objective.objects.filter(pk=cast.objective.pk).exists()
    assert AuditEvent.objects.filter(action="objective.delete").count() == 1


def test_delete_objective_of_closed_cycle_is_422(api: Api, cast: Cast, tokens: Tokens) -> None:
    okrs.cycle_close(cycle=cast.cycle, by=None)
    response = api.delete(f"/objectives/{cast.objective.pk}", as_=tokens.owner)
    assert_problem(response, 422, "cycle")
    assert Objective.objects.filter(pk=cast.objective.pk).exists()


# -- key results ----------------------------------------------------------------------------


def test_key_result_create_read_update_delete(api: Api, cast: Cast, tokens: Tokens) -> None:
    created = api.post(
        "/key-results",
        {
            "objective": cast.objective.pk,
            "title": "Win 10 accounts",
            "baseline": "0",
            "target": 10,
            "owner": cast.member.pk,
            "weight": "2.5",
        },
        as_=tokens.editor,
    )
    assert created.status_code == 201, created.content
    kr_id = created.json()["id"]
    read = api.get(f"/key-results/{kr_id}", as_=tokens.reader)
    assert read.json()["target"] == "10.0000"
    assert read.json()["weight"] == "2.50"
    assert read["ETag"] == '"1"'
    changed = api.patch(
        f"/key-results/{kr_id}",
        {"target": "12.5"},
        as_=tokens.editor,
        headers={"If-Match": read["ETag"]},
    )
    assert changed.status_code == 200, changed.content
    assert changed.json()["target"] == "12.5000"
    stale = api.patch(
        f"/key-results/{kr_id}",
        {"target": "13"},
        as_=tokens.editor,
        headers={"If-Match": read["ETag"]},
    )
    assert_problem(stale, 409, "version")
    assert api.delete(f"/key-results/{kr_id}", as_=tokens.editor).status_code == 204
    assert not KeyResult.objects.filter(pk=kr_id).exists()


def test_key_result_list_filters_by_objective_and_owner(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    other = okrs.key_result_create(
        objective=cast.objective, title="Milestone", kind="milestone", by=None
    )
    items = api.get(f"/key-results?objective={cast.objective.pk}", as_=tokens.reader).json()
    assert [k["id"] for k in items["items"]] == [cast.kr.pk, other.pk]
    owned = api.get(f"/key-results?owner={cast.member.pk}", as_=tokens.reader).json()
    assert [k["id"] for k in owned["items"]] == [cast.kr.pk]


def test_metric_key_result_without_target_is_422_naming_target(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    response = api.post(
        "/key-results",
        {"objective": cast.objective.pk, "title": "X", "baseline": 0},
        as_=tokens.owner,
    )
    assert_problem(response, 422, "target")


def test_key_result_with_text_in_a_number_is_422_naming_it(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    response = api.post(
        "/key-results",
        {"objective": cast.objective.pk, "title": "X", "baseline": "zero", "target": 5},
        as_=tokens.owner,
    )
    assert_problem(response, 422, "baseline")


def test_decimal_numbers_keep_their_precision(api: Api, cast: Cast, tokens: Tokens) -> None:
    response = api.post(
        "/key-results",
        {"objective": cast.objective.pk, "title": "X", "baseline": 0.1, "target": 0.3},
        as_=tokens.owner,
    )
    assert response.status_code == 201, response.content
    kr = KeyResult.objects.get(pk=response.json()["id"])
    assert kr.baseline == Decimal("0.1")
    assert kr.target == Decimal("0.3")


def test_key_result_of_another_organisation_is_404(api: Api, cast: Cast, tokens: Tokens) -> None:
    assert_problem(api.get(f"/key-results/{cast.kr.pk}", as_=tokens.outsider), 404)
    assert_problem(api.get(f"/key-results/{cast.kr.pk}/check-ins", as_=tokens.outsider), 404)
    response = api.post(
        f"/key-results/{cast.kr.pk}/check-ins",
        {"value": 5, "confidence": 7},
        as_=tokens.outsider,
    )
    assert_problem(response, 404)
    response = api.post(
        "/key-results",
        {"objective": cast.objective.pk, "title": "X", "kind": "milestone"},
        as_=tokens.outsider,
    )
    assert_problem(response, 422, "objective")


# -- check-ins ------------------------------------------------------------------------------


def test_member_checks_in_on_their_key_result(api: Api, cast: Cast, tokens: Tokens) -> None:
    response = api.post(
        f"/key-results/{cast.kr.pk}/check-ins",
        {"value": "42.5", "confidence": 8, "note": "Two big deals"},
        as_=tokens.member,
    )
    assert response.status_code == 201, response.content
    assert Decimal(response.json()["value"]) == Decimal("42.5")
    cast.kr.refresh_from_db()
    assert cast.kr.current == Decimal("42.5")
    checkin = CheckIn.objects.get()
    assert checkin.source == "api"
    assert checkin.author == cast.member
    listed = api.get(f"/key-results/{cast.kr.pk}/check-ins", as_=tokens.reader).json()
    assert [c["id"] for c in listed["items"]] == [checkin.pk]


def test_check_in_with_confidence_out_of_range_is_422(api: Api, cast: Cast, tokens: Tokens) -> None:
    response = api.post(
        f"/key-results/{cast.kr.pk}/check-ins", {"value": 5, "confidence": 11}, as_=tokens.member
    )
    assert_problem(response, 422, "confidence")
    assert not CheckIn.objects.exists()


def test_member_cannot_check_in_on_someone_elses_key_result(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    objective = okrs.objective_create(
        organization=cast.org, cycle=cast.cycle, owner_user=cast.admin, title="Admin's", by=None
    )
    kr = okrs.key_result_create(objective=objective, title="Hers", kind="milestone", by=None)
    response = api.post(
        f"/key-results/{kr.pk}/check-ins", {"done": True, "confidence": 9}, as_=tokens.member
    )
    assert_problem(response, 403)


def test_viewer_cannot_check_in(api: Api, cast: Cast, tokens: Tokens) -> None:
    response = api.post(
        f"/key-results/{cast.kr.pk}/check-ins", {"value": 5, "confidence": 7}, as_=tokens.viewer
    )
    assert_problem(response, 403)


def test_check_ins_cannot_be_changed_or_deleted(api: Api, cast: Cast, tokens: Tokens) -> None:
    okrs.key_result_check_in(key_result=cast.kr, value=Decimal(5), confidence=5, by=cast.member)
    checkin = CheckIn.objects.get()
    path = f"/key-results/{cast.kr.pk}/check-ins/{checkin.pk}"
    assert api.delete(path, as_=tokens.owner).status_code in {404, 405}
    assert api.patch(path, {"value": 1}, as_=tokens.owner).status_code in {404, 405}
    assert CheckIn.objects.filter(pk=checkin.pk, value=5).exists()


# -- initiatives ----------------------------------------------------------------------------


def test_initiative_create_read_change_status_and_delete(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    created = api.post(
        "/initiatives",
        {
            "objective": cast.objective.pk,
            "key_result": cast.kr.pk,
            "title": "Call 50 leads",
            "owner": cast.member.pk,
            "due_date": str(cast.cycle.end_date),
        },
        as_=tokens.editor,
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert api.get(f"/initiatives/{pk}", as_=tokens.reader).json()["status"] == "not_started"
    changed = api.patch(f"/initiatives/{pk}", {"status": "in_progress"}, as_=tokens.editor)
    assert changed.json()["status"] == "in_progress"
    listed = api.get(
        f"/initiatives?status=in_progress&objective={cast.objective.pk}", as_=tokens.reader
    )
    assert [i["id"] for i in listed.json()["items"]] == [pk]
    assert api.delete(f"/initiatives/{pk}", as_=tokens.editor).status_code == 204
    assert not Initiative.objects.exists()


def test_initiative_with_unknown_status_is_422_naming_status(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    initiative = okrs.initiative_create(objective=cast.objective, title="Plan", by=None)
    response = api.patch(f"/initiatives/{initiative.pk}", {"status": "paused"}, as_=tokens.owner)
    assert_problem(response, 422, "status")


def test_initiative_of_another_organisation_is_404(api: Api, cast: Cast, tokens: Tokens) -> None:
    initiative = okrs.initiative_create(objective=cast.objective, title="Plan", by=None)
    assert_problem(api.get(f"/initiatives/{initiative.pk}", as_=tokens.outsider), 404)
    assert_problem(api.delete(f"/initiatives/{initiative.pk}", as_=tokens.outsider), 404)
    assert Initiative.objects.filter(pk=initiative.pk).exists()


# -- alignments -----------------------------------------------------------------------------


def test_alignment_create_list_read_delete(api: Api, cast: Cast, tokens: Tokens) -> None:
    child = okrs.objective_create(
        organization=cast.org, cycle=cast.cycle, owner_user=cast.member, title="Child", by=None
    )
    created = api.post(
        "/alignments",
        {"objective": child.pk, "parent_key_result": cast.kr.pk},
        as_=tokens.editor,
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    assert api.get(f"/alignments/{pk}", as_=tokens.reader).json()["parent_key_result"] == cast.kr.pk
    listed = api.get(f"/alignments?objective={child.pk}", as_=tokens.reader).json()
    assert [a["id"] for a in listed["items"]] == [pk]
    assert api.delete(f"/alignments/{pk}", as_=tokens.editor).status_code == 204
    assert not Alignment.objects.exists()


def test_alignment_loop_is_422_naming_parent(api: Api, cast: Cast, tokens: Tokens) -> None:
    child = okrs.objective_create(
        organization=cast.org, cycle=cast.cycle, owner_user=cast.member, title="Child", by=None
    )
    okrs.alignment_add(objective=child, parent_objective=cast.objective, by=None)
    response = api.post(
        "/alignments",
        {"objective": cast.objective.pk, "parent_objective": child.pk},
        as_=tokens.owner,
    )
    assert_problem(response, 422, "parent")


def test_alignment_of_another_organisation_is_404(api: Api, cast: Cast, tokens: Tokens) -> None:
    child = okrs.objective_create(
        organization=cast.org, cycle=cast.cycle, owner_user=cast.member, title="Child", by=None
    )
    alignment = okrs.alignment_add(objective=child, parent_objective=cast.objective, by=None)
    assert_problem(api.get(f"/alignments/{alignment.pk}", as_=tokens.outsider), 404)
    assert_problem(api.delete(f"/alignments/{alignment.pk}", as_=tokens.outsider), 404)


# -- closed cycles --------------------------------------------------------------------------


def test_key_result_of_a_closed_cycle_cannot_change_or_go(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    okrs.cycle_close(cycle=cast.cycle, by=None)
    assert Cycle.objects.get(pk=cast.cycle.pk).is_closed
    response = api.patch(
        f"/key-results/{cast.kr.pk}", {"title": "New", "version": 1}, as_=tokens.owner
    )
    assert_problem(response, 422, "objective")
    assert_problem(api.delete(f"/key-results/{cast.kr.pk}", as_=tokens.owner), 422, "objective")
