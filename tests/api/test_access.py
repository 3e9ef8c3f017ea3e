"""Every operation of the API, checked for who may call it: another organisation's
objects are 404 everywhere, a read token writes nowhere, a measurements token reads
only KPIs, and a viewer changes nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tandem.accounts import services as accounts
from tandem.api.api import api as api_v1
from tandem.api.services import api_token_create
from tandem.audit.models import AuditEvent
from tandem.integrations import pulls
from tandem.kpis import services as kpis
from tandem.kpis.models import KPI
from tandem.okrs import services as okrs
from tandem.reports import services as reports
from tandem.scim.services import scim_token_create
from tandem.webhooks import services as webhooks
from tests.api.conftest import Api, Tokens, assert_problem, this_week
from tests.conftest import Cast


def _operations() -> list[tuple[str, str]]:
    document = api_v1.get_openapi_schema()
    return sorted(
        (m, p.removeprefix("/api/v1")) for p, ops in document["paths"].items() for m in ops
    )


OPERATIONS = _operations()


@pytest.fixture
def ids(cast: Cast, kpi: KPI) -> dict[str, int]:
    child = okrs.objective_create(
        organization=cast.org, cycle=cast.cycle, owner_user=cast.member, title="Child", by=None
    )
    return {
        "team_id": cast.team.pk,
        "user_id": cast.member.pk,
        "cycle_id": cast.cycle.pk,
        "objective_id": cast.objective.pk,
        "key_result_id": cast.kr.pk,
        "initiative_id": okrs.initiative_create(objective=cast.objective, title="Plan", by=None).pk,
        "alignment_id": okrs.alignment_add(
            objective=child, parent_objective=cast.objective, by=None
        ).pk,
        "kpi_id": kpi.pk,
        **_admin_ids(cast, kpi),
    }


HOOK_URL = "https://93.184.215.14/tandem-hook"  # public, and never called in these tests
SQL_SOURCE = {"kind": "sql", "url": "sqlite:///missing.sqlite3", "query": "SELECT day, n FROM t"}


def _admin_ids(cast: Cast, kpi: KPI) -> dict[str, int]:
    """One of each object the operations that run the organisation address."""
    hook, _ = webhooks.subscription_create(
        organization=cast.org, url=HOOK_URL, events=["checkin.created"], by=cast.owner
    )
    pulls.data_source_save(kpi=kpi, by=cast.owner, data=SQL_SOURCE)
    invitation = accounts.invitation_create(
        organization=cast.org, email="new@acme.test", role="member", by=cast.owner
    )
    token, _ = api_token_create(
        user=cast.owner,
        organization=cast.org,
        name="Spare",
        scope="read",
        expires_on=None,
        by=cast.owner,
    )
    return {
        "webhook_id": hook.pk,
        "delivery_id": webhooks.subscription_ping(subscription=hook, by=cast.owner).pk,
        "invitation_id": invitation.pk,
        "token_id": token.pk,
        "scim_token_id": scim_token_create(organization=cast.org, name="Okta", by=cast.owner)[0].pk,
    }


def _body(cast: Cast, method: str, path: str) -> Any:
    """A body that would succeed for the cast's own owner."""
    week = str(this_week(cast.org, 1))
    bodies: dict[tuple[str, str], Any] = {
        ("post", "/cycles"): {"name": "Next", "start_date": "2030-01-01", "end_date": "2030-03-31"},
        ("post", "/objectives"): {
            "cycle": cast.cycle.pk,
            "title": "New",
            "owner_team": cast.team.pk,
        },
        ("post", "/cycles/fiscal-years"): {"year": 2031},
        ("patch", "/objectives/{objective_id}"): {"title": "Changed", "version": 1},
        ("put", "/objectives/{objective_id}/score"): {"score": "0.5", "reason": "Signed later."},
        ("post", "/key-results"): {
            "objective": cast.objective.pk,
            "title": "New",
            "kind": "milestone",
        },
        ("patch", "/key-results/{key_result_id}"): {"title": "Changed", "version": 1},
        ("post", "/key-results/{key_result_id}/check-ins"): {"value": 5, "confidence": 7},
        ("post", "/initiatives"): {"objective": cast.objective.pk, "title": "New"},
        ("patch", "/initiatives/{initiative_id}"): {"status": "done"},
        ("post", "/alignments"): {
            "objective": cast.objective.pk,
            "parent_key_result": None,
            "parent_objective": None,
        },
        ("post", "/kpis"): {"name": "New KPI"},
        ("patch", "/kpis/{kpi_id}"): {"name": "Changed", "version": 1},
        ("post", "/kpis/{kpi_id}/measurements"): {"period_start": week, "value": 1},
        ("post", "/measurements/bulk"): {
            "rows": [{"kpi": "churn-rate", "period_start": week, "value": 1}]
        },
        ("post", "/kpis/{kpi_id}/promote"): {"cycle": cast.cycle.pk, "target": "2"},
        ("post", "/kpis/{kpi_id}/demote"): {"note": "Back on target."},
        ("post", "/objectives/{objective_id}/kpis"): {"kpi": _kpi_id(cast), "role": "guardrail"},
        ("put", "/key-results/{key_result_id}/kpi"): {"kpi": _kpi_id(cast)},
        ("put", "/plan"): {"purpose": "Keep every client's IT running."},
    }
    bodies.update(
        {
            ("patch", "/organization"): {"name": "Acme Corp"},
            ("post", "/invitations"): {"email": "someone@acme.test"},
            ("post", "/tokens"): {"name": "Script", "scope": "read"},
            ("patch", "/reminders"): {"digest_enabled": False},
            ("post", "/teams"): {"name": "Research"},
            ("patch", "/teams/{team_id}"): {"name": "Renamed"},
            ("patch", "/people/{user_id}"): {"title": "Analyst"},
            ("post", "/webhooks"): {"url": HOOK_URL, "events": ["cycle.closed"]},
            ("post", "/scim-tokens"): {"name": "Okta"},
            ("patch", "/webhooks/{webhook_id}"): {"description": "Relay"},
            ("put", "/kpis/{kpi_id}/source"): SQL_SOURCE,
            ("post", "/kpis/{kpi_id}/source/test"): SQL_SOURCE,
            ("post", "/kpis/{kpi_id}/targets"): {"effective_from": week, "target": "3"},
        }
    )
    return bodies.get((method, path))


