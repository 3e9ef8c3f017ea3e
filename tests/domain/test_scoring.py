"""Scores at the close of a cycle and their colour bands."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tandem.domain.scoring import Band, Kind, band, score, validate_score

D = Decimal


@pytest.mark.parametrize(
    ("progress", "expected"),
    [
        ("0", "0.0"),
        ("0.04", "0.0"),
        ("0.05", "0.1"),
        ("0.25", "0.3"),
        ("0.349", "0.3"),
        ("0.35", "0.4"),
        ("0.6499", "0.6"),
        ("0.65", "0.7"),
        ("0.95", "1.0"),
        ("1", "1.0"),
    ],
)
def test_score_is_progress_rounded_half_up_to_a_tenth(progress, expected):
    result = score(D(progress))
    assert result == D(expected)
    assert result.as_tuple().exponent == -1


def test_score_of_raw_progress_is_clamped():
    assert score(D("1.7")) == D("1.0")
    assert score(D("-0.4")) == D("0.0")


def test_objective_without_key_results_scores_zero():
    assert score(None) == D("0.0")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", Band.RED),
        ("0.3", Band.RED),
        ("0.34", Band.RED),
        ("0.35", Band.YELLOW),
        ("0.4", Band.YELLOW),
        ("0.6", Band.YELLOW),
        ("0.65", Band.GREEN),
        ("0.7", Band.GREEN),
        ("1.0", Band.GREEN),
        ("1.4", Band.GREEN),
    ],
)
def test_aspirational_bands(value, expected):
    assert band(D(value), kind=Kind.ASPIRATIONAL) is expected


def test_aspirational_is_the_default_kind():
    assert band(D("0.7")) is Band.GREEN


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0", Band.RED),
        ("0.3", Band.RED),
        ("0.4", Band.YELLOW),
        ("0.7", Band.YELLOW),
        ("0.9", Band.YELLOW),
        ("0.94", Band.YELLOW),
        ("0.95", Band.GREEN),  # shown as 1.0, so coloured as 1.0
        ("1.0", Band.GREEN),
    ],
)
def test_committed_objectives_are_green_only_at_one(value, expected):
    assert band(D(value), kind=Kind.COMMITTED) is expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (D("0"), D("0.0")),
        (D("0.7"), D("0.7")),
        (D("0.70"), D("0.7")),
        (D("1"), D("1.0")),
        (0, D("0.0")),
        (1, D("1.0")),
        ("0.3", D("0.3")),
        (" 0.8 ", D("0.8")),
        ("-0", D("0.0")),
    ],
)
def test_valid_scores_come_back_with_one_decimal(value, expected):
    result = validate_score(value)
    assert result == expected
    assert str(result) == str(expected)


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (D("0.15"), "at most one decimal"),
        (D("0.05"), "at most one decimal"),
        (D("1.1"), "between 0.0 and 1.0"),
        (D("-0.1"), "between 0.0 and 1.0"),
        (2, "between 0.0 and 1.0"),
        (D("NaN"), "between 0.0 and 1.0"),
        (D("Infinity"), "between 0.0 and 1.0"),
        ("abc", "not a number"),
        ("", "not a number"),
    ],
)
def test_invalid_scores_are_refused_with_a_reason(value, message):
    with pytest.raises(ValueError, match=message):
        validate_score(value)
