"""An invitation or a reset link the mail server refuses for now goes again a minute
later; one it refuses for good fails its task with the server's answer. A real aiosmtpd
server does the refusing."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from tandem.jobs.mail import RETRY_DELAYS
from tests.accounts.conftest import run_worker
from tests.accounts.test_invitations import invite
from tests.conftest import Cast, Mailbox, move_mail_retries_forward


def test_an_invitation_refused_for_now_arrives_on_the_next_attempt(
    cast: Cast, client_for, smtp_server: Mailbox
):
    smtp_server.refuse["nia@acme.test"] = ["421 4.7.0 Too many connections, slow down"]
    invite(client_for(cast.owner), "nia@acme.test")

    before = timezone.now()
    run_worker()
    assert smtp_server.to("nia@acme.test") == []
    first = DBTaskResult.objects.get(status="SUCCESSFUL", task_path__endswith="send_invitation")
    assert first.return_value is False
    [retry] = DBTaskResult.objects.filter(queue_name="mail", status="READY")
    assert retry.args_kwargs["kwargs"] == {"attempt": 2}
    assert retry.run_after is not None
    wait = retry.run_after - before
    assert dt.timedelta(seconds=RETRY_DELAYS[0] - 1) < wait <= dt.timedelta(seconds=65)

    run_worker()  # the minute has not passed
    assert smtp_server.to("nia@acme.test") == []

    move_mail_retries_forward()
    run_worker()
    [mail] = smtp_server.to("nia@acme.test")
    assert mail["Subject"] == "Join Acme IT on Tandem"
    assert not DBTaskResult.objects.filter(queue_name="mail", status="READY").exists()


def test_an_invitation_refused_for_good_fails_its_task_with_the_servers_answer(
    cast: Cast, client_for, smtp_server: Mailbox
):
    smtp_server.refuse["nia@acme.test"] = ["550 5.1.1 No such user here"]
    invite(client_for(cast.owner), "nia@acme.test")

    run_worker()

    [task] = DBTaskResult.objects.filter(task_path__endswith="send_invitation")
    assert task.status == "FAILED"
    assert "Gave up after 1 attempt: nia@acme.test: 550 5.1.1 No such user here" in str(
        task.traceback
    )
    assert not DBTaskResult.objects.filter(queue_name="mail", status="READY").exists()


def test_a_reset_link_refused_for_now_is_sent_again_with_a_fresh_link(
    cast: Cast, client, smtp_server: Mailbox
):
    smtp_server.refuse[cast.member.email] = ["452 4.2.2 Mailbox full for now"]
    client.post("/password-reset/", {"email": cast.member.email})
    run_worker()
    assert smtp_server.to(cast.member.email) == []
    [retry] = DBTaskResult.objects.filter(queue_name="mail", status="READY")
    assert retry.args_kwargs["kwargs"] == {"attempt": 2, "user_id": cast.member.pk}

    move_mail_retries_forward()
    run_worker()
    [mail] = smtp_server.to(cast.member.email)
    assert mail["Subject"] == "Choose a new Tandem password"
