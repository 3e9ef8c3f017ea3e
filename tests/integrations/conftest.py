"""Helpers for the import and export tests: KPIs with a known calendar, row counts.

"Today" is pinned to ``TODAY`` (a Sunday) wherever a service takes it, so that the
periods the tests name are in the past on any day they run.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import models

from tandem.audit.models import AuditEvent
from tandem.kpis import services as kpis
from tandem.kpis.models import (
    KPI,
    Measurement,
    MeasurementBatch,
    MeasurementRevision,
    ObjectiveKPI,
)
from tandem.okrs.models import Alignment, CheckIn, Initiative, KeyResult, Objective
from tests.conftest import Cast

D = Decimal
TODAY = dt.date(2026, 6, 14)
# Mondays: the organisation's weeks start on Monday.
WEEK_1 = dt.date(2026, 5, 4)
WEEK_2 = dt.date(2026, 5, 11)
WRITTEN_MODELS: list[type[models.Model]] = [
    KPI,
    Measurement,
    MeasurementBatch,
    MeasurementRevision,
    ObjectiveKPI,
    Objective,
    KeyResult,
    Alignment,
    Initiative,
    CheckIn,
    AuditEvent,
]


def row_counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in WRITTEN_MODELS}


@pytest.fixture
def revenue(cast: Cast) -> KPI:
    return kpis.kpi_create(
        organization=cast.org, name="Weekly revenue", key="revenue", by=cast.owner
    )


@pytest.fixture
def churn(cast: Cast) -> KPI:
    return kpis.kpi_create(
        organization=cast.org,
        name="Monthly churn",
        key="churn",
        frequency="monthly",
        unit="percent",
        direction="lower_is_better",
        by=cast.owner,
    )


def xlsx(rows: list[list[object]]) -> bytes:
    """An Excel workbook with ``rows`` on its first sheet, as a person would save it."""
    import io

    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
