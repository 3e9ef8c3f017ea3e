"""Forecasts: where a key result will end its cycle, how sure that is, and the odds of the target.

Everything is computed in *progress units* and *cycle time*: a value ``v`` becomes
``p = (v - baseline) / (target - baseline)`` and an instant becomes the elapsed
fraction ``t`` of the cycle (0 at its start, 1 at its end). The baseline is the
point ``(t=0, p=0)``, the target is ``p = 1`` whatever the direction, so "reaching
the target" is ``p >= 1``: for a decrease key result that is ``value <= target``.

Method (``ForecastMethod.TREND``, two or more check-ins):

1. The points are the baseline at the cycle's start plus every check-in up to
   ``now`` (check-ins before the start count as at the start).
2. Two robust paces are measured with Theil-Sen lines (the median of the slopes
   between every pair of points, so one odd check-in cannot swing them): the
   *overall* pace through every point, and the *recent* pace through the points of
   the latest ``RECENT_SHARE`` (30%) of the elapsed time, at least the last
   ``MIN_RECENT_POINTS`` (3).
3. The level today is the mean of the latest value and the recent line's value at
   the latest check-in (``LEVEL_WEIGHT``), which smooths a noisy last reading.
4. The trend is ``level + recent pace * (1 - exp(-k h)) / k`` with the horizon ``h =
   1 - t_last`` and ``k = DAMPING`` (3): the recent pace (a stall stays a stall, a
   loss goes on) fades as it is carried forward. A path that is plainly straight
   fades less: with at least four check-ins, ``k`` is scaled by ``bend``, the
   root-mean-square distance of the points from the overall line divided by 1%
   (``STRAIGHT``) of the distance covered (capped at 1), so check-ins exactly on a
   line forecast that line's end.
5. The trend's spread is the scatter of the recent points around their own line and
   ``PACE_SPREAD`` of the faster pace times the horizon (the pace may change),
   inflated by ``1 + 2 / (n - 2)`` with ``n`` points, as a small-sample t quantile
   would be.
6. The forecast leans towards ``prior_progress`` (0.7: where key results usually end,
   the sweet spot of a well-set stretch goal), with the weight ``bend * h *
   (PRIOR_WEIGHT + NOISE_WEIGHT * noise)``, ``noise`` being the spread against the
   distance the path reached (capped at 1): early in the cycle and on a noisy path a
   key result's own history says less about its end than what key results usually
   do. The weight does not depend on the target, so an easier target never gets a
   lower probability.
7. The band is asymmetric. Above the forecast its spread adds, in quadrature,
   ``PUSH_SPREAD * bend * h * (1 - forecast)`` (the further from the target with time
   left, the more room for a late push); below it, ``SETBACK_SPREAD * bend * h *
   forecast`` (the more gained, the more can be lost). Its ends are the forecast plus
   ``band_low`` times the spread below and ``band_high`` times the spread above: the
   10th and 90th percentiles of these scaled errors measured by :func:`calibrate` on
   generated histories (split conformal), whose seeds are never used to report the
   backtest (``tandem forecast_backtest --calibrate`` measures them again).
8. The probability of reaching the target is ``P(p_end >= 1)`` for a normal error
   with the spread of the side the target is on, scaled to match the band. The
   reported forecast is capped at ``FORECAST_LIMIT`` (5) times the distance from
   baseline to target either way: a burst in the first days, carried over a whole
   cycle, must not produce absurd numbers.

A :class:`Calibration` holds the prior and the band's quantiles, so that they can be
measured on other histories (an organisation's own closed cycles) and passed in.

Fewer check-ins fall back:

* no check-in (``NO_DATA``): nothing is known about the pace. The forecast is the
  baseline (no change), the band runs from the baseline to the target, and the
  probability is the base rate ``BASE_RATE`` (35%: Tandem assumes about a third of
  key results reach their target; a prior, not a measurement of this one).
* one check-in (``PACE_RANGE``): the band runs from "no further change" (the latest
  value) to "the straight-line pace from the baseline through it, continued to the
  end of the cycle". The forecast is the middle of the band. The probability mixes
  the share of that band past the target with the base rate, half and half. It is a
  plausible range, not a statistical interval.

Both say so (:attr:`Forecast.too_little_history`): pages show "too little history"
rather than a band that looks as sure as a measured one.
* the cycle is over (``ENDED``): the latest value (or the baseline, without any) is
  the result; the probability is 1 or 0.

Milestone key results are not forecast from values: :func:`milestone_forecast`
turns the owner's latest confidence (1-10) into a probability, 1 once done.

An objective's forecast (:func:`objective_forecast`) is the weighted mean of its key
results' forecast progress clamped to [0, 1] (the same roll-up as progress). Its band
is the weighted mean of the clamped band ends, which assumes the key results err
together: a cautious (wide) band. ``probability_all`` is the product of the
probabilities (the key results treated as independent) and ``expected_share`` the
weighted mean of the probabilities: the share of the key results expected to reach
their target ("most" when it is over a half).

:func:`backtest` measures the method against two naive baselines on histories with a
known end: the last value carried forward, and the straight-line pace from the
baseline through the last value; overall, per shape of history, per cut and per kind
of forecast, with a reliability table of the probability of the target. Floats are
used inside the statistical model; results are returned as ``Decimal`` rounded to the
precision Tandem stores.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from statistics import median

from tandem.domain.progress import (
    RAW_PROGRESS_LIMIT,
    SameBaselineAndTarget,
    clamp,
    quantize,
)

LEVEL = Decimal("0.8")
_Z = 1.2815515655446004  # the 90th percentile of the standard normal: an 80% band
BASE_RATE = 0.35
DAMPING = 3.0
RECENT_SHARE = 0.3
MIN_RECENT_POINTS = 3
LEVEL_WEIGHT = 0.5
STRAIGHT = 0.01
STRAIGHT_POINTS = 5
# Spread terms, in progress units (see steps 6 and 7).
PACE_SPREAD = 0.4
PUSH_SPREAD = 3.0
SETBACK_SPREAD = 1.5
# How much of the prior a trend forecast takes per unit of the cycle left (step 6).
PRIOR_WEIGHT = 0.1
NOISE_WEIGHT = 0.6
# A forecast far past the target says nothing more than "far past it"; extrapolating a
# burst of the first days over a whole cycle must not produce absurd numbers.
FORECAST_LIMIT = 5.0
# Where key results usually end (OKR guidance: 0.6-0.7 is a well-set stretch) and how
# widely; an organisation's own closed cycles can replace it (``Calibration``).
PRIOR_PROGRESS = 0.7
# The band's quantiles in units of its spreads, measured by ``tandem forecast_backtest
# --calibrate`` on generated histories whose seeds are never used to report results.
BAND_LOW = -0.51
BAND_HIGH = 0.66
VALUE_QUANTUM = Decimal("0.0001")
PROBABILITY_QUANTUM = Decimal("0.01")


class ForecastMethod(StrEnum):
    TREND = "trend"
    PACE_RANGE = "pace_range"
    NO_DATA = "no_data"
    ENDED = "ended"
    MILESTONE = "milestone"

    @property
    def label(self) -> str:
        return {
            ForecastMethod.TREND: "Recent trend",
            ForecastMethod.PACE_RANGE: "Between no change and the pace so far",
            ForecastMethod.NO_DATA: "No check-in yet",
            ForecastMethod.ENDED: "Cycle over",
            ForecastMethod.MILESTONE: "Owner's confidence",
        }[self]


@dataclass(frozen=True, slots=True)
class Observation:
    """One value of a key result at an instant.

    A check-in is at the instant it was made; a KPI measurement is at the end of the
    period it measures, when its value became known.
    """

    at: datetime
    value: Decimal


@dataclass(frozen=True, slots=True)
class Forecast:
    """A key result's expected end of cycle.

    ``value``, ``low`` and ``high`` are in the key result's unit, ``low <= value <=
    high`` numerically (for a decrease key result the better end is ``low``).
    ``progress*`` are the same in raw progress. ``probability`` is the chance of
    reaching the target, in [0, 1]; ``level`` is the band's coverage (0.8).
    ``observations`` counts the check-ins used.
    """

    value: Decimal | None
    low: Decimal | None
    high: Decimal | None
    progress: Decimal | None
    progress_low: Decimal | None
    progress_high: Decimal | None
    probability: Decimal
    method: ForecastMethod
    observations: int
    level: Decimal = LEVEL

    @property
    def likely(self) -> bool:
        return self.probability >= Decimal("0.5")

    @property
    def too_little_history(self) -> bool:
        """Whether the forecast rests on fewer than two check-ins: its band is a range
        of what is plausible, not a measured 80% band (the backtest finds it holds the
        end about 60% of the time), and pages say so instead of showing it."""
        return self.method in (ForecastMethod.NO_DATA, ForecastMethod.PACE_RANGE)


@dataclass(frozen=True, slots=True)
class _Model:
    """A forecast in progress units, before rounding."""

    point: float
    low: float
    high: float
    probability: float
    method: ForecastMethod


@dataclass(frozen=True, slots=True)
class Calibration:
    """What a trend forecast leans on besides the key result's own history.

    ``prior_progress`` and ``prior_spread``: where key results usually end their cycle
    (in progress) and how widely that varies; ``band_low`` and ``band_high``: the 10th
    and 90th percentiles of the forecast's errors, each in units of its own spread (see
    step 7), which make the band an 80% one. :func:`calibrate` measures the band's
    quantiles on histories with a known end.
    """

    prior_progress: float = PRIOR_PROGRESS
    band_low: float = BAND_LOW
    band_high: float = BAND_HIGH


DEFAULT_CALIBRATION = Calibration()


def _utc_seconds(moment: datetime) -> float:
    if moment.utcoffset() is None:
        raise ValueError("forecasts need timezone-aware datetimes")
    return moment.astimezone(UTC).timestamp()


def _normal_cdf(x: float) -> float:
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def _bounded(value: float) -> float:
    return max(-FORECAST_LIMIT, min(FORECAST_LIMIT, value))


def _theil_sen(ts: Sequence[float], ps: Sequence[float]) -> tuple[float, float]:
    slopes = [
        (ps[j] - ps[i]) / (ts[j] - ts[i])
        for i in range(len(ts))
        for j in range(i + 1, len(ts))
        if ts[j] - ts[i] > 1e-9
    ]
    slope = median(slopes) if slopes else 0.0
    intercept = median(p - slope * t for t, p in zip(ts, ps, strict=True))
    return slope, intercept


def _damped(horizon: float, rate: float) -> float:
    """How far a pace carries over ``horizon`` when it fades: ``(1 - exp(-k h)) / k``."""
    if rate <= 1e-9:
        return horizon
    return (1.0 - math.exp(-rate * horizon)) / rate


def _recent(ts: Sequence[float]) -> int:
    """Index of the first recent point: the latest ``RECENT_SHARE`` of the elapsed time,
    and at least the last ``MIN_RECENT_POINTS``."""
    since = ts[-1] * (1.0 - RECENT_SHARE)
    first = next(i for i, t in enumerate(ts) if t >= since)
    return min(first, max(0, len(ts) - MIN_RECENT_POINTS))


def _split_probability(point: float, below: float, above: float) -> float:
    """``P(p_end >= 1)`` for an error that is normal with spread ``below`` under the
    point and ``above`` over it (each half holding half the chance)."""
    spread = above if point <= 1.0 else below
    if spread <= 0:
        return 1.0 if point >= 1 else 0.0
    return 1.0 - _normal_cdf((1.0 - point) / spread)


def _trend_parts(
    ts: Sequence[float], ps: Sequence[float], prior_progress: float
) -> tuple[float, float, float]:
    """The trend's point and its spreads below and above it (steps 2-7)."""
    n = len(ts)
    t_last, p_last = ts[-1], ps[-1]
    horizon = max(0.0, 1.0 - t_last)
    overall, overall_intercept = _theil_sen(ts, ps)
    first = _recent(ts)
    recent, recent_intercept = _theil_sen(ts[first:], ps[first:])
    level = LEVEL_WEIGHT * p_last + (1.0 - LEVEL_WEIGHT) * (recent_intercept + recent * t_last)
    residuals = [p - overall_intercept - overall * t for t, p in zip(ts, ps, strict=True)]
    covered = abs(overall) * t_last
    rms = math.sqrt(sum(r * r for r in residuals) / n)
    bend = min(1.0, rms / (STRAIGHT * covered)) if covered > 1e-12 and n >= STRAIGHT_POINTS else 1.0
    trend = level + recent * _damped(horizon, DAMPING * bend)
    # How sure the trend is: the scatter of the recent points around their own line and
    # a share of the pace (it may change), inflated for few points as a small-sample t
    # quantile would be.
    recent_residuals = [
        p - recent_intercept - recent * t for t, p in zip(ts[first:], ps[first:], strict=True)
    ]
    scatter = math.sqrt(sum(r * r for r in recent_residuals) / max(1, len(recent_residuals) - 2))
    small_sample = 1.0 + 2.0 / max(1, n - 2)
    spread = small_sample * math.sqrt(
        scatter**2 + (PACE_SPREAD * max(abs(overall), abs(recent)) * horizon) ** 2
    )
    # Leaning towards where key results usually end: more with more time left and the
    # noisier the path is against the distance it covered; not at all on a plainly
    # straight path (``bend`` 0). Nothing here depends on the target but the prior, so
    # that an easier target never gets a lower probability.
    reach = max(abs(trend), *(abs(p) for p in ps))
    noise = min(1.0, spread / reach) if reach > 1e-12 else 1.0
    weight = bend * horizon * (PRIOR_WEIGHT + NOISE_WEIGHT * noise)
    point = (1.0 - weight) * trend + weight * prior_progress
    # The band: more room towards the target the further off it is (a late push), more
    # room back towards the baseline the more has been gained (ground can be lost). A
    # plainly straight path is trusted to stay on its line.
    push = bend * PUSH_SPREAD * horizon * max(0.0, 1.0 - point)
    setback = bend * SETBACK_SPREAD * horizon * max(0.0, point)
    above = math.sqrt(spread**2 + push**2)
    below = math.sqrt(spread**2 + setback**2)
    return point, below, above


