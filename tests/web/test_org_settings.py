"""The organisation's settings page: its words for the concepts, the coach's rules, its
calendar; owners and admins only, every change checked whole and audited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from tandem.accounts.models import Organization, User
from tandem.audit.models import AuditEvent
from tandem.okrs import services as okrs
from tandem.terms import Terms, clean_terminology
from tests.conftest import Cast

URL = "/settings/organization/"


def form_data(org: Organization, **changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "name": org.name,
        "timezone": org.timezone,
        "week_start": org.week_start,
        "fiscal_year_start_month": org.fiscal_year_start_month,
        # The form takes the gaps as percentages; the organisation stores fractions.
        "status_on_track_gap": org.status_on_track_gap * 100,
        "status_at_risk_gap": org.status_at_risk_gap * 100,
        "status_low_confidence": org.status_low_confidence,
        "promote_after_red_periods": org.promote_after_red_periods,
        "demote_after_green_periods": org.demote_after_green_periods,
        "coach_rules": [
            "key_result_count",
            "too_many_objectives",
            "key_result_without_numbers",
            "target_equals_baseline",
            "activity_key_result",
            "business_as_usual",
            "no_owner",
            "no_alignment_no_reason",
            "stale_check_in",
            "committed_forecast_miss",
        ],
    }
    if org.password_sign_in:
        data["password_sign_in"] = "on"  # a ticked box; an unticked one is not sent
    data.update(changes)
    return data


def test_an_admin_renames_the_concepts_and_the_pages_use_the_new_words(
    cast: Cast, client_for: Callable[[User], Client]
):
    admin = client_for(cast.admin)
    response = admin.post(URL, form_data(cast.org, preset="eos"))
    assert response.status_code == 302
    cast.org.refresh_from_db()
    assert cast.org.terminology["objective"] == {"singular": "rock", "plural": "rocks"}
    assert cast.org.terminology["kpi"] == {"singular": "measurable", "plural": "measurables"}

    home = client_for(cast.member).get("/").content.decode()
    assert ">Quarters</a>" in home  # the navigation
    assert ">Scorecard</a>" in home  # EOS keeps "scorecard"
    objective = client_for(cast.editor).get(f"/objectives/{cast.objective.pk}/").content.decode()
    assert "Milestones" in objective
    assert "Key results" not in objective
    other = client_for(cast.outsider).get("/").content.decode()
    assert ">Cycles</a>" in other  # another organisation keeps its own words


def test_words_typed_one_by_one_are_kept_and_only_those_that_differ(
    cast: Cast, client_for: Callable[[User], Client]
):
    response = client_for(cast.owner).post(
        URL,
        form_data(
            cast.org,
            term_objective_singular="goal",
            term_objective_plural="goals",
            term_kpi_singular="KPI",
            term_kpi_plural="KPIs",
        ),
    )
    assert response.status_code == 302
    cast.org.refresh_from_db()
    assert cast.org.terminology == {"objective": {"singular": "goal", "plural": "goals"}}
    page = client_for(cast.owner).get(URL).content.decode()
    assert 'value="goals"' in page


def test_a_singular_without_its_plural_is_refused_at_its_field_and_nothing_is_saved(
    cast: Cast, client_for: Callable[[User], Client]
):
    response = client_for(cast.admin).post(
        URL, form_data(cast.org, name="Renamed", term_objective_singular="goal")
    )
    assert response.status_code == 422
    assert "Give the plural too" in response.content.decode()
    assert "id_term_objective_plural_error" in response.content.decode()
    cast.org.refresh_from_db()
    assert cast.org.name == "Acme IT"
    assert cast.org.terminology == {}


def test_an_unknown_time_zone_and_disordered_status_gaps_are_refused(
    cast: Cast, client_for: Callable[[User], Client]
):
    admin = client_for(cast.admin)
    response = admin.post(URL, form_data(cast.org, timezone="Mars/Olympus"))
    assert response.status_code == 422
    assert "Mars/Olympus is not one of the available choices" in response.content.decode()
    response = admin.post(
        URL, form_data(cast.org, status_on_track_gap="50", status_at_risk_gap="20")
    )
    assert response.status_code == 422
    cast.org.refresh_from_db()
    assert cast.org.timezone != "Mars/Olympus"
    assert str(cast.org.status_on_track_gap) == "0.100"


@pytest.mark.parametrize("who", ["editor", "member", "viewer"])
def test_only_admins_and_owners_see_the_settings(
    cast: Cast, client_for: Callable[[User], Client], who: str
):
    client = client_for(getattr(cast, who))
    assert client.get(URL).status_code == 403
    assert client.post(URL, form_data(cast.org, name="Taken over")).status_code == 403
    cast.org.refresh_from_db()
    assert cast.org.name == "Acme IT"


def test_a_change_is_audited_with_what_it_was_before(
    cast: Cast, client_for: Callable[[User], Client]
):
    client_for(cast.owner).post(URL, form_data(cast.org, week_start=7))
    event = AuditEvent.objects.get(organization=cast.org, action="organization.update")
    assert event.before == {"week_start": 1}
    assert event.after == {"week_start": 7}
    assert event.actor == cast.owner


def test_a_rule_switched_off_no_longer_shows_in_the_coach_report(
    cast: Cast, client_for: Callable[[User], Client]
):
    okrs.key_result_create(
        objective=cast.objective, title="Launch the new website", kind="milestone", by=cast.owner
    )
    report = f"/cycles/{cast.cycle.pk}/coach/"
    owner = client_for(cast.owner)
    assert 'data-rule="activity_key_result"' in owner.get(report).content.decode()
    rules = [r for r in form_data(cast.org)["coach_rules"] if r != "activity_key_result"]
    assert owner.post(URL, form_data(cast.org, coach_rules=rules)).status_code == 302
    cast.org.refresh_from_db()
    assert cast.org.coach_disabled_rules == ["activity_key_result"]
    assert 'data-rule="activity_key_result"' not in owner.get(report).content.decode()


def test_the_coach_reads_a_draft_while_it_is_written_and_saves_nothing(
    cast: Cast, client_for: Callable[[User], Client]
):
    from tandem.okrs.models import Objective

    before = Objective.objects.count()
    response = client_for(cast.member).post(
        "/coach/draft/",
        {
            "title": "Keep the lights on",
            "owner": f"team:{cast.team.pk}",
            "kr-0-title": "Hold weekly meetings",
            "kr-0-kind": "milestone",
            "kr-1-title": "",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-rule="business_as_usual"' in page
    assert 'data-rule="activity_key_result"' in page
    assert 'data-rule="key_result_count"' in page
    assert Objective.objects.count() == before
    empty = client_for(cast.member).post("/coach/draft/", {"title": ""})
    assert "will read along" in empty.content.decode()


def test_the_coach_draft_of_another_organisations_objective_is_404(
    cast: Cast, client_for: Callable[[User], Client]
):
    response = client_for(cast.outsider).post(
        "/coach/draft/", {"title": "x", "objective": cast.objective.pk}
    )
    assert response.status_code == 404


def test_every_form_of_a_renamed_concept_reads_well():
    words = Terms(clean_terminology({"objective": {"singular": "rock", "plural": "rocks"}}))
    assert (words["objective"], words["Objectives"], words["a_objective"]) == (
        "rock",
        "Rocks",
        "a rock",
    )
    assert Terms()["a_objective"] == "an objective"
    assert Terms()["A_kpi"] == "A KPI"
    assert Terms()["Kpis"] == "KPIs"


def test_reminder_and_digest_subjects_say_the_organisations_words(cast: Cast):
    from tandem.notifications import messages
    from tandem.terms import preset_words, terms_of

    cast.org.terminology = preset_words("eos")
    words = terms_of(cast.org)
    assert (
        messages.reminder_subject([object(), object(), object()], words)  # type: ignore[list-item]
        == "3 milestones wait for this week's update"
    )
    assert messages.reminder_subject([object()], terms_of(None)) == (  # type: ignore[list-item]
        "1 key result waits for this week's check-in"
    )


def test_the_status_gaps_are_read_and_typed_as_percentages(
    cast: Cast, client_for: Callable[[User], Client]
):
    admin = client_for(cast.admin)
    page = admin.get(URL).content.decode()
    assert 'name="status_on_track_gap" value="10"' in page
    assert 'name="status_at_risk_gap" value="25"' in page
    response = admin.post(URL, form_data(cast.org, status_on_track_gap="12.5"))
    assert response.status_code == 302
    cast.org.refresh_from_db()
    assert str(cast.org.status_on_track_gap) == "0.125"
    response = admin.post(URL, form_data(cast.org, status_at_risk_gap="140"))
    assert response.status_code == 422
    assert "less than or equal to 100" in response.content.decode()


def test_unticking_passwords_without_single_sign_on_is_refused_on_the_field(
    cast: Cast, client_for: Callable[[User], Client], settings: Any
):
    settings.TANDEM_OIDC_CLIENT_ID = ""
    data = form_data(cast.org, name="Acme Renamed")
    del data["password_sign_in"]
    response = client_for(cast.owner).post(URL, data)
    assert response.status_code == 422
    page = response.content.decode()
    field = page.split('name="password_sign_in"', 1)[1]
    assert "only once single sign-on is set up" in field[:1500]
    cast.org.refresh_from_db()
    assert cast.org.password_sign_in is True
    assert cast.org.name == "Acme IT"  # nothing half-written


def test_an_owner_turns_passwords_off_once_single_sign_on_is_set_up(
    cast: Cast, client_for: Callable[[User], Client], settings: Any
):
    settings.TANDEM_OIDC_CLIENT_ID = "tandem-okr"
    data = form_data(cast.org)
    del data["password_sign_in"]
    assert client_for(cast.owner).post(URL, data).status_code == 302
    cast.org.refresh_from_db()
    assert cast.org.password_sign_in is False
    event = AuditEvent.objects.filter(organization=cast.org, action="organization.update").last()
    assert event is not None
    assert event.after == {"password_sign_in": False}


def test_a_preset_fills_in_the_words_of_the_admins_language_which_are_then_the_organisations(
    cast: Cast, client_for: Callable[[User], Client]
):
    from tandem.accounts import services as accounts

    accounts.user_language_set(user=cast.admin, language="de", organization=cast.org)
    admin = client_for(cast.admin)
    page = admin.get(URL).content.decode()
    assert "EOS: Rocks und Measurables" in page
    assert admin.post(URL, form_data(cast.org, preset="eos")).status_code == 302
    cast.org.refresh_from_db()
    assert cast.org.terminology["key_result"] == {
        "singular": "Meilenstein",
        "plural": "Meilensteine",
    }
    assert cast.org.terminology["cycle"] == {"singular": "Quartal", "plural": "Quartale"}
    # Saved, they are the organisation's words: a reader in English reads them too.
    objective = client_for(cast.editor).get(f"/objectives/{cast.objective.pk}/").content.decode()
    assert "Meilensteine" in objective
