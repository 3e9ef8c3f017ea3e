"""The health page, promote and demote, and KPIs linked to objectives, through the test client
on the real date."""

from __future__ import annotations

from decimal import Decimal

from django.db import connection
from django.test.utils import CaptureQueriesContext

from tandem.audit.models import AuditEvent
from tandem.kpis import services as kpis
from tandem.kpis.models import KPI, ObjectiveKPI, Promotion
from tandem.okrs import services as okrs
from tandem.okrs.models import Cycle, KeyResult, Objective
from tests.conftest import Cast
from tests.insights.conftest import (
    check_in,
    make_kpi,
    make_objective,
    real_weeks,
    red_for_weeks,
)


def row_counts() -> dict[str, int]:
    return {
        "objectives": Objective.objects.count(),
        "key_results": KeyResult.objects.count(),
        "promotions": Promotion.objects.count(),
        "links": ObjectiveKPI.objects.count(),
        "audit": AuditEvent.objects.count(),
    }


def green_now(cast: Cast, name: str) -> KPI:
    kpi = make_kpi(cast, name)
    kpis.measurement_record(kpi=kpi, period_start=real_weeks(cast, 1)[0], value="12", by=None)
    return kpi


def red_now(cast: Cast, name: str) -> KPI:
    kpi = make_kpi(cast, name)
    kpis.measurement_record(kpi=kpi, period_start=real_weeks(cast, 1)[0], value="3", by=None)
    return kpi


def guardrail_watermelon(cast: Cast) -> tuple[Objective, KPI]:
    """The cast's objective on track (its key result at target) while a guardrail is red."""
    quality = red_now(cast, "First-time fix rate")
    kpis.objective_link_kpi(objective=cast.objective, kpi=quality, by=cast.owner)
    check_in(cast.kr, "100")
    return cast.objective, quality


# -- the health page ------------------------------------------------------------------------


def test_the_health_page_lists_red_stale_and_unmeasured_kpis(cast: Cast, client_for):
    red_now(cast, "Churn watch")
    green_now(cast, "New accounts")
    stale = make_kpi(cast, "Old news")
    kpis.measurement_record(kpi=stale, period_start=real_weeks(cast, 8)[0], value="12", by=None)
    make_kpi(cast, "Never measured")

    response = client_for(cast.viewer).get("/health/")

    assert response.status_code == 200
    report = response.context["report"]
    assert [line.kpi.name for line in report.red] == ["Churn watch"]
    assert [line.kpi.name for line in report.stale] == ["Old news"]
    assert [line.kpi.name for line in report.no_data] == ["Never measured"]
    page = response.content.decode()
    assert "Churn watch" in page
    assert "Old news" in page
    assert "New accounts" not in page


def test_the_nav_links_the_health_page(cast: Cast, client_for):
    page = client_for(cast.member).get("/").content.decode()
    assert 'href="/health/"' in page
    assert ">Health</a>" in page


def test_the_health_page_explains_and_lists_both_kinds_of_watermelon(
    cast: Cast, client_for, paced: Cycle
):
    behind, behind_kr = make_objective(cast, paced, "Grow the region")
    kpis.objective_link_kpi(
        objective=behind,
        kpi=green_now(cast, "New accounts"),
        by=cast.owner,
        role=ObjectiveKPI.Role.INDICATOR,
    )
    check_in(behind_kr, "20")
    on_track, on_track_kr = make_objective(cast, paced, "Fix every ticket fast")
    kpis.objective_link_kpi(
        objective=on_track, kpi=red_now(cast, "First-time fix rate"), by=cast.owner
    )
    check_in(on_track_kr, "100")

    response = client_for(cast.viewer).get("/health/")

    report = response.context["report"]
    assert [w.objective.pk for w in report.behind] == [behind.pk]
    assert [w.objective.pk for w in report.guardrail] == [on_track.pk]
    page = response.content.decode()
    assert "A watermelon is green outside and red inside" in page
    behind_list = page.split('id="watermelons-behind"')[1].split("</ul>")[0]
    guardrail_list = page.split('id="watermelons-guardrail"')[1].split("</ul>")[0]
    assert "Grow the region" in behind_list
    assert "Green: New accounts" in behind_list
    assert "Fix every ticket fast" in guardrail_list
    assert "Red: First-time fix rate" in guardrail_list


