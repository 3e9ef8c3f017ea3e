"""KPI health: the colour of a value against its target, and whether values stopped coming.

Health of one value (``health``), by the KPI's direction:

* higher is better: ``value >= target`` is green; ``value >= yellow`` is yellow
  (``yellow`` is the floor of the yellow band); anything lower is red.
* lower is better: ``value <= target`` is green; ``value <= yellow`` is yellow
  (``yellow`` is the ceiling of the yellow band); anything higher is red.
* within a range: ``low <= value <= high`` is green; within ``tolerance`` outside
  the range (``low - tolerance <= value < low`` or ``high < value <= high +
  tolerance``) is yellow; further out is red.

Every boundary belongs to the better colour. When ``yellow`` is not given, the
yellow band is ``yellow_share`` (default 10%) of the target's magnitude: a sales
target of 200 is yellow from 180, a defect ceiling of 50 is yellow up to 55. A
target of 0 has no magnitude, so the band is then the absolute ``zero_band``
(default 1: "zero incidents" turns yellow at 1 and red at 2). When ``tolerance`` is
not given, it is ``yellow_share`` of the range's width, or, for a range of a single
value, the band that value would get as a target. ``yellow`` equal to the target
means there is no yellow band.

No value for the period is ``no_data``. A KPI is ``stale`` when values stopped
arriving (``is_stale``); its current health is then stale whatever the colour of
its last value, because an old green says nothing about today.

``aggregate`` rolls a KPI's values up into a longer period (weeks into a month, a
quarter or an OKR cycle). An average is rounded half-up to ``VALUE_QUANTUM``, the
precision Tandem stores values at; sums, minima, maxima and last values are exact.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

from tandem.domain.periods import JANUARY, MONDAY, Frequency, periods_apart

ZERO = Decimal(0)
DEFAULT_YELLOW_SHARE = Decimal("0.10")
DEFAULT_ZERO_BAND = Decimal(1)
# Measurements and key result values are stored with four decimal places.
VALUE_QUANTUM = Decimal("0.0001")


class Direction(StrEnum):
    HIGHER_IS_BETTER = "higher_is_better"
    LOWER_IS_BETTER = "lower_is_better"
    WITHIN_RANGE = "within_range"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class Health(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    NO_DATA = "no_data"
    STALE = "stale"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


@dataclass(frozen=True, slots=True)
class Thresholds:
    """A KPI's target and the edges of its colours; which fields count depends on the direction.

    ``target`` and ``yellow`` serve higher-is-better and lower-is-better KPIs;
    ``low``, ``high`` and ``tolerance`` serve within-range KPIs. Fields the
    direction does not use are ignored. ``threshold_errors`` validates a set.
    """

    target: Decimal | None = None
    yellow: Decimal | None = None
    low: Decimal | None = None
    high: Decimal | None = None
    tolerance: Decimal | None = None
    yellow_share: Decimal = DEFAULT_YELLOW_SHARE
    zero_band: Decimal = DEFAULT_ZERO_BAND


def _finite(value: Decimal | None) -> bool:
    return value is None or value.is_finite()


def threshold_errors(thresholds: Thresholds, direction: Direction) -> dict[str, str]:
    """What is wrong with ``thresholds`` for a KPI of ``direction``, as field -> message.

    Empty when they are usable. Services turn this into a ValidationError.
    """
    direction = Direction(direction)
    errors: dict[str, str] = {}
    for name in ("target", "yellow", "low", "high", "tolerance", "yellow_share", "zero_band"):
        if not _finite(getattr(thresholds, name)):
            errors[name] = "Enter a number."
    if errors:
        return errors
    if thresholds.yellow_share < 0:
        errors["yellow_share"] = "The default yellow band cannot be negative."
    if thresholds.zero_band < 0:
        errors["zero_band"] = "The yellow band for a zero target cannot be negative."
    target, yellow = thresholds.target, thresholds.yellow
    if direction is Direction.WITHIN_RANGE:
        low, high = thresholds.low, thresholds.high
        if low is None:
            errors["low"] = "A KPI kept within a range needs the lowest healthy value."
        if high is None:
            errors["high"] = "A KPI kept within a range needs the highest healthy value."
        if low is not None and high is not None and low > high:
            errors["high"] = "The highest healthy value cannot be below the lowest."
        if thresholds.tolerance is not None and thresholds.tolerance < 0:
            errors["tolerance"] = "The tolerance cannot be negative."
    elif target is None:
        errors["target"] = "A KPI needs a target to be coloured."
    elif yellow is not None:
        if direction is Direction.HIGHER_IS_BETTER and yellow > target:
            errors["yellow"] = "When higher is better, yellow starts at or below the target."
        if direction is Direction.LOWER_IS_BETTER and yellow < target:
            errors["yellow"] = "When lower is better, yellow ends at or above the target."
    return errors


def _check(thresholds: Thresholds, direction: Direction) -> None:
    errors = threshold_errors(thresholds, direction)
    if errors:
        raise ValueError("; ".join(f"{field}: {message}" for field, message in errors.items()))


def _range(thresholds: Thresholds) -> tuple[Decimal, Decimal]:
    low, high = thresholds.low, thresholds.high
    if low is None or high is None:
        raise ValueError("a KPI kept within a range needs both ends")
    return low, high


def _default_band(reference: Decimal, thresholds: Thresholds) -> Decimal:
    if reference == 0:
        return thresholds.zero_band
    return abs(reference) * thresholds.yellow_share


def yellow_boundary(thresholds: Thresholds, direction: Direction) -> Decimal:
    """The value where yellow turns red for a higher- or lower-is-better KPI.

    The given ``yellow``, or the default band away from the target (see the module).
    """
    direction = Direction(direction)
    _check(thresholds, direction)
    target = thresholds.target
    if direction is Direction.WITHIN_RANGE or target is None:
        raise ValueError("a KPI kept within a range has a tolerance, not a yellow boundary")
    if thresholds.yellow is not None:
        return thresholds.yellow
    band = _default_band(target, thresholds)
    return target - band if direction is Direction.HIGHER_IS_BETTER else target + band


def range_tolerance(thresholds: Thresholds) -> Decimal:
    """How far outside its range a within-range KPI stays yellow."""
    _check(thresholds, Direction.WITHIN_RANGE)
    if thresholds.tolerance is not None:
        return thresholds.tolerance
    low, high = _range(thresholds)
    if high > low:
        return (high - low) * thresholds.yellow_share
    return _default_band(low, thresholds)


def health(value: Decimal | None, thresholds: Thresholds, direction: Direction) -> Health:
    """The colour of one period's ``value``; ``no_data`` without a value."""
    colour = colourer(thresholds, direction)
    if value is None:
        return Health.NO_DATA
    return colour(value)


