"""Background sending of account e-mails, on the ``mail`` queue (run by ``tandem worker``).

A slow or unreachable mail server then delays an e-mail, never a page, and one that
refuses it for now gets it again later (:mod:`tandem.jobs.mail`): the task enqueues its
own next attempt. After the last attempt, or on a refusal that waiting will not change,
the task fails with the server's answer, kept in the task table and the worker's log.
The tasks carry no secret: each recomputes its link's token when it runs, so the task
rows hold only an invitation's id or an e-mail address.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_tasks import task

from tandem import events
from tandem.accounts import emails, tokens
from tandem.accounts.languages import language_of
from tandem.accounts.models import Invitation, User
from tandem.jobs import mail

logger = logging.getLogger("tandem.accounts")


class MailRefused(RuntimeError):
    """The last attempt of an e-mail failed: the task fails with the server's answer."""


def _send_or_retry(
    send: Callable[[], None], *, attempt: int, retry: Callable[[dt.datetime], object]
) -> bool:
    """Send; on a refusal for now, have ``retry`` enqueue the next attempt at the time
    it is given, and answer False."""
    try:
        send()
    except Exception as error:
        at = mail.next_attempt_at(error, attempt=attempt, now=timezone.now())
        text = mail.describe(error)
        if at is None:
            raise MailRefused(
                f"Gave up after {attempt} attempt{'s' if attempt != 1 else ''}: {text}"
            ) from error
        logger.warning("E-mail attempt %s failed, retrying at %s: %s", attempt, at, text)
        retry(at)
        return False
    return True


@task(queue_name="mail")
def send_invitation(invitation_id: int, attempt: int = 1) -> bool:
    """E-mail the invitation's link; answer False when it was withdrawn or used meanwhile."""
    invitation = (
        Invitation.objects.select_related("organization", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or invitation.state() != "pending":
        return False
    inviter = invitation.invited_by
    context = {
        "invitation": invitation,
        "organization": invitation.organization,
        "inviter": inviter.full_name or inviter.email if inviter else "",
        "teams": list(invitation.teams.all()),
        "link": emails.invitation_link(tokens.invitation_token(invitation)),
    }
    # The invited have no account yet: they read the organisation's language.
    language = language_of(None, invitation.organization)
    with translation.override(language):
        subject = _("Join %(name)s on Tandem") % {"name": invitation.organization.name}
    return _send_or_retry(
        lambda: emails.send(
            to=invitation.email,
            subject=subject,
            template="invitation",
            context=context,
            language=language,
        ),
        attempt=attempt,
        retry=lambda at: send_invitation.using(run_after=at).enqueue(
            invitation_id, attempt=attempt + 1
        ),
    )


@task(queue_name="mail")
def send_password_reset(email: str, attempt: int = 1, user_id: int | None = None) -> int:
    """E-mail a reset link to each active account with ``email``; answer how many went.

    An unknown address sends nothing: the page that asked already gave its one answer.
    The link's hour starts now, when the token is made (on a retry: when it is retried),
    not when it was asked for. A retry is for the one account (``user_id``) whose e-mail
    was refused, so that the others do not get a second link.
    """
    accounts = User.objects.filter(email__iexact=email, is_active=True)
    if user_id is not None:
        accounts = accounts.filter(pk=user_id)
    users = [user for user in accounts if user.has_usable_password()]
    minutes = int(settings.PASSWORD_RESET_TIMEOUT) // 60
    sent = 0
    for user in users:
        sent += _send_reset(user, email=email, minutes=minutes, attempt=attempt)
    return sent


def _send_reset(user: User, *, email: str, minutes: int, attempt: int) -> bool:
    link = emails.password_reset_link(
        urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)
    )

    membership = user.memberships.select_related("organization").order_by("pk").first()
    language = language_of(user, membership.organization if membership else None)

    def send() -> None:
        with translation.override(language):
            emails.send(
                to=user.email,
                subject=_("Choose a new Tandem password"),
                template="password_reset",
                context={"user": user, "link": link, "valid_for": _duration(minutes)},
                language=language,
            )

    def retry(at: dt.datetime) -> None:
        send_password_reset.using(run_after=at).enqueue(email, attempt=attempt + 1, user_id=user.pk)

    return _send_or_retry(send, attempt=attempt, retry=retry)


def _duration(minutes: int) -> str:
    if minutes and minutes % 60 == 0:
        hours = minutes // 60
        return ngettext("%(count)s hour", "%(count)s hours", hours) % {"count": hours}
    return ngettext("%(count)s minute", "%(count)s minutes", minutes) % {"count": minutes}


def _on_invitation(event: events.InvitationCreated) -> None:
    send_invitation.enqueue(invitation_id=event.invitation.pk)


def _on_password_reset(event: events.PasswordResetRequested) -> None:
    send_password_reset.enqueue(email=event.email)


def connect() -> None:
    """Queue the e-mails of the accounts' events, in the transaction that publishes them
    (``AccountsConfig.ready``)."""
    events.subscribe(events.InvitationCreated, _on_invitation)
    events.subscribe(events.PasswordResetRequested, _on_password_reset)