def _trend(
    ts: Sequence[float], ps: Sequence[float], calibration: Calibration = DEFAULT_CALIBRATION
) -> _Model:
    """Steps 2-8 of the module's method on points that include the baseline (0, 0)."""
    point, below, above = _trend_parts(ts, ps, calibration.prior_progress)
    low = point + calibration.band_low * below
    high = point + calibration.band_high * above
    # The probability uses the unbounded point, so that it stays monotonic in the target.
    probability = _split_probability(
        point, -calibration.band_low * below / _Z, calibration.band_high * above / _Z
    )
    bounded = _bounded(point)
    return _Model(
        point=bounded,
        low=min(bounded, _bounded(low)),
        high=max(bounded, _bounded(high)),
        probability=probability,
        method=ForecastMethod.TREND,
    )


def _pace_range(t_last: float, p_last: float) -> _Model:
    pace_end = _bounded(p_last / t_last) if t_last > 1e-9 else p_last
    low, high = sorted((p_last, pace_end))
    point = (low + high) / 2
    if high > low:
        beyond = (high - max(low, min(high, 1.0))) / (high - low)
    else:
        beyond = 1.0 if low >= 1 else 0.0
    return _Model(
        point=point,
        low=low,
        high=high,
        probability=0.5 * beyond + 0.5 * BASE_RATE,
        method=ForecastMethod.PACE_RANGE,
    )


