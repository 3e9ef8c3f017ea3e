"""Forecasts of a key result's end of cycle, their roll-up into objectives, and the backtest."""

from __future__ import annotations

import io
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.bench.forecast_backtest import (
    CALIBRATION_SEEDS,
    CUTS,
    SHAPES,
    generate_histories,
    generate_history,
    measured_calibration,
    run,
    table,
)
from tandem.domain.forecast import (
    DEFAULT_CALIBRATION,
    BacktestMethod,
    Forecast,
    ForecastMethod,
    History,
    Observation,
    WeightedForecast,
    backtest,
    calibrate,
    forecast_key_result,
    milestone_forecast,
    objective_forecast,
)
from tandem.domain.progress import SameBaselineAndTarget

D = Decimal
START = datetime(2026, 1, 5, tzinfo=UTC)
END = START + timedelta(weeks=13)


def week(n: float) -> datetime:
    return START + timedelta(weeks=n)


def history(*values: str | float, every: float = 1.0) -> list[Observation]:
    """Check-ins at weeks 1, 2, 3... (or every ``every`` weeks)."""
    return [
        Observation(at=week((i + 1) * every), value=D(str(value))) for i, value in enumerate(values)
    ]


def forecast(
    observations: list[Observation],
    *,
    baseline: str = "0",
    target: str = "130",
    now: datetime | None = None,
) -> Forecast:
    return forecast_key_result(
        history=observations,
        baseline=D(baseline),
        target=D(target),
        start=START,
        end=END,
        now=now or (observations[-1].at if observations else week(1)),
    )


def noisy_line(slope: float, noise: float, weeks: int, seed: int = 1) -> list[Observation]:
    rng = random.Random(seed)
    return history(*(round(slope * w + rng.gauss(0, noise), 2) for w in range(1, weeks + 1)))


# -- lines, and the odds of the target -------------------------------------------------------


def test_check_ins_on_a_straight_line_forecast_the_end_of_that_line():
    # 10 a week for 13 weeks ends at 130, the target.
    result = forecast(history(10, 20, 30, 40, 50, 60))
    assert result.method is ForecastMethod.TREND
    assert result.value == D("130.0000")
    assert result.progress == D("1.0000")
    assert result.low is not None
    assert result.high is not None
    assert result.low < result.value < result.high


def test_a_straight_line_below_the_target_forecasts_its_own_end_not_the_target():
    result = forecast(history(5, 10, 15, 20, 25, 30), target="200")
    assert result.value == D("65.0000")
    assert result.probability < D("0.05")


def test_far_past_the_target_the_probability_is_near_certain():
    result = forecast(history(40, 80, 120, 160, 200, 240), target="100")
    assert result.probability >= D("0.99")
    assert result.likely


def test_far_short_of_the_target_the_probability_is_near_zero():
    result = forecast(history(1, 2, 3, 4, 5, 6, 7, 8), target="1000")
    assert result.probability <= D("0.01")
    assert not result.likely


def test_a_recent_stall_is_not_extrapolated_at_the_old_pace():
    # 10 a week for five weeks, then nothing for four: the forecast stays near 50.
    result = forecast(history(10, 20, 30, 40, 50, 50, 50, 50, 50))
    assert result.value is not None
    assert D(50) <= result.value < D(55)


def test_a_key_result_going_backwards_is_forecast_below_its_latest_value():
    result = forecast(history(10, 20, 30, 25, 20, 15, 10), target="100")
    assert result.value is not None
    assert result.value <= D(10)


def test_values_outside_the_cycle_and_after_now_are_ignored():
    observations = [
        Observation(at=START - timedelta(days=3), value=D(0)),
        *history(10, 20, 30, 40, 50, 60),
        Observation(at=week(10), value=D(1000)),
    ]
    with_future = forecast(observations, now=week(6))
    assert with_future.value == D("130.0000")
    assert with_future.observations == 7


def test_a_forecast_needs_a_target_different_from_the_baseline():
    with pytest.raises(SameBaselineAndTarget):
        forecast(history(1, 2), baseline="5", target="5")


def test_a_forecast_needs_timezone_aware_instants():
    with pytest.raises(ValueError, match="timezone-aware"):
        forecast_key_result(
            history=[],
            baseline=D(0),
            target=D(1),
            start=datetime(2026, 1, 1),  # noqa: DTZ001 - the mistake under test
            end=END,
            now=week(1),
        )


