"""``tandem createuser``: create a person's account, optionally in an organisation with a role."""

from __future__ import annotations

import getpass
import sys
from typing import Any

from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from tandem.accounts import services as accounts
from tandem.accounts.management.errors import command_error
from tandem.accounts.models import Membership, Organization, Role, User
from tandem.audit.models import Source

OPTIONS = {
    "email": "--email",
    "full_name": "--name",
    "password": "--password",
    "role": "--role",
    "title": "--title",
    "organization": "--org",
}


def find_organization(slug: str) -> Organization:
    organization = Organization.objects.filter(slug=slug.strip()).first()
    if organization is None:
        known = list(Organization.objects.order_by("slug").values_list("slug", flat=True)[:10])
        hint = (
            f" (known: {', '.join(known)})" if known else " (there are none yet: tandem createorg)"
        )
        raise CommandError(f"--org: no organisation has the slug “{slug}”{hint}.")
    return organization


class Command(BaseCommand):
    help = (
        "Create a person's account. With --org, make them a member of that organisation "
        "with --role; with --staff, let them use the Django admin. Without --password the "
        "password is asked for (not echoed)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--email", required=True, help="The e-mail address they log in with.")
        parser.add_argument("--name", required=True, help="Full name, as shown on pages.")
        parser.add_argument("--password", help="Their password (asked for when left out).")
        parser.add_argument("--org", metavar="SLUG", help="Organisation to add them to.")
        parser.add_argument(
            "--role",
            choices=Role.values,
            help="Their role in --org (default member).",
        )
        parser.add_argument("--title", default="", help="Job title in --org, shown on pages.")
        parser.add_argument(
            "--staff",
            action="store_true",
            help="Let them use the Django admin (/admin/) with every permission.",
        )
        parser.add_argument(
            "--noinput",
            "--no-input",
            action="store_false",
            dest="interactive",
            help="Never prompt: fail instead when the password is missing.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        email: str = options["email"].strip()
        name: str = options["name"].strip()
        role: str | None = options["role"]
        slug: str | None = options["org"]
        organization = find_organization(slug) if slug else None
        if organization is None and (role or options["title"]):
            raise CommandError(
                f"{'--role' if role else '--title'}: say which organisation with --org."
            )
        title_limit = Membership._meta.get_field("title").max_length or 0
        if len(options["title"]) > title_limit:
            raise CommandError(f"--title: at most {title_limit} characters.")
        if User.objects.filter(email__iexact=email).exists():
            raise CommandError(f"--email: {email} already has an account.")
        password = self._password(options)
        try:
            password_validation.validate_password(
                password, User(email=email.lower(), full_name=name)
            )
        except ValidationError as exc:
            raise CommandError("--password: " + " ".join(exc.messages)) from None

        try:
            with transaction.atomic():
                user = accounts.user_create(email=email, full_name=name, password=password)
                if options["staff"]:
                    accounts.user_set_staff(user=user, staff=True)
                if organization is not None:
                    accounts.membership_add(
                        organization=organization,
                        user=user,
                        role=role or Role.MEMBER,
                        title=options["title"],
                        by=None,
                        source=Source.CLI,
                    )
        except ValidationError as exc:
            raise command_error(exc, OPTIONS) from None

        done = f"Created the account {user.email} for {user.full_name}"
        if organization is not None:
            done += f", {role or Role.MEMBER} of {organization.name} ({organization.slug})"
        if options["staff"]:
            done += ", with access to the Django admin"
        self.stdout.write(self.style.SUCCESS(done + "."))

    def _password(self, options: dict[str, Any]) -> str:
        password: str | None = options["password"]
        if password is not None:
            if not password.strip():
                raise CommandError("--password: the password must not be empty.")
            return password
        if not (options["interactive"] and sys.stdin.isatty()):
            raise CommandError(
                "--password: give a password, or run the command in a terminal to be asked."
            )
        first = getpass.getpass("Password: ")
        if not first.strip():
            raise CommandError("--password: the password must not be empty.")
        if getpass.getpass("Password (again): ") != first:
            raise CommandError("--password: the two passwords differ; nothing was created.")
        return first