def _model(
    points: Sequence[tuple[float, float]],
    *,
    t_now: float,
    calibration: Calibration = DEFAULT_CALIBRATION,
) -> _Model:
    """The forecast in progress units from ``points`` (cycle time, progress), oldest first."""
    if t_now >= 1.0:
        # Nothing reported by the end means the key result ended at its baseline.
        p_end = points[-1][1] if points else 0.0
        return _Model(p_end, p_end, p_end, 1.0 if p_end >= 1 else 0.0, ForecastMethod.ENDED)
    if not points:
        return _Model(0.0, 0.0, 1.0, BASE_RATE, ForecastMethod.NO_DATA)
    if len(points) == 1:
        return _pace_range(*points[-1])
    ts = [0.0] + [t for t, _ in points]
    ps = [0.0] + [p for _, p in points]
    return _trend(ts, ps, calibration)


def _cycle_points(
    history: Iterable[Observation],
    *,
    baseline: Decimal,
    target: Decimal,
    start: datetime,
    end: datetime,
    now: datetime,
) -> tuple[list[tuple[float, float]], float]:
    if target == baseline:
        raise SameBaselineAndTarget("the target must differ from the baseline")
    t0, t1, tn = _utc_seconds(start), _utc_seconds(end), _utc_seconds(now)
    if t1 <= t0:
        raise ValueError("a cycle must end after it starts")
    span = float(target - baseline)
    points = []
    for observation in sorted(history, key=lambda o: _utc_seconds(o.at)):
        at = _utc_seconds(observation.at)
        if at > tn:
            continue  # not known yet at ``now`` (a backdated "now" in a backtest)
        t = min(1.0, max(0.0, (at - t0) / (t1 - t0)))
        points.append((t, float(observation.value - baseline) / span))
    return points, max(0.0, min(1.0, (tn - t0) / (t1 - t0)))


