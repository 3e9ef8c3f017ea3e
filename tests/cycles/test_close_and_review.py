"""Closing a cycle, the review of its scores, and owners adjusting a score with a reason."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client

from tandem.accounts import services as accounts
from tandem.accounts.models import User
from tandem.audit.models import AuditEvent
from tandem.okrs import services as okrs
from tandem.okrs.models import Cycle, Objective
from tests.conftest import Cast
from tests.cycles.conftest import Company, objective_at

Clients = Callable[[User], Client]


def score_row(html: str, objective: Objective) -> str:
    match = re.search(rf'<tr id="objective-{objective.pk}".*?</tr>', html, re.S)
    assert match, f"no row for {objective}"
    return match.group(0)


def section(html: str, key: str) -> str:
    match = re.search(
        rf'<section class="section review-group" id="review-{key}".*?</section>', html, re.S
    )
    assert match, f"no section {key}"
    return match.group(0)


def summary_line(html: str, label: str) -> str:
    match = re.search(rf"<li><strong>{label}</strong>: (.*?)</li>", html, re.S)
    assert match, f"no {label} line"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def summary_row(html: str, label: str) -> list[str]:
    match = re.search(rf'<th scope="row">{label}</th>(.*?)</tr>', html, re.S)
    assert match, f"no {label} row"
    return re.findall(r'<td class="num">([^<]*)', match.group(1))


# -- the close confirmation -------------------------------------------------------------


def test_the_close_page_previews_each_score_and_band(
    cast: Cast, company: Company, client_for: Clients
):
    response = client_for(cast.editor).get(f"/cycles/{cast.cycle.pk}/close/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "6 objectives will be scored" in html
    assert '0.8 <span class="score__band">green</span>' in score_row(html, company.shared_goal)
    assert "score--red" in score_row(html, company.engineering_goal)
    cast.cycle.refresh_from_db()
    assert cast.cycle.state == Cycle.State.ACTIVE


@pytest.mark.parametrize("role", ["member", "viewer"])
def test_members_and_viewers_cannot_close_a_cycle(cast: Cast, client_for: Clients, role: str):
    client = client_for(getattr(cast, role))
    assert client.get(f"/cycles/{cast.cycle.pk}/close/").status_code == 403
    assert client.post(f"/cycles/{cast.cycle.pk}/close/").status_code == 403
    cast.cycle.refresh_from_db()
    assert cast.cycle.state == Cycle.State.ACTIVE


def test_closing_another_organisations_cycle_is_404(cast: Cast, client_for: Clients):
    theirs = okrs.cycle_create(
        organization=cast.other_org,
        name="Theirs",
        start_date=dt.date(2030, 1, 1),
        end_date=dt.date(2030, 3, 31),
        state=Cycle.State.ACTIVE,
        by=cast.outsider,
    )
    client = client_for(cast.owner)
    assert client.get(f"/cycles/{theirs.pk}/close/").status_code == 404
    assert client.post(f"/cycles/{theirs.pk}/close/").status_code == 404
    assert client.get(f"/cycles/{theirs.pk}/review/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.state == Cycle.State.ACTIVE


def test_closing_records_every_score_and_opens_the_review(
    cast: Cast, company: Company, client_for: Clients
):
    response = client_for(cast.admin).post(f"/cycles/{cast.cycle.pk}/close/")
    assert response.status_code == 302
    assert response["Location"] == f"/cycles/{cast.cycle.pk}/review/"
    cast.cycle.refresh_from_db()
    assert cast.cycle.state == Cycle.State.CLOSED
    company.shared_goal.refresh_from_db()
    assert (company.shared_goal.computed_score, company.shared_goal.score) == (
        Decimal("0.8"),
        Decimal("0.8"),
    )
    assert AuditEvent.objects.filter(action="cycle.close", actor=cast.admin).count() == 1


def test_the_close_page_of_a_closed_cycle_leads_to_its_review(cast: Cast, client_for: Clients):
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    response = client_for(cast.owner).get(f"/cycles/{cast.cycle.pk}/close/")
    assert response.status_code == 302
    assert response["Location"] == f"/cycles/{cast.cycle.pk}/review/"


# -- the review -------------------------------------------------------------------------


def test_an_open_cycles_review_shows_projected_scores_and_says_it_is_open(
    cast: Cast, company: Company, client_for: Clients
):
    html = client_for(cast.viewer).get(f"/cycles/{cast.cycle.pk}/review/").content.decode()
    assert "is still open: these are projected scores" in html
    assert "Projected score" in html
    assert '1.0 <span class="score__band">green</span>' in score_row(html, company.platform_goal)
    assert "Adjust the score" not in html


def test_the_review_shows_computed_and_final_scores_with_the_reason_for_an_adjustment(
    cast: Cast, company: Company, client_for: Clients
):
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    okrs.objective_set_score(
        objective=Objective.objects.get(pk=company.engineering_goal.pk),
        score=Decimal("0.6"),
        reason="The outage was the vendor's; we did everything in our hands.",
        by=cast.owner,
    )
    html = client_for(cast.viewer).get(f"/cycles/{cast.cycle.pk}/review/").content.decode()
    assert "still open" not in html
    row = score_row(html, company.engineering_goal)
    assert '<td class="num">0.3</td>' in row
    assert '0.6 <span class="score__band">yellow</span>' in row
    assert "adjusted" in row
    assert "The outage was the vendor&#x27;s" in row
    assert "Adjust the score" not in html  # viewers change nothing


def test_each_team_shows_its_mean_and_its_perfect_and_low_scores_by_kind(
    cast: Cast, client_for: Clients
):
    objective_at(
        cast, "Committed and done", progress="1", team=cast.team, kind=Objective.Kind.COMMITTED
    )
    objective_at(
        cast, "Committed, most of it", progress="0.7", team=cast.team, kind=Objective.Kind.COMMITTED
    )
    objective_at(cast, "Moonshot", progress="0.1", team=cast.team)
    objective_at(cast, "Too easy", progress="1", team=cast.team)
    # cast.objective (aspirational, no check-in) scores 0.0.
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    html = client_for(cast.member).get(f"/cycles/{cast.cycle.pk}/review/").content.decode()
    sales = section(html, f"team-{cast.team.pk}")
    assert summary_line(sales, "Committed") == "2 objectives, mean 0.85, 1 at 1.0, 0 below 0.3"
    assert summary_line(sales, "Aspirational") == "3 objectives, mean 0.37, 1 at 1.0, 2 below 0.3"
    overall = re.search(r'id="overall-heading".*?</section>', html, re.S)
    assert overall
    assert summary_row(overall.group(0), "All") == ["5", "0.56", "2", "2"]
    # A committed objective at 0.7 is a broken promise: yellow, not green.
    committed = Objective.objects.get(title="Committed, most of it")
    assert "score--yellow" in score_row(html, committed)
    assert "score--green" in score_row(html, Objective.objects.get(title="Too easy"))
    # Committed and aspirational objectives are listed apart.
    assert sales.index("Committed and done") < sales.index(">Aspirational</caption>")
    assert sales.index(">Aspirational</caption>") < sales.index("Moonshot")


def test_the_review_runs_the_same_queries_for_ten_and_sixty_objectives(
    cast: Cast, client_for: Clients, grow: Callable[[int], None], django_assert_max_num_queries
):
    client = client_for(cast.editor)
    grow(10)
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    with django_assert_max_num_queries(20) as ten:
        client.get(f"/cycles/{cast.cycle.pk}/review/")
    # Reopened by hand (no service reopens a cycle) to add more, then closed again.
    Cycle.objects.filter(pk=cast.cycle.pk).update(state=Cycle.State.ACTIVE)
    cast.cycle.refresh_from_db()
    grow(50)
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    with django_assert_max_num_queries(len(ten.captured_queries)):
        response = client.get(f"/cycles/{cast.cycle.pk}/review/")
    assert response.content.decode().count('class="score-row ') == 61


def test_the_close_preview_runs_the_same_queries_for_ten_and_sixty_objectives(
    cast: Cast, client_for: Clients, grow: Callable[[int], None], django_assert_max_num_queries
):
    client = client_for(cast.editor)
    grow(10)
    with django_assert_max_num_queries(20) as ten:
        client.get(f"/cycles/{cast.cycle.pk}/close/")
    grow(50)
    with django_assert_max_num_queries(len(ten.captured_queries)):
        client.get(f"/cycles/{cast.cycle.pk}/close/")


# -- adjusting a score ------------------------------------------------------------------


@pytest.fixture
def closed(cast: Cast) -> Objective:
    """``cast.objective`` (Sales, led by the editor) after its cycle closed at 0.0."""
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    return Objective.objects.get(pk=cast.objective.pk)


def test_an_owner_adjusts_a_score_with_a_reason(cast: Cast, closed: Objective, client_for: Clients):
    response = client_for(cast.owner).post(
        f"/objectives/{closed.pk}/score/", {"score": "0.3", "reason": "Signed after the close."}
    )
    assert response.status_code == 302
    assert response["Location"] == f"/cycles/{cast.cycle.pk}/review/#objective-{closed.pk}"
    closed.refresh_from_db()
    assert (closed.score, closed.score_reason) == (Decimal("0.3"), "Signed after the close.")


def test_a_different_score_without_a_reason_is_refused_on_the_reason(
    cast: Cast, closed: Objective, client_for: Clients
):
    response = client_for(cast.owner).post(f"/objectives/{closed.pk}/score/", {"score": "0.5"})
    assert response.status_code == 422
    html = response.content.decode()
    assert re.search(r'id="id_reason_error"><li>Say why the score differs', html)
    closed.refresh_from_db()
    assert closed.score == Decimal("0.0")


@pytest.mark.parametrize(
    ("typed", "message"),
    [("0.55", "at most one decimal"), ("1.2", "between 0.0 and 1.0"), ("-0.1", "between 0.0")],
)
def test_a_score_off_the_scale_is_refused_on_the_score(
    cast: Cast, closed: Objective, client_for: Clients, typed: str, message: str
):
    response = client_for(cast.owner).post(
        f"/objectives/{closed.pk}/score/", {"score": typed, "reason": "Because."}
    )
    assert response.status_code == 422
    errors = re.search(r'id="id_score_error">(.*?)</ul>', response.content.decode(), re.S)
    assert errors
    assert message in errors.group(1)
    closed.refresh_from_db()
    assert closed.score == Decimal("0.0")


def test_keeping_the_computed_score_needs_no_reason(
    cast: Cast, closed: Objective, client_for: Clients
):
    response = client_for(cast.owner).post(f"/objectives/{closed.pk}/score/", {"score": "0.0"})
    assert response.status_code == 302


def test_the_lead_of_the_owning_team_may_adjust_its_score(
    cast: Cast, closed: Objective, client_for: Clients
):
    # Demote the editor, who leads Sales, to a member: leading the team is what counts.
    cast.editor.memberships.filter(organization=cast.org).update(role="member")
    client = client_for(cast.editor)
    html = client.get(f"/cycles/{cast.cycle.pk}/review/").content.decode()
    assert "Adjust the score" in score_row(html, closed)
    response = client.post(
        f"/objectives/{closed.pk}/score/", {"score": "0.2", "reason": "Partly signed."}
    )
    assert response.status_code == 302


def test_a_member_who_does_not_lead_the_team_cannot_adjust_its_score(
    cast: Cast, closed: Objective, client_for: Clients
):
    client = client_for(cast.member)
    html = client.get(f"/cycles/{cast.cycle.pk}/review/").content.decode()
    assert "Adjust the score" not in html
    response = client.post(
        f"/objectives/{closed.pk}/score/", {"score": "1.0", "reason": "Trust me."}
    )
    assert response.status_code == 403
    closed.refresh_from_db()
    assert closed.score == Decimal("0.0")


def test_a_person_adjusts_the_score_of_their_own_objective(cast: Cast, client_for: Clients):
    mine = objective_at(cast, "Learn Rust", progress="0.4", person=cast.member)
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    response = client_for(cast.member).post(
        f"/objectives/{mine.pk}/score/", {"score": "0.5", "reason": "Finished the book after."}
    )
    assert response.status_code == 302
    mine.refresh_from_db()
    assert mine.score == Decimal("0.5")


def test_a_viewer_who_owns_an_objective_still_cannot_adjust_it(cast: Cast, client_for: Clients):
    theirs = objective_at(cast, "Read more", progress="0.4", person=cast.viewer)
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    response = client_for(cast.viewer).post(
        f"/objectives/{theirs.pk}/score/", {"score": "0.4", "reason": ""}
    )
    assert response.status_code == 403


def test_adjusting_another_organisations_objective_is_404(cast: Cast, client_for: Clients):
    cycle = okrs.cycle_create(
        organization=cast.other_org,
        name="Theirs",
        start_date=dt.date(2030, 1, 1),
        end_date=dt.date(2030, 3, 31),
        by=cast.outsider,
    )
    theirs = okrs.objective_create(
        organization=cast.other_org,
        cycle=cycle,
        owner_team=cast.other_team,
        title="Theirs",
        by=cast.outsider,
    )
    okrs.cycle_close(cycle=cycle, by=cast.outsider)
    response = client_for(cast.owner).post(
        f"/objectives/{theirs.pk}/score/", {"score": "1.0", "reason": "Mine now."}
    )
    assert response.status_code == 404


def test_a_score_cannot_be_set_while_the_cycle_is_open(cast: Cast, client_for: Clients):
    response = client_for(cast.owner).post(
        f"/objectives/{cast.objective.pk}/score/", {"score": "0.5", "reason": "Early."}
    )
    assert response.status_code == 422
    assert "Scores are set when the cycle closes" in response.content.decode()
    cast.objective.refresh_from_db()
    assert cast.objective.score is None


def test_the_score_page_shows_the_computed_score_and_the_current_one(
    cast: Cast, closed: Objective, client_for: Clients
):
    response = client_for(cast.owner).get(f"/objectives/{closed.pk}/score/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<strong>0.0</strong>" in html
    assert 'name="score"' in html


def test_a_team_lead_in_another_team_cannot_adjust_sales(
    cast: Cast, closed: Objective, client_for: Clients
):
    support = accounts.team_create(organization=cast.org, name="Support", by=cast.owner)
    accounts.team_add_member(team=support, user=cast.member, is_lead=True, by=cast.owner)
    response = client_for(cast.member).post(
        f"/objectives/{closed.pk}/score/", {"score": "1.0", "reason": "Leading elsewhere."}
    )
    assert response.status_code == 403
