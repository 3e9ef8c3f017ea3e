"""The webhook pages: owners and admins manage subscriptions and read the delivery log;
others get a 403, another organisation's subscription a 404; the secret is shown once
and never written to the audit log."""

from __future__ import annotations

import json
import re

import pytest

from tandem.audit.models import AuditEvent
from tandem.okrs import services as okrs
from tandem.webhooks import services as webhooks
from tandem.webhooks.models import Delivery, Subscription
from tests.conftest import Cast
from tests.webhooks.conftest import Receiver, run_worker, subscribe

pytestmark = pytest.mark.django_db


def create(client, url: str, events=("checkin.created",), description: str = "Slack relay"):
    return client.post(
        "/settings/webhooks/", {"url": url, "events": list(events), "description": description}
    )


def test_an_admin_creates_a_webhook_and_sees_its_secret_once(
    cast: Cast, receiver: Receiver, client_for
):
    client = client_for(cast.admin)
    response = create(client, receiver.url(), events=["checkin.created", "cycle.closed"])
    assert response.status_code == 200
    subscription = Subscription.objects.get()
    page = response.content.decode()
    assert subscription.secret in page
    assert "shown only this once" in page
    assert subscription.events == ["checkin.created", "cycle.closed"]
    assert (subscription.description, subscription.created_by) == ("Slack relay", cast.admin)
    assert subscription.organization == cast.org

    listing = client.get("/settings/webhooks/").content.decode()
    detail = client.get(f"/settings/webhooks/{subscription.pk}/").content.decode()
    assert receiver.url() in listing
    assert subscription.secret not in listing
    assert subscription.secret not in detail


def test_the_owner_may_manage_webhooks_too(cast: Cast, client_for):
    assert client_for(cast.owner).get("/settings/webhooks/").status_code == 200


@pytest.mark.parametrize("role", ["editor", "member", "viewer"])
def test_webhook_pages_are_403_below_admin(cast: Cast, receiver: Receiver, client_for, role):
    subscription = subscribe(cast, receiver, ["checkin.created"])
    client = client_for(getattr(cast, role))
    assert client.get("/settings/webhooks/").status_code == 403
    assert create(client, receiver.url("/other")).status_code == 403
    assert client.get(f"/settings/webhooks/{subscription.pk}/").status_code == 403
    assert client.post(f"/settings/webhooks/{subscription.pk}/delete/").status_code == 403
    assert Subscription.objects.count() == 1


def test_another_organisations_webhook_is_404(cast: Cast, receiver: Receiver, client_for):
    subscription = subscribe(cast, receiver, ["checkin.created"])
    webhooks.subscription_ping(subscription=subscription, by=cast.admin)
    delivery = Delivery.objects.get()
    client = client_for(cast.outsider)  # the owner of Globex
    base = f"/settings/webhooks/{subscription.pk}"
    assert client.get(f"{base}/").status_code == 404
    assert client.get(f"{base}/deliveries/{delivery.pk}/").status_code == 404
    for action in ("ping", "pause", "resume", "rotate", "delete"):
        assert client.post(f"{base}/{action}/").status_code == 404
    assert client.post(f"{base}/deliveries/{delivery.pk}/redeliver/").status_code == 404
    assert receiver.url() not in client.get("/settings/webhooks/").content.decode()
    assert Subscription.objects.filter(pk=subscription.pk, is_active=True).exists()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("not a url", "is not an http or https address"),
        ("ftp://example.com/hook", "is not an http or https address"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("http://10.0.0.5/hook", "private"),
    ],
)
def test_a_bad_or_internal_url_gets_a_field_error_and_nothing_is_saved(
    cast: Cast, client_for, url: str, message: str
):
    response = create(client_for(cast.admin), url)
    assert response.status_code == 422
    errors = response.context["form"].errors
    assert message in errors["url"][0]
    assert not Subscription.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="webhook.").exists()


def test_a_webhook_without_events_gets_a_field_error(cast: Cast, receiver: Receiver, client_for):
    response = create(client_for(cast.admin), receiver.url(), events=[])
    assert response.status_code == 422
    assert "events" in response.context["form"].errors
    assert not Subscription.objects.exists()


