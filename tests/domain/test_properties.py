"""Properties of the maths that must hold for every input, checked with hypothesis."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import assume, given
from hypothesis import strategies as st

from tandem.domain.progress import (
    Weighted,
    clamp,
    elapsed_fraction,
    metric_progress,
    objective_progress,
)
from tandem.domain.scoring import Band, Kind, band, score
from tandem.domain.status import Status, StatusThresholds, live_status

D = Decimal


def decimals(low: str, high: str, places: int) -> st.SearchStrategy[Decimal]:
    return st.decimals(
        min_value=D(low), max_value=D(high), places=places, allow_nan=False, allow_infinity=False
    )


# Values a key result can hold: up to a trillion, to a ten-thousandth.
values = decimals("-1000000000000", "1000000000000", 4)
factors = decimals("-1000", "1000", 2).filter(lambda k: k != 0)
raw_progress = decimals("-3", "3", 4)
weights = decimals("0.01", "1000", 2)
confidences = st.none() | st.integers(min_value=1, max_value=10)
fractions = decimals("0", "1", 4)


@st.composite
def thresholds(draw: st.DrawFn) -> StatusThresholds:
    on, at = sorted([draw(fractions), draw(fractions)])
    return StatusThresholds(
        on_track_gap=on, at_risk_gap=at, low_confidence=draw(st.integers(0, 10))
    )


STATUS_RANK = {Status.OFF_TRACK: 0, Status.AT_RISK: 1, Status.ON_TRACK: 2}
BAND_RANK = {Band.RED: 0, Band.YELLOW: 1, Band.GREEN: 2}


# -- metric progress -------------------------------------------------------------------


@given(baseline=values, target=values, current=values, factor=factors, shift=values)
def test_progress_is_the_same_in_any_unit_or_origin(baseline, target, current, factor, shift):
    assume(target != baseline)

    def moved(x: Decimal) -> Decimal:
        return x * factor + shift

    assert metric_progress(
        baseline=moved(baseline), target=moved(target), current=moved(current)
    ) == metric_progress(baseline=baseline, target=target, current=current)


@given(baseline=values, target=values)
def test_progress_is_zero_at_the_baseline_and_one_at_the_target(baseline, target):
    assume(target != baseline)
    assert metric_progress(baseline=baseline, target=target, current=baseline) == 0
    assert metric_progress(baseline=baseline, target=target, current=None) == 0
    assert metric_progress(baseline=baseline, target=target, current=target) == 1


@given(baseline=values, target=values, a=values, b=values)
def test_moving_towards_the_target_never_lowers_progress(baseline, target, a, b):
    assume(target != baseline)
    low, high = sorted([a, b])
    p_low = metric_progress(baseline=baseline, target=target, current=low)
    p_high = metric_progress(baseline=baseline, target=target, current=high)
    if target > baseline:
        assert p_low <= p_high
    else:
        assert p_low >= p_high


@given(baseline=values, target=values, current=values)
def test_progress_is_positive_exactly_on_the_target_side_of_the_baseline(baseline, target, current):
    assume(target != baseline)
    result = metric_progress(baseline=baseline, target=target, current=current)
    towards_target = (current - baseline) * (target - baseline) > 0
    if towards_target:
        assert result >= 0
    else:
        assert result <= 0


# -- objective progress ----------------------------------------------------------------

weighted = st.builds(Weighted, progress=raw_progress, weight=weights)


@given(items=st.lists(weighted, min_size=1, max_size=8))
def test_objective_progress_lies_between_its_key_results(items):
    result = objective_progress(items)
    clamped = [clamp(item.progress) for item in items]
    assert result is not None
    assert min(clamped) <= result <= max(clamped)


@given(items=st.lists(weighted, min_size=1, max_size=8), factor=decimals("0.01", "100", 2))
def test_scaling_every_weight_leaves_objective_progress_unchanged(items, factor):
    scaled = [Weighted(item.progress, item.weight * factor) for item in items]
    assert objective_progress(scaled) == objective_progress(items)


@given(progress=raw_progress, weight=weights)
def test_objective_with_one_key_result_has_its_clamped_progress(progress, weight):
    assert objective_progress([Weighted(progress, weight)]) == clamp(progress)


# -- scores and bands ------------------------------------------------------------------


@given(a=raw_progress, b=raw_progress)
def test_score_and_band_never_drop_as_progress_grows(a, b):
    low, high = sorted([a, b])
    assert score(low) <= score(high)
    for kind in Kind:
        assert BAND_RANK[band(low, kind=kind)] <= BAND_RANK[band(high, kind=kind)]


@given(progress=raw_progress)
def test_score_is_a_tenth_within_half_a_tenth_of_the_clamped_progress(progress):
    result = score(progress)
    assert D(0) <= result <= D(1)
    assert result == result.quantize(D("0.1"))
    assert abs(result - clamp(progress)) <= D("0.05")


@given(progress=raw_progress)
def test_a_committed_objective_is_never_coloured_better_than_an_aspirational_one(progress):
    committed = BAND_RANK[band(progress, kind=Kind.COMMITTED)]
    assert committed <= BAND_RANK[band(progress, kind=Kind.ASPIRATIONAL)]


# -- live status -----------------------------------------------------------------------


@given(
    a=raw_progress,
    b=raw_progress,
    expected=fractions,
    confidence=confidences,
    limits=thresholds(),
)
def test_more_progress_never_gives_a_worse_status_at_the_same_pace(
    a, b, expected, confidence, limits
):
    low, high = sorted([a, b])

    def rank(progress: Decimal) -> int:
        return STATUS_RANK[
            live_status(
                progress=progress,
                expected=expected,
                started=True,
                confidence=confidence,
                thresholds=limits,
            )
        ]

    assert rank(low) <= rank(high)


@given(
    progress=raw_progress,
    a=fractions,
    b=fractions,
    confidence=confidences,
    limits=thresholds(),
)
def test_a_faster_pace_never_gives_a_better_status_for_the_same_progress(
    progress, a, b, confidence, limits
):
    early, late = sorted([a, b])

    def rank(expected: Decimal) -> int:
        return STATUS_RANK[
            live_status(
                progress=progress,
                expected=expected,
                started=True,
                confidence=confidence,
                thresholds=limits,
            )
        ]

    assert rank(early) >= rank(late)


@given(progress=raw_progress, expected=fractions, confidence=confidences, limits=thresholds())
def test_low_confidence_can_only_lower_a_status(progress, expected, confidence, limits):
    def rank(level: int | None) -> int:
        return STATUS_RANK[
            live_status(
                progress=progress,
                expected=expected,
                started=True,
                confidence=level,
                thresholds=limits,
            )
        ]

    assert rank(confidence) <= rank(None)


# -- elapsed fraction ------------------------------------------------------------------

# Hypothesis takes naive bounds and attaches the drawn time zone itself.
instants = st.datetimes(
    min_value=datetime(2000, 1, 1),  # noqa: DTZ001
    max_value=datetime(2100, 1, 1),  # noqa: DTZ001
    timezones=st.timezones(),
)


@given(start=instants, length=st.integers(1, 10**7), a=instants, b=instants)
def test_elapsed_fraction_grows_from_zero_to_one(start, length, a, b):
    end = start.astimezone(UTC) + timedelta(seconds=length)
    early, late = sorted([a, b], key=lambda moment: moment.astimezone(UTC))
    f_early = elapsed_fraction(start=start, end=end, now=early)
    f_late = elapsed_fraction(start=start, end=end, now=late)
    assert D(0) <= f_early <= f_late <= D(1)


@given(start=instants, length=st.integers(1, 10**7), now=instants, zone=st.timezones())
def test_elapsed_fraction_depends_only_on_the_instants(start, length, now, zone):
    end = start.astimezone(UTC) + timedelta(seconds=length)
    assert elapsed_fraction(start=start, end=end, now=now) == elapsed_fraction(
        start=start.astimezone(zone), end=end.astimezone(zone), now=now.astimezone(zone)
    )
