"""Calibration of scored objectives: shares at 1.0 and below 0.3, kinds apart, verdicts."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tandem.domain.calibration import Verdict, calibrate, calibrate_kind
from tandem.domain.scoring import Kind

D = Decimal


def aspirational(*scores: str):
    return calibrate_kind([D(s) for s in scores], kind=Kind.ASPIRATIONAL)


def test_shares_and_mean_are_counted_on_known_numbers():
    result = aspirational("1.0", "1.0", "0.7", "0.2", "0.0")
    assert (result.count, result.at_full, result.below_floor) == (5, 2, 2)
    assert result.share_at_full == D("0.4")
    assert result.share_below_floor == D("0.4")
    assert result.mean == D("0.58")


def test_kinds_are_kept_apart():
    result = calibrate(
        [
            (Kind.COMMITTED, D("1.0")),
            ("committed", D("0.8")),
            (Kind.ASPIRATIONAL, D("1.0")),
            ("aspirational", D("0.6")),
            ("aspirational", D("0.5")),
        ]
    )
    assert (result.committed.count, result.committed.at_full) == (2, 1)
    assert (result.aspirational.count, result.aspirational.at_full) == (3, 1)
    assert result.aspirational.mean == D("0.7")
    assert result.count == 5


def test_no_scores_have_no_shares_and_no_verdict():
    result = aspirational()
    assert result.share_at_full is None
    assert result.mean is None
    assert result.verdict is Verdict.NO_DATA


@pytest.mark.parametrize(
    ("scores", "verdict"),
    [
        (["0.6", "0.7", "0.7", "0.6"], Verdict.HEALTHY),
        (["0.7", "0.7", "0.8", "0.9", "0.6"], Verdict.A_BIT_EASY),  # mean 0.74
        (["0.5", "0.5", "0.6", "0.4"], Verdict.A_BIT_HARD),  # mean 0.5
        (["1.0", "1.0", "0.6", "0.5", "0.4"], Verdict.TOO_EASY),  # 40% at 1.0
        (["0.9", "0.9", "0.8"], Verdict.TOO_EASY),  # no 1.0, but mean 0.867
        (["0.2", "0.1", "0.6", "0.7", "0.8"], Verdict.OVER_REACH),  # 40% below 0.3
        (["0.3", "0.3", "0.4"], Verdict.OVER_REACH),  # none below 0.3, mean 0.33
        (["1.0", "1.0", "0.0", "0.1", "0.7"], Verdict.POLARISED),
        (["1.0", "0.6", "0.6"], Verdict.A_BIT_EASY),  # one in three at 1.0 is no pattern
    ],
)
def test_aspirational_verdicts(scores, verdict):
    assert aspirational(*scores).verdict is verdict


def test_committed_objectives_are_healthy_only_all_at_one():
    full = calibrate_kind([D("1.0"), D("1.0")], kind=Kind.COMMITTED)
    short = calibrate_kind([D("1.0"), D("0.9")], kind=Kind.COMMITTED)
    assert full.verdict is Verdict.HEALTHY
    assert short.verdict is Verdict.OVER_COMMITTED
    assert short.verdict.label == "Over-committed"
    assert short.verdict.tone == "red"


def test_a_score_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError, match=r"between 0\.0 and 1\.0"):
        aspirational("1.1")
