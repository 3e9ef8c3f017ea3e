from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client

from tandem.accounts.models import User
from tandem.okrs import services as okrs
from tandem.okrs.models import KeyResult, Objective
from tests.conftest import Cast


@pytest.fixture
def client_for(cast: Cast) -> Callable[[User], Client]:
    """A test client logged in as one of the cast."""

    def make(user: User) -> Client:
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def more_okrs(cast: Cast) -> Callable[[int], list[Objective]]:
    """Add ``n`` team objectives, each with two key results owned by the member and a
    check-in on each: enough data to show that a page's query count does not grow."""

    def make(n: int) -> list[Objective]:
        made = []
        for i in range(n):
            objective = okrs.objective_create(
                organization=cast.org,
                cycle=cast.cycle,
                owner_team=cast.team,
                title=f"Grow region {i}",
                by=cast.owner,
            )
            for j in range(2):
                kr: KeyResult = okrs.key_result_create(
                    objective=objective,
                    title=f"Metric {i}.{j}",
                    baseline=Decimal(0),
                    target=Decimal(10),
                    owner=cast.member,
                    by=cast.owner,
                )
                okrs.key_result_check_in(key_result=kr, value="3", confidence=6, by=cast.member)
            okrs.alignment_add(objective=objective, parent_objective=cast.objective, by=cast.owner)
            made.append(objective)
        return made

    return make
