"""The strategic plan: everyone reads it; owners and admins write it, as on its page."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Header, Router

from tandem.api.auth import Need, caller
from tandem.api.common import expected_version, with_etag
from tandem.api.errors import READ_ERRORS, WRITE_ERRORS, ApiError, Problem
from tandem.api.schemas_plan import PlanIn, PlanOut
from tandem.audit.models import Source
from tandem.reports import permissions, selectors, services
from tandem.reports.models import StrategicPlan

router = Router()

IF_MATCH = Header(None, alias="If-Match", description="The ETag read with GET.")


def _out(plan: StrategicPlan) -> dict[str, Any]:
    return {
        "purpose": plan.purpose,
        "values": plan.values,
        "bhag": plan.bhag,
        "bhag_year": plan.bhag_year,
        "long_term_date": plan.long_term_date,
        "long_term_targets": plan.long_term_targets,
        "annual_targets": plan.annual_targets,
        "profit_per_x": plan.profit_per_x,
        "key_kpis": [kpi.pk for kpi in selectors.plan_kpis(plan=plan)],
        "version": plan.version,
        "updated_at": plan.updated_at,
    }


@router.get("/plan", response={200: PlanOut, **READ_ERRORS}, tags=["plan"])
def plan_read(request: HttpRequest, response: HttpResponse) -> dict[str, Any]:
    """The organisation's strategic plan; 404 until one is written."""
    who = caller(request, Need.READ)
    plan = selectors.strategic_plan_get(organization=who.organization)
    if plan is None:
        raise ApiError(404, "This organisation has no strategic plan yet; owners and admins "
                       "write one with PUT /plan.")  # fmt: skip
    with_etag(response, plan.version)
    return _out(plan)


@router.put(
    "/plan",
    response={200: PlanOut, **WRITE_ERRORS, 400: Problem, 428: Problem},
    tags=["plan"],
)
def plan_save(
    request: HttpRequest, payload: PlanIn, response: HttpResponse, if_match: str | None = IF_MATCH
) -> dict[str, Any]:
    """Write the whole plan, as its page does. Once a plan exists, send the version read
    (If-Match or ``version``): a plan saved by someone else since is a 409."""
    who = caller(request, Need.WRITE)
    permissions.require_edit_plan(who.membership)
    org = who.organization
    current = selectors.strategic_plan_get(organization=org)
    version = None
    if current is not None:
        version = expected_version(if_match, payload.version)
    # The page's choice of KPIs: the active ones, and those the plan names already.
    choices = selectors.plan_kpi_choices(organization=org)
    if current is not None:
        choices += [kpi for kpi in selectors.plan_kpis(plan=current) if kpi not in choices]
    by_id = {kpi.pk: kpi for kpi in choices}
    unknown = [pk for pk in payload.key_kpis if pk not in by_id]
    if unknown:
        message = f"No active KPI #{unknown[0]} in this organisation."
        raise ApiError(
            422, f"key_kpis: {message}", errors=[{"field": "key_kpis", "message": message}]
        )
    plan = services.strategic_plan_save(
        organization=org,
        by=who.user,
        purpose=payload.purpose,
        values=payload.values,
        bhag=payload.bhag,
        bhag_year=payload.bhag_year,
        long_term_date=payload.long_term_date,
        long_term_targets=payload.long_term_targets,
        annual_targets=payload.annual_targets,
        profit_per_x=payload.profit_per_x,
        key_kpis=[by_id[pk] for pk in payload.key_kpis],
        version=version,
        source=Source.API,
    )
    with_etag(response, plan.version)
    return _out(plan)
