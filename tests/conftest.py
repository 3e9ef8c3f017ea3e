"""The cast every test can use: one organisation with a person per role, and an outsider.

``cast.owner``, ``cast.admin``, ``cast.editor``, ``cast.member``, ``cast.viewer`` belong
to ``cast.org``; ``cast.outsider`` is the owner of ``cast.other_org``. ``cast.team``
(Sales, under the company) has ``cast.member`` as a member and ``cast.editor`` as its lead.
``cast.cycle`` is an active quarter around today; ``cast.objective`` is owned by
``cast.team`` and has a metric key result ``cast.kr`` (0 -> 100, owned by the member).
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from email.message import EmailMessage

import pytest
from django.utils import translation

from tandem.accounts import services as accounts
from tandem.accounts.models import Organization, Role, Team, User
from tandem.okrs import services as okrs
from tandem.okrs.models import Cycle, KeyResult, Objective

PASSWORD = "correct horse battery staple"


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Start and end every test in the default language: a page request in French
    leaves French active in the test's thread, as Django's locale middleware does
    for each request it serves, and the next test's labels would be French."""
    translation.deactivate()
    yield
    translation.deactivate()


@dataclass
class Cast:
    org: Organization
    other_org: Organization
    owner: User
    admin: User
    editor: User
    member: User
    viewer: User
    outsider: User
    company: Team
    team: Team
    other_team: Team
    cycle: Cycle
    objective: Objective
    kr: KeyResult


def make_user(email: str, name: str) -> User:
    return accounts.user_create(email=email, full_name=name, password=PASSWORD)


def quarter_around(day: dt.date) -> tuple[dt.date, dt.date]:
    first_month = 3 * ((day.month - 1) // 3) + 1
    start = dt.date(day.year, first_month, 1)
    end_month = first_month + 3
    end = (
        dt.date(day.year + 1, 1, 1) if end_month > 12 else dt.date(day.year, end_month, 1)
    ) - dt.timedelta(days=1)
    return start, end


@pytest.fixture
def cast(db: None) -> Cast:
    return build_cast()


def build_cast() -> Cast:
    """The cast, made through the services (for fixtures of other scopes too)."""
    owner = make_user("olivia@acme.test", "Olivia Owner")
    org = accounts.organization_create(name="Acme IT", owner=owner, timezone="Europe/Paris")
    people: dict[str, User] = {}
    for role in (Role.ADMIN, Role.EDITOR, Role.MEMBER, Role.VIEWER):
        user = make_user(f"{role}@acme.test", f"{role.label} Person")
        accounts.membership_add(organization=org, user=user, role=role, by=owner)
        people[role] = user
    outsider = make_user("oscar@globex.test", "Oscar Outsider")
    other_org = accounts.organization_create(name="Globex", owner=outsider)
    company = accounts.team_create(
        organization=org, name="Acme IT", kind=Team.Kind.COMPANY, by=owner
    )
    team = accounts.team_create(organization=org, name="Sales", parent=company, by=owner)
    accounts.team_add_member(team=team, user=people[Role.MEMBER], by=owner)
    accounts.team_add_member(team=team, user=people[Role.EDITOR], is_lead=True, by=owner)
    other_team = accounts.team_create(organization=other_org, name="Globex Sales", by=outsider)
    start, end = quarter_around(dt.datetime.now(dt.UTC).date())
    cycle = okrs.cycle_create(
        organization=org,
        name="This quarter",
        start_date=start,
        end_date=end,
        state=Cycle.State.ACTIVE,
        by=owner,
    )
    objective = okrs.objective_create(
        organization=org,
        cycle=cycle,
        owner_team=team,
        by=owner,
        title="Become the go-to IT service provider in our region",
    )
    kr = okrs.key_result_create(
        objective=objective,
        title="Sign new recurring contracts",
        baseline=Decimal(0),
        target=Decimal(100),
        owner=people[Role.MEMBER],
        by=owner,
    )
    return Cast(
        org=org,
        other_org=other_org,
        owner=owner,
        admin=people[Role.ADMIN],
        editor=people[Role.EDITOR],
        member=people[Role.MEMBER],
        viewer=people[Role.VIEWER],
        outsider=outsider,
        company=company,
        team=team,
        other_team=other_team,
        cycle=cycle,
        objective=objective,
        kr=kr,
    )


@dataclass
class Mailbox:
    """What a real SMTP server on 127.0.0.1 received: one parsed message per delivery.

    ``refuse[address]`` is a list of answers (``"451 4.3.0 Try again later"``) the server
    gives, one per attempt, before it takes a message for ``address``; ``refused`` lists
    the addresses it turned away, in order.
    """

    messages: list[EmailMessage]
    envelopes: list[tuple[str, list[str]]]
    refuse: dict[str, list[str]] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if address in str(m["To"])]

    @staticmethod
    def text(message: EmailMessage) -> str:
        part = message.get_body(preferencelist=("plain",))
        assert part is not None, "the message has no plain-text part"
        return str(part.get_content())


@pytest.fixture
def smtp_server(settings) -> Iterator[Mailbox]:
    """An aiosmtpd server on a free local port, with Django's SMTP backend pointed at it."""
    from aiosmtpd.controller import Controller

    box = Mailbox(messages=[], envelopes=[])

    class Handler:
        async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
            answers = box.refuse.get(address)
            if answers:
                box.refused.append(address)
                return answers.pop(0)
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):
            box.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
            box.messages.append(
                email.message_from_bytes(envelope.original_content, policy=email.policy.default)
            )
            return "250 Message accepted for delivery"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Handler(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield box
    finally:
        controller.stop()


def move_mail_retries_forward() -> int:
    """Make every e-mail waiting for its retry due now, as if its delay had passed."""
    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    past = timezone.now() - dt.timedelta(seconds=1)
    return DBTaskResult.objects.filter(
        queue_name="mail", status="READY", run_after__gt=past
    ).update(run_after=past)
