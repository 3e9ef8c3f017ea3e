"""XmR charts for KPIs: limits on a worked example, each signal rule firing and not, verdicts."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.domain.spc import ALL_RULES, Movement, Rule, Signal, Verdict, xmr_chart

D = Decimal
# A KPI's ten routine weeks: the worked example below is computed by hand from them.
ROUTINE = [D(v) for v in ("10", "12", "11", "13", "12", "11", "10", "12", "13", "11")]


def chart(*extra: str, **options):
    """The routine weeks as the baseline, then ``extra`` values to judge against it."""
    options.setdefault("baseline_points", len(ROUTINE))
    return xmr_chart([*ROUTINE, *(D(v) for v in extra)], **options)


def rules_fired(result) -> set[Rule]:
    return {signal.rule for signal in result.signals}


def test_limits_of_the_worked_example():
    # Mean: 115 / 10 = 11.5. Moving ranges 2 1 2 1 1 1 2 1 2: 13 / 9 = 1.4444...
    # Limits: 11.5 +/- 2.66 * 13/9 = 11.5 +/- 3.84222...; range limit 3.268 * 13/9 = 4.72044...
    result = xmr_chart(ROUTINE)
    assert result.centre == D("11.5000")
    assert result.average_moving_range == D("1.4444")
    assert result.upper_limit == D("15.3422")
    assert result.lower_limit == D("7.6578")
    assert result.upper_range_limit == D("4.7204")
    assert result.baseline_points == 10
    assert [p.moving_range for p in result.points[:3]] == [None, D(2), D(1)]


def test_routine_variation_is_noise():
    result = xmr_chart(ROUTINE)
    assert result.signals == ()
    assert result.verdict is Verdict.NOISE
    assert result.since is None
    assert result.summary == "Routine variation: no signal in the last 8 values."
    assert all(not p.rules for p in result.points)


# -- outside the limits ----------------------------------------------------------------------


def test_a_value_above_the_upper_limit_is_a_real_shift_up():
    result = chart("15.5", labels=[f"week {i}" for i in range(1, 12)])
    assert Signal(Rule.OUTSIDE_LIMITS, Movement.UP, 10, 10) in result.signals
    assert result.verdict is Verdict.SHIFT_UP
    assert result.since == 10
    assert result.summary.startswith("Real shift up since week 11")
    assert Rule.OUTSIDE_LIMITS in result.points[10].rules


def test_a_value_below_the_lower_limit_is_a_real_shift_down():
    result = chart("7.5")
    assert Signal(Rule.OUTSIDE_LIMITS, Movement.DOWN, 10, 10) in result.signals
    assert result.verdict is Verdict.SHIFT_DOWN


def test_a_value_just_inside_the_limits_is_not_outside():
    assert Rule.OUTSIDE_LIMITS not in rules_fired(chart("15.34", "7.66"))


# -- runs --------------------------------------------------------------------------------------


def test_eight_values_in_a_row_above_the_centre_are_a_run():
    result = chart(*["11.6"] * 8)
    assert rules_fired(result) == {Rule.RUN}
    assert Signal(Rule.RUN, Movement.UP, 10, 17) in result.signals
    assert result.verdict is Verdict.SHIFT_UP
    assert result.since == 10


def test_seven_values_in_a_row_are_not_a_run():
    assert chart(*["11.6"] * 7).signals == ()


def test_a_value_on_the_centre_line_ends_a_run():
    assert chart(*["11.4"] * 4, "11.5", *["11.4"] * 4).signals == ()


def test_the_run_length_is_configurable():
    # The last routine week (11) was below the centre already: six in a row.
    assert chart(*["11.4"] * 5).signals == ()
    result = chart(*["11.4"] * 5, run_length=5)
    assert result.signals == (Signal(Rule.RUN, Movement.DOWN, 9, 14),)


# -- three of four near a limit ------------------------------------------------------------


def test_three_of_four_values_closer_to_the_upper_limit_are_a_signal():
    # Halfway to the limits: 11.5 +/- 1.33 * 13/9 = 9.579 and 13.421.
    result = chart("13.5", "13.6", "11", "13.5")
    assert rules_fired(result) == {Rule.THREE_OF_FOUR}
    assert Signal(Rule.THREE_OF_FOUR, Movement.UP, 10, 13) in result.signals
    assert result.points[12].rules == frozenset()  # 11 was not near the limit
    assert Rule.THREE_OF_FOUR in result.points[13].rules


def test_two_of_four_values_near_a_limit_are_not_a_signal():
    assert chart("13.5", "11", "11", "13.5").signals == ()


def test_three_of_four_split_between_both_limits_are_not_a_signal():
    assert chart("13.5", "9.5", "13.5", "11").signals == ()


# -- jumps ---------------------------------------------------------------------------------


def test_a_jump_larger_than_the_upper_range_limit_is_a_signal_within_the_limits():
    result = chart("8", "14")
    assert rules_fired(result) == {Rule.LARGE_JUMP}
    assert Signal(Rule.LARGE_JUMP, Movement.UP, 10, 11) in result.signals
    assert result.points[11].rules == frozenset({Rule.LARGE_JUMP})
    assert result.points[10].rules == frozenset()


def test_a_jump_within_the_range_limit_is_not_a_signal():
    assert chart("9", "13.5").signals == ()


# -- trends --------------------------------------------------------------------------------


def test_six_values_each_higher_than_the_last_are_a_trend():
    result = chart("10.5", "10.8", "11.1", "11.4", "11.7", "12")
    assert rules_fired(result) == {Rule.TREND}
    # The routine 11 before 10.5 was higher, so the trend starts at 10.5.
    assert Signal(Rule.TREND, Movement.UP, 10, 15) in result.signals
    assert result.verdict is Verdict.SHIFT_UP


def test_five_rising_values_are_not_a_trend():
    assert chart("10.5", "10.8", "11.1", "11.4", "11.7").signals == ()


def test_a_repeated_value_ends_a_trend():
    assert chart("10.5", "10.8", "11.1", "11.1", "11.4", "11.7").signals == ()


def test_a_falling_trend_shares_its_top_with_the_rise_before_it():
    result = xmr_chart(
        [D(v) for v in ("10", "11", "12", "11", "12", "11", "12", "11.9", "11.8", "11.7")]
        + [D(v) for v in ("11.6", "11.5", "11.6")],
        trend_length=6,
    )
    falls = [s for s in result.signals if s.rule is Rule.TREND]
    assert falls == [Signal(Rule.TREND, Movement.DOWN, 6, 11)]


def test_rules_can_be_switched_off():
    rising = ("10.5", "10.8", "11.1", "11.4", "11.7", "12")
    assert chart(*rising, rules=ALL_RULES - {Rule.TREND}).signals == ()
    assert chart("15.5", rules=frozenset({Rule.RUN})).verdict is Verdict.NOISE


# -- baseline, summary and data needs ------------------------------------------------------


def test_fewer_values_than_needed_are_not_enough_data():
    result = xmr_chart([D(1), D(2), D(3), D(4), D(5)])
    assert result.verdict is Verdict.NOT_ENOUGH_DATA
    assert result.centre is None
    assert result.upper_limit is None
    assert result.summary == "Not enough data: signals need at least 6 values."
    assert len(result.points) == 5


def test_six_values_are_enough_by_default_and_the_minimum_is_configurable():
    six = [D(v) for v in ("10", "12", "11", "13", "12", "11")]
    assert xmr_chart(six).verdict is Verdict.NOISE
    assert xmr_chart(six, min_points=7).verdict is Verdict.NOT_ENOUGH_DATA


def test_the_limits_come_from_the_first_twenty_values_only():
    values = ROUTINE * 2 + [D(20)] * 10
    result = xmr_chart(values)
    assert result.baseline_points == 20
    assert result.centre == D("11.5000")
    assert result.verdict is Verdict.SHIFT_UP
    assert result.since == 20


def test_an_old_signal_does_not_make_today_a_shift():
    result = xmr_chart([*ROUTINE, D(20), *ROUTINE], baseline_points=10)
    assert any(s.rule is Rule.OUTSIDE_LIMITS for s in result.signals)
    assert result.verdict is Verdict.NOISE


def test_a_flat_baseline_makes_any_change_a_signal():
    result = xmr_chart([D(5)] * 6 + [D("5.01")], baseline_points=6)
    assert result.upper_limit == result.lower_limit == D("5.0000")
    assert result.verdict is Verdict.SHIFT_UP


def test_labels_must_match_the_values():
    with pytest.raises(ValueError, match="one label per value"):
        xmr_chart(ROUTINE, labels=["week 1"])


def test_non_finite_values_are_refused():
    with pytest.raises(ValueError, match="finite"):
        xmr_chart([*ROUTINE, D("NaN")])


values = st.lists(
    st.decimals(min_value=-1000, max_value=1000, places=2, allow_nan=False),
    min_size=0,
    max_size=40,
)


@given(values, st.decimals(min_value=-1000, max_value=1000, places=2))
def test_moving_every_value_by_the_same_amount_moves_the_limits_and_keeps_the_signals(
    series, offset
):
    before = xmr_chart(series)
    after = xmr_chart([v + offset for v in series])
    assert after.signals == before.signals
    assert after.verdict is before.verdict
    if before.centre is not None:
        assert after.centre is not None
        # Both centres are rounded to four places, so they may differ by one in the last.
        assert abs(after.centre - (before.centre + offset)) <= D("0.0001")


@given(values)
def test_limits_enclose_the_centre_and_every_signal_spans_real_values(series):
    result = xmr_chart(series)
    if result.centre is None:
        assert result.verdict is Verdict.NOT_ENOUGH_DATA
        return
    assert result.lower_limit is not None
    assert result.upper_limit is not None
    assert result.lower_limit <= result.centre <= result.upper_limit
    for signal in result.signals:
        assert 0 <= signal.start <= signal.end < len(series)
