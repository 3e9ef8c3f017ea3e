"""Schemathesis attacks ``/api/v1`` from its own OpenAPI document.

Every operation is called with generated data, valid and deliberately invalid, with a
write token of the owner of ``cast.org`` while ``cast.other_org`` (Globex) holds data of
its own. Tandem must never answer 5xx, must answer only the statuses and content types
it documents, with bodies matching their schemas, and must refuse invalid data with 4xx.
A second pass addresses Globex's objects by their ids with Acme's token: every one of
them answers 404 and nothing of Globex shows or changes.

The requests go through Django's test-client handler rather than the bare WSGI
application: the bare application closes the database connection after each request,
which would end the test's transaction (and with it the cast) after the first call.

``TANDEM_FUZZ_EXAMPLES`` raises the number of generated cases per operation for a
longer run on a workstation (CI keeps the default)::

    TANDEM_FUZZ_EXAMPLES=200 .venv/bin/pytest -p no:xdist tests/api/test_schemathesis.py
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
import schemathesis
from django.test.client import ClientHandler
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from tandem.accounts import services as accounts
from tandem.accounts.models import Invitation, Membership, Team
from tandem.api.models import ApiToken
from tandem.api.services import api_token_create
from tandem.audit.models import AuditEvent
from tandem.kpis import services as kpis
from tandem.kpis.models import KPI, KPITarget, Measurement
from tandem.okrs import services as okrs
from tandem.okrs.models import Alignment, CheckIn, Cycle, Initiative, KeyResult, Objective
from tandem.scim.models import ScimToken
from tandem.scim.services import scim_token_create
from tandem.webhooks.models import Delivery, Subscription
from tests.api.conftest import PROBLEM, Api, Tokens, assert_problem, this_week, token_for
from tests.conftest import Cast, quarter_around

EXAMPLES = int(os.environ.get("TANDEM_FUZZ_EXAMPLES", "10"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
FUZZ_SETTINGS = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,
    # The cast is built once per operation and shared by its examples on purpose: what
    # one example creates or deletes is there for the next, as in production.
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def django_app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    """A WSGI application that answers like Django's test client: inside the test's
    transaction, with the database connection left open between requests."""
    response: Any = ClientHandler(enforce_csrf_checks=False)(environ)
    headers = list(response.items())
    headers += [
        ("Set-Cookie", cookie.output(header="").strip()) for cookie in response.cookies.values()
    ]
    start_response(f"{response.status_code} {response.reason_phrase}", headers)
    return [response.content]


schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", django_app)

# Only the operations that address one object by its id, with valid data only: with
# invalid data Ninja refuses the request (422) before anything is looked up.
by_id = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", django_app).include(path_regex=r"\{")
by_id.config.generation.update(modes=[GenerationMode.POSITIVE])


@pytest.fixture
def owner_token(cast: Cast) -> str:
    return token_for(cast.owner, cast.org)


@schema.parametrize()
@FUZZ_SETTINGS
def test_api_answers_every_generated_request_as_documented(
    case: schemathesis.Case, owner_token: str
) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {owner_token}"}, checks=CHECKS)


# -- another organisation's ids -------------------------------------------------------------

SECRET = "Globex-secret-7f3a"  # in every title of Globex, so a leak is easy to see


@dataclass
class Globex:
    ids: dict[str, int]  # path parameter -> the id of one of Globex's objects

    @staticmethod
    def counts() -> dict[str, int]:
        models = (
            Cycle,
            Objective,
            KeyResult,
            CheckIn,
            Initiative,
            Alignment,
            KPI,
            Measurement,
            Team,
            Membership,
            Invitation,
            ApiToken,
            Subscription,
            Delivery,
            KPITarget,
        )
        counts = {m.__name__: m.objects.filter(organization__name="Globex").count() for m in models}
        counts["audit"] = AuditEvent.objects.filter(organization__name="Globex").count()
        counts["revoked"] = ApiToken.objects.filter(
            organization__name="Globex", revoked_at__isnull=False
        ).count()
        counts["scim_tokens"] = ScimToken.objects.filter(
            organization__name="Globex", revoked_at__isnull=True
        ).count()
        return counts


@pytest.fixture
def globex(cast: Cast) -> Globex:
    """The other organisation with one object of every kind the API addresses by id."""
    org, by = cast.other_org, cast.outsider
    start, end = quarter_around(dt.datetime.now(dt.UTC).date())
    cycle = okrs.cycle_create(
        organization=org,
        name=f"{SECRET} quarter",
        start_date=start,
        end_date=end,
        state=Cycle.State.ACTIVE,
        by=by,
    )
    objectives = [
        okrs.objective_create(
            organization=org, cycle=cycle, owner_team=cast.other_team, by=by, title=f"{SECRET} {n}"
        )
        for n in (1, 2)
    ]
    kr = okrs.key_result_create(
        objective=objectives[0],
        title=f"{SECRET} contracts",
        baseline=Decimal(0),
        target=Decimal(10),
        owner=by,
        by=by,
    )
    okrs.key_result_check_in(key_result=kr, by=by, confidence=7, value="4", note=SECRET)
    initiative = okrs.initiative_create(objective=objectives[0], title=f"{SECRET} push", by=by)
    alignment = okrs.alignment_add(objective=objectives[1], parent_objective=objectives[0], by=by)
    kpi = kpis.kpi_create(
        organization=org, name=f"{SECRET} churn", key="globex-churn", owner_user=by, by=by
    )
    kpis.measurement_record(kpi=kpi, period_start=this_week(org, 1), value="2.5", by=by)
    invitation = accounts.invitation_create(
        organization=org, email="someone@globex.test", role="member", by=by
    )
    token = ApiToken.objects.get(
        pk=api_token_create(
            user=by, organization=org, name=SECRET, scope="read", expires_on=None, by=by
        )[0].pk
    )
    scim_token, _ = scim_token_create(organization=org, name=f"{SECRET} provider", by=by)
    hook = Subscription.objects.create(
        organization=org, url="https://93.184.215.14/globex", secret=SECRET, events=[]
    )
    delivery = Delivery.objects.create(
        organization=org, subscription=hook, event="ping", payload={"secret": SECRET}
    )
    return Globex(
        ids={
            "cycle_id": cycle.pk,
            "objective_id": objectives[0].pk,
            "key_result_id": kr.pk,
            "initiative_id": initiative.pk,
            "alignment_id": alignment.pk,
            "kpi_id": kpi.pk,
            "team_id": cast.other_team.pk,
            "user_id": by.pk,
            "invitation_id": invitation.pk,
            "token_id": token.pk,
            "webhook_id": hook.pk,
            "delivery_id": delivery.pk,
            "scim_token_id": scim_token.pk,
        }
    )


@by_id.parametrize()
# Fewer cases: the ids are fixed, only the rest of the request varies.
@settings(FUZZ_SETTINGS, max_examples=max(3, EXAMPLES // 2))
def test_another_organisations_objects_answer_404_and_stay_untouched(
    case: schemathesis.Case, owner_token: str, globex: Globex
) -> None:
    before = globex.counts()
    case.path_parameters = {name: globex.ids[name] for name in case.path_parameters or {}}
    response = case.call(headers={"Authorization": f"Bearer {owner_token}"})
    assert response.status_code == 404, (case.method, case.formatted_path, response.text)
    assert response.headers["content-type"] == [PROBLEM]
    assert SECRET not in response.text
    assert globex.counts() == before


# -- what the attacks found, kept as plain regression tests ---------------------------------

TOO_BIG = "9" * 25  # no database id is this large: SQLite cannot even bind it


@pytest.mark.parametrize(
    "path",
    [
        f"/objectives?cycle={TOO_BIG}",
        f"/key-results?objective={TOO_BIG}",
        f"/initiatives?owner={TOO_BIG}",
        f"/alignments?parent_objective={TOO_BIG}",
        f"/teams?parent={TOO_BIG}",
        f"/kpis?team={TOO_BIG}",
        f"/people/{TOO_BIG}",
        "/objectives?cycle=0",
    ],
)
def test_an_id_no_database_can_hold_is_422_naming_it(api: Api, tokens: Tokens, path: str) -> None:
    field = re.split(r"[?=/]", path)[-2] if "?" in path else "user_id"
    assert_problem(api.get(path, as_=tokens.owner), 422, field)


def test_a_cursor_past_the_largest_id_is_422(api: Api, tokens: Tokens) -> None:
    import base64

    cursor = base64.urlsafe_b64encode(f'{{"after": {TOO_BIG}}}'.encode()).decode().rstrip("=")
    assert_problem(api.get(f"/people?cursor={cursor}", as_=tokens.owner), 422, "cursor")


@pytest.mark.parametrize("kpi", [TOO_BIG, int(TOO_BIG), "²"])
def test_a_bulk_row_naming_a_kpi_no_database_can_hold_is_a_row_error(
    api: Api, cast: Cast, tokens: Tokens, kpi: object
) -> None:
    rows = [{"kpi": kpi, "period_start": this_week(cast.org).isoformat(), "value": "1"}]
    for token in (tokens.owner, tokens.member):
        response = api.post("/measurements/bulk", {"rows": rows}, as_=token)
        body = assert_problem(response, 422)
        assert body["errors"][0]["index"] == 0
    assert not Measurement.objects.exists()


def test_a_body_that_is_not_an_object_is_400_saying_so(api: Api, tokens: Tokens) -> None:
    body = assert_problem(api.post("/cycles", [None, None], as_=tokens.owner), 400)
    assert "must be a JSON object" in body["detail"]


def test_an_unknown_api_address_is_404_problem_json(api: Api, tokens: Tokens) -> None:
    for method in ("get", "post", "delete"):
        assert_problem(api.call(method, "/no-such-thing", as_=tokens.owner), 404)


def test_a_method_an_address_does_not_take_is_405_problem_json(api: Api, tokens: Tokens) -> None:
    response = api.call("put", "/objectives", as_=tokens.owner)
    assert_problem(response, 405)
    assert set(response["Allow"].split(", ")) == {"GET", "POST"}


def test_a_misspelt_filter_is_422_naming_it_not_the_whole_list(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    assert_problem(api.get(f"/objectives?cylce={cast.cycle.pk}", as_=tokens.owner), 422, "cylce")
    assert_problem(api.get("/alignments?=false", as_=tokens.owner), 422, "")
    assert api.get(f"/objectives?cycle={cast.cycle.pk}", as_=tokens.owner).status_code == 200
