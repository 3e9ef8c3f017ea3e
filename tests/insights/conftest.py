"""Helpers for the insights tests: KPIs and measurements through the services, objectives
paced by a known cycle, and clients logged in as the cast.

Selector tests pin the day to ``TODAY`` (a Sunday in the second quarter of 2026) and
work in ``q2``; page tests run on the real date and use weeks counted back from it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from tandem.accounts import services as accounts
from tandem.accounts.models import Role, User
from tandem.domain.periods import Frequency, last_n_periods
from tandem.kpis import selectors as kpi_selectors
from tandem.kpis import services as kpis
from tandem.kpis.models import KPI
from tandem.okrs import services as okrs
from tandem.okrs.models import Cycle, KeyResult, Objective
from tests.conftest import Cast, make_user

D = Decimal
# A Sunday: its week started on Monday 2026-06-08, so the week of 2026-06-01 is the
# last completed one.
TODAY = dt.date(2026, 6, 14)
THIS_WEEK = dt.date(2026, 6, 8)
LAST_WEEK = dt.date(2026, 6, 1)
# Noon on TODAY is about 82% of the way through Q2 2026.
NOW = dt.datetime(2026, 6, 14, 12, tzinfo=dt.UTC)


def make_kpi(cast: Cast, name: str, **kwargs: Any) -> KPI:
    """A weekly, higher-is-better KPI of the Sales team: green from 10, yellow from 8."""
    kwargs.setdefault("owner_team", cast.team)
    kwargs.setdefault("target", "10")
    kwargs.setdefault("yellow", "8")
    return kpis.kpi_create(organization=cast.org, name=name, by=cast.owner, **kwargs)


def record(kpi: KPI, start: dt.date, value: Any, today: dt.date | None = TODAY) -> None:
    kpis.measurement_record(kpi=kpi, period_start=start, value=value, by=None, today=today)


def make_objective(cast: Cast, cycle: Cycle, title: str) -> tuple[Objective, KeyResult]:
    """A team objective with one metric key result from 0 to 100."""
    objective = okrs.objective_create(
        organization=cast.org, cycle=cycle, owner_team=cast.team, title=title, by=cast.owner
    )
    kr = okrs.key_result_create(
        objective=objective,
        title=f"{title}: the number",
        baseline=D(0),
        target=D(100),
        owner=cast.member,
        by=cast.owner,
    )
    return objective, kr


def check_in(kr: KeyResult, value: str) -> None:
    okrs.key_result_check_in(key_result=kr, value=value, confidence=7, by=kr.owner)


def real_weeks(cast: Cast, count: int) -> list[dt.date]:
    """The ``count`` most recent completed weeks in the organisation's calendar, oldest first."""
    today = kpi_selectors.org_today(cast.org)
    return last_n_periods(Frequency.WEEKLY, today, count + 1)[:-1]


def red_for_weeks(cast: Cast, name: str = "Client satisfaction", weeks: int = 3) -> KPI:
    """A KPI of the Sales team, red for the last ``weeks`` completed weeks (target 90)."""
    kpi = make_kpi(cast, name, target="90", yellow="80")
    for start in real_weeks(cast, weeks):
        kpis.measurement_record(kpi=kpi, period_start=start, value="60", by=cast.member)
    return kpi


@pytest.fixture
def q2(cast: Cast) -> Cycle:
    """The second quarter of 2026, active: TODAY falls late in it."""
    return okrs.cycle_create(
        organization=cast.org,
        name="Q2 2026",
        start_date=dt.date(2026, 4, 1),
        end_date=dt.date(2026, 6, 30),
        state=Cycle.State.ACTIVE,
        by=cast.owner,
    )


@pytest.fixture
def paced(cast: Cast) -> Cycle:
    """A current cycle two thirds through on the real date (the cast's quarter is closed),
    so that an objective at 20% is off track on any day the tests run."""
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    today = kpi_selectors.org_today(cast.org)
    return okrs.cycle_create(
        organization=cast.org,
        name="Paced quarter",
        start_date=today - dt.timedelta(days=60),
        end_date=today + dt.timedelta(days=30),
        state=Cycle.State.ACTIVE,
        by=cast.owner,
    )


@pytest.fixture
def lead(cast: Cast) -> User:
    """A member (not an editor) who leads the Sales team."""
    user = make_user("lena@acme.test", "Lena Lead")
    accounts.membership_add(organization=cast.org, user=user, role=Role.MEMBER, by=cast.owner)
    accounts.team_add_member(team=cast.team, user=user, is_lead=True, by=cast.owner)
    return user


@pytest.fixture
def client_for(cast: Cast) -> Callable[[User], Client]:
    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make
