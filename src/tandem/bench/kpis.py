"""Bench Corp's KPIs: 2,000 of them with 1,000,000 measurements at full scale (issue 7).

Nine KPIs in ten are weekly with 540 weeks of history (about ten years), the rest
monthly with 140 months; each has a target with a yellow threshold (a range with a
tolerance for the KPIs kept within one), half of them a second, raised target
later on. Owners are spread over departments, teams and a few people, and every
KPI carries one of four tags, so that a tag's scorecard shows 500 KPIs at full
scale. A few KPIs back key results of the current cycle.

Measurements are written with the driver's ``executemany`` (a million model
instances through ``bulk_create`` would cost more than everything else the
generator does), values exactly as :func:`tandem.kpis.services.stored_value`
keeps them. The derived values are computed as the services compute them: a KPI's
``latest_period`` and ``latest_value`` as :func:`~tandem.kpis.services.kpi_refresh`
stores them; a backing key result's ``current``, ``last_checkin_at`` and
``progress`` as :func:`~tandem.kpis.services.key_result_refresh_from_kpi` does, and
its objective's ``progress`` and ``last_checkin_at`` as ``objective_recompute``.
``tests/bench/test_generator.py`` checks that running those services changes
nothing.

A random generator of its own (derived from the seed) keeps the OKRs the same as
before KPIs were added, for the same seed.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection

from tandem.accounts.models import Organization, Team, User
from tandem.domain import health as hm
from tandem.domain import periods as pm
from tandem.domain import progress as maths
from tandem.kpis.models import KPI, Direction, Frequency, KPITag, KPITarget, Measurement, Source
from tandem.okrs.models import Cycle, KeyResult, Objective

FULL_KPIS = 2_000
WEEKLY_SHARE = 0.9
WEEKS = 540
MONTHS = 140
BACKING_SHARE = 0.01  # a few KPIs back key results: 20 at full scale
TAGS = ["Growth", "Profitability", "Satisfaction", "Operations"]
BATCH = 1000
MEASUREMENT_BATCH = 20_000

NAMES = {
    Direction.HIGHER_IS_BETTER: [
        "Weekly active users",
        "New sign-ups",
        "Net revenue",
        "Qualified leads",
        "Trial conversions",
        "Orders shipped",
        "Tickets solved",
        "Gross margin",
        "NPS",
        "Releases",
    ],
    Direction.LOWER_IS_BETTER: [
        "Churned accounts",
        "Median response time",
        "Open critical bugs",
        "Cost per ticket",
        "Days to hire",
        "Infrastructure spend",
    ],
    Direction.WITHIN_RANGE: ["Inventory days", "Headcount utilisation", "Cash runway months"],
}


def kpi_counts(scale: float) -> tuple[int, int]:
    """Weekly and monthly KPIs at ``scale`` (at least one of each)."""
    total = max(2, round(FULL_KPIS * scale))
    weekly = max(1, min(total - 1, round(total * WEEKLY_SHARE)))
    return weekly, total - weekly


def measurement_count(scale: float) -> int:
    weekly, monthly = kpi_counts(scale)
    return weekly * WEEKS + monthly * MONTHS


def walk(
    rng: random.Random, n: int, centre: Decimal, spread: float, quantum: Decimal
) -> list[Decimal]:
    """A noisy trend around ``centre``: ``n`` values as the services store them (the
    forecast backtest reads the same series, ``tandem.bench.kpi_backtest``)."""
    return walk_with_drift(rng, n, centre, spread, quantum)[0]


def walk_with_drift(
    rng: random.Random, n: int, centre: Decimal, spread: float, quantum: Decimal
) -> tuple[list[Decimal], float]:
    """``walk``'s values and its drift per period as a share of ``centre`` (what a
    forecast that knew how the walk was made would add per period ahead)."""
    level = rng.uniform(0.75, 1.05)
    drift = rng.uniform(0.0, 0.3) / n
    values = []
    for _ in range(n):
        level += drift + rng.gauss(0, spread / 4)
        level = min(1.6, max(0.3, level))
        value = (centre * Decimal(repr(round(level, 4)))).quantize(quantum)
        values.append(value.quantize(hm.VALUE_QUANTUM))
    return values, drift


# How far a backing KPI moves towards its key result's target per period of the cycle,
# on average, as a share of the gap: the mean of ``backing_walk``'s steps (0 to 1.6 / 13).
BACKING_PACE = 0.8 / 13


def backing_walk(
    rng: random.Random, n: int, in_cycle: int, baseline: Decimal, gap: Decimal, quantum: Decimal
) -> list[Decimal]:
    """A KPI backing a key result: ``n`` values that wobble around ``baseline`` until the
    last ``in_cycle`` ones, which move towards ``baseline + gap`` at a random pace."""
    values = []
    before = n - in_cycle
    share = 0.0
    for i in range(n):
        if i < before:
            share = rng.gauss(0, 0.03)
        else:
            share += rng.uniform(0.0, 1.6) / 13
        value = (baseline + gap * Decimal(repr(round(share, 4)))).quantize(quantum)
        values.append(value.quantize(hm.VALUE_QUANTUM))
    return values


def target_values(direction: str, centre: Decimal, quantum: Decimal) -> dict[str, Decimal]:
    """A generated KPI's target around ``centre``: the target and its yellow edge, or a
    range of +-10% with a 5% tolerance."""
    if direction == Direction.WITHIN_RANGE:
        return {
            "low": (centre * Decimal("0.9")).quantize(quantum),
            "high": (centre * Decimal("1.1")).quantize(quantum),
            "tolerance": (centre * Decimal("0.05")).quantize(quantum),
        }
    if direction == Direction.HIGHER_IS_BETTER:
        return {"target": centre, "yellow": (centre * Decimal("0.9")).quantize(quantum)}
    return {"target": (centre * Decimal("0.9")).quantize(quantum), "yellow": centre}


@dataclass(slots=True)
class _Series:
    kpi: KPI
    starts: list[dt.date]
    values: list[Decimal]


def _quantum(unit: str) -> Decimal:
    return Decimal("0.01") if unit == KeyResult.Unit.PERCENT else Decimal(1)


class KpiGenerator:
    def __init__(
        self,
        *,
        org: Organization,
        scale: float,
        seed: int,
        now: dt.datetime,
        owner_teams: Sequence[Team],
        people: Sequence[User],
        current_cycle: Cycle,
    ) -> None:
        self.org = org
        self.scale = scale
        self.rng = random.Random(seed * 7919 + 17)
        self.now = now
        self.today = now.date()
        self.owner_teams = list(owner_teams)
        self.people = list(people)
        self.cycle = current_cycle
        self.calendar = {
            "week_start": org.week_start,
            "fiscal_year_start_month": org.fiscal_year_start_month,
        }
        self.measurements = 0

    # -- history ------------------------------------------------------------------------

    def history(self, frequency: Frequency) -> list[dt.date]:
        """The completed periods before the current one, oldest first: a value is entered
        once its week or month is over."""
        count = WEEKS if frequency == Frequency.WEEKLY else MONTHS
        return pm.last_n_periods(pm.Frequency(frequency), self.today, count + 1, **self.calendar)[
            :-1
        ]

    def recorded_at(self, frequency: Frequency, start: dt.date) -> dt.datetime:
        end = pm.period_end(pm.Frequency(frequency), start, **self.calendar)
        at = dt.datetime.combine(end + dt.timedelta(days=1), dt.time(9), tzinfo=dt.UTC)
        return min(at, self.now - dt.timedelta(minutes=5))

    def walk(self, n: int, centre: Decimal, spread: float, quantum: Decimal) -> list[Decimal]:
        return walk(self.rng, n, centre, spread, quantum)

    # -- KPIs ---------------------------------------------------------------------------

    def plan_kpi(self, index: int, frequency: Frequency) -> tuple[KPI, list[KPITarget], _Series]:
        r = self.rng.random()
        direction = (
            Direction.HIGHER_IS_BETTER
            if r < 0.6
            else Direction.LOWER_IS_BETTER
            if r < 0.9
            else Direction.WITHIN_RANGE
        )
        unit = self.rng.choices(
            [KeyResult.Unit.NUMBER, KeyResult.Unit.PERCENT, KeyResult.Unit.CURRENCY],
            weights=[55, 25, 20],
        )[0]
        name = f"{self.rng.choice(NAMES[direction])} #{index + 1}"
        owner_team: Team | None = None
        owner_user: User | None = None
        if self.rng.random() < 0.85:
            owner_team = self.rng.choice(self.owner_teams)
        else:
            owner_user = self.rng.choice(self.people)
        kpi = KPI(
            organization=self.org,
            name=name,
            key=f"bench-kpi-{index + 1}",
            owner_team=owner_team,
            owner_user=owner_user,
            unit=unit,
            currency="EUR" if unit == KeyResult.Unit.CURRENCY else "",
            direction=direction,
            frequency=frequency,
            position=index,
        )
        if unit == KeyResult.Unit.PERCENT:
            centre = Decimal(self.rng.randint(200, 900)) / 10
        elif unit == KeyResult.Unit.CURRENCY:
            centre = Decimal(self.rng.randint(10, 900) * 1000)
        else:
            centre = Decimal(self.rng.randint(20, 5000))
        quantum = _quantum(unit)
        starts = self.history(frequency)
        values = self.walk(len(starts), centre, 0.08, quantum)
        targets = [self.target(kpi, starts[0], centre, quantum)]
        if self.rng.random() < 0.5:
            later = starts[self.rng.randrange(len(starts) // 2, len(starts))]
            better = "0.95" if direction == Direction.LOWER_IS_BETTER else "1.1"
            raised = centre * Decimal(better)
            targets.append(self.target(kpi, later, raised.quantize(quantum), quantum))
        return kpi, targets, _Series(kpi=kpi, starts=starts, values=values)

    def target(self, kpi: KPI, start: dt.date, centre: Decimal, quantum: Decimal) -> KPITarget:
        return KPITarget(
            organization=self.org,
            kpi=kpi,
            effective_from=start,
            **target_values(Direction(kpi.direction), centre, quantum),
        )

    def backing_kpi(self, index: int, kr: KeyResult) -> tuple[KPI, list[KPITarget], _Series]:
        """A weekly KPI that moves from its key result's baseline towards its target."""
        assert kr.baseline is not None
        assert kr.target is not None
        higher = kr.target > kr.baseline
        kpi = KPI(
            organization=self.org,
            name=f"{kr.title} (KPI #{index + 1})",
            key=f"bench-kpi-{index + 1}",
            owner_user=kr.owner,
            unit=kr.unit,
            currency=kr.currency,
            direction=Direction.HIGHER_IS_BETTER if higher else Direction.LOWER_IS_BETTER,
            frequency=Frequency.WEEKLY,
            position=index,
        )
        quantum = _quantum(kr.unit)
        starts = self.history(Frequency.WEEKLY)
        gap = kr.target - kr.baseline
        cycle_start = self.cycle.start_date
        in_cycle = sum(s >= cycle_start for s in starts)
        values = backing_walk(self.rng, len(starts), in_cycle, kr.baseline, gap, quantum)
        targets = [
            KPITarget(
                organization=self.org,
                kpi=kpi,
                effective_from=starts[0],
                target=kr.target,
                yellow=(kr.baseline + gap * Decimal("0.8")).quantize(quantum),
            )
        ]
        return kpi, targets, _Series(kpi=kpi, starts=starts, values=values)

    def backed_key_results(self, count: int) -> list[KeyResult]:
        candidates = list(
            KeyResult.objects.filter(
                organization=self.org,
                objective__cycle=self.cycle,
                objective__state=Objective.State.ACTIVE,
                kind=KeyResult.Kind.METRIC,
                kpi__isnull=True,
            )
            .select_related("owner", "objective")
            .order_by("id")
        )
        if not candidates:
            return []
        return sorted(self.rng.sample(candidates, min(count, len(candidates))), key=lambda k: k.pk)

    def run(self, progress: Callable[[str], None]) -> int:
        weekly, monthly = kpi_counts(self.scale)
        total = weekly + monthly
        backed = self.backed_key_results(max(1, round(total * BACKING_SHARE)))
        planned: list[tuple[KPI, list[KPITarget], _Series]] = []
        for index, kr in enumerate(backed):
            planned.append(self.backing_kpi(index, kr))
        for index in range(len(backed), total):
            frequency = Frequency.WEEKLY if index < weekly else Frequency.MONTHLY
            planned.append(self.plan_kpi(index, frequency))
        for _, _, series in planned:
            series.kpi.latest_period = series.starts[-1]
            series.kpi.latest_value = series.values[-1]
        KPI.objects.bulk_create([kpi for kpi, _, _ in planned], batch_size=BATCH)
        KPITarget.objects.bulk_create(
            [t for _, targets, _ in planned for t in targets], batch_size=BATCH
        )
        tags = KPITag.objects.bulk_create(
            [KPITag(organization=self.org, name=name) for name in TAGS]
        )
        through = KPI.tags.through
        KPI.tags.through.objects.bulk_create(
            [
                through(kpi_id=kpi.pk, kpitag_id=tags[i % len(tags)].pk)
                for i, (kpi, _, _) in enumerate(planned)
            ],
            batch_size=BATCH,
        )
        progress(f"{total} KPIs ({len(backed)} backing key results)")
        self.insert_measurements([series for _, _, series in planned])
        progress(f"{self.measurements} measurements")
        self.back(backed, [series for _, _, series in planned[: len(backed)]])
        return total

    def insert_measurements(self, all_series: list[_Series]) -> None:
        ops = connection.ops
        table = connection.ops.quote_name(Measurement._meta.db_table)
        columns = [
            "organization_id",
            "kpi_id",
            "period_start",
            "value",
            "source",
            "note",
            "recorded_by_id",
            "recorded_at",
            "version",
        ]
        sql = (
            f"INSERT INTO {table} ({', '.join(ops.quote_name(c) for c in columns)}) "
            f"VALUES ({', '.join(['%s'] * len(columns))})"
        )
        sources = [Source.IMPORT, Source.API, Source.MANUAL, Source.PULL]
        pending: list[tuple[Any, ...]] = []
        with connection.cursor() as cursor:
            for series in all_series:
                kpi = series.kpi
                recorder = kpi.owner_user_id
                frequency = Frequency(kpi.frequency)
                source = self.rng.choices(sources, weights=[40, 30, 20, 10])[0]
                for start, value in zip(series.starts, series.values, strict=True):
                    pending.append(
                        (
                            self.org.pk,
                            kpi.pk,
                            ops.adapt_datefield_value(start),
                            ops.adapt_decimalfield_value(value, 20, 4),
                            source,
                            "",
                            recorder,
                            ops.adapt_datetimefield_value(self.recorded_at(frequency, start)),
                            1,
                        )
                    )
                if len(pending) >= MEASUREMENT_BATCH:
                    cursor.executemany(sql, pending)
                    self.measurements += len(pending)
                    pending = []
            if pending:
                cursor.executemany(sql, pending)
                self.measurements += len(pending)

    def back(self, krs: list[KeyResult], all_series: list[_Series]) -> None:
        """Link each key result to its KPI and store what key_result_refresh_from_kpi would."""
        if not krs:
            return
        start, end = self.cycle.start_date, self.cycle.end_date
        for kr, series in zip(krs, all_series, strict=True):
            rows = [
                (value, self.recorded_at(Frequency.WEEKLY, s))
                for s, value in zip(series.starts, series.values, strict=True)
                if start <= s <= end
            ]
            kr.kpi = series.kpi
            kr.kpi_aggregation = hm.Aggregation.LAST.value
            kr.current = hm.kr_value_from_measurements(
                [v for v, _ in rows], hm.Aggregation(kr.kpi_aggregation)
            )
            kr.last_checkin_at = max((t for _, t in rows), default=None)
            kr.progress = kr.compute_progress()
        KeyResult.objects.bulk_update(
            krs, ["kpi", "kpi_aggregation", "current", "last_checkin_at", "progress"]
        )
        objectives = list(
            Objective.objects.filter(pk__in={kr.objective_id for kr in krs}).order_by("pk")
        )
        for objective in objectives:
            rows_ = list(objective.key_results.values_list("progress", "weight", "last_checkin_at"))
            objective.progress = maths.objective_progress(
                maths.Weighted(progress=p, weight=w) for p, w, _ in rows_
            )
            times = [t for _, _, t in rows_ if t is not None]
            objective.last_checkin_at = max(times) if times else None
        Objective.objects.bulk_update(objectives, ["progress", "last_checkin_at"])
