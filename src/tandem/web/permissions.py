"""Who may change what, for the web pages.

The rules are deliberately few and live here alone so that the full rules (a later
issue) replace one module: viewers read only; members check in on their own key
results and on those of objectives owned by their teams or by themselves; editors,
admins and owners may do everything. Refusals raise ``PermissionDenied`` with a
sentence saying why, which the 403 page shows.
"""

from __future__ import annotations

from collections.abc import Collection

from django.core.exceptions import PermissionDenied

from tandem.accounts.models import Membership, Role
from tandem.kpis.models import KPI
from tandem.okrs.models import KeyResult, Objective

VIEWER_REFUSAL = "Viewers can read everything but change nothing; ask an admin for a member role."


def can_edit(membership: Membership) -> bool:
    """May create and edit objectives, key results, alignments and initiatives."""
    return membership.role in {Role.OWNER, Role.ADMIN, Role.EDITOR}


def can_check_in(membership: Membership, key_result: KeyResult, team_ids: Collection[int]) -> bool:
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


def require_edit(membership: Membership) -> None:
    if membership.role == Role.VIEWER:
        raise PermissionDenied(VIEWER_REFUSAL)
    if not can_edit(membership):
        raise PermissionDenied(
            "Only editors, admins and owners can change objectives and key results; "
            "members check in on their own key results."
        )


def require_check_in(
    membership: Membership, key_result: KeyResult, team_ids: Collection[int]
) -> None:
    if membership.role == Role.VIEWER:
        raise PermissionDenied(VIEWER_REFUSAL)
    if not can_check_in(membership, key_result, team_ids):
        raise PermissionDenied(
            f"You can check in on key results you own or that belong to your teams' "
            f"objectives; “{key_result}” is neither."
        )


# -- cycles and scores (tandem.web.views_cycles) ------------------------------------------


def can_manage_cycles(membership: Membership) -> bool:
    """May create, activate and close cycles."""
    return can_edit(membership)


def require_manage_cycles(membership: Membership) -> None:
    if not can_manage_cycles(membership):
        raise PermissionDenied(
            "Only editors, admins and owners can create, start and close cycles."
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
            f"Only the owner of “{objective}” (its person, or a lead of its team) and "
            "editors can adjust its score."
        )


# -- KPIs and the scorecard (tandem.web.views_kpis) --------------------------------------


def can_manage_kpis(membership: Membership) -> bool:
    """May create, edit and archive KPIs and set their targets."""
    return can_edit(membership)


def require_manage_kpis(membership: Membership) -> None:
    if membership.role == Role.VIEWER:
        raise PermissionDenied(VIEWER_REFUSAL)
    if not can_manage_kpis(membership):
        raise PermissionDenied(
            "Only editors, admins and owners can create and change KPIs and their targets; "
            "members enter the values of the KPIs they own."
        )


def can_record_measurement(membership: Membership, kpi: KPI, team_ids: Collection[int]) -> bool:
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
            f"You can enter values of the KPIs you or your teams own; “{kpi}” is neither."
        )
