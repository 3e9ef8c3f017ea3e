"""Reads of KPIs' data sources, for the pull's page and the API alike."""

from __future__ import annotations

from tandem.integrations.models import DataSource
from tandem.kpis.models import KPI


def data_source_of(*, kpi: KPI) -> DataSource | None:
    """How ``kpi``'s values are pulled, or None when no pull is set up; the source
    carries the KPI it was read for (its organisation is checked there)."""
    source = DataSource.objects.filter(organization_id=kpi.organization_id, kpi=kpi).first()
    if source is not None:
        source.kpi = kpi
    return source
