"""The per-organisation cache: teams and words are read once, retired by every change
of a team or of the organisation, and never shared between organisations."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tandem.accounts import orgcache
from tandem.accounts import services as accounts
from tandem.accounts.models import Organization, Team
from tandem.okrs import selectors
from tandem.okrs.tree import TeamRow, org_chart_order
from tests.conftest import Cast


def _fresh(org: Organization) -> Organization:
    """The organisation as the next request reads it (with its membership)."""
    return Organization.objects.get(pk=org.pk)


def _names(org: Organization) -> list[str]:
    return [team.name for team in orgcache.org_teams(_fresh(org))]


def _team_queries(client: Client, url: str) -> tuple[int, int]:
    """(all queries, queries of the team table) of one page."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    sqls = [q["sql"] for q in captured.captured_queries]
    return len(sqls), sum('FROM "accounts_team"' in sql for sql in sqls)


def test_the_team_list_is_read_once_and_then_from_the_cache(cast: Cast):
    org = _fresh(cast.org)
    with CaptureQueriesContext(connection) as first:
        teams = orgcache.org_teams(org)
    with CaptureQueriesContext(connection) as second:
        again = orgcache.org_teams(org)
    assert [t.name for t in teams] == ["Acme IT", "Sales"]
    assert len(first.captured_queries) == 1
    assert len(second.captured_queries) == 0
    assert again == teams


def test_renaming_a_team_retires_the_cached_list(cast: Cast):
    assert _names(cast.org) == ["Acme IT", "Sales"]
    accounts.team_update(team=cast.team, name="Field sales", by=cast.owner)
    assert _names(cast.org) == ["Acme IT", "Field sales"]


def test_creating_moving_and_deleting_teams_retire_the_cached_list(cast: Cast):
    assert _names(cast.org) == ["Acme IT", "Sales"]
    support = accounts.team_create(organization=cast.org, name="Support", by=cast.owner)
    assert _names(cast.org) == ["Acme IT", "Sales", "Support"]
    accounts.team_update(team=support, parent=cast.team, by=cast.owner)
    [cached] = [t for t in orgcache.org_teams(_fresh(cast.org)) if t.name == "Support"]
    assert cached.parent_id == cast.team.pk
    accounts.team_delete(team=support, by=cast.owner)
    assert _names(cast.org) == ["Acme IT", "Sales"]


def test_a_refused_change_leaves_the_cache_as_it_was(cast: Cast):
    org = _fresh(cast.org)
    orgcache.org_teams(org)
    with pytest.raises(ValidationError):
        accounts.team_update(team=cast.team, name="Acme IT", by=cast.owner)
    assert _fresh(cast.org).cache_version == org.cache_version
    assert _names(cast.org) == ["Acme IT", "Sales"]


def test_a_change_rolled_back_keeps_the_token_and_the_list(cast: Cast):
    org = _fresh(cast.org)
    orgcache.org_teams(org)

    def rename_then_fail() -> None:
        with transaction.atomic():
            accounts.team_update(team=cast.team, name="Field sales", by=cast.owner)
            raise RuntimeError("the request failed after the rename")

    with pytest.raises(RuntimeError):
        rename_then_fail()
    assert _fresh(cast.org).cache_version == org.cache_version
    assert _names(cast.org) == ["Acme IT", "Sales"]


def test_changing_the_words_retires_the_cached_words(cast: Cast):
    assert orgcache.org_terms(_fresh(cast.org))["objectives"] == "objectives"
    accounts.organization_update(
        organization=cast.org,
        by=cast.owner,
        terminology={"objective": {"singular": "rock", "plural": "rocks"}},
    )
    assert orgcache.org_terms(_fresh(cast.org))["objectives"] == "rocks"
    # The copy the request holds reads the new words too.
    assert orgcache.org_terms(cast.org)["Objectives"] == "Rocks"
    accounts.organization_update(
        organization=cast.org,
        by=cast.owner,
        terminology={"objective": {"singular": "goal", "plural": "goals"}},
    )
    assert orgcache.org_terms(_fresh(cast.org))["objectives"] == "goals"


def test_changing_a_setting_draws_a_new_token(cast: Cast):
    before = _fresh(cast.org).cache_version
    accounts.organization_update(organization=cast.org, by=cast.owner, week_start=7)
    assert _fresh(cast.org).cache_version not in (before, None)
    assert cast.org.cache_version == _fresh(cast.org).cache_version


