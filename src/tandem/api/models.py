"""API tokens, and the answers kept to replay a request sent again with its Idempotency-Key."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tandem.accounts.models import Organization


class Scope(models.TextChoices):
    READ = "read", _("Read everything")
    WRITE = "write", _("Read and write")
    MEASUREMENTS = "measurements", _("Post KPI measurements (and read KPIs)")


class ApiToken(models.Model):
    """Lets a script act as one person in one organisation, with that person's role.

    The token itself (``tdm_<public_id>_<secret>``) is shown once; only its SHA-256 is
    kept. The token carries 256 bits of randomness, so a fast hash is enough: nobody can
    guess it, and a slow password hash would cost every API request.
    """

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="api_tokens"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(max_length=100)
    scope = models.CharField(max_length=12, choices=Scope.choices, default=Scope.READ)
    public_id = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    expires_on = models.DateField(
        null=True, blank=True, help_text="The last day the token works (none: until revoked)."
    )
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scope__in=["read", "write", "measurements"]),
                name="apitoken_scope_valid",
            ),
        ]
        indexes = [models.Index(fields=["organization", "user"])]

    def __str__(self) -> str:
        return f"{self.name} (tdm_{self.public_id}…)"

    @property
    def display_prefix(self) -> str:
        return f"tdm_{self.public_id}"

    def is_expired(self, today: dt.date | None = None) -> bool:
        if self.expires_on is None:
            return False
        day = today or self.organization.today()
        return day > self.expires_on

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class IdempotencyRecord(models.Model):
    """The first answer to a request sent with an ``Idempotency-Key``, replayed for 24 hours."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    token = models.ForeignKey(ApiToken, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    request_hash = models.CharField(max_length=64)
    status = models.PositiveSmallIntegerField()
    body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["token", "key"], name="idempotency_token_key_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.status})"