def colourer(thresholds: Thresholds, direction: Direction) -> Callable[[Decimal], Health]:
    """``health`` for many values against the same thresholds.

    The thresholds are checked and the band edges worked out once: a scorecard colours
    thousands of cells against a few targets. Raises ``ValueError`` as ``health`` does.
    """
    direction = Direction(direction)
    _check(thresholds, direction)
    if direction is Direction.WITHIN_RANGE:
        low, high = _range(thresholds)
        tolerance = range_tolerance(thresholds)
        low_yellow, high_yellow = low - tolerance, high + tolerance

        def within(value: Decimal) -> Health:
            _check_value(value)
            if low <= value <= high:
                return Health.GREEN
            if low_yellow <= value <= high_yellow:
                return Health.YELLOW
            return Health.RED

        return within
    boundary = yellow_boundary(thresholds, direction)
    target = thresholds.target
    if target is None:  # yellow_boundary refused it already; this tells mypy
        raise ValueError("a KPI needs a target to be coloured")
    if direction is Direction.HIGHER_IS_BETTER:

        def higher(value: Decimal) -> Health:
            _check_value(value)
            if value >= target:
                return Health.GREEN
            return Health.YELLOW if value >= boundary else Health.RED

        return higher

    def lower(value: Decimal) -> Health:
        _check_value(value)
        if value <= target:
            return Health.GREEN
        return Health.YELLOW if value <= boundary else Health.RED

    return lower


