"""``tandem export``: a cycle's OKRs as YAML, or KPI values as CSV.

Whoever runs the command on the server acts as the organisation's owner and exports
every objective, private ones included; ``--as EMAIL`` exports what that member may
see instead (without the private objectives hidden from them).
"""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tandem.access.permissions import viewer_of
from tandem.integrations import files
from tandem.integrations.management.commands._common import (
    Progress,
    membership_of,
    organization_named,
)
from tandem.integrations.okr_yaml import okrs_export_yaml
from tandem.okrs.models import Cycle

PROGRESS_EVERY = 10_000


class Command(BaseCommand):
    help = (
        "Export a cycle's OKRs as YAML (--cycle), or the KPI values as CSV (--kpis), in the "
        "format tandem import reads back."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--org", required=True, help="The organisation's slug.")
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument("--cycle", help="The cycle's name, e.g. “Q3 2026”.")
        what.add_argument("--kpis", action="store_true", help="KPI values as CSV.")
        parser.add_argument(
            "--from",
            dest="since",
            type=dt.date.fromisoformat,
            help="With --kpis: only periods starting on or after this date (YYYY-MM-DD).",
        )
        parser.add_argument(
            "--as",
            dest="as_email",
            help="Export only what this member may see (default: everything, as the owner).",
        )
        parser.add_argument(
            "-o", "--output", help="The file to write (default: standard output; CSV needs one)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        organization = organization_named(options["org"])
        viewer = (
            viewer_of(membership_of(organization, options["as_email"]))
            if options["as_email"]
            else None
        )
        output = options["output"]
        if options["cycle"] is not None:
            cycle = Cycle.objects.filter(organization=organization, name=options["cycle"]).first()
            if cycle is None:
                names = ", ".join(
                    Cycle.objects.filter(organization=organization).values_list("name", flat=True)
                )
                raise CommandError(f"--cycle: no cycle “{options['cycle']}” (there are: {names}).")
            text = okrs_export_yaml(organization=organization, cycle=cycle, viewer=viewer)
            if output:
                Path(output).write_text(text, encoding="utf-8")
                self.stderr.write(f"Wrote {cycle.name}'s OKRs to {output}.")
            else:
                self.stdout.write(text, ending="")
            return
        if not output:
            raise CommandError("-o: name the CSV file to write.")
        progress = Progress(output, self.stderr)
        count = 0
        with open(output, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            for row in files.measurements_export(organization=organization, since=options["since"]):
                writer.writerow(row)
                count += 1
                if count % PROGRESS_EVERY == 0:
                    progress.say(f"{output}: {count - 1} values written…")
        self.stderr.write(f"Wrote {count - 1} values to {output}.")
