"""Writes of the reports app: the strategic plan, checked, atomic and audited."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tandem.accounts.models import Organization, User
from tandem.audit.models import Source
from tandem.audit.services import audit_record, snapshot
from tandem.kpis.models import KPI
from tandem.reports.models import PlanKPI, StrategicPlan

# A one-page plan stays one page: these limits keep it readable, and printable.
PURPOSE_MAX = 500
BHAG_MAX = 500
VALUES_MAX = 8
VALUE_MAX = 120
TARGETS_MAX = 8
TARGET_MAX = 200
PROFIT_PER_X_MAX = 200
KEY_KPIS_MAX = 12
# A BHAG is 10 to 25 years out; a little slack either way, never in the past.
BHAG_YEARS_AHEAD_MAX = 50
# The 3-5 year picture: a date up to ten years ahead, never in the past.
LONG_TERM_YEARS_AHEAD_MAX = 10

PLAN_FIELDS = [
    "purpose",
    "values",
    "bhag",
    "bhag_year",
    "long_term_date",
    "long_term_targets",
    "annual_targets",
    "profit_per_x",
    "version",
]


def _lines(
    items: Sequence[str], *, most: int, longest: int, noun: str
) -> tuple[list[str], str | None]:
    """The non-empty stripped lines of ``items``, or the message saying what is wrong."""
    lines = [str(item).strip() for item in items if str(item).strip()]
    if len(lines) > most:
        if noun == "value":
            text = ngettext(
                "At most %(most)s values on a one-page plan; this has %(count)s.",
                "At most %(most)s values on a one-page plan; this has %(count)s.",
                len(lines),
            )
        else:
            text = ngettext(
                "At most %(most)s targets on a one-page plan; this has %(count)s.",
                "At most %(most)s targets on a one-page plan; this has %(count)s.",
                len(lines),
            )
        return lines, text % {"most": most, "count": len(lines)}
    too_long = next((line for line in lines if len(line) > longest), None)
    if too_long is not None:
        if noun == "value":
            text = _("Each value fits in %(longest)s characters; “%(line)s…” has %(count)s.")
        else:
            text = _("Each target fits in %(longest)s characters; “%(line)s…” has %(count)s.")
        return lines, text % {"longest": longest, "line": too_long[:40], "count": len(too_long)}
    seen: set[str] = set()
    for line in lines:
        if line.casefold() in seen:
            return lines, _("“%(line)s” is listed twice.") % {"line": line}
        seen.add(line.casefold())
    return lines, None


def _plan_snapshot(plan: StrategicPlan) -> dict[str, Any]:
    data = snapshot(plan, PLAN_FIELDS)
    kpis = PlanKPI.objects.filter(plan=plan).order_by("position", "id")
    data["key_kpis"] = list(kpis.values_list("kpi_id", flat=True))
    return data


def strategic_plan_save(
    *,
    organization: Organization,
    by: User | None,
    purpose: str,
    values: Sequence[str] = (),
    bhag: str = "",
    bhag_year: int | None = None,
    long_term_date: dt.date | None = None,
    long_term_targets: Sequence[str] = (),
    annual_targets: Sequence[str] = (),
    profit_per_x: str = "",
    key_kpis: Sequence[KPI] = (),
    version: int | None = None,
    source: str = Source.WEB,
) -> StrategicPlan:
    """Create or replace the organisation's strategic plan.

    ``version`` is the version the person started editing from: a plan changed by
    someone else in the meantime is refused rather than silently overwritten.
    Every problem is reported at once, by field; nothing is written then.
    """
    errors: dict[str, str] = {}
    today = organization.today()
    purpose = purpose.strip()
    if not purpose:
        errors["purpose"] = _(
            "Say why the organisation exists: the purpose is the top of the plan."
        )
    elif len(purpose) > PURPOSE_MAX:
        errors["purpose"] = _("Keep the purpose to %(most)s characters; it has %(count)s.") % {
            "most": PURPOSE_MAX,
            "count": len(purpose),
        }
    bhag = bhag.strip()
    if len(bhag) > BHAG_MAX:
        errors["bhag"] = _("Keep the BHAG to %(most)s characters; it has %(count)s.") % {
            "most": BHAG_MAX,
            "count": len(bhag),
        }
    if bhag_year is not None and not (today.year <= bhag_year <= today.year + BHAG_YEARS_AHEAD_MAX):
        errors["bhag_year"] = _(
            "A BHAG is 10 to 25 years out: pick a year from %(first)s to %(last)s."
        ) % {"first": today.year, "last": today.year + BHAG_YEARS_AHEAD_MAX}
    if long_term_date is not None:
        latest = today.replace(year=today.year + LONG_TERM_YEARS_AHEAD_MAX, day=1)
        if long_term_date < today:
            errors["long_term_date"] = _("The 3-5 year target date has passed; set the next one.")
        elif long_term_date > latest:
            errors["long_term_date"] = _(
                "The 3-5 year picture ends by %(year)s; the BHAG looks further."
            ) % {"year": f"{latest:%Y}"}
    value_lines, problem = _lines(values, most=VALUES_MAX, longest=VALUE_MAX, noun="value")
    if problem:
        errors["values"] = problem
    long_lines, problem = _lines(
        long_term_targets, most=TARGETS_MAX, longest=TARGET_MAX,
        noun="target",
    )  # fmt: skip
    if problem:
        errors["long_term_targets"] = problem
    annual_lines, problem = _lines(
        annual_targets, most=TARGETS_MAX, longest=TARGET_MAX,
        noun="target",
    )  # fmt: skip
    if problem:
        errors["annual_targets"] = problem
    profit_per_x = profit_per_x.strip()
    if len(profit_per_x) > PROFIT_PER_X_MAX:
        errors["profit_per_x"] = _("Keep “profit per X” to %(most)s characters.") % {
            "most": PROFIT_PER_X_MAX
        }
    kpi_list = list(dict.fromkeys(key_kpis))
    if len(kpi_list) > KEY_KPIS_MAX:
        errors["key_kpis"] = _("Pick at most %(most)s key KPIs: the vital few.") % {
            "most": KEY_KPIS_MAX
        }
    elif any(kpi.organization_id != organization.pk for kpi in kpi_list):
        errors["key_kpis"] = _("Pick KPIs of this organisation.")
    if errors:
        raise ValidationError(errors)

    with transaction.atomic():
        plan = StrategicPlan.objects.select_for_update().filter(organization=organization).first()
        before = _plan_snapshot(plan) if plan is not None else None
        if plan is not None and version is not None and version != plan.version:
            raise ValidationError(
                {
                    "version": ValidationError(
                        _(
                            "Someone saved the plan while you were editing it; reload the "
                            "page to see their changes, then edit again."
                        ),
                        code="conflict",
                    )
                }
            )
        if plan is None:
            plan = StrategicPlan(organization=organization)
        else:
            plan.version += 1
        plan.purpose = purpose
        plan.values = value_lines
        plan.bhag = bhag
        plan.bhag_year = bhag_year
        plan.long_term_date = long_term_date
        plan.long_term_targets = long_lines
        plan.annual_targets = annual_lines
        plan.profit_per_x = profit_per_x
        plan.updated_by = by
        plan.save()
        PlanKPI.objects.filter(plan=plan).delete()
        PlanKPI.objects.bulk_create(
            PlanKPI(organization=organization, plan=plan, kpi=kpi, position=index)
            for index, kpi in enumerate(kpi_list)
        )
        audit_record(
            organization=organization,
            actor=by,
            action="strategic_plan.create" if before is None else "strategic_plan.update",
            target=plan,
            before=before,
            after=_plan_snapshot(plan),
            source=source,
        )
    return plan
