"""Private objectives in e-mails: a digest or an escalation never names a private
objective, or a key result of one, to someone who may not see it; the company's digest
to owners and admins does, a chat channel never does; the owner of a key result of a
private objective sees that objective, so their reminder names it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tandem.accounts import services as accounts
from tandem.notifications import services as notifications
from tandem.okrs import services as okrs
from tandem.okrs.models import KeyResult, Objective
from tests.conftest import Cast, Mailbox
from tests.notifications.conftest import Hook, check_in, run_worker
from tests.notifications.test_digest import CHECKED_AT, DIGEST_AT, red_week  # noqa: F401
from tests.notifications.test_escalation import BERLIN, friday_ten

SALES_SECRET = "Poach the rival's account managers"
COMPANY_SECRET = "Sell the printing arm"


@pytest.fixture
def secrets(cast: Cast, red_week) -> dict[str, KeyResult]:  # noqa: F811
    """In the red week's Q2: a private objective of Sales whose key result, owned by its
    lead (the editor), is off track; and a private objective of the company whose key
    result, owned by the member, is at risk."""
    q2 = red_week["melon"].cycle
    made = {}
    for name, title, team, owner, value in [
        ("sales", SALES_SECRET, cast.team, cast.editor, "20"),
        ("company", COMPANY_SECRET, cast.company, cast.member, "70"),
    ]:
        objective = okrs.objective_create(
            organization=cast.org, cycle=q2, owner_team=team, title=title, is_private=True,
            by=cast.owner,
        )  # fmt: skip
        kr = okrs.key_result_create(
            objective=objective, title=f"{title}: the number", baseline=Decimal(0),
            target=Decimal(100), owner=owner, by=cast.owner,
        )  # fmt: skip
        okrs.key_result_check_in(key_result=kr, value=value, confidence=7, by=owner, at=CHECKED_AT)
        made[name] = kr
    return made


def digest_of(box: Mailbox, email: str) -> str:
    [mail] = box.to(email)
    return str(mail["Subject"]) + "\n" + Mailbox.text(mail)


def test_a_plain_members_digest_leaves_out_their_teams_private_objective(
    cast: Cast, secrets, smtp_server: Mailbox
):
    run_worker(DIGEST_AT)

    body = digest_of(smtp_server, cast.member.email)
    assert SALES_SECRET not in body
    assert "Delight clients: the number: at risk" in body  # the public part is still there


def test_the_owner_of_a_key_result_of_a_private_objective_reads_it_in_their_digest(
    cast: Cast, secrets, smtp_server: Mailbox
):
    run_worker(DIGEST_AT)

    assert f"{COMPANY_SECRET}: the number: at risk" in digest_of(smtp_server, cast.member.email)


def test_the_teams_lead_reads_the_teams_private_objective_and_not_another_teams(
    cast: Cast, secrets, smtp_server: Mailbox
):
    run_worker(DIGEST_AT)

    body = digest_of(smtp_server, cast.editor.email)
    assert f"{SALES_SECRET}: the number: off track" in body
    assert COMPANY_SECRET not in body


def test_the_company_digest_to_owners_and_admins_names_every_private_objective(
    cast: Cast, secrets, smtp_server: Mailbox
):
    run_worker(DIGEST_AT)

    for person in (cast.owner, cast.admin):
        body = digest_of(smtp_server, person.email)
        assert SALES_SECRET in body, person
        assert COMPANY_SECRET in body, person


def test_the_channel_digest_names_no_private_objective(
    cast: Cast, secrets, smtp_server: Mailbox, chat_webhook: Hook
):
    notifications.reminder_settings_update(
        organization=cast.org, by=cast.owner, channel_webhook_url=chat_webhook.url
    )

    run_worker(DIGEST_AT)

    [payload] = chat_webhook.received
    text = str(payload)
    assert "Delight clients" in text
    assert SALES_SECRET not in text
    assert COMPANY_SECRET not in text
    assert payload["text"].endswith("2 key results behind, 1 watermelon")


# -- reminders and escalations (the crew: Lena leads Sales, Mia and Max are in it) --------


@pytest.fixture
def finance_secret(crew):
    """The crew in Berlin, and a private objective of another team, Finance (led by
    nobody in Sales), with a key result owned by Mia, who stops checking in."""
    c = crew("Europe/Berlin")
    finance = accounts.team_create(organization=c.org, name="Finance", by=c.owner)
    objective = okrs.objective_create(
        organization=c.org, cycle=c.autumn, owner_team=finance, title=COMPANY_SECRET,
        is_private=True, by=c.owner,
    )  # fmt: skip
    kr = okrs.key_result_create(
        objective=objective, title="Find a buyer", baseline=Decimal(0), target=Decimal(100),
        owner=c.mia, by=c.owner,
    )  # fmt: skip
    return c, objective, kr


def test_the_reminder_to_the_owner_of_a_key_result_of_a_private_objective_names_it(
    finance_secret, smtp_server: Mailbox, client_for
):
    c, objective, _ = finance_secret
    run_worker(friday_ten(16))

    [mail] = smtp_server.to(c.mia.email)
    body = Mailbox.text(mail)
    assert "Find a buyer" in body
    assert COMPANY_SECRET in body
    # The link in the e-mail opens: owning one of its key results, Mia sees the objective.
    assert client_for(c.mia).get(f"/objectives/{objective.pk}/").status_code == 200
    assert client_for(c.max).get(f"/objectives/{objective.pk}/").status_code == 404


def test_the_leads_escalation_leaves_out_a_key_result_of_a_private_objective_they_cannot_see(
    finance_secret, smtp_server: Mailbox
):
    c, _, _ = finance_secret
    check_in(c.kr("max", "autumn"), "10", dt.datetime(2026, 10, 13, 12, tzinfo=BERLIN))
    check_in(c.kr("max", "autumn"), "20", dt.datetime(2026, 10, 20, 12, tzinfo=BERLIN))

    run_worker(friday_ten(23))

    [mail] = smtp_server.to(c.lead.email)
    body = Mailbox.text(mail)
    assert "Mia Member" in body
    assert f"{c.kr('mia', 'autumn').title}: no check-in for" in body
    assert "Find a buyer" not in body
    assert COMPANY_SECRET not in body


def test_a_lead_who_may_see_the_private_objective_hears_of_its_key_result(
    finance_secret, smtp_server: Mailbox
):
    c, objective, _ = finance_secret
    okrs.objective_update(objective=objective, owner_team=c.team, by=c.owner)
    assert Objective.objects.get(pk=objective.pk).is_private

    run_worker(friday_ten(23))

    body = Mailbox.text(smtp_server.to(c.lead.email)[0])
    assert "Find a buyer: no check-in for" in body
