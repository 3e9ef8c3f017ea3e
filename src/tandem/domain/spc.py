"""KPI signals: an XmR (individuals and moving range) chart tells a real shift from noise.

A KPI's values always wobble. The XmR chart (Shewhart; Wheeler, *Understanding
Variation*) measures how much they wobble on their own and flags what goes beyond
that. Values are passed oldest first, one per period that has a value (periods
without a value are left out, not counted as zero).

* **Baseline**: the first ``baseline_points`` values (default 20), or all of them
  when there are fewer. Limits from a fixed baseline do not move with the shift they
  are meant to reveal; 20 is Wheeler's usual count, and limits from as few as 6
  values are already useful (they firm up as values arrive).
* **Centre line**: the mean of the baseline values.
* **Moving ranges**: ``mR_i = |x_i - x_(i-1)|``; their mean over the baseline
  (``mR-bar``) measures routine, point-to-point variation.
* **Natural process limits**: ``centre ± 2.66 * mR-bar`` (2.66 = 3 / 1.128, three
  sigma estimated from the moving ranges).
* **Upper range limit**: ``3.268 * mR-bar``; a moving range above it is a jump.

Signals (Western Electric / Wheeler detection rules), each switchable with ``rules``:

* ``outside_limits``: a value beyond a natural process limit. The plainest signal.
* ``run``: ``run_length`` (default 8) values in a row on the same side of the centre
  line; a value exactly on the centre line ends the run. Catches a sustained, modest
  shift that never crosses a limit.
* ``three_of_four``: three of four values in a row closer to the same limit than to
  the centre line (beyond ``centre ± 1.33 * mR-bar``, i.e. beyond 1.5 sigma).
  Catches a moderate shift sooner than a run does.
* ``large_jump``: a moving range above the upper range limit: an abrupt change
  between two periods, even when both values are within the limits.
* ``trend``: ``trend_length`` (default 6) values in a row each higher (or each
  lower) than the one before; a repeated value ends it. Wheeler leaves trends out
  because the other rules usually catch them first; Tandem includes it because KPI
  owners look for trends, and a steady drift inside the limits is what a scorecard's
  colours miss. ``rules`` can switch it off.

A signal in the last ``run_length`` values makes the chart's verdict ``shift_up`` or
``shift_down`` (from its most recent signal) with the point where that signal began
("a real shift up since week 12"); otherwise the verdict is ``noise``: the variation
is routine and no single value deserves an explanation. Up and down are about the
values; whether up is good depends on the KPI's direction, which the page knows.

Fewer than ``min_points`` values (default 6) give the verdict ``not_enough_data``
and no limits. A baseline whose values are all equal has no routine variation, so
its limits sit on the centre line and any other value is a signal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum

NPL_FACTOR = Decimal("2.66")
URL_FACTOR = Decimal("3.268")
# Halfway from the centre line to a limit: 1.5 sigma.
ZONE_FACTOR = NPL_FACTOR / 2
DEFAULT_BASELINE_POINTS = 20
DEFAULT_MIN_POINTS = 6
DEFAULT_RUN_LENGTH = 8
DEFAULT_TREND_LENGTH = 6
VALUE_QUANTUM = Decimal("0.0001")


class Rule(StrEnum):
    OUTSIDE_LIMITS = "outside_limits"
    RUN = "run"
    THREE_OF_FOUR = "three_of_four"
    LARGE_JUMP = "large_jump"
    TREND = "trend"

    @property
    def label(self) -> str:
        return {
            Rule.OUTSIDE_LIMITS: "Outside the natural process limits",
            Rule.RUN: "A run on one side of the average",
            Rule.THREE_OF_FOUR: "Three of four values near a limit",
            Rule.LARGE_JUMP: "A jump larger than routine",
            Rule.TREND: "A trend",
        }[self]


ALL_RULES = frozenset(Rule)


class Movement(StrEnum):
    UP = "up"
    DOWN = "down"


class Verdict(StrEnum):
    NOT_ENOUGH_DATA = "not_enough_data"
    NOISE = "noise"
    SHIFT_UP = "shift_up"
    SHIFT_DOWN = "shift_down"

    @property
    def label(self) -> str:
        return {
            Verdict.NOT_ENOUGH_DATA: "Not enough data",
            Verdict.NOISE: "Routine variation",
            Verdict.SHIFT_UP: "Real shift up",
            Verdict.SHIFT_DOWN: "Real shift down",
        }[self]


@dataclass(frozen=True, slots=True)
class Signal:
    """One detected pattern: the rule, its direction and the values it spans (indexes)."""

    rule: Rule
    movement: Movement
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Point:
    """One value on the chart with its moving range and the rules it is part of."""

    index: int
    value: Decimal
    moving_range: Decimal | None
    rules: frozenset[Rule]


@dataclass(frozen=True, slots=True)
class XmRChart:
    """The chart; limits are ``None`` when there is not enough data.

    ``summary`` is English; ``rule`` is the rule of the signal behind a shift (``None``
    otherwise), from which the pages say the summary in the reader's language.
    """

    verdict: Verdict
    summary: str
    centre: Decimal | None
    lower_limit: Decimal | None
    upper_limit: Decimal | None
    average_moving_range: Decimal | None
    upper_range_limit: Decimal | None
    baseline_points: int
    points: tuple[Point, ...]
    signals: tuple[Signal, ...]
    since: int | None
    rule: Rule | None = None


def _q(value: Decimal) -> Decimal:
    return value.quantize(VALUE_QUANTUM, rounding=ROUND_HALF_UP)


def _side(value: Decimal, centre: Decimal) -> int:
    return (value > centre) - (value < centre)


def _movement(sign: int) -> Movement:
    return Movement.UP if sign > 0 else Movement.DOWN


def _runs(values: Sequence[Decimal], centre: Decimal, length: int) -> list[Signal]:
    signals = []
    start, side = 0, _side(values[0], centre)
    for i in range(1, len(values) + 1):
        current = _side(values[i], centre) if i < len(values) else 0
        if side != 0 and current == side:
            continue
        if side != 0 and i - start >= length:
            signals.append(Signal(Rule.RUN, _movement(side), start, i - 1))
        start, side = i, current
    return signals


def _trends(values: Sequence[Decimal], length: int) -> list[Signal]:
    signals = []
    start, direction = 0, 0
    for i in range(1, len(values) + 1):
        step = _side(values[i], values[i - 1]) if i < len(values) else 0
        if step != 0 and step == direction:
            continue
        if direction != 0 and i - start >= length:
            signals.append(Signal(Rule.TREND, _movement(direction), start, i - 1))
        # A rise that turns into a fall shares its top value with the fall.
        start, direction = (i - 1, step) if step != 0 else (i, 0)
    return signals


def _three_of_four(values: Sequence[Decimal], centre: Decimal, zone: Decimal) -> list[Signal]:
    signals: list[Signal] = []
    for sign in (1, -1):
        beyond = [sign * (v - centre) > zone for v in values]
        for end in range(3, len(values)):
            window = range(end - 3, end + 1)
            if sum(beyond[i] for i in window) < 3:
                continue
            flagged = [i for i in window if beyond[i]]
            last = signals[-1] if signals else None
            if last and last.movement is _movement(sign) and last.end >= flagged[0]:
                signals[-1] = Signal(Rule.THREE_OF_FOUR, last.movement, last.start, flagged[-1])
            else:
                signals.append(Signal(Rule.THREE_OF_FOUR, _movement(sign), flagged[0], flagged[-1]))
    return signals


def _describe(index: int, labels: Sequence[str] | None) -> str:
    return labels[index] if labels is not None else f"value {index + 1}"


def xmr_chart(
    values: Sequence[Decimal],
    *,
    labels: Sequence[str] | None = None,
    baseline_points: int = DEFAULT_BASELINE_POINTS,
    min_points: int = DEFAULT_MIN_POINTS,
    run_length: int = DEFAULT_RUN_LENGTH,
    trend_length: int = DEFAULT_TREND_LENGTH,
    rules: frozenset[Rule] = ALL_RULES,
) -> XmRChart:
    """The XmR chart of ``values`` (oldest first) and its signals (see the module).

    ``labels`` names each value's period ("week 12") for the summary.
    """
    if labels is not None and len(labels) != len(values):
        raise ValueError("give one label per value")
    if min_points < 2 or baseline_points < 2:
        raise ValueError("an XmR chart needs at least two values for a moving range")
    if run_length < 2 or trend_length < 3:
        raise ValueError("a run needs at least 2 values and a trend at least 3")
    if any(not v.is_finite() for v in values):
        raise ValueError("KPI values must be finite numbers")
    ranges: list[Decimal | None] = [None] + [
        abs(values[i] - values[i - 1]) for i in range(1, len(values))
    ]
    if len(values) < min_points:
        return XmRChart(
            verdict=Verdict.NOT_ENOUGH_DATA,
            summary=f"Not enough data: signals need at least {min_points} values.",
            centre=None,
            lower_limit=None,
            upper_limit=None,
            average_moving_range=None,
            upper_range_limit=None,
            baseline_points=0,
            points=tuple(Point(i, v, ranges[i], frozenset()) for i, v in enumerate(values)),
            signals=(),
            since=None,
        )
    baseline = values[: min(baseline_points, len(values))]
    centre = sum(baseline, Decimal(0)) / len(baseline)
    average_range = sum(
        (abs(baseline[i] - baseline[i - 1]) for i in range(1, len(baseline))), Decimal(0)
    ) / (len(baseline) - 1)
    upper, lower = centre + NPL_FACTOR * average_range, centre - NPL_FACTOR * average_range
    range_limit = URL_FACTOR * average_range
    zone = ZONE_FACTOR * average_range

    signals: list[Signal] = []
    if Rule.OUTSIDE_LIMITS in rules:
        signals += [
            Signal(Rule.OUTSIDE_LIMITS, _movement(_side(v, centre)), i, i)
            for i, v in enumerate(values)
            if v > upper or v < lower
        ]
    if Rule.LARGE_JUMP in rules:
        signals += [
            Signal(Rule.LARGE_JUMP, _movement(_side(values[i], values[i - 1])), i - 1, i)
            for i in range(1, len(values))
            if (mr := ranges[i]) is not None and mr > range_limit
        ]
    if Rule.RUN in rules:
        signals += _runs(values, centre, run_length)
    if Rule.THREE_OF_FOUR in rules:
        signals += _three_of_four(values, centre, zone)
    if Rule.TREND in rules:
        signals += _trends(values, trend_length)
    signals.sort(key=lambda s: (s.end, -s.start, s.rule))

    marks: list[set[Rule]] = [set() for _ in values]
    for signal in signals:
        sign = 1 if signal.movement is Movement.UP else -1
        for i in range(signal.start, signal.end + 1):
            # A jump belongs to the value that jumped, not to the one before it; three
            # of four marks the three near the limit, not the fourth.
            if signal.rule is Rule.LARGE_JUMP and i != signal.end:
                continue
            if signal.rule is Rule.THREE_OF_FOUR and sign * (values[i] - centre) <= zone:
                continue
            marks[i].add(signal.rule)

    recent = [s for s in signals if s.end >= len(values) - run_length]
    latest = max(recent, key=lambda s: (s.end, -s.start), default=None)
    if latest is None:
        verdict, since = Verdict.NOISE, None
        summary = f"Routine variation: no signal in the last {run_length} values."
    else:
        verdict = Verdict.SHIFT_UP if latest.movement is Movement.UP else Verdict.SHIFT_DOWN
        since = latest.start
        summary = (
            f"Real shift {latest.movement.value} since {_describe(since, labels)} "
            f"({latest.rule.label.lower()})."
        )
    return XmRChart(
        verdict=verdict,
        summary=summary,
        centre=_q(centre),
        lower_limit=_q(lower),
        upper_limit=_q(upper),
        average_moving_range=_q(average_range),
        upper_range_limit=_q(range_limit),
        baseline_points=len(baseline),
        points=tuple(Point(i, v, ranges[i], frozenset(marks[i])) for i, v in enumerate(values)),
        signals=tuple(signals),
        since=since,
        rule=latest.rule if latest is not None else None,
    )
