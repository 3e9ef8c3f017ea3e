"""Scores at the close of a cycle, and their colour bands.

A score is the clamped progress rounded half-up to one decimal (0.0 to 1.0), the
scale OKR practitioners grade on. Bands: 0.0-0.3 red, 0.4-0.6 yellow, 0.7-1.0
green. A committed objective is a promise, so it is green only at 1.0; an
aspirational one succeeds at 0.7 (and always scoring 1.0 means the bar is low).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

from tandem.domain.progress import clamp

SCORE_QUANTUM = Decimal("0.1")
GREEN_FROM = Decimal("0.7")
YELLOW_FROM = Decimal("0.4")


class Kind(StrEnum):
    COMMITTED = "committed"
    ASPIRATIONAL = "aspirational"


class Band(StrEnum):
    RED = "red"
    YELLOW = "yellow"
    GREEN = "green"


def score(progress: Decimal | None) -> Decimal:
    """The score for a progress (raw or clamped); no key results scores 0.0."""
    value = clamp(progress) if progress is not None else Decimal(0)
    return value.quantize(SCORE_QUANTUM, rounding=ROUND_HALF_UP)


def validate_score(value: Decimal | int | str) -> Decimal:
    """A score an owner sets by hand: 0.0-1.0 in steps of 0.1.

    Text (from a form or an import) is accepted; anything else than such a score
    raises ``ValueError`` with a message for the person who typed it.
    """
    try:
        number = value if isinstance(value, Decimal) else Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"“{value}” is not a number") from None
    if not number.is_finite() or not (0 <= number <= 1):
        raise ValueError("a score is between 0.0 and 1.0")
    if number != number.quantize(SCORE_QUANTUM):
        raise ValueError("a score has at most one decimal (0.0, 0.1, ... 1.0)")
    # Adding zero turns a typed "-0" into 0.0.
    return number.quantize(SCORE_QUANTUM) + 0


def band(value: Decimal, *, kind: Kind = Kind.ASPIRATIONAL) -> Band:
    rounded = score(value)
    if kind is Kind.COMMITTED:
        if rounded >= 1:
            return Band.GREEN
        return Band.YELLOW if rounded >= YELLOW_FROM else Band.RED
    if rounded >= GREEN_FROM:
        return Band.GREEN
    if rounded >= YELLOW_FROM:
        return Band.YELLOW
    return Band.RED
