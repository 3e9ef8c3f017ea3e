"""Live status: progress against the pace of the cycle, tempered by the owner's confidence."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tandem.domain.status import DEFAULT_THRESHOLDS, Status, StatusThresholds, live_status

D = Decimal


def status(
    progress: str | None,
    expected: str,
    *,
    started: bool = True,
    confidence: int | None = None,
    thresholds: StatusThresholds = DEFAULT_THRESHOLDS,
) -> Status:
    return live_status(
        progress=None if progress is None else D(progress),
        expected=D(expected),
        started=started,
        confidence=confidence,
        thresholds=thresholds,
    )


def test_nothing_reported_yet_is_not_started():
    assert status(None, "0.5", started=False) is Status.NOT_STARTED
    assert status("0", "0.5", started=False) is Status.NOT_STARTED
    assert status("0", "0", started=False) is Status.NOT_STARTED


def test_progress_without_a_check_in_still_gets_a_status():
    # A value can arrive without a check-in (a KPI-backed key result).
    assert status("0.5", "0.5", started=False) is Status.ON_TRACK


def test_reported_but_still_at_zero_is_judged_against_the_pace():
    assert status("0", "0", started=True) is Status.ON_TRACK
    assert status("0", "0.5", started=True) is Status.OFF_TRACK


@pytest.mark.parametrize(
    ("progress", "expected_status"),
    [
        ("0.9", Status.ON_TRACK),  # ahead of pace
        ("0.5", Status.ON_TRACK),  # exactly on pace
        ("0.4", Status.ON_TRACK),  # ten points behind: the on-track boundary
        ("0.3999", Status.AT_RISK),
        ("0.25", Status.AT_RISK),  # twenty-five points behind: the at-risk boundary
        ("0.2499", Status.OFF_TRACK),
        ("0", Status.OFF_TRACK),
    ],
)
def test_default_thresholds_at_each_boundary(progress, expected_status):
    assert status(progress, "0.5") is expected_status


def test_over_achievement_counts_as_done():
    assert status("3.5", "1") is Status.ON_TRACK


def test_negative_progress_counts_as_zero():
    assert status("-1", "0.2") is status("0", "0.2") is Status.AT_RISK


def test_objective_without_key_results_counts_as_zero_progress():
    assert status(None, "0.05", started=True) is Status.ON_TRACK
    assert status(None, "0.5", started=True) is Status.OFF_TRACK


@pytest.mark.parametrize("confidence", [1, 3, 4])
def test_low_confidence_caps_an_on_track_key_result_at_at_risk(confidence):
    assert status("0.5", "0.5", confidence=confidence) is Status.AT_RISK


@pytest.mark.parametrize("confidence", [5, 7, 10, None])
def test_confidence_above_the_threshold_leaves_the_status_alone(confidence):
    assert status("0.5", "0.5", confidence=confidence) is Status.ON_TRACK


def test_low_confidence_never_improves_a_status():
    assert status("0.3", "0.5", confidence=1) is Status.AT_RISK
    assert status("0", "0.5", confidence=1) is Status.OFF_TRACK


def test_low_confidence_does_not_cap_a_key_result_already_done():
    assert status("1", "0.5", confidence=1) is Status.ON_TRACK


def test_low_confidence_cap_can_be_switched_off():
    never = StatusThresholds(low_confidence=0)
    assert status("0.5", "0.5", confidence=1, thresholds=never) is Status.ON_TRACK


def test_organisation_thresholds_move_the_boundaries():
    strict = StatusThresholds(on_track_gap=D("0.05"), at_risk_gap=D("0.15"), low_confidence=6)
    assert status("0.45", "0.5", thresholds=strict) is Status.ON_TRACK
    assert status("0.44", "0.5", thresholds=strict) is Status.AT_RISK
    assert status("0.35", "0.5", thresholds=strict) is Status.AT_RISK
    assert status("0.34", "0.5", thresholds=strict) is Status.OFF_TRACK
    assert status("0.5", "0.5", confidence=6, thresholds=strict) is Status.AT_RISK
    assert status("0.5", "0.5", confidence=7, thresholds=strict) is Status.ON_TRACK


def test_equal_gaps_leave_no_room_for_at_risk():
    binary = StatusThresholds(on_track_gap=D("0.2"), at_risk_gap=D("0.2"))
    assert status("0.3", "0.5", thresholds=binary) is Status.ON_TRACK
    assert status("0.2999", "0.5", thresholds=binary) is Status.OFF_TRACK


def test_default_thresholds_are_the_documented_ones():
    assert (
        StatusThresholds(on_track_gap=D("0.10"), at_risk_gap=D("0.25"), low_confidence=4)
        == DEFAULT_THRESHOLDS
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        {"on_track_gap": D("0.3"), "at_risk_gap": D("0.2")},
        {"on_track_gap": D("-0.1")},
        {"at_risk_gap": D("1.5")},
        {"on_track_gap": D("NaN")},
        {"at_risk_gap": D("Infinity")},
    ],
)
def test_gaps_out_of_order_or_range_are_refused(kwargs):
    with pytest.raises(ValueError, match="on_track_gap <= at_risk_gap"):
        StatusThresholds(**kwargs)


@pytest.mark.parametrize("level", [-1, 11])
def test_low_confidence_off_the_scale_is_refused(level):
    with pytest.raises(ValueError, match="1-10 scale"):
        StatusThresholds(low_confidence=level)


def test_status_labels_read_as_words():
    assert [s.label for s in Status] == ["Not started", "On track", "At risk", "Off track"]
