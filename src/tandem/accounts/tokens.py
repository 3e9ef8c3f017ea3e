"""The secrets of invitation links: recomputed from the invitation's salt and the
server's key, and looked up by their hash (the link's token is never stored)."""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.utils.crypto import salted_hmac

from tandem.accounts.models import Invitation


def invitation_token(invitation: Invitation) -> str:
    """The secret of the invitation's link, recomputed from its salt and the server's key."""
    return token_for_salt(invitation.token_salt)


def token_for_salt(salt: str) -> str:
    return salted_hmac(
        "tandem.accounts.invitation", salt, secret=settings.SECRET_KEY, algorithm="sha256"
    ).hexdigest()


def invitation_token_hash(token: str) -> str:
    # The token is 256 bits of HMAC output: a fast hash is enough to look it up.
    return hashlib.sha256(token.encode()).hexdigest()
