"""KPI forecasts: a KPI's next periods with an 80% band, and a warning before it turns red.

Method, on the KPI's values in period order (periods without a value are left out, as
the signals do):

1. With fewer than ``MIN_VALUES`` (8) values there is too little history: no forecast
   (:attr:`KPIForecast.too_little_history`), and pages say so instead of a band.
2. On the latest ``WINDOW`` (52) values, a damped-trend exponential smoothing (Holt's
   linear method with a damped trend) is fitted: a *level* that follows each new value
   by a share ``alpha`` of the surprise, and a *trend* that follows the level's changes
   by a share ``beta`` (from none, or from the first change) and fades by ``phi`` each
   period. ``alpha``, ``beta`` and ``phi`` are the combination of ``ALPHAS``, ``BETAS`` and
   ``DAMPINGS`` whose one-period-ahead forecasts over the window erred least (least
   squares), a learned trend only when it errs less per degree of freedom left than
   the level alone. A KPI that wanders keeps a high ``alpha`` (close to its last
   value); a noisy but steady one a low ``alpha`` (close to its average); a drift shows
   in the trend, which fades, since a KPI's drift rarely holds for long.
3. A season (``season`` periods, ``SEASONS`` by frequency: a quarter of weeks, a year
   of months) is looked for once the window holds two of them: each position's mean
   distance from the mean of its season over the latest whole seasons. It is kept when
   smoothing the values without it errs, per degree of freedom left, at most
   ``SEASONAL_GAIN`` (0.8) as much as smoothing them as they are.
4. The forecast ``h`` periods ahead is ``level + trend * (phi + phi^2 + ... + phi^h)``
   plus the season's index for that period.
5. A KPI that backs a key result (a :class:`CyclePlan`: the cycle's first and last
   period, the key result's baseline and target) is expected to move towards the
   target in the cycle's periods: each of them adds ``PLAN_LEAN`` (0.8) times the
   *needed pace* (``(target - baseline) / periods in the cycle``), weighted by the
   share of the cycle still to come, ``w``, while the smoothing's trend counts only
   ``1 - w`` there. Before the cycle starts the plan counts fully (nothing in the
   history foretells the change it brings); as the cycle runs, the KPI's own trend
   takes over, so a stall shows. ``PLAN_LEAN`` is :func:`measured_lean`: how far the
   calibration seeds' backing KPIs got by their cycle's end, as a share of the way.
6. How sure: ``sigma``, the root mean square of those one-period-ahead errors, grows
   with the horizon as this model's errors add up (``sigma * sqrt(1 + sum of c_j^2)``
   for ``j < h``, ``c_j = alpha * (1 + beta * (phi + ... + phi^j))``); for a KPI that
   backs a key result it adds, in quadrature, ``PLAN_SPREAD`` times the needed pace
   for each cycle period ahead (the pace is not sure), the smallest multiple that holds
   80% of the backing calibration series (:func:`calibrate_plan_spread`). The band ``h``
   periods ahead is the forecast plus or minus ``BAND[h - 1]`` times that spread:
   multipliers measured by :func:`calibrate` (split conformal) on generated KPI series
   whose seeds are never used to report the backtest, so that the band holds the true
   value 80% of the time.
7. The chance that a period ahead is red reads the band as the 80% interval of a
   normal error, against the KPI's red edge (where yellow ends). :func:`red_warning`
   warns at the first period ahead, within the horizon, whose chance of red is at least
   ``WARN_PROBABILITY`` (35%) while the latest value is not red ("likely red in 3
   weeks").

:func:`backtest` scores the forecast on series with known futures against three naive
forecasts: the last value carried forward, the mean of the last ``MEAN_OF`` values, and
the value a season earlier (seasonal naive); and scores the warning by what happened
(precision and recall). Floats are used inside the statistical model; results are
``Decimal`` rounded to the precision Tandem stores.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from tandem.domain.health import (
    Direction,
    Health,
    Thresholds,
    health,
    range_tolerance,
    threshold_errors,
    yellow_boundary,
)
from tandem.domain.periods import Frequency

MIN_VALUES = 8
WINDOW = 52
HORIZON = 6
LEVEL = Decimal("0.8")
DAMPINGS = (0.7, 0.85, 0.98)
ALPHAS = (0.1, 0.2, 0.3, 0.45, 0.6, 0.8, 1.0)
BETAS = (0.0, 0.05, 0.1)
# ``|error| / spread`` at 80%, one to six periods ahead, measured by ``tandem
# forecast_backtest --calibrate`` on the KPI calibration seeds.
BAND = (1.42, 1.44, 1.43, 1.44, 1.45, 1.44)
# A season is looked for with at least two of them in the window, and kept when it
# cuts the errors (per parameter) by a fifth.
SEASONS_NEEDED = 2
SEASONAL_GAIN = 0.8
# A period ahead is "likely red" from this chance on.
WARN_PROBABILITY = 0.35
# The seasons looked for, in periods: a week of days, a quarter of weeks (quarter-end
# pushes), a year of months or of quarters.
SEASONS = {
    Frequency.DAILY: 7,
    Frequency.WEEKLY: 13,
    Frequency.MONTHLY: 12,
    Frequency.QUARTERLY: 4,
}
SEASON = SEASONS[Frequency.WEEKLY]
VALUE_QUANTUM = Decimal("0.0001")
PROBABILITY_QUANTUM = Decimal("0.01")
_Z = 1.2815515655446004  # the 90th percentile of the standard normal: an 80% band
# A KPI backing a key result is expected, in the key result's cycle, to move towards
# its target at ``PLAN_LEAN`` times the pace the key result needs, with a spread of
# ``PLAN_SPREAD`` times that pace per cycle period ahead (see ``CyclePlan``); both
# measured by ``tandem forecast_backtest --calibrate`` on the KPI calibration seeds.
PLAN_LEAN = 0.8
PLAN_SPREAD = 0.25


@dataclass(frozen=True, slots=True)
class KPIStep:
    """The forecast ``ahead`` periods after the latest value, with its 80% band and
    ``spread``, the standard deviation of a normal error whose 80% interval is the band."""

    ahead: int
    value: Decimal
    low: Decimal
    high: Decimal
    spread: Decimal


@dataclass(frozen=True, slots=True)
class KPIForecast:
    """The next periods of a KPI; no step when there was too little history.
    ``values`` counts the values the forecast read."""

    steps: tuple[KPIStep, ...]
    values: int
    level: Decimal = LEVEL

    @property
    def too_little_history(self) -> bool:
        return not self.steps


@dataclass(frozen=True, slots=True)
class RedWarning:
    """The first period ahead that is likely red, and the chance that it is."""

    step: KPIStep
    probability: Decimal

    @property
    def ahead(self) -> int:
        return self.step.ahead


@dataclass(frozen=True, slots=True)
class CyclePlan:
    """A key result that a KPI backs: the first and the last period of its cycle,
    counted in periods after the KPI's latest value (0 is the latest value's own
    period, negative ones came before it), and the key result's baseline and target.

    In the cycle's periods the forecast leans towards the target: see the module."""

    start: int
    end: int
    baseline: Decimal
    target: Decimal

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"a cycle ends after it starts, got {self.start} to {self.end}")

    @property
    def pace(self) -> float:
        """The change per period that reaches the target by the cycle's end."""
        return float(self.target - self.baseline) / (self.end - self.start + 1)

    @property
    def to_come(self) -> float:
        """The share of the cycle's periods after the latest value's (1 before it starts,
        0 once it is over)."""
        after = self.end - max(self.start - 1, 0)
        return max(0.0, min(1.0, after / (self.end - self.start + 1)))

    def periods_in(self, ahead: int) -> int:
        """How many of the periods 1 to ``ahead`` after the latest value are in the cycle."""
        return max(0, min(ahead, self.end) - max(1, self.start) + 1)


