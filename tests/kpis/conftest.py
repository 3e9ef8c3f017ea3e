"""Helpers for the KPI tests: a fixed calendar, KPIs and measurements through the services,
row counts, audits, and cycles with known dates.

The tests pin "today" to ``TODAY`` (a Sunday) wherever a service or selector takes it,
so that they read the same on any day they run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import models

from tandem.audit.models import AuditEvent
from tandem.kpis import services
from tandem.kpis.models import (
    KPI,
    KPITag,
    KPITarget,
    Measurement,
    MeasurementRevision,
    ObjectiveKPI,
    Promotion,
)
from tandem.okrs import services as okrs
from tandem.okrs.models import CheckIn, Cycle, KeyResult, Objective
from tests.conftest import Cast

D = Decimal
# A Sunday in a quiet stretch of the calendar: its week started on Monday 2026-06-08.
TODAY = dt.date(2026, 6, 14)
WRITTEN_MODELS: list[type[models.Model]] = [
    KPI,
    KPITag,
    KPITarget,
    Measurement,
    MeasurementRevision,
    ObjectiveKPI,
    Promotion,
    Cycle,
    Objective,
    KeyResult,
    CheckIn,
    AuditEvent,
]


def row_counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in WRITTEN_MODELS}


@contextmanager
def nothing_written() -> Iterator[None]:
    """Assert that the block adds or removes no row anywhere (a refusal changes nothing)."""
    before = row_counts()
    yield
    assert row_counts() == before


def errors_of(exc: pytest.ExceptionInfo[ValidationError]) -> dict[str, list[str]]:
    return exc.value.message_dict


def audits_of(target: models.Model) -> list[AuditEvent]:
    return list(
        AuditEvent.objects.filter(
            target_type=target._meta.model_name, target_id=target.pk
        ).order_by("id")
    )


def changes(event: AuditEvent) -> tuple[dict[str, Any], dict[str, Any]]:
    """What an audit row says changed: the values before and after."""
    return event.before or {}, event.after or {}


def weeks_from(monday: dt.date, count: int) -> list[dt.date]:
    return [monday + dt.timedelta(weeks=n) for n in range(count)]


def make_kpi(cast: Cast, name: str = "New accounts", **kwargs: Any) -> KPI:
    """A weekly, higher-is-better KPI of the Sales team, target 10 (yellow from 8)."""
    kwargs.setdefault("owner_team", cast.team)
    kwargs.setdefault("target", "10")
    kwargs.setdefault("yellow", "8")
    return services.kpi_create(organization=cast.org, name=name, by=cast.owner, **kwargs)


def record(
    kpi: KPI, start: dt.date, value: Any, by: Any = None, **kwargs: Any
) -> tuple[Measurement, str]:
    kwargs.setdefault("today", TODAY)
    return services.measurement_record(kpi=kpi, period_start=start, value=value, by=by, **kwargs)


def make_cycle(
    cast: Cast,
    name: str,
    start: dt.date,
    end: dt.date,
    state: str = Cycle.State.ACTIVE,
) -> Cycle:
    return okrs.cycle_create(
        organization=cast.org, name=name, start_date=start, end_date=end, state=state, by=cast.owner
    )


@pytest.fixture
def q1(cast: Cast) -> Cycle:
    """The first quarter of 2026, still active (a Thursday to a Tuesday)."""
    return make_cycle(cast, "Q1 2026", dt.date(2026, 1, 1), dt.date(2026, 3, 31))


def fresh(obj: Any) -> Any:
    obj.refresh_from_db()
    return obj
