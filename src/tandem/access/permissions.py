"""Who may see and change what in Tandem: every rule, in one module.

Pages, the API, imports and the command line all ask this module; nothing else
decides. The rules (docs/security.md has the table):

- **owner** and **admin** do everything; admins also run people, teams, settings and
  integrations (owners too);
- **editor** changes every OKR and KPI it can see;
- **member** creates and changes the objectives owned by themselves or by a team they
  belong to, and the key results, initiatives and alignments of those; checks in on
  what they own or contribute to (a key result they own); enters the values of the
  KPIs they or their teams own;
- **viewer** reads and changes nothing;
- a **team lead** (``TeamMembership.is_lead``), whatever their role above viewer,
  manages the team's OKRs, promotes and demotes the team's KPIs, and adjusts the
  scores of the team's objectives.

**Private objectives** are seen only by the person who owns one, the leads of the
team that owns one, the owners of its key results (whoever hands someone a key
result lets them see what it measures, check in on it and be reminded of it), and
admins and owners. Everyone else never meets them: not in a
list, a tree, a roll-up, a count, an export or the API, and a direct address answers
404 (never 403, so that their existence does not leak). Editors included: "every
OKR" means every OKR they can see.

Refusals raise ``PermissionDenied`` with a sentence saying why, which the 403 page
and the API's problem JSON show.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from typing import Protocol, TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tandem.accounts.models import Membership, Role, Team, TeamMembership, User
from tandem.kpis.models import KPI
from tandem.okrs.models import KeyResult, Objective

VIEWER_REFUSAL = gettext_lazy(
    "Viewers can read everything but change nothing; ask an admin for a member role."
)
ADMIN_ROLES = frozenset({Role.OWNER, Role.ADMIN})
EDIT_ROLES = frozenset({Role.OWNER, Role.ADMIN, Role.EDITOR})

M = TypeVar("M", bound=Model)


# -- the person asking ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Viewer:
    """A person in one organisation: their role and the teams they belong to and lead.

    Built once per request (:func:`viewer_of`) and handed to the selectors, which
    return only what this person may see.
    """

    membership: Membership
    team_ids: frozenset[int]
    lead_team_ids: frozenset[int]

    @property
    def role(self) -> str:
        return self.membership.role

    @property
    def user_id(self) -> int:
        return self.membership.user_id

    @property
    def organization_id(self) -> int:
        return self.membership.organization_id


def viewer_of(membership: Membership) -> Viewer:
    """The membership with its teams, read in one query."""
    teams: set[int] = set()
    leads: set[int] = set()
    rows = TeamMembership.objects.filter(
        organization_id=membership.organization_id, user_id=membership.user_id
    ).values_list("team_id", "is_lead")
    for team_id, is_lead in rows:
        teams.add(team_id)
        if is_lead:
            leads.add(team_id)
    return Viewer(membership=membership, team_ids=frozenset(teams), lead_team_ids=frozenset(leads))


# -- organisation-wide roles --------------------------------------------------------------


def can_administer(membership: Membership) -> bool:
    """May run people, teams, invitations, settings, integrations (webhooks, data
    sources) and read the audit log."""
    return membership.role in ADMIN_ROLES


def require_administer(membership: Membership) -> None:
    if not can_administer(membership):
        raise PermissionDenied(
            _("Only admins and owners manage people, teams, settings and integrations.")
        )


def can_edit(membership: Membership) -> bool:
    """May create and change every (visible) objective, key result, alignment and initiative."""
    return membership.role in EDIT_ROLES


def require_edit(membership: Membership) -> None:
    if membership.role == Role.VIEWER:
        raise PermissionDenied(VIEWER_REFUSAL)
    if not can_edit(membership):
        raise PermissionDenied(
            _(
                "Only editors, admins and owners can do this; members change the objectives "
                "they or their teams own."
            )
        )


# -- private objectives -------------------------------------------------------------------


def sees_every_private(membership: Membership) -> bool:
    return membership.role in ADMIN_ROLES


def private_visibility(viewer: Viewer, prefix: str = "") -> Q:
    """The objectives ``viewer`` may see, as a filter on objectives (or, with
    ``prefix`` such as ``"objective__"``, on rows that belong to one)."""
    if sees_every_private(viewer.membership):
        return Q()
    # A subquery, not a join on key results: a join would repeat the objective once
    # per key result, and it costs no extra query per request.
    theirs = KeyResult.objects.filter(
        organization_id=viewer.organization_id, owner_id=viewer.user_id
    ).values("objective_id")
    return (
        Q(**{f"{prefix}is_private": False})
        | Q(**{f"{prefix}owner_user_id": viewer.user_id})
        | Q(**{f"{prefix}owner_team_id__in": sorted(viewer.lead_team_ids)})
        | Q(**{f"{prefix}id__in": theirs})
    )


def visible_objectives(
    queryset: QuerySet[M], viewer: Viewer | None, prefix: str = ""
) -> QuerySet[M]:
    """``queryset`` without the private objectives ``viewer`` may not see.

    ``None`` is the operator or a background job acting for the whole organisation
    (``tandem export`` without ``--as``): it sees everything. Pages and the API always
    pass the person.
    """
    if viewer is None:
        return queryset
    condition = private_visibility(viewer, prefix)
    return queryset.filter(condition) if condition else queryset


def can_see_objective(
    viewer: Viewer | None,
    objective: Objective,
    *,
    key_result_owner_ids: Collection[int] | None = None,
) -> bool:
    """``key_result_owner_ids``: the owners of the objective's key results when the
    caller has them at hand (a digest cut for many people), to spare a query each."""
    if viewer is None or not objective.is_private or sees_every_private(viewer.membership):
        return True
    if objective.owner_user_id == viewer.user_id or (
        objective.owner_team_id is not None and objective.owner_team_id in viewer.lead_team_ids
    ):
        return True
    if key_result_owner_ids is not None:
        return viewer.user_id in key_result_owner_ids
    # Read only for the rare private objective the person neither owns nor leads.
    return (
        objective.pk is not None
        and KeyResult.objects.filter(objective_id=objective.pk, owner_id=viewer.user_id).exists()
    )


def require_see_objective(viewer: Viewer | None, objective: Objective) -> None:
    """A private objective the person may not see does not exist for them: 404."""
    if not can_see_objective(viewer, objective):
        raise Http404("No such objective.")


# -- objectives and key results -------------------------------------------------------------


def may_own(viewer: Viewer, *, owner_team_id: int | None, owner_user_id: int | None) -> bool:
    """May create (or hand over to) an objective owned by this team or person."""
    if can_edit(viewer.membership):
        return True
    if viewer.role == Role.VIEWER:
        return False
    return owner_user_id == viewer.user_id or (
        owner_team_id is not None and owner_team_id in viewer.team_ids
    )


def can_create_objectives(membership: Membership) -> bool:
    """May create objectives at all (for themselves at least): shows the "New" link."""
    return membership.role != Role.VIEWER


def require_create_objective(
    viewer: Viewer, *, owner_team: Team | None, owner_user: User | None
) -> None:
    if viewer.role == Role.VIEWER:
        raise PermissionDenied(VIEWER_REFUSAL)
    if not may_own(
        viewer,
        owner_team_id=owner_team.pk if owner_team is not None else None,
        owner_user_id=owner_user.pk if owner_user is not None else None,
    ):
        raise PermissionDenied(
            _(
                "Members create objectives for themselves and for the teams they belong to; "
                "“%(owner)s” is neither."
            )
            % {"owner": owner_team or owner_user}
        )


def can_edit_objective(viewer: Viewer, objective: Objective) -> bool:
    """May change the objective and its key results, initiatives and alignments."""
    if not can_see_objective(viewer, objective):
        return False
    return may_own(
        viewer, owner_team_id=objective.owner_team_id, owner_user_id=objective.owner_user_id
    )


def require_edit_objective(viewer: Viewer, objective: Objective) -> None:
    require_see_objective(viewer, objective)
    if viewer.role == Role.VIEWER:
        raise PermissionDenied(VIEWER_REFUSAL)
    if not can_edit_objective(viewer, objective):
        raise PermissionDenied(
            _(
                "Members change the objectives they or their teams own; “%(objective)s” "
                "belongs to %(owner)s."
            )
            % {"objective": objective, "owner": objective.owner_name}
        )


def can_check_in(membership: Membership, key_result: KeyResult, team_ids: Collection[int]) -> bool:
    """Editors and up; members on key results they own, or whose objective they or one
    of their teams own."""
    if can_edit(membership):
        return True
    if membership.role != Role.MEMBER:
        return False
    objective: Objective = key_result.objective
    return (
        key_result.owner_id == membership.user_id
        or objective.owner_user_id == membership.user_id
        or (objective.owner_team_id is not None and objective.owner_team_id in team_ids)
    )


def require_check_in(
    membership: Membership, key_result: KeyResult, team_ids: Collection[int]
) -> None:
    if membership.role == Role.VIEWER:
        raise PermissionDenied(VIEWER_REFUSAL)
    if not can_check_in(membership, key_result, team_ids):
        raise PermissionDenied(
            _(
                "You can check in on key results you own or that belong to your teams' "
                "objectives; “%(key_result)s” is neither."
            )
            % {"key_result": key_result}
        )


# -- cycles and scores ----------------------------------------------------------------------


def can_manage_cycles(membership: Membership) -> bool:
    """May create, activate and close cycles."""
    return can_edit(membership)


def require_manage_cycles(membership: Membership) -> None:
    if not can_manage_cycles(membership):
        raise PermissionDenied(
            _("Only editors, admins and owners can create, start and close cycles.")
        )


def can_adjust_score(
    membership: Membership, objective: Objective, lead_team_ids: Collection[int]
) -> bool:
    """Editors and up, and the objective's owner: its person, or a lead of its team."""
    if can_edit(membership):
        return True
    if membership.role == Role.VIEWER:
        return False
    return objective.owner_user_id == membership.user_id or (
        objective.owner_team_id is not None and objective.owner_team_id in lead_team_ids
    )


