"""What ``tandem import`` and ``tandem export`` share: finding the organisation and the
person acting, and printing progress on stderr."""

from __future__ import annotations

import sys
from typing import TextIO

from django.core.management.base import CommandError, OutputWrapper

from tandem.accounts.models import Membership, Organization


def organization_named(slug: str) -> Organization:
    organization = Organization.objects.filter(slug=slug).first()
    if organization is None:
        raise CommandError(f"--org: no organisation “{slug}” (tandem help createorg makes one).")
    return organization


def membership_of(organization: Organization, email: str) -> Membership:
    membership = (
        Membership.objects.filter(organization=organization, user__email__iexact=email.strip())
        .select_related("user", "organization")
        .first()
    )
    if membership is None:
        raise CommandError(f"--as: {email} is not a member of {organization.name}.")
    return membership


class Progress:
    """A line on stderr now and then, so a long run shows it is alive without filling a
    log: at most one line per ``every`` rows, and the last one."""

    def __init__(self, what: str, stream: TextIO | OutputWrapper | None = None) -> None:
        self.what = what
        self.stream = stream or sys.stderr

    def __call__(self, done: int, total: int) -> None:
        percent = 100 * done // total if total else 100
        self.say(f"{self.what}: {done}/{total} rows ({percent}%)")
        self.stream.flush()

    def say(self, text: str) -> None:
        self.stream.write(text if isinstance(self.stream, OutputWrapper) else text + "\n")
        self.stream.flush()