@dataclass(frozen=True, slots=True)
class _Fit:
    points: tuple[float, ...]
    spreads: tuple[float, ...]  # before the band's multipliers
    seasonal: bool = False


def _smooth(
    ys: Sequence[float], alpha: float, beta: float, phi: float, first: bool = False
) -> tuple[float, float, float]:
    """Run damped Holt over ``ys``: the final level and trend, and the sum of squared
    one-period-ahead errors (from the third value on: the first two set it up). The
    trend starts at none, or with ``first`` at the first change."""
    level, trend = ys[0], (ys[1] - ys[0] if first else 0.0)
    sse = 0.0
    for i, y in enumerate(ys[1:], start=1):
        expected = level + phi * trend
        if i >= 2:
            sse += (y - expected) ** 2
        new_level = expected + alpha * (y - expected)
        trend = beta * (new_level - level) + (1.0 - beta) * phi * trend
        level = new_level
    return level, trend, sse


# Each trend setting from no trend and from the first change; no trend at all once.
_STARTS = tuple((beta, False) for beta in BETAS) + tuple((b, True) for b in BETAS if b > 0)


def _holt(window: Sequence[float]) -> tuple[float, float, float, float, float, float]:
    """The best damped Holt over ``window``: its squared errors' sum, ``alpha``,
    ``beta``, ``phi``, and the final level and trend. Each trend setting is tried
    starting at none and at the first change: starting only at the first change
    carries the noise of two values into every setting and lets it pick the settings
    (on the calibration series it erred a fifth more on drifting KPIs), starting only
    at none learns a clean line slowly. A learned trend (``beta > 0``)
    counts only when it errs less, per degree of freedom left (two fewer: ``beta`` and
    ``phi``), than the best level without one: in-sample a trend always fits a
    wandering KPI a little better, and carrying that forward errs more."""
    best: tuple[float, float, float, float, float, float] | None = None
    level_only: tuple[float, float, float, float, float, float] | None = None
    for phi in DAMPINGS:
        for alpha in ALPHAS:
            for beta, first in _STARTS:
                level, trend, sse = _smooth(window, alpha, beta, phi, first)
                fit = (sse, alpha, beta, phi, level, trend)
                if best is None or sse < best[0] - 1e-12 * (1.0 + best[0]):
                    best = fit
                if beta == 0.0 and (
                    level_only is None or sse < level_only[0] - 1e-12 * (1.0 + level_only[0])
                ):
                    level_only = fit
    assert best is not None
    assert level_only is not None
    errors = len(window) - 2
    if best[2] > 0.0 and best[0] / (errors - 2) >= level_only[0] / errors:
        return level_only
    return best


