"""Template helpers for KPI signals on objectives and the company health page."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse

from tandem.domain.health import Health
from tandem.web.views_health import kpi_forms_for

register = template.Library()

# KPI colours reuse the status colours of the stylesheet: green reads as on track,
# yellow as at risk, red as off track, and a KPI without a fresh value as not started.
_HEALTH_CLASS = {
    Health.GREEN: "on_track",
    Health.YELLOW: "at_risk",
    Health.RED: "off_track",
    Health.STALE: "not_started",
    Health.NO_DATA: "not_started",
}


@register.filter
def get(mapping: Any, key: Any) -> Any:
    """``{{ signals|get:objective.pk }}``: a dictionary's value, or None (also when the
    page passed no dictionary at all)."""
    if not isinstance(mapping, dict):
        return None
    return mapping.get(key)


@register.filter
def health_class(value: Health | str | None) -> str:
    try:
        return _HEALTH_CLASS[Health(str(value))]
    except ValueError:
        return "not_started"


@register.filter
def kpi_url(kpi: Any) -> str:
    """The KPI's page, or an empty string on an installation without KPI pages."""
    try:
        return reverse("kpi", args=[kpi.pk])
    except NoReverseMatch:
        return ""


@register.simple_tag(takes_context=True)
def objective_kpi_forms(context: template.Context, objective: Any) -> dict[str, Any]:
    """Empty forms to link a KPI to ``objective`` and to back its key results by KPIs."""
    organization = context.get("organization")
    if organization is None:
        return {}
    return kpi_forms_for(organization=organization, objective=objective)
