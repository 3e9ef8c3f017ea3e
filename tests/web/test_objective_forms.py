from __future__ import annotations

from decimal import Decimal
from typing import Any

from tandem.okrs import services as okrs
from tandem.okrs.models import KeyResult, Objective
from tests.conftest import Cast


def objective_data(cast: Cast, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "title": "Delight our biggest customers",
        "description": "The ten accounts that pay our salaries.",
        "kind": "committed",
        "owner": f"team:{cast.team.pk}",
        "cycle": cast.cycle.pk,
        "kr-TOTAL_FORMS": "5",
        "kr-INITIAL_FORMS": "0",
        "kr-MIN_NUM_FORMS": "0",
        "kr-MAX_NUM_FORMS": "5",
    }
    for i in range(5):
        data.update({f"kr-{i}-kind": "metric", f"kr-{i}-unit": "number", f"kr-{i}-weight": "1"})
    data.update(overrides)
    return data


def test_the_new_objective_form_preselects_team_and_cycle(cast: Cast, client_for):
    response = client_for(cast.editor).get(f"/objectives/new/?team=sales&cycle={cast.cycle.pk}")
    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial == {"owner": f"team:{cast.team.pk}", "cycle": cast.cycle.pk}
    page = response.content.decode()
    assert 'name="kr-4-title"' in page
    assert "Globex" not in page


def test_an_editor_creates_an_objective_with_key_results_in_one_go(cast: Cast, client_for):
    data = objective_data(
        cast,
        **{
            "kr-0-title": "Lift NPS of top accounts",
            "kr-0-baseline": "20",
            "kr-0-target": "45",
            "kr-0-owner": str(cast.member.pk),
            "kr-1-title": "Run quarterly business reviews",
            "kr-1-kind": "milestone",
            "kr-1-weight": "2",
        },
    )
    response = client_for(cast.editor).post("/objectives/new/", data)
    assert response.status_code == 302
    objective = Objective.objects.get(title="Delight our biggest customers")
    assert response["Location"] == f"/objectives/{objective.pk}/"
    assert (objective.owner_team, objective.kind, objective.cycle) == (
        cast.team,
        "committed",
        cast.cycle,
    )
    krs = list(objective.key_results.all())
    assert [(k.title, k.kind, k.owner, k.weight) for k in krs] == [
        ("Lift NPS of top accounts", "metric", cast.member, Decimal(1)),
        ("Run quarterly business reviews", "milestone", None, Decimal(2)),
    ]
    assert krs[0].baseline == 20
    assert krs[0].target == 45


def test_an_objective_can_belong_to_one_person(cast: Cast, client_for):
    response = client_for(cast.editor).post(
        "/objectives/new/", objective_data(cast, owner=f"user:{cast.member.pk}")
    )
    assert response.status_code == 302
    assert Objective.objects.get(title="Delight our biggest customers").owner_user == cast.member


def test_a_key_result_whose_target_equals_its_baseline_saves_nothing(cast: Cast, client_for):
    data = objective_data(
        cast,
        **{
            "kr-0-title": "A fine one",
            "kr-0-baseline": "1",
            "kr-0-target": "2",
            "kr-1-title": "Go nowhere",
            "kr-1-baseline": "5",
            "kr-1-target": "5",
        },
    )
    before = Objective.objects.count()
    response = client_for(cast.editor).post("/objectives/new/", data)
    assert response.status_code == 422
    formset = response.context["formset"]
    assert formset.forms[1].errors["target"] == [
        "The target equals the baseline (5): a key result moves from X to Y."
    ]
    assert formset.forms[0].errors == {}
    assert "Nothing was saved" in response.content.decode()
    assert Objective.objects.count() == before
    assert not KeyResult.objects.filter(title="A fine one").exists()


