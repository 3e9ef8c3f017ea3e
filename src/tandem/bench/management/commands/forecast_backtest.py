"""``tandem forecast_backtest``: how well Tandem's key-result forecast does.

Generates key-result histories (``tandem.bench.forecast_backtest``), forecasts each
one's end from its check-ins at 25%, 50%, 60% and 75% of its cycle, and prints the
errors of the forecast and of two naive baselines as Markdown tables (the ones in
docs/insights.md). Then does the same for the KPI forecast on generated KPI series
(``tandem.bench.kpi_backtest``): its next periods against three naive baselines, its
band, and its red warnings against what happened. Exits with an error when either
forecast misses its targets, so CI can run it. ``--calibrate`` also measures the
bands on the calibration seeds and says whether the ones in use are still those.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tandem.bench import kpi_backtest
from tandem.bench.forecast_backtest import (
    CALIBRATION_HISTORIES,
    CALIBRATION_SEEDS,
    REPORT_SEEDS,
    measured_calibration,
    run,
    table,
)
from tandem.domain import kpi_forecast
from tandem.domain.forecast import DEFAULT_CALIBRATION


class Command(BaseCommand):
    help = (
        "Backtest the key-result forecast on generated histories against the last value "
        "carried forward and the straight-line pace from the baseline."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--histories",
            type=int,
            default=500,
            help="How many histories per seed (default 500).",
        )
        parser.add_argument(
            "--seed",
            type=int,
            action="append",
            help=(
                "The same seed gives the same histories; repeat for several, pooled "
                f"(default {', '.join(map(str, REPORT_SEEDS))})."
            ),
        )
        parser.add_argument(
            "--calibrate",
            action="store_true",
            help="Also measure the bands on the calibration seeds.",
        )
        parser.add_argument(
            "--no-kpis",
            dest="kpis",
            action="store_false",
            help="Leave out the KPI forecast's backtest (its seeds are fixed).",
        )

    def handle(
        self,
        *args: Any,
        histories: int,
        seed: list[int] | None,
        calibrate: bool,
        kpis: bool,
        **options: Any,
    ) -> None:
        if histories < 1:
            raise CommandError("--histories must be at least 1.")
        seeds = tuple(seed or REPORT_SEEDS)
        if set(seeds) & set(CALIBRATION_SEEDS):
            raise CommandError(
                "Seeds "
                + ", ".join(map(str, CALIBRATION_SEEDS))
                + " calibrate the band: judge it on others."
            )
        if calibrate:
            measured = measured_calibration()
            self.stdout.write(
                f"Band quantiles measured on seeds {', '.join(map(str, CALIBRATION_SEEDS))} "
                f"({CALIBRATION_HISTORIES} histories each): below {measured.band_low}, above "
                f"{measured.band_high}; in use: below {DEFAULT_CALIBRATION.band_low}, above "
                f"{DEFAULT_CALIBRATION.band_high}."
            )
            band = kpi_backtest.measured_band()
            self.stdout.write(
                "KPI band multipliers measured on seeds "
                f"{', '.join(map(str, kpi_backtest.CALIBRATION_SEEDS))}: {_listed(band)}; "
                f"in use: {_listed(kpi_forecast.BAND)}."
            )
            lean, spread = kpi_backtest.measured_plan()
            self.stdout.write(
                f"Backing KPIs' lean towards their key result and its spread, measured on "
                f"the same seeds: {lean:.2f} and {spread:.2f}; in use: "
                f"{kpi_forecast.PLAN_LEAN:.2f} and {kpi_forecast.PLAN_SPREAD:.2f}."
            )
            self.stdout.write("")
        result = run(histories=histories, seeds=seeds)
        self.stdout.write(table(result))
        misses = result.misses()
        if kpis:
            kpi_result = kpi_backtest.run()
            self.stdout.write("")
            self.stdout.write(kpi_backtest.table(kpi_result))
            misses += kpi_result.misses()
        if misses:
            raise CommandError("The forecast misses its targets: " + "; ".join(misses) + ".")


def _listed(values: tuple[float, ...]) -> str:
    return ", ".join(f"{v:.2f}" for v in values)
