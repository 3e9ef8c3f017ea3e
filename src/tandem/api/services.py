"""Writes made for the API: tokens, replayed answers, and the deletions only the API offers.

Keyword-only, atomic and audited like every other service; errors are
``ValidationError`` with a message per field.
"""

from __future__ import annotations

import datetime as dt
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from tandem import bearer
from tandem.accounts.models import Membership, Organization, User
from tandem.api.models import ApiToken, IdempotencyRecord, Scope
from tandem.audit.models import Source
from tandem.audit.services import audit_record, snapshot
from tandem.bearer import hash_secret

TOKEN_PREFIX = "tdm_"
IDEMPOTENCY_WINDOW = timedelta(hours=24)
_TOKEN_AUDIT_FIELDS = ["user", "name", "scope", "public_id", "expires_on", "revoked_at"]


def api_token_create(
    *,
    user: User,
    organization: Organization,
    name: str,
    scope: str,
    expires_on: dt.date | None,
    by: User | None,
    source: str = Source.WEB,
) -> tuple[ApiToken, str]:
    """Create a token acting as ``user`` in ``organization``; return it and its secret.

    The secret is returned once and never stored: show it to the person now.
    """
    errors: dict[str, str] = {}
    name = name.strip()
    if not name:
        errors["name"] = "Name the token after what uses it (e.g. “Warehouse nightly load”)."
    elif len(name) > ApiToken._meta.get_field("name").max_length:  # type: ignore[operator]
        errors["name"] = "Keep the name under 100 characters."
    if scope not in Scope.values:
        errors["scope"] = f"“{scope}” is not a scope; choose one of {', '.join(Scope.values)}."
    today = organization.today()
    if expires_on is not None and expires_on < today:
        errors["expires_on"] = f"{expires_on} has passed; choose today or a later day."
    if not Membership.objects.filter(organization=organization, user=user).exists():
        errors["user"] = f"{user.email} is not a member of {organization.name}."
    if errors:
        raise ValidationError(errors)
    public_id, secret = bearer.new_secret(TOKEN_PREFIX)
    with transaction.atomic():
        token = ApiToken.objects.create(
            organization=organization,
            user=user,
            name=name,
            scope=scope,
            public_id=public_id,
            secret_hash=hash_secret(secret),
            expires_on=expires_on,
            created_by=by,
        )
        audit_record(
            organization=organization,
            actor=by,
            action="api_token.create",
            target=token,
            after=snapshot(token, _TOKEN_AUDIT_FIELDS),
            source=source,
        )
    return token, secret


def api_token_revoke(*, token: ApiToken, by: User | None, source: str = Source.WEB) -> ApiToken:
    """Stop a token working at once. Revoking a revoked token changes nothing."""
    return bearer.revoke(token, action="api_token.revoke", by=by, source=source)


def api_token_find(secret: str) -> ApiToken | None:
    """The token whose secret is ``secret`` (revoked or expired ones too), or None."""
    tokens = ApiToken.objects.select_related("organization", "user")
    return bearer.find(tokens, TOKEN_PREFIX, secret)


def api_token_touch(*, token: ApiToken) -> None:
    """Record that the token was used, at most once a minute."""
    bearer.touch(token)


# -- idempotency ------------------------------------------------------------------------


def idempotency_lookup(*, token: ApiToken, key: str) -> IdempotencyRecord | None:
    """The answer kept for ``key`` in the last 24 hours, if any."""
    cutoff = timezone.now() - IDEMPOTENCY_WINDOW
    return IdempotencyRecord.objects.filter(token=token, key=key, created_at__gte=cutoff).first()


def idempotency_store(
    *, token: ApiToken, key: str, request_hash: str, status: int, body: Any
) -> None:
    """Keep an answer to replay; answers older than the window are dropped on the way."""
    now = timezone.now()
    IdempotencyRecord.objects.filter(created_at__lt=now - IDEMPOTENCY_WINDOW).delete()
    try:
        with transaction.atomic():
            IdempotencyRecord.objects.create(
                organization_id=token.organization_id,
                token=token,
                key=key,
                request_hash=request_hash,
                status=status,
                body=body,
                created_at=now,
            )
    except IntegrityError:
        # A concurrent request with the same key stored its answer first; the
        # ingestion itself is idempotent, so both answers describe the same data.
        pass


# -- deletions --------------------------------------------------------------------------
