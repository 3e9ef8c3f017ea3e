"""Bearer tokens, whatever they open (the API's, an identity provider's for SCIM): a
secret shown once, ``<prefix><public id>_<random>``, stored only as its SHA-256; found
by its public id and checked in constant time; its last use written at most once a
minute; revoked at once and audited.

Each kind of token is a model with ``public_id``, ``secret_hash``, ``revoked_at``,
``last_used_at`` and ``organization``; its own service module checks what is
particular to it (names, scopes, expiry) and calls these.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from datetime import timedelta
from typing import Any, TypeVar

from django.db import models, transaction
from django.db.models import Q
from django.utils import timezone

from tandem.accounts.models import User
from tandem.audit.services import audit_record, snapshot

_ALPHABET = string.ascii_letters + string.digits
# 43 characters of 62 symbols: 256 bits, beyond any guessing.
_SECRET_LENGTH = 43
_PUBLIC_ID_LENGTH = 10
# Writing the last-use time on every request would turn every read into a write.
LAST_USED_PRECISION = timedelta(minutes=1)

T = TypeVar("T", bound=models.Model)


def _random(length: int) -> str:
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret(prefix: str) -> tuple[str, str]:
    """A fresh token's public id and its whole secret, which starts with ``prefix``."""
    public_id = _random(_PUBLIC_ID_LENGTH)
    return public_id, f"{prefix}{public_id}_{_random(_SECRET_LENGTH)}"


def find(tokens: models.QuerySet[T], prefix: str, secret: str) -> T | None:
    """The token of ``tokens`` whose secret is ``secret`` (revoked or expired ones too),
    or None."""
    if not secret.startswith(prefix):
        return None
    public_id, _, rest = secret[len(prefix) :].partition("_")
    if not public_id or not rest:
        return None
    token: Any = tokens.filter(public_id=public_id).first()
    if token is None or not hmac.compare_digest(token.secret_hash, hash_secret(secret)):
        return None
    return token


def touch(token: Any) -> None:
    """Record that ``token`` was used, at most once a minute."""
    now = timezone.now()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_PRECISION:
        return
    type(token)._default_manager.filter(pk=token.pk).filter(
        Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_PRECISION)
    ).update(last_used_at=now)
    token.last_used_at = now


def revoke(token: T, *, action: str, by: User | None, source: str) -> T:
    """Stop ``token`` working at once, audited as ``action``; revoking a revoked token
    changes nothing."""
    manager = type(token)._default_manager
    with transaction.atomic():
        current: Any = manager.select_for_update().get(pk=token.pk)
        if current.revoked_at is not None:
            return current
        before = snapshot(current, ["revoked_at"])
        current.revoked_at = timezone.now()
        current.save(update_fields=["revoked_at"])
        audit_record(
            organization=current.organization,
            actor=by,
            action=action,
            target=current,
            before=before,
            after=snapshot(current, ["revoked_at"]),
            source=source,
        )
    token.revoked_at = current.revoked_at  # type: ignore[attr-defined]
    return current