def _to_value(progress: float, *, baseline: Decimal, target: Decimal) -> Decimal:
    value = baseline + Decimal(repr(progress)) * (target - baseline)
    return value.quantize(VALUE_QUANTUM, rounding=ROUND_HALF_UP)


def _to_progress(progress: float) -> Decimal:
    limit = float(RAW_PROGRESS_LIMIT)
    return quantize(Decimal(repr(max(-limit, min(limit, progress)))))


def _to_probability(probability: float) -> Decimal:
    bounded = max(0.0, min(1.0, probability))
    return Decimal(repr(bounded)).quantize(PROBABILITY_QUANTUM, rounding=ROUND_HALF_UP)


def forecast_key_result(
    *,
    history: Iterable[Observation],
    baseline: Decimal,
    target: Decimal,
    start: datetime,
    end: datetime,
    now: datetime,
    calibration: Calibration = DEFAULT_CALIBRATION,
) -> Forecast:
    """Forecast a metric (or KPI-backed) key result's value at ``end`` (see the module).

    ``history`` holds its check-ins or measurements in any order; those after ``now``
    are ignored. All instants must be timezone-aware.
    """
    points, t_now = _cycle_points(
        history, baseline=baseline, target=target, start=start, end=end, now=now
    )
    model = _model(points, t_now=t_now, calibration=calibration)
    values = sorted(_to_value(p, baseline=baseline, target=target) for p in (model.low, model.high))
    return Forecast(
        value=_to_value(model.point, baseline=baseline, target=target),
        low=values[0],
        high=values[1],
        progress=_to_progress(model.point),
        progress_low=_to_progress(model.low),
        progress_high=_to_progress(model.high),
        probability=_to_probability(model.probability),
        method=model.method,
        observations=len(points),
    )


