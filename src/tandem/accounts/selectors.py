"""Reads of people, memberships and invitations, always within one organisation."""

from __future__ import annotations

from collections import defaultdict

from django.http import Http404

from tandem.accounts import tokens
from tandem.accounts.models import Invitation, Membership, Organization, TeamMembership


def people_list(*, organization: Organization) -> list[Membership]:
    """The organisation's members by name, each with ``team_names`` (two queries in all)."""
    memberships = list(
        Membership.objects.filter(organization=organization)
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    teams: dict[int, list[str]] = defaultdict(list)
    for user_id, name in (
        TeamMembership.objects.filter(organization=organization)
        .order_by("team__name")
        .values_list("user_id", "team__name")
    ):
        teams[user_id].append(name)
    for membership in memberships:
        membership.team_names = teams.get(membership.user_id, [])  # type: ignore[attr-defined]
    return memberships


def membership_get(*, organization: Organization, pk: int) -> Membership:
    membership = (
        Membership.objects.select_related("user", "organization")
        .filter(organization=organization, pk=pk)
        .first()
    )
    if membership is None:
        raise Http404("No such member in this organisation.")
    return membership


def invitations_pending(*, organization: Organization) -> list[Invitation]:
    """Invitations neither accepted nor withdrawn, expired ones included (they say so)."""
    return list(
        Invitation.objects.filter(
            organization=organization, accepted_at__isnull=True, revoked_at__isnull=True
        )
        .select_related("invited_by")
        .prefetch_related("teams")
    )


def invitation_get(*, organization: Organization, pk: int) -> Invitation:
    invitation = (
        Invitation.objects.select_related("organization")
        .filter(organization=organization, pk=pk)
        .first()
    )
    if invitation is None:
        raise Http404("No such invitation in this organisation.")
    return invitation


def invitation_find(token: str) -> Invitation | None:
    """The invitation whose link carries ``token``, whatever its state, or None."""
    if not token or len(token) > 200:
        return None
    return (
        Invitation.objects.select_related("organization", "invited_by")
        .filter(token_hash=tokens.invitation_token_hash(token))
        .first()
    )