def _seasonal_indices(window: Sequence[float], season: int) -> list[float]:
    """How far each position in the season sits above the mean of its season, averaged
    over the latest whole seasons of ``window`` (summing to zero). Index ``k`` is for
    the positions ``t`` of the window with ``t % season == k``."""
    n = len(window)
    sums = [0.0] * season
    whole = n // season
    for first in range(n - whole * season, n, season):
        chunk = window[first : first + season]
        mean = sum(chunk) / season
        for offset, y in enumerate(chunk):
            sums[(first + offset) % season] += y - mean
    return [total / whole for total in sums]


def _fit(
    values: Sequence[float],
    horizon: int,
    season: int | None = None,
    plan: CyclePlan | None = None,
    lean: float = PLAN_LEAN,
    widen: float = PLAN_SPREAD,
) -> _Fit | None:
    if len(values) < MIN_VALUES:
        return None
    window = list(values[-WINDOW:])
    n = len(window)
    sse, alpha, beta, phi, level, trend = _holt(window)
    errors = n - 2
    indices = [0.0]
    if season and season > 1 and n >= SEASONS_NEEDED * season:
        # A season counts when smoothing the values without it errs, for the parameters
        # it costs, at most ``SEASONAL_GAIN`` as much as smoothing them with it.
        found = _seasonal_indices(window, season)
        adjusted = [y - found[t % season] for t, y in enumerate(window)]
        fitted = _holt(adjusted)
        if fitted[0] / (errors - season + 1) < SEASONAL_GAIN * sse / errors:
            sse, alpha, beta, phi, level, trend = fitted
            errors -= season - 1
            indices = found
    sigma = math.sqrt(sse / errors)
    if sigma <= 1e-12 * (1.0 + abs(level)):
        # A KPI that never moved: a band of a hundredth of its size, never none at all.
        sigma = max(abs(level) * 0.01, 1e-4)
    pace = plan.pace if plan is not None else 0.0
    # In the cycle, the planned pace weighs as much as the share of the cycle to come.
    trust = plan.to_come if plan is not None else 0.0
    points, spreads = [], []
    carried = 0.0  # phi + phi^2 + ... + phi^ahead
    trended = 0.0  # the same, each period weighted by how much its trend is kept
    growth = 1.0
    for ahead in range(1, horizon + 1):
        damped = phi**ahead
        carried += damped
        in_cycle = plan is not None and plan.start <= ahead <= plan.end
        trended += (1.0 - trust) * damped if in_cycle else damped
        point = level + trend * trended + indices[(n + ahead - 1) % len(indices)]
        spread = sigma * math.sqrt(growth)
        if plan is not None:
            periods = plan.periods_in(ahead)
            point += trust * lean * pace * periods
            spread = math.hypot(spread, widen * abs(pace) * periods)
        points.append(point)
        spreads.append(spread)
        # The share of this period's surprise still in the forecast ``ahead`` periods on.
        c = alpha * (1.0 + beta * carried)
        growth += c * c
    return _Fit(points=tuple(points), spreads=tuple(spreads), seasonal=len(indices) > 1)


