"""``tandem backup``: write one organisation, or the whole Tandem, to a JSON archive."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from tandem.accounts.models import Organization
from tandem.audit.backup import backup_write


class Command(BaseCommand):
    help = (
        "Write a consistent backup of one organisation (--org SLUG) or of every "
        "organisation and account (--all) to a JSON file (gzip-compressed if it ends in "
        ".gz). The file holds password hashes and all the organisation's data: keep it "
        "as safe as the database."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--org", metavar="SLUG", help="The organisation to back up.")
        which.add_argument(
            "--all", action="store_true", help="Every organisation and every account."
        )
        parser.add_argument(
            "-o", "--output", required=True, metavar="FILE", help="Where to write the backup."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["output"])
        if path.is_dir():
            raise CommandError(f"-o: {path} is a folder; name the backup file to write.")
        organizations = None
        if options["org"]:
            organization = Organization.objects.filter(slug=options["org"]).first()
            if organization is None:
                raise CommandError(f"--org: no organisation has the slug “{options['org']}”.")
            organizations = [organization]
        try:
            data = backup_write(path=path, organizations=organizations)
        except OSError as exc:
            raise CommandError(f"-o: cannot write {path}: {exc.strerror or exc}.") from None
        rows = sum(len(t) for t in data["tables"].values())
        names = ", ".join(o["name"] for o in data["organizations"]) or "no organisation"
        self.stdout.write(
            f"Backed up {names}: {rows} rows and {len(data['users'])} accounts to {path}. "
            "It contains password hashes: keep it as safe as the database."
        )
