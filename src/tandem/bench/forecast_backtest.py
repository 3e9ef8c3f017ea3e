"""Generated key-result histories for backtesting Tandem's forecast, and the report table.

A history is a 13-week quarter of check-ins: weekly for 70% of the owners, every
other week for 20%, monthly for 10% (``CADENCE_WEIGHTS``). Its *shape* says how progress
unfolds over the cycle (``t`` from 0 to 1, progress 0 at the baseline and ``final``
at the end):

* ``steady``: the same pace all along;
* ``late``: an S-curve, little happens until a push in the second half;
* ``stalled``: a steady start, then nothing moves after some week;
* ``burst``: most of the progress early, then a plateau;
* ``noisy``: a steady pace read through large noise (a ratio that swings weekly);
* ``setback``: progress, then part of it lost (a churned account, a reopened backlog);
* ``drift``: a random walk that ends at ``final`` (a Brownian bridge), for a metric
  that wanders on its way.

``SHAPE_WEIGHTS`` says how often each shape is drawn.

``final`` (where the key result really ends) is drawn between 0.1 and 1.4 of the
way to the target, so some histories beat their target and many fall short, as real
OKRs do. Check-ins carry measurement noise, a share of weeks are missed, some owners
stop checking in before the end, and a third of the key results are decrease key
results (the target below the baseline). Values are rounded to whole units when the
scale is large, as people type them. The true end value is the value at the end of
the cycle, noise included, whether or not anybody checked in then.

The published backtest (``table``, ``tandem forecast_backtest``) pools seeds 7, 8 and
9 (``REPORT_SEEDS``) and forecasts from 25%, 50%, 60% and 75% of the cycle (``CUTS``).
The band's quantiles are measured on seeds 101-104 (``CALIBRATION_SEEDS``), and the
method's constants were chosen on those and on seeds 201-203; none of them is
reported.

Everything random comes from one ``random.Random(seed)``.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from tandem.domain.forecast import (
    DEFAULT_CALIBRATION,
    BacktestMethod,
    BacktestReport,
    Calibration,
    GroupScore,
    History,
    Observation,
    backtest,
    calibrate,
)

WEEKS = 13
START = datetime(2026, 1, 5, 9, tzinfo=UTC)
# How often each shape is drawn: steady progress is the common case; a late push, a
# stall, an early burst and a noisy ratio are each frequent; losing ground is rarer.
SHAPE_WEIGHTS = {
    "steady": 20,
    "late": 15,
    "stalled": 15,
    "burst": 15,
    "noisy": 10,
    "setback": 10,
    "drift": 15,
}
# How often an owner checks in: weekly, every other week, or monthly.
CADENCE_WEIGHTS = {1: 70, 2: 20, 4: 10}
SHAPES = tuple(SHAPE_WEIGHTS)

Shape = Callable[[float], float]


def _shape(name: str, final: float, rng: random.Random) -> Shape:
    if name in ("steady", "noisy"):
        return lambda t: final * t
    if name == "late":
        middle, width = rng.uniform(0.45, 0.85), rng.uniform(0.05, 0.15)

        def logistic(t: float) -> float:
            return 1 / (1 + math.exp(-(t - middle) / width))

        low, high = logistic(0.0), logistic(1.0)
        return lambda t: final * (logistic(t) - low) / (high - low)
    if name == "stalled":
        stall = rng.uniform(0.2, 0.7)
        return lambda t: final * min(t, stall) / stall
    if name == "burst":
        tau = rng.uniform(0.08, 0.35)
        scale = 1 - math.exp(-1 / tau)
        return lambda t: final * (1 - math.exp(-t / tau)) / scale
    if name == "setback":
        peak_at, kept = rng.uniform(0.3, 0.75), rng.uniform(0.4, 0.9)
        peak = final / kept

        def setback(t: float) -> float:
            if t <= peak_at:
                return peak * t / peak_at
            return peak - (peak - final) * (t - peak_at) / (1 - peak_at)

        return setback
    if name == "drift":
        # A random walk tied to ``final`` at the end (a Brownian bridge), in 52 steps.
        steps, sigma = 52, rng.uniform(0.15, 0.5)
        walk = [0.0]
        for _ in range(steps):
            walk.append(walk[-1] + rng.gauss(0, sigma / math.sqrt(steps)))
        bridge = [final * i / steps + walk[i] - walk[-1] * i / steps for i in range(steps + 1)]
        return lambda t: bridge[min(steps, max(0, round(t * steps)))]
    raise ValueError(f"unknown shape {name!r}")


def generate_history(rng: random.Random, shape: str | None = None) -> History:
    """One generated key result's quarter (see the module)."""
    name = shape or rng.choices(SHAPES, weights=tuple(SHAPE_WEIGHTS.values()))[0]
    final = rng.uniform(0.1, 1.4)
    curve = _shape(name, final, rng)
    noise = rng.uniform(0.08, 0.25) if name == "noisy" else rng.uniform(0.0, 0.05)
    magnitude = 10 ** rng.randint(0, 6)
    baseline = Decimal(rng.randint(0, 5) * magnitude)
    distance = Decimal(rng.randint(1, 9) * magnitude)
    decrease = rng.random() < 1 / 3
    if decrease:
        baseline += distance * 2
    target = baseline - distance if decrease else baseline + distance
    places = 0 if magnitude >= 100 else 2
    miss_rate = rng.uniform(0.0, 0.35)
    every = rng.choices(tuple(CADENCE_WEIGHTS), weights=tuple(CADENCE_WEIGHTS.values()))[0]
    last_week = WEEKS if rng.random() < 0.8 else rng.randint(WEEKS // 2, WEEKS - 1)

    def value_at(t: float) -> Decimal:
        progress = curve(t) + rng.gauss(0, noise)
        return round(baseline + Decimal(repr(progress)) * (target - baseline), places)

    observations = []
    for week in range(every, last_week + 1, every):
        if rng.random() < miss_rate:
            continue
        at = START + timedelta(weeks=week, hours=rng.uniform(-30, 0))
        observations.append(Observation(at=at, value=value_at(week / WEEKS)))
    end = START + timedelta(weeks=WEEKS)
    # The true end: the value at the end of the cycle, read with the same noise, whether
    # or not anybody checked in then.
    end_value = value_at(1.0)
    return History(
        baseline=baseline,
        target=target,
        start=START,
        end=end,
        observations=tuple(observations),
        end_value=end_value,
        shape=name,
    )


def generate_histories(count: int, seed: int) -> list[History]:
    rng = random.Random(seed)
    return [generate_history(rng) for _ in range(count)]


# The cuts the published backtest forecasts from: a quarter, a half, 60% and three
# quarters of the cycle.
CUTS = (Decimal("0.25"), Decimal("0.5"), Decimal("0.6"), Decimal("0.75"))
# Seeds whose histories set the band's quantiles (``calibrate``); the reported seeds
# are others, so that the band is judged on histories it was not fitted to.
CALIBRATION_SEEDS = (101, 102, 103, 104)
CALIBRATION_HISTORIES = 400
REPORT_SEEDS = (7, 8, 9)
# What the forecast must achieve on the report (docs/insights.md).
MIN_GAIN = Decimal("0.15")
COVERAGE_RANGE = (Decimal("0.75"), Decimal("0.85"))
MIN_SHAPE_COVERAGE = Decimal("0.65")


def calibration_histories() -> list[History]:
    return [
        history
        for seed in CALIBRATION_SEEDS
        for history in generate_histories(CALIBRATION_HISTORIES, seed)
    ]


def measured_calibration() -> Calibration:
    """The band's quantiles measured afresh on the calibration seeds."""
    return calibrate(calibration_histories(), cuts=CUTS)


@dataclass(frozen=True, slots=True)
class Run:
    seeds: tuple[int, ...]
    report: BacktestReport

    @property
    def seed(self) -> int:
        return self.seeds[0]

    def misses(self) -> list[str]:
        """The targets this backtest misses, in words (none when it meets them all)."""
        report = self.report
        ours = report.score(BacktestMethod.FORECAST)
        assert ours.coverage is not None
        problems = []
        if report.gain < MIN_GAIN:
            problems.append(
                f"MAE only {report.gain:.1%} below the better baseline (needs {MIN_GAIN:.0%})"
            )
        low, high = COVERAGE_RANGE
        if not low <= ours.coverage <= high:
            problems.append(f"80% band holds {ours.coverage:.1%} (needs {low:.0%}-{high:.0%})")
        for group in report.shapes:
            coverage = group.score(BacktestMethod.FORECAST).coverage
            assert coverage is not None
            if coverage < MIN_SHAPE_COVERAGE:
                problems.append(
                    f"80% band holds {coverage:.1%} of {group.name} histories "
                    f"(needs {MIN_SHAPE_COVERAGE:.0%})"
                )
        return problems


def run(
    *,
    histories: int,
    seed: int | None = None,
    seeds: tuple[int, ...] = (),
    calibration: Calibration = DEFAULT_CALIBRATION,
) -> Run:
    """Backtest ``histories`` generated histories per seed, all seeds pooled."""
    if histories < 1:
        raise ValueError("a backtest needs at least one history")
    chosen = seeds or ((seed,) if seed is not None else REPORT_SEEDS)
    pooled = [h for s in chosen for h in generate_histories(histories, s)]
    return Run(seeds=tuple(chosen), report=backtest(pooled, cuts=CUTS, calibration=calibration))


def _row(name: str, scores: GroupScore | BacktestReport) -> str:
    ours = scores.score(BacktestMethod.FORECAST)
    last = scores.score(BacktestMethod.LAST_VALUE)
    straight = scores.score(BacktestMethod.STRAIGHT_LINE)
    coverage = f"{ours.coverage:.1%}" if ours.coverage is not None else "-"
    return (
        f"| {name} | {ours.forecasts} | {ours.mae:.3f} | {last.mae:.3f} | {straight.mae:.3f} "
        f"| {coverage} | {ours.brier:.3f} | {last.brier:.3f} |"
    )


KIND_NAMES = {
    "trend": "two check-ins or more (trend)",
    "pace_range": "one check-in (pace range)",
    "no_data": "no check-in yet",
}


def table(result: Run) -> str:
    """The report as Markdown tables: overall, per shape, per cut, per kind of forecast,
    and the reliability of the probability of the target."""
    report = result.report
    cuts = ", ".join(f"{cut:.0%}" for cut in report.cuts)
    seeds = ", ".join(str(s) for s in result.seeds)
    head = (
        "| | forecasts | MAE Tandem | MAE last value | MAE straight line "
        "| 80% band holds | Brier Tandem | Brier last value |\n"
        "|---|---|---|---|---|---|---|---|"
    )
    lines = [
        f"Forecast backtest: {report.histories} generated histories (seeds {seeds}), "
        f"cut at {cuts} of the cycle",
        "",
        head,
        _row("**all**", report),
        *(_row(g.name, g) for g in report.shapes),
        *(_row(f"cut at {Decimal(g.name):.0%}", g) for g in report.by_cut),
        *(_row(KIND_NAMES.get(g.name, g.name), g) for g in report.by_method),
        "",
        "Reliability of the probability of reaching the target:",
        "",
        "| probability | forecasts | mean probability | reached the target |",
        "|---|---|---|---|",
    ]
    for b in report.reliability:
        predicted = f"{b.predicted:.1%}" if b.predicted is not None else "-"
        observed = f"{b.observed:.1%}" if b.observed is not None else "-"
        lines.append(f"| {b.low:.0%}-{b.high:.0%} | {b.forecasts} | {predicted} | {observed} |")
    best = report.best_baseline
    lines += [
        "",
        f"MAE {report.gain:.1%} below the better baseline ({best.method.label.lower()}, "
        f"{best.mae:.3f}).",
    ]
    misses = result.misses()
    lines.append(
        "Targets met: yes." if not misses else "Targets met: NO: " + "; ".join(misses) + "."
    )
    return "\n".join(lines)
