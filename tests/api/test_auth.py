"""Tokens: who may call, with which scope, and what Tandem keeps of them."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.utils import timezone

from tandem.api.models import ApiToken, Scope
from tandem.api.services import api_token_create, api_token_revoke
from tandem.audit.models import AuditEvent
from tests.api.conftest import Api, Tokens, assert_problem, token_for
from tests.conftest import Cast


def test_request_without_token_is_401_problem(api: Api, tokens: Tokens) -> None:
    response = api.get("/objectives", as_=None)
    assert_problem(response, 401)
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "secret",
    ["nonsense", "tdm_", "tdm_abc", "tdm_abc_def", "Bearer tdm_x_y"],
)
def test_request_with_bad_token_is_401(api: Api, tokens: Tokens, secret: str) -> None:
    assert_problem(api.get("/objectives", as_=secret), 401)


def test_token_with_a_changed_secret_is_401(api: Api, tokens: Tokens) -> None:
    forged = tokens.owner[:-4] + ("AAAA" if not tokens.owner.endswith("AAAA") else "BBBB")
    assert_problem(api.get("/objectives", as_=forged), 401)


def test_revoked_token_is_401(api: Api, cast: Cast) -> None:
    token, secret = api_token_create(
        user=cast.owner, organization=cast.org, name="CI", scope="read", expires_on=None, by=None
    )
    assert api.get("/objectives", as_=secret).status_code == 200
    api_token_revoke(token=token, by=cast.owner)
    body = assert_problem(api.get("/objectives", as_=secret), 401)
    assert "revoked" in body["detail"]


def test_expired_token_is_401_but_works_on_its_last_day(api: Api, cast: Cast) -> None:
    today = timezone.now().astimezone(cast.org.tz).date()
    token, secret = api_token_create(
        user=cast.owner, organization=cast.org, name="CI", scope="read", expires_on=today, by=None
    )
    assert api.get("/objectives", as_=secret).status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_on=today - dt.timedelta(days=1))
    body = assert_problem(api.get("/objectives", as_=secret), 401)
    assert "expired" in body["detail"]


def test_token_of_someone_who_left_the_organisation_is_401(api: Api, cast: Cast) -> None:
    secret = token_for(cast.member, cast.org, Scope.READ)
    cast.org.memberships.filter(user=cast.member).delete()
    assert_problem(api.get("/objectives", as_=secret), 401)


def test_read_token_cannot_write(api: Api, cast: Cast, tokens: Tokens) -> None:
    response = api.post(
        "/objectives",
        {"cycle": cast.cycle.pk, "title": "X", "owner_team": cast.team.pk},
        as_=tokens.reader,
    )
    body = assert_problem(response, 403)
    assert "read" in body["detail"]


def test_measurements_token_reads_kpis_but_not_objectives(api: Api, tokens: Tokens) -> None:
    assert api.get("/kpis", as_=tokens.measurer).status_code == 200
    assert_problem(api.get("/objectives", as_=tokens.measurer), 403)
    assert_problem(api.get("/teams", as_=tokens.measurer), 403)


def test_measurements_token_cannot_create_a_kpi(api: Api, tokens: Tokens) -> None:
    assert_problem(api.post("/kpis", {"name": "NPS"}, as_=tokens.measurer), 403)


def test_viewer_with_write_token_cannot_write(api: Api, cast: Cast, tokens: Tokens) -> None:
    response = api.post(
        "/objectives",
        {"cycle": cast.cycle.pk, "title": "Grow", "owner_team": cast.team.pk},
        as_=tokens.viewer,
    )
    body = assert_problem(response, 403)
    assert "Viewers" in body["detail"]


def test_token_acts_in_its_own_organisation_only(api: Api, cast: Cast, tokens: Tokens) -> None:
    assert_problem(api.get(f"/objectives/{cast.objective.pk}", as_=tokens.outsider), 404)
    assert api.get("/objectives", as_=tokens.outsider).json()["items"] == []


def test_secret_is_stored_only_as_its_sha256(cast: Cast) -> None:
    token, secret = api_token_create(
        user=cast.owner, organization=cast.org, name="CI", scope="write", expires_on=None, by=None
    )
    assert secret.startswith(f"tdm_{token.public_id}_")
    assert len(secret) > 50
    assert token.secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = ApiToken.objects.filter(pk=token.pk).values()[0]
    assert secret not in [str(v) for v in stored.values()]


def test_creating_and_revoking_a_token_is_audited_without_the_secret(cast: Cast) -> None:
    token, secret = api_token_create(
        user=cast.owner, organization=cast.org, name="CI", scope="write", expires_on=None, by=None
    )
    api_token_revoke(token=token, by=cast.owner)
    events = AuditEvent.objects.filter(target_type="apitoken", target_id=token.pk)
    assert sorted(e.action for e in events) == ["api_token.create", "api_token.revoke"]
    assert all(secret not in str(e.after) and token.secret_hash not in str(e.after) for e in events)


def test_token_for_an_outsider_is_refused_naming_the_user(cast: Cast) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        api_token_create(
            user=cast.outsider,
            organization=cast.org,
            name="x",
            scope="read",
            expires_on=None,
            by=None,
        )
    assert "user" in caught.value.message_dict


def test_token_with_unknown_scope_or_past_expiry_is_refused(cast: Cast) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        api_token_create(
            user=cast.owner,
            organization=cast.org,
            name=" ",
            scope="admin",
            expires_on=dt.date(2000, 1, 1),
            by=None,
        )
    assert set(caught.value.message_dict) == {"name", "scope", "expires_on"}


def test_last_use_is_recorded_at_most_once_a_minute(api: Api, cast: Cast) -> None:
    token, secret = api_token_create(
        user=cast.owner, organization=cast.org, name="CI", scope="read", expires_on=None, by=None
    )
    assert token.last_used_at is None
    api.get("/teams", as_=secret)
    token.refresh_from_db()
    first = token.last_used_at
    assert first is not None
    api.get("/teams", as_=secret)
    token.refresh_from_db()
    assert token.last_used_at == first
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first - dt.timedelta(minutes=2))
    api.get("/teams", as_=secret)
    token.refresh_from_db()
    assert token.last_used_at is not None
    assert token.last_used_at > first - dt.timedelta(minutes=1)