def milestone_forecast(*, done: bool, confidence: int | None) -> Forecast:
    """A milestone's chance of being done by the end: its owner's confidence out of 10.

    Done is certain; without a confidence the base rate applies. No value band: a
    milestone is done or not.
    """
    if confidence is not None and not (1 <= confidence <= 10):
        raise ValueError(f"confidence is on the 1-10 scale, got {confidence}")
    if done:
        probability = 1.0
    elif confidence is None:
        probability = BASE_RATE
    else:
        probability = confidence / 10
    progress = None if not done else quantize(Decimal(1))
    return Forecast(
        value=None,
        low=None,
        high=None,
        progress=progress,
        progress_low=progress,
        progress_high=progress,
        probability=_to_probability(probability),
        method=ForecastMethod.MILESTONE,
        observations=0,
    )


@dataclass(frozen=True, slots=True)
class WeightedForecast:
    forecast: Forecast
    weight: Decimal = Decimal(1)


@dataclass(frozen=True, slots=True)
class ObjectiveForecast:
    """An objective's forecast progress (clamped roll-up), its band and its odds."""

    progress: Decimal
    progress_low: Decimal
    progress_high: Decimal
    probability_all: Decimal
    expected_share: Decimal

    @property
    def most_likely(self) -> bool:
        """Whether more than half of the key results (by weight) are expected to make it."""
        return self.expected_share > Decimal("0.5")