def _quantized(value: float, quantum: Decimal = VALUE_QUANTUM) -> Decimal:
    return Decimal(repr(value)).quantize(quantum, rounding=ROUND_HALF_UP)


def forecast_kpi(
    values: Iterable[Decimal | None],
    *,
    horizon: int = HORIZON,
    season: int | None = None,
    band: Sequence[float] = BAND,
    plan: CyclePlan | None = None,
) -> KPIForecast:
    """Forecast the next ``horizon`` periods of a KPI from its values, oldest first
    (``None`` for a period without a value), leaning in ``plan``'s cycle towards the
    key result the KPI backs; see the module."""
    if not 1 <= horizon <= len(band):
        raise ValueError(f"the horizon is 1 to {len(band)} periods, got {horizon}")
    known = [float(v) for v in values if v is not None]
    if any(not math.isfinite(v) for v in known):
        raise ValueError("KPI values must be finite numbers")
    fit = _fit(known, horizon, season, plan)
    if fit is None:
        return KPIForecast(steps=(), values=len(known))
    steps = []
    for ahead, (point, spread) in enumerate(zip(fit.points, fit.spreads, strict=True), start=1):
        half = band[ahead - 1] * spread
        steps.append(
            KPIStep(
                ahead=ahead,
                value=_quantized(point),
                low=_quantized(point - half),
                high=_quantized(point + half),
                spread=_quantized(half / _Z),
            )
        )
    return KPIForecast(steps=tuple(steps), values=len(known))


def _normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def _red_chance(point: float, spread: float, thresholds: Thresholds, direction: Direction) -> float:
    """``P(red)`` for a normal value around ``point``: below the red edge of a higher is
    better KPI, above it for lower is better, beyond either edge for a range."""
    if direction is Direction.WITHIN_RANGE:
        tolerance = float(range_tolerance(thresholds))
        assert thresholds.low is not None
        assert thresholds.high is not None
        edges = (float(thresholds.low) - tolerance, float(thresholds.high) + tolerance)
    else:
        edge = float(yellow_boundary(thresholds, direction))
        edges = (edge, math.inf) if direction is Direction.HIGHER_IS_BETTER else (-math.inf, edge)
    low, high = edges
    if spread <= 0:
        return 1.0 if point < low or point > high else 0.0
    below = _normal_cdf((low - point) / spread) if low > -math.inf else 0.0
    above = 1.0 - _normal_cdf((high - point) / spread) if high < math.inf else 0.0
    return below + above


def red_probability(step: KPIStep, *, thresholds: Thresholds, direction: Direction) -> Decimal:
    """The chance that the period ``step`` forecasts is red (see the module)."""
    direction = Direction(direction)
    errors = threshold_errors(thresholds, direction)
    if errors:
        raise ValueError("; ".join(f"{k}: {v}" for k, v in errors.items()))
    chance = _red_chance(float(step.value), float(step.spread), thresholds, direction)
    return _quantized(max(0.0, min(1.0, chance)), PROBABILITY_QUANTUM)


def red_warning(
    forecast: KPIForecast,
    *,
    latest: Decimal | None,
    thresholds: Thresholds,
    direction: Direction,
    probability: float = WARN_PROBABILITY,
) -> RedWarning | None:
    """The first forecast period whose chance of red is at least ``probability`` while
    the latest value is not red; ``None`` when the KPI is red already, has no forecast,
    or is likely to stay out of the red."""
    direction = Direction(direction)
    if latest is None or health(latest, thresholds, direction) is Health.RED:
        return None
    for step in forecast.steps:
        chance = red_probability(step, thresholds=thresholds, direction=direction)
        if chance >= Decimal(repr(probability)):
            return RedWarning(step=step, probability=chance)
    return None


# -- backtest ---------------------------------------------------------------------------

MEAN_OF = 4


