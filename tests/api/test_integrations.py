"""Webhook subscriptions and KPIs' data sources through the API, against a real
receiver and a real SQLite source on this machine."""

from __future__ import annotations

import sqlite3

import pytest

from tandem.audit.models import AuditEvent
from tandem.integrations.models import DataSource
from tandem.kpis.models import KPI, Measurement
from tandem.webhooks.models import Delivery, Subscription
from tests.api.conftest import Api, Tokens, assert_problem, this_week
from tests.conftest import Cast
from tests.webhooks.conftest import Receiver, run_worker

pytestmark = pytest.mark.django_db


def test_a_subscription_made_through_the_api_receives_signed_events(
    api: Api, cast: Cast, tokens: Tokens, receiver: Receiver
) -> None:
    created = api.post(
        "/webhooks",
        {"url": receiver.url("/old"), "events": ["checkin.created"], "description": "Relay"},
        as_=tokens.owner,
    )
    assert created.status_code == 201, created.content
    hook = created.json()
    assert hook["secret"].startswith("whsec_")
    assert hook["active"] is True
    assert "secret" not in api.get(f"/webhooks/{hook['id']}", as_=tokens.owner).json()

    # The receiver moves: the URL changes, the secret stays.
    moved = api.patch(f"/webhooks/{hook['id']}", {"url": receiver.url("/new")}, as_=tokens.owner)
    assert moved.json()["url"] == receiver.url("/new")
    # A rotation answers the new secret once; pings are signed with it.
    rotated = api.post(f"/webhooks/{hook['id']}/secret", as_=tokens.owner).json()
    assert rotated["secret"] != hook["secret"]
    receiver.secrets["/new"] = rotated["secret"]
    ping = api.post(f"/webhooks/{hook['id']}/ping", as_=tokens.owner)
    assert ping.status_code == 202
    run_worker()
    (got,) = receiver.received
    assert (got.path, got.signature_ok, got.json["type"]) == ("/new", True, "ping")

    deliveries = api.get(f"/webhooks/{hook['id']}/deliveries", as_=tokens.owner).json()["items"]
    assert [(d["id"], d["status"]) for d in deliveries] == [(ping.json()["id"], "succeeded")]
    again = api.post(
        f"/webhooks/{hook['id']}/deliveries/{deliveries[0]['id']}/redeliver", as_=tokens.owner
    )
    assert again.status_code == 202
    assert again.json()["redelivery_of"] == deliveries[0]["id"]
    assert again.json()["event_id"] == deliveries[0]["event_id"]
    run_worker()
    assert len(receiver.received) == 2
    assert receiver.received[1].signature_ok


def test_a_paused_subscription_is_not_redelivered_until_resumed(
    api: Api, cast: Cast, tokens: Tokens, receiver: Receiver
) -> None:
    hook = api.post(
        "/webhooks", {"url": receiver.url(), "events": ["cycle.closed"]}, as_=tokens.owner
    ).json()
    paused = api.patch(f"/webhooks/{hook['id']}", {"active": False}, as_=tokens.owner)
    assert paused.json()["active"] is False
    subscription = Subscription.objects.get(pk=hook["id"])
    delivery = Delivery.objects.create(
        organization=cast.org, subscription=subscription, event="cycle.closed", payload={}
    )
    url = f"/webhooks/{hook['id']}/deliveries/{delivery.pk}/redeliver"
    assert "resume it" in assert_problem(api.post(url, as_=tokens.owner), 422)["detail"]
    api.patch(f"/webhooks/{hook['id']}", {"active": True}, as_=tokens.owner)
    assert api.post(url, as_=tokens.owner).status_code == 202
    actions = list(
        AuditEvent.objects.filter(target_id=hook["id"], action__startswith="webhook.")
        .order_by("pk")
        .values_list("action", "source")
    )
    assert [a for a, _ in actions] == [
        "webhook.create",
        "webhook.pause",
        "webhook.resume",
        "webhook.redeliver",
    ]
    assert {s for _, s in actions} == {"api"}


def test_a_subscription_to_a_private_address_or_no_event_is_refused(
    api: Api, cast: Cast, tokens: Tokens, closed_receiver: Receiver
) -> None:
    body = {"url": closed_receiver.url(), "events": ["checkin.created"]}
    assert_problem(api.post("/webhooks", body, as_=tokens.owner), 422, "url")
    body = {"url": "https://93.184.215.14/hook", "events": ["objective.deleted"]}
    assert_problem(api.post("/webhooks", body, as_=tokens.owner), 422, "events")
    assert not Subscription.objects.exists()


def test_only_owners_and_admins_manage_webhooks(api: Api, tokens: Tokens) -> None:
    assert_problem(api.get("/webhooks", as_=tokens.editor), 403)
    body = {"url": "https://93.184.215.14/hook", "events": ["checkin.created"]}
    assert_problem(api.post("/webhooks", body, as_=tokens.editor), 403)