def test_the_health_page_offers_to_promote_a_kpi_red_three_completed_weeks(cast: Cast, client_for):
    kpi = red_for_weeks(cast, weeks=3)
    red_for_weeks(cast, "Red two weeks", weeks=2)

    response = client_for(cast.editor).get("/health/")

    assert [line.kpi for line in response.context["report"].promote] == [kpi]
    assert f'href="/kpis/{kpi.pk}/promote/"' in response.content.decode()


def test_members_see_promotion_candidates_without_the_button_unless_they_lead_the_team(
    cast: Cast, client_for, lead
):
    kpi = red_for_weeks(cast)
    button = f'href="/kpis/{kpi.pk}/promote/"'

    member_page = client_for(cast.member).get("/health/").content.decode()
    lead_page = client_for(lead).get("/health/").content.decode()

    assert kpi.name in member_page
    assert button not in member_page
    assert button in lead_page


def test_the_health_page_lists_open_promotions_and_their_history(cast: Cast, client_for):
    kpi = red_for_weeks(cast)
    first = kpis.kpi_promote(kpi=kpi, cycle=cast.cycle, by=cast.editor, reason="Too many")
    kpis.kpi_demote(promotion=first, by=cast.owner, note="Fixed")
    second = kpis.kpi_promote(kpi=kpi, cycle=cast.cycle, by=cast.editor, title="Try again")

    response = client_for(cast.viewer).get("/health/")

    report = response.context["report"]
    assert report.open_promotions == [second]
    assert [p.pk for p in report.history] == [second.pk, first.pk]
    history = response.content.decode().split('id="promotion-history"')[1]
    assert "Try again" in history
    assert "by Editor Person" in history
    assert "demoted on" in history
    assert "“Fixed”" in history


def test_the_health_page_runs_the_same_queries_for_2_or_8_kpis_and_objectives(
    cast: Cast, client_for
):
    def add(first: int, count: int) -> None:
        for i in range(first, first + count):
            objective, kr = make_objective(cast, cast.cycle, f"Objective {i}")
            kpis.objective_link_kpi(
                objective=objective, kpi=red_now(cast, f"Guard {i}"), by=cast.owner
            )
            red_for_weeks(cast, f"Red {i}")
            check_in(kr, "100")

    client = client_for(cast.editor)
    add(0, 2)
    with CaptureQueriesContext(connection) as few:
        small = client.get("/health/")
    add(2, 6)
    with CaptureQueriesContext(connection) as many:
        large = client.get("/health/")

    assert len(small.context["report"].promote) == 2
    assert len(large.context["report"].promote) == 8
    assert len(large.context["report"].guardrail) == 8
    assert len(few) == len(many)


# -- promote ------------------------------------------------------------------------------


def test_the_promote_form_is_prefilled_with_the_current_cycle_the_target_and_a_reason(
    cast: Cast, client_for
):
    kpi = red_for_weeks(cast)

    response = client_for(cast.editor).get(f"/kpis/{kpi.pk}/promote/")

    assert response.status_code == 200
    form = response.context["form"]
    assert form.initial["cycle"] == cast.cycle.pk
    assert form.initial["title"] == "Get Client satisfaction back on target"
    assert form.initial["target"] == "90"
    assert form.initial["reason"] == "Client satisfaction has been red for 3 weeks in a row."
    page = response.content.decode()
    assert f'<option value="{cast.cycle.pk}" selected>' in page


