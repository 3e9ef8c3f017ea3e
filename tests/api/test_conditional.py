"""Conditional GET: reads carry an ETag, If-None-Match answers 304, writes change the tag."""

from __future__ import annotations

from tandem.kpis.models import KPI
from tests.api.conftest import Api, Tokens, this_week
from tests.conftest import Cast


def _objectives(cast: Cast) -> str:
    return f"/objectives?team={cast.team.pk}&cycle={cast.cycle.pk}"


def test_a_teams_objectives_carry_an_etag_and_a_match_is_304_without_body(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    first = api.get(_objectives(cast), as_=tokens.reader)
    assert first.status_code == 200
    assert [o["id"] for o in first.json()["items"]] == [cast.objective.pk]
    etag = first["ETag"]
    assert etag.startswith('"')
    assert etag.endswith('"')
    assert "private" in first["Cache-Control"]
    assert "Authorization" in first["Vary"]

    again = api.get(_objectives(cast), as_=tokens.reader, headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.content == b""
    assert again["ETag"] == etag
    # A weak form of the same tag, or a list of tags naming it, matches too.
    weak = api.get(
        _objectives(cast), as_=tokens.reader, headers={"If-None-Match": f'"other", W/{etag}'}
    )
    assert weak.status_code == 304

    stale = api.get(_objectives(cast), as_=tokens.reader, headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200
    assert stale["ETag"] == etag
    assert stale.json() == first.json()


def test_a_check_in_changes_the_objectives_etag(api: Api, cast: Cast, tokens: Tokens) -> None:
    before = api.get(_objectives(cast), as_=tokens.reader)
    checked_in = api.post(
        f"/key-results/{cast.kr.pk}/check-ins",
        {"value": "42.5", "confidence": 8},
        as_=tokens.member,
    )
    assert checked_in.status_code == 201, checked_in.content

    after = api.get(_objectives(cast), as_=tokens.reader, headers={"If-None-Match": before["ETag"]})
    assert after.status_code == 200
    assert after["ETag"] != before["ETag"]
    assert after.json() != before.json()  # the objective's progress moved
    check_ins = f"/key-results/{cast.kr.pk}/check-ins"
    listed = api.get(check_ins, as_=tokens.reader)
    assert [c["value"] for c in listed.json()["items"]] == ["42.5000"]
    assert (
        api.get(check_ins, as_=tokens.reader, headers={"If-None-Match": listed["ETag"]}).status_code
        == 304
    )


def test_a_measurement_changes_the_measurements_etag(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI
) -> None:
    path = f"/kpis/{kpi.pk}/measurements"
    empty = api.get(path, as_=tokens.measurer)
    assert empty.json()["items"] == []
    assert (
        api.get(path, as_=tokens.measurer, headers={"If-None-Match": empty["ETag"]}).status_code
        == 304
    )

    week = str(this_week(cast.org, 1))
    written = api.post(path, {"period_start": week, "value": "2.5"}, as_=tokens.measurer)
    assert written.status_code == 201, written.content

    after = api.get(path, as_=tokens.measurer, headers={"If-None-Match": empty["ETag"]})
    assert after.status_code == 200
    assert [m["value"] for m in after.json()["items"]] == ["2.5000"]
    assert after["ETag"] != empty["ETag"]
    kpis = api.get("/kpis", as_=tokens.measurer)
    corrected = api.post(path, {"period_start": week, "value": "2.4"}, as_=tokens.owner)
    assert corrected.json()["outcome"] == "updated"
    # The KPI list shows the latest value: its tag moves with the correction.
    moved = api.get("/kpis", as_=tokens.measurer, headers={"If-None-Match": kpis["ETag"]})
    assert moved.status_code == 200
    assert moved["ETag"] != kpis["ETag"]


def test_the_same_answer_has_another_etag_in_another_organisation_and_for_another_person(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    # Neither organisation has a KPI: the bodies are identical, the tags are not.
    ours = api.get("/kpis", as_=tokens.reader)
    theirs = api.get("/kpis", as_=tokens.outsider)
    colleague = api.get("/kpis", as_=tokens.editor)
    assert ours.content == theirs.content == colleague.content
    assert len({ours["ETag"], theirs["ETag"], colleague["ETag"]}) == 3
    # Another organisation's tag never matches ours: a full answer, not a 304.
    crossed = api.get("/kpis", as_=tokens.reader, headers={"If-None-Match": theirs["ETag"]})
    assert crossed.status_code == 200
    assert crossed["ETag"] == ours["ETag"]


def test_a_write_in_another_organisation_leaves_our_etag_alone(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    ours = api.get("/teams", as_=tokens.reader)
    created = api.post("/teams", {"name": "Globex Support"}, as_=tokens.outsider)
    assert created.status_code == 201, created.content
    again = api.get("/teams", as_=tokens.reader, headers={"If-None-Match": ours["ETag"]})
    assert again.status_code == 304


def test_a_single_object_keeps_its_version_as_etag(api: Api, cast: Cast, tokens: Tokens) -> None:
    read = api.get(f"/objectives/{cast.objective.pk}", as_=tokens.reader)
    assert read["ETag"] == f'"{read.json()["version"]}"'
    again = api.get(
        f"/objectives/{cast.objective.pk}",
        as_=tokens.reader,
        headers={"If-None-Match": read["ETag"]},
    )
    assert again.status_code == 200  # answered in full: the tag guards updates (If-Match)


def test_errors_carry_no_etag(api: Api, cast: Cast, tokens: Tokens) -> None:
    missing = api.get("/objectives/999999", as_=tokens.reader)
    assert missing.status_code == 404
    assert not missing.has_header("ETag")
