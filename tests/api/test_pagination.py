"""Cursor pages: a walk sees every row exactly once, and a page costs the same at any size."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.kpis import services as kpis
from tandem.okrs import services as okrs
from tandem.okrs.models import Objective
from tests.api.conftest import Api, Tokens, assert_problem, this_week
from tests.conftest import Cast


def _objectives(cast: Cast, count: int) -> list[int]:
    return [
        okrs.objective_create(
            organization=cast.org, cycle=cast.cycle, owner_team=cast.team, title=f"O{n}", by=None
        ).pk
        for n in range(count)
    ]


def _walk(api: Api, path: str, token: str, limit: int) -> tuple[list[int], int]:
    seen: list[int] = []
    pages = 0
    cursor = ""
    while True:
        sep = "&" if "?" in path else "?"
        url = f"{path}{sep}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        body = api.get(url, as_=token).json()
        pages += 1
        seen += [item["id"] for item in body["items"]]
        if body["next"] is None:
            return seen, pages
        cursor = body["next"]


def test_walking_pages_sees_every_objective_exactly_once(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    expected = [cast.objective.pk, *_objectives(cast, 11)]
    seen, pages = _walk(api, "/objectives", tokens.reader, limit=5)
    assert seen == expected
    assert pages == 3


def test_a_row_added_during_a_walk_is_neither_skipped_nor_repeated(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    _objectives(cast, 5)
    first = api.get("/objectives?limit=3", as_=tokens.reader).json()
    Objective.objects.filter(pk=first["items"][0]["id"]).delete()
    late = _objectives(cast, 1)[0]
    rest, _ = _walk(api, f"/objectives?cursor={first['next']}", tokens.reader, limit=3)
    ids = [o["id"] for o in first["items"]] + rest
    assert len(ids) == len(set(ids))
    assert ids[-1] == late


def test_limit_above_200_is_422_naming_limit(api: Api, tokens: Tokens) -> None:
    assert_problem(api.get("/objectives?limit=201", as_=tokens.reader), 422, "limit")
    assert api.get("/objectives?limit=200", as_=tokens.reader).status_code == 200


@pytest.mark.parametrize("cursor", ["garbage", "eyJ4IjogMX0", "bnVsbA"])
def test_cursor_not_given_by_tandem_is_422_naming_cursor(
    api: Api, tokens: Tokens, cursor: str
) -> None:
    assert_problem(api.get(f"/objectives?cursor={cursor}", as_=tokens.reader), 422, "cursor")


def _queries(api: Api, path: str, token: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = api.get(path, as_=token)
    assert response.status_code == 200, response.content
    return len(queries)


def _grow(cast: Cast, n: int, first: int = 0) -> None:
    """Add ``n`` of every listed thing: objectives with key results, check-ins,
    initiatives, alignments, KPIs with measurements, teams and people."""
    from tandem.accounts import services as accounts
    from tests.conftest import make_user

    for i in range(first, first + n):
        objective = okrs.objective_create(
            organization=cast.org, cycle=cast.cycle, owner_team=cast.team, title=f"G{i}", by=None
        )
        kr = okrs.key_result_create(
            objective=objective,
            title=f"K{i}",
            baseline="0",
            target="10",
            by=None,
        )
        okrs.key_result_check_in(key_result=cast.kr, value=str(i), confidence=5, by=None)
        okrs.initiative_create(objective=objective, key_result=kr, title=f"I{i}", by=None)
        okrs.alignment_add(objective=objective, parent_objective=cast.objective, by=None)
        kpi = kpis.kpi_create(
            organization=cast.org,
            name=f"KPI {i}",
            tags=["a", "b"],
            owner_team=cast.team,
            by=None,
        )
        kpis.measurement_record(kpi=kpi, period_start=this_week(cast.org, 1), value="1", by=None)
        accounts.team_create(organization=cast.org, name=f"Team {i}", by=None)
        okrs.cycle_create(
            organization=cast.org,
            name=f"Old {i}",
            start_date=dt.date(2000 + i, 1, 1),
            end_date=dt.date(2000 + i, 3, 31),
            by=None,
        )
        person = make_user(f"p{i}@acme.test", f"P {i}")
        accounts.membership_add(organization=cast.org, user=person, role="member", by=None)
    kpi0 = kpis.kpi_create(organization=cast.org, name=f"Busy {first}", by=None)
    for weeks_ago in range(1, n + 1):
        kpis.measurement_record(
            kpi=kpi0, period_start=this_week(cast.org, weeks_ago), value="2", by=None
        )


LISTS = [
    "/teams",
    "/people",
    "/cycles",
    "/objectives",
    "/key-results",
    "/key-results/{kr}/check-ins",
    "/initiatives",
    "/alignments",
    "/kpis",
    "/kpis/{busy}/measurements",
]


def test_list_endpoints_cost_the_same_queries_for_2_or_12_rows(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    from tandem.kpis.models import KPI

    def costs() -> dict[str, int]:
        busy = KPI.objects.filter(name__startswith="Busy").latest("id").pk
        api.get("/teams", as_=tokens.reader)  # the token's first use of the minute is a write
        return {
            path: _queries(api, path.format(kr=cast.kr.pk, busy=busy), tokens.reader)
            for path in LISTS
        }

    _grow(cast, 2)
    small = costs()
    _grow(cast, 10, first=2)
    assert costs() == small
    assert max(small.values()) <= 6


def test_every_list_walks_all_its_rows_once(api: Api, cast: Cast, tokens: Tokens) -> None:
    from tandem.kpis.models import KPI

    _grow(cast, 7)
    busy = KPI.objects.filter(name__startswith="Busy").latest("id").pk
    for path in LISTS:
        url = path.format(kr=cast.kr.pk, busy=busy)
        everything = api.get(f"{url}{'&' if '?' in url else '?'}limit=200", as_=tokens.reader)
        expected = [item["id"] for item in everything.json()["items"]]
        seen, _ = _walk(api, url, tokens.reader, limit=3)
        assert seen == expected, path
        assert len(seen) >= 7, path