def test_promoting_creates_an_objective_with_a_kpi_backed_key_result_and_opens_it(
    cast: Cast, client_for
):
    kpi = red_for_weeks(cast)
    client = client_for(cast.editor)

    response = client.post(
        f"/kpis/{kpi.pk}/promote/",
        {
            "cycle": cast.cycle.pk,
            "title": "Delight our clients again",
            "target": "85",
            "reason": "Red three weeks running",
        },
    )

    promotion = Promotion.objects.get(kpi=kpi)
    objective = promotion.objective
    assert response.status_code == 302
    assert response["Location"] == f"/objectives/{objective.pk}/"
    assert objective.title == "Delight our clients again"
    assert objective.cycle == cast.cycle
    assert objective.owner_team == cast.team
    [kr] = objective.key_results.all()
    assert kr.kpi == kpi
    assert (kr.baseline, kr.target) == (Decimal(60), Decimal(85))
    assert promotion.promoted_by == cast.editor
    assert promotion.reason == "Red three weeks running"
    assert AuditEvent.objects.filter(action="kpi.promote", target_id=promotion.pk).exists()
    page = client.get(response["Location"]).content.decode()
    assert "is now an OKR" in page
    assert "Promoted from KPI" in page
    assert "by Editor Person" in page


def test_promoting_with_an_empty_target_aims_for_the_kpis_target(cast: Cast, client_for):
    kpi = red_for_weeks(cast)

    client_for(cast.editor).post(
        f"/kpis/{kpi.pk}/promote/",
        {"cycle": cast.cycle.pk, "title": "Delight our clients", "target": ""},
    )

    [kr] = Promotion.objects.get(kpi=kpi).objective.key_results.all()
    assert kr.target == Decimal(90)


def test_promoting_into_a_closed_cycle_shows_the_error_on_the_cycle_and_writes_nothing(
    cast: Cast, client_for
):
    kpi = red_for_weeks(cast)
    closed = okrs.cycle_create(
        organization=cast.org,
        name="Last quarter",
        start_date=cast.cycle.start_date.replace(year=cast.cycle.start_date.year - 1),
        end_date=cast.cycle.end_date.replace(year=cast.cycle.end_date.year - 1),
        state=Cycle.State.ACTIVE,
        by=cast.owner,
    )
    okrs.cycle_close(cycle=closed, by=cast.owner)
    before = row_counts()

    # The form offered it while it was open; it closed before the click.
    response = client_for(cast.editor).post(
        f"/kpis/{kpi.pk}/promote/", {"cycle": closed.pk, "title": "Fix it"}
    )

    assert response.status_code == 422
    assert response.context["form"].errors["cycle"] == [
        "Last quarter is closed; promote into an open cycle."
    ]
    assert row_counts() == before


def test_promoting_an_already_promoted_kpi_shows_the_error_and_writes_nothing(
    cast: Cast, client_for
):
    kpi = red_for_weeks(cast)
    promotion = kpis.kpi_promote(kpi=kpi, cycle=cast.cycle, by=cast.owner)
    client = client_for(cast.editor)
    before = row_counts()

    shown = client.get(f"/kpis/{kpi.pk}/promote/").content.decode()
    response = client.post(f"/kpis/{kpi.pk}/promote/", {"cycle": cast.cycle.pk, "title": "Again"})

    assert f'href="/objectives/{promotion.objective_id}/"' in shown
    assert "is already promoted to" in shown
    assert response.status_code == 422
    assert response.context["form"].non_field_errors() == [
        "“Client satisfaction” is already promoted to an OKR."
    ]
    assert "is already promoted to an OKR." in response.content.decode()
    assert row_counts() == before


def test_promoting_into_another_organisations_cycle_is_refused_on_the_form(cast: Cast, client_for):
    kpi = red_for_weeks(cast)
    theirs = okrs.cycle_create(
        organization=cast.other_org,
        name="Their quarter",
        start_date=cast.cycle.start_date,
        end_date=cast.cycle.end_date,
        state=Cycle.State.ACTIVE,
        by=cast.outsider,
    )
    before = row_counts()

    response = client_for(cast.editor).post(
        f"/kpis/{kpi.pk}/promote/", {"cycle": theirs.pk, "title": "Fix it"}
    )

    assert response.status_code == 422
    assert response.context["form"].errors["cycle"] == ["Choose a cycle of this organisation."]
    assert row_counts() == before