def objective_forecast(items: Iterable[WeightedForecast]) -> ObjectiveForecast | None:
    """Roll key results' forecasts up into their objective's (see the module).

    A milestone without a forecast progress counts as its probability (its expected
    progress). ``None`` for an objective without key results.
    """
    total_weight = Decimal(0)
    point = low = high = share = Decimal(0)
    probability_all = Decimal(1)
    for item in items:
        if item.weight <= 0:
            raise ValueError(f"weight must be positive, got {item.weight}")
        f = item.forecast
        expected = f.probability
        total_weight += item.weight
        point += clamp(f.progress if f.progress is not None else expected) * item.weight
        low += clamp(f.progress_low if f.progress_low is not None else expected) * item.weight
        high += clamp(f.progress_high if f.progress_high is not None else expected) * item.weight
        share += f.probability * item.weight
        probability_all *= f.probability
    if total_weight == 0:
        return None
    return ObjectiveForecast(
        progress=quantize(point / total_weight),
        progress_low=quantize(low / total_weight),
        progress_high=quantize(high / total_weight),
        probability_all=probability_all.quantize(PROBABILITY_QUANTUM, rounding=ROUND_HALF_UP),
        expected_share=quantize(share / total_weight),
    )


# -- backtest ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class History:
    """A key result's whole cycle: its check-ins and the value it really ended at."""

    baseline: Decimal
    target: Decimal
    start: datetime
    end: datetime
    observations: tuple[Observation, ...]
    end_value: Decimal
    shape: str = ""


class BacktestMethod(StrEnum):
    FORECAST = "forecast"
    LAST_VALUE = "last_value"
    STRAIGHT_LINE = "straight_line"

    @property
    def label(self) -> str:
        return {
            BacktestMethod.FORECAST: "Tandem forecast",
            BacktestMethod.LAST_VALUE: "Last value carried forward",
            BacktestMethod.STRAIGHT_LINE: "Straight-line pace from the baseline",
        }[self]


@dataclass(frozen=True, slots=True)
class MethodScore:
    """One method's errors over a backtest (or a group of its forecasts).

    ``mae``: mean absolute error of the end progress (1.0 is the whole distance from
    baseline to target). ``coverage``: share of true ends inside the 80% band (only
    the forecast has a band). ``brier``: mean squared error of the probability of
    reaching the target; a baseline's probability is 1 when its point reaches the
    target and 0 otherwise.
    """

    method: BacktestMethod
    mae: Decimal
    coverage: Decimal | None
    brier: Decimal
    forecasts: int


@dataclass(frozen=True, slots=True)
class GroupScore:
    """The scores of the forecasts of one shape, one cut, or one kind of forecast."""

    name: str
    scores: tuple[MethodScore, ...]

    def score(self, method: BacktestMethod) -> MethodScore:
        return next(s for s in self.scores if s.method is method)


@dataclass(frozen=True, slots=True)
class ReliabilityBin:
    """Forecasts whose probability of the target fell in ``[low, high)``: how many,
    their mean probability, and the share of them that really reached the target."""

    low: Decimal
    high: Decimal
    forecasts: int
    predicted: Decimal | None
    observed: Decimal | None


