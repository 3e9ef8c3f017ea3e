"""KPI health: colours by direction and thresholds, staleness, and rolling values up."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.domain.health import (
    Aggregation,
    Direction,
    Health,
    Thresholds,
    aggregate,
    current_health,
    health,
    is_stale,
    kr_value_from_measurements,
    range_tolerance,
    threshold_errors,
    yellow_boundary,
)
from tandem.domain.periods import Frequency

D = date.fromisoformat
HIGHER = Direction.HIGHER_IS_BETTER
LOWER = Direction.LOWER_IS_BETTER
RANGE = Direction.WITHIN_RANGE
GREEN, YELLOW, RED = Health.GREEN, Health.YELLOW, Health.RED
COLOUR_RANK = {RED: 0, YELLOW: 1, GREEN: 2}

values = st.decimals(
    min_value=Decimal(-(10**6)), max_value=Decimal(10**6), places=4, allow_nan=False
)


def dec(text: str) -> Decimal:
    return Decimal(text)


# Higher is better


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("150", GREEN),
        ("100.0001", GREEN),
        ("100", GREEN),  # the target itself is met
        ("99.9999", YELLOW),
        ("90", YELLOW),  # the yellow floor is still yellow
        ("89.9999", RED),
        ("-5", RED),
    ],
)
def test_higher_is_better_boundaries(value, expected):
    thresholds = Thresholds(target=dec("100"), yellow=dec("90"))
    assert health(dec(value), thresholds, HIGHER) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("200", GREEN), ("199.99", YELLOW), ("180", YELLOW), ("179.9999", RED)],
)
def test_higher_is_better_defaults_to_a_yellow_band_of_ten_percent(value, expected):
    assert health(dec(value), Thresholds(target=dec("200")), HIGHER) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0", GREEN), ("0.5", GREEN), ("-0.0001", YELLOW), ("-1", YELLOW), ("-1.0001", RED)],
)
def test_higher_is_better_with_target_zero_uses_an_absolute_band(value, expected):
    assert health(dec(value), Thresholds(target=dec("0")), HIGHER) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("-5", GREEN), ("-10", GREEN), ("-10.5", YELLOW), ("-11", YELLOW), ("-11.0001", RED)],
)
def test_higher_is_better_with_a_negative_target_widens_downwards(value, expected):
    # A margin of -10% should at least hold; the band is 10% of 10, so yellow to -11.
    assert health(dec(value), Thresholds(target=dec("-10")), HIGHER) is expected


def test_yellow_at_the_target_leaves_no_yellow_band():
    thresholds = Thresholds(target=dec("100"), yellow=dec("100"))
    assert health(dec("100"), thresholds, HIGHER) is GREEN
    assert health(dec("99.9999"), thresholds, HIGHER) is RED


def test_yellow_share_is_configurable():
    thresholds = Thresholds(target=dec("100"), yellow_share=dec("0.25"))
    assert health(dec("75"), thresholds, HIGHER) is YELLOW
    assert health(dec("74.9999"), thresholds, HIGHER) is RED
    no_band = Thresholds(target=dec("100"), yellow_share=dec("0"))
    assert health(dec("99.9999"), no_band, HIGHER) is RED


# Lower is better


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("-3", GREEN),
        ("49", GREEN),
        ("50", GREEN),
        ("50.0001", YELLOW),
        ("55", YELLOW),  # the yellow ceiling is still yellow
        ("55.0001", RED),
    ],
)
def test_lower_is_better_boundaries(value, expected):
    thresholds = Thresholds(target=dec("50"), yellow=dec("55"))
    assert health(dec(value), thresholds, LOWER) is expected


@pytest.mark.parametrize(("value", "expected"), [("50", GREEN), ("55", YELLOW), ("55.0001", RED)])
def test_lower_is_better_defaults_to_a_yellow_band_of_ten_percent(value, expected):
    assert health(dec(value), Thresholds(target=dec("50")), LOWER) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0", GREEN), ("-1", GREEN), ("0.0001", YELLOW), ("1", YELLOW), ("1.0001", RED), ("2", RED)],
)
def test_zero_incidents_turns_yellow_at_one_and_red_after(value, expected):
    assert health(dec(value), Thresholds(target=dec("0")), LOWER) is expected


def test_zero_band_is_configurable():
    thresholds = Thresholds(target=dec("0"), zero_band=dec("5"))
    assert health(dec("5"), thresholds, LOWER) is YELLOW
    assert health(dec("5.0001"), thresholds, LOWER) is RED


@pytest.mark.parametrize(
    ("value", "expected"), [("-12", GREEN), ("-10", GREEN), ("-9", YELLOW), ("-8.9999", RED)]
)
def test_lower_is_better_with_a_negative_target_widens_upwards(value, expected):
    assert health(dec(value), Thresholds(target=dec("-10")), LOWER) is expected


# Within a range


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("50", GREEN),
        ("40", GREEN),
        ("60", GREEN),
        ("39.9999", YELLOW),
        ("35", YELLOW),
        ("34.9999", RED),
        ("60.0001", YELLOW),
        ("65", YELLOW),
        ("65.0001", RED),
        ("-100", RED),
    ],
)
def test_within_range_boundaries(value, expected):
    thresholds = Thresholds(low=dec("40"), high=dec("60"), tolerance=dec("5"))
    assert health(dec(value), thresholds, RANGE) is expected


@pytest.mark.parametrize(
    ("value", "expected"), [("38", YELLOW), ("37.9999", RED), ("62", YELLOW), ("62.0001", RED)]
)
def test_within_range_defaults_to_a_tolerance_of_ten_percent_of_its_width(value, expected):
    thresholds = Thresholds(low=dec("40"), high=dec("60"))
    assert health(dec(value), thresholds, RANGE) is expected


def test_range_of_one_value_gets_the_band_of_that_value_as_a_target():
    exactly_100 = Thresholds(low=dec("100"), high=dec("100"))
    assert health(dec("100"), exactly_100, RANGE) is GREEN
    assert health(dec("110"), exactly_100, RANGE) is YELLOW
    assert health(dec("89.9999"), exactly_100, RANGE) is RED
    exactly_0 = Thresholds(low=dec("0"), high=dec("0"))
    assert health(dec("-1"), exactly_0, RANGE) is YELLOW
    assert health(dec("1.0001"), exactly_0, RANGE) is RED


def test_range_across_zero():
    thresholds = Thresholds(low=dec("-5"), high=dec("5"), tolerance=dec("0"))
    assert health(dec("-5"), thresholds, RANGE) is GREEN
    assert health(dec("-5.0001"), thresholds, RANGE) is RED
    assert health(dec("5.0001"), thresholds, RANGE) is RED


def test_range_ignores_a_target_and_a_target_kpi_ignores_the_range():
    both = Thresholds(target=dec("100"), low=dec("0"), high=dec("10"))
    assert health(dec("5"), both, RANGE) is GREEN
    assert health(dec("5"), both, HIGHER) is RED


# No data and bad input


@pytest.mark.parametrize(
    ("direction", "thresholds"),
    [
        (HIGHER, Thresholds(target=dec("1"))),
        (LOWER, Thresholds(target=dec("1"))),
        (RANGE, Thresholds(low=dec("1"), high=dec("2"))),
    ],
)
def test_no_value_is_no_data(direction, thresholds):
    assert health(None, thresholds, direction) is Health.NO_DATA


def test_direction_stored_as_text_is_understood():
    assert health(dec("5"), Thresholds(target=dec("1")), "lower_is_better") is RED  # type: ignore[arg-type]


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity"])
def test_a_value_that_is_not_a_number_is_refused(value):
    with pytest.raises(ValueError, match="finite"):
        health(Decimal(value), Thresholds(target=dec("1")), HIGHER)


@pytest.mark.parametrize(
    ("direction", "thresholds", "field"),
    [
        (HIGHER, Thresholds(), "target"),
        (LOWER, Thresholds(yellow=dec("3")), "target"),
        (HIGHER, Thresholds(target=dec("100"), yellow=dec("101")), "yellow"),
        (LOWER, Thresholds(target=dec("100"), yellow=dec("99")), "yellow"),
        (RANGE, Thresholds(high=dec("3")), "low"),
        (RANGE, Thresholds(low=dec("3")), "high"),
        (RANGE, Thresholds(low=dec("3"), high=dec("2")), "high"),
        (RANGE, Thresholds(low=dec("1"), high=dec("2"), tolerance=dec("-1")), "tolerance"),
        (HIGHER, Thresholds(target=dec("1"), yellow_share=dec("-0.1")), "yellow_share"),
        (LOWER, Thresholds(target=dec("0"), zero_band=dec("-1")), "zero_band"),
        (HIGHER, Thresholds(target=Decimal("NaN")), "target"),
        (RANGE, Thresholds(low=dec("1"), high=Decimal("Infinity")), "high"),
    ],
)
def test_unusable_thresholds_name_the_field(direction, thresholds, field):
    errors = threshold_errors(thresholds, direction)
    assert field in errors
    with pytest.raises(ValueError, match=field):
        health(dec("1"), thresholds, direction)


@pytest.mark.parametrize(
    ("direction", "thresholds"),
    [
        (HIGHER, Thresholds(target=dec("100"), yellow=dec("100"))),
        (LOWER, Thresholds(target=dec("0"))),
        (RANGE, Thresholds(low=dec("2"), high=dec("2"), tolerance=dec("0"))),
    ],
)
def test_usable_thresholds_have_no_errors(direction, thresholds):
    assert threshold_errors(thresholds, direction) == {}


def test_yellow_boundary_shows_where_red_starts():
    assert yellow_boundary(Thresholds(target=dec("200")), HIGHER) == dec("180")
    assert yellow_boundary(Thresholds(target=dec("50")), LOWER) == dec("55")
    assert yellow_boundary(Thresholds(target=dec("0")), LOWER) == dec("1")
    assert yellow_boundary(Thresholds(target=dec("50"), yellow=dec("70")), LOWER) == dec("70")
    with pytest.raises(ValueError, match="tolerance"):
        yellow_boundary(Thresholds(low=dec("1"), high=dec("2")), RANGE)


def test_range_tolerance_shows_how_far_yellow_reaches():
    assert range_tolerance(Thresholds(low=dec("40"), high=dec("60"))) == dec("2")
    assert range_tolerance(Thresholds(low=dec("40"), high=dec("60"), tolerance=dec("7"))) == 7
    assert range_tolerance(Thresholds(low=dec("-20"), high=dec("-20"))) == dec("2")


# Properties of the colours


@given(values, values, values, st.one_of(st.none(), values))
def test_higher_is_better_never_colours_a_larger_value_worse(a, b, target, yellow):
    if yellow is not None and yellow > target:
        yellow = target
    thresholds = Thresholds(target=target, yellow=yellow)
    low, high = sorted((a, b))
    assert (
        COLOUR_RANK[health(low, thresholds, HIGHER)]
        <= COLOUR_RANK[health(high, thresholds, HIGHER)]
    )


@given(values, values, values, st.one_of(st.none(), values))
def test_lower_is_better_never_colours_a_smaller_value_worse(a, b, target, yellow):
    if yellow is not None and yellow < target:
        yellow = target
    thresholds = Thresholds(target=target, yellow=yellow)
    low, high = sorted((a, b))
    assert (
        COLOUR_RANK[health(low, thresholds, LOWER)] >= COLOUR_RANK[health(high, thresholds, LOWER)]
    )


@given(values, values, values, values)
def test_within_range_never_colours_a_value_closer_to_the_range_worse(a, b, one_end, other_end):
    low, high = sorted((one_end, other_end))
    thresholds = Thresholds(low=low, high=high)

    def distance(value: Decimal) -> Decimal:
        return max(low - value, value - high, Decimal(0))

    nearer, further = sorted((a, b), key=distance)
    assert (
        COLOUR_RANK[health(nearer, thresholds, RANGE)]
        >= COLOUR_RANK[health(further, thresholds, RANGE)]
    )


@given(values, values, st.sampled_from([HIGHER, LOWER]))
def test_the_target_is_always_green_and_a_colour_is_never_stale(value, target, direction):
    thresholds = Thresholds(target=target)
    assert health(target, thresholds, direction) is GREEN
    assert health(value, thresholds, direction) in COLOUR_RANK


@given(values, values)
def test_mirrored_kpis_get_the_same_colour(value, target):
    # Counting losses instead of wins flips the direction and the signs, not the colour.
    assert health(value, Thresholds(target=target), HIGHER) is health(
        -value, Thresholds(target=-target), LOWER
    )


# Staleness


@pytest.mark.parametrize(
    ("frequency", "last", "stale"),
    [
        (Frequency.DAILY, "2026-11-25", False),
        (Frequency.DAILY, "2026-11-24", False),
        (Frequency.DAILY, "2026-11-23", False),  # yesterday may still be missing
        (Frequency.DAILY, "2026-11-22", True),
        (Frequency.WEEKLY, "2026-11-23", False),
        (Frequency.WEEKLY, "2026-11-16", False),
        (Frequency.WEEKLY, "2026-11-09", False),  # last week may still be missing
        (Frequency.WEEKLY, "2026-11-02", True),
        (Frequency.MONTHLY, "2026-10-01", False),
        (Frequency.MONTHLY, "2026-09-01", False),
        (Frequency.MONTHLY, "2026-08-01", True),
        (Frequency.QUARTERLY, "2026-07-01", False),
        (Frequency.QUARTERLY, "2026-04-01", False),
        (Frequency.QUARTERLY, "2026-01-01", True),
    ],
)
def test_staleness_allows_one_missing_period_by_default(frequency, last, stale):
    assert is_stale(frequency, D(last), D("2026-11-25")) is stale


def test_a_weekly_kpi_turns_stale_when_its_week_turns():
    assert not is_stale(Frequency.WEEKLY, D("2026-11-09"), D("2026-11-29"))
    assert is_stale(Frequency.WEEKLY, D("2026-11-09"), D("2026-11-30"))


def test_staleness_follows_the_organisation_calendar():
    # Sunday 29 November starts a week for a Sunday organisation, not for a Monday one.
    assert is_stale(Frequency.WEEKLY, D("2026-11-08"), D("2026-11-29"), week_start=7)
    assert not is_stale(Frequency.WEEKLY, D("2026-11-15"), D("2026-11-29"), week_start=7)
    assert not is_stale(Frequency.WEEKLY, D("2026-11-09"), D("2026-11-29"))
    # Quarters from February: the current quarter started on 1 November.
    assert not is_stale(
        Frequency.QUARTERLY, D("2026-05-01"), D("2026-11-25"), fiscal_year_start_month=2
    )
    assert is_stale(
        Frequency.QUARTERLY, D("2026-02-01"), D("2026-11-25"), fiscal_year_start_month=2
    )


def test_grace_periods_set_how_many_ended_periods_may_lack_a_value():
    today = D("2026-11-25")
    assert not is_stale(Frequency.WEEKLY, D("2026-11-16"), today, grace_periods=0)
    assert is_stale(Frequency.WEEKLY, D("2026-11-09"), today, grace_periods=0)
    assert not is_stale(Frequency.WEEKLY, D("2026-11-02"), today, grace_periods=2)
    assert is_stale(Frequency.WEEKLY, D("2026-10-26"), today, grace_periods=2)


def test_a_kpi_without_values_or_with_future_values_is_not_stale():
    assert not is_stale(Frequency.WEEKLY, None, D("2026-11-25"))
    assert not is_stale(Frequency.WEEKLY, D("2026-12-07"), D("2026-11-25"))


def test_negative_grace_is_refused():
    with pytest.raises(ValueError, match="grace_periods"):
        is_stale(Frequency.WEEKLY, D("2026-11-23"), D("2026-11-25"), grace_periods=-1)


def _current(value: str | None, period: str | None, today: str = "2026-11-25") -> Health:
    return current_health(
        value=None if value is None else dec(value),
        period_start=None if period is None else D(period),
        thresholds=Thresholds(target=dec("100")),
        direction=HIGHER,
        frequency=Frequency.WEEKLY,
        today=D(today),
    )


def test_current_health_is_the_colour_of_a_fresh_value():
    assert _current("120", "2026-11-16") is GREEN
    assert _current("95", "2026-11-09") is YELLOW
    assert _current("10", "2026-11-23") is RED


def test_stale_wins_over_the_colour_of_an_old_value():
    assert _current("120", "2026-11-02") is Health.STALE
    assert _current("10", "2026-11-02") is Health.STALE


def test_current_health_without_any_value_is_no_data():
    assert _current(None, None) is Health.NO_DATA


def test_current_health_needs_the_period_of_the_value():
    with pytest.raises(ValueError, match="together"):
        _current("120", None)
    with pytest.raises(ValueError, match="together"):
        _current(None, "2026-11-16")


# Aggregation


@pytest.mark.parametrize(
    ("how", "expected"),
    [
        (Aggregation.SUM, "6"),
        (Aggregation.AVERAGE, "2.0000"),
        (Aggregation.LAST, "2"),
        (Aggregation.MIN, "1"),
        (Aggregation.MAX, "3"),
    ],
)
def test_aggregate_three_weeks(how, expected):
    result = aggregate([dec("3"), dec("1"), dec("2")], how)
    assert result == dec(expected)
    assert str(result) == expected


@pytest.mark.parametrize("how", list(Aggregation))
def test_aggregate_of_nothing_is_none(how):
    assert aggregate([], how) is None


@pytest.mark.parametrize("how", list(Aggregation))
def test_aggregate_of_one_value_is_that_value(how):
    assert aggregate([dec("-2.5")], how) == dec("-2.5")


def test_last_is_the_latest_period_not_the_largest():
    assert aggregate([dec("9"), dec("1")], Aggregation.LAST) == dec("1")


def test_sum_of_money_has_no_float_drift():
    assert aggregate([dec("0.1")] * 10, Aggregation.SUM) == dec("1.0")
    assert aggregate([dec("1234567.8901"), dec("0.0099")], Aggregation.SUM) == dec("1234567.9")


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        (["1", "1", "2"], "1.3333"),
        (["1", "2", "2"], "1.6667"),
        (["0.0001", "0.0002"], "0.0002"),  # half rounds up
        (["0.0002", "0.0003"], "0.0003"),  # even when the digit below is even
        (["-0.0001", "-0.0002"], "-0.0002"),  # ... and away from zero
        (["10", "20"], "15.0000"),
    ],
)
def test_average_is_rounded_half_up_to_stored_precision(items, expected):
    result = aggregate([dec(item) for item in items], Aggregation.AVERAGE)
    assert str(result) == expected


def test_aggregation_stored_as_text_is_understood():
    assert aggregate([dec("1"), dec("2")], "max") == dec("2")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="median"):
        aggregate([dec("1")], "median")  # type: ignore[arg-type]


@given(st.lists(values, min_size=1, max_size=30))
def test_aggregates_stay_within_the_values(items):
    smallest = aggregate(items, Aggregation.MIN)
    largest = aggregate(items, Aggregation.MAX)
    average = aggregate(items, Aggregation.AVERAGE)
    assert smallest is not None
    assert largest is not None
    assert average is not None
    assert smallest <= average <= largest
    assert aggregate(items, Aggregation.LAST) == items[-1]


@given(st.lists(values, max_size=20), st.lists(values, max_size=20))
def test_sums_of_months_add_up_to_the_quarter(first, second):
    parts = [aggregate(part, Aggregation.SUM) or Decimal(0) for part in (first, second)]
    whole = aggregate(first + second, Aggregation.SUM) or Decimal(0)
    assert whole == sum(parts)


# KPI-backed key results


def test_key_result_reads_the_latest_value_the_sum_or_the_average():
    cycle = [dec("10"), dec("30"), dec("20")]
    assert kr_value_from_measurements(cycle, Aggregation.LAST) == dec("20")
    assert kr_value_from_measurements(cycle, Aggregation.SUM) == dec("60")
    assert kr_value_from_measurements(cycle, Aggregation.AVERAGE) == dec("20")
    assert kr_value_from_measurements(cycle, "sum") == dec("60")  # type: ignore[arg-type]


def test_key_result_without_values_in_its_cycle_has_no_value():
    assert kr_value_from_measurements([], Aggregation.LAST) is None


@pytest.mark.parametrize("how", [Aggregation.MIN, Aggregation.MAX])
def test_key_result_refuses_minimum_and_maximum(how):
    with pytest.raises(ValueError, match="last value, the sum or the average"):
        kr_value_from_measurements([dec("1")], how)


def test_labels_read_as_words():
    assert Health.NO_DATA.label == "No data"
    assert Direction.HIGHER_IS_BETTER.label == "Higher is better"
    assert Aggregation.AVERAGE.label == "Average"