def require_adjust_score(
    membership: Membership, objective: Objective, lead_team_ids: Collection[int]
) -> None:
    if membership.role == Role.VIEWER:
        raise PermissionDenied(VIEWER_REFUSAL)
    if not can_adjust_score(membership, objective, lead_team_ids):
        raise PermissionDenied(
            _(
                "Only the owner of “%(objective)s” (its person, or a lead of its team) and "
                "editors can adjust its score."
            )
            % {"objective": objective}
        )


# -- KPIs and the scorecard ---------------------------------------------------------------


def can_manage_kpis(membership: Membership) -> bool:
    """May create, edit and archive KPIs and set their targets."""
    return can_edit(membership)


def require_manage_kpis(membership: Membership) -> None:
    if membership.role == Role.VIEWER:
        raise PermissionDenied(VIEWER_REFUSAL)
    if not can_manage_kpis(membership):
        raise PermissionDenied(
            _(
                "Only editors, admins and owners can create and change KPIs and their "
                "targets; members enter the values of the KPIs they own."
            )
        )


def can_manage_kpi(membership: Membership, kpi: KPI, lead_team_ids: Collection[int]) -> bool:
    """Editors and up, and the leads of the KPI's owner team, promote and demote it."""
    if can_edit(membership):
        return True
    if membership.role == Role.VIEWER:
        return False
    return kpi.owner_team_id is not None and kpi.owner_team_id in lead_team_ids


