"""``tandem forecast_backtest --histories 500 --seed 1``: how well Tandem's forecast does.

Generates key-result histories (``tandem.bench.forecast_backtest``), forecasts each
one's end from its check-ins at a quarter, a half and three quarters of its cycle,
and prints the error of the forecast and of two naive baselines. Exits with an error
when the forecast does not beat both baselines, so CI can run it.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tandem.bench.forecast_backtest import run, table


class Command(BaseCommand):
    help = (
        "Backtest the key-result forecast on generated histories against the last value "
        "carried forward and the straight-line pace from the baseline."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--histories", type=int, default=500, help="How many histories (default 500)."
        )
        parser.add_argument(
            "--seed",
            type=int,
            action="append",
            help="The same seed gives the same histories; repeat for several (default 1).",
        )

    def handle(self, *args: Any, histories: int, seed: list[int] | None, **options: Any) -> None:
        if histories < 1:
            raise CommandError("--histories must be at least 1.")
        failed = []
        for current in seed or [1]:
            result = run(histories=histories, seed=current)
            self.stdout.write(table(result))
            self.stdout.write("")
            if not result.report.beats_baselines:
                failed.append(current)
        if failed:
            seeds = ", ".join(str(s) for s in failed)
            raise CommandError(f"The forecast does not beat both baselines (seed {seeds}).")
