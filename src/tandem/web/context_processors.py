"""What every page's layout needs: the organisation, its words for the concepts, the
person's teams and organisations."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from tandem.accounts.models import Membership, Team
from tandem.terms import terms_of

CONFIDENCE_SCALE = tuple(range(1, 11))


def tandem(request: HttpRequest) -> dict[str, Any]:
    organization = getattr(request, "organization", None)
    user = getattr(request, "user", None)
    context: dict[str, Any] = {
        "organization": organization,
        "membership": getattr(request, "membership", None),
        "nav_teams": Team.objects.none(),
        "nav_memberships": Membership.objects.none(),
        "terms": terms_of(organization),
        # The check-in's confidence control: one choice per level.
        "confidence_scale": CONFIDENCE_SCALE,
    }
    if organization is not None and user is not None and user.is_authenticated:
        # Querysets stay lazy: a page without the layout (an htmx fragment) never runs them.
        context["nav_teams"] = Team.objects.filter(
            organization=organization, memberships__user=user
        ).order_by("name")
        context["nav_memberships"] = (
            Membership.objects.filter(user=user)
            .select_related("organization")
            .order_by("organization__name")
        )
    return context