def _check_value(value: Decimal) -> None:
    if not value.is_finite():
        raise ValueError(f"a KPI value must be a finite number, got {value}")


def is_stale(
    frequency: Frequency,
    last_period_start: date | None,
    today: date,
    *,
    grace_periods: int = 1,
    week_start: int = MONDAY,
    fiscal_year_start_month: int = JANUARY,
) -> bool:
    """Whether a KPI's values stopped arriving.

    The periods that ended after the period of the latest value are missing; the
    KPI is stale when more than ``grace_periods`` of them are. With the default of
    one, a weekly KPI may lack last week's value (it is usually entered during this
    week) but not the week before's as well: its latest value must be for the week
    before last or later. With ``grace_periods=0`` the period just ended must have
    its value as soon as it ends. A KPI that never had a value is not stale: its
    health is ``no_data``.
    """
    if grace_periods < 0:
        raise ValueError(f"grace_periods cannot be negative, got {grace_periods}")
    if last_period_start is None:
        return False
    behind = periods_apart(
        frequency,
        last_period_start,
        today,
        week_start=week_start,
        fiscal_year_start_month=fiscal_year_start_month,
    )
    missing = behind - 1
    return missing > grace_periods


def current_health(
    *,
    value: Decimal | None,
    period_start: date | None,
    thresholds: Thresholds,
    direction: Direction,
    frequency: Frequency,
    today: date,
    grace_periods: int = 1,
    week_start: int = MONDAY,
    fiscal_year_start_month: int = JANUARY,
) -> Health:
    """A KPI's health today from its latest ``value`` and the ``period_start`` it is for.

    Stale wins over the colour of the latest value; ``no_data`` without any value.
    """
    if (value is None) != (period_start is None):
        raise ValueError("the latest value and its period come together")
    if is_stale(
        frequency,
        period_start,
        today,
        grace_periods=grace_periods,
        week_start=week_start,
        fiscal_year_start_month=fiscal_year_start_month,
    ):
        return Health.STALE
    return health(value, thresholds, direction)


class Aggregation(StrEnum):
    SUM = "sum"
    AVERAGE = "average"
    LAST = "last"
    MIN = "min"
    MAX = "max"

    @property
    def label(self) -> str:
        return self.value.capitalize()


def aggregate(values: Sequence[Decimal], how: Aggregation) -> Decimal | None:
    """One value for a run of ``values`` given in period order; ``None`` when there are none."""
    how = Aggregation(how)
    if not values:
        return None
    if how is Aggregation.SUM:
        return sum(values, ZERO)
    if how is Aggregation.AVERAGE:
        mean = sum(values, ZERO) / len(values)
        return mean.quantize(VALUE_QUANTUM, rounding=ROUND_HALF_UP)
    if how is Aggregation.LAST:
        return values[-1]
    if how is Aggregation.MIN:
        return min(values)
    return max(values)


# A key result measures a cycle's outcome, so it reads the KPI's latest value in the
# cycle, or their sum or average; a minimum or maximum would hide the trend.
KEY_RESULT_AGGREGATIONS = (Aggregation.LAST, Aggregation.SUM, Aggregation.AVERAGE)


def kr_value_from_measurements(values: Sequence[Decimal], how: Aggregation) -> Decimal | None:
    """The current value of a KPI-backed key result from the KPI's values in its cycle.

    ``values`` are in period order; ``None`` (no check-in yet) when the cycle has none.
    """
    how = Aggregation(how)
    if how not in KEY_RESULT_AGGREGATIONS:
        raise ValueError(f"a key result reads the last value, the sum or the average, not {how}")
    return aggregate(values, how)
