from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tandem.okrs import services as okrs
from tandem.okrs.models import Alignment, Initiative, KeyResult
from tests.conftest import Cast


def page_of(cast: Cast) -> str:
    return f"/objectives/{cast.objective.pk}/"


def test_objective_page_shows_the_objective_its_key_results_and_facts(cast: Cast, client_for):
    response = client_for(cast.viewer).get(page_of(cast))
    assert response.status_code == 200
    page = response.content.decode()
    assert cast.objective.title in page
    assert "Sales" in page
    assert "Aspirational" in page
    assert "This quarter" in page
    assert "Not started" in page
    assert "Sign new recurring contracts" in page


def test_objective_page_draws_each_key_results_history_with_a_data_table(cast: Cast, client_for):
    start = cast.cycle.bounds()[0]
    for days, value in ((3, "10"), (10, "25")):
        okrs.key_result_check_in(
            key_result=cast.kr,
            value=value,
            confidence=6,
            note=f"after {days} days",
            by=cast.member,
            at=min(start + dt.timedelta(days=days), timezone.now()),
        )
    page = client_for(cast.member).get(page_of(cast)).content.decode()
    assert f'id="kr-{cast.kr.pk}-history"' in page
    assert "<svg" in page
    assert 'class="chart__pace"' in page
    assert 'class="chart__line"' in page
    assert page.count('class="chart__point"') == 2
    assert "Data table: 2 check-ins" in page
    assert "after 10 days" in page
    assert '<td class="num">25</td>' in page


def test_objective_page_lists_initiatives_and_alignments_both_ways(cast: Cast, client_for):
    company_goal = okrs.objective_create(
        organization=cast.org,
        cycle=cast.cycle,
        owner_team=cast.company,
        title="Be the reference of the region",
        by=cast.owner,
    )
    okrs.alignment_add(objective=cast.objective, parent_objective=company_goal, by=cast.owner)
    child = okrs.objective_create(
        organization=cast.org,
        cycle=cast.cycle,
        owner_user=cast.member,
        title="Close my first ten deals",
        by=cast.owner,
    )
    okrs.alignment_add(objective=child, parent_key_result=cast.kr, by=cast.owner)
    okrs.initiative_create(
        objective=cast.objective, title="Hire two account managers", by=cast.owner
    )
    page = client_for(cast.viewer).get(page_of(cast)).content.decode()
    assert "Be the reference of the region" in page
    assert "Close my first ten deals" in page
    assert "Hire two account managers" in page
    # A viewer sees no forms.
    assert "Add alignment" not in page
    assert "Add initiative" not in page


def test_another_organisations_objective_is_404(cast: Cast, client_for):
    assert client_for(cast.outsider).get(page_of(cast)).status_code == 404
    assert client_for(cast.member).get("/objectives/999999/").status_code == 404


def test_an_editor_adds_an_initiative(cast: Cast, client_for):
    response = client_for(cast.editor).post(
        f"/objectives/{cast.objective.pk}/initiatives/new/",
        {
            "title": "Call every lapsed customer",
            "key_result": cast.kr.pk,
            "owner": cast.member.pk,
            "status": "in_progress",
            "due_date": "2030-01-31",
        },
    )
    assert response.status_code == 302
    initiative = Initiative.objects.get()
    assert (initiative.title, initiative.key_result, initiative.owner) == (
        "Call every lapsed customer",
        cast.kr,
        cast.member,
    )


def test_an_initiative_without_a_title_shows_the_field_error(cast: Cast, client_for):
    response = client_for(cast.editor).post(
        f"/objectives/{cast.objective.pk}/initiatives/new/", {"title": "", "status": "done"}
    )
    assert response.status_code == 422
    assert response.context["initiative_form"].errors["title"] == ["This field is required."]
    assert not Initiative.objects.exists()


def test_a_viewer_cannot_add_an_initiative(cast: Cast, client_for):
    response = client_for(cast.viewer).post(
        f"/objectives/{cast.objective.pk}/initiatives/new/",
        {"title": "Sneaky", "status": "done"},
    )
    assert response.status_code == 403
    assert not Initiative.objects.exists()


