"""Background sending of account e-mails, on the ``mail`` queue (run by ``tandem worker``).

A slow or unreachable mail server then delays an e-mail, never a page. The tasks carry
no secret: each recomputes its link's token when it runs, so the task rows hold only an
invitation's id or an e-mail address.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django_tasks import task

from tandem.accounts import emails
from tandem.accounts.models import Invitation, User


@task(queue_name="mail")
def send_invitation(invitation_id: int) -> bool:
    """E-mail the invitation's link; answer False when it was withdrawn or used meanwhile."""
    from tandem.accounts.services import invitation_token

    invitation = (
        Invitation.objects.select_related("organization", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or invitation.state() != "pending":
        return False
    inviter = invitation.invited_by
    emails.send(
        to=invitation.email,
        subject=f"Join {invitation.organization.name} on Tandem",
        template="invitation",
        context={
            "invitation": invitation,
            "organization": invitation.organization,
            "inviter": inviter.full_name or inviter.email if inviter else "",
            "teams": list(invitation.teams.all()),
            "link": emails.invitation_link(invitation_token(invitation)),
        },
    )
    return True


@task(queue_name="mail")
def send_password_reset(email: str) -> int:
    """E-mail a reset link to each active account with ``email``; answer how many went.

    An unknown address sends nothing: the page that asked already gave its one answer.
    The link's hour starts now, when the token is made, not when it was asked for.
    """
    users = [
        user
        for user in User.objects.filter(email__iexact=email, is_active=True)
        if user.has_usable_password()
    ]
    minutes = int(settings.PASSWORD_RESET_TIMEOUT) // 60
    for user in users:
        link = emails.password_reset_link(
            urlsafe_base64_encode(force_bytes(user.pk)), default_token_generator.make_token(user)
        )
        emails.send(
            to=user.email,
            subject="Choose a new Tandem password",
            template="password_reset",
            context={"user": user, "link": link, "valid_for": _duration(minutes)},
        )
    return len(users)


def _duration(minutes: int) -> str:
    if minutes and minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''}"
    return f"{minutes} minute{'s' if minutes != 1 else ''}"