# -- decrease key results ------------------------------------------------------------------


def test_a_decrease_key_result_on_a_straight_line_forecasts_its_end():
    # From 500 down by 20 a week: 240 at the end of the quarter; the target is 250.
    result = forecast(history(480, 460, 440, 420, 400, 380), baseline="500", target="250")
    assert result.value == D("240.0000")
    assert result.progress == D("1.0400")
    # Lower is better: reaching it means ending at or below 250.
    assert result.probability > D("0.5")
    assert result.low is not None
    assert result.high is not None
    assert result.low < result.value < result.high


def test_a_decrease_key_result_moving_up_is_unlikely_to_reach_its_target():
    result = forecast(history(505, 510, 515, 520, 525, 530), baseline="500", target="250")
    assert result.progress is not None
    assert result.progress < 0
    assert result.probability <= D("0.01")


# -- few points ----------------------------------------------------------------------------


def test_without_check_ins_the_forecast_is_no_change_with_the_base_rate():
    result = forecast([], now=week(4))
    assert result.method is ForecastMethod.NO_DATA
    assert result.value == D("0.0000")
    assert (result.low, result.high) == (D("0.0000"), D("130.0000"))
    assert result.probability == D("0.35")
    assert result.observations == 0


def test_one_check_in_gives_a_band_from_no_change_to_the_pace_so_far():
    # 26 after 13/4 weeks (a quarter of the cycle): the pace ends at 104.
    result = forecast([Observation(at=week(3.25), value=D(26))])
    assert result.method is ForecastMethod.PACE_RANGE
    assert (result.low, result.high) == (D("26.0000"), D("104.0000"))
    assert result.value == D("65.0000")
    # None of the band reaches 130: half the base rate.
    assert result.probability == D("0.18")


def test_one_check_in_whose_pace_passes_the_target_raises_the_probability():
    result = forecast([Observation(at=week(3.25), value=D(52))])
    # The band runs from 52 to 208; (208 - 130) / 156 of it is past the target.
    assert result.probability == D("0.43")


def test_two_check_ins_give_a_trend_with_a_wider_band_than_six_on_the_same_line():
    two = forecast(history(30, 60, every=3))
    six = forecast(history(10, 20, 30, 40, 50, 60))
    assert two.method is six.method is ForecastMethod.TREND
    assert (two.observations, six.observations) == (2, 6)
    assert band_width(two) > band_width(six)


def test_after_the_cycle_the_latest_value_is_the_result():
    result = forecast(history(10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 131), now=END)
    assert result.method is ForecastMethod.ENDED
    assert result.value == result.low == result.high == D("131.0000")
    assert result.probability == D(1)


def test_a_key_result_never_checked_in_by_the_end_ended_at_its_baseline():
    result = forecast([], now=END + timedelta(days=1))
    assert result.method is ForecastMethod.ENDED
    assert result.value == D("0.0000")
    assert result.probability == D(0)


# -- uncertainty ---------------------------------------------------------------------------


def band_width(result: Forecast) -> Decimal:
    assert result.progress_low is not None
    assert result.progress_high is not None
    return result.progress_high - result.progress_low


def test_the_band_widens_with_noise():
    clean = forecast(noisy_line(10, 0, 6))
    noisy = forecast(noisy_line(10, 8, 6))
    very_noisy = forecast(noisy_line(10, 20, 6))
    assert band_width(clean) < band_width(noisy) < band_width(very_noisy)


def test_the_band_narrows_as_the_end_of_the_cycle_nears():
    line = history(*(10 * w for w in range(1, 13)))
    widths = [band_width(forecast(line[:weeks], now=week(weeks))) for weeks in (4, 8, 12)]
    assert widths[0] > widths[1] > widths[2]


def test_the_forecast_does_not_depend_on_the_order_check_ins_arrive_in():
    line = noisy_line(9, 6, 7, seed=3)
    assert forecast(line, now=week(7)) == forecast(list(reversed(line)), now=week(7))


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[Observation], datetime]:
    weeks = draw(st.integers(min_value=0, max_value=13))
    values = draw(
        st.lists(
            st.decimals(min_value=-500, max_value=500, places=2, allow_nan=False),
            min_size=weeks,
            max_size=weeks,
        )
    )
    observations = [Observation(at=week(i + 1), value=v) for i, v in enumerate(values)]
    now = week(draw(st.floats(min_value=0, max_value=14)))
    return observations, now


