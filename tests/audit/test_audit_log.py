"""The organisation's audit log: who reads it, what it shows, filters, pages and CSV."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone

from tandem.accounts.models import Membership
from tandem.audit.models import AuditEvent, Source
from tandem.okrs import services as okrs
from tests.conftest import Cast


def _lines(response) -> list[dict[str, str]]:
    body = b"".join(response.streaming_content).decode()
    return list(csv.DictReader(io.StringIO(body)))


def _check_ins(cast: Cast, n: int, *, source: str = Source.WEB) -> None:
    for i in range(n):
        okrs.key_result_check_in(
            key_result=cast.kr, value=Decimal(i + 1), confidence=7, by=cast.member, source=source
        )


@pytest.mark.parametrize("role", ["owner", "admin"])
def test_owners_and_admins_read_the_audit_log(cast: Cast, client_for, role: str):
    response = client_for(getattr(cast, role)).get("/audit/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Audit log" in page
    assert (
        "Olivia Owner created the objective “Become the go-to IT service provider in our region”"
        in page
    )
    assert "objective.create" not in page


@pytest.mark.parametrize("role", ["editor", "member", "viewer"])
def test_the_audit_log_is_refused_to_editors_members_and_viewers(cast: Cast, client_for, role):
    client = client_for(getattr(cast, role))
    assert client.get("/audit/").status_code == 403
    assert client.get("/audit/export.csv").status_code == 403


def test_anonymous_visitors_are_sent_to_log_in_before_the_audit_log(cast: Cast, client):
    response = client.get("/audit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_settings_navigation_links_the_audit_log_for_admins_only(cast: Cast, client_for):
    admin = client_for(cast.admin)
    assert 'href="/settings/organization/"' in admin.get("/").content.decode()
    assert 'href="/audit/"' in admin.get("/settings/organization/").content.decode()
    editor = client_for(cast.editor)
    assert 'href="/settings/organization/"' not in editor.get("/").content.decode()
    assert 'href="/audit/"' not in editor.get("/settings/tokens/").content.decode()


def test_another_organisations_events_never_appear(cast: Cast, client_for):
    page = client_for(cast.owner).get("/audit/").content.decode()
    assert "Globex" not in page
    assert cast.other_team.name not in page
    rows = _lines(client_for(cast.owner).get("/audit/export.csv"))
    assert rows
    assert all("Globex" not in row["object"] for row in rows)
    assert all(row["e-mail"] != cast.outsider.email for row in rows)


def test_an_outsider_reading_the_log_sees_only_their_own_organisation(cast: Cast, client_for):
    page = client_for(cast.outsider).get("/audit/").content.decode()
    assert "Globex Sales" in page
    assert "Acme IT" not in page
    assert cast.objective.title not in page


def test_the_log_is_newest_first_and_shows_a_readable_diff(cast: Cast, client_for):
    okrs.objective_update(
        objective=cast.objective, by=cast.editor, title="Be the region's first IT provider"
    )
    response = client_for(cast.owner).get("/audit/")
    entries = response.context["page"].entries
    assert entries[0].event.action == "objective.update"
    assert [e.event.at for e in entries] == sorted((e.event.at for e in entries), reverse=True)
    page = response.content.decode()
    assert "Editor Person" in page
    assert "Web page" in page
    assert "<del>Become the go-to IT service provider in our region</del>" in page
    assert "<ins>Be the region&#x27;s first IT provider</ins>" in page


def test_an_object_that_still_exists_is_linked_and_a_deleted_one_is_not(cast: Cast, client_for):
    parent = okrs.objective_create(
        organization=cast.org,
        cycle=cast.cycle,
        owner_team=cast.company,
        by=cast.owner,
        title="Grow",
    )
    alignment = okrs.alignment_add(objective=cast.objective, parent_objective=parent, by=cast.owner)
    alignment_id = alignment.pk
    okrs.alignment_remove(alignment=alignment, by=cast.owner)
    page = client_for(cast.owner).get("/audit/").content.decode()
    assert f'href="/objectives/{cast.objective.pk}/"' in page
    assert f"Alignment #{alignment_id}" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("action=checkin.", {"checkin.create"}),
        ("action=objective.", {"objective.create"}),
        ("target_type=team", {"team.create"}),
        ("source=api", {"checkin.create"}),
    ],
)
def test_filters_narrow_the_log(cast: Cast, client_for, query: str, expected: set[str]):
    _check_ins(cast, 2, source=Source.API)
    entries = client_for(cast.owner).get(f"/audit/?{query}").context["page"].entries
    assert entries
    assert {e.event.action for e in entries} == expected


def test_the_actor_filter_shows_one_persons_changes(cast: Cast, client_for):
    _check_ins(cast, 2)
    entries = client_for(cast.owner).get(f"/audit/?actor={cast.member.pk}").context["page"].entries
    assert len(entries) == 2
    assert {e.event.actor_id for e in entries} == {cast.member.pk}


def test_the_date_range_is_read_in_the_organisations_time_zone(cast: Cast, client_for):
    _check_ins(cast, 1)
    event = AuditEvent.objects.filter(organization=cast.org, action="checkin.create").get()
    # 23:30 in Paris on 3 March is 22:30 UTC: it belongs to 3 March, not 4 March. The
    # model refuses updates; the base manager lets the test date the event.
    AuditEvent._base_manager.filter(pk=event.pk).update(
        at=dt.datetime(2026, 3, 3, 22, 30, tzinfo=dt.UTC)
    )
    client = client_for(cast.owner)
    on_the_3rd = client.get("/audit/?since=2026-03-03&until=2026-03-03").context["page"].entries
    assert [e.event.pk for e in on_the_3rd] == [event.pk]
    assert client.get("/audit/?since=2026-03-04&until=2026-03-04").context["page"].entries == []


def test_an_end_date_before_the_start_date_is_reported_next_to_the_field(cast: Cast, client_for):
    response = client_for(cast.owner).get("/audit/?since=2026-03-04&until=2026-03-01")
    assert response.status_code == 200
    assert "The end date is before the start date." in response.content.decode()
    assert response.context["page"].entries


def test_older_changes_are_on_the_next_pages_without_gaps_or_repeats(cast: Cast, client_for):
    _check_ins(cast, 120)
    client = client_for(cast.owner)
    seen: list[int] = []
    url = "/audit/?action=checkin."
    while url:
        response = client.get(url)
        page = response.context["page"]
        seen += [e.event.pk for e in page.entries]
        url = f"/audit/?action=checkin.&after={page.next_cursor}" if page.next_cursor else ""
    expected = list(
        AuditEvent.objects.filter(organization=cast.org, action="checkin.create")
        .order_by("-at", "-id")
        .values_list("pk", flat=True)
    )
    assert seen == expected


def test_a_nonsense_cursor_shows_the_first_page(cast: Cast, client_for):
    response = client_for(cast.owner).get("/audit/?after=not-a-cursor")
    assert response.status_code == 200
    assert response.context["page"].entries


def test_the_log_costs_the_same_queries_for_10_and_100_events(
    cast: Cast, client_for, django_assert_max_num_queries
):
    client = client_for(cast.owner)
    _check_ins(cast, 10)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get("/audit/").status_code == 200
    _check_ins(cast, 90)
    with django_assert_max_num_queries(len(small)):
        response = client.get("/audit/")
    assert len(response.context["page"].entries) == 50


def test_the_csv_export_lists_the_filtered_changes(cast: Cast, client_for):
    _check_ins(cast, 3)
    okrs.objective_update(objective=cast.objective, by=cast.editor, title="=HYPERLINK(1)")
    response = client_for(cast.admin).get("/audit/export.csv?action=objective.")
    assert response["Content-Type"] == "text/csv"
    assert "attachment" in response["Content-Disposition"]
    rows = _lines(response)
    assert [r["action"] for r in rows] == ["objective.update", "objective.create"]
    update = rows[0]
    assert update["who"] == "Editor Person"
    assert update["e-mail"] == cast.editor.email
    assert update["through"] == "Web page"
    assert update["object type"] == "objective"
    assert update["object id"] == str(cast.objective.pk)
    # A title that a spreadsheet would run as a formula is written as text.
    assert update["object"] == "'=HYPERLINK(1)"
    assert (
        "title: Become the go-to IT service provider in our region → =HYPERLINK(1)"
        in (update["changes"])
    )
    assert dt.datetime.fromisoformat(update["when (UTC)"]) <= timezone.now()


def test_the_csv_export_of_a_large_log_streams(cast: Cast, client_for):
    _check_ins(cast, 30)
    response = client_for(cast.owner).get("/audit/export.csv")
    assert response.streaming
    assert len(_lines(response)) == AuditEvent.objects.filter(organization=cast.org).count()


def test_the_filters_offer_readable_kinds_of_object(cast: Cast, client_for):
    form = client_for(cast.owner).get("/audit/").context["form"]
    kinds = dict(form.fields["target_type"].choices)
    assert kinds["keyresult"] == "Key result"
    assert kinds["objective"] == "Objective"


def test_someone_who_left_can_still_be_picked_in_the_log(cast: Cast, client_for):
    _check_ins(cast, 1)
    Membership.objects.filter(organization=cast.org, user=cast.member).delete()
    client = client_for(cast.owner)
    people = dict(client.get("/audit/").context["form"].fields["actor"].choices)
    assert people[str(cast.member.pk)] == "Member Person"
    assert str(cast.outsider.pk) not in people
    entries = client.get(f"/audit/?actor={cast.member.pk}").context["page"].entries
    assert [e.event.action for e in entries] == ["checkin.create"]


def test_picking_a_person_of_another_organisation_shows_nothing_of_theirs(cast: Cast, client_for):
    response = client_for(cast.owner).get(f"/audit/?actor={cast.outsider.pk}")
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert all(e.event.organization_id == cast.org.pk for e in response.context["page"].entries)
    assert all(e.event.actor_id != cast.outsider.pk for e in response.context["page"].entries)


def test_times_are_shown_in_the_organisations_time_zone(cast: Cast, client_for):
    _check_ins(cast, 1)
    event = AuditEvent.objects.get(organization=cast.org, action="checkin.create")
    AuditEvent._base_manager.filter(pk=event.pk).update(
        at=dt.datetime(2026, 3, 3, 22, 30, tzinfo=dt.UTC),
        after={"created_at": "2026-03-03T22:30:00+00:00", "note": ""},
    )
    page = client_for(cast.owner).get("/audit/?action=checkin.").content.decode()
    assert 'datetime="2026-03-03T23:30:00+01:00"' in page  # Paris is UTC+1 in March
    assert ">3 Mar 2026 23:30:00</time>" in page


def test_a_creation_shows_each_value_once_and_a_deletion_strikes_them(cast: Cast, client_for):
    parent = okrs.objective_create(
        organization=cast.org,
        cycle=cast.cycle,
        owner_team=cast.company,
        by=cast.owner,
        title="Grow",
    )
    alignment = okrs.alignment_add(objective=cast.objective, parent_objective=parent, by=cast.owner)
    okrs.alignment_remove(alignment=alignment, by=cast.owner)
    page = client_for(cast.owner).get("/audit/?target_type=objective").content.decode()
    assert "title</span>: Grow</li>" in page
    page = client_for(cast.owner).get("/audit/?action=alignment.delete").content.decode()
    assert f"parent objective</span>: <del>{parent.pk}</del>" in page


def test_every_kind_of_object_has_a_name_in_the_readers_language():
    from django.apps import apps
    from django.utils import translation

    from tandem.audit.selectors import KIND_WORDS, target_type_label

    kinds = {m._meta.model_name for m in apps.get_models() if m.__module__.startswith("tandem.")}
    assert kinds - set(KIND_WORDS) == set()
    with translation.override("de"):
        assert target_type_label("teammembership") == "Teammitgliedschaft"
        assert target_type_label("apitoken") == "API-Token"
    with translation.override("es"):
        assert target_type_label("notificationpreference") == "Ajustes de notificaciones"


def test_the_log_names_a_team_membership_in_the_readers_language(cast: Cast, client_for):
    from tandem.accounts import services as accounts

    accounts.user_language_set(user=cast.admin, language="fr", organization=cast.org)
    html = client_for(cast.admin).get("/audit/?target_type=teammembership").content.decode()
    assert "Appartenance à une équipe" in html
    assert "Team membership" not in html