@dataclass(frozen=True, slots=True)
class BacktestReport:
    scores: tuple[MethodScore, ...]
    histories: int
    cuts: tuple[Decimal, ...]
    shapes: tuple[GroupScore, ...] = ()
    by_cut: tuple[GroupScore, ...] = ()
    by_method: tuple[GroupScore, ...] = ()
    reliability: tuple[ReliabilityBin, ...] = ()

    def score(self, method: BacktestMethod) -> MethodScore:
        return next(s for s in self.scores if s.method is method)

    @property
    def best_baseline(self) -> MethodScore:
        return min(
            (s for s in self.scores if s.method is not BacktestMethod.FORECAST),
            key=lambda s: s.mae,
        )

    @property
    def gain(self) -> Decimal:
        """How much lower the forecast's MAE is than the better baseline's, as a share."""
        best = self.best_baseline.mae
        if best == 0:
            return Decimal(0)
        return _rounded(1 - float(self.score(BacktestMethod.FORECAST).mae / best))

    @property
    def beats_baselines(self) -> bool:
        """Whether the forecast's MAE is below both naive baselines'."""
        ours = self.score(BacktestMethod.FORECAST).mae
        return all(s.mae > ours for s in self.scores if s.method is not BacktestMethod.FORECAST)


DEFAULT_CUTS = (Decimal("0.25"), Decimal("0.5"), Decimal("0.75"))
# The trend band is calibrated to hold a little more than 80%: the bands of forecasts
# from one check-in or none are fixed by their definition and hold less.
TREND_COVERAGE = 0.84
RELIABILITY_BINS = 5