@settings(max_examples=300, deadline=None)
@given(
    histories(),
    st.decimals(min_value=-100, max_value=100, places=1),
    st.decimals(min_value=D("0.1"), max_value=1000, places=1),
    st.booleans(),
)
def test_probabilities_are_between_zero_and_one_and_bands_hold_the_forecast(
    case, baseline, distance, decrease
):
    observations, now = case
    target = baseline - distance if decrease else baseline + distance
    result = forecast_key_result(
        history=observations, baseline=baseline, target=target, start=START, end=END, now=now
    )
    assert D(0) <= result.probability <= D(1)
    assert result.low is not None
    assert result.value is not None
    assert result.high is not None
    assert result.low <= result.value <= result.high


@settings(max_examples=300, deadline=None)
@given(
    histories(),
    st.decimals(min_value=-100, max_value=100, places=1),
    st.decimals(min_value=D("0.1"), max_value=1000, places=1),
    st.decimals(min_value=D("0.1"), max_value=1000, places=1),
    st.booleans(),
)
def test_an_easier_target_never_has_a_lower_probability(
    case, baseline, distance, other_distance, decrease
):
    observations, now = case
    easy, hard = sorted((distance, other_distance))
    sign = -1 if decrease else 1

    def probability(distance_to_target: Decimal) -> Decimal:
        return forecast_key_result(
            history=observations,
            baseline=baseline,
            target=baseline + sign * distance_to_target,
            start=START,
            end=END,
            now=now,
        ).probability

    assert probability(easy) >= probability(hard)


# -- milestones and objectives ---------------------------------------------------------------


def test_a_done_milestone_is_certain_and_an_open_one_takes_its_owners_confidence():
    assert milestone_forecast(done=True, confidence=3).probability == D(1)
    assert milestone_forecast(done=False, confidence=7).probability == D("0.7")
    assert milestone_forecast(done=False, confidence=None).probability == D("0.35")
    assert milestone_forecast(done=False, confidence=7).value is None
    with pytest.raises(ValueError, match="1-10"):
        milestone_forecast(done=False, confidence=11)


def test_an_objective_rolls_up_clamped_forecast_progress_and_multiplies_the_odds():
    ahead = forecast(history(40, 80, 120, 160, 200, 240), target="100")  # progress 5.2
    on_line = forecast(history(10, 20, 30, 40, 50, 60))  # progress 1.0
    milestone = milestone_forecast(done=False, confidence=5)
    result = objective_forecast(
        [
            WeightedForecast(ahead),
            WeightedForecast(on_line, weight=D(2)),
            WeightedForecast(milestone),
        ]
    )
    assert result is not None
    # Clamped: 1, 1 (twice) and the milestone's 0.5 expected -> 3.5 / 4.
    assert result.progress == D("0.8750")
    assert result.progress_low <= result.progress <= result.progress_high
    expected_all = ahead.probability * on_line.probability * D("0.5")
    assert result.probability_all == expected_all.quantize(D("0.01"))
    assert result.most_likely


def test_an_objective_without_key_results_has_no_forecast():
    assert objective_forecast([]) is None


def test_an_objective_forecast_refuses_a_zero_weight():
    with pytest.raises(ValueError, match="positive"):
        objective_forecast([WeightedForecast(milestone_forecast(done=True, confidence=None), D(0))])


# -- backtest ------------------------------------------------------------------------------


def test_the_forecast_beats_both_naive_baselines_on_generated_histories():
    report = backtest(generate_histories(150, seed=4))
    ours = report.score(BacktestMethod.FORECAST)
    assert report.beats_baselines
    assert ours.mae < report.score(BacktestMethod.LAST_VALUE).mae
    assert ours.mae < report.score(BacktestMethod.STRAIGHT_LINE).mae
    assert ours.coverage is not None
    assert D("0.7") <= ours.coverage <= D("0.9")
    assert ours.brier < report.score(BacktestMethod.LAST_VALUE).brier
    assert ours.forecasts == 450
    assert report.histories == 150


