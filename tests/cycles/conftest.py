"""Fixtures for the cycle pages: logged-in clients and a company with an org chart."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.test import Client

from tandem.accounts import services as accounts
from tandem.accounts.models import Team, User
from tandem.okrs import services as okrs
from tandem.okrs.models import Cycle, KeyResult, Objective
from tests.conftest import Cast


@pytest.fixture
def client_for(cast: Cast) -> Callable[[User], Client]:
    """A test client logged in as one of the cast."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


def objective_at(
    cast: Cast,
    title: str,
    *,
    progress: str | None,
    team: Team | None = None,
    person: User | None = None,
    kind: str = Objective.Kind.ASPIRATIONAL,
    cycle: Cycle | None = None,
) -> Objective:
    """An objective whose one key result (0 -> 100) was checked in at ``progress``;
    ``None`` leaves it without key results."""
    objective = okrs.objective_create(
        organization=cast.org,
        cycle=cycle or cast.cycle,
        title=title,
        kind=kind,
        owner_team=team if person is None else None,
        owner_user=person,
        by=cast.owner,
    )
    if progress is not None:
        kr = okrs.key_result_create(
            objective=objective, title=f"{title}: metric", baseline="0", target="100", by=cast.owner
        )
        okrs.key_result_check_in(
            key_result=kr, value=Decimal(progress) * 100, confidence=7, by=cast.owner
        )
    objective.refresh_from_db()
    return objective


@dataclass
class Company:
    """Acme's org chart (company -> Engineering -> Platform, Sales under the company)
    and objectives of ``cast.cycle`` aligned across it."""

    engineering: Team
    platform: Team
    company_goal: Objective
    sales_goal: Objective
    engineering_goal: Objective
    platform_goal: Objective
    shared_goal: Objective
    personal_goal: Objective


@pytest.fixture
def company(cast: Cast) -> Company:
    engineering = accounts.team_create(
        organization=cast.org,
        name="Engineering",
        kind=Team.Kind.DEPARTMENT,
        parent=cast.company,
        by=cast.owner,
    )
    platform = accounts.team_create(
        organization=cast.org, name="Platform", parent=engineering, by=cast.owner
    )
    company_goal = objective_at(
        cast, "Be the region's go-to provider", progress="0.5", team=cast.company
    )
    # cast.objective (Sales, no check-in yet) contributes to the company goal.
    okrs.alignment_add(objective=cast.objective, parent_objective=company_goal, by=cast.owner)
    engineering_goal = objective_at(
        cast, "Ship reliable services", progress="0.25", team=engineering
    )
    okrs.alignment_add(objective=engineering_goal, parent_objective=company_goal, by=cast.owner)
    platform_goal = objective_at(cast, "Halve deploy time", progress="1", team=platform)
    # Through one of the engineering goal's key results.
    okrs.alignment_add(
        objective=platform_goal,
        parent_key_result=engineering_goal.key_results.get(),
        by=cast.owner,
    )
    shared_goal = objective_at(cast, "Self-service onboarding", progress="0.75", team=platform)
    okrs.alignment_add(objective=shared_goal, parent_objective=engineering_goal, by=cast.owner)
    okrs.alignment_add(objective=shared_goal, parent_objective=cast.objective, by=cast.owner)
    personal_goal = objective_at(cast, "Learn Rust", progress="0.2", person=cast.member)
    cast.cycle.refresh_from_db()
    return Company(
        engineering=engineering,
        platform=platform,
        company_goal=company_goal,
        sales_goal=cast.objective,
        engineering_goal=engineering_goal,
        platform_goal=platform_goal,
        shared_goal=shared_goal,
        personal_goal=personal_goal,
    )


@pytest.fixture
def grow(cast: Cast) -> Callable[[int], None]:
    """Add ``n`` objectives to ``cast.cycle``: each with two key results and a
    check-in, aligned to the previous one, to a key result, or to two parents in
    turn. Enough to show that a page's query count does not grow with the data."""

    def make(n: int) -> None:
        previous = cast.objective
        for i in range(n):
            objective = okrs.objective_create(
                organization=cast.org,
                cycle=cast.cycle,
                owner_team=cast.team if i % 2 else cast.company,
                owner_user=None,
                title=f"Grow region {i}",
                by=cast.owner,
            )
            for j in range(2):
                kr: KeyResult = okrs.key_result_create(
                    objective=objective,
                    title=f"Metric {i}.{j}",
                    baseline=Decimal(0),
                    target=Decimal(10),
                    by=cast.owner,
                )
                okrs.key_result_check_in(key_result=kr, value=str(i % 11), confidence=6, by=None)
            if i % 3 == 0:
                okrs.alignment_add(objective=objective, parent_objective=previous, by=None)
            elif i % 3 == 1:
                okrs.alignment_add(objective=objective, parent_key_result=cast.kr, by=None)
            else:
                okrs.alignment_add(objective=objective, parent_objective=previous, by=None)
                okrs.alignment_add(objective=objective, parent_objective=cast.objective, by=None)
            previous = objective

    return make


def today() -> dt.date:
    return dt.datetime.now(dt.UTC).date()
