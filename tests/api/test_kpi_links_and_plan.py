"""Promoting a KPI into an OKR and demoting it, linking KPIs to objectives and key
results, and writing the strategic plan, through the API: the same services, rules and
audit as the health, objective and plan pages."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tandem.audit.models import AuditEvent, Source
from tandem.kpis import services as kpis
from tandem.kpis.models import KPI, ObjectiveKPI, Promotion
from tandem.okrs import services as okrs
from tandem.okrs.models import Cycle, KeyResult, Objective
from tandem.reports.models import StrategicPlan
from tests.api.conftest import Api, Tokens, assert_problem, this_week, token_for
from tests.conftest import Cast


@pytest.fixture
def red(cast: Cast, kpi: KPI) -> KPI:
    """Sales' churn rate at 9 with a target of 3."""
    kpis.kpi_set_target(kpi=kpi, effective_from=this_week(cast.org, 8), target="3", by=cast.owner)
    kpis.measurement_record(kpi=kpi, period_start=this_week(cast.org, 1), value="9", by=None)
    return KPI.objects.get(pk=kpi.pk)


def promote(api: Api, kpi: KPI, body: dict[str, object], token: str) -> Any:
    return api.post(f"/kpis/{kpi.pk}/promote", body, as_=token)


# -- promote and demote -----------------------------------------------------------------------


def test_an_editor_promotes_a_red_kpi_into_an_okr_that_reads_it(
    api: Api, cast: Cast, tokens: Tokens, red: KPI
) -> None:
    response = promote(
        api, red, {"cycle": cast.cycle.pk, "reason": "Red for weeks."}, tokens.editor
    )
    assert response.status_code == 201, response.content
    body = response.json()
    objective = Objective.objects.get(pk=body["objective"])
    assert (objective.cycle_id, objective.owner_team_id) == (cast.cycle.pk, cast.team.pk)
    assert objective.description == "Red for weeks."
    kr = KeyResult.objects.get(objective=objective)
    assert (kr.kpi_id, kr.baseline, kr.target) == (red.pk, Decimal(9), Decimal(3))
    event = AuditEvent.objects.get(action="kpi.promote", target_id=body["id"])
    assert (event.source, event.actor_id) == (Source.API, cast.editor.pk)
    listed = api.get(f"/kpis/{red.pk}/promotions", as_=tokens.viewer).json()["items"]
    assert [(p["id"], p["demoted_at"]) for p in listed] == [(body["id"], None)]


def test_promoting_twice_is_422_naming_kpi(api: Api, cast: Cast, tokens: Tokens, red: KPI) -> None:
    assert promote(api, red, {"cycle": cast.cycle.pk}, tokens.owner).status_code == 201
    assert_problem(promote(api, red, {"cycle": cast.cycle.pk}, tokens.owner), 422, "kpi")
    assert Promotion.objects.filter(kpi=red).count() == 1


def test_promoting_into_a_closed_cycle_creates_nothing_and_names_cycle(
    api: Api, cast: Cast, tokens: Tokens, red: KPI
) -> None:
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    before = Objective.objects.count()
    body = assert_problem(promote(api, red, {"cycle": cast.cycle.pk}, tokens.owner), 422, "cycle")
    assert "closed" in body["detail"]
    assert Objective.objects.count() == before


def test_promoting_into_another_organisations_cycle_is_422_naming_cycle(
    api: Api, cast: Cast, tokens: Tokens, red: KPI
) -> None:
    theirs = Cycle.objects.create(
        organization=cast.other_org,
        name="Theirs",
        start_date=cast.cycle.start_date,
        end_date=cast.cycle.end_date,
    )
    assert_problem(promote(api, red, {"cycle": theirs.pk}, tokens.owner), 422, "cycle")
    assert not Promotion.objects.exists()


def test_a_member_who_does_not_lead_the_kpis_team_cannot_promote_it(
    api: Api, cast: Cast, tokens: Tokens, red: KPI
) -> None:
    assert_problem(promote(api, red, {"cycle": cast.cycle.pk}, tokens.member), 403)
    assert not Promotion.objects.exists()


def test_another_organisations_kpi_is_404_to_promote(
    api: Api, cast: Cast, tokens: Tokens, red: KPI
) -> None:
    assert_problem(promote(api, red, {"cycle": cast.cycle.pk}, tokens.outsider), 404)


