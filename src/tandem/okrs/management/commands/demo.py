"""``tandem demo``: load (or reload) the demo organisation, Northwind IT."""

from __future__ import annotations

import argparse
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tandem.accounts.management.errors import command_error
from tandem.demo.builder import demo_load
from tandem.demo.data import DEMO_NAME, DEMO_PASSWORD


class Command(BaseCommand):
    help = (
        f"Load the demo organisation “{DEMO_NAME}” built from the OKR articles' own examples. "
        "An earlier demo (and the people who belong to it alone) is deleted and rebuilt in one "
        "transaction; other organisations are never touched."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset",
            action=argparse.BooleanOptionalAction,
            default=True,
            help="Replace an existing demo organisation (default); --no-reset refuses instead.",
        )
        parser.add_argument(
            "--password",
            default=DEMO_PASSWORD,
            help=f"Password every demo person logs in with (default: {DEMO_PASSWORD}).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        password: str = options["password"]
        if not password:
            raise CommandError("--password: give the demo people a non-empty password.")
        try:
            summary = demo_load(password=password, reset=options["reset"])
        except ValidationError as exc:
            raise command_error(exc, {"reset": "--reset", "password": "--password"}) from None
        counts = ", ".join(f"{number} {what}" for what, number in summary.counts.items())
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded the demo organisation “{summary.organization.name}” in "
                f"{summary.seconds:.1f} s: {counts}."
            )
        )
        self.stdout.write(f"Log in as {summary.owner.email} with the password {summary.password}")
        others = ", ".join(
            f"{person.role} {person.email}" for person in summary.logins if person.role != "owner"
        )
        self.stdout.write(f"Everyone in the demo has the same password; other roles: {others}.")
        self.stdout.write("OKRs and KPIs in tandem, where to look:")
        for what, path in summary.pages:
            self.stdout.write(f"  {path}  {what}")