def test_the_backtest_scores_the_baselines_against_the_true_end():
    # A steady line: the straight-line pace is exact, the last value is far off.
    line = tuple(Observation(at=week(w), value=D(10 * w)) for w in range(1, 14))
    steady = History(
        baseline=D(0),
        target=D(100),
        start=START,
        end=END,
        observations=line,
        end_value=D(130),
    )
    report = backtest([steady], cuts=(D("0.5"),))
    assert report.score(BacktestMethod.STRAIGHT_LINE).mae < D("0.05")
    # Half-way the last check-in is week 6 (60): 0.7 short of the true 1.3.
    assert report.score(BacktestMethod.LAST_VALUE).mae == D("0.7000")
    assert report.score(BacktestMethod.LAST_VALUE).brier == D(1)
    assert report.score(BacktestMethod.LAST_VALUE).coverage is None


def test_a_backtest_needs_a_history():
    with pytest.raises(ValueError, match="at least one"):
        backtest([])


def test_the_generator_is_reproducible_and_makes_decrease_key_results():
    first, again = generate_histories(30, seed=9), generate_histories(30, seed=9)
    assert first == again
    assert any(h.target < h.baseline for h in first)
    assert any(h.target > h.baseline for h in first)
    assert generate_history(random.Random(1), "stalled") != generate_history(
        random.Random(1), "burst"
    )


def test_the_backtest_table_names_each_group_and_the_verdict():
    text = table(run(histories=40, seed=2))
    assert "40 generated histories (seeds 2), cut at 25%, 50%, 60%, 75% of the cycle" in text
    for shape in SHAPES:
        assert f"| {shape} |" in text
    assert "| cut at 60% |" in text
    assert "Reliability of the probability of reaching the target" in text
    assert "below the better baseline" in text
    assert "Targets met:" in text


def test_the_backtest_command_prints_the_pooled_tables_and_passes_on_the_report_seeds():
    out = io.StringIO()
    call_command("forecast_backtest", stdout=out)
    assert "1500 generated histories (seeds 7, 8, 9)" in out.getvalue()
    assert "Targets met: yes." in out.getvalue()


def test_the_backtest_command_fails_when_the_forecast_misses_its_targets():
    # Four forecasts of one history cannot hold 75-85% in their bands and 65% per shape.
    with pytest.raises(CommandError, match="misses its targets"):
        call_command("forecast_backtest", "--histories", "1", "--seed", "3", stdout=io.StringIO())


def test_the_backtest_command_refuses_to_judge_the_band_on_its_calibration_seeds():
    with pytest.raises(CommandError, match="calibrate the band"):
        call_command("forecast_backtest", "--seed", str(CALIBRATION_SEEDS[0]), stdout=io.StringIO())


def test_the_band_quantiles_in_use_are_the_ones_measured_on_the_calibration_seeds():
    measured = measured_calibration()
    assert (measured.band_low, measured.band_high) == (
        DEFAULT_CALIBRATION.band_low,
        DEFAULT_CALIBRATION.band_high,
    )


def test_on_histories_it_was_not_calibrated_on_the_band_holds_about_80_percent():
    result = run(histories=200, seeds=(21, 22))
    report = result.report
    ours = report.score(BacktestMethod.FORECAST)
    assert ours.coverage is not None
    assert D("0.74") <= ours.coverage <= D("0.86")
    for group in report.shapes:
        coverage = group.score(BacktestMethod.FORECAST).coverage
        assert coverage is not None
        assert coverage >= D("0.55"), group.name
    assert report.gain >= D("0.1")
    assert ours.brier < report.score(BacktestMethod.LAST_VALUE).brier


def test_the_reliability_table_counts_every_forecast_once():
    report = backtest(generate_histories(60, seed=5), cuts=CUTS)
    assert sum(b.forecasts for b in report.reliability) == 60 * len(CUTS)
    for b in report.reliability:
        if b.forecasts:
            assert b.predicted is not None
            assert b.low <= b.predicted <= b.high


def test_calibrating_needs_histories_with_a_trend():
    empty = History(
        baseline=D(0),
        target=D(10),
        start=START,
        end=END,
        observations=(),
        end_value=D(5),
    )
    with pytest.raises(ValueError, match="at least two check-ins"):
        calibrate([empty])