def test_the_delivery_log_shows_attempts_answers_errors_and_the_payload(
    cast: Cast, receiver: Receiver, client_for
):
    subscription = subscribe(cast, receiver, ["checkin.created"])
    receiver.fail_first = 1
    okrs.key_result_check_in(key_result=cast.kr, value="30", confidence=7, by=cast.member)
    run_worker()
    client = client_for(cast.admin)
    page = client.get(f"/settings/webhooks/{subscription.pk}/").content.decode()
    assert "checkin.created" in page
    assert "Failed, will retry" in page
    assert "1/6" in page
    assert "500" in page
    assert "receiver is down" in page
    assert re.search(r"\d+ ms", page)

    delivery = Delivery.objects.get()
    detail = client.get(f"/settings/webhooks/{subscription.pk}/deliveries/{delivery.pk}/")
    assert detail.status_code == 200
    assert json.loads(detail.context["payload"]) == delivery.payload
    assert str(delivery.event_id) in detail.content.decode()


def test_buttons_ping_pause_resume_redeliver_rotate_and_delete_each_leave_an_audit_record(
    cast: Cast, receiver: Receiver, client_for
):
    client = client_for(cast.admin)
    create(client, receiver.url())
    subscription = Subscription.objects.get()
    receiver.secrets["/hook"] = subscription.secret
    base = f"/settings/webhooks/{subscription.pk}"

    assert client.post(f"{base}/ping/").status_code == 302
    run_worker()
    assert [r.headers["X-Tandem-Event"] for r in receiver.received] == ["ping"]
    assert receiver.received[0].signature_ok
    ping = Delivery.objects.get()
    assert client.post(f"{base}/deliveries/{ping.pk}/redeliver/").status_code == 302
    run_worker()
    assert len(receiver.received) == 2

    assert client.post(f"{base}/pause/").status_code == 302
    assert not Subscription.objects.get().is_active
    assert "Resume" in client.get(f"{base}/").content.decode()
    assert client.post(f"{base}/resume/").status_code == 302
    assert Subscription.objects.get().is_active

    rotated = client.post(f"{base}/rotate/")
    new_secret = Subscription.objects.get().secret
    assert new_secret != subscription.secret
    assert new_secret in rotated.content.decode()

    assert client.post(f"{base}/delete/").status_code == 302
    assert not Subscription.objects.exists()
    assert not Delivery.objects.exists()
    actions = list(
        AuditEvent.objects.filter(action__startswith="webhook.")
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == [
        "webhook.create",
        "webhook.ping",
        "webhook.redeliver",
        "webhook.pause",
        "webhook.resume",
        "webhook.rotate_secret",
        "webhook.delete",
    ]
    assert set(
        AuditEvent.objects.filter(action__startswith="webhook.").values_list("actor_id", flat=True)
    ) == {cast.admin.pk}

    # Neither secret appears anywhere in the audit log.
    for event in AuditEvent.objects.all():
        text = json.dumps([event.before, event.after, event.target_repr])
        assert subscription.secret not in text
        assert new_secret not in text


def test_a_get_never_changes_anything(cast: Cast, receiver: Receiver, client_for):
    subscription = subscribe(cast, receiver, ["checkin.created"])
    client = client_for(cast.admin)
    for action in ("ping", "pause", "rotate", "delete"):
        assert client.get(f"/settings/webhooks/{subscription.pk}/{action}/").status_code == 405
    assert Subscription.objects.get().is_active
    assert not Delivery.objects.exists()


def test_a_webhook_form_error_is_in_the_readers_language(cast: Cast, client_for):
    from tandem.accounts import services as accounts

    accounts.user_language_set(user=cast.admin, language="fr", organization=cast.org)
    response = create(client_for(cast.admin), "ftp://hooks.example.com/in")
    html = response.content.decode()
    assert response.status_code == 422
    assert "« ftp://hooks.example.com/in » n" in html
    assert "est pas une adresse http ou https, p. ex. https://example.com/hooks." in html
    assert "is not an http or https address" not in html
    assert not Subscription.objects.exists()