def test_demoting_closes_the_objective_and_keeps_the_note(
    api: Api, cast: Cast, tokens: Tokens, red: KPI
) -> None:
    promotion = kpis.kpi_promote(kpi=red, cycle=cast.cycle, by=cast.owner)
    response = api.post(f"/kpis/{red.pk}/demote", {"note": "Green again."}, as_=tokens.editor)
    assert response.status_code == 200, response.content
    assert response.json()["demotion_note"] == "Green again."
    promotion.refresh_from_db()
    assert promotion.demoted_by_id == cast.editor.pk
    assert promotion.objective.state == Objective.State.CLOSED
    assert AuditEvent.objects.get(action="kpi.demote").source == Source.API


def test_demoting_a_kpi_that_is_not_promoted_is_422_naming_kpi(
    api: Api, tokens: Tokens, red: KPI
) -> None:
    body = assert_problem(api.post(f"/kpis/{red.pk}/demote", {}, as_=tokens.owner), 422, "kpi")
    assert "nothing to demote" in body["detail"]


# -- KPIs linked to an objective --------------------------------------------------------------


def link_path(cast: Cast) -> str:
    return f"/objectives/{cast.objective.pk}/kpis"


def test_a_member_of_the_owning_team_links_and_unlinks_a_guardrail(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI
) -> None:
    response = api.post(link_path(cast), {"kpi": kpi.pk}, as_=tokens.member)
    assert response.status_code == 201, response.content
    assert response.json()["role"] == "guardrail"
    listed = api.get(link_path(cast), as_=tokens.viewer).json()["items"]
    assert [item["kpi"] for item in listed] == [kpi.pk]
    removed = api.delete(f"{link_path(cast)}/{kpi.pk}", as_=tokens.member)
    assert removed.status_code == 204, removed.content
    assert not ObjectiveKPI.objects.filter(objective=cast.objective).exists()
    actions = AuditEvent.objects.filter(source=Source.API).values_list("action", flat=True)
    assert list(actions.order_by("pk")) == ["objective.link_kpi", "objective.unlink_kpi"]


def test_linking_twice_is_422_naming_kpi(api: Api, cast: Cast, tokens: Tokens, kpi: KPI) -> None:
    kpis.objective_link_kpi(objective=cast.objective, kpi=kpi, by=cast.owner)
    assert_problem(api.post(link_path(cast), {"kpi": kpi.pk}, as_=tokens.owner), 422, "kpi")


def test_linking_an_archived_kpi_is_422_naming_kpi(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI
) -> None:
    kpis.kpi_update(kpi=kpi, by=cast.owner, version=kpi.version, is_active=False)
    body = assert_problem(api.post(link_path(cast), {"kpi": kpi.pk}, as_=tokens.owner), 422, "kpi")
    assert "archived" in body["detail"]


@pytest.mark.parametrize(
    ("sent", "field"), [({"kpi": 999999}, "kpi"), ({"kpi": 1, "role": "sponsor"}, "role")]
)
def test_a_bad_link_is_422_naming_the_field(
    api: Api, cast: Cast, tokens: Tokens, sent: dict[str, object], field: str
) -> None:
    assert_problem(api.post(link_path(cast), sent, as_=tokens.owner), 422, field)
    assert not ObjectiveKPI.objects.exists()


def test_unlinking_a_kpi_that_is_not_linked_is_404(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI
) -> None:
    assert_problem(api.delete(f"{link_path(cast)}/{kpi.pk}", as_=tokens.owner), 404)


def test_a_member_outside_the_owning_team_cannot_link(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI
) -> None:
    company = okrs.objective_create(
        organization=cast.org, cycle=cast.cycle, owner_team=cast.company, title="C", by=None
    )
    response = api.post(f"/objectives/{company.pk}/kpis", {"kpi": kpi.pk}, as_=tokens.member)
    assert_problem(response, 403)


# -- a key result that reads a KPI -------------------------------------------------------------


def test_a_key_result_reads_a_kpi_then_is_checked_in_by_hand_again(
    api: Api, cast: Cast, tokens: Tokens, red: KPI
) -> None:
    path = f"/key-results/{cast.kr.pk}/kpi"
    response = api.put(path, {"kpi": red.pk, "aggregation": "last"}, as_=tokens.member)
    assert response.status_code == 200, response.content
    assert (response.json()["kpi"], Decimal(response.json()["current"])) == (red.pk, Decimal(9))
    assert response["ETag"] == f'"{response.json()["version"]}"'
    again = api.put(path, {"kpi": None}, as_=tokens.member)
    assert again.status_code == 200, again.content
    assert KeyResult.objects.get(pk=cast.kr.pk).kpi_id is None


