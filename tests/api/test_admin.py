"""Running an organisation through the API: settings and words, invitations, API tokens,
people and roles, teams, reminder schedules and the scorecard as JSON."""

from __future__ import annotations

import datetime as dt

import pytest

from tandem.accounts.models import Invitation, Membership, Team
from tandem.api.models import ApiToken
from tandem.audit.models import AuditEvent
from tandem.kpis import services as kpis
from tandem.kpis.models import KPI
from tandem.notifications.models import ReminderSettings
from tests.api.conftest import Api, Tokens, assert_problem, this_week
from tests.conftest import Cast

pytestmark = pytest.mark.django_db


# -- the organisation's settings and words ------------------------------------------------


def test_an_admin_renames_the_concepts_and_the_thresholds(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    body = {
        "terminology": {"objective": {"singular": "rock", "plural": "rocks"}},
        "status_on_track_gap": "0.05",
        "week_start": 7,
    }
    response = api.patch("/organization", body, as_=tokens.owner)
    assert response.status_code == 200, response.content
    cast.org.refresh_from_db()
    assert cast.org.terminology["objective"] == {"singular": "rock", "plural": "rocks"}
    assert str(cast.org.status_on_track_gap) == "0.050"
    assert cast.org.week_start == 7
    read = api.get("/organization", as_=tokens.viewer).json()
    assert read["terminology"]["objective"]["plural"] == "rocks"
    assert read["status_on_track_gap"] == "0.050"
    assert read["name"] == cast.org.name
    event = AuditEvent.objects.get(organization=cast.org, action="organization.update")
    assert event.source == "api"


def test_password_sign_in_stays_on_while_the_server_has_no_single_sign_on(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    body = {"password_sign_in": False, "name": "Renamed"}
    problem = assert_problem(
        api.patch("/organization", body, as_=tokens.owner), 422, "password_sign_in"
    )
    assert "single sign-on" in problem["detail"] + str(problem["errors"])
    cast.org.refresh_from_db()
    assert cast.org.password_sign_in is True
    assert cast.org.name == "Acme IT"
    # Turning it on, or sending the value it already has, is always fine.
    on = api.patch("/organization", {"password_sign_in": True}, as_=tokens.owner)
    assert on.status_code == 200, on.content


def test_settings_that_do_not_fit_are_refused_naming_the_field_and_nothing_changes(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    before = api.get("/organization", as_=tokens.owner).json()
    bad = {"status_on_track_gap": "0.9", "status_at_risk_gap": "0.2", "name": "Renamed"}
    assert_problem(api.patch("/organization", bad, as_=tokens.owner), 422)
    assert_problem(
        api.patch("/organization", {"timezone": "Mars/Olympus"}, as_=tokens.owner), 422, "timezone"
    )
    assert_problem(
        api.patch("/organization", {"coach_disabled_rules": ["nope"]}, as_=tokens.owner),
        422,
        "coach_disabled_rules",
    )
    assert api.get("/organization", as_=tokens.owner).json() == before


def test_an_editor_may_read_the_settings_but_not_change_them(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    assert api.get("/organization", as_=tokens.editor).status_code == 200
    assert_problem(api.patch("/organization", {"name": "Mine"}, as_=tokens.editor), 403)
    assert_problem(api.patch("/organization", {"name": "Mine"}, as_=tokens.reader), 403)


# -- invitations --------------------------------------------------------------------------


def test_an_invitation_is_sent_listed_and_withdrawn(api: Api, cast: Cast, tokens: Tokens) -> None:
    body = {"email": "New.Person@Acme.test", "role": "editor", "teams": [cast.team.pk]}
    created = api.post("/invitations", body, as_=tokens.owner)
    assert created.status_code == 201, created.content
    invitation = created.json()
    assert invitation["email"] == "new.person@acme.test"
    assert invitation["teams"] == [cast.team.pk]
    assert invitation["state"] == "pending"
    pending = api.get("/invitations?state=pending", as_=tokens.owner).json()["items"]
    assert [i["id"] for i in pending] == [invitation["id"]]
    assert api.delete(f"/invitations/{invitation['id']}", as_=tokens.owner).status_code == 204
    assert Invitation.objects.get(pk=invitation["id"]).state() == "revoked"
    assert api.get("/invitations?state=pending", as_=tokens.owner).json()["items"] == []
    revoked = api.get("/invitations?state=revoked", as_=tokens.owner).json()["items"]
    assert [i["id"] for i in revoked] == [invitation["id"]]


def test_a_bad_invitation_is_refused_naming_the_field(api: Api, cast: Cast, tokens: Tokens) -> None:
    assert_problem(api.post("/invitations", {"email": "nope"}, as_=tokens.owner), 422, "email")
    other_team = {"email": "x@acme.test", "teams": [cast.other_team.pk]}
    assert_problem(api.post("/invitations", other_team, as_=tokens.owner), 422, "teams")
    member = {"email": cast.member.email}
    assert_problem(api.post("/invitations", member, as_=tokens.owner), 422, "email")
    assert not Invitation.objects.filter(organization=cast.org).exists()


def test_only_owners_and_admins_see_invitations(api: Api, tokens: Tokens) -> None:
    assert_problem(api.get("/invitations", as_=tokens.editor), 403)
    assert_problem(api.post("/invitations", {"email": "x@acme.test"}, as_=tokens.editor), 403)


# -- API tokens ---------------------------------------------------------------------------


def test_a_token_made_through_the_api_works_within_its_scope_until_revoked(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    last_day = (cast.org.today() + dt.timedelta(days=30)).isoformat()
    body = {"name": "Warehouse nightly", "scope": "read", "expires_on": last_day}
    created = api.post("/tokens", body, as_=tokens.member)
    assert created.status_code == 201, created.content
    made = created.json()
    secret = made["token"]
    assert secret.startswith(made["prefix"])
    assert made["expires_on"] == last_day
    assert api.get("/objectives", as_=secret).status_code == 200
    assert_problem(api.post("/tokens", {"name": "More", "scope": "write"}, as_=secret), 403)
    listed = api.get("/tokens", as_=tokens.member).json()["items"]
    assert made["id"] in [t["id"] for t in listed]
    assert all("token" not in t for t in listed)
    assert secret not in api.get("/tokens", as_=tokens.member).content.decode()
    assert api.delete(f"/tokens/{made['id']}", as_=tokens.member).status_code == 204
    assert_problem(api.get("/objectives", as_=secret), 401)


def test_someone_elses_token_is_not_found_and_stays(api: Api, cast: Cast, tokens: Tokens) -> None:
    theirs = ApiToken.objects.filter(user=cast.member, organization=cast.org).first()
    assert theirs is not None
    assert_problem(api.delete(f"/tokens/{theirs.pk}", as_=tokens.owner), 404)
    assert theirs.pk not in [t["id"] for t in api.get("/tokens", as_=tokens.owner).json()["items"]]
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_a_token_that_would_already_have_expired_is_refused(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    yesterday = (cast.org.today() - dt.timedelta(days=1)).isoformat()
    body = {"name": "Old", "scope": "write", "expires_on": yesterday}
    assert_problem(api.post("/tokens", body, as_=tokens.owner), 422, "expires_on")
    assert_problem(api.post("/tokens", {"name": "x", "scope": "root"}, as_=tokens.owner), 422)
    assert_problem(
        api.post("/tokens", {"name": " ", "scope": "read"}, as_=tokens.owner), 422, "name"
    )


def test_a_read_token_cannot_mint_a_write_token(api: Api, tokens: Tokens) -> None:
    assert_problem(api.post("/tokens", {"name": "More", "scope": "write"}, as_=tokens.reader), 403)


# -- people and roles ---------------------------------------------------------------------


def test_an_admin_changes_a_role_and_a_title(api: Api, cast: Cast, tokens: Tokens) -> None:
    body = {"role": "editor", "title": "Analyst"}
    response = api.patch(f"/people/{cast.viewer.pk}", body, as_=tokens.owner)
    assert response.status_code == 200, response.content
    assert response.json()["role"] == "editor"
    assert response.json()["title"] == "Analyst"
    membership = Membership.objects.get(organization=cast.org, user=cast.viewer)
    assert (membership.role, membership.title) == ("editor", "Analyst")


def test_the_last_owner_stays_an_owner(api: Api, cast: Cast, tokens: Tokens) -> None:
    body = assert_problem(
        api.patch(f"/people/{cast.owner.pk}", {"role": "admin"}, as_=tokens.owner), 422, "role"
    )
    assert "last owner" in body["detail"]
    assert Membership.objects.get(organization=cast.org, user=cast.owner).role == "owner"


def test_removing_someone_revokes_their_tokens_and_keeps_their_work(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    assert api.get("/objectives", as_=tokens.member).status_code == 200
    assert api.delete(f"/people/{cast.member.pk}", as_=tokens.owner).status_code == 204
    assert not Membership.objects.filter(organization=cast.org, user=cast.member).exists()
    assert_problem(api.get("/objectives", as_=tokens.member), 401)
    assert_problem(api.get(f"/people/{cast.member.pk}", as_=tokens.owner), 404)


def test_someone_in_another_organisation_is_not_found(api: Api, cast: Cast, tokens: Tokens) -> None:
    assert_problem(api.patch(f"/people/{cast.outsider.pk}", {"title": "x"}, as_=tokens.owner), 404)
    assert_problem(api.delete(f"/people/{cast.outsider.pk}", as_=tokens.owner), 404)


# -- teams --------------------------------------------------------------------------------


def test_a_team_is_created_renamed_moved_and_deleted(api: Api, cast: Cast, tokens: Tokens) -> None:
    created = api.post(
        "/teams",
        {"name": "Research", "parent": cast.company.pk, "kind": "department"},
        as_=tokens.owner,
    )
    assert created.status_code == 201, created.content
    team = created.json()
    assert (team["parent"], team["kind"]) == (cast.company.pk, "department")
    renamed = api.patch(
        f"/teams/{team['id']}", {"name": "Research & Development"}, as_=tokens.owner
    )
    assert renamed.json()["name"] == "Research & Development"
    assert renamed.json()["slug"] == team["slug"]  # its page keeps its address
    moved = api.patch(f"/teams/{team['id']}", {"parent": cast.team.pk}, as_=tokens.owner)
    assert moved.json()["parent"] == cast.team.pk
    to_top = api.patch(f"/teams/{team['id']}", {"parent": None}, as_=tokens.owner)
    assert to_top.json()["parent"] is None
    assert api.delete(f"/teams/{team['id']}", as_=tokens.owner).status_code == 204
    assert not Team.objects.filter(pk=team["id"]).exists()
    actions = set(
        AuditEvent.objects.filter(organization=cast.org, action__startswith="team.").values_list(
            "action", flat=True
        )
    )
    assert {"team.create", "team.update", "team.delete"} <= actions


def test_a_team_cannot_move_under_one_of_its_own_teams(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    assert cast.team.parent_id == cast.company.pk
    body = assert_problem(
        api.patch(f"/teams/{cast.company.pk}", {"parent": cast.team.pk}, as_=tokens.owner),
        422,
        "parent",
    )
    assert "itself" in body["detail"]
    assert_problem(
        api.patch(f"/teams/{cast.team.pk}", {"parent": cast.other_team.pk}, as_=tokens.owner),
        422,
        "parent",
    )
    cast.company.refresh_from_db()
    assert cast.company.parent_id is None


def test_a_team_that_owns_objectives_is_not_deleted(api: Api, cast: Cast, tokens: Tokens) -> None:
    body = assert_problem(api.delete(f"/teams/{cast.team.pk}", as_=tokens.owner), 422, "team")
    assert "objective" in body["detail"]
    assert_problem(api.delete(f"/teams/{cast.company.pk}", as_=tokens.owner), 422, "team")
    assert Team.objects.filter(pk=cast.team.pk).exists()


def test_a_second_team_of_the_same_name_is_refused(api: Api, cast: Cast, tokens: Tokens) -> None:
    assert_problem(api.post("/teams", {"name": cast.team.name}, as_=tokens.owner), 422, "name")
    other = api.post("/teams", {"name": "Support"}, as_=tokens.owner).json()
    renamed = api.patch(f"/teams/{other['id']}", {"name": cast.team.name.upper()}, as_=tokens.owner)
    assert_problem(renamed, 422, "name")


def test_editors_do_not_run_teams(api: Api, cast: Cast, tokens: Tokens) -> None:
    assert_problem(api.post("/teams", {"name": "Mine"}, as_=tokens.editor), 403)
    assert_problem(api.patch(f"/teams/{cast.team.pk}", {"name": "x"}, as_=tokens.editor), 403)


# -- reminder schedules -------------------------------------------------------------------


def test_saving_the_schedule_turns_reminders_on(api: Api, cast: Cast, tokens: Tokens) -> None:
    before = api.get("/reminders", as_=tokens.owner).json()
    assert before["saved"] is False
    body = {"checkin_weekday": 4, "checkin_time": "16:30", "digest_enabled": False}
    response = api.patch("/reminders", body, as_=tokens.owner)
    assert response.status_code == 200, response.content
    saved = ReminderSettings.objects.get(organization=cast.org)
    assert (saved.checkin_weekday, saved.checkin_time) == (4, dt.time(16, 30))
    assert saved.digest_enabled is False
    after = api.get("/reminders", as_=tokens.owner).json()
    assert after["saved"] is True
    assert after["checkin_time"] == "16:30"


def test_a_schedule_that_does_not_fit_is_refused_naming_the_field(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    assert_problem(api.patch("/reminders", {"checkin_weekday": 8}, as_=tokens.owner), 422)
    channel = {"channel_webhook_url": "http://10.0.0.1/hook"}
    assert_problem(api.patch("/reminders", channel, as_=tokens.owner), 422, "channel_webhook_url")
    assert not ReminderSettings.objects.filter(organization=cast.org).exists()
    assert_problem(api.get("/reminders", as_=tokens.editor), 403)


# -- the scorecard ------------------------------------------------------------------------


def test_the_scorecard_has_each_kpi_with_its_values_and_colours(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI
) -> None:
    kpis.kpi_set_target(kpi=kpi, effective_from=this_week(cast.org, 4), target="5", by=cast.owner)
    kpis.measurement_record(kpi=kpi, period_start=this_week(cast.org, 1), value="9", by=cast.owner)
    response = api.get("/scorecard?periods=4", as_=tokens.measurer)
    assert response.status_code == 200, response.content
    board = response.json()
    assert board["granularity"] == "weekly"
    assert len(board["columns"]) == 4
    (row,) = board["rows"]
    assert (row["kpi"], row["key"], row["target"]) == (kpi.pk, "churn-rate", "5.0000")
    cell = next(c for c in row["cells"] if c["start"] == this_week(cast.org, 1).isoformat())
    assert cell["value"] == "9.0000"
    assert cell["health"] == "red"  # lower is better, and 9 is well above 5
    mine = api.get(f"/scorecard?team={cast.other_team.pk}", as_=tokens.owner)
    assert_problem(mine, 422, "team")


# -- cycles and KPI targets ---------------------------------------------------------------


def test_a_cycle_is_started_then_closed_and_scored(api: Api, cast: Cast, tokens: Tokens) -> None:
    body = {"name": "Next quarter", "start_date": "2031-01-01", "end_date": "2031-03-31"}
    cycle = api.post("/cycles", body, as_=tokens.editor).json()
    assert cycle["state"] == "planning"
    started = api.post(f"/cycles/{cycle['id']}/activate", as_=tokens.editor)
    assert started.json()["state"] == "active"
    closed = api.post(f"/cycles/{cycle['id']}/close", as_=tokens.editor)
    assert closed.json()["state"] == "closed"
    assert closed.json()["closed_at"] is not None
    again = assert_problem(api.post(f"/cycles/{cycle['id']}/close", as_=tokens.editor), 422)
    assert "already closed" in again["detail"]
    assert_problem(api.post(f"/cycles/{cycle['id']}/activate", as_=tokens.editor), 422, "state")
    assert_problem(api.post(f"/cycles/{cast.cycle.pk}/close", as_=tokens.member), 403)


def test_a_kpi_target_is_set_from_a_period_on(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI
) -> None:
    week = this_week(cast.org, 2).isoformat()
    made = api.post(
        f"/kpis/{kpi.pk}/targets", {"effective_from": week, "target": "4"}, as_=tokens.editor
    )
    assert made.status_code == 201, made.content
    assert (made.json()["effective_from"], made.json()["target"]) == (week, "4.0000")
    assert kpi.targets.get().target == 4
    assert_problem(
        api.post(f"/kpis/{kpi.pk}/targets", {"effective_from": week}, as_=tokens.member), 403
    )