@dataclass(frozen=True, slots=True)
class KPISeries:
    """A KPI's values, oldest first, the thresholds in force at each (one for all when
    only one is given), its direction, and the shape that made it."""

    values: tuple[Decimal, ...]
    thresholds: tuple[Thresholds, ...]
    direction: Direction
    shape: str = ""
    season: int = SEASON
    # A key result the KPI backs: its cycle's first and last index in ``values`` (the
    # last may lie beyond them), its baseline and its target.
    cycle: tuple[int, int, Decimal, Decimal] | None = None

    def __post_init__(self) -> None:
        if len(self.thresholds) not in (1, len(self.values)):
            raise ValueError("give one set of thresholds, or one per value")

    def plan_at(self, cut: int) -> CyclePlan | None:
        """The key result's cycle seen from a forecast of the values before ``cut``."""
        if self.cycle is None:
            return None
        first, last, baseline, target = self.cycle
        return CyclePlan(
            start=first - cut + 1, end=last - cut + 1, baseline=baseline, target=target
        )

    def thresholds_at(self, index: int) -> Thresholds:
        return self.thresholds[0] if len(self.thresholds) == 1 else self.thresholds[index]


class KPIMethod:
    FORECAST = "forecast"
    LAST_VALUE = "last_value"
    MEAN = "mean"
    SEASONAL = "seasonal"


KPI_METHODS = (KPIMethod.FORECAST, KPIMethod.LAST_VALUE, KPIMethod.MEAN, KPIMethod.SEASONAL)
KPI_METHOD_LABELS = {
    KPIMethod.FORECAST: "Tandem forecast",
    KPIMethod.LAST_VALUE: "last value carried forward",
    KPIMethod.MEAN: f"mean of the last {MEAN_OF} values",
    KPIMethod.SEASONAL: "seasonal naive (the value a season earlier)",
}


@dataclass(frozen=True, slots=True)
class KPIGroupScore:
    """Mean absolute errors as a share of the series' typical period-to-period change
    (its mean absolute change over the whole series: 1.0 is one typical change), per
    method, and the share of true values inside the 80% band."""

    name: str
    forecasts: int
    mae: dict[str, Decimal]
    coverage: Decimal

    @property
    def best_baseline(self) -> str:
        return min((m for m in self.mae if m != KPIMethod.FORECAST), key=lambda m: self.mae[m])

    @property
    def gain(self) -> Decimal:
        """How much lower the forecast's MAE is than the better baseline's, as a share."""
        return self.gain_over(self.best_baseline)

    def gain_over(self, method: str) -> Decimal:
        """How much lower the forecast's MAE is than ``method``'s, as a share."""
        theirs = self.mae[method]
        if theirs == 0:
            return Decimal(0)
        return _quantized(1 - float(self.mae[KPIMethod.FORECAST] / theirs))


def pooled(name: str, groups: Sequence[KPIGroupScore]) -> KPIGroupScore:
    """The scores of ``groups`` taken together (their means weighted by forecasts)."""
    n = sum(g.forecasts for g in groups)
    if not n:
        raise ValueError("pooling needs a group with forecasts")
    return KPIGroupScore(
        name=name,
        forecasts=n,
        mae={
            m: _quantized(sum(float(g.mae[m]) * g.forecasts for g in groups) / n)
            for m in KPI_METHODS
        },
        coverage=_quantized(sum(float(g.coverage) * g.forecasts for g in groups) / n),
    )


@dataclass(frozen=True, slots=True)
class WarningScore:
    """The red warning against what happened: of the forecasts made while the KPI was
    not red, how many warned, how many turned red within the horizon, and how many did
    both; ``precision`` is the share of warnings that came true, ``recall`` the share of
    turns to red warned of beforehand."""

    name: str
    cases: int
    warnings: int
    turned_red: int
    true_warnings: int

    @property
    def precision(self) -> Decimal | None:
        return _quantized(self.true_warnings / self.warnings) if self.warnings else None

    @property
    def recall(self) -> Decimal | None:
        return _quantized(self.true_warnings / self.turned_red) if self.turned_red else None


@dataclass(frozen=True, slots=True)
class KPIBacktestReport:
    series: int
    overall: KPIGroupScore
    by_shape: tuple[KPIGroupScore, ...]
    by_ahead: tuple[KPIGroupScore, ...]
    warning: WarningScore
    # The naive rule "warn when the latest value is yellow", for comparison.
    yellow_rule: WarningScore
    warnings_by_shape: tuple[WarningScore, ...] = ()


