"""``tandem token create|list|revoke``: manage API tokens from the command line."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from tandem.accounts.management.errors import command_error
from tandem.accounts.models import Membership, Organization, User
from tandem.api.models import ApiToken, Scope
from tandem.api.services import api_token_create, api_token_revoke
from tandem.audit.models import Source

OPTIONS = {
    "name": "--name",
    "scope": "--scope",
    "expires_on": "--expires",
    "user": "--email",
}


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"--expires: “{text}” is not a date written YYYY-MM-DD.") from None


class Command(BaseCommand):
    help = (
        "Create, list and revoke API tokens. A token acts as one person in one "
        "organisation, with their role; its secret is printed once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True, metavar="create|list|revoke")
        for name, text in (
            ("create", "Create a token and print its secret (once)."),
            ("list", "List a person's tokens in an organisation."),
            ("revoke", "Revoke a token so that it stops working at once."),
        ):
            sub = actions.add_parser(name, help=text)
            sub.add_argument("--email", required=True, help="The person the token acts as.")
            sub.add_argument("--org", required=True, help="The organisation's slug.")
            if name == "create":
                sub.add_argument("--name", required=True, help="What will use the token.")
                sub.add_argument(
                    "--scope",
                    default=Scope.READ,
                    choices=Scope.values,
                    help="read (default), write, or measurements (post KPI values only).",
                )
                sub.add_argument(
                    "--expires", default="", help="Last day it works, YYYY-MM-DD (default: never)."
                )
            if name == "revoke":
                sub.add_argument(
                    "--name", required=True, help="The token's name, or its tdm_… start."
                )

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(email__iexact=options["email"].strip()).first()
        if user is None:
            raise CommandError(f"--email: no account has the address {options['email']}.")
        organization = Organization.objects.filter(slug=options["org"].strip()).first()
        if organization is None:
            raise CommandError(f"--org: no organisation has the slug “{options['org']}”.")
        if not Membership.objects.filter(organization=organization, user=user).exists():
            raise CommandError(f"--email: {user.email} is not a member of {organization.name}.")
        tokens = ApiToken.objects.filter(organization=organization, user=user).select_related(
            "organization"
        )
        action = options["action"]
        if action == "create":
            expires = _date(options["expires"]) if options["expires"].strip() else None
            try:
                token, secret = api_token_create(
                    user=user,
                    organization=organization,
                    name=options["name"],
                    scope=options["scope"],
                    expires_on=expires,
                    by=None,
                    source=Source.CLI,
                )
            except ValidationError as exc:
                raise command_error(exc, OPTIONS) from None
            self.stderr.write(
                f"Created “{token.name}” ({token.scope}) for {user.email} in "
                f"{organization.name}. Copy the token now: it is shown only once."
            )
            self.stdout.write(secret)
        elif action == "list":
            if not tokens:
                self.stdout.write(f"{user.email} has no tokens in {organization.name}.")
            for token in tokens:
                state = (
                    "revoked" if token.is_revoked else "expired" if token.is_expired() else "active"
                )
                used = f"{token.last_used_at:%Y-%m-%d %H:%M}" if token.last_used_at else "never"
                self.stdout.write(
                    f"{token.display_prefix}…  {token.name}  {token.scope}  {state}  "
                    f"expires {token.expires_on or 'never'}  last used {used}"
                )
        else:
            wanted = options["name"].strip()
            matches = [t for t in tokens if t.name == wanted or wanted.startswith(t.display_prefix)]
            if not matches:
                raise CommandError(f"--name: {user.email} has no token “{wanted}”.")
            if len(matches) > 1:
                raise CommandError(
                    f"--name: {len(matches)} tokens are named “{wanted}”; give its tdm_… start."
                )
            api_token_revoke(token=matches[0], by=None, source=Source.CLI)
            self.stdout.write(f"Revoked “{matches[0].name}”: it no longer works.")
