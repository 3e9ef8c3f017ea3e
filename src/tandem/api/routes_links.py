"""KPIs and OKRs together: promoting a KPI that keeps missing its target into an OKR and
demoting it once fixed, KPIs linked to an objective, and a key result that reads a KPI.

Each operation takes the health and objective pages' role rules and services.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from ninja import Router, Status

from tandem.access.permissions import require_edit_objective, require_manage_kpi, viewer_of
from tandem.api.auth import Caller, Need, caller, caller_viewer
from tandem.api.common import LIMIT, paginate, ref, with_etag
from tandem.api.errors import READ_ERRORS, WRITE_ERRORS, ApiError
from tandem.api.schemas import KeyResultOut
from tandem.api.schemas_links import (
    DemoteIn,
    KeyResultKpiIn,
    ObjectiveKpiIn,
    ObjectiveKpiOut,
    ObjectiveKpiPage,
    PromoteIn,
    PromotionOut,
    PromotionPage,
)
from tandem.audit.models import Source
from tandem.insights import selectors as insights
from tandem.kpis import selectors as kpi_selectors
from tandem.kpis import services as kpis
from tandem.kpis.models import KPI, ObjectiveKPI, Promotion
from tandem.okrs import selectors as okr_selectors
from tandem.okrs.models import KeyResult

router = Router()


def _linkable(who: Caller, field: str, pk: int | None) -> KPI | None:
    """A KPI a body names to link: one of the organisation's active KPIs, as in the
    pages' pickers (an archived KPI is refused by name)."""
    kpi = ref(kpi_selectors.kpi_get, field, pk, "KPI", organization=who.organization)
    if kpi is not None and not kpi.is_active:
        message = f"“{kpi}” is archived; restore it before linking it."
        raise ApiError(422, f"{field}: {message}", errors=[{"field": field, "message": message}])
    return kpi


def _renamed(error: ValidationError, names: dict[str, str]) -> ValidationError:
    """A service's field errors under the names of the API's body."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError({names.get(f, f): e for f, e in error.error_dict.items()})


# -- promote and demote ---------------------------------------------------------------------


@router.get(
    "/kpis/{kpi_id}/promotions",
    response={200: PromotionPage, **READ_ERRORS},
    tags=["kpis"],
)
def promotion_list(
    request: HttpRequest, kpi_id: int, cursor: str | None = None, limit: int = LIMIT
) -> dict[str, Any]:
    """The KPI's promotions to an OKR, oldest first; the open one has no ``demoted_at``."""
    who = caller(request, Need.READ)
    kpi = kpi_selectors.kpi_get(organization=who.organization, pk=kpi_id)
    return paginate(kpi_selectors.promotion_list(kpi=kpi), cursor=cursor, limit=limit)


@router.post("/kpis/{kpi_id}/promote", response={201: PromotionOut, **WRITE_ERRORS}, tags=["kpis"])
def kpi_promote(request: HttpRequest, kpi_id: int, payload: PromoteIn) -> Status[Promotion]:
    """Promote the KPI into an OKR of an open ``cycle``: a new objective with one key
    result that reads the KPI, from its latest value to ``target``. Editors and up, and
    the leads of the KPI's team."""
    who = caller(request, Need.WRITE)
    kpi = kpi_selectors.kpi_get(organization=who.organization, pk=kpi_id)
    require_manage_kpi(who.membership, kpi, viewer_of(who.membership).lead_team_ids)
    cycle = ref(
        okr_selectors.cycle_get, "cycle", payload.cycle, "cycle", organization=who.organization
    )
    assert cycle is not None
    promotion = kpis.kpi_promote(
        kpi=kpi,
        cycle=cycle,
        by=who.user,
        title=payload.title,
        target=payload.target,
        reason=payload.reason,
        source=Source.API,
    )
    return Status(201, promotion)


