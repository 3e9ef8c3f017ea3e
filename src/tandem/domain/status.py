"""Live status of a key result or an objective while its cycle runs.

The status compares progress with the pace the cycle expects (the elapsed
fraction). With ``gap = expected - progress``:

* ``not_started``: no check-in yet and no progress;
* ``on_track``: ``gap <= on_track_gap`` (default 0.10: at most ten points behind);
* ``at_risk``: ``gap <= at_risk_gap`` (default 0.25);
* ``off_track``: further behind than that.

An owner's own low confidence (at or below ``low_confidence``, default 4 of 10)
caps the status at ``at_risk``: numbers can look fine while the owner already
knows they will not hold. The gaps are organisation settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from tandem.domain.progress import clamp


class Status(StrEnum):
    NOT_STARTED = "not_started"
    ON_TRACK = "on_track"
    AT_RISK = "at_risk"
    OFF_TRACK = "off_track"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


@dataclass(frozen=True, slots=True)
class StatusThresholds:
    on_track_gap: Decimal = Decimal("0.10")
    at_risk_gap: Decimal = Decimal("0.25")
    low_confidence: int = 4

    def __post_init__(self) -> None:
        gaps = (Decimal(self.on_track_gap), Decimal(self.at_risk_gap))
        if not all(gap.is_finite() for gap in gaps) or not (0 <= gaps[0] <= gaps[1] <= 1):
            raise ValueError("need 0 <= on_track_gap <= at_risk_gap <= 1")
        if not (0 <= self.low_confidence <= 10):
            raise ValueError("low_confidence is on the 1-10 scale (0 switches it off)")


DEFAULT_THRESHOLDS = StatusThresholds()


def live_status(
    *,
    progress: Decimal | None,
    expected: Decimal,
    started: bool,
    confidence: int | None = None,
    thresholds: StatusThresholds = DEFAULT_THRESHOLDS,
) -> Status:
    """Status of something with ``progress`` (raw or clamped) at pace ``expected``.

    ``started`` says whether anything was ever reported (a check-in, a value).
    """
    value = clamp(progress) if progress is not None else Decimal(0)
    if not started and value == 0:
        return Status.NOT_STARTED
    gap = expected - value
    if gap <= thresholds.on_track_gap:
        status = Status.ON_TRACK
    elif gap <= thresholds.at_risk_gap:
        status = Status.AT_RISK
    else:
        status = Status.OFF_TRACK
    if (
        status is Status.ON_TRACK
        and confidence is not None
        and confidence <= thresholds.low_confidence
        and value < 1
    ):
        return Status.AT_RISK
    return status
