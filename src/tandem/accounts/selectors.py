"""Reads of people, memberships and invitations, always within one organisation."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone

from tandem.accounts import tokens
from tandem.accounts.models import Invitation, Membership, Organization, TeamMembership, User
from tandem.queries import where


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


def membership_list(*, organization: Organization, role: str | None = None) -> QuerySet[Membership]:
    """The organisation's memberships with their person; ``role`` keeps those in it."""
    rows = Membership.objects.filter(organization=organization).select_related("user")
    return where(rows, role=role)


def membership_of(*, organization: Organization, user_id: int) -> Membership:
    """Person ``user_id``'s membership, with them and the organisation; 404 for anyone
    outside the organisation."""
    return get_object_or_404(
        Membership.objects.select_related("user", "organization"),
        organization=organization,
        user_id=user_id,
    )


def user_get(*, organization: Organization, pk: int) -> User:
    """A person with a membership in the organisation (deactivated ones too)."""
    return get_object_or_404(User.objects.filter(memberships__organization=organization), pk=pk)


# What each state of an invitation means, as a filter at a moment.
INVITATION_STATES: dict[str, Callable[[dt.datetime], Q]] = {
    "accepted": lambda now: Q(accepted_at__isnull=False),
    "revoked": lambda now: Q(accepted_at__isnull=True, revoked_at__isnull=False),
    "expired": lambda now: Q(
        accepted_at__isnull=True, revoked_at__isnull=True, expires_at__lte=now
    ),
    "pending": lambda now: Q(accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=now),
}


def invitation_list(
    *, organization: Organization, state: str | None = None
) -> QuerySet[Invitation]:
    """Every invitation sent, with the teams it joins; ``state`` (pending, accepted,
    revoked, expired) keeps those in it now."""
    rows = Invitation.objects.filter(organization=organization).prefetch_related("teams")
    if state is not None:
        rows = rows.filter(INVITATION_STATES[state](timezone.now()))
    return rows


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
