"""What every page's layout needs: the organisation, its words for the concepts, the
person's teams and organisations."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from tandem.accounts.models import Membership, Organization, Team, TeamMembership, User
from tandem.accounts.orgcache import org_terms

CONFIDENCE_SCALE = tuple(range(1, 11))

# Which item of the main navigation each page belongs to, by its URL name (exact names
# first, then prefixes). Pages of one objective belong to its team: the view says which.
_SECTIONS = {
    "home": "home",
    "teams": "teams",
    "team": "team",
    "tree": "tree",
    "calibration": "cycles",
    "objective_score": "cycles",
    "cycles": "cycles",
    "scorecard": "scorecard",
    "scorecard_export": "scorecard",
    "present": "scorecard",
    "kpis": "scorecard",
    "measurement_record": "scorecard",
    "health": "health",
    "kpi_promote": "health",
    "kpi_demote": "health",
    "plan": "plan",
    "plan_edit": "plan",
    "plan_pdf": "plan",
    "organization_settings": "settings",
    "people": "settings",
    "reminder_settings": "settings",
    "reminder_test": "settings",
    "invitation_revoke": "settings",
    "notification_preferences": "profile",
    "api_tokens": "profile",
    "api_token_revoke": "profile",
}
_SECTION_PREFIXES = (
    ("cycle_tree", "tree"),
    ("cycle_", "cycles"),
    ("kpi", "scorecard"),
    ("import", "import"),
    ("webhook", "settings"),
    ("audit_", "settings"),
    ("person_", "settings"),
)


def nav_section(url_name: str) -> str:
    """The navigation item a page highlights ("" for none)."""
    if url_name in _SECTIONS:
        return _SECTIONS[url_name]
    for prefix, section in _SECTION_PREFIXES:
        if url_name.startswith(prefix):
            return section
    return ""


def tandem(request: HttpRequest) -> dict[str, Any]:
    organization = getattr(request, "organization", None)
    user = getattr(request, "user", None)
    context: dict[str, Any] = {
        "organization": organization,
        "membership": getattr(request, "membership", None),
        "nav_teams": Team.objects.none(),
        "nav_memberships": Membership.objects.none(),
        "terms": org_terms(organization),
        "nav_section": "",
        "nav_team": "",
        # The check-in's confidence control: one choice per level.
        "confidence_scale": CONFIDENCE_SCALE,
    }
    match = getattr(request, "resolver_match", None)
    if match is not None:
        context["nav_section"] = nav_section(match.url_name or "")
        if match.url_name == "team":
            context["nav_team"] = match.kwargs.get("slug", "")
    # A view may place its page under one team (an objective under its owner team).
    if getattr(request, "nav_team", ""):
        context["nav_section"], context["nav_team"] = "team", request.nav_team  # type: ignore[attr-defined]
    if organization is not None and user is not None and user.is_authenticated:
        # Lazy: a page without the layout (an htmx fragment) never reads them.
        context["nav_teams"] = SimpleLazyObject(lambda: _teams_of(organization, user))
        context["nav_memberships"] = SimpleLazyObject(lambda: _memberships_of(request, user))
    return context


def _teams_of(organization: Organization, user: User) -> list[Team]:
    """The person's teams by name, in one query that starts from their memberships
    (a join from the teams' side walks every team of a large organisation)."""
    mine = TeamMembership.objects.filter(organization=organization, user=user)
    return list(
        Team.objects.filter(organization=organization, pk__in=mine.values("team_id"))
        .order_by("name", "id")
        .only("name", "slug")
    )


def _memberships_of(request: HttpRequest, user: User) -> list[Membership]:
    """The person's organisations by name, as the middleware read them."""
    memberships = getattr(request, "memberships", None)
    if memberships is None:
        memberships = list(Membership.objects.filter(user=user).select_related("organization"))
    return sorted(memberships, key=lambda m: (m.organization.name, m.pk))
