"""Creating a fiscal year with its quarters, and adjusting a closed objective's score,
through the API: the same rules and the same audit as the cycles and review pages."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tandem.audit.models import AuditEvent, Source
from tandem.okrs import services as okrs
from tandem.okrs.models import Cycle, Objective
from tests.api.conftest import Api, Tokens, assert_problem, token_for
from tests.conftest import Cast

# -- a fiscal year and its quarters -----------------------------------------------------------


def test_an_editor_creates_a_fiscal_year_with_its_four_quarters(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    cast.org.fiscal_year_start_month = 4
    cast.org.save()
    response = api.post("/cycles/fiscal-years", {"year": 2031}, as_=tokens.editor)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["year"]["name"], body["year"]["start_date"], body["year"]["end_date"]) == (
        "FY2031-32",
        "2031-04-01",
        "2032-03-31",
    )
    assert [q["name"] for q in body["quarters"]] == [f"Q{n} FY2031-32" for n in range(1, 5)]
    assert {q["parent"] for q in body["quarters"]} == {body["year"]["id"]}
    assert body["quarters"][3]["start_date"] == "2032-01-01"
    made = Cycle.objects.filter(organization=cast.org, pk__in=[body["year"]["id"]])
    assert made.get().state == Cycle.State.PLANNING
    events = AuditEvent.objects.filter(organization=cast.org, action="cycle.create")
    assert events.count() == 5 + 1  # the cast's own quarter, then the five
    assert set(events.exclude(target_id=cast.cycle.pk).values_list("source", flat=True)) == {
        Source.API
    }
    assert set(events.exclude(target_id=cast.cycle.pk).values_list("actor", flat=True)) == {
        cast.editor.pk
    }


def test_a_fiscal_year_whose_quarter_exists_creates_nothing_and_names_year(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    okrs.cycle_create(
        organization=cast.org,
        name="Q3 2032",
        start_date=dt.date(2032, 7, 1),
        end_date=dt.date(2032, 9, 30),
        by=cast.owner,
    )
    before = Cycle.objects.count()
    body = assert_problem(
        api.post("/cycles/fiscal-years", {"year": 2032}, as_=tokens.owner), 422, "year"
    )
    assert "Q3 2032" in body["detail"]
    assert Cycle.objects.count() == before


@pytest.mark.parametrize("year", [1776, 9001])
def test_a_year_tandem_does_not_plan_for_is_422_naming_year(
    api: Api, tokens: Tokens, year: int
) -> None:
    before = Cycle.objects.count()
    body = assert_problem(
        api.post("/cycles/fiscal-years", {"year": year}, as_=tokens.owner), 422, "year"
    )
    assert str(year) in body["detail"]
    assert Cycle.objects.count() == before


def test_a_year_that_is_not_a_number_is_422_naming_year(api: Api, tokens: Tokens) -> None:
    assert_problem(
        api.post("/cycles/fiscal-years", {"year": "next"}, as_=tokens.owner), 422, "year"
    )


@pytest.mark.parametrize("who", ["member", "viewer"])
def test_members_and_viewers_cannot_create_a_fiscal_year(
    api: Api, tokens: Tokens, who: str
) -> None:
    before = Cycle.objects.count()
    assert_problem(api.post("/cycles/fiscal-years", {"year": 2033}, as_=getattr(tokens, who)), 403)
    assert Cycle.objects.count() == before


def test_a_read_token_cannot_create_a_fiscal_year(api: Api, tokens: Tokens) -> None:
    assert_problem(api.post("/cycles/fiscal-years", {"year": 2033}, as_=tokens.reader), 403)


def test_a_fiscal_year_is_made_in_the_callers_organisation_only(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    response = api.post("/cycles/fiscal-years", {"year": 2034}, as_=tokens.outsider)
    assert response.status_code == 201, response.content
    assert not Cycle.objects.filter(organization=cast.org, name="2034").exists()
    assert Cycle.objects.filter(organization=cast.other_org, start_date__year=2034).count() == 5


# -- adjusting a closed objective's score -----------------------------------------------------


@pytest.fixture
def closed(cast: Cast) -> Objective:
    """``cast.objective`` (Sales, led by the editor) after its cycle closed at 0.0."""
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    return Objective.objects.get(pk=cast.objective.pk)


def score_path(objective: Objective) -> str:
    return f"/objectives/{objective.pk}/score"


def test_an_owner_adjusts_a_score_with_a_reason(
    api: Api, cast: Cast, tokens: Tokens, closed: Objective
) -> None:
    response = api.put(
        score_path(closed), {"score": "0.3", "reason": "Signed after the close."}, as_=tokens.owner
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert (Decimal(body["score"]), Decimal(body["computed_score"])) == (
        Decimal("0.3"),
        Decimal("0.0"),
    )
    assert body["score_reason"] == "Signed after the close."
    assert response["ETag"] == f'"{body["version"]}"'
    closed.refresh_from_db()
    assert (closed.score, closed.score_reason) == (Decimal("0.3"), "Signed after the close.")
    event = AuditEvent.objects.filter(action="objective.score", target_id=closed.pk).latest("pk")
    assert (event.source, event.actor_id) == (Source.API, cast.owner.pk)


def test_a_different_score_without_a_reason_is_422_naming_reason(
    api: Api, tokens: Tokens, closed: Objective
) -> None:
    body = assert_problem(
        api.put(score_path(closed), {"score": 0.5}, as_=tokens.owner), 422, "reason"
    )
    assert "0.0" in body["detail"]
    closed.refresh_from_db()
    assert closed.score == Decimal("0.0")
    assert not AuditEvent.objects.filter(action="objective.score", source=Source.API).exists()


@pytest.mark.parametrize(
    ("sent", "message"),
    [("0.55", "at most one decimal"), ("1.2", "between 0.0 and 1.0"), (-0.1, "between 0.0")],
)
def test_a_score_off_the_scale_is_422_naming_score(
    api: Api, tokens: Tokens, closed: Objective, sent: object, message: str
) -> None:
    body = assert_problem(
        api.put(score_path(closed), {"score": sent, "reason": "Because."}, as_=tokens.owner),
        422,
        "score",
    )
    assert message in body["detail"]
    closed.refresh_from_db()
    assert closed.score == Decimal("0.0")


def test_a_missing_score_is_422_naming_score(api: Api, tokens: Tokens, closed: Objective) -> None:
    assert_problem(
        api.put(score_path(closed), {"reason": "Why not."}, as_=tokens.owner), 422, "score"
    )


def test_keeping_the_computed_score_needs_no_reason(
    api: Api, tokens: Tokens, closed: Objective
) -> None:
    response = api.put(score_path(closed), {"score": "0.0"}, as_=tokens.owner)
    assert response.status_code == 200, response.content
    assert response.json()["score_reason"] == ""


def test_a_score_cannot_be_set_while_the_cycle_is_open(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    body = assert_problem(
        api.put(score_path(cast.objective), {"score": "0.5", "reason": "Early."}, as_=tokens.owner),
        422,
        "score",
    )
    assert "when the cycle closes" in body["detail"]
    cast.objective.refresh_from_db()
    assert cast.objective.score is None


def test_the_lead_of_the_owning_team_may_adjust_its_score(
    api: Api, cast: Cast, closed: Objective
) -> None:
    # The editor leads Sales; as a member, leading the team is what counts.
    cast.editor.memberships.filter(organization=cast.org).update(role="member")
    lead = token_for(cast.editor, cast.org)
    response = api.put(score_path(closed), {"score": "0.2", "reason": "Partly signed."}, as_=lead)
    assert response.status_code == 200, response.content


def test_a_member_who_does_not_lead_the_team_cannot_adjust_its_score(
    api: Api, tokens: Tokens, closed: Objective
) -> None:
    assert_problem(
        api.put(score_path(closed), {"score": "1.0", "reason": "Trust me."}, as_=tokens.member),
        403,
    )
    closed.refresh_from_db()
    assert closed.score == Decimal("0.0")


def test_a_viewer_cannot_adjust_a_score(api: Api, tokens: Tokens, closed: Objective) -> None:
    assert_problem(
        api.put(score_path(closed), {"score": "0.0", "reason": ""}, as_=tokens.viewer), 403
    )


def test_a_read_token_cannot_adjust_a_score(api: Api, tokens: Tokens, closed: Objective) -> None:
    assert_problem(api.put(score_path(closed), {"score": "0.0"}, as_=tokens.reader), 403)


def test_adjusting_another_organisations_objective_is_404(
    api: Api, tokens: Tokens, closed: Objective
) -> None:
    response = api.put(
        score_path(closed), {"score": "1.0", "reason": "Mine now."}, as_=tokens.outsider
    )
    assert_problem(response, 404)
    closed.refresh_from_db()
    assert closed.score == Decimal("0.0")
