"""KPIs, measurements and bulk ingestion through the API."""

from __future__ import annotations

from decimal import Decimal

from tandem.api.models import IdempotencyRecord
from tandem.kpis import services as kpis
from tandem.kpis.models import KPI, Measurement, MeasurementBatch, MeasurementRevision
from tests.api.conftest import Api, Tokens, assert_problem, this_week
from tests.conftest import Cast


def counts(answer: dict[str, object]) -> tuple[object, object, object]:
    """A bulk answer's (created, updated, unchanged)."""
    return answer["created"], answer["updated"], answer["unchanged"]


def test_kpi_list_and_read_with_etag(api: Api, cast: Cast, tokens: Tokens, kpi: KPI) -> None:
    listed = api.get(f"/kpis?team={cast.team.pk}", as_=tokens.measurer)
    assert listed.status_code == 200
    assert [k["key"] for k in listed.json()["items"]] == ["churn-rate"]
    read = api.get(f"/kpis/{kpi.pk}", as_=tokens.reader)
    assert read.json()["direction"] == "lower_is_better"
    assert read["ETag"] == f'"{kpi.version}"'


def test_kpi_of_another_organisation_is_404(api: Api, tokens: Tokens, kpi: KPI) -> None:
    assert_problem(api.get(f"/kpis/{kpi.pk}", as_=tokens.outsider), 404)
    assert_problem(api.get(f"/kpis/{kpi.pk}/measurements", as_=tokens.outsider), 404)
    response = api.post(
        f"/kpis/{kpi.pk}/measurements",
        {"period_start": "2026-01-05", "value": 1},
        as_=tokens.outsider,
    )
    assert_problem(response, 404)
    assert not Measurement.objects.exists()


