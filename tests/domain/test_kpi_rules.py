"""Promotion and demotion of KPIs, watermelons and breached guardrails."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.domain.health import Health
from tandem.domain.kpi_rules import (
    WatermelonKind,
    consecutive_trailing,
    guardrail_breach,
    should_demote,
    should_promote,
    watermelon,
)
from tandem.domain.status import Status

G, Y, R = Health.GREEN, Health.YELLOW, Health.RED
NO_DATA, STALE = Health.NO_DATA, Health.STALE
healths = st.lists(st.sampled_from(list(Health)), max_size=20)


# Runs


@pytest.mark.parametrize(
    ("history", "wanted", "run"),
    [
        ([], R, 0),
        ([R], R, 1),
        ([R, R, R], R, 3),
        ([R, G, R, R], R, 2),
        ([R, R, Y], R, 0),
        ([R, R, NO_DATA], R, 0),  # a missing period ends the run
        ([R, NO_DATA, R], R, 1),
        ([G, G], R, 0),
        ([G, NO_DATA, NO_DATA], NO_DATA, 2),
    ],
)
def test_consecutive_trailing_counts_the_latest_run(history, wanted, run):
    assert consecutive_trailing(history, wanted) == run


def test_healths_stored_as_text_count_too():
    assert consecutive_trailing(["green", "red", "red"], R) == 2  # type: ignore[list-item]


@given(healths, st.sampled_from(list(Health)), st.sampled_from(list(Health)))
def test_one_more_period_extends_the_run_or_ends_it(history, latest, wanted):
    before = consecutive_trailing(history, wanted)
    after = consecutive_trailing([*history, latest], wanted)
    assert after == (before + 1 if latest is wanted else 0)
    assert 0 <= before <= len(history)


# Promotion


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        ([R, R, R], True),
        ([G, Y, R, R, R], True),
        ([R, R, R, R, R], True),
        ([R, R], False),
        ([R, R, Y, R, R], False),  # a yellow week interrupts the run
        ([R, R, NO_DATA, R], False),  # so does a week without a value
        ([R, R, R, G], False),  # it has recovered
        ([], False),
    ],
)
def test_kpi_red_for_three_periods_in_a_row_is_suggested_for_an_okr(history, expected):
    assert should_promote(history, already_promoted=False) is expected


def test_already_promoted_kpi_is_not_suggested_again():
    assert not should_promote([R, R, R, R], already_promoted=True)


def test_red_periods_is_configurable():
    assert should_promote([G, R], red_periods=1, already_promoted=False)
    assert not should_promote([R, R, R, R], red_periods=5, already_promoted=False)
    assert should_promote([R] * 5, red_periods=5, already_promoted=False)


def test_red_periods_below_one_is_refused():
    with pytest.raises(ValueError, match="red_periods"):
        should_promote([R], red_periods=0, already_promoted=False)


@given(healths, st.integers(min_value=2, max_value=10))
def test_a_shorter_required_run_promotes_whenever_a_longer_one_does(history, red_periods):
    if should_promote(history, red_periods=red_periods, already_promoted=False):
        assert should_promote(history, red_periods=red_periods - 1, already_promoted=False)


# Demotion


@pytest.mark.parametrize(
    ("history", "expected"),
    [
        ([G, G, G, G], True),
        ([R, Y, G, G, G, G], True),
        ([G, G, G], False),
        ([G, G, G, G, Y], False),
        ([G, G, NO_DATA, G, G], False),  # a missing week is no evidence it held
        ([G, G, STALE, G, G], False),
        ([], False),
    ],
)
def test_promoted_kpi_green_for_four_periods_after_its_cycle_is_suggested_for_demotion(
    history, expected
):
    assert should_demote(history, promoted=True, cycle_closed=True) is expected


def test_kpi_that_was_never_promoted_is_not_demoted():
    assert not should_demote([G] * 8, promoted=False, cycle_closed=True)


def test_kpi_is_not_demoted_while_its_okr_cycle_runs():
    assert not should_demote([G] * 8, promoted=True, cycle_closed=False)


def test_green_periods_is_configurable():
    assert should_demote([G, G], green_periods=2, promoted=True, cycle_closed=True)
    assert not should_demote([G] * 4, green_periods=6, promoted=True, cycle_closed=True)


def test_green_periods_below_one_is_refused():
    with pytest.raises(ValueError, match="green_periods"):
        should_demote([G], green_periods=0, promoted=True, cycle_closed=True)


@given(healths)
def test_a_kpi_is_never_both_promotable_and_demotable(history):
    assert not (
        should_promote(history, already_promoted=False)
        and should_demote(history, promoted=True, cycle_closed=True)
    )


# Watermelons: green outside, red inside


@pytest.mark.parametrize(
    ("status", "linked", "expected"),
    [
        (Status.OFF_TRACK, [G], WatermelonKind.KPIS_GREEN_OBJECTIVE_BEHIND),
        (Status.AT_RISK, [G, G, G], WatermelonKind.KPIS_GREEN_OBJECTIVE_BEHIND),
        (Status.OFF_TRACK, [G, Y], None),
        (Status.OFF_TRACK, [G, R], None),
        (Status.OFF_TRACK, [G, STALE], None),  # a stale KPI is not green
        (Status.OFF_TRACK, [G, NO_DATA], None),
        (Status.OFF_TRACK, [], None),  # no linked KPI, nothing to disagree with
        (Status.ON_TRACK, [G, G], None),  # outside and inside agree
        (Status.ON_TRACK, [R], None),
        (Status.NOT_STARTED, [G], None),
        (Status.AT_RISK, [R], None),
    ],
)
def test_watermelon_when_every_linked_kpi_is_green_but_the_objective_is_behind(
    status, linked, expected
):
    assert watermelon(status, linked) is expected


@pytest.mark.parametrize(
    ("status", "guardrails", "expected"),
    [
        (Status.ON_TRACK, [R], True),
        (Status.ON_TRACK, [G, R], True),
        (Status.ON_TRACK, [G, Y], False),
        (Status.ON_TRACK, [STALE], False),
        (Status.ON_TRACK, [NO_DATA], False),
        (Status.ON_TRACK, [], False),
        (Status.AT_RISK, [R], False),  # the objective already admits trouble
        (Status.OFF_TRACK, [R], False),
        (Status.NOT_STARTED, [R], False),
    ],
)
def test_guardrail_breach_when_the_objective_looks_on_track_and_a_guardrail_is_red(
    status, guardrails, expected
):
    assert guardrail_breach(status, guardrails) is expected


def test_red_guardrail_on_an_on_track_objective_is_the_reverse_watermelon():
    assert (
        watermelon(Status.ON_TRACK, [G], [G, R]) is WatermelonKind.GUARDRAIL_RED_OBJECTIVE_ON_TRACK
    )
    assert watermelon(Status.ON_TRACK, [], [R]) is WatermelonKind.GUARDRAIL_RED_OBJECTIVE_ON_TRACK
    assert watermelon(Status.ON_TRACK, [G], [G]) is None


def test_objective_behind_with_green_kpis_is_green_outside_whatever_its_guardrails():
    assert watermelon(Status.OFF_TRACK, [G], [R]) is WatermelonKind.KPIS_GREEN_OBJECTIVE_BEHIND


def test_status_and_health_stored_as_text_are_understood():
    kind = watermelon("at_risk", ["green"])  # type: ignore[arg-type, list-item]
    assert kind is WatermelonKind.KPIS_GREEN_OBJECTIVE_BEHIND
    assert guardrail_breach("on_track", ["red"])  # type: ignore[arg-type, list-item]


@given(st.sampled_from(list(Status)), healths, healths)
def test_watermelon_kinds_match_their_definitions(status, linked, guardrails):
    kind = watermelon(status, linked, guardrails)
    if kind is WatermelonKind.KPIS_GREEN_OBJECTIVE_BEHIND:
        assert status in {Status.AT_RISK, Status.OFF_TRACK}
        assert linked
        assert set(linked) == {G}
    elif kind is WatermelonKind.GUARDRAIL_RED_OBJECTIVE_ON_TRACK:
        assert status is Status.ON_TRACK
        assert R in guardrails
    else:
        assert not guardrail_breach(status, guardrails)
        assert status not in {Status.AT_RISK, Status.OFF_TRACK} or set(linked) != {G}


def test_watermelon_kinds_have_labels():
    assert "green" in WatermelonKind.KPIS_GREEN_OBJECTIVE_BEHIND.label
    assert "guardrail" in WatermelonKind.GUARDRAIL_RED_OBJECTIVE_ON_TRACK.label