@dataclass
class _Tally:
    errors: dict[str, list[float]] = field(default_factory=lambda: {m: [] for m in KPI_METHODS})
    inside: list[bool] = field(default_factory=list)

    def score(self, name: str) -> KPIGroupScore:
        n = len(self.inside)
        return KPIGroupScore(
            name=name,
            forecasts=n,
            mae={m: _quantized(sum(e) / n) for m, e in self.errors.items()},
            coverage=_quantized(sum(self.inside) / n),
        )


@dataclass
class _Warnings:
    cases: int = 0
    warnings: int = 0
    turned: int = 0
    true: int = 0

    def add(self, warned: bool, turned: bool) -> None:
        self.cases += 1
        self.warnings += warned
        self.turned += turned
        self.true += warned and turned

    def score(self, name: str) -> WarningScore:
        return WarningScore(name, self.cases, self.warnings, self.turned, self.true)


@dataclass(frozen=True, slots=True)
class _Case:
    series: KPISeries
    values: list[float]
    fit: _Fit
    cut: int
    scale: float


def typical_change(values: Sequence[float]) -> float:
    """The unit the backtest measures errors in: the series' mean absolute change from
    one period to the next (a hundredth of its last value for a series that never
    moved)."""
    changes = [abs(b - a) for a, b in itertools.pairwise(values)]
    scale = sum(changes) / len(changes) if changes else 0.0
    if scale <= 0:
        scale = max(abs(values[-1]) * 0.01, 1e-4) if values else 1.0
    return scale


def backtest_cuts(length: int, every: int) -> range:
    """Where the backtest cuts a series of ``length`` values: every ``every``-th period
    from the ``MIN_VALUES``-th on, while ``HORIZON`` values remain to score."""
    if every < 1:
        raise ValueError(f"forecast every 1 period or more, got {every}")
    return range(MIN_VALUES, length - HORIZON + 1, every)


def _cases(
    series: Iterable[KPISeries],
    every: int,
    lean: float = PLAN_LEAN,
    widen: float = PLAN_SPREAD,
) -> Iterable[_Case]:
    backtest_cuts(0, every)  # checks ``every`` before any series
    for s in series:
        values = [float(v) for v in s.values]
        scale = typical_change(values)
        for cut in backtest_cuts(len(values), every):
            fit = _fit(values[:cut], HORIZON, s.season, s.plan_at(cut), lean, widen)
            assert fit is not None
            yield _Case(s, values, fit, cut, scale)


def calibrate(series: Iterable[KPISeries], *, every: int = 3) -> tuple[float, ...]:
    """The band's multipliers: for each period ahead, the 80th percentile of ``|error| /
    spread`` over forecasts from every ``every``-th period of each series."""
    ratios: list[list[float]] = [[] for _ in range(HORIZON)]
    for case in _cases(series, every):
        for ahead in range(HORIZON):
            error = abs(case.values[case.cut + ahead] - case.fit.points[ahead])
            ratios[ahead].append(error / case.fit.spreads[ahead])
    if not ratios[0]:
        raise ValueError(f"calibrating needs series of at least {MIN_VALUES + HORIZON} values")
    return tuple(round(sorted(r)[math.ceil(float(LEVEL) * len(r)) - 1], 2) for r in ratios)


def measured_lean(series: Iterable[KPISeries]) -> float:
    """How far, on average, KPIs backing a key result moved towards its target by the
    end of its cycle, as a share of the way from the baseline (to the nearest 0.05):
    over the series with a cycle that ends within their values."""
    shares = []
    for s in series:
        if s.cycle is None or s.cycle[1] >= len(s.values):
            continue
        _, last, baseline, target = s.cycle
        if target != baseline:
            shares.append(float((s.values[last] - baseline) / (target - baseline)))
    if not shares:
        raise ValueError("measuring the lean needs series backing a key result")
    return round(round(20 * sum(shares) / len(shares)) / 20, 2)