def test_two_organisations_never_see_each_others_entries(cast: Cast):
    # Even with the same token, each organisation's entries are its own.
    Organization.objects.filter(pk=cast.other_org.pk).update(
        cache_version=_fresh(cast.org).cache_version
    )
    accounts.organization_update(
        organization=cast.other_org,
        by=cast.outsider,
        terminology={"kpi": {"singular": "measurable", "plural": "measurables"}},
    )
    Organization.objects.filter(pk=cast.other_org.pk).update(
        cache_version=_fresh(cast.org).cache_version
    )
    ours, theirs = _fresh(cast.org), _fresh(cast.other_org)
    assert ours.cache_version == theirs.cache_version
    assert [t.name for t in orgcache.org_teams(ours)] == ["Acme IT", "Sales"]
    assert [t.name for t in orgcache.org_teams(theirs)] == ["Globex Sales"]
    assert orgcache.org_terms(theirs)["kpis"] == "measurables"
    assert orgcache.org_terms(ours)["kpis"] == "KPIs"


def test_a_new_organisation_never_finds_a_deleted_ones_entries(cast: Cast):
    assert Organization.objects.get(pk=cast.org.pk).cache_version != cast.other_org.cache_version
    tokens = {
        accounts.organization_create(name=f"Org {i}", owner=cast.owner).cache_version
        for i in range(5)
    }
    assert len(tokens) == 5


def test_the_scorecard_reads_no_team_on_a_second_request(cast: Cast, client_for):
    client = client_for(cast.member)
    first, first_teams = _team_queries(client, "/scorecard/")
    second, second_teams = _team_queries(client, "/scorecard/")
    assert first_teams - second_teams == 1
    assert second == first - 1
    response = client.get(f"/scorecard/?team={cast.team.slug}")
    assert f'<option value="{cast.team.slug}" selected>Sales</option>' in response.content.decode()


def test_the_scorecard_filter_shows_a_renamed_team_at_once(cast: Cast, client_for):
    client = client_for(cast.member)
    assert ">Sales</option>" in client.get("/scorecard/").content.decode()
    accounts.team_update(team=cast.team, name="Field sales", by=cast.owner)
    page = client.get("/scorecard/").content.decode()
    assert ">Field sales</option>" in page
    assert ">Sales</option>" not in page


def test_the_tree_reads_no_team_list_on_a_second_request(cast: Cast, client_for):
    client = client_for(cast.member)
    url = f"/cycles/{cast.cycle.pk}/tree/"
    first, first_teams = _team_queries(client, url)
    second, second_teams = _team_queries(client, url)
    assert second == first - 1
    assert second_teams == first_teams - 1
    accounts.team_update(team=cast.team, name="Field sales", by=cast.owner)
    assert "Field sales" in client.get(url).content.decode()


def test_pages_say_the_new_words_right_after_they_change(cast: Cast, client_for):
    client = client_for(cast.admin)
    assert "New objective" in client.get("/").content.decode()
    accounts.organization_update(
        organization=cast.org,
        by=cast.owner,
        terminology={"objective": {"singular": "rock", "plural": "rocks"}},
    )
    page = client.get("/").content.decode()
    assert "New rock" in page
    assert "New objective" not in page


def test_a_team_saved_outside_the_services_retires_the_list_too(cast: Cast):
    # The admin site saves teams directly.
    assert _names(cast.org) == ["Acme IT", "Sales"]
    team = Team.objects.get(pk=cast.team.pk)
    team.name = "Inside sales"
    team.save()
    assert _names(cast.org) == ["Acme IT", "Inside sales"]


def test_the_org_chart_order_is_kept_with_the_teams_and_follows_a_moved_team(cast: Cast):
    def expected() -> tuple[tuple[int, int], ...]:
        teams = orgcache.org_teams(_fresh(cast.org))
        return tuple(org_chart_order([TeamRow(t.id, t.parent_id, t.name) for t in teams]))

    support = accounts.team_create(organization=cast.org, name="Support", by=cast.owner)
    assert selectors.org_chart(organization=_fresh(cast.org)) == expected()
    with CaptureQueriesContext(connection) as again:
        selectors.org_chart(organization=_fresh(cast.org))
    assert len(again.captured_queries) == 1  # the organisation itself, nothing cached
    accounts.team_update(team=support, parent=cast.team, by=cast.owner)
    moved = selectors.org_chart(organization=_fresh(cast.org))
    assert moved == expected()
    depth = dict(moved)
    assert depth[support.pk] == depth[cast.team.pk] + 1
