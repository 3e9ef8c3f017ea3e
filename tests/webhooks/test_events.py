"""Each of the four events reaches the subscriptions that want it, signed, with the data a
receiver needs; an unchanged colour or status sends nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tandem.accounts.models import Organization
from tandem.integrations.ingest import measurements_ingest
from tandem.kpis import services as kpis
from tandem.kpis.models import KPI
from tandem.okrs import services as okrs
from tandem.webhooks import services as webhooks
from tandem.webhooks.models import Delivery, Subscription
from tests.conftest import Cast
from tests.webhooks.conftest import Receiver, run_worker, subscribe

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("base_url")]

BASE = "https://tandem.acme.test"


@pytest.fixture
def base_url(settings) -> None:
    settings.TANDEM_BASE_URL = BASE


@pytest.fixture
def revenue(cast: Cast) -> KPI:
    return kpis.kpi_create(
        organization=cast.org,
        name="Weekly revenue",
        key="revenue",
        frequency="weekly",
        target="100",
        yellow="80",
        effective_from=cast.cycle.start_date,
        by=cast.owner,
    )


def this_week(kpi: KPI):
    return kpi.period_containing(kpi.organization.today())


def received(receiver: Receiver, event: str) -> list[dict]:
    requests = [r for r in receiver.received if r.headers["X-Tandem-Event"] == event]
    assert all(r.signature_ok for r in requests)
    return [r.json for r in requests]


def test_a_check_in_sends_checkin_created_with_the_key_result_and_its_objective(
    cast: Cast, receiver: Receiver
):
    subscribe(cast, receiver, ["checkin.created"])
    okrs.key_result_check_in(
        key_result=cast.kr, value="40", confidence=8, note="Two big deals", by=cast.member
    )
    run_worker()
    (body,) = received(receiver, "checkin.created")
    assert body["type"] == "checkin.created"
    assert body["organization"] == {"id": cast.org.pk, "name": "Acme IT"}
    assert body["created_at"].endswith("+00:00")
    data = body["data"]
    assert Decimal(data["checkin"]["value"]) == Decimal(40)
    assert data["checkin"]["confidence"] == 8
    assert data["checkin"]["note"] == "Two big deals"
    assert data["checkin"]["author"] == {"id": cast.member.pk, "name": "Member Person"}
    assert data["key_result"]["id"] == cast.kr.pk
    assert data["key_result"]["title"] == "Sign new recurring contracts"
    assert Decimal(data["key_result"]["current"]) == Decimal(40)
    assert Decimal(data["key_result"]["progress"]) == Decimal("0.4")
    assert data["objective"]["id"] == cast.objective.pk
    assert data["objective"]["url"] == f"{BASE}/objectives/{cast.objective.pk}/"
    # Only what was asked for: no objective.status_changed to this subscription.
    assert [r.headers["X-Tandem-Event"] for r in receiver.received] == ["checkin.created"]


def test_an_objective_whose_status_changes_sends_old_and_new_status_once(
    cast: Cast, receiver: Receiver
):
    subscribe(cast, receiver, ["objective.status_changed"])
    okrs.key_result_check_in(key_result=cast.kr, value="100", confidence=9, by=cast.member)
    okrs.key_result_check_in(key_result=cast.kr, value="100", confidence=9, by=cast.member)
    run_worker()
    (body,) = received(receiver, "objective.status_changed")  # the second changed nothing
    data = body["data"]
    assert (data["old_status"], data["new_status"]) == ("not_started", "on_track")
    assert data["objective"]["id"] == cast.objective.pk
    assert data["objective"]["title"] == cast.objective.title
    assert Decimal(data["objective"]["progress"]) == Decimal(1)
    assert data["objective"]["cycle"] == {"id": cast.cycle.pk, "name": "This quarter"}
    assert data["objective"]["url"] == f"{BASE}/objectives/{cast.objective.pk}/"


def test_an_edited_key_result_that_changes_the_status_sends_it_too(cast: Cast, receiver: Receiver):
    # With no slack at all, anything behind the cycle's pace is off track.
    Organization.objects.filter(pk=cast.org.pk).update(status_on_track_gap=0, status_at_risk_gap=0)
    okrs.key_result_check_in(key_result=cast.kr, value="100", confidence=9, by=cast.member)
    subscribe(cast, receiver, ["objective.status_changed"])
    okrs.key_result_update(key_result=cast.kr, target=Decimal(10**9), by=cast.editor)
    run_worker()
    (body,) = received(receiver, "objective.status_changed")
    assert (body["data"]["old_status"], body["data"]["new_status"]) == ("on_track", "off_track")


def test_a_measurement_that_changes_the_kpis_colour_sends_kpi_health_changed(
    cast: Cast, receiver: Receiver, revenue: KPI
):
    subscribe(cast, receiver, ["kpi.health_changed"])
    week = this_week(revenue)
    kpis.measurement_record(kpi=revenue, period_start=week, value="120", by=cast.editor)
    kpis.measurement_record(kpi=revenue, period_start=week, value="130", by=cast.editor)
    kpis.measurement_record(kpi=revenue, period_start=week, value="50", by=cast.editor)
    run_worker()
    bodies = received(receiver, "kpi.health_changed")
    changes = [(b["data"]["old_health"], b["data"]["new_health"]) for b in bodies]
    assert changes == [("no_data", "green"), ("green", "red")]  # 130 was still green
    kpi = bodies[1]["data"]["kpi"]
    assert kpi["id"] == revenue.pk
    assert kpi["key"] == "revenue"
    assert kpi["name"] == "Weekly revenue"
    assert Decimal(kpi["latest_value"]) == Decimal(50)
    assert kpi["latest_period"] == week.isoformat()
    assert kpi["url"] == f"{BASE}/kpis/{revenue.pk}/"


def test_bulk_ingestion_sends_one_health_change_per_kpi(
    cast: Cast, receiver: Receiver, revenue: KPI
):
    subscribe(cast, receiver, ["kpi.health_changed"])
    week = this_week(revenue)
    measurements_ingest(
        organization=cast.org,
        rows=[{"kpi": "revenue", "period_start": week, "value": "70"}],
        by=cast.editor,
    )
    run_worker()
    (body,) = received(receiver, "kpi.health_changed")
    assert (body["data"]["old_health"], body["data"]["new_health"]) == ("no_data", "red")


def test_closing_a_cycle_sends_cycle_closed_with_every_scored_objective(
    cast: Cast, receiver: Receiver
):
    subscribe(cast, receiver, ["cycle.closed"])
    okrs.key_result_check_in(key_result=cast.kr, value="70", confidence=6, by=cast.member)
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    run_worker()
    (body,) = received(receiver, "cycle.closed")
    data = body["data"]
    assert data["cycle"]["id"] == cast.cycle.pk
    assert data["cycle"]["name"] == "This quarter"
    assert data["cycle"]["start_date"] == cast.cycle.start_date.isoformat()
    assert data["cycle"]["closed_at"]
    assert data["cycle"]["url"] == f"{BASE}/cycles/{cast.cycle.pk}/review/"
    (objective,) = data["objectives"]
    assert objective["id"] == cast.objective.pk
    assert Decimal(objective["score"]) == Decimal("0.7")
    assert Decimal(objective["computed_score"]) == Decimal("0.7")


def test_another_organisations_subscription_hears_nothing(cast: Cast, receiver: Receiver):
    subscription, secret = webhooks.subscription_create(
        organization=cast.other_org,
        url=receiver.url("/globex"),
        events=["checkin.created", "objective.status_changed", "cycle.closed"],
        by=cast.outsider,
    )
    receiver.secrets["/globex"] = secret
    okrs.key_result_check_in(key_result=cast.kr, value="40", confidence=8, by=cast.member)
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    run_worker()
    assert receiver.received == []
    assert not Delivery.objects.filter(subscription=subscription).exists()


def test_without_subscriptions_a_check_in_costs_one_look_up(cast: Cast):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tandem.webhooks.events import forget_subscribers

    forget_subscribers()  # as at the start of a request's transaction
    with CaptureQueriesContext(connection) as queries:
        okrs.key_result_check_in(key_result=cast.kr, value="20", confidence=7, by=cast.member)
    lookups = [q for q in queries.captured_queries if "webhooks_subscription" in q["sql"]]
    assert len(lookups) == 1  # one look-up serves checkin.created and objective.status_changed
    assert not Delivery.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_subscription_added_after_a_transaction_is_seen_by_the_next_one(
    cast: Cast, receiver: Receiver
):
    from django.db import transaction

    with transaction.atomic():  # looks up the (no) subscriptions, then commits
        okrs.key_result_check_in(key_result=cast.kr, value="10", confidence=7, by=cast.member)

    def check_in_and_roll_back() -> None:
        with transaction.atomic():
            okrs.key_result_check_in(key_result=cast.kr, value="11", confidence=7, by=cast.member)
            raise RuntimeError("rolled back")

    with pytest.raises(RuntimeError):
        check_in_and_roll_back()
    # Written by another process, say: this one is not told.
    Subscription.objects.create(
        organization=cast.org, url=receiver.url(), events=["checkin.created"], secret="s"
    )
    with transaction.atomic():
        okrs.key_result_check_in(key_result=cast.kr, value="12", confidence=7, by=cast.member)
    assert Delivery.objects.filter(event="checkin.created").count() == 1
