"""Helpers for the OKR service tests: another organisation's OKRs, row counts, audits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import models

from tandem.accounts.models import Membership, Organization, Team, TeamMembership
from tandem.audit.models import AuditEvent
from tandem.okrs import services as okrs
from tandem.okrs.models import Alignment, CheckIn, Cycle, Initiative, KeyResult, Objective
from tests.conftest import Cast

WRITTEN_MODELS: list[type[models.Model]] = [
    Organization,
    Membership,
    Team,
    TeamMembership,
    Cycle,
    Objective,
    KeyResult,
    CheckIn,
    Alignment,
    Initiative,
    AuditEvent,
]


def row_counts() -> dict[str, int]:
    return {model.__name__: model._default_manager.count() for model in WRITTEN_MODELS}


@contextmanager
def nothing_written() -> Iterator[None]:
    """Assert that the block adds or removes no row anywhere (a failed service is all or
    nothing)."""
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


@dataclass
class Foreign:
    """OKRs of the other organisation (Globex), which no service may mix into Acme's."""

    cycle: Cycle
    year: Cycle
    objective: Objective
    kr: KeyResult


@pytest.fixture
def foreign(cast: Cast) -> Foreign:
    today = dt.datetime.now(dt.UTC).date()
    year = okrs.cycle_create(
        organization=cast.other_org,
        name="Globex year",
        kind=Cycle.Kind.YEAR,
        start_date=dt.date(today.year, 1, 1),
        end_date=dt.date(today.year, 12, 31),
        state=Cycle.State.ACTIVE,
        by=cast.outsider,
    )
    cycle = okrs.cycle_create(
        organization=cast.other_org,
        name="Globex quarter",
        start_date=cast.cycle.start_date,
        end_date=cast.cycle.end_date,
        parent=year,
        state=Cycle.State.ACTIVE,
        by=cast.outsider,
    )
    objective = okrs.objective_create(
        organization=cast.other_org,
        cycle=cycle,
        owner_team=cast.other_team,
        title="Globex grows",
        by=cast.outsider,
    )
    kr = okrs.key_result_create(
        objective=objective,
        title="Globex customers",
        baseline=Decimal(0),
        target=Decimal(10),
        by=cast.outsider,
    )
    return Foreign(cycle=cycle, year=year, objective=objective, kr=kr)
