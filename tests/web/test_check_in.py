from __future__ import annotations

from decimal import Decimal

from django.contrib.messages import get_messages

from tandem.okrs import services as okrs
from tandem.okrs.models import CheckIn, KeyResult, Objective
from tests.conftest import Cast

HTMX = {"HTTP_HX_REQUEST": "true"}


def url(kr: KeyResult) -> str:
    return f"/key-results/{kr.pk}/check-in/"


def test_an_htmx_check_in_returns_the_row_and_the_objective_progress_out_of_band(
    cast: Cast, client_for
):
    response = client_for(cast.member).post(
        url(cast.kr), {"value": "40", "confidence": "7", "note": "Two signed"}, **HTMX
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<li class="kr" id="kr-{cast.kr.pk}"' in html
    assert "data-saved" in html
    assert f'id="objective-{cast.objective.pk}-progress" hx-swap-oob="true"' in html
    assert "40%" in html
    checkin = CheckIn.objects.get(key_result=cast.kr)
    assert (checkin.value, checkin.confidence, checkin.note) == (Decimal(40), 7, "Two signed")
    assert checkin.author == cast.member
    cast.objective.refresh_from_db()
    assert cast.objective.progress == Decimal("0.4")


def test_a_check_in_without_javascript_redirects_back_with_a_message(cast: Cast, client_for):
    response = client_for(cast.member).post(
        url(cast.kr), {"value": "25", "confidence": "5", "next": "/teams/sales/"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/teams/sales/"
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        "Checked in on “Sign new recurring contracts”."
    ]
    cast.kr.refresh_from_db()
    assert cast.kr.current == Decimal(25)


def test_a_check_in_refuses_to_redirect_to_another_site(cast: Cast, client_for):
    response = client_for(cast.member).post(
        url(cast.kr), {"value": "25", "confidence": "5", "next": "https://evil.test/"}
    )
    assert response["Location"] == f"/objectives/{cast.objective.pk}/"


def test_text_for_a_value_re_renders_the_row_with_the_error_and_422(cast: Cast, client_for):
    response = client_for(cast.member).post(
        url(cast.kr), {"value": "forty", "confidence": "7"}, **HTMX
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "“forty” is not a number." in html
    assert f'id="kr-{cast.kr.pk}-value-error"' in html
    assert 'aria-invalid="true"' in html
    # What was typed stays in the field, to correct.
    assert 'value="forty"' in html
    assert not CheckIn.objects.exists()


def test_confidence_out_of_range_is_refused_next_to_the_field(cast: Cast, client_for):
    response = client_for(cast.member).post(
        url(cast.kr), {"value": "4", "confidence": "11"}, **HTMX
    )
    assert response.status_code == 422
    assert "Confidence is from 1 to 10, not 11." in response.content.decode()
    assert f'id="kr-{cast.kr.pk}-confidence-error"' in response.content.decode()


def test_an_invalid_check_in_without_javascript_redirects_with_the_reason(cast: Cast, client_for):
    response = client_for(cast.member).post(url(cast.kr), {"value": "x", "confidence": "5"})
    assert response.status_code == 302
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "not saved" in message
    assert "“x” is not a number." in message


def test_a_check_in_on_a_closed_cycle_is_refused_with_its_reason(cast: Cast, client_for):
    okrs.cycle_close(cycle=cast.cycle, by=cast.owner)
    response = client_for(cast.editor).post(
        url(cast.kr), {"value": "50", "confidence": "5"}, **HTMX
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "This quarter is closed: its scores are final" in html
    assert not CheckIn.objects.exists()


def test_a_milestone_takes_a_done_checkbox(cast: Cast, client_for):
    milestone = okrs.key_result_create(
        objective=cast.objective,
        title="Open the Lyon office",
        kind=KeyResult.Kind.MILESTONE,
        owner=cast.member,
        by=cast.owner,
    )
    client = client_for(cast.member)
    response = client.post(url(milestone), {"done": "on", "confidence": "9"}, **HTMX)
    assert response.status_code == 200
    milestone.refresh_from_db()
    assert milestone.done is True
    assert milestone.progress == 1
    response = client.post(url(milestone), {"confidence": "9"}, **HTMX)
    milestone.refresh_from_db()
    assert milestone.done is False


def test_a_viewer_cannot_check_in(cast: Cast, client_for):
    response = client_for(cast.viewer).post(url(cast.kr), {"value": "5", "confidence": "5"}, **HTMX)
    assert response.status_code == 403
    assert "Viewers can read everything but change nothing" in response.content.decode()
    assert not CheckIn.objects.exists()


def test_a_member_checks_in_on_their_teams_objectives_but_not_others(cast: Cast, client_for):
    other_team_kr = okrs.key_result_create(
        objective=okrs.objective_create(
            organization=cast.org,
            cycle=cast.cycle,
            owner_team=cast.company,
            title="Company goal",
            by=cast.owner,
        ),
        title="Revenue",
        baseline="0",
        target="10",
        owner=cast.admin,
        by=cast.owner,
    )
    own_team_kr = okrs.key_result_create(
        objective=cast.objective, title="Someone else's", baseline="0", target="5", by=cast.owner
    )
    client = client_for(cast.member)
    assert client.post(url(own_team_kr), {"value": "1", "confidence": "5"}).status_code == 302
    response = client.post(url(other_team_kr), {"value": "1", "confidence": "5"})
    assert response.status_code == 403
    assert "neither" in response.content.decode()


def test_a_member_checks_in_on_a_key_result_they_own_anywhere(cast: Cast, client_for):
    kr = okrs.key_result_create(
        objective=okrs.objective_create(
            organization=cast.org,
            cycle=cast.cycle,
            owner_team=cast.company,
            title="Company goal",
            by=cast.owner,
        ),
        title="Mine",
        baseline="0",
        target="10",
        owner=cast.member,
        by=cast.owner,
    )
    assert (
        client_for(cast.member).post(url(kr), {"value": "3", "confidence": "5"}).status_code == 302
    )


def test_a_check_in_on_another_organisations_key_result_is_404(cast: Cast, client_for):
    response = client_for(cast.outsider).post(url(cast.kr), {"value": "5", "confidence": "5"})
    assert response.status_code == 404


def test_a_check_in_on_a_dropped_objective_is_refused(cast: Cast, client_for):
    okrs.objective_update(objective=cast.objective, state=Objective.State.DROPPED, by=cast.owner)
    response = client_for(cast.editor).post(url(cast.kr), {"value": "5", "confidence": "5"}, **HTMX)
    assert response.status_code == 422
    assert "reopen it before checking in" in response.content.decode()


def test_check_in_only_accepts_post(cast: Cast, client_for):
    assert client_for(cast.member).get(url(cast.kr)).status_code == 405


def test_the_checks_behind_a_check_in_answer_in_the_readers_language_and_the_api_in_english(
    cast: Cast, client_for
):
    from tandem.accounts import services as accounts

    accounts.user_language_set(user=cast.member, language="de", organization=cast.org)
    client = client_for(cast.member)
    german = client.post(url(cast.kr), {"value": "4", "confidence": "11"}, **HTMX)
    assert german.status_code == 422
    assert "Die Zuversicht reicht von 1 bis 10, nicht 11." in german.content.decode()
    assert "Confidence is from" not in german.content.decode()
    accounts.user_language_set(user=cast.member, language="es", organization=cast.org)
    spanish = client.post(url(cast.kr), {"value": "4", "confidence": ""}, **HTMX)
    assert "Diga cuánta confianza tiene, de 1 (ninguna) a 10 (total)." in spanish.content.decode()
    assert not CheckIn.objects.exists()
