"""What every page's layout needs: the organisation, the person's teams and organisations."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from tandem.accounts.models import Membership, Team


def _url_or_path(name: str, path: str) -> str:
    # The tree and cycle pages live in their own URL module; until it is
    # installed the navigation still points at their future paths.
    try:
        return reverse(name)
    except NoReverseMatch:
        return path


def tandem(request: HttpRequest) -> dict[str, Any]:
    organization = getattr(request, "organization", None)
    user = getattr(request, "user", None)
    context: dict[str, Any] = {
        "organization": organization,
        "membership": getattr(request, "membership", None),
        "nav_teams": Team.objects.none(),
        "nav_memberships": Membership.objects.none(),
        "nav_tree_url": _url_or_path("tree", "/tree/"),
        "nav_cycles_url": _url_or_path("cycles", "/cycles/"),
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
