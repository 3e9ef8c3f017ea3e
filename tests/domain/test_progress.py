"""Progress of metric and milestone key results, of objectives, and the pace of a cycle."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tandem.domain.progress import (
    RAW_PROGRESS_LIMIT,
    Direction,
    SameBaselineAndTarget,
    Weighted,
    clamp,
    direction_of,
    elapsed_fraction,
    metric_progress,
    milestone_progress,
    objective_progress,
)

D = Decimal
PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")


def progress(baseline: str, target: str, current: str | None) -> Decimal:
    return metric_progress(
        baseline=D(baseline), target=D(target), current=None if current is None else D(current)
    )


# -- metric key results ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("baseline", "target", "current", "expected"),
    [
        ("0", "100", "0", "0"),
        ("0", "100", "40", "0.4"),
        ("0", "100", "100", "1"),
        ("20", "70", "45", "0.5"),
        ("1000000", "1500000", "1250000", "0.5"),
        ("0", "3", "1", "0.3333"),
        ("0", "3", "2", "0.6667"),
    ],
)
def test_increase_key_result_progress_is_the_share_of_the_way_covered(
    baseline, target, current, expected
):
    assert progress(baseline, target, current) == D(expected)


@pytest.mark.parametrize(
    ("baseline", "target", "current", "expected"),
    [
        ("50", "10", "50", "0"),
        ("50", "10", "30", "0.5"),
        ("50", "10", "10", "1"),
        ("4.5", "2.0", "3.25", "0.5"),
    ],
)
def test_decrease_key_result_progresses_as_the_value_falls(baseline, target, current, expected):
    assert progress(baseline, target, current) == D(expected)


def test_increase_key_result_past_its_target_shows_more_than_100_percent():
    assert progress("0", "100", "150") == D("1.5")


def test_decrease_key_result_past_its_target_shows_more_than_100_percent():
    assert progress("50", "10", "0") == D("1.25")


def test_increase_key_result_below_its_baseline_shows_negative_progress():
    assert progress("10", "20", "5") == D("-0.5")


def test_decrease_key_result_above_its_baseline_shows_negative_progress():
    assert progress("50", "10", "60") == D("-0.25")


@pytest.mark.parametrize(
    ("baseline", "target", "current", "expected"),
    [
        ("-20", "20", "0", "0.5"),
        ("-20", "20", "-20", "0"),
        ("-20", "20", "-30", "-0.25"),
        ("-10", "-50", "-30", "0.5"),
        ("-50", "-10", "-20", "0.75"),
        ("-5", "0", "0", "1"),
    ],
)
def test_negative_baselines_targets_and_values_are_ordinary_numbers(
    baseline, target, current, expected
):
    assert progress(baseline, target, current) == D(expected)


def test_key_result_without_check_in_is_at_its_baseline():
    assert progress("0", "100", None) == 0
    assert progress("50", "10", None) == 0
    assert progress("-20", "20", None) == 0


@pytest.mark.parametrize("current", [None, "0", "5"])
def test_target_equal_to_baseline_is_refused(current):
    with pytest.raises(SameBaselineAndTarget, match="target must differ"):
        progress("5", "5", current)


def test_same_baseline_and_target_is_a_value_error_for_callers_that_catch_those():
    assert issubclass(SameBaselineAndTarget, ValueError)


def test_raw_progress_is_kept_at_a_hundredth_of_a_percent():
    assert progress("0", "7", "1") == D("0.1429")
    for value in (
        progress("0", "7", "1"),
        progress("0", "7", None),
        progress("0", "7", "7"),
        milestone_progress(done=True),
        milestone_progress(done=False),
    ):
        assert value.as_tuple().exponent == -4


def test_wildly_large_raw_progress_is_capped_instead_of_overflowing():
    assert progress("0", "0.0001", "9999999999999999") == RAW_PROGRESS_LIMIT
    assert progress("0", "0.0001", "-9999999999999999") == -RAW_PROGRESS_LIMIT


def test_direction_follows_the_target():
    assert direction_of(baseline=D(0), target=D(10)) is Direction.INCREASE
    assert direction_of(baseline=D(10), target=D(0)) is Direction.DECREASE
    assert direction_of(baseline=D(-10), target=D(-20)) is Direction.DECREASE


def test_direction_of_a_key_result_that_does_not_move_is_refused():
    with pytest.raises(SameBaselineAndTarget):
        direction_of(baseline=D(3), target=D(3))


# -- milestones and clamping -----------------------------------------------------------


def test_milestone_is_zero_until_done_then_one():
    assert milestone_progress(done=False) == 0
    assert milestone_progress(done=True) == 1


@pytest.mark.parametrize(
    ("value", "expected"), [("-0.5", "0"), ("0", "0"), ("0.3", "0.3"), ("1", "1"), ("1.7", "1")]
)
def test_clamp_keeps_progress_between_zero_and_one(value, expected):
    assert clamp(D(value)) == D(expected)


# -- objectives ------------------------------------------------------------------------


def test_objective_progress_is_the_plain_mean_with_equal_weights():
    assert objective_progress([Weighted(D("0.2")), Weighted(D("0.6"))]) == D("0.4")


def test_objective_progress_is_weighted_by_each_key_result():
    items = [Weighted(D("0.5"), weight=D(1)), Weighted(D("1"), weight=D(3))]
    assert objective_progress(items) == D("0.875")


def test_objective_progress_uses_clamped_key_result_progress():
    # 150% on one key result does not make up for another left at zero.
    items = [Weighted(D("1.5")), Weighted(D("0"))]
    assert objective_progress(items) == D("0.5")


def test_objective_progress_counts_a_key_result_below_its_baseline_as_zero():
    assert objective_progress([Weighted(D("-2")), Weighted(D("0.8"))]) == D("0.4")


def test_objective_progress_is_rounded_to_storage_precision():
    items = [Weighted(D("1")), Weighted(D("0")), Weighted(D("0"))]
    assert objective_progress(items) == D("0.3333")


def test_objective_without_key_results_has_no_progress():
    assert objective_progress([]) is None


def test_objective_progress_accepts_any_iterable():
    assert objective_progress(Weighted(D(p)) for p in ("0.1", "0.3")) == D("0.2")


def test_fractional_weights_are_allowed():
    items = [Weighted(D("1"), weight=D("0.25")), Weighted(D("0"), weight=D("0.75"))]
    assert objective_progress(items) == D("0.25")


@pytest.mark.parametrize("weight", ["0", "-1", "-0.01"])
def test_zero_or_negative_weight_is_refused(weight):
    with pytest.raises(ValueError, match="weight must be positive"):
        objective_progress([Weighted(D("0.5")), Weighted(D("0.5"), weight=D(weight))])


# -- elapsed fraction of a cycle -------------------------------------------------------

START = datetime(2025, 1, 1, tzinfo=UTC)
END = datetime(2025, 1, 11, tzinfo=UTC)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (START - timedelta(days=30), "0"),
        (START - timedelta(microseconds=1), "0"),
        (START, "0"),
        (START + timedelta(days=1), "0.1"),
        (START + timedelta(days=5), "0.5"),
        (START + timedelta(days=7, hours=12), "0.75"),
        (END, "1"),
        (END + timedelta(days=400), "1"),
    ],
)
def test_elapsed_fraction_runs_from_zero_before_start_to_one_after_end(now, expected):
    assert elapsed_fraction(start=START, end=END, now=now) == D(expected)


def test_spring_forward_day_in_paris_has_23_real_hours():
    # 31 March 2024: clocks jump from 02:00 to 03:00 in Paris.
    start = datetime(2024, 3, 31, tzinfo=PARIS)
    end = datetime(2024, 4, 1, tzinfo=PARIS)
    noon = datetime(2024, 3, 31, 12, tzinfo=PARIS)
    # Midnight to noon is 11 real hours out of 23, not 12 out of 24.
    assert elapsed_fraction(start=start, end=end, now=noon) == D("0.4783")


def test_fall_back_day_in_new_york_has_25_real_hours():
    # 3 November 2024: clocks go back from 02:00 to 01:00 in New York.
    start = datetime(2024, 11, 3, tzinfo=NEW_YORK)
    end = datetime(2024, 11, 4, tzinfo=NEW_YORK)
    noon = datetime(2024, 11, 3, 12, tzinfo=NEW_YORK)
    assert elapsed_fraction(start=start, end=end, now=noon) == D("0.52")


def test_quarter_across_a_dst_change_is_measured_in_real_hours():
    # Q1 2024 in Paris: 91 days minus the hour lost on 31 March.
    start = datetime(2024, 1, 1, tzinfo=PARIS)
    end = datetime(2024, 4, 1, tzinfo=PARIS)
    total_hours = 91 * 24 - 1
    halfway = start.astimezone(UTC) + timedelta(hours=total_hours / 2)
    assert elapsed_fraction(start=start, end=end, now=halfway) == D("0.5")


def test_the_same_instant_in_any_time_zone_gives_the_same_pace():
    start = datetime(2024, 10, 1, tzinfo=NEW_YORK)
    end = datetime(2025, 1, 1, tzinfo=NEW_YORK)
    instant = datetime(2024, 11, 3, 6, 30, tzinfo=UTC)
    results = {
        elapsed_fraction(start=start, end=end, now=instant.astimezone(zone))
        for zone in (UTC, PARIS, NEW_YORK, ZoneInfo("Asia/Tokyo"))
    }
    assert len(results) == 1


@pytest.mark.parametrize("naive", ["start", "end", "now"])
def test_naive_datetimes_are_refused(naive):
    moments = {"start": START, "end": END, "now": START + timedelta(days=2)}
    moments[naive] = moments[naive].replace(tzinfo=None)
    with pytest.raises(ValueError, match="timezone-aware"):
        elapsed_fraction(**moments)


@pytest.mark.parametrize("end", [START, START - timedelta(days=1)])
def test_a_cycle_that_does_not_end_after_it_starts_is_refused(end):
    with pytest.raises(ValueError, match="end after it starts"):
        elapsed_fraction(start=START, end=end, now=START)