@router.post("/kpis/{kpi_id}/demote", response={200: PromotionOut, **WRITE_ERRORS}, tags=["kpis"])
def kpi_demote(request: HttpRequest, kpi_id: int, payload: DemoteIn) -> Promotion:
    """The KPI is met again: close the objective it was promoted to and keep it as a
    plain KPI. Editors and up, and the leads of the KPI's team."""
    who = caller(request, Need.WRITE)
    kpi = kpi_selectors.kpi_get(organization=who.organization, pk=kpi_id)
    require_manage_kpi(who.membership, kpi, viewer_of(who.membership).lead_team_ids)
    promotion = insights.open_promotion_of(kpi=kpi)
    if promotion is None:
        message = f"“{kpi}” is not promoted to an OKR: there is nothing to demote."
        raise ApiError(422, f"kpi: {message}", errors=[{"field": "kpi", "message": message}])
    return kpis.kpi_demote(promotion=promotion, by=who.user, note=payload.note, source=Source.API)


# -- KPIs linked to an objective ------------------------------------------------------------


@router.get(
    "/objectives/{objective_id}/kpis",
    response={200: ObjectiveKpiPage, **READ_ERRORS},
    tags=["objectives"],
)
def objective_kpi_list(
    request: HttpRequest, objective_id: int, cursor: str | None = None, limit: int = LIMIT
) -> dict[str, Any]:
    """The KPIs linked to the objective, as guardrails or indicators."""
    who, viewer = caller_viewer(request, Need.READ)
    objective = okr_selectors.objective_get(
        organization=who.organization, pk=objective_id, viewer=viewer
    )
    rows = kpi_selectors.objective_kpi_list(objective=objective)
    return paginate(rows, cursor=cursor, limit=limit)


@router.post(
    "/objectives/{objective_id}/kpis",
    response={201: ObjectiveKpiOut, **WRITE_ERRORS},
    tags=["objectives"],
)
def objective_kpi_new(
    request: HttpRequest, objective_id: int, payload: ObjectiveKpiIn
) -> Status[ObjectiveKPI]:
    """Link a KPI to the objective as a guardrail or an indicator; those who may edit the
    objective may."""
    who = caller(request, Need.WRITE)
    viewer = viewer_of(who.membership)
    objective = okr_selectors.objective_get(
        organization=who.organization, pk=objective_id, viewer=viewer
    )
    require_edit_objective(viewer, objective)
    kpi = _linkable(who, "kpi", payload.kpi)
    assert kpi is not None
    link = kpis.objective_link_kpi(
        objective=objective, kpi=kpi, by=who.user, role=payload.role, source=Source.API
    )
    return Status(201, link)


@router.delete(
    "/objectives/{objective_id}/kpis/{kpi_id}",
    response={204: None, **WRITE_ERRORS},
    tags=["objectives"],
)
def objective_kpi_remove(request: HttpRequest, objective_id: int, kpi_id: int) -> Status[None]:
    """Unlink the KPI from the objective (the KPI itself stays)."""
    who = caller(request, Need.WRITE)
    viewer = viewer_of(who.membership)
    objective = okr_selectors.objective_get(
        organization=who.organization, pk=objective_id, viewer=viewer
    )
    require_edit_objective(viewer, objective)
    link = kpi_selectors.objective_kpi_find(objective=objective, kpi_id=kpi_id)
    if link is None:
        raise ApiError(404, f"KPI #{kpi_id} is not linked to this objective.")
    kpis.objective_unlink_kpi(link=link, by=who.user, source=Source.API)
    return Status(204, None)


# -- a key result that reads a KPI ----------------------------------------------------------


@router.put(
    "/key-results/{key_result_id}/kpi",
    response={200: KeyResultOut, **WRITE_ERRORS},
    tags=["key results"],
)
def key_result_kpi_set(
    request: HttpRequest, key_result_id: int, payload: KeyResultKpiIn, response: HttpResponse
) -> KeyResult:
    """Make a metric key result read its value from a KPI (its ``current`` follows the
    KPI's values in the cycle), or with ``"kpi": null`` be checked in by hand again."""
    who = caller(request, Need.WRITE)
    viewer = viewer_of(who.membership)
    kr = okr_selectors.key_result_get(
        organization=who.organization, pk=key_result_id, viewer=viewer
    )
    require_edit_objective(viewer, kr.objective)
    kpi = _linkable(who, "kpi", payload.kpi)
    try:
        linked = kpis.key_result_link_kpi(
            key_result=kr,
            kpi=kpi,
            by=who.user,
            aggregation=payload.aggregation,
            source=Source.API,
        )
    except ValidationError as error:
        raise _renamed(error, {"kpi_aggregation": "aggregation"}) from None
    with_etag(response, linked.version)
    return linked
