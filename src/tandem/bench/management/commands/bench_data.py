"""``tandem bench_data --scale 0.1 --seed 1``: fill the database with Bench Corp.

Meant for a scratch database (benchmarks, trying pages at scale): the data bypasses
the audit log and its people cannot log in with a password.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tandem.bench.generator import ORGANIZATION_NAME, Sizes, generate


class Command(BaseCommand):
    help = (
        "Generate a large, realistic organisation for benchmarks "
        "(scale 1.0: 10,000 people, 10,000 objectives, 400,000 check-ins, 2,000 KPIs, "
        "1,000,000 measurements)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--scale", type=float, default=0.1, help="1.0 is full size; 0.01 is 1%% (default 0.1)."
        )
        parser.add_argument(
            "--seed", type=int, default=1, help="The same seed gives the same data (default 1)."
        )
        parser.add_argument(
            "--name",
            default=ORGANIZATION_NAME,
            help=f"Organisation name (default {ORGANIZATION_NAME}).",
        )

    def handle(self, *args: Any, scale: float, seed: int, name: str, **options: Any) -> None:
        try:
            sizes = Sizes.at(scale)
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Generating {name} at scale {scale} (seed {seed}): {sizes.people:,} people, "
            f"{sizes.teams:,} teams, {sizes.objectives:,} objectives, "
            f"{sizes.key_results:,} key results, {sizes.checkins:,} check-ins, "
            f"{sizes.kpis:,} KPIs, {sizes.measurements:,} measurements."
        )
        try:
            summary = generate(
                scale,
                seed,
                name=name,
                progress=lambda line: self.stdout.write(f"  {line}"),
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"{summary.name}: {summary.people:,} people, {summary.teams:,} teams, "
                f"{summary.cycles} cycles, {summary.objectives:,} objectives, "
                f"{summary.key_results:,} key results, {summary.checkins:,} check-ins, "
                f"{summary.alignments:,} alignments, {summary.kpis:,} KPIs, "
                f"{summary.measurements:,} measurements in {summary.seconds:.1f} s "
                f"(KPIs {summary.kpi_seconds:.1f} s)."
            )
        )
