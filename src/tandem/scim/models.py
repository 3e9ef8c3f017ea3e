"""Provisioning from an identity provider (SCIM 2.0): its tokens, and what it knows of
the people and teams it provisions.

A SCIM token acts for one organisation as its identity provider: it creates, changes
and deactivates that organisation's people and teams, and nothing else. Like an API
token it is shown once and only its SHA-256 is kept.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from tandem.accounts.models import Organization, Role, Team


class ScimToken(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="scim_tokens"
    )
    name = models.CharField(max_length=100)
    public_id = models.CharField(max_length=16, unique=True)
    secret_hash = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} (scim_{self.public_id}…)"

    @property
    def display_prefix(self) -> str:
        return f"scim_{self.public_id}"

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class ScimUser(models.Model):
    """A person the provider provisions in an organisation.

    Deactivating them ends their membership (teams and API tokens go too, their work
    stays) and keeps this row, so that the provider still finds them, inactive, and
    so that reactivating gives back the role they had.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="scim_identities"
    )
    # The provider's sign-in name for the person (Entra: the user principal name), which
    # may differ from the account's e-mail address.
    user_name = models.CharField(max_length=255)
    external_id = models.CharField(max_length=255, blank=True)
    active = models.BooleanField(default=True)
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="scimuser_unique"),
        ]
        indexes = [models.Index(fields=["organization", "external_id"])]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization}"


class ScimGroup(models.Model):
    """The provider's own id (``externalId``) of a team it provisions."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    team = models.OneToOneField(Team, on_delete=models.CASCADE, related_name="scim_group")
    external_id = models.CharField(max_length=255, blank=True)

    def __str__(self) -> str:
        return f"{self.team} ({self.external_id})"
