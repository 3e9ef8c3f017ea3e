"""Generated key-result histories for backtesting Tandem's forecast, and the report table.

A history is a 13-week quarter of weekly check-ins. Its *shape* says how progress
unfolds over the cycle (``t`` from 0 to 1, progress 0 at the baseline and ``final``
at the end):

* ``steady``: the same pace all along;
* ``late``: an S-curve, little happens until a push in the second half;
* ``stalled``: a steady start, then nothing moves after some week;
* ``burst``: most of the progress early, then a plateau;
* ``noisy``: a steady pace read through large noise (a ratio that swings weekly);
* ``setback``: progress, then part of it lost (a churned account, a reopened backlog).

``SHAPE_WEIGHTS`` says how often each shape is drawn.

``final`` (where the key result really ends) is drawn between 0.1 and 1.4 of the
way to the target, so some histories beat their target and many fall short, as real
OKRs do. Check-ins carry measurement noise, a share of weeks are missed, some owners
stop checking in before the end, and a third of the key results are decrease key
results (the target below the baseline). Values are rounded to whole units when the
scale is large, as people type them. The true end value is the value at the end of
the cycle, noise included.

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
    DEFAULT_CUTS,
    BacktestMethod,
    BacktestReport,
    History,
    Observation,
    backtest,
)

WEEKS = 13
START = datetime(2026, 1, 5, 9, tzinfo=UTC)
# How often each shape is drawn: steady progress is the common case; a late push, a
# stall, an early burst and a noisy ratio are each frequent; losing ground is rarer.
SHAPE_WEIGHTS = {
    "steady": 25,
    "late": 20,
    "stalled": 15,
    "burst": 15,
    "noisy": 15,
    "setback": 10,
}
SHAPES = tuple(SHAPE_WEIGHTS)

Shape = Callable[[float], float]


def _shape(name: str, final: float, rng: random.Random) -> Shape:
    if name in ("steady", "noisy"):
        return lambda t: final * t
    if name == "late":
        middle, width = rng.uniform(0.45, 0.8), rng.uniform(0.06, 0.15)

        def logistic(t: float) -> float:
            return 1 / (1 + math.exp(-(t - middle) / width))

        low, high = logistic(0.0), logistic(1.0)
        return lambda t: final * (logistic(t) - low) / (high - low)
    if name == "stalled":
        stall = rng.uniform(0.25, 0.7)
        return lambda t: final * min(t, stall) / stall
    if name == "burst":
        tau = rng.uniform(0.08, 0.3)
        scale = 1 - math.exp(-1 / tau)
        return lambda t: final * (1 - math.exp(-t / tau)) / scale
    if name == "setback":
        peak_at, kept = rng.uniform(0.4, 0.7), rng.uniform(0.5, 0.9)
        peak = final / kept

        def setback(t: float) -> float:
            if t <= peak_at:
                return peak * t / peak_at
            return peak - (peak - final) * (t - peak_at) / (1 - peak_at)

        return setback
    raise ValueError(f"unknown shape {name!r}")


def generate_history(rng: random.Random, shape: str | None = None) -> History:
    """One generated key result's quarter (see the module)."""
    name = shape or rng.choices(SHAPES, weights=tuple(SHAPE_WEIGHTS.values()))[0]
    final = rng.uniform(0.1, 1.4)
    curve = _shape(name, final, rng)
    noise = rng.uniform(0.1, 0.25) if name == "noisy" else rng.uniform(0.0, 0.05)
    magnitude = 10 ** rng.randint(0, 6)
    baseline = Decimal(rng.randint(0, 5) * magnitude)
    distance = Decimal(rng.randint(1, 9) * magnitude)
    decrease = rng.random() < 1 / 3
    if decrease:
        baseline += distance * 2
    target = baseline - distance if decrease else baseline + distance
    places = 0 if magnitude >= 100 else 2
    miss_rate = rng.uniform(0.0, 0.35)
    last_week = WEEKS if rng.random() < 0.8 else rng.randint(WEEKS // 2, WEEKS - 1)

    def value_at(t: float) -> Decimal:
        progress = curve(t) + rng.gauss(0, noise)
        return round(baseline + Decimal(repr(progress)) * (target - baseline), places)

    observations = []
    for week in range(1, last_week + 1):
        if week < WEEKS and rng.random() < miss_rate:
            continue
        at = START + timedelta(weeks=week, hours=rng.uniform(-30, 0))
        observations.append(Observation(at=at, value=value_at(week / WEEKS)))
    end = START + timedelta(weeks=WEEKS)
    end_value = value_at(1.0) if last_week < WEEKS else observations[-1].value
    return History(
        baseline=baseline,
        target=target,
        start=START,
        end=end,
        observations=tuple(observations),
        end_value=end_value,
    )


def generate_histories(count: int, seed: int) -> list[History]:
    rng = random.Random(seed)
    return [generate_history(rng) for _ in range(count)]


@dataclass(frozen=True, slots=True)
class Run:
    seed: int
    report: BacktestReport


def run(*, histories: int, seed: int) -> Run:
    if histories < 1:
        raise ValueError("a backtest needs at least one history")
    return Run(seed=seed, report=backtest(generate_histories(histories, seed), cuts=DEFAULT_CUTS))


def table(result: Run) -> str:
    """The report as a plain-text table, one method per line."""
    report = result.report
    cuts = ", ".join(f"{cut:.0%}" for cut in report.cuts)
    lines = [
        f"Forecast backtest: {report.histories} generated histories (seed {result.seed}), "
        f"cut at {cuts} of the cycle",
        f"{'method':<38} {'MAE':>8} {'coverage':>9} {'Brier':>8}",
    ]
    for score in report.scores:
        coverage = f"{score.coverage:.1%}" if score.coverage is not None else "-"
        lines.append(
            f"{score.method.label:<38} {score.mae:>8.3f} {coverage:>9} {score.brier:>8.3f}"
        )
    ours = report.score(BacktestMethod.FORECAST).mae
    verdict = "yes" if report.beats_baselines else "NO"
    lines.append(f"Forecast beats both baselines on MAE ({ours:.3f}): {verdict}")
    return "\n".join(lines)
