"""Progress of key results and objectives, and the pace a cycle expects.

Definitions (docs/concepts.md explains them to users):

* metric key result: ``(current - baseline) / (target - baseline)``. The raw value
  is shown and may fall below 0 or exceed 1; roll-ups use it clamped to [0, 1].
  No check-in yet means ``current = baseline``. The formula covers both
  directions: a decrease key result has ``target < baseline``.
* milestone key result: 0 until done, then 1.
* objective: the weighted mean of its key results' clamped progress.
* expected progress at an instant: the elapsed fraction of the cycle.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

ZERO = Decimal(0)
ONE = Decimal(1)
# Progress is stored and compared at this precision (a hundredth of a percent).
PROGRESS_QUANTUM = Decimal("0.0001")
# Raw progress is shown as it is, but a value a thousand times past the target says
# nothing more than "far past it"; the cap keeps it within what storage holds
# (nine digits, four of them decimals) instead of failing the check-in.
RAW_PROGRESS_LIMIT = Decimal("99999.9999")
_MICROSECOND = timedelta(microseconds=1)


class Direction(StrEnum):
    INCREASE = "increase"
    DECREASE = "decrease"


class SameBaselineAndTarget(ValueError):
    """A metric key result needs a target different from its baseline."""


def quantize(value: Decimal) -> Decimal:
    return value.quantize(PROGRESS_QUANTUM, rounding=ROUND_HALF_UP)


def clamp(value: Decimal, low: Decimal = ZERO, high: Decimal = ONE) -> Decimal:
    return max(low, min(high, value))


def direction_of(*, baseline: Decimal, target: Decimal) -> Direction:
    if target == baseline:
        raise SameBaselineAndTarget("the target must differ from the baseline")
    return Direction.INCREASE if target > baseline else Direction.DECREASE


def metric_progress(*, baseline: Decimal, target: Decimal, current: Decimal | None) -> Decimal:
    """Raw progress of a metric key result (may be < 0 or > 1).

    ``current=None`` (no check-in yet) means the key result is still at its
    baseline. The result is capped at +/- :data:`RAW_PROGRESS_LIMIT`.
    """
    if target == baseline:
        raise SameBaselineAndTarget("the target must differ from the baseline")
    if current is None:
        return quantize(ZERO)
    raw = (current - baseline) / (target - baseline)
    return quantize(clamp(raw, -RAW_PROGRESS_LIMIT, RAW_PROGRESS_LIMIT))


def milestone_progress(*, done: bool) -> Decimal:
    return quantize(ONE if done else ZERO)


@dataclass(frozen=True, slots=True)
class Weighted:
    """One key result's raw progress and its weight inside the objective."""

    progress: Decimal
    weight: Decimal = ONE


def objective_progress(items: Iterable[Weighted]) -> Decimal | None:
    """Weighted mean of the clamped progress; ``None`` for an objective without key results.

    Weights must be positive; a zero or negative weight is a caller's bug.
    """
    total_weight = ZERO
    total = ZERO
    for item in items:
        if item.weight <= 0:
            raise ValueError(f"weight must be positive, got {item.weight}")
        total_weight += item.weight
        total += clamp(item.progress) * item.weight
    if total_weight == 0:
        return None
    return quantize(total / total_weight)


def elapsed_fraction(*, start: datetime, end: datetime, now: datetime) -> Decimal:
    """The share of ``[start, end)`` that has passed at ``now``, in [0, 1].

    All three must be timezone-aware; the caller turns a cycle's dates into the
    organisation's midnights. Time is counted in real hours: the night a clock
    springs forward is 23 hours long.
    """
    if any(moment.utcoffset() is None for moment in (start, end, now)):
        raise ValueError("elapsed_fraction needs timezone-aware datetimes")
    # Python subtracts two datetimes that share a tzinfo by their wall clocks,
    # ignoring a DST change between them; in UTC every hour is a real hour.
    start, end, now = (moment.astimezone(UTC) for moment in (start, end, now))
    if end <= start:
        raise ValueError("a cycle must end after it starts")
    total = Decimal((end - start) // _MICROSECOND)
    passed = Decimal((now - start) // _MICROSECOND)
    return quantize(clamp(passed / total))
