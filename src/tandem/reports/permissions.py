"""Who may change the strategic plan.

Every member reads the reports of their organisation. The plan is leadership's
statement of where the company goes, so owners and admins write it; editors run
the OKRs under it (they edit objectives, not the purpose or the BHAG).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from tandem.accounts.models import Membership, Role


def can_edit_plan(membership: Membership) -> bool:
    return membership.role in {Role.OWNER, Role.ADMIN}


def require_edit_plan(membership: Membership) -> None:
    if not can_edit_plan(membership):
        raise PermissionDenied(
            _("Owners and admins write the strategic plan; everyone in the organisation reads it.")
        )