def test_a_bad_target_is_shown_on_the_target_field(cast: Cast, client_for):
    kpi = red_for_weeks(cast)

    response = client_for(cast.editor).post(
        f"/kpis/{kpi.pk}/promote/", {"cycle": cast.cycle.pk, "title": "Fix", "target": "60"}
    )

    assert response.status_code == 422
    assert "nothing to fix" in response.context["form"].errors["target"][0]
    assert not Promotion.objects.exists()


def test_viewers_and_members_may_not_promote_or_demote(cast: Cast, client_for):
    kpi = red_for_weeks(cast)
    for user in (cast.viewer, cast.member):
        client = client_for(user)
        assert client.get(f"/kpis/{kpi.pk}/promote/").status_code == 403
        assert client.post(f"/kpis/{kpi.pk}/promote/", {"cycle": cast.cycle.pk}).status_code == 403
        assert client.post(f"/kpis/{kpi.pk}/demote/").status_code == 403
    assert not Promotion.objects.exists()


def test_the_lead_of_the_kpis_team_may_promote_it(cast: Cast, client_for, lead):
    kpi = red_for_weeks(cast)

    response = client_for(lead).post(
        f"/kpis/{kpi.pk}/promote/", {"cycle": cast.cycle.pk, "title": "Fix it"}
    )

    assert response.status_code == 302
    assert Promotion.objects.get(kpi=kpi).promoted_by == lead


def test_a_lead_of_another_team_may_not_promote_a_kpi(cast: Cast, client_for, lead):
    kpi = make_kpi(cast, "Company KPI", owner_team=cast.company)
    assert client_for(lead).get(f"/kpis/{kpi.pk}/promote/").status_code == 403


def test_another_organisations_kpi_is_404(cast: Cast, client_for):
    theirs = kpis.kpi_create(organization=cast.other_org, name="Their KPI", by=cast.outsider)
    client = client_for(cast.owner)
    assert client.get(f"/kpis/{theirs.pk}/promote/").status_code == 404
    assert client.post(f"/kpis/{theirs.pk}/demote/").status_code == 404


# -- demote -------------------------------------------------------------------------------


def test_demoting_closes_the_objective_and_keeps_the_kpi(cast: Cast, client_for):
    kpi = red_for_weeks(cast)
    promotion = kpis.kpi_promote(kpi=kpi, cycle=cast.cycle, by=cast.owner)
    client = client_for(cast.editor)

    form = client.get(f"/kpis/{kpi.pk}/demote/")
    response = client.post(f"/kpis/{kpi.pk}/demote/", {"note": "Back to normal"})

    assert form.status_code == 200
    assert "Tandem does not suggest demoting" in form.content.decode()
    assert response.status_code == 302
    assert response["Location"] == "/health/"
    promotion.refresh_from_db()
    assert promotion.demoted_by == cast.editor
    assert promotion.demotion_note == "Back to normal"
    assert Objective.objects.get(pk=promotion.objective_id).state == Objective.State.CLOSED
    assert KPI.objects.get(pk=kpi.pk).is_active
    assert AuditEvent.objects.filter(action="kpi.demote", target_id=promotion.pk).exists()
    objective_page = client.get(f"/objectives/{promotion.objective_id}/").content.decode()
    assert "Demoted back to a plain KPI" in objective_page
    assert "“Back to normal”" in objective_page


def test_demoting_a_kpi_that_is_not_promoted_says_so(cast: Cast, client_for):
    kpi = red_for_weeks(cast)

    response = client_for(cast.editor).post(f"/kpis/{kpi.pk}/demote/", {"note": "?"}, follow=True)

    assert "is not promoted to an OKR" in response.content.decode()
    assert not Promotion.objects.exists()


# -- KPIs on the objective, team and tree pages --------------------------------------------


