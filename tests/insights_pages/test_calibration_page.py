"""The calibration page: per team and for the company, each closed cycle's shares at 1.0 and
below 0.3, committed and aspirational apart, with the trend. Cycles are closed and scores
set through the services."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from tandem.accounts import services as accounts
from tandem.domain.calibration import Verdict
from tandem.okrs import services as okrs
from tandem.okrs.models import Cycle, Objective
from tests.conftest import Cast, make_user

pytestmark = pytest.mark.django_db

URL = "/calibration/"
ASPIRATIONAL = Objective.Kind.ASPIRATIONAL
COMMITTED = Objective.Kind.COMMITTED


def closed_cycle(
    cast: Cast, name: str, start: dt.date, scores: list[tuple[str, str, str]]
) -> Cycle:
    """A past quarter whose objectives (owner "team", "person" or "company", kind, score)
    were scored at close."""
    cycle = okrs.cycle_create(
        organization=cast.org,
        name=name,
        start_date=start,
        end_date=start + dt.timedelta(days=89),
        state=Cycle.State.ACTIVE,
        by=cast.owner,
    )
    made = []
    for index, (owner, kind, _) in enumerate(scores):
        owners: dict[str, Any] = {
            "team": {"owner_team": cast.team},
            "person": {"owner_user": cast.member},
            "company": {"owner_team": cast.company},
        }
        made.append(
            okrs.objective_create(
                organization=cast.org,
                cycle=cycle,
                title=f"{name} objective {index}",
                kind=kind,
                by=cast.owner,
                **owners[owner],
            )
        )
    okrs.cycle_close(cycle=cycle, by=cast.owner)
    for objective, (_, _, score) in zip(made, scores, strict=True):
        if Decimal(score) != objective.computed_score:
            okrs.objective_set_score(
                objective=objective,
                score=Decimal(score),
                reason="Graded at the review",
                by=cast.owner,
            )
    return cycle


@pytest.fixture
def history(cast: Cast) -> dict[str, Cycle]:
    """Two closed quarters: Sales sandbagged the first and over-committed the second."""
    q1 = closed_cycle(
        cast,
        "Q1 2026",
        dt.date(2026, 1, 1),
        [
            ("team", ASPIRATIONAL, "1.0"),
            ("team", ASPIRATIONAL, "1.0"),
            ("team", ASPIRATIONAL, "0.9"),
            ("team", COMMITTED, "1.0"),
        ],
    )
    q2 = closed_cycle(
        cast,
        "Q2 2026",
        dt.date(2026, 4, 1),
        [
            ("team", ASPIRATIONAL, "0.6"),
            ("team", ASPIRATIONAL, "0.7"),
            ("team", COMMITTED, "0.5"),
            ("person", ASPIRATIONAL, "0.0"),
            ("company", ASPIRATIONAL, "0.2"),
        ],
    )
    return {"q1": q1, "q2": q2}


def test_every_member_role_can_read_the_calibration(cast: Cast, history, client_for):
    for user in (cast.owner, cast.admin, cast.editor, cast.member, cast.viewer):
        assert client_for(user).get(URL).status_code == 200


def test_the_team_rows_show_shares_and_verdicts_per_cycle_kinds_apart(
    cast: Cast, history, client_for
):
    response = client_for(cast.member).get(URL)

    report = response.context["report"]
    assert [c.name for c in report.cycles] == ["Q1 2026", "Q2 2026"]
    [sales] = [g for g in report.teams if g.team == cast.team]
    q1, q2 = (row.calibration for row in sales.rows)
    assert (q1.aspirational.count, q1.aspirational.at_full) == (3, 2)
    assert q1.aspirational.verdict is Verdict.TOO_EASY
    assert q1.committed.verdict is Verdict.HEALTHY
    assert q2.aspirational.mean == Decimal("0.65")
    assert q2.aspirational.verdict is Verdict.HEALTHY
    assert (q2.committed.count, q2.committed.at_full) == (1, 0)
    assert q2.committed.verdict is Verdict.OVER_COMMITTED

    page = response.content.decode()
    row = page.split(f'id="calibration-sales-{history["q1"].pk}"')[1].split("</tr>")[0]
    assert "67%" in row  # two of three aspirational at 1.0
    assert "Not ambitious enough" in row
    assert "Well calibrated" in page
    assert "Over-committed" in page
    assert page.count('class="spark') >= 2 * (len(report.teams) + 1)


def test_the_company_counts_every_objective_personal_ones_included(cast: Cast, history, client_for):
    report = client_for(cast.viewer).get(URL).context["report"]

    q2 = report.company.rows[1].calibration
    assert q2.aspirational.count == 4
    assert q2.aspirational.below_floor == 2
    assert q2.aspirational.share_below_floor == Decimal("0.5")
    assert q2.aspirational.verdict is Verdict.OVER_REACH
    assert [g.name for g in report.teams] == ["Acme IT", "Sales"]


def test_open_cycles_and_dropped_objectives_are_left_out(cast: Cast, history, client_for):
    okrs.objective_update(objective=cast.objective, state=Objective.State.DROPPED, by=cast.owner)
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    planning = okrs.cycle_create(
        organization=cast.org,
        name="Next quarter",
        start_date=dt.date(2030, 1, 1),
        end_date=dt.date(2030, 3, 31),
        by=cast.owner,
    )
    okrs.objective_create(
        organization=cast.org, cycle=planning, owner_team=cast.team, title="Later", by=cast.owner
    )

    report = client_for(cast.member).get(URL).context["report"]

    assert [c.name for c in report.cycles] == ["Q1 2026", "Q2 2026", "This quarter"]
    assert report.company.rows[2].calibration.count == 0
    page = client_for(cast.member).get(URL).content.decode()
    assert "No scored objectives" in page


def test_an_outsider_sees_only_their_own_organisation(cast: Cast, history, client_for):
    page = client_for(cast.outsider).get(URL).content.decode()

    assert "No closed cycle yet" in page
    assert "Sales" not in page
    assert "Q1 2026" not in page


def test_someone_without_an_organisation_gets_404(cast: Cast, client_for):
    assert client_for(make_user("nobody@nowhere.test", "No Body")).get(URL).status_code == 404


def test_the_page_reads_a_fixed_number_of_queries_however_many_teams_and_cycles(
    cast: Cast, history, client_for, django_assert_max_num_queries
):
    client = client_for(cast.member)
    with django_assert_max_num_queries(12) as few:
        client.get(URL)
    for index in range(3):
        team = accounts.team_create(organization=cast.org, name=f"Team {index}", by=cast.owner)
        okrs.objective_create(
            organization=cast.org,
            cycle=cast.cycle,
            owner_team=team,
            title=f"Objective {index}",
            by=cast.owner,
        )
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(URL)
    assert len(response.context["report"].teams) == 5


def test_one_closed_cycle_says_so_instead_of_drawing_single_dots(cast: Cast, client_for):
    closed_cycle(cast, "Q1 2026", dt.date(2026, 1, 1), [("team", ASPIRATIONAL, "0.7")])
    page = client_for(cast.member).get(URL).content.decode()
    assert "the one closed cycle so far" in page
    assert "One closed cycle so far: the trend lines appear once a second one closes." in page
    assert "<svg" not in page


def test_two_closed_cycles_draw_the_trend_lines(cast: Cast, history, client_for):
    page = client_for(cast.member).get(URL).content.decode()
    assert "the last 2 closed cycles" in page
    assert "One closed cycle so far" not in page
    assert "<svg" in page
