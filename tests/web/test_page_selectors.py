"""The reads behind the pages: scoped to the organisation, and complete."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from tandem.okrs import selectors
from tandem.okrs import services as okrs
from tandem.okrs.models import Objective
from tests.conftest import Cast


def test_objectives_for_user_include_owned_ones_and_ones_holding_my_key_results(cast: Cast):
    personal = okrs.objective_create(
        organization=cast.org, cycle=cast.cycle, owner_user=cast.member, title="Mine", by=cast.owner
    )
    found = selectors.objectives_for_user(organization=cast.org, user=cast.member, cycle=cast.cycle)
    assert {o.pk for o in found} == {cast.objective.pk, personal.pk}
    # An objective with two of my key results is listed once.
    okrs.key_result_create(
        objective=cast.objective,
        title="Second",
        baseline="0",
        target="1",
        owner=cast.member,
        by=cast.owner,
    )
    found = selectors.objectives_for_user(organization=cast.org, user=cast.member, cycle=cast.cycle)
    assert sorted(o.pk for o in found) == sorted([cast.objective.pk, personal.pk])


def test_objectives_for_user_leave_out_dropped_ones_and_other_organisations(cast: Cast):
    okrs.objective_update(objective=cast.objective, state=Objective.State.DROPPED, by=cast.owner)
    assert (
        selectors.objectives_for_user(organization=cast.org, user=cast.member, cycle=cast.cycle)
        == []
    )
    assert (
        selectors.objectives_for_user(
            organization=cast.other_org, user=cast.member, cycle=cast.cycle
        )
        == []
    )


def test_objectives_for_teams_of_a_person(cast: Cast):
    found = selectors.objectives_for_teams_of(
        organization=cast.org, user=cast.editor, cycle=cast.cycle
    )
    assert [o.pk for o in found] == [cast.objective.pk]
    assert (
        selectors.objectives_for_teams_of(organization=cast.org, user=cast.viewer, cycle=cast.cycle)
        == []
    )


def test_the_home_page_lists_the_persons_objectives_then_their_teams_others_in_one_read(
    cast: Cast, django_assert_num_queries
):
    personal = okrs.objective_create(
        organization=cast.org, cycle=cast.cycle, owner_user=cast.member, title="Mine", by=cast.owner
    )
    team_only = okrs.objective_create(
        organization=cast.org, cycle=cast.cycle, owner_team=cast.team, title="Ours", by=cast.owner
    )
    # The objectives and their key results: two queries, whatever the person holds.
    with django_assert_num_queries(2):
        mine, teams = selectors.objectives_for_home(
            organization=cast.org, user=cast.member, cycle=cast.cycle
        )
    expected_mine = selectors.objectives_for_user(
        organization=cast.org, user=cast.member, cycle=cast.cycle
    )
    assert [o.pk for o in mine] == [o.pk for o in expected_mine]
    assert {o.pk for o in mine} == {cast.objective.pk, personal.pk}
    assert [o.pk for o in teams] == [team_only.pk]
    others = selectors.objectives_for_home(
        organization=cast.other_org, user=cast.member, cycle=cast.cycle
    )
    assert others == ([], [])


def test_key_result_history_is_oldest_first(cast: Cast):
    now = timezone.now()
    okrs.key_result_check_in(key_result=cast.kr, value="20", confidence=5, by=cast.member, at=now)
    okrs.key_result_check_in(
        key_result=cast.kr, value="10", confidence=5, by=cast.member, at=now - dt.timedelta(days=2)
    )
    history = selectors.key_result_history(key_result=cast.kr)
    assert [c.value for c in history] == [10, 20]
    assert history[0].author == cast.member


def test_alignment_candidates_leave_out_the_objective_itself(cast: Cast):
    other = okrs.objective_create(
        organization=cast.org, cycle=cast.cycle, owner_team=cast.company, title="Top", by=cast.owner
    )
    objective = selectors.objective_get(organization=cast.org, pk=cast.objective.pk)
    assert [o.pk for o in selectors.alignment_candidates(objective=objective)] == [other.pk]