def test_a_milestone_cannot_read_a_kpi(api: Api, cast: Cast, tokens: Tokens, kpi: KPI) -> None:
    milestone = okrs.key_result_create(
        objective=cast.objective, title="Ship", kind="milestone", by=None
    )
    response = api.put(f"/key-results/{milestone.pk}/kpi", {"kpi": kpi.pk}, as_=tokens.owner)
    assert "metric" in assert_problem(response, 422, "kpi")["detail"]


def test_an_unknown_aggregation_is_422_naming_aggregation(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI
) -> None:
    response = api.put(
        f"/key-results/{cast.kr.pk}/kpi", {"kpi": kpi.pk, "aggregation": "max"}, as_=tokens.owner
    )
    assert_problem(response, 422, "aggregation")
    assert KeyResult.objects.get(pk=cast.kr.pk).kpi_id is None


# -- the strategic plan -----------------------------------------------------------------------

PLAN = {"purpose": "Keep every client's IT running.", "values": ["Own the outcome"]}


def test_an_admin_writes_the_plan_and_everyone_reads_it(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI
) -> None:
    assert_problem(api.get("/plan", as_=tokens.viewer), 404)
    admin = token_for(cast.admin, cast.org)
    created = api.put("/plan", {**PLAN, "key_kpis": [kpi.pk]}, as_=admin)
    assert created.status_code == 200, created.content
    read = api.get("/plan", as_=tokens.viewer)
    assert read.json()["values"] == ["Own the outcome"]
    assert read.json()["key_kpis"] == [kpi.pk]
    assert read["ETag"] == '"1"'
    changed = api.put(
        "/plan",
        {**PLAN, "bhag": "Every school online"},
        as_=tokens.owner,
        headers={"If-Match": '"1"'},
    )
    assert changed.status_code == 200, changed.content
    assert (changed.json()["version"], changed.json()["key_kpis"]) == (2, [])
    events = AuditEvent.objects.filter(source=Source.API, action__startswith="strategic_plan")
    assert list(events.order_by("pk").values_list("action", flat=True)) == [
        "strategic_plan.create",
        "strategic_plan.update",
    ]


def test_changing_a_plan_needs_the_version_and_a_stale_one_is_409(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    assert api.put("/plan", PLAN, as_=tokens.owner).status_code == 200
    assert_problem(api.put("/plan", {**PLAN, "bhag": "More"}, as_=tokens.owner), 428, "version")
    assert api.put("/plan", {**PLAN, "version": 1}, as_=tokens.owner).status_code == 200
    stale = api.put("/plan", {**PLAN, "bhag": "Lost", "version": 1}, as_=tokens.owner)
    assert_problem(stale, 409, "version")
    assert StrategicPlan.objects.get(organization=cast.org).bhag == ""


@pytest.mark.parametrize(
    ("sent", "field"),
    [
        ({"purpose": " "}, "purpose"),
        ({"bhag_year": 1999}, "bhag_year"),
        ({"values": ["Same", "same"]}, "values"),
        ({"key_kpis": [999999]}, "key_kpis"),
        ({"long_term_date": "next year"}, "long_term_date"),
    ],
)
def test_a_bad_plan_writes_nothing_and_names_the_field(
    api: Api, cast: Cast, tokens: Tokens, sent: dict[str, object], field: str
) -> None:
    assert_problem(api.put("/plan", {**PLAN, **sent}, as_=tokens.owner), 422, field)
    assert not StrategicPlan.objects.exists()


@pytest.mark.parametrize("who", ["editor", "member", "viewer"])
def test_only_owners_and_admins_write_the_plan(api: Api, tokens: Tokens, who: str) -> None:
    assert_problem(api.put("/plan", PLAN, as_=getattr(tokens, who)), 403)
    assert not StrategicPlan.objects.exists()


def test_another_organisations_kpi_is_no_key_kpi(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI
) -> None:
    assert_problem(
        api.put("/plan", {**PLAN, "key_kpis": [kpi.pk]}, as_=tokens.outsider), 422, "key_kpis"
    )
    assert not StrategicPlan.objects.exists()
