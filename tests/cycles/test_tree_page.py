"""The alignment tree page: nesting, repeats, roll-ups, team groups, and its query count."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable

import pytest
from django.test import Client

from tandem.accounts.models import User
from tandem.okrs import services as okrs
from tandem.okrs.models import Alignment, Objective
from tandem.web import views_cycles
from tests.conftest import Cast
from tests.cycles.conftest import Company, objective_at

Clients = Callable[[User], Client]


def node_html(html: str, objective_id: int) -> str:
    """The first (full) placement of an objective: its card, up to the next placement."""
    start = f'<li class="tree__item" id="tree-o-{objective_id}">'
    match = re.search(rf'{start}.*?(?=<li class="tree__item|</section>|\Z)', html, re.S)
    assert match, f"objective {objective_id} is not on the tree"
    return match.group(0)


def group_order(html: str) -> list[str]:
    return re.findall(r'<section class="tree-group" id="tree-([a-z]+-\d+)"', html)


def test_the_tree_shows_the_current_cycle_to_any_member(
    cast: Cast, company: Company, client_for: Clients
):
    response = client_for(cast.viewer).get("/tree/")
    assert response.status_code == 200
    assert f"Alignment tree · {cast.cycle.name}" in response.content.decode()


def placements(html: str) -> list[int | None]:
    """The objectives placed on a page, in document order (None for a repeat)."""
    found = re.findall(r'<li class="tree__item[^"]*"(?: id="tree-o-(\d+)")?', html)
    return [int(p) if p else None for p in found]


def branch(client: Client, cast: Cast, objective_id: int) -> str:
    url = f"/cycles/{cast.cycle.pk}/tree/branch/{objective_id}/"
    response = client.get(url, headers={"HX-Request": "true"})
    assert response.status_code == 200
    return response.content.decode()


def test_the_page_shows_each_root_and_what_contributes_to_it_and_folds_the_rest(
    cast: Cast, company: Company, client_for: Clients
):
    html = client_for(cast.member).get(f"/cycles/{cast.cycle.pk}/tree/").content.decode()
    c = company
    assert placements(html) == [
        c.company_goal.pk,
        c.sales_goal.pk,  # the shared goal below it is folded
        c.engineering_goal.pk,  # and so are the platform goal and the shared goal again
        c.personal_goal.pk,
    ]
    engineering = node_html(html, c.engineering_goal.pk)
    branch_url = f"/cycles/{cast.cycle.pk}/tree/branch/{c.engineering_goal.pk}/"
    assert f'hx-get="{branch_url}"' in engineering
    assert f'<a href="{branch_url}">Show the 2 objectives contributing to it</a>' in engineering


def test_opening_a_branch_loads_the_objectives_that_contribute_to_it(
    cast: Cast, company: Company, client_for: Clients
):
    client = client_for(cast.member)
    c = company
    # Document order is tree order: the platform goal, then the shared goal again.
    assert placements(branch(client, cast, c.engineering_goal.pk)) == [c.platform_goal.pk, None]
    assert placements(branch(client, cast, c.sales_goal.pk)) == [c.shared_goal.pk]
    assert placements(branch(client, cast, c.platform_goal.pk)) == []


def test_a_branch_without_javascript_is_a_page_with_the_objective_at_the_top(
    cast: Cast, company: Company, client_for: Clients
):
    response = client_for(cast.member).get(
        f"/cycles/{cast.cycle.pk}/tree/branch/{company.engineering_goal.pk}/"
    )
    html = response.content.decode()
    assert "Back to the whole tree" in html
    assert placements(html) == [company.engineering_goal.pk, company.platform_goal.pk, None]


def test_a_branch_of_another_cycle_or_organisation_is_404(
    cast: Cast, company: Company, client_for: Clients
):
    theirs = okrs.cycle_create(
        organization=cast.other_org,
        name="Theirs",
        start_date=dt.date(2030, 1, 1),
        end_date=dt.date(2030, 3, 31),
        by=cast.outsider,
    )
    client = client_for(cast.owner)
    assert (
        client.get(f"/cycles/{theirs.pk}/tree/branch/{company.company_goal.pk}/").status_code == 404
    )
    assert client.get(f"/cycles/{cast.cycle.pk}/tree/branch/999999/").status_code == 404


def test_an_objective_with_two_parents_is_marked_and_its_repeat_points_to_it(
    cast: Cast, company: Company, client_for: Clients
):
    client = client_for(cast.member)
    assert "contributes to 2" in node_html(
        branch(client, cast, company.sales_goal.pk), company.shared_goal.pk
    )
    repeat = re.search(
        r'<li class="tree__item tree__item--repeat">.*?</li>',
        branch(client, cast, company.engineering_goal.pk),
        re.S,
    )
    assert repeat
    assert f"/tree/branch/{company.shared_goal.pk}/" in repeat.group(0)
    assert "tree-krs" not in repeat.group(0)


def test_each_node_shows_its_progress_status_key_results_and_subtree_roll_up(
    cast: Cast, company: Company, client_for: Clients
):
    client = client_for(cast.member)
    html = client.get("/tree/").content.decode()
    top = node_html(html, company.company_goal.pk)
    # 0.5, Sales 0, Engineering 0.25, platform 1, shared 0.75: five objectives.
    assert "roll-up <strong>50%</strong> of 5" in top
    assert "status--" in top
    assert "Be the region&#x27;s go-to provider: metric" in top
    engineering = node_html(html, company.engineering_goal.pk)
    assert "roll-up <strong>67%</strong> of 3" in engineering
    leaf = node_html(branch(client, cast, company.engineering_goal.pk), company.platform_goal.pk)
    assert "roll-up" not in leaf
    assert '<span class="progress-value">100%</span>' in leaf


def test_roots_are_grouped_by_team_in_org_chart_order_then_people(
    cast: Cast, company: Company, client_for: Clients
):
    # Unaligned objectives of Platform and Sales are roots of their teams' groups.
    objective_at(cast, "Keep the lights on", progress="0.5", team=company.platform)
    objective_at(cast, "Tidy the CRM", progress="0.25", team=cast.team)
    html = client_for(cast.member).get("/tree/").content.decode()
    assert group_order(html) == [
        f"team-{cast.company.pk}",
        f"team-{company.platform.pk}",
        f"team-{cast.team.pk}",
        f"person-{cast.member.pk}",
    ]
    platform = re.search(rf'id="tree-team-{company.platform.pk}".*?</section>', html, re.S)
    assert platform
    # The team's own objectives: 1, 0.75 and 0.5, wherever they are nested.
    assert "3 objectives" in platform.group(0)
    assert '<span class="progress-value">75%</span>' in platform.group(0)


def test_a_loop_in_the_alignment_data_is_shown_once_and_flagged(
    cast: Cast, company: Company, client_for: Clients
):
    # The services refuse loops; an import or a hand edit may still leave one.
    Alignment.objects.create(
        organization=cast.org,
        objective=company.company_goal,
        parent_objective=company.platform_goal,
    )
    html = client_for(cast.member).get("/tree/").content.decode()
    assert "alignment loop" in html
    assert "1 loop in the alignments" in html
    assert len(re.findall(rf'id="tree-o-{company.company_goal.pk}"', html)) == 1


def test_a_closed_cycle_shows_final_scores_instead_of_live_status(
    cast: Cast, company: Company, client_for: Clients
):
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    client = client_for(cast.member)
    node = node_html(branch(client, cast, company.engineering_goal.pk), company.platform_goal.pk)
    assert "score--green" in node
    assert "status--on_track" not in node


def test_choosing_a_cycle_in_the_switcher_opens_its_tree(cast: Cast, client_for: Clients):
    response = client_for(cast.member).get(f"/tree/?cycle={cast.cycle.pk}")
    assert response.status_code == 302
    assert response["Location"] == f"/cycles/{cast.cycle.pk}/tree/"


def test_another_organisations_tree_is_404(cast: Cast, client_for: Clients):
    theirs = okrs.cycle_create(
        organization=cast.other_org,
        name="Theirs",
        start_date=dt.date(2030, 1, 1),
        end_date=dt.date(2030, 3, 31),
        by=cast.outsider,
    )
    client = client_for(cast.owner)
    assert client.get(f"/cycles/{theirs.pk}/tree/").status_code == 404
    assert client.get(f"/tree/?cycle={theirs.pk}").status_code == 404
    assert client.get("/tree/?cycle=nope").status_code == 404


def test_an_organisation_without_cycles_is_told_how_to_start(client_for: Clients, cast: Cast):
    client = client_for(cast.outsider)
    html = client.get("/tree/").content.decode()
    assert "There is no cycle yet" in html


def test_the_tree_runs_the_same_queries_for_ten_and_sixty_objectives(
    cast: Cast, client_for: Clients, grow: Callable[[int], None], django_assert_max_num_queries
):
    client = client_for(cast.member)
    grow(10)
    with django_assert_max_num_queries(25) as ten:
        small = client.get("/tree/")
    grow(50)
    with django_assert_max_num_queries(len(ten.captured_queries)):
        large = client.get("/tree/")
    assert 'tree-facts__value">11</span> objectives' in small.content.decode()
    assert 'tree-facts__value">61</span> objectives' in large.content.decode()


def test_a_branch_runs_the_same_queries_for_ten_and_sixty_objectives(
    cast: Cast, client_for: Clients, grow: Callable[[int], None], django_assert_max_num_queries
):
    client = client_for(cast.member)
    grow(10)
    with django_assert_max_num_queries(25) as ten:
        small = branch(client, cast, cast.objective.pk)
    grow(50)
    with django_assert_max_num_queries(len(ten.captured_queries)):
        large = branch(client, cast, cast.objective.pk)
    assert len(placements(large)) > len(placements(small))


def test_past_the_page_budget_team_groups_fold_and_load_their_tree_when_opened(
    cast: Cast, company: Company, client_for: Clients, monkeypatch: pytest.MonkeyPatch
):
    objective_at(cast, "Tidy the CRM", progress="0.3", team=cast.team)
    # The company group alone fills a budget of two placements.
    monkeypatch.setattr(views_cycles, "TREE_PAGE_BUDGET", 2)
    client = client_for(cast.member)
    html = client.get("/tree/").content.decode()
    sales = re.search(rf'id="tree-team-{cast.team.pk}".*?</section>', html, re.S)
    assert sales
    group_url = f"/cycles/{cast.cycle.pk}/tree/group/team-{cast.team.pk}/"
    assert f'hx-get="{group_url}"' in sales.group(0)
    assert "tree-o-" not in sales.group(0)
    # Its roll-up is there all the same: 0 and 0.3.
    assert '<span class="progress-value">15%</span>' in sales.group(0)
    tidy = Objective.objects.get(title="Tidy the CRM")
    fragment = client.get(group_url, headers={"HX-Request": "true"}).content.decode()
    assert placements(fragment) == [tidy.pk]
    page = client.get(group_url).content.decode()
    assert "Back to the whole tree" in page
    assert placements(page) == [tidy.pk]


def test_a_group_that_is_not_on_the_tree_is_404(cast: Cast, company: Company, client_for: Clients):
    client = client_for(cast.member)
    base = f"/cycles/{cast.cycle.pk}/tree/group"
    assert client.get(f"{base}/team-{company.engineering.pk}/").status_code == 404
    assert client.get(f"{base}/team-{cast.other_team.pk}/").status_code == 404
    assert client.get(f"{base}/nonsense/").status_code == 404
    assert client.get(f"{base}/person-{cast.member.pk}/").status_code == 200
