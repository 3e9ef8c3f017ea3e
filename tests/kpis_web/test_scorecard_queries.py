"""The scorecard reads a fixed number of queries, whatever the number of KPIs and values."""

from __future__ import annotations

import time

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tandem.kpis.models import Measurement
from tests.conftest import Cast


def _queries_of_scorecard(client: Client, url: str = "/scorecard/") -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    return len(captured.captured_queries)


def test_the_scorecard_of_60_kpis_runs_as_many_queries_as_that_of_5(
    cast: Cast, client_for, many_kpis, django_assert_max_num_queries
):
    many_kpis(5)
    client = client_for(cast.member)
    small = _queries_of_scorecard(client)
    many_kpis(55)
    assert Measurement.objects.count() == 60 * 13
    with django_assert_max_num_queries(small):
        response = client.get("/scorecard/")
    assert response.content.decode().count('class="sc-row"') == 60


def test_the_filtered_and_monthly_scorecards_run_as_many_queries_as_the_small_one(
    cast: Cast, client_for, many_kpis, django_assert_max_num_queries
):
    many_kpis(5)
    client = client_for(cast.editor)
    url = f"/scorecard/?granularity=monthly&team={cast.team.slug}&tag=Bulk&periods=6"
    small = _queries_of_scorecard(client, url)
    many_kpis(55)
    with django_assert_max_num_queries(small):
        response = client.get(url)
    assert response.status_code == 200


def test_the_scorecard_of_500_kpis_over_13_weeks_runs_the_same_fixed_number_of_queries(
    cast: Cast, client_for, many_kpis, django_assert_max_num_queries
):
    many_kpis(5)
    client = client_for(cast.member)
    small = _queries_of_scorecard(client)
    many_kpis(495)
    assert Measurement.objects.count() == 500 * 13
    started = time.perf_counter()
    with django_assert_max_num_queries(small):
        response = client.get("/scorecard/")
    elapsed = time.perf_counter() - started
    html = response.content.decode()
    assert html.count('class="sc-row"') == 500
    print(f"500 KPIs: {small} queries, {elapsed:.2f}s, {len(html) / 1e6:.1f} MB")