def _rounded(value: float) -> Decimal:
    return Decimal(repr(value)).quantize(VALUE_QUANTUM, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class _Case:
    """One forecast of a backtest: the history's shape, the cut, and what was known."""

    shape: str
    cut: Decimal
    points: list[tuple[float, float]]
    t_now: float
    truth: float


def _cases(histories: Iterable[History], cuts: Sequence[Decimal]) -> Iterable[_Case]:
    for history in histories:
        span = float(history.target - history.baseline)
        truth = float(history.end_value - history.baseline) / span
        t0, t1 = _utc_seconds(history.start), _utc_seconds(history.end)
        for cut in cuts:
            now = datetime.fromtimestamp(t0 + float(cut) * (t1 - t0), tz=UTC)
            points, t_now = _cycle_points(
                history.observations,
                baseline=history.baseline,
                target=history.target,
                start=history.start,
                end=history.end,
                now=now,
            )
            yield _Case(history.shape, cut, points, t_now, truth)


@dataclass
class _Tally:
    errors: dict[BacktestMethod, list[float]]
    briers: dict[BacktestMethod, list[float]]
    inside: list[bool]

    @classmethod
    def empty(cls) -> _Tally:
        return cls({m: [] for m in BacktestMethod}, {m: [] for m in BacktestMethod}, [])

    def scores(self) -> tuple[MethodScore, ...]:
        return tuple(
            MethodScore(
                method=method,
                mae=_rounded(sum(self.errors[method]) / len(self.errors[method])),
                coverage=(
                    _rounded(sum(self.inside) / len(self.inside))
                    if method is BacktestMethod.FORECAST
                    else None
                ),
                brier=_rounded(sum(self.briers[method]) / len(self.briers[method])),
                forecasts=len(self.errors[method]),
            )
            for method in BacktestMethod
        )


def backtest(
    histories: Iterable[History],
    *,
    cuts: Sequence[Decimal] = DEFAULT_CUTS,
    calibration: Calibration = DEFAULT_CALIBRATION,
) -> BacktestReport:
    """Forecast each history's end from its check-ins up to each cut (a share of the
    cycle), and score the forecast and the two baselines against the true end, overall,
    per shape, per cut and per kind of forecast; with a reliability table of the
    probability of the target."""
    histories = list(histories)
    total = _Tally.empty()
    groups: dict[tuple[str, str], _Tally] = {}
    probabilities: list[tuple[float, float]] = []
    for case in _cases(histories, cuts):
        model = _model(case.points, t_now=case.t_now, calibration=calibration)
        t_last, p_last = case.points[-1] if case.points else (0.0, 0.0)
        straight = _bounded(p_last / t_last) if t_last > 1e-9 else p_last
        reached = 1.0 if case.truth >= 1 else 0.0
        predictions = {
            BacktestMethod.FORECAST: (model.point, model.probability),
            BacktestMethod.LAST_VALUE: (p_last, 1.0 if p_last >= 1 else 0.0),
            BacktestMethod.STRAIGHT_LINE: (straight, 1.0 if straight >= 1 else 0.0),
        }
        inside = model.low <= case.truth <= model.high
        keys = (("shape", case.shape), ("cut", f"{case.cut}"), ("method", model.method.value))
        for tally in (total, *(groups.setdefault(key, _Tally.empty()) for key in keys)):
            for method, (point, probability) in predictions.items():
                tally.errors[method].append(abs(point - case.truth))
                tally.briers[method].append((probability - reached) ** 2)
            tally.inside.append(inside)
        probabilities.append((model.probability, reached))
    if not total.inside:
        raise ValueError("a backtest needs at least one history")

    def grouped(kind: str) -> tuple[GroupScore, ...]:
        return tuple(
            GroupScore(name, tally.scores())
            for (k, name), tally in sorted(groups.items())
            if k == kind
        )

    return BacktestReport(
        scores=total.scores(),
        histories=len(histories),
        cuts=tuple(cuts),
        shapes=grouped("shape"),
        by_cut=grouped("cut"),
        by_method=grouped("method"),
        reliability=_reliability(probabilities),
    )


def _reliability(pairs: Sequence[tuple[float, float]]) -> tuple[ReliabilityBin, ...]:
    bins = []
    for i in range(RELIABILITY_BINS):
        low, high = i / RELIABILITY_BINS, (i + 1) / RELIABILITY_BINS
        inside = [
            (p, r) for p, r in pairs if low <= p < high or (i == RELIABILITY_BINS - 1 and p >= high)
        ]
        bins.append(
            ReliabilityBin(
                low=_rounded(low),
                high=_rounded(high),
                forecasts=len(inside),
                predicted=_rounded(sum(p for p, _ in inside) / len(inside)) if inside else None,
                observed=_rounded(sum(r for _, r in inside) / len(inside)) if inside else None,
            )
        )
    return tuple(bins)


def _quantile(values: Sequence[float], share: float) -> float:
    ordered = sorted(values)
    position = share * (len(ordered) - 1)
    below = int(position)
    above = min(below + 1, len(ordered) - 1)
    return ordered[below] + (ordered[above] - ordered[below]) * (position - below)


def calibrate(
    histories: Iterable[History],
    *,
    cuts: Sequence[Decimal] = DEFAULT_CUTS,
    prior_progress: float = PRIOR_PROGRESS,
    coverage: float = TREND_COVERAGE,
) -> Calibration:
    """Measure the band's quantiles on histories with a known end (split conformal).

    Every trend forecast of every cut gives its error in units of its spread below and
    above the point; the 10th percentile of the first and the 90th of the second are
    ``band_low`` and ``band_high``. Use other histories to judge the result.
    """
    below_errors: list[float] = []
    above_errors: list[float] = []
    for case in _cases(histories, cuts):
        if len(case.points) < 2 or case.t_now >= 1.0:
            continue
        ts = [0.0] + [t for t, _ in case.points]
        ps = [0.0] + [p for _, p in case.points]
        point, below, above = _trend_parts(ts, ps, prior_progress)
        if below > 1e-12:
            below_errors.append((case.truth - point) / below)
        if above > 1e-12:
            above_errors.append((case.truth - point) / above)
    if not below_errors or not above_errors:
        raise ValueError("calibrating needs histories with at least two check-ins by a cut")
    return Calibration(
        prior_progress=prior_progress,
        band_low=round(_quantile(below_errors, (1 - coverage) / 2), 2),
        band_high=round(_quantile(above_errors, (1 + coverage) / 2), 2),
    )