def test_an_editor_aligns_the_objective_to_a_parent_key_result_and_removes_it(
    cast: Cast, client_for
):
    company_goal = okrs.objective_create(
        organization=cast.org,
        cycle=cast.cycle,
        owner_team=cast.company,
        title="Be the reference of the region",
        by=cast.owner,
    )
    revenue = okrs.key_result_create(
        objective=company_goal, title="Revenue", baseline="1", target="2", by=cast.owner
    )
    client = client_for(cast.editor)
    page = client.get(page_of(cast)).content.decode()
    assert f'value="kr:{revenue.pk}"' in page
    response = client.post(
        f"/objectives/{cast.objective.pk}/alignments/new/", {"parent": f"kr:{revenue.pk}"}
    )
    assert response.status_code == 302
    alignment = Alignment.objects.get()
    assert (alignment.objective, alignment.parent_key_result) == (cast.objective, revenue)

    response = client.post(f"/alignments/{alignment.pk}/remove/")
    assert response.status_code == 302
    assert not Alignment.objects.exists()


def test_an_alignment_that_would_loop_is_refused_next_to_the_field(cast: Cast, client_for):
    child = okrs.objective_create(
        organization=cast.org, cycle=cast.cycle, owner_user=cast.member, title="Mine", by=cast.owner
    )
    okrs.alignment_add(objective=child, parent_objective=cast.objective, by=cast.owner)
    response = client_for(cast.editor).post(
        f"/objectives/{cast.objective.pk}/alignments/new/", {"parent": f"objective:{child.pk}"}
    )
    assert response.status_code == 422
    assert response.context["alignment_form"].errors["parent"] == [
        "That would make a loop: the parent already contributes to this objective."
    ]


def test_aligning_to_another_organisations_objective_is_refused(cast: Cast, client_for):
    theirs_cycle = okrs.cycle_create(
        organization=cast.other_org,
        name="Q",
        start_date=cast.cycle.start_date,
        end_date=cast.cycle.end_date,
        by=cast.outsider,
    )
    theirs = okrs.objective_create(
        organization=cast.other_org,
        cycle=theirs_cycle,
        owner_team=cast.other_team,
        title="Theirs",
        by=cast.outsider,
    )
    response = client_for(cast.editor).post(
        f"/objectives/{cast.objective.pk}/alignments/new/", {"parent": f"objective:{theirs.pk}"}
    )
    assert response.status_code == 422
    assert not Alignment.objects.exists()


def test_viewers_cannot_align_and_outsiders_cannot_remove(cast: Cast, client_for):
    parent = okrs.objective_create(
        organization=cast.org, cycle=cast.cycle, owner_team=cast.company, title="P", by=cast.owner
    )
    response = client_for(cast.viewer).post(
        f"/objectives/{cast.objective.pk}/alignments/new/", {"parent": f"objective:{parent.pk}"}
    )
    assert response.status_code == 403
    alignment = okrs.alignment_add(objective=cast.objective, parent_objective=parent, by=cast.owner)
    assert client_for(cast.viewer).post(f"/alignments/{alignment.pk}/remove/").status_code == 403
    assert client_for(cast.outsider).post(f"/alignments/{alignment.pk}/remove/").status_code == 404
    assert Alignment.objects.count() == 1


def test_objective_page_query_count_does_not_grow_with_the_data(
    cast: Cast, client_for, more_okrs, django_assert_max_num_queries
):
    client = client_for(cast.editor)
    okrs.key_result_check_in(key_result=cast.kr, value="5", confidence=5, by=cast.member)
    client.get(page_of(cast))
    # One of everything first: a prefetch with no parent rows runs no query at all.
    more_okrs(1)
    with CaptureQueriesContext(connection) as small:
        client.get(page_of(cast))
    # Ten contributing objectives, five more key results with three check-ins each,
    # and ten initiatives.
    more_okrs(10)
    for i in range(5):
        kr = okrs.key_result_create(
            objective=cast.objective,
            title=f"Extra {i}",
            baseline=Decimal(0),
            target=Decimal(3),
            owner=cast.member,
            by=cast.owner,
        )
        for value in ("1", "2", "3"):
            okrs.key_result_check_in(key_result=kr, value=value, confidence=5, by=cast.member)
    for i in range(10):
        okrs.initiative_create(objective=cast.objective, title=f"Initiative {i}", by=cast.owner)
    with django_assert_max_num_queries(len(small)):
        response = client.get(page_of(cast))
    assert len(response.context["key_results"]) == 6
    assert len(response.context["alignments_down"]) == 11
    assert KeyResult.objects.count() > 20
