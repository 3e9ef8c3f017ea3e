"""Each objective's and KPI's page shows its recent history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.audit.selectors import activity_for, objective_activity
from tandem.kpis import services as kpis
from tandem.okrs import services as okrs
from tests.conftest import Cast


def test_the_objective_page_shows_its_own_key_results_and_check_ins_changes(cast: Cast, client_for):
    okrs.key_result_check_in(
        key_result=cast.kr, value=Decimal(40), confidence=6, note="Two deals", by=cast.member
    )
    okrs.objective_update(objective=cast.objective, by=cast.editor, title="Lead the region")
    page = client_for(cast.viewer).get(f"/objectives/{cast.objective.pk}/").content.decode()
    activity = page[page.index('id="activity-heading"') :]
    # In people's words, not audit codes or stored decimals.
    assert "Editor Person changed the objective “Lead the region”" in activity
    assert "<ins>Lead the region</ins>" in activity
    assert "Olivia Owner created the key result “Sign new recurring contracts”" in activity
    assert (
        "Member Person checked in 40 (was 0) on “Sign new recurring contracts”, confidence 6; "
        "progress 0% → 40%" in activity
    )
    assert "Two deals" in activity
    assert "checkin.create" not in activity
    assert "40.0000" not in activity
    # Viewers see the feed but are not sent to a log they may not read.
    assert 'href="/audit/"' not in activity


def test_an_objectives_feed_leaves_out_other_objectives_and_organisations(cast: Cast):
    other = okrs.objective_create(
        organization=cast.org, cycle=cast.cycle, owner_team=cast.team, by=cast.owner, title="Other"
    )
    okrs.objective_update(objective=other, by=cast.owner, title="Other, renamed")
    feed = objective_activity(organization=cast.org, objective=cast.objective)
    assert {e.event.target_repr for e in feed} == {cast.objective.title, cast.kr.title}
    assert objective_activity(organization=cast.other_org, objective=cast.objective) == []


def test_an_objectives_feed_is_one_query_however_many_check_ins(cast: Cast):
    for i in range(30):
        okrs.key_result_check_in(key_result=cast.kr, value=Decimal(i), confidence=5, by=cast.member)
    with CaptureQueriesContext(connection) as queries:
        feed = objective_activity(organization=cast.org, objective=cast.objective)
    assert len(queries) == 1
    assert len(feed) == 20
    assert feed[0].event.action == "checkin.create"


def test_activity_for_reads_the_events_of_the_given_objects(cast: Cast):
    feed = activity_for(organization=cast.org, target_type="team", target_ids=[cast.team.pk])
    assert [e.event.action for e in feed] == ["team.create"]
    assert feed[0].changes[0].before == "—"


def test_the_kpi_page_shows_its_values_and_targets_history(cast: Cast, client_for):
    kpi = kpis.kpi_create(
        organization=cast.org, name="Net promoter score", by=cast.editor, target=Decimal(40)
    )
    kpis.measurement_record(
        kpi=kpi, period_start=dt.date(2026, 11, 2), value=Decimal(35), by=cast.editor
    )
    page = client_for(cast.admin).get(f"/kpis/{kpi.pk}/").content.decode()
    activity = page[page.index('id="activity-heading"') :]
    assert "Editor Person created the KPI “Net promoter score”" in activity
    assert (
        "Editor Person recorded 35 for Net promoter score for the period of 2 Nov 2026" in activity
    )
    assert "measurement.create" not in activity
    assert 'href="/audit/"' in activity


def test_the_kpi_page_tells_each_batch_with_its_sender_token_and_periods(cast: Cast, client_for):
    from tandem.api.services import api_token_create
    from tandem.integrations.ingest import measurements_ingest

    kpi = kpis.kpi_create(organization=cast.org, name="Net promoter score", by=cast.editor)
    token, _ = api_token_create(
        user=cast.editor,
        organization=cast.org,
        name="Nightly sync",
        scope="measurements",
        expires_on=None,
        by=cast.editor,
    )
    today = dt.date(2026, 11, 15)
    weeks = ["2026-11-02", "2026-11-09"]
    rows = [{"kpi": kpi.key, "period_start": w, "value": "1"} for w in weeks]
    measurements_ingest(organization=cast.org, rows=rows, by=cast.editor, token=token, today=today)
    rows = [{"kpi": kpi.key, "period_start": weeks[0], "value": "2"}]
    measurements_ingest(
        organization=cast.org, rows=rows, by=cast.owner, source="import", today=today
    )
    page = client_for(cast.admin).get(f"/kpis/{kpi.pk}/").content.decode()
    activity = page[page.index('id="activity-heading"') :]
    assert (
        "Editor Person sent 2 values (2 new) of 1 KPI for the periods from 2 Nov 2026 "
        "to 9 Nov 2026 through the API with the token “Nightly sync”"
    ) in activity
    assert (
        "Olivia Owner sent 1 value (1 correction) of 1 KPI for the period of 2 Nov 2026 "
        "through a file import"
    ) in activity