def test_text_in_a_number_and_a_service_error_show_together(cast: Cast, client_for):
    data = objective_data(
        cast,
        **{
            "kr-0-title": "Go nowhere",
            "kr-0-baseline": "5",
            "kr-0-target": "5",
            "kr-1-title": "Count something",
            "kr-1-baseline": "a few",
            "kr-1-target": "10",
        },
    )
    response = client_for(cast.editor).post("/objectives/new/", data)
    assert response.status_code == 422
    forms = response.context["formset"].forms
    assert forms[0].errors["target"][0].startswith("The target equals the baseline")
    assert forms[1].errors["baseline"] == ["Enter a number."]
    assert 'value="a few"' in response.content.decode()
    assert not Objective.objects.filter(title="Delight our biggest customers").exists()


def test_a_metric_key_result_without_a_target_is_named(cast: Cast, client_for):
    data = objective_data(cast, **{"kr-0-title": "Half-written", "kr-0-baseline": "3"})
    response = client_for(cast.editor).post("/objectives/new/", data)
    assert response.status_code == 422
    assert response.context["formset"].forms[0].errors["target"] == [
        "A metric key result needs a target (where you want to be, Y)."
    ]


def test_objective_field_errors_show_next_to_their_fields(cast: Cast, client_for):
    response = client_for(cast.editor).post(
        "/objectives/new/", objective_data(cast, title="", owner="team:999999")
    )
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert errors["title"] == ["This field is required."]
    assert "owner" in errors


def test_another_organisations_team_cannot_own_an_objective(cast: Cast, client_for):
    response = client_for(cast.editor).post(
        "/objectives/new/", objective_data(cast, owner=f"team:{cast.other_team.pk}")
    )
    assert response.status_code == 422
    assert response.context["form"].errors["owner"] == [
        f"Select a valid choice. team:{cast.other_team.pk} is not one of the available choices."
    ]


def test_a_closed_cycle_is_not_offered_for_new_objectives(cast: Cast, client_for):
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    response = client_for(cast.editor).post("/objectives/new/", objective_data(cast))
    assert response.status_code == 422
    assert "cycle" in response.context["form"].errors


def test_viewers_cannot_create_objectives_and_members_only_for_their_own_teams(
    cast: Cast, client_for
):
    viewer = client_for(cast.viewer)
    assert viewer.post("/objectives/new/", objective_data(cast)).status_code == 403
    assert viewer.get("/objectives/new/").status_code == 403
    # The member belongs to Sales, not to the company team.
    member = client_for(cast.member)
    company = objective_data(cast, owner=f"team:{cast.company.pk}")
    assert member.post("/objectives/new/", company).status_code == 403
    assert not Objective.objects.filter(title="Delight our biggest customers").exists()


def test_an_editor_edits_an_objective(cast: Cast, client_for):
    url = f"/objectives/{cast.objective.pk}/edit/"
    client = client_for(cast.editor)
    form = client.get(url).context["form"]
    assert form.initial["version"] == cast.objective.version
    response = client.post(
        url,
        {
            "title": "Become the reference IT provider of the region",
            "description": "",
            "kind": "committed",
            "owner": f"user:{cast.editor.pk}",
            "cycle": cast.cycle.pk,
            "version": cast.objective.version,
        },
    )
    assert response.status_code == 302
    cast.objective.refresh_from_db()
    assert cast.objective.title == "Become the reference IT provider of the region"
    assert cast.objective.owner_user == cast.editor
    assert cast.objective.owner_team is None
    assert cast.objective.version == 2


def test_a_stale_objective_edit_shows_the_conflict(cast: Cast, client_for):
    stale = cast.objective.version
    okrs.objective_update(objective=cast.objective, title="Changed meanwhile", by=cast.owner)
    response = client_for(cast.editor).post(
        f"/objectives/{cast.objective.pk}/edit/",
        {
            "title": "My edit",
            "kind": "committed",
            "owner": f"team:{cast.team.pk}",
            "cycle": cast.cycle.pk,
            "version": stale,
        },
    )
    assert response.status_code == 422
    assert "Someone else changed" in response.context["form"].non_field_errors()[0]
    cast.objective.refresh_from_db()
    assert cast.objective.title == "Changed meanwhile"


def test_editing_another_organisations_objective_is_404(cast: Cast, client_for):
    assert (
        client_for(cast.outsider).get(f"/objectives/{cast.objective.pk}/edit/").status_code == 404
    )


