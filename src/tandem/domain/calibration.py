"""Calibration: were a team's objectives set at the right height, cycle after cycle?

Scores at close say more about how goals were *set* than about how people worked.
Tandem reads them apart by kind, because the two kinds promise different things
(DESIGN.md, section 2, and :mod:`tandem.domain.scoring`):

* a **committed** objective is a promise, expected at 1.0. Any committed objective
  below 1.0 means the team committed to more than it could deliver: over-commitment.
* an **aspirational** objective is a stretch: 0.7 is success, and the sweet spot for a
  team's average is 0.6-0.7 (Google's "OKR playbook" grading guidance, which the seed
  articles echo: "if it is very easy to meet the OKRs it means that they were not
  ambitious enough", shared/seeds/001). Many at 1.0 means the bar was too low
  (sandbagging); many below 0.3 means over-reach.

The thresholds, for aspirational objectives (first match wins):

=================  ====================================================================
verdict            rule
=================  ====================================================================
``polarised``      at least 40% at 1.0 *and* at least 40% below 0.3
``too_easy``       at least 40% at 1.0, or an average of 0.85 or more
``over_reach``     at least 40% below 0.3, or an average below 0.4
``healthy``        an average from 0.6 to 0.7 (both included)
``a_bit_easy``     an average above 0.7 (and below 0.85)
``a_bit_hard``     an average from 0.4 to below 0.6
=================  ====================================================================

For committed objectives: ``healthy`` when every one scored 1.0, ``over_committed``
otherwise. No scored objective of a kind gives ``no_data``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from tandem.domain.scoring import Kind

FULL = Decimal("1.0")
# "Below 0.3": the red band of a score (0.0-0.2 on the 0.1 scale).
OVER_REACH_BELOW = Decimal("0.3")
HEALTHY_FROM = Decimal("0.6")
HEALTHY_TO = Decimal("0.7")
TOO_EASY_MEAN = Decimal("0.85")
TOO_HARD_MEAN = Decimal("0.4")
# The share of a kind's objectives at 1.0 (or below 0.3) that makes it a pattern.
PATTERN_SHARE = Decimal("0.4")


class Verdict(StrEnum):
    NO_DATA = "no_data"
    HEALTHY = "healthy"
    A_BIT_EASY = "a_bit_easy"
    A_BIT_HARD = "a_bit_hard"
    TOO_EASY = "too_easy"
    OVER_REACH = "over_reach"
    POLARISED = "polarised"
    OVER_COMMITTED = "over_committed"

    @property
    def label(self) -> str:
        return VERDICT_LABELS[self]

    @property
    def tone(self) -> str:
        """green, yellow or red, for a badge; grey without data."""
        return VERDICT_TONES[self]


VERDICT_LABELS = {
    Verdict.NO_DATA: "No scored objectives",
    Verdict.HEALTHY: "Well calibrated",
    Verdict.A_BIT_EASY: "A little easy",
    Verdict.A_BIT_HARD: "A little hard",
    Verdict.TOO_EASY: "Not ambitious enough",
    Verdict.OVER_REACH: "Over-reach",
    Verdict.POLARISED: "Some too easy, some too hard",
    Verdict.OVER_COMMITTED: "Over-committed",
}
VERDICT_TONES = {
    Verdict.NO_DATA: "grey",
    Verdict.HEALTHY: "green",
    Verdict.A_BIT_EASY: "yellow",
    Verdict.A_BIT_HARD: "yellow",
    Verdict.TOO_EASY: "red",
    Verdict.OVER_REACH: "red",
    Verdict.POLARISED: "red",
    Verdict.OVER_COMMITTED: "red",
}


@dataclass(frozen=True, slots=True)
class KindCalibration:
    """The scores of one kind of objective in one cycle."""

    kind: Kind
    count: int
    at_full: int
    below_floor: int
    mean: Decimal | None

    @property
    def share_at_full(self) -> Decimal | None:
        return Decimal(self.at_full) / self.count if self.count else None

    @property
    def share_below_floor(self) -> Decimal | None:
        return Decimal(self.below_floor) / self.count if self.count else None

    @property
    def verdict(self) -> Verdict:
        if not self.count or self.mean is None:
            return Verdict.NO_DATA
        if self.kind is Kind.COMMITTED:
            return Verdict.HEALTHY if self.at_full == self.count else Verdict.OVER_COMMITTED
        at_full, below = self.share_at_full, self.share_below_floor
        assert at_full is not None
        assert below is not None
        many_full, many_low = at_full >= PATTERN_SHARE, below >= PATTERN_SHARE
        if many_full and many_low:
            return Verdict.POLARISED
        if many_full or self.mean >= TOO_EASY_MEAN:
            return Verdict.TOO_EASY
        if many_low or self.mean < TOO_HARD_MEAN:
            return Verdict.OVER_REACH
        if HEALTHY_FROM <= self.mean <= HEALTHY_TO:
            return Verdict.HEALTHY
        return Verdict.A_BIT_EASY if self.mean > HEALTHY_TO else Verdict.A_BIT_HARD


@dataclass(frozen=True, slots=True)
class Calibration:
    committed: KindCalibration
    aspirational: KindCalibration

    @property
    def count(self) -> int:
        return self.committed.count + self.aspirational.count


def calibrate_kind(scores: Iterable[Decimal], *, kind: Kind) -> KindCalibration:
    """Counts, shares and mean of one kind's scores (each 0.0-1.0)."""
    values = list(scores)
    for value in values:
        if not Decimal(0) <= value <= FULL:
            raise ValueError(f"a score is between 0.0 and 1.0, got {value}")
    count = len(values)
    return KindCalibration(
        kind=kind,
        count=count,
        at_full=sum(1 for v in values if v >= FULL),
        below_floor=sum(1 for v in values if v < OVER_REACH_BELOW),
        mean=sum(values, Decimal(0)) / count if count else None,
    )


def calibrate(scored: Iterable[tuple[Kind | str, Decimal]]) -> Calibration:
    """Calibration of a set of scored objectives given as ``(kind, score)`` pairs."""
    by_kind: dict[Kind, list[Decimal]] = {Kind.COMMITTED: [], Kind.ASPIRATIONAL: []}
    for kind, value in scored:
        by_kind[Kind(kind)].append(value)
    return Calibration(
        committed=calibrate_kind(by_kind[Kind.COMMITTED], kind=Kind.COMMITTED),
        aspirational=calibrate_kind(by_kind[Kind.ASPIRATIONAL], kind=Kind.ASPIRATIONAL),
    )