def test_the_objective_page_shows_guardrails_and_indicators_with_their_health(
    cast: Cast, client_for
):
    objective, _ = guardrail_watermelon(cast)
    kpis.objective_link_kpi(
        objective=objective,
        kpi=green_now(cast, "New accounts"),
        by=cast.owner,
        role=ObjectiveKPI.Role.INDICATOR,
    )

    page = client_for(cast.viewer).get(f"/objectives/{objective.pk}/").content.decode()

    section = page.split('id="kpis"')[1].split("</section>")[0]
    assert "First-time fix rate" in section
    assert "New accounts" in section
    assert 'status--off_track">Red' in section
    assert 'status--on_track">Green' in section
    assert "Watermelon: the objective is on track but a guardrail is red." in section
    # Viewers read; only editors get the forms.
    assert "Link a KPI" not in section
    assert "Unlink" not in section


def test_editors_see_the_kpi_forms_on_the_objective_page(cast: Cast, client_for):
    green_now(cast, "New accounts")

    page = client_for(cast.editor).get(f"/objectives/{cast.objective.pk}/").content.decode()

    assert "Link a KPI" in page
    assert "<option value" in page.split('aria-label="Link a KPI"')[1].split("</form>")[0]
    assert f'action="/key-results/{cast.kr.pk}/kpi/"' in page


def test_the_team_page_shows_a_red_guardrail_and_watermelon_badge(cast: Cast, client_for):
    guardrail_watermelon(cast)

    page = client_for(cast.viewer).get("/teams/sales/").content.decode()

    card = page.split(f'id="objective-{cast.objective.pk}"')[1].split("</article>")[0]
    assert "Guardrail red: First-time fix rate" in card
    assert "Watermelon" in card


def test_the_tree_shows_a_red_guardrail_badge(cast: Cast, client_for):
    guardrail_watermelon(cast)

    page = client_for(cast.viewer).get("/tree/").content.decode()

    node = page.split(f'id="tree-o-{cast.objective.pk}"')[1].split("</li>")[0]
    assert "Guardrail red: First-time fix rate" in node
    assert "Watermelon" in node


def test_the_home_page_still_renders_objective_cards_without_signals(cast: Cast, client_for):
    guardrail_watermelon(cast)
    response = client_for(cast.member).get("/")
    assert response.status_code == 200
    assert cast.objective.title in response.content.decode()


def test_linking_a_kpi_as_a_guardrail_and_unlinking_it(cast: Cast, client_for):
    kpi = green_now(cast, "First-time fix rate")
    client = client_for(cast.editor)

    linked = client.post(
        f"/objectives/{cast.objective.pk}/kpis/", {"kpi": kpi.pk, "role": "guardrail"}
    )

    link = ObjectiveKPI.objects.get(objective=cast.objective, kpi=kpi)
    assert link.role == ObjectiveKPI.Role.GUARDRAIL
    assert linked.status_code == 302
    assert linked["Location"] == f"/objectives/{cast.objective.pk}/#kpis"

    unlinked = client.post(f"/objective-kpis/{link.pk}/delete/")

    assert unlinked.status_code == 302
    assert not ObjectiveKPI.objects.exists()
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"objective.link_kpi", "objective.unlink_kpi"} <= actions


def test_linking_a_kpi_twice_shows_the_error_on_the_form(cast: Cast, client_for):
    kpi = green_now(cast, "First-time fix rate")
    kpis.objective_link_kpi(objective=cast.objective, kpi=kpi, by=cast.owner)

    response = client_for(cast.editor).post(
        f"/objectives/{cast.objective.pk}/kpis/", {"kpi": kpi.pk, "role": "indicator"}
    )

    assert response.status_code == 422
    assert response.context["link_form"].errors["kpi"] == [
        "“First-time fix rate” is already linked to this objective."
    ]
    assert "is already linked to this objective" in response.content.decode()
    assert ObjectiveKPI.objects.count() == 1