def test_another_organisations_subscription_is_not_found(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    theirs = Subscription.objects.create(
        organization=cast.other_org, url="https://93.184.215.14/x", secret="s" * 40, events=[]
    )
    for method in ("get", "delete"):
        assert_problem(api.call(method, f"/webhooks/{theirs.pk}", as_=tokens.owner), 404)
    assert_problem(api.post(f"/webhooks/{theirs.pk}/secret", as_=tokens.owner), 404)
    theirs.refresh_from_db()
    assert theirs.secret == "s" * 40


# -- data sources -----------------------------------------------------------------------------


@pytest.fixture
def sales_db(tmp_path, settings):
    settings.DATA_DIR = tmp_path
    (tmp_path / "sources").mkdir()
    path = tmp_path / "sources" / "sales.sqlite3"
    return path


def test_a_source_is_set_up_tested_pulled_and_its_status_read(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI, sales_db
) -> None:
    week = this_week(cast.org, 1)
    with sqlite3.connect(sales_db) as db:
        db.execute("CREATE TABLE churn (week TEXT, rate NUMERIC)")
        db.execute("INSERT INTO churn VALUES (?, ?)", (week.isoformat(), 2.5))
    db.close()
    config = {
        "kind": "sql",
        "url": f"sqlite:///{sales_db}",
        "query": "SELECT week, rate FROM churn",
        "interval_minutes": 1440,
    }
    tested = api.post(f"/kpis/{kpi.pk}/source/test", config, as_=tokens.owner)
    assert tested.status_code == 200, tested.content
    assert tested.json() == {
        "ok": True,
        "read": 1,
        "error": "",
        "values": [{"period_start": week.isoformat(), "value": "2.5"}],
    }
    assert not DataSource.objects.exists()
    assert not Measurement.objects.exists()

    saved = api.put(f"/kpis/{kpi.pk}/source", config, as_=tokens.owner)
    assert saved.status_code == 200, saved.content
    assert saved.json()["last_status"] == ""
    pulled = api.post(f"/kpis/{kpi.pk}/source/pull", as_=tokens.owner).json()
    assert pulled["last_status"] == "ok"
    assert pulled["last_counts"] == {"created": 1, "updated": 0, "unchanged": 0}
    assert Measurement.objects.get(kpi=kpi).value == 2.5
    status = api.get(f"/kpis/{kpi.pk}/source", as_=tokens.editor).json()
    assert (status["last_status"], status["flag"], status["interval_minutes"]) == ("ok", "", 1440)

    assert api.delete(f"/kpis/{kpi.pk}/source", as_=tokens.owner).status_code == 204
    assert_problem(api.get(f"/kpis/{kpi.pk}/source", as_=tokens.owner), 404)
    assert Measurement.objects.filter(kpi=kpi).count() == 1  # its values stay


def test_a_failing_pull_answers_why_and_writes_nothing(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI, sales_db
) -> None:
    config = {"kind": "sql", "url": f"sqlite:///{sales_db}", "query": "SELECT week, rate FROM t"}
    preview = api.post(f"/kpis/{kpi.pk}/source/test", config, as_=tokens.owner).json()
    assert preview["ok"] is False
    assert preview["error"]
    api.put(f"/kpis/{kpi.pk}/source", config, as_=tokens.owner)
    pulled = api.post(f"/kpis/{kpi.pk}/source/pull", as_=tokens.owner).json()
    assert pulled["last_status"] == "failed"
    assert pulled["last_error"] == preview["error"]
    assert pulled["flag"] == "sync failed"
    assert not Measurement.objects.exists()


def test_a_source_that_does_not_fit_is_refused_naming_the_field(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI
) -> None:
    not_select = {"kind": "sql", "url": "sqlite:///x.sqlite3", "query": "DELETE FROM t"}
    assert_problem(api.put(f"/kpis/{kpi.pk}/source", not_select, as_=tokens.owner), 422, "query")
    no_path = {"kind": "http_json", "url": "https://93.184.215.14/kpi.json"}
    assert_problem(api.put(f"/kpis/{kpi.pk}/source", no_path, as_=tokens.owner), 422, "value_path")
    assert not DataSource.objects.exists()


def test_the_password_of_a_source_is_never_answered(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI
) -> None:
    config = {
        "kind": "sql",
        "url": "postgres://reader:s3cret-pw@93.184.215.14:5432/warehouse",
        "query": "SELECT week, rate FROM churn",
    }
    saved = api.put(f"/kpis/{kpi.pk}/source", config, as_=tokens.owner)
    assert saved.status_code == 200, saved.content
    assert "s3cret-pw" not in saved.content.decode()
    assert "s3cret-pw" not in api.get(f"/kpis/{kpi.pk}/source", as_=tokens.owner).content.decode()
    # Sent back masked, the password is kept.
    again = {**config, "url": saved.json()["url"], "interval_minutes": 30}
    assert api.put(f"/kpis/{kpi.pk}/source", again, as_=tokens.owner).status_code == 200
    assert "s3cret-pw" in DataSource.objects.get(kpi=kpi).url


def test_editors_read_a_pull_admins_set_it_up(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI
) -> None:
    config = {"kind": "sql", "url": "sqlite:///x.sqlite3", "query": "SELECT 1, 2"}
    assert_problem(api.put(f"/kpis/{kpi.pk}/source", config, as_=tokens.editor), 403)
    assert_problem(api.post(f"/kpis/{kpi.pk}/source/pull", as_=tokens.editor), 403)
    api.put(f"/kpis/{kpi.pk}/source", config, as_=tokens.owner)
    assert api.get(f"/kpis/{kpi.pk}/source", as_=tokens.editor).status_code == 200
    assert_problem(api.get(f"/kpis/{kpi.pk}/source", as_=tokens.member), 403)
