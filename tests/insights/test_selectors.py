"""objective_signals and company_health: guardrails, watermelons, red, stale and promotable
KPIs, on a pinned day (TODAY, late in Q2 2026)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.domain.health import Health
from tandem.domain.kpi_rules import WatermelonKind
from tandem.domain.status import Status
from tandem.insights import selectors
from tandem.insights.selectors import Signals
from tandem.kpis import services as kpis
from tandem.kpis.models import KPI, ObjectiveKPI
from tandem.okrs import services as okrs
from tandem.okrs.models import Cycle, Objective
from tests.conftest import Cast
from tests.insights.conftest import (
    LAST_WEEK,
    NOW,
    THIS_WEEK,
    TODAY,
    check_in,
    make_kpi,
    make_objective,
    record,
)

GUARDRAIL = ObjectiveKPI.Role.GUARDRAIL
INDICATOR = ObjectiveKPI.Role.INDICATOR


def signals_of(cast: Cast, objective: Objective) -> Signals:
    """Signals of a freshly read objective (check-ins change its stored progress)."""
    fresh = Objective.objects.get(pk=objective.pk)
    return selectors.objective_signals(
        organization=cast.org, objectives=[fresh], today=TODAY, now=NOW
    )[objective.pk]


def link(cast: Cast, objective: Objective, kpi: KPI, role: str) -> ObjectiveKPI:
    return kpis.objective_link_kpi(objective=objective, kpi=kpi, by=cast.owner, role=role)


# -- green outside, red inside --------------------------------------------------------------


def test_an_objective_behind_with_every_indicator_green_is_a_watermelon(cast: Cast, q2: Cycle):
    objective, kr = make_objective(cast, q2, "Grow the region")
    kpi = make_kpi(cast, "New accounts")
    record(kpi, THIS_WEEK, "12")
    link(cast, objective, kpi, INDICATOR)
    check_in(kr, "20")

    signals = signals_of(cast, objective)

    assert signals.status == Status.OFF_TRACK
    assert [(s.kpi, s.health) for s in signals.indicators] == [(kpi, Health.GREEN)]
    assert signals.watermelon == WatermelonKind.KPIS_GREEN_OBJECTIVE_BEHIND
    assert signals.guardrail_red is False


def test_the_watermelon_goes_away_when_the_objective_catches_up(cast: Cast, q2: Cycle):
    objective, kr = make_objective(cast, q2, "Grow the region")
    kpi = make_kpi(cast, "New accounts")
    record(kpi, THIS_WEEK, "12")
    link(cast, objective, kpi, INDICATOR)
    check_in(kr, "20")
    assert signals_of(cast, objective).watermelon is not None

    check_in(kr, "85")

    signals = signals_of(cast, objective)
    assert signals.status == Status.ON_TRACK
    assert signals.watermelon is None


def test_the_watermelon_goes_away_when_an_indicator_turns_red(cast: Cast, q2: Cycle):
    objective, kr = make_objective(cast, q2, "Grow the region")
    green, turning = make_kpi(cast, "New accounts"), make_kpi(cast, "Demos given")
    for kpi in (green, turning):
        record(kpi, THIS_WEEK, "12")
        link(cast, objective, kpi, INDICATOR)
    check_in(kr, "20")
    assert signals_of(cast, objective).watermelon is not None

    record(turning, THIS_WEEK, "3")

    signals = signals_of(cast, objective)
    assert {s.kpi.name: s.health for s in signals.indicators} == {
        "New accounts": Health.GREEN,
        "Demos given": Health.RED,
    }
    assert signals.watermelon is None


def test_a_kpi_behind_a_key_result_counts_as_an_indicator(cast: Cast, q2: Cycle):
    objective, kr = make_objective(cast, q2, "Grow the region")
    kpi = make_kpi(cast, "New accounts")
    record(kpi, THIS_WEEK, "12")
    backed = okrs.key_result_create(
        objective=objective, title="Accounts", baseline="0", target="100", by=cast.owner
    )
    kpis.key_result_link_kpi(key_result=backed, kpi=kpi, by=cast.owner)
    check_in(kr, "20")

    signals = signals_of(cast, objective)

    [indicator] = signals.indicators
    assert indicator.kpi == kpi
    assert indicator.link is None
    assert indicator.key_results == ("Accounts",)
    assert signals.watermelon == WatermelonKind.KPIS_GREEN_OBJECTIVE_BEHIND


def test_a_kpi_linked_as_indicator_and_behind_a_key_result_is_listed_once(cast: Cast, q2: Cycle):
    objective, _ = make_objective(cast, q2, "Grow the region")
    kpi = make_kpi(cast, "New accounts")
    record(kpi, THIS_WEEK, "12")
    backed = okrs.key_result_create(
        objective=objective, title="Accounts", baseline="0", target="100", by=cast.owner
    )
    kpis.key_result_link_kpi(key_result=backed, kpi=kpi, by=cast.owner)
    indicator_link = link(cast, objective, kpi, INDICATOR)

    [indicator] = signals_of(cast, objective).indicators

    assert indicator.link == indicator_link
    assert indicator.key_results == ("Accounts",)


@pytest.mark.parametrize(
    ("last_value_week", "expected"),
    [
        (dt.date(2026, 5, 4), Health.STALE),
        (None, Health.NO_DATA),
    ],
    ids=["stale", "never measured"],
)
def test_a_stale_or_unmeasured_indicator_is_not_green_so_no_watermelon(
    cast: Cast, q2: Cycle, last_value_week: dt.date | None, expected: Health
):
    objective, kr = make_objective(cast, q2, "Grow the region")
    kpi = make_kpi(cast, "New accounts")
    if last_value_week is not None:
        # Green, but five weeks old: it says nothing about today.
        record(kpi, last_value_week, "12")
    link(cast, objective, kpi, INDICATOR)
    check_in(kr, "20")

    signals = signals_of(cast, objective)

    assert [s.health for s in signals.indicators] == [expected]
    assert signals.status == Status.OFF_TRACK
    assert signals.watermelon is None


def test_last_weeks_value_is_still_current_this_week(cast: Cast, q2: Cycle):
    objective, kr = make_objective(cast, q2, "Grow the region")
    kpi = make_kpi(cast, "New accounts")
    record(kpi, LAST_WEEK, "12")
    link(cast, objective, kpi, INDICATOR)
    check_in(kr, "20")

    signals = signals_of(cast, objective)

    assert [s.health for s in signals.indicators] == [Health.GREEN]
    assert signals.watermelon == WatermelonKind.KPIS_GREEN_OBJECTIVE_BEHIND


def test_an_objective_without_linked_kpis_is_no_watermelon(cast: Cast, q2: Cycle):
    objective, kr = make_objective(cast, q2, "Grow the region")
    check_in(kr, "20")

    signals = signals_of(cast, objective)

    assert signals.status == Status.OFF_TRACK
    assert signals.kpis == ()
    assert signals.watermelon is None
    assert signals.flagged is False


def test_an_objective_not_started_is_no_watermelon(cast: Cast, q2: Cycle):
    objective, _ = make_objective(cast, q2, "Grow the region")
    kpi = make_kpi(cast, "New accounts")
    record(kpi, THIS_WEEK, "12")
    link(cast, objective, kpi, INDICATOR)

    signals = signals_of(cast, objective)

    assert signals.status == Status.NOT_STARTED
    assert signals.watermelon is None


# -- guardrails -------------------------------------------------------------------------------


def test_a_red_guardrail_on_an_objective_on_track_is_the_other_watermelon(cast: Cast, q2: Cycle):
    objective, kr = make_objective(cast, q2, "Grow the region")
    quality = make_kpi(cast, "First-time fix rate")
    record(quality, THIS_WEEK, "3")
    link(cast, objective, quality, GUARDRAIL)
    check_in(kr, "90")

    signals = signals_of(cast, objective)

    assert signals.status == Status.ON_TRACK
    assert [(s.kpi, s.health) for s in signals.guardrails] == [(quality, Health.RED)]
    assert signals.indicators == ()
    assert signals.guardrail_red is True
    assert [s.kpi for s in signals.red_guardrails] == [quality]
    assert signals.watermelon == WatermelonKind.GUARDRAIL_RED_OBJECTIVE_ON_TRACK
    assert signals.flagged is True


def test_a_red_guardrail_shows_on_an_objective_behind_without_being_a_watermelon(
    cast: Cast, q2: Cycle
):
    objective, kr = make_objective(cast, q2, "Grow the region")
    quality = make_kpi(cast, "First-time fix rate")
    record(quality, THIS_WEEK, "3")
    link(cast, objective, quality, GUARDRAIL)
    check_in(kr, "20")

    signals = signals_of(cast, objective)

    assert signals.guardrail_red is True
    assert signals.watermelon is None
    assert signals.flagged is True


def test_the_guardrail_watermelon_goes_away_when_the_guardrail_recovers(cast: Cast, q2: Cycle):
    objective, kr = make_objective(cast, q2, "Grow the region")
    quality = make_kpi(cast, "First-time fix rate")
    record(quality, THIS_WEEK, "3")
    link(cast, objective, quality, GUARDRAIL)
    check_in(kr, "90")
    assert signals_of(cast, objective).watermelon is not None

    record(quality, THIS_WEEK, "11")

    signals = signals_of(cast, objective)
    assert [s.health for s in signals.guardrails] == [Health.GREEN]
    assert signals.guardrail_red is False
    assert signals.watermelon is None


def test_green_guardrails_do_not_count_as_indicators(cast: Cast, q2: Cycle):
    objective, kr = make_objective(cast, q2, "Grow the region")
    quality = make_kpi(cast, "First-time fix rate")
    record(quality, THIS_WEEK, "12")
    link(cast, objective, quality, GUARDRAIL)
    check_in(kr, "20")

    signals = signals_of(cast, objective)

    # Slow progress while quality holds is no disagreement.
    assert signals.status == Status.OFF_TRACK
    assert signals.watermelon is None


def test_a_closed_objective_is_not_flagged_even_with_a_red_guardrail(cast: Cast, q2: Cycle):
    objective, kr = make_objective(cast, q2, "Grow the region")
    quality = make_kpi(cast, "First-time fix rate")
    record(quality, THIS_WEEK, "3")
    link(cast, objective, quality, GUARDRAIL)
    check_in(kr, "90")
    okrs.cycle_close(cycle=q2, by=cast.owner)

    signals = signals_of(cast, objective)

    assert signals.pursued is False
    assert signals.status is None
    assert [s.health for s in signals.guardrails] == [Health.RED]
    assert signals.guardrail_red is False
    assert signals.watermelon is None


def test_another_organisations_objective_gets_no_signals(cast: Cast, q2: Cycle):
    theirs_cycle = okrs.cycle_create(
        organization=cast.other_org,
        name="Their Q2",
        start_date=q2.start_date,
        end_date=q2.end_date,
        state=Cycle.State.ACTIVE,
        by=cast.outsider,
    )
    theirs = okrs.objective_create(
        organization=cast.other_org,
        cycle=theirs_cycle,
        owner_team=cast.other_team,
        title="Theirs",
        by=cast.outsider,
    )

    assert selectors.objective_signals(organization=cast.org, objectives=[theirs]) == {}


def test_a_promoted_objective_carries_its_promotion(cast: Cast, q2: Cycle):
    kpi = make_kpi(cast, "Client satisfaction", target="90", yellow="80")
    record(kpi, LAST_WEEK, "60")
    promotion = kpis.kpi_promote(kpi=kpi, cycle=q2, by=cast.editor, reason="Red all spring")

    signals = signals_of(cast, promotion.objective)

    assert signals.promotion == promotion
    assert signals.promotion.promoted_by == cast.editor
    assert [s.kpi for s in signals.indicators] == [kpi]
    assert signals.flagged is True


# -- query counts -----------------------------------------------------------------------------


def _objectives_with_kpis(cast: Cast, cycle: Cycle, count: int, first: int = 0) -> list[Objective]:
    made = []
    for i in range(first, first + count):
        objective, kr = make_objective(cast, cycle, f"Objective {i}")
        guard = make_kpi(cast, f"Guard {i}")
        indicator = make_kpi(cast, f"Indicator {i}")
        behind = make_kpi(cast, f"Behind {i}")
        record(guard, THIS_WEEK, "3")
        record(indicator, LAST_WEEK, "12")
        # Within the cycle, so the key result reaches its target, but stale by TODAY.
        record(behind, dt.date(2026, 4, 6), "12")
        link(cast, objective, guard, GUARDRAIL)
        link(cast, objective, indicator, INDICATOR)
        backed = okrs.key_result_create(
            objective=objective, title=f"Backed {i}", baseline="0", target="12", by=cast.owner
        )
        kpis.key_result_link_kpi(key_result=backed, kpi=behind, by=cast.owner)
        check_in(kr, "90")
        made.append(objective)
    return made


def _count_signals_queries(cast: Cast, ids: list[int]) -> tuple[int, dict[int, Signals]]:
    # Read the way the alignment tree reads them: without their cycles or organisation.
    objectives = list(Objective.objects.filter(pk__in=ids))
    with CaptureQueriesContext(connection) as queries:
        found = selectors.objective_signals(
            organization=cast.org, objectives=objectives, today=TODAY, now=NOW
        )
    return len(queries), found


def test_objective_signals_reads_3_or_30_objectives_in_the_same_number_of_queries(
    cast: Cast, q2: Cycle
):
    few = [o.pk for o in _objectives_with_kpis(cast, q2, 3)]
    many = few + [o.pk for o in _objectives_with_kpis(cast, q2, 27, first=3)]

    few_queries, few_signals = _count_signals_queries(cast, few)
    many_queries, many_signals = _count_signals_queries(cast, many)

    assert few_queries == many_queries <= 6
    assert len(many_signals) == 30
    assert all(s.guardrail_red for s in many_signals.values())
    assert {s.watermelon for s in many_signals.values()} == {
        WatermelonKind.GUARDRAIL_RED_OBJECTIVE_ON_TRACK
    }
    assert {s.health for sig in few_signals.values() for s in sig.indicators} == {
        Health.GREEN,
        Health.STALE,
    }


def test_company_health_reads_3_or_30_kpis_and_objectives_in_the_same_number_of_queries(
    cast: Cast, q2: Cycle
):
    _objectives_with_kpis(cast, q2, 3)
    with CaptureQueriesContext(connection) as few:
        small = selectors.company_health(organization=cast.org, today=TODAY, now=NOW)
    _objectives_with_kpis(cast, q2, 7, first=3)
    with CaptureQueriesContext(connection) as many:
        large = selectors.company_health(organization=cast.org, today=TODAY, now=NOW)

    assert len(few) == len(many)
    assert (len(small.red), len(large.red)) == (3, 10)
    assert (len(small.guardrail), len(large.guardrail)) == (3, 10)


# -- the company health page ------------------------------------------------------------------


def test_company_health_lists_red_stale_and_unmeasured_kpis_apart(cast: Cast, q2: Cycle):
    red = make_kpi(cast, "Churn", direction="lower_is_better", target="2", yellow="3")
    record(red, THIS_WEEK, "5")
    green = make_kpi(cast, "New accounts")
    record(green, THIS_WEEK, "12")
    stale = make_kpi(cast, "Old news")
    record(stale, dt.date(2026, 1, 5), "1")
    never = make_kpi(cast, "Never measured")

    report = selectors.company_health(organization=cast.org, today=TODAY, now=NOW)

    assert [line.kpi for line in report.red] == [red]
    assert [line.kpi for line in report.stale] == [stale]
    assert [line.health for line in report.stale] == [Health.STALE]
    assert [line.kpi for line in report.no_data] == [never]
    assert report.kpi_count == 4
    assert report.cycle == q2


def test_company_health_suggests_promoting_a_kpi_red_three_completed_weeks(cast: Cast, q2: Cycle):
    three = make_kpi(cast, "Red three weeks")
    two = make_kpi(cast, "Red two weeks")
    for week in (dt.date(2026, 5, 18), dt.date(2026, 5, 25), LAST_WEEK):
        record(three, week, "3")
    for week in (dt.date(2026, 5, 25), LAST_WEEK):
        record(two, week, "3")

    report = selectors.company_health(organization=cast.org, today=TODAY, now=NOW)

    assert [line.kpi for line in report.promote] == [three]


def test_company_health_suggests_demoting_after_four_green_weeks_past_the_closed_cycle(
    cast: Cast,
):
    q1 = okrs.cycle_create(
        organization=cast.org,
        name="Q1 2026",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 3, 31),
        state=Cycle.State.ACTIVE,
        by=cast.owner,
    )
    kpi = make_kpi(cast, "Client satisfaction", target="90", yellow="80")
    record(kpi, dt.date(2026, 3, 2), "60")
    promotion = kpis.kpi_promote(kpi=kpi, cycle=q1, by=cast.owner)
    okrs.cycle_close(cycle=q1, by=cast.owner)
    for week in (dt.date(2026, 5, 18), dt.date(2026, 5, 25), LAST_WEEK):
        record(kpi, week, "95")

    before = selectors.company_health(organization=cast.org, today=TODAY, now=NOW)
    record(kpi, dt.date(2026, 5, 11), "95")
    after = selectors.company_health(organization=cast.org, today=TODAY, now=NOW)

    assert before.demote == []
    assert [line.kpi for line in after.demote] == [kpi]
    assert after.open_promotions == [promotion]
    assert after.history == [promotion]


def test_company_health_history_keeps_demoted_promotions(cast: Cast, q2: Cycle):
    kpi = make_kpi(cast, "Client satisfaction", target="90", yellow="80")
    record(kpi, LAST_WEEK, "60")
    first = kpis.kpi_promote(kpi=kpi, cycle=q2, by=cast.owner)
    kpis.kpi_demote(promotion=first, by=cast.editor, note="Fixed for good")
    second = kpis.kpi_promote(kpi=kpi, cycle=q2, by=cast.owner, title="Again")

    report = selectors.company_health(organization=cast.org, today=TODAY, now=NOW)

    assert report.open_promotions == [second]
    assert [p.pk for p in report.history] == [second.pk, first.pk]
    assert report.history[1].demoted_by == cast.editor


def test_company_health_lists_both_kinds_of_watermelon_of_the_current_cycle(cast: Cast, q2: Cycle):
    behind, behind_kr = make_objective(cast, q2, "Behind but green")
    on_track, on_track_kr = make_objective(cast, q2, "On track, guardrail red")
    fine, fine_kr = make_objective(cast, q2, "Fine")
    green, red = make_kpi(cast, "New accounts"), make_kpi(cast, "First-time fix rate")
    record(green, THIS_WEEK, "12")
    record(red, THIS_WEEK, "3")
    link(cast, behind, green, INDICATOR)
    link(cast, on_track, red, GUARDRAIL)
    link(cast, fine, green, INDICATOR)
    check_in(behind_kr, "20")
    check_in(on_track_kr, "90")
    check_in(fine_kr, "90")

    report = selectors.company_health(organization=cast.org, today=TODAY, now=NOW)

    assert [w.objective.pk for w in report.behind] == [behind.pk]
    assert [w.objective.pk for w in report.guardrail] == [on_track.pk]
    assert report.watermelons == 2


def test_company_health_of_another_organisation_shows_none_of_ours(cast: Cast, q2: Cycle):
    kpi = make_kpi(cast, "Churn")
    record(kpi, THIS_WEEK, "1")

    report = selectors.company_health(organization=cast.other_org, today=TODAY, now=NOW)

    assert report.kpi_count == 0
    assert report.red == []


# -- the promote form's draft -----------------------------------------------------------------


def test_the_draft_defaults_to_the_current_cycle_and_counts_the_red_run(cast: Cast, q2: Cycle):
    kpi = make_kpi(cast, "Client satisfaction", target="90", yellow="80")
    for week in (dt.date(2026, 5, 18), dt.date(2026, 5, 25), LAST_WEEK):
        record(kpi, week, "60")

    draft = selectors.promotion_draft(kpi=kpi, today=TODAY)

    assert draft.default_cycle == q2
    assert draft.red_run == 3
    assert draft.suggest_promote is True
    assert draft.default_goal == 90
    assert draft.health == Health.RED
    assert [cell.start for cell in draft.recent][-1] == LAST_WEEK


def test_the_draft_defaults_to_the_next_planning_cycle_when_the_current_one_is_closed(
    cast: Cast, q2: Cycle
):
    # Neither the quarter around TODAY nor any other cycle is still active.
    okrs.cycle_close(cycle=q2, by=cast.owner)
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    q3 = okrs.cycle_create(
        organization=cast.org,
        name="Q3 2026",
        start_date=dt.date(2026, 7, 1),
        end_date=dt.date(2026, 9, 30),
        by=cast.owner,
    )
    kpi = make_kpi(cast, "Client satisfaction")

    draft = selectors.promotion_draft(kpi=kpi, today=TODAY)

    assert draft.default_cycle == q3
    assert q2 not in draft.cycles