def test_linking_another_organisations_kpi_is_refused_on_the_form(cast: Cast, client_for):
    theirs = kpis.kpi_create(organization=cast.other_org, name="Their KPI", by=cast.outsider)

    response = client_for(cast.editor).post(
        f"/objectives/{cast.objective.pk}/kpis/", {"kpi": theirs.pk, "role": "guardrail"}
    )

    assert response.status_code == 422
    assert "kpi" in response.context["link_form"].errors
    assert not ObjectiveKPI.objects.exists()


def test_viewers_and_members_of_other_teams_may_not_link_or_unlink_kpis(cast: Cast, client_for):
    kpi = green_now(cast, "First-time fix rate")
    # The member belongs to Sales, which owns cast.objective: the company's objective is
    # not theirs to change; the viewer changes nothing.
    company = okrs.objective_create(
        organization=cast.org, cycle=cast.cycle, owner_team=cast.company, title="C", by=cast.owner
    )
    company_kr = okrs.key_result_create(
        objective=company, title="K", baseline="0", target="10", by=cast.owner
    )
    for user, objective, kr in (
        (cast.viewer, cast.objective, cast.kr),
        (cast.member, company, company_kr),
    ):
        link = kpis.objective_link_kpi(objective=objective, kpi=kpi, by=cast.owner)
        client = client_for(user)
        url = f"/objectives/{objective.pk}/kpis/"
        assert client.post(url, {"kpi": kpi.pk, "role": "indicator"}).status_code == 403
        assert client.post(f"/objective-kpis/{link.pk}/delete/").status_code == 403
        assert client.post(f"/key-results/{kr.pk}/kpi/").status_code == 403
    assert ObjectiveKPI.objects.count() == 2


def test_another_organisations_objective_and_link_are_404(cast: Cast, client_for):
    theirs_cycle = okrs.cycle_create(
        organization=cast.other_org,
        name="Their quarter",
        start_date=cast.cycle.start_date,
        end_date=cast.cycle.end_date,
        by=cast.outsider,
    )
    theirs = okrs.objective_create(
        organization=cast.other_org,
        cycle=theirs_cycle,
        owner_team=cast.other_team,
        title="Theirs",
        by=cast.outsider,
    )
    their_kpi = kpis.kpi_create(organization=cast.other_org, name="Their KPI", by=cast.outsider)
    their_link = kpis.objective_link_kpi(objective=theirs, kpi=their_kpi, by=cast.outsider)
    client = client_for(cast.owner)

    assert client.get(f"/objectives/{theirs.pk}/kpis/").status_code == 404
    assert client.post(f"/objective-kpis/{their_link.pk}/delete/").status_code == 404
    assert ObjectiveKPI.objects.filter(pk=their_link.pk).exists()


def test_backing_a_key_result_by_a_kpi_reads_its_value(cast: Cast, client_for):
    kpi = green_now(cast, "Recurring contracts")

    response = client_for(cast.editor).post(
        f"/key-results/{cast.kr.pk}/kpi/",
        {f"kr{cast.kr.pk}-kpi": kpi.pk, f"kr{cast.kr.pk}-aggregation": "sum"},
    )

    assert response.status_code == 302
    cast.kr.refresh_from_db()
    assert cast.kr.kpi == kpi
    assert cast.kr.kpi_aggregation == "sum"
    assert cast.kr.current == Decimal(12)


def test_backing_a_milestone_by_a_kpi_shows_the_error_on_the_form(cast: Cast, client_for):
    milestone = okrs.key_result_create(
        objective=cast.objective, title="Open the office", kind="milestone", by=cast.owner
    )
    kpi = green_now(cast, "Recurring contracts")

    response = client_for(cast.editor).post(
        f"/key-results/{milestone.pk}/kpi/",
        {f"kr{milestone.pk}-kpi": kpi.pk, f"kr{milestone.pk}-aggregation": "last"},
    )

    assert response.status_code == 422
    assert "Only a metric key result" in response.content.decode()
    milestone.refresh_from_db()
    assert milestone.kpi is None
