"""KPIs for the scorecard and KPI page tests, on top of the shared ``cast``.

``sales_kpi`` is a weekly KPI owned by ``cast.team`` (so by ``cast.member`` too), green
at 90 and above, yellow from 80. ``many_kpis(n)`` writes ``n`` KPIs with a target and a
value for each of the last 13 weeks straight into the database, fast enough for 500.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from tandem.accounts.models import User
from tandem.domain.periods import Frequency, last_n_periods
from tandem.kpis import selectors, services
from tandem.kpis.models import KPI, KPITag, KPITarget, Measurement
from tests.conftest import Cast

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def client_for(cast: Cast) -> Callable[[User], Client]:
    """A test client logged in as one of the cast."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def weeks(cast: Cast, n: int = 13) -> list[dt.date]:
    """The starts of the last ``n`` weeks in the organisation's calendar, this week last."""
    return last_n_periods(Frequency.WEEKLY, selectors.org_today(cast.org), n)


@pytest.fixture
def sales_kpi(cast: Cast) -> KPI:
    return services.kpi_create(
        organization=cast.org,
        name="Client satisfaction",
        key="client-satisfaction",
        owner_team=cast.team,
        target="90",
        yellow="80",
        tags=["Customers"],
        by=cast.owner,
    )


def _value(kpi_index: int, week_index: int) -> Decimal:
    # Spread over 0-99 so that every colour appears against the target of 50.
    return Decimal((kpi_index * 7 + week_index * 13) % 100)


@pytest.fixture
def many_kpis(cast: Cast) -> Callable[[int], list[KPI]]:
    """``n`` weekly KPIs, half of them tagged, each with a target and 13 weekly values."""

    def make(n: int) -> list[KPI]:
        start = KPI.objects.filter(organization=cast.org).count()
        columns = weeks(cast)
        made = KPI.objects.bulk_create(
            KPI(
                organization=cast.org,
                name=f"Metric {start + i}",
                key=f"metric-{start + i}",
                owner_team=cast.team if i % 2 else None,
                position=start + i,
                latest_period=columns[-1],
                latest_value=_value(i, len(columns) - 1),
            )
            for i in range(n)
        )
        tag, _ = KPITag.objects.get_or_create(organization=cast.org, name="Bulk")
        tag.kpis.add(*made[::2])
        KPITarget.objects.bulk_create(
            KPITarget(
                organization=cast.org,
                kpi=kpi,
                effective_from=dt.date(2000, 1, 1),
                target=Decimal(50),
                yellow=Decimal(40),
            )
            for kpi in made
        )
        now = timezone.now()
        Measurement.objects.bulk_create(
            Measurement(
                organization=cast.org,
                kpi=kpi,
                period_start=week,
                value=_value(i, j),
                recorded_by=cast.owner,
                recorded_at=now,
            )
            for i, kpi in enumerate(made)
            for j, week in enumerate(columns)
        )
        return made

    return make