def require_manage_kpi(membership: Membership, kpi: KPI, lead_team_ids: Collection[int]) -> None:
    if membership.role == Role.VIEWER:
        raise PermissionDenied(VIEWER_REFUSAL)
    if not can_manage_kpi(membership, kpi, lead_team_ids):
        if kpi.owner_team_id:
            text = _(
                "Editors, admins, owners and the leads of %(team)s can promote “%(kpi)s” to "
                "an OKR or demote it."
            )
        else:
            text = _("Editors, admins and owners can promote “%(kpi)s” to an OKR or demote it.")
        raise PermissionDenied(text % {"team": kpi.owner_team, "kpi": kpi})


class OwnedKPI(Protocol):
    """What the rule for entering a KPI's values reads of it: a KPI, or what the
    scorecard shows of one."""

    @property
    def owner_user_id(self) -> int | None: ...

    @property
    def owner_team_id(self) -> int | None: ...


def can_record_measurement(
    membership: Membership, kpi: OwnedKPI, team_ids: Collection[int]
) -> bool:
    """Editors and up for every KPI; members for the KPIs they or their teams own."""
    if can_edit(membership):
        return True
    if membership.role != Role.MEMBER:
        return False
    return kpi.owner_user_id == membership.user_id or (
        kpi.owner_team_id is not None and kpi.owner_team_id in team_ids
    )


def require_record_measurement(membership: Membership, kpi: KPI, team_ids: Collection[int]) -> None:
    if membership.role == Role.VIEWER:
        raise PermissionDenied(VIEWER_REFUSAL)
    if not can_record_measurement(membership, kpi, team_ids):
        raise PermissionDenied(
            _("You can enter values of the KPIs you or your teams own; “%(kpi)s” is neither.")
            % {"kpi": kpi}
        )


# -- integrations -------------------------------------------------------------------------


def can_manage_sources(membership: Membership) -> bool:
    """A source holds a database password or an API token: admins and owners only."""
    return membership.role in ADMIN_ROLES


def require_webhooks(membership: Membership) -> None:
    if membership.role not in ADMIN_ROLES:
        raise PermissionDenied(_("Only owners and admins can manage webhooks."))
