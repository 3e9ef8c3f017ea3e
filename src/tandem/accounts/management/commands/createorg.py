"""``tandem createorg``: create an organisation with an existing person as its owner."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tandem.accounts import services as accounts
from tandem.accounts.management.errors import command_error
from tandem.accounts.models import Organization, User
from tandem.audit.models import Source

OPTIONS = {
    "name": "--name",
    "slug": "--slug",
    "timezone": "--timezone",
    "week_start": "--week-start",
    "fiscal_year_start_month": "--fiscal-year-start-month",
}


class Command(BaseCommand):
    help = (
        "Create an organisation (a tenant of Tandem) owned by an existing account; "
        "create the owner first with tandem createuser."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="The organisation's name.")
        parser.add_argument(
            "--slug",
            default="",
            help="Short name used in commands and addresses (default: a free one from the name).",
        )
        parser.add_argument(
            "--timezone", default="UTC", help="Its time zone, e.g. Europe/London (default UTC)."
        )
        parser.add_argument(
            "--owner-email", required=True, help="E-mail address of the account that owns it."
        )
        parser.add_argument(
            "--week-start",
            type=int,
            default=Organization.Weekday.MONDAY,
            choices=Organization.Weekday.values,
            help="First day of the week, 1 (Monday) to 7 (Sunday); default 1.",
        )
        parser.add_argument(
            "--fiscal-year-start-month",
            type=int,
            default=1,
            choices=range(1, 13),
            metavar="1-12",
            help="Month the fiscal year starts in; default 1 (January).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email: str = options["owner_email"].strip()
        owner = User.objects.filter(email__iexact=email).first()
        if owner is None:
            raise CommandError(
                f"--owner-email: no account has the address {email}; "
                f"create it first with: tandem createuser --email {email} --name '...'"
            )
        name: str = options["name"].strip()
        slug: str = options["slug"].strip()
        if not name:
            raise CommandError("--name: give the organisation a name.")
        taken = Organization.objects.filter(slug=slug).first() if slug else None
        if taken is not None:
            raise CommandError(f"--slug: “{slug}” is already used by {taken.name}.")
        try:
            organization = accounts.organization_create(
                name=name,
                slug=slug,
                owner=owner,
                timezone=options["timezone"].strip(),
                week_start=options["week_start"],
                fiscal_year_start_month=options["fiscal_year_start_month"],
                source=Source.CLI,
            )
        except ValidationError as exc:
            raise command_error(exc, OPTIONS) from None
        self.stdout.write(
            self.style.SUCCESS(
                f"Created the organisation {organization.name} (slug {organization.slug}, "
                f"time zone {organization.timezone}) owned by {owner.email}."
            )
        )
