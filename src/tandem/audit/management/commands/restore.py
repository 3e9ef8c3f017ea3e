"""``tandem restore``: bring back a backup written by ``tandem backup``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import IntegrityError

from tandem.audit.backup import BackupError, backup_read, restore


class Command(BaseCommand):
    help = (
        "Restore a backup written by tandem backup, in one transaction: into an empty "
        "database (ids kept) or beside other organisations (ids shifted when taken). An "
        "organisation whose slug exists is refused unless --replace is given."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", metavar="FILE", help="The backup to restore.")
        parser.add_argument(
            "--replace",
            action="store_true",
            help="Delete an existing organisation with the same slug first.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        try:
            data = backup_read(path)
            summary = restore(data, replace=options["replace"])
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        except IntegrityError as exc:
            raise CommandError(
                f"The backup does not fit into this database ({exc}); nothing was restored."
            ) from None
        rows = sum(summary.counts.values())
        self.stdout.write(
            f"Restored {', '.join(summary.organizations) or 'no organisation'}: {rows} rows; "
            f"{summary.users_created} accounts created, {summary.users_matched} existing "
            "accounts kept."
        )
        for table, shift in sorted(summary.shifted.items()):
            self.stdout.write(f"  ids of {table} were taken: shifted by {shift}.")
