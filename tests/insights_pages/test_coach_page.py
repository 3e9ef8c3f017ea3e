from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tandem.okrs import services as okrs
from tandem.okrs.models import Cycle, Objective
from tests.conftest import Cast


def _objective(cast: Cast, title: str, key_results: int) -> Objective:
    objective = okrs.objective_create(
        organization=cast.org, cycle=cast.cycle, owner_team=cast.team, title=title, by=cast.owner
    )
    for i in range(key_results):
        okrs.key_result_create(
            objective=objective,
            title=f"Grow clients in region {i} from 10 to 20",
            baseline=Decimal(10),
            target=Decimal(20),
            owner=cast.member,
            by=cast.owner,
        )
    return objective


def _findings_of(html: str, objective: Objective) -> str:
    return html.split(f'id="coach-objective-{objective.pk}"')[1].split("</article>")[0]


def test_the_coach_flags_one_key_result_and_not_three(cast: Cast, client_for):
    three = _objective(cast, "Win the northern region", 3)
    response = client_for(cast.member).get(reverse("cycle_coach", args=[cast.cycle.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    one = _findings_of(html, cast.objective)
    assert 'data-rule="key_result_count"' in one
    assert "This objective has 1 key result." in one
    assert "Better:" in one
    assert 'data-rule="key_result_count"' not in _findings_of(html, three)


def test_the_coach_groups_objectives_by_team(cast: Cast, client_for):
    response = client_for(cast.member).get(reverse("cycle_coach", args=[cast.cycle.pk]))
    assert [g.name for g in response.context["groups"]] == [cast.team.name]


def test_another_organisations_cycle_has_no_coach_page(cast: Cast, client_for):
    response = client_for(cast.outsider).get(reverse("cycle_coach", args=[cast.cycle.pk]))
    assert response.status_code == 404


def test_the_cycles_list_and_the_review_link_the_coach(cast: Cast, client_for):
    client = client_for(cast.owner)
    url = reverse("cycle_coach", args=[cast.cycle.pk])
    assert url in client.get(reverse("cycles")).content.decode()
    assert url in client.get(reverse("cycle_review", args=[cast.cycle.pk])).content.decode()


def test_the_objective_page_shows_its_findings_in_a_coach_box(cast: Cast, client_for):
    html = client_for(cast.member).get(reverse("objective", args=[cast.objective.pk]))
    box = html.content.decode().split('id="coach"')[1].split("</details>")[0]
    assert 'data-rule="key_result_count"' in box


def test_the_coach_page_takes_the_same_queries_for_10_or_30_objectives(
    cast: Cast, client_for, django_assert_max_num_queries
):
    client = client_for(cast.member)
    url = reverse("cycle_coach", args=[cast.cycle.pk])
    for i in range(9):
        objective = _objective(cast, f"Win region {i}", 1 + i % 3)
        okrs.alignment_add(objective=objective, parent_objective=cast.objective, by=cast.owner)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    for i in range(20):
        objective = _objective(cast, f"Keep region {i} happy", 1 + i % 4)
        okrs.alignment_add(objective=objective, parent_objective=cast.objective, by=cast.owner)
        first = objective.key_results.first()
        assert first is not None
        okrs.key_result_check_in(key_result=first, value="12", confidence=6, by=cast.member)
    with django_assert_max_num_queries(len(small)):
        response = client.get(url)
    assert response.context["objectives"] == 30
    assert Objective.objects.filter(cycle=cast.cycle).count() == 30
    assert Cycle.objects.filter(organization=cast.org).count() == 1