def calibrate_plan_spread(
    series: Iterable[KPISeries],
    *,
    band: Sequence[float] = BAND,
    lean: float = PLAN_LEAN,
    every: int = 3,
) -> float:
    """The smallest ``PLAN_SPREAD`` (in steps of 0.05) with which the band holds at
    least ``LEVEL`` of the true values of the series backing a key result."""
    backing = [s for s in series if s.cycle is not None]
    if not backing:
        raise ValueError("calibrating the plan's spread needs series backing a key result")
    for step in range(41):
        widen = step / 20
        inside = [
            abs(case.values[case.cut + a] - case.fit.points[a]) <= band[a] * case.fit.spreads[a]
            for case in _cases(backing, every, lean, widen)
            for a in range(HORIZON)
        ]
        if sum(inside) >= float(LEVEL) * len(inside):
            return widen
    raise ValueError("no spread up to 2.0 paces a period holds the backing series")


def _steps(fit: _Fit, band: Sequence[float]) -> tuple[KPIStep, ...]:
    return tuple(
        KPIStep(
            ahead=a + 1,
            value=_quantized(p),
            low=_quantized(p - band[a] * s),
            high=_quantized(p + band[a] * s),
            spread=_quantized(band[a] * s / _Z),
        )
        for a, (p, s) in enumerate(zip(fit.points, fit.spreads, strict=True))
    )


def backtest(
    series: Iterable[KPISeries],
    *,
    every: int = 3,
    band: Sequence[float] = BAND,
    probability: float = WARN_PROBABILITY,
) -> KPIBacktestReport:
    """Forecast every ``every``-th period of each series (from its ``MIN_VALUES``-th on)
    from the values before it, and score the forecast, the baselines, the band and the
    red warning against the next ``HORIZON`` values (see :class:`KPIBacktestReport`)."""
    series = list(series)
    total = _Tally()
    groups: dict[tuple[str, str], _Tally] = {}
    warn_total, yellow_total = _Warnings(), _Warnings()
    warn_shapes: dict[str, _Warnings] = {}
    for case in _cases(series, every):
        s, values, cut = case.series, case.values, case.cut
        last = values[cut - 1]
        recent = values[max(0, cut - MEAN_OF) : cut]
        mean = sum(recent) / len(recent)
        for ahead in range(HORIZON):
            index = cut + ahead
            truth = values[index]
            point = case.fit.points[ahead]
            half = band[ahead] * case.fit.spreads[ahead]
            # A season back, or the last value where the history is shorter than that.
            seasonal = values[index - s.season] if index - s.season >= 0 else last
            predictions = {
                KPIMethod.FORECAST: point,
                KPIMethod.LAST_VALUE: last,
                KPIMethod.MEAN: mean,
                KPIMethod.SEASONAL: seasonal,
            }
            for tally in (
                total,
                groups.setdefault(("shape", s.shape), _Tally()),
                groups.setdefault(("ahead", f"{ahead + 1}"), _Tally()),
            ):
                for method, predicted in predictions.items():
                    tally.errors[method].append(abs(predicted - truth) / case.scale)
                tally.inside.append(point - half <= truth <= point + half)
        latest = s.values[cut - 1]
        now = s.thresholds_at(cut - 1)
        colour = health(latest, now, s.direction)
        if colour is Health.RED:
            continue
        turned = any(
            health(s.values[cut + a], s.thresholds_at(cut + a), s.direction) is Health.RED
            for a in range(HORIZON)
        )
        warning = red_warning(
            KPIForecast(steps=_steps(case.fit, band), values=cut),
            latest=latest,
            thresholds=now,
            direction=s.direction,
            probability=probability,
        )
        warn_total.add(warning is not None, turned)
        warn_shapes.setdefault(s.shape, _Warnings()).add(warning is not None, turned)
        yellow_total.add(colour is Health.YELLOW, turned)
    if not total.inside:
        raise ValueError(f"a backtest needs series of at least {MIN_VALUES + HORIZON} values")

    def grouped(kind: str) -> tuple[KPIGroupScore, ...]:
        return tuple(
            tally.score(name)
            for (k, name), tally in sorted(groups.items(), key=lambda kv: kv[0])
            if k == kind
        )

    return KPIBacktestReport(
        series=len(series),
        overall=total.score("all"),
        by_shape=grouped("shape"),
        by_ahead=tuple(sorted(grouped("ahead"), key=lambda g: int(g.name))),
        warning=warn_total.score("all"),
        yellow_rule=yellow_total.score("naive: warn at every yellow value"),
        warnings_by_shape=tuple(w.score(name) for name, w in sorted(warn_shapes.items())),
    )