def test_editor_creates_a_kpi_with_a_target_and_tags(api: Api, cast: Cast, tokens: Tokens) -> None:
    response = api.post(
        "/kpis",
        {
            "name": "Net revenue",
            "unit": "currency",
            "currency": "eur",
            "frequency": "monthly",
            "target": "100000.50",
            "tags": ["growth"],
            "owner_user": cast.member.pk,
        },
        as_=tokens.editor,
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["key"] == "net-revenue"
    assert body["currency"] == "EUR"
    assert body["tags"] == ["growth"]
    assert KPI.objects.get(pk=body["id"]).targets.get().target == Decimal("100000.50")


def test_kpi_with_a_taken_key_is_422_naming_key(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI
) -> None:
    response = api.post("/kpis", {"name": "Churn", "key": "churn-rate"}, as_=tokens.owner)
    assert_problem(response, 422, "key")


def test_member_cannot_create_a_kpi(api: Api, tokens: Tokens) -> None:
    assert_problem(api.post("/kpis", {"name": "NPS"}, as_=tokens.member), 403)


def test_kpi_patch_needs_the_current_version(api: Api, tokens: Tokens, kpi: KPI) -> None:
    etag = api.get(f"/kpis/{kpi.pk}", as_=tokens.owner)["ETag"]
    ok = api.patch(
        f"/kpis/{kpi.pk}",
        {"name": "Monthly churn", "tags": ["health"]},
        as_=tokens.owner,
        headers={"If-Match": etag},
    )
    assert ok.status_code == 200, ok.content
    assert ok.json()["tags"] == ["health"]
    assert ok["ETag"] != etag
    stale = api.patch(
        f"/kpis/{kpi.pk}", {"name": "Lost"}, as_=tokens.owner, headers={"If-Match": etag}
    )
    assert_problem(stale, 409, "version")
    kpi.refresh_from_db()
    assert kpi.name == "Monthly churn"


def test_measurement_is_created_then_corrected_then_unchanged(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI
) -> None:
    week = str(this_week(cast.org, 1))
    path = f"/kpis/{kpi.pk}/measurements"
    first = api.post(path, {"period_start": week, "value": "2.5"}, as_=tokens.measurer)
    assert first.status_code == 201, first.content
    assert first.json()["outcome"] == "created"
    assert first.json()["measurement"]["value"] == "2.5000"
    again = api.post(path, {"period_start": week, "value": 2.5}, as_=tokens.measurer)
    assert again.status_code == 200
    assert again.json()["outcome"] == "unchanged"
    fixed = api.post(path, {"period_start": week, "value": 2.4, "note": "typo"}, as_=tokens.owner)
    assert fixed.json()["outcome"] == "updated"
    measurement = Measurement.objects.get()
    assert measurement.value == Decimal("2.4")
    assert measurement.source == "api"
    assert MeasurementRevision.objects.get().value == Decimal("2.5")
    listed = api.get(path, as_=tokens.measurer).json()
    assert [m["value"] for m in listed["items"]] == ["2.4000"]


def test_measurement_for_a_day_that_starts_no_period_is_422(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI
) -> None:
    tuesday = this_week(cast.org, 2).toordinal() + 1
    import datetime as dt

    response = api.post(
        f"/kpis/{kpi.pk}/measurements",
        {"period_start": str(dt.date.fromordinal(tuesday)), "value": 1},
        as_=tokens.owner,
    )
    assert_problem(response, 422, "period_start")


def test_measurements_list_filters_by_period(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI
) -> None:
    for weeks_ago in (3, 2, 1):
        kpis.measurement_record(
            kpi=kpi,
            period_start=this_week(cast.org, weeks_ago),
            value=Decimal(weeks_ago),
            by=None,
        )
    since = this_week(cast.org, 2)
    listed = api.get(f"/kpis/{kpi.pk}/measurements?since={since}", as_=tokens.reader).json()
    assert [m["value"] for m in listed["items"]] == ["2.0000", "1.0000"]
    bad = api.get(f"/kpis/{kpi.pk}/measurements?since=yesterday", as_=tokens.reader)
    assert_problem(bad, 422, "since")


def test_member_records_values_of_their_teams_kpi_only(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI
) -> None:
    week = str(this_week(cast.org, 1))
    mine = api.post(
        f"/kpis/{kpi.pk}/measurements", {"period_start": week, "value": 1}, as_=tokens.member
    )
    assert mine.status_code == 201
    other = kpis.kpi_create(organization=cast.org, name="Cash", owner_user=cast.admin, by=None)
    theirs = api.post(
        f"/kpis/{other.pk}/measurements", {"period_start": week, "value": 1}, as_=tokens.member
    )
    assert_problem(theirs, 403)
    bulk = api.post(
        "/measurements/bulk",
        {"rows": [{"kpi": "cash", "period_start": week, "value": 1}]},
        as_=tokens.member,
    )
    assert_problem(bulk, 403)
    assert Measurement.objects.count() == 1


def test_viewer_cannot_record_measurements(api: Api, cast: Cast, tokens: Tokens, kpi: KPI) -> None:
    week = str(this_week(cast.org, 1))
    single = api.post(
        f"/kpis/{kpi.pk}/measurements", {"period_start": week, "value": 1}, as_=tokens.viewer
    )
    assert_problem(single, 403)
    bulk = api.post(
        "/measurements/bulk",
        {"rows": [{"kpi": kpi.key, "period_start": week, "value": 1}]},
        as_=tokens.viewer,
    )
    assert_problem(bulk, 403)
    assert not Measurement.objects.exists()


def test_read_token_cannot_post_measurements(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI
) -> None:
    week = str(this_week(cast.org, 1))
    response = api.post(
        f"/kpis/{kpi.pk}/measurements", {"period_start": week, "value": 1}, as_=tokens.reader
    )
    assert_problem(response, 403)


# -- bulk -------------------------------------------------------------------------------------


def _kpis(cast: Cast, count: int) -> list[KPI]:
    return [
        kpis.kpi_create(
            organization=cast.org,
            name=f"Metric {n}",
            key=f"metric-{n}",
            frequency="weekly",
            by=None,
        )
        for n in range(count)
    ]


def test_bulk_counts_created_updated_and_unchanged(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI
) -> None:
    weeks = [str(this_week(cast.org, n)) for n in (3, 2, 1)]
    rows = [{"kpi": kpi.key, "period_start": w, "value": n} for n, w in enumerate(weeks)]
    first = api.post("/measurements/bulk", {"rows": rows}, as_=tokens.measurer)
    assert first.status_code == 200, first.content
    assert counts(first.json()) == (3, 0, 0)
    rows[0]["value"] = "7.25"
    rows[1]["kpi"] = kpi.pk  # by id this time
    rows.append({"kpi": kpi.pk, "period_start": str(this_week(cast.org, 4)), "value": 1})
    second = api.post("/measurements/bulk", {"rows": rows}, as_=tokens.measurer)
    assert counts(second.json()) == (1, 1, 2)
    assert Measurement.objects.get(period_start=weeks[0]).value == Decimal("7.25")


def test_bulk_of_ten_thousand_values_sent_twice_changes_nothing_the_second_time(
    api: Api, cast: Cast, tokens: Tokens
) -> None:
    metrics = _kpis(cast, 100)
    rows = [
        {
            "kpi": metric.key,
            "period_start": str(this_week(cast.org, weeks_ago)),
            "value": f"{index}.{weeks_ago}",
        }
        for index, metric in enumerate(metrics)
        for weeks_ago in range(100)
    ]
    assert len(rows) == 10_000
    first = api.post("/measurements/bulk", {"rows": rows}, as_=tokens.owner)
    assert first.status_code == 200, first.content[:500]
    assert counts(first.json()) == (10_000, 0, 0)
    second = api.post("/measurements/bulk", {"rows": rows}, as_=tokens.owner)
    assert counts(second.json()) == (0, 0, 10_000)
    assert second.json()["batch"] is None  # nothing changed: no batch recorded
    assert Measurement.objects.count() == 10_000
    assert not MeasurementRevision.objects.exists()


def test_bulk_over_ten_thousand_rows_is_422(api: Api, cast: Cast, tokens: Tokens, kpi: KPI) -> None:
    row = {"kpi": kpi.key, "period_start": str(this_week(cast.org, 1)), "value": 1}
    response = api.post("/measurements/bulk", {"rows": [row] * 10_001}, as_=tokens.owner)
    assert_problem(response, 422, "rows")
    assert not Measurement.objects.exists()


def test_bulk_with_bad_rows_writes_nothing_and_lists_every_bad_row(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI
) -> None:
    week = str(this_week(cast.org, 1))
    rows = [
        {"kpi": kpi.key, "period_start": week, "value": 1},
        {"kpi": "no-such-kpi", "period_start": week, "value": 1},
        {"kpi": kpi.key, "period_start": str(this_week(cast.org, 2)), "value": "lots"},
        {"kpi": kpi.key, "period_start": "2026-13-01", "value": 1},
        {"kpi": kpi.key, "period_start": str(this_week(cast.org, 3)), "value": 1, "colour": "red"},
    ]
    response = api.post("/measurements/bulk", {"rows": rows}, as_=tokens.owner)
    body = assert_problem(response, 422)
    where = {(e["index"], e["field"]) for e in body["errors"]}
    assert where == {(1, "kpi"), (2, "value"), (3, "period_start"), (4, "colour")}
    assert "4 rows" in body["detail"]
    assert not Measurement.objects.exists()


def test_bulk_row_of_the_wrong_json_type_is_422_with_its_index(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI
) -> None:
    week = str(this_week(cast.org, 1))
    rows = [
        {"kpi": kpi.key, "period_start": week, "value": 1},
        {"kpi": kpi.key, "period_start": week, "value": None},
    ]
    body = assert_problem(api.post("/measurements/bulk", {"rows": rows}, as_=tokens.owner), 422)
    assert {e["index"] for e in body["errors"]} == {1}
    assert not Measurement.objects.exists()


def test_bulk_answer_names_the_batch_that_each_value_it_wrote_names(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI
) -> None:
    weeks = [this_week(cast.org, n) for n in (2, 1)]
    rows = [{"kpi": kpi.key, "period_start": str(w), "value": "5"} for w in weeks]
    answer = api.post("/measurements/bulk", {"rows": rows}, as_=tokens.measurer).json()
    batch = MeasurementBatch.objects.get()
    assert answer == {"created": 2, "updated": 0, "unchanged": 0, "batch": batch.pk}
    listed = api.get(f"/kpis/{kpi.pk}/measurements", as_=tokens.reader).json()["items"]
    assert sorted((m["period_start"], m["batch"]) for m in listed) == [
        (str(w), batch.pk) for w in weeks
    ]
    # A value entered alone belongs to no batch.
    alone = api.post(
        f"/kpis/{kpi.pk}/measurements",
        {"period_start": str(this_week(cast.org, 3)), "value": 1},
        as_=tokens.measurer,
    )
    assert alone.json()["measurement"]["batch"] is None


def test_bulk_rows_of_any_json_shape_are_refused_row_by_row_and_field_by_field(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI
) -> None:
    week = [str(this_week(cast.org, n)) for n in range(1, 8)]
    rows: list[object] = [
        {"kpi": kpi.key, "period_start": week[0], "value": 1},  # good
        5,
        ["churn-rate", week[1], 1],
        {"kpi": [kpi.key], "period_start": week[2], "value": 1},
        {"kpi": kpi.key, "period_start": 20260105, "value": 1},
        {"kpi": kpi.key, "period_start": week[3], "value": True},
        {"kpi": kpi.key, "period_start": week[4], "value": {"amount": 1}},
        {"kpi": kpi.key, "period_start": week[5], "value": 1, "note": 5},
        {"kpi": kpi.key, "period_start": week[6], "value": 1, "note": "half a \ud83d"},
    ]
    for token in (tokens.owner, tokens.member):  # a member's KPI check reads rows too
        body = assert_problem(api.post("/measurements/bulk", {"rows": rows}, as_=token), 422)
        assert [(e["index"], e["field"]) for e in body["errors"]] == [
            (1, "row"),
            (2, "row"),
            (3, "kpi"),
            (4, "period_start"),
            (5, "value"),
            (6, "value"),
            (7, "note"),
            (8, "note"),
        ]
        assert "8 rows" in body["detail"]
    assert not Measurement.objects.exists()


def test_bulk_rows_that_are_not_a_list_is_422_on_rows(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI
) -> None:
    for rows in ("all of them", {"kpi": kpi.key}, None):
        response = api.post("/measurements/bulk", {"rows": rows}, as_=tokens.owner)
        assert_problem(response, 422, "rows")
    assert_problem(api.post("/measurements/bulk", {}, as_=tokens.owner), 422, "rows")
    assert not Measurement.objects.exists()


def test_idempotency_key_replays_the_first_answer(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI
) -> None:
    rows = [{"kpi": kpi.key, "period_start": str(this_week(cast.org, 1)), "value": 3}]
    headers = {"Idempotency-Key": "load-2026-06-14"}
    first = api.post("/measurements/bulk", {"rows": rows}, as_=tokens.owner, headers=headers)
    assert counts(first.json()) == (1, 0, 0)
    # Meanwhile someone corrects the value by hand: the replay must not undo it.
    kpis.measurement_record(kpi=kpi, period_start=this_week(cast.org, 1), value=Decimal(4), by=None)
    replay = api.post("/measurements/bulk", {"rows": rows}, as_=tokens.owner, headers=headers)
    assert replay.status_code == 200
    assert replay.json() == first.json()
    assert replay["Idempotent-Replayed"] == "true"
    assert Measurement.objects.get().value == Decimal(4)
    assert IdempotencyRecord.objects.count() == 1


def test_idempotency_key_with_a_different_batch_is_422(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI
) -> None:
    headers = {"Idempotency-Key": "k1"}
    week = str(this_week(cast.org, 1))
    api.post(
        "/measurements/bulk",
        {"rows": [{"kpi": kpi.key, "period_start": week, "value": 3}]},
        as_=tokens.owner,
        headers=headers,
    )
    other = api.post(
        "/measurements/bulk",
        {"rows": [{"kpi": kpi.key, "period_start": week, "value": 9}]},
        as_=tokens.owner,
        headers=headers,
    )
    assert_problem(other, 422, "Idempotency-Key")
    assert Measurement.objects.get().value == Decimal(3)


def test_idempotency_key_expires_after_a_day(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI
) -> None:
    import datetime as dt

    headers = {"Idempotency-Key": "k1"}
    week = str(this_week(cast.org, 1))
    rows = [{"kpi": kpi.key, "period_start": week, "value": 3}]
    api.post("/measurements/bulk", {"rows": rows}, as_=tokens.owner, headers=headers)
    record = IdempotencyRecord.objects.get()
    IdempotencyRecord.objects.filter(pk=record.pk).update(
        created_at=record.created_at - dt.timedelta(hours=25)
    )
    again = api.post("/measurements/bulk", {"rows": rows}, as_=tokens.owner, headers=headers)
    assert counts(again.json()) == (0, 0, 1)
    assert IdempotencyRecord.objects.get().created_at > record.created_at


def test_rejected_batch_is_not_kept_for_replay(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI
) -> None:
    headers = {"Idempotency-Key": "k1"}
    week = str(this_week(cast.org, 1))
    bad = api.post(
        "/measurements/bulk",
        {"rows": [{"kpi": "nope", "period_start": week, "value": 3}]},
        as_=tokens.owner,
        headers=headers,
    )
    assert_problem(bad, 422, "kpi")
    fixed = api.post(
        "/measurements/bulk",
        {"rows": [{"kpi": kpi.key, "period_start": week, "value": 3}]},
        as_=tokens.owner,
        headers=headers,
    )
    assert counts(fixed.json()) == (1, 0, 0)


def test_another_tokens_idempotency_key_is_its_own(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI
) -> None:
    headers = {"Idempotency-Key": "nightly"}
    week = str(this_week(cast.org, 1))
    rows = [{"kpi": kpi.key, "period_start": week, "value": 3}]
    api.post("/measurements/bulk", {"rows": rows}, as_=tokens.owner, headers=headers)
    rows[0]["value"] = 5
    second = api.post("/measurements/bulk", {"rows": rows}, as_=tokens.measurer, headers=headers)
    assert counts(second.json()) == (0, 1, 0)


def test_a_kpi_says_which_period_a_value_measured_today_belongs_to(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI
) -> None:
    monthly = kpis.kpi_create(
        organization=cast.org, name="Revenue", key="revenue", frequency="monthly", by=cast.owner
    )
    weekly = api.get(f"/kpis/{kpi.pk}", as_=tokens.reader).json()
    assert weekly["current_period_start"] == this_week(cast.org).isoformat()
    today = cast.org.today()
    month = api.get(f"/kpis/{monthly.pk}", as_=tokens.reader).json()
    assert month["current_period_start"] == today.replace(day=1).isoformat()
    # What it names is accepted as a period start.
    response = api.post(
        f"/kpis/{kpi.pk}/measurements",
        {"period_start": weekly["current_period_start"], "value": 3},
        as_=tokens.measurer,
    )
    assert response.status_code == 201


def test_the_api_answers_a_bad_batch_in_english_whatever_language_is_asked_for(
    api: Api, cast: Cast, tokens: Tokens, kpi: KPI
):
    from tandem.accounts import services as accounts

    accounts.user_language_set(user=cast.owner, language="de", organization=cast.org)
    accounts.organization_update(organization=cast.org, by=cast.owner, language="fr")
    rows = [
        {"kpi": kpi.key, "period_start": str(this_week(cast.org, 1)), "value": "lots"},
        {"kpi": "nope", "period_start": "2026-02-30", "value": "1"},
    ]
    response = api.post(
        "/measurements/bulk", {"rows": rows}, as_=tokens.owner, headers={"Accept-Language": "de"}
    )
    body = assert_problem(response, 422)
    messages = [e["message"] for e in body["errors"]]
    assert "“lots” is not a number." in messages
    assert f"No KPI “nope” in {cast.org.name}." in messages
    assert "“2026-02-30” is not a date in the calendar." in messages
    assert not Measurement.objects.filter(kpi=kpi).exists()