def _kpi_id(cast: Cast) -> int | None:
    found = KPI.objects.filter(organization=cast.org, key="churn-rate").first()
    return found.pk if found is not None else None


def _call(api: Api, method: str, path: str, ids: dict[str, int], token: str, body: Any) -> Any:
    return api.call(method, path.format(**ids), as_=token, body=body)


def test_every_operation_is_listed_here() -> None:
    assert len(OPERATIONS) == 82


@pytest.mark.parametrize(("method", "path"), [op for op in OPERATIONS if "{" in op[1]])
def test_another_organisations_object_is_404_for_every_operation(
    api: Api, cast: Cast, tokens: Tokens, ids: dict[str, int], method: str, path: str
) -> None:
    before = AuditEvent.objects.count()
    response = _call(api, method, path, ids, tokens.outsider, _body(cast, method, path))
    assert_problem(response, 404)
    assert AuditEvent.objects.count() == before


@pytest.mark.parametrize(("method", "path"), [op for op in OPERATIONS if op[0] != "get"])
def test_read_token_writes_nowhere(
    api: Api, cast: Cast, tokens: Tokens, ids: dict[str, int], method: str, path: str
) -> None:
    before = AuditEvent.objects.count()
    response = _call(api, method, path, ids, tokens.reader, _body(cast, method, path))
    assert_problem(response, 403)
    assert AuditEvent.objects.count() == before


# A viewer's own API tokens are theirs to make and revoke, as on the tokens page.
OWN_TOKENS = {("post", "/tokens"), ("delete", "/tokens/{token_id}")}


@pytest.mark.parametrize(
    ("method", "path"), [op for op in OPERATIONS if op[0] != "get" and op not in OWN_TOKENS]
)
def test_viewer_changes_nothing(
    api: Api, cast: Cast, tokens: Tokens, ids: dict[str, int], method: str, path: str
) -> None:
    before = AuditEvent.objects.count()
    response = _call(api, method, path, ids, tokens.viewer, _body(cast, method, path))
    assert_problem(response, 403)
    assert AuditEvent.objects.count() == before


MEASUREMENT_SCOPE = {
    ("get", "/kpis"),
    ("get", "/kpis/{kpi_id}"),
    ("get", "/kpis/{kpi_id}/measurements"),
    ("post", "/kpis/{kpi_id}/measurements"),
    ("post", "/measurements/bulk"),
    ("get", "/scorecard"),
}


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_measurements_token_reaches_only_kpis_and_measurements(
    api: Api, cast: Cast, tokens: Tokens, ids: dict[str, int], method: str, path: str
) -> None:
    response = _call(api, method, path, ids, tokens.measurer, _body(cast, method, path))
    if (method, path) in MEASUREMENT_SCOPE:
        assert response.status_code in {200, 201}, response.content
    else:
        assert_problem(response, 403)


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_owner_with_write_token_succeeds_everywhere(
    api: Api, cast: Cast, tokens: Tokens, ids: dict[str, int], kpi: KPI, method: str, path: str
) -> None:
    body = _body(cast, method, path)
    if (method, path) == ("post", "/alignments"):
        body = {"objective": cast.objective.pk, "parent_objective": None, "parent_key_result": None}
        child = okrs.objective_create(
            organization=cast.org, cycle=cast.cycle, owner_team=cast.team, title="C", by=None
        )
        body = {"objective": child.pk, "parent_objective": cast.objective.pk}
    if (method, path) == ("delete", "/teams/{team_id}"):
        empty = accounts.team_create(organization=cast.org, name="Former", by=cast.owner)
        ids = {**ids, "team_id": empty.pk}
    if (method, path) == ("put", "/objectives/{objective_id}/score"):
        okrs.cycle_close(cycle=cast.cycle, by=cast.owner)  # scores are set at the close
    if path.startswith("/kpis/{kpi_id}/") and path.endswith(("promote", "demote", "promotions")):
        # A KPI is promoted from its latest value; demoted once promoted.
        kpis.measurement_record(kpi=kpi, period_start=this_week(cast.org, 2), value="5", by=None)
        if not path.endswith("promote"):
            kpis.kpi_promote(
                kpi=KPI.objects.get(pk=kpi.pk), cycle=cast.cycle, target=Decimal(2), by=None
            )
    if (method, path) == ("delete", "/objectives/{objective_id}/kpis/{kpi_id}"):
        kpis.objective_link_kpi(objective=cast.objective, kpi=kpi, by=None)
    if (method, path) == ("get", "/plan"):
        reports.strategic_plan_save(organization=cast.org, purpose="Run IT well.", by=None)
    response = _call(api, method, path, ids, tokens.owner, body)
    assert response.status_code in {200, 201, 202, 204}, response.content