def test_a_viewer_cannot_edit_an_objective(cast: Cast, client_for):
    response = client_for(cast.viewer).post(
        f"/objectives/{cast.objective.pk}/edit/", {"title": "Mine now"}
    )
    assert response.status_code == 403


def test_an_editor_adds_a_key_result(cast: Cast, client_for):
    response = client_for(cast.editor).post(
        f"/objectives/{cast.objective.pk}/key-results/new/",
        {
            "title": "Raise monthly recurring revenue",
            "kind": "metric",
            "unit": "currency",
            "currency": "eur",
            "baseline": "10000",
            "target": "15000",
            "owner": str(cast.member.pk),
            "weight": "2",
        },
    )
    assert response.status_code == 302
    kr = KeyResult.objects.get(title="Raise monthly recurring revenue")
    assert (kr.currency, kr.target, kr.weight) == ("EUR", Decimal(15000), Decimal(2))


def test_a_key_result_with_target_equal_to_baseline_is_refused(cast: Cast, client_for):
    response = client_for(cast.editor).post(
        f"/objectives/{cast.objective.pk}/key-results/new/",
        {"title": "Flat", "kind": "metric", "unit": "number", "baseline": "7", "target": "7"},
    )
    assert response.status_code == 422
    assert response.context["form"].errors["target"] == [
        "The target equals the baseline (7): a key result moves from X to Y."
    ]
    assert 'aria-invalid="true"' in response.content.decode()


def test_a_currency_key_result_needs_a_currency(cast: Cast, client_for):
    response = client_for(cast.editor).post(
        f"/objectives/{cast.objective.pk}/key-results/new/",
        {"title": "Money", "kind": "metric", "unit": "currency", "baseline": "1", "target": "2"},
    )
    assert response.status_code == 422
    assert response.context["form"].errors["currency"] == ["Name the currency (e.g. EUR, USD)."]


def test_adding_a_key_result_to_another_organisations_objective_is_404(cast: Cast, client_for):
    response = client_for(cast.outsider).get(f"/objectives/{cast.objective.pk}/key-results/new/")
    assert response.status_code == 404


def test_an_editor_edits_a_key_result(cast: Cast, client_for):
    url = f"/key-results/{cast.kr.pk}/edit/"
    client = client_for(cast.editor)
    form = client.get(url).context["form"]
    assert (form.initial["baseline"], form.initial["target"]) == ("0", "100")
    response = client.post(
        url,
        {
            "title": "Sign new recurring contracts",
            "kind": "metric",
            "unit": "number",
            "baseline": "0",
            "target": "50",
            "owner": str(cast.member.pk),
            "weight": "1",
            "version": cast.kr.version,
        },
    )
    assert response.status_code == 302
    cast.kr.refresh_from_db()
    assert cast.kr.target == 50


def test_a_stale_key_result_edit_shows_the_conflict(cast: Cast, client_for):
    stale = cast.kr.version
    okrs.key_result_update(key_result=cast.kr, title="Changed meanwhile", by=cast.owner)
    response = client_for(cast.editor).post(
        f"/key-results/{cast.kr.pk}/edit/",
        {
            "title": "Mine",
            "kind": "metric",
            "unit": "number",
            "baseline": "0",
            "target": "50",
            "weight": "1",
            "version": stale,
        },
    )
    assert response.status_code == 422
    assert "Someone else changed" in response.content.decode()


def test_a_member_edits_their_teams_key_results_but_not_another_teams(cast: Cast, client_for):
    member = client_for(cast.member)
    assert member.get(f"/key-results/{cast.kr.pk}/edit/").status_code == 200
    company = okrs.objective_create(
        organization=cast.org, cycle=cast.cycle, owner_team=cast.company, title="C", by=cast.owner
    )
    kr = okrs.key_result_create(objective=company, title="K", kind="milestone", by=cast.owner)
    assert member.get(f"/key-results/{kr.pk}/edit/").status_code == 403


def test_editing_another_organisations_key_result_is_404(cast: Cast, client_for):
    assert client_for(cast.outsider).get(f"/key-results/{cast.kr.pk}/edit/").status_code == 404
