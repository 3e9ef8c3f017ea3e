"""KPI services against a real database: creating and changing KPIs, targets over time,
measurements and their corrections, KPI-backed key results, promotion and demotion.

Every refusal is also checked to leave the database exactly as it was.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from tandem.audit.models import AuditEvent
from tandem.domain.health import Health
from tandem.kpis import selectors, services
from tandem.kpis.models import (
    KPI,
    Direction,
    Frequency,
    KPITag,
    KPITarget,
    Measurement,
    MeasurementRevision,
    Promotion,
    Unit,
)
from tandem.okrs import services as okrs
from tandem.okrs.models import CheckIn, Cycle, KeyResult, Objective
from tests.conftest import Cast
from tests.kpis.conftest import (
    TODAY,
    audits_of,
    changes,
    errors_of,
    fresh,
    make_kpi,
    nothing_written,
    record,
    weeks_from,
)

D = Decimal


# -- creating a KPI ---------------------------------------------------------------------


def test_kpi_key_is_made_from_its_name_and_creation_is_audited(cast: Cast):
    kpi = make_kpi(cast, name="  Client satisfaction (NPS) ")
    kpi = KPI.objects.get(pk=kpi.pk)
    assert kpi.name == "Client satisfaction (NPS)"
    assert kpi.key == "client-satisfaction-nps"
    assert kpi.owner_team == cast.team
    [event] = audits_of(kpi)
    assert event.action == "kpi.create"
    assert event.actor == cast.owner
    [target] = kpi.targets.all()
    assert (target.target, target.yellow) == (D(10), D(8))


def test_a_kpi_without_any_target_is_created_without_a_target_row(cast: Cast):
    kpi = services.kpi_create(organization=cast.org, name="Website visits", by=cast.owner)
    assert not kpi.targets.exists()


def test_a_given_key_is_kept(cast: Cast):
    kpi = make_kpi(cast, name="Churn", key="churn-rate")
    assert kpi.key == "churn-rate"


def test_a_duplicate_key_is_refused_naming_key(cast: Cast):
    make_kpi(cast, name="Churn rate")
    with nothing_written(), pytest.raises(ValidationError) as exc:
        make_kpi(cast, name="Churn  rate", owner_team=None)
    assert "churn-rate" in errors_of(exc)["key"][0]


def test_the_same_key_is_free_in_another_organisation(cast: Cast):
    make_kpi(cast, name="Churn rate")
    theirs = services.kpi_create(organization=cast.other_org, name="Churn rate", by=cast.outsider)
    assert theirs.key == "churn-rate"


def test_an_invalid_key_is_refused_naming_key(cast: Cast):
    with nothing_written(), pytest.raises(ValidationError) as exc:
        make_kpi(cast, key="churn rate!")
    assert "key" in errors_of(exc)


def test_a_kpi_owned_by_a_team_and_a_person_is_refused(cast: Cast):
    with nothing_written(), pytest.raises(ValidationError) as exc:
        make_kpi(cast, owner_team=cast.team, owner_user=cast.member)
    assert "one team or one person" in errors_of(exc)["owner"][0]


def test_a_team_of_another_organisation_cannot_own_a_kpi(cast: Cast):
    with nothing_written(), pytest.raises(ValidationError) as exc:
        make_kpi(cast, owner_team=cast.other_team)
    assert "owner_team" in errors_of(exc)


def test_a_currency_kpi_needs_a_currency_code(cast: Cast):
    with nothing_written(), pytest.raises(ValidationError) as exc:
        make_kpi(cast, unit=Unit.CURRENCY)
    assert "currency" in errors_of(exc)["currency"][0]
    with nothing_written(), pytest.raises(ValidationError) as exc:
        make_kpi(cast, unit=Unit.CURRENCY, currency="EURO")
    assert "EURO" in errors_of(exc)["currency"][0]
    kpi = make_kpi(cast, unit=Unit.CURRENCY, currency=" eur ")
    assert fresh(kpi).currency == "EUR"


def test_an_unknown_direction_is_refused_naming_direction(cast: Cast):
    with nothing_written(), pytest.raises(ValidationError) as exc:
        make_kpi(cast, direction="sideways")
    assert "direction" in errors_of(exc)


@pytest.mark.parametrize(
    ("direction", "thresholds", "field"),
    [
        (Direction.HIGHER_IS_BETTER, {"target": None, "yellow": "8"}, "target"),
        (Direction.LOWER_IS_BETTER, {"target": "", "yellow": "8"}, "target"),
        (Direction.HIGHER_IS_BETTER, {"target": "10", "yellow": "12"}, "yellow"),
        (Direction.LOWER_IS_BETTER, {"target": "10", "yellow": "8"}, "yellow"),
        (Direction.WITHIN_RANGE, {"target": "10", "yellow": None, "high": "12"}, "low"),
        (Direction.WITHIN_RANGE, {"target": "10", "yellow": None, "low": "8"}, "high"),
        (Direction.WITHIN_RANGE, {"target": None, "yellow": None, "low": "5", "high": "3"}, "high"),
        (Direction.HIGHER_IS_BETTER, {"target": "ten"}, "target"),
        (Direction.HIGHER_IS_BETTER, {"target": "NaN"}, "target"),
        (Direction.HIGHER_IS_BETTER, {"yellow": "1e30"}, "yellow"),
    ],
)
def test_targets_are_validated_per_direction_naming_the_field(
    cast: Cast, direction: str, thresholds: dict[str, Any], field: str
):
    with nothing_written(), pytest.raises(ValidationError) as exc:
        make_kpi(cast, direction=direction, **thresholds)
    assert field in errors_of(exc)


def test_a_within_range_kpi_is_created_with_its_range(cast: Cast):
    kpi = make_kpi(
        cast,
        name="Stock days",
        direction=Direction.WITHIN_RANGE,
        target=None,
        yellow=None,
        low="20",
        high="30",
        tolerance="5",
    )
    [target] = kpi.targets.all()
    assert (target.low, target.high, target.tolerance) == (D(20), D(30), D(5))


# -- changing a KPI ---------------------------------------------------------------------


def test_kpi_update_changes_fields_bumps_the_version_and_audits_the_difference(cast: Cast):
    kpi = make_kpi(cast)
    updated = services.kpi_update(
        kpi=kpi, by=cast.editor, version=1, name="Tier-one accounts signed", frequency="monthly"
    )
    assert (updated.name, updated.frequency, updated.version) == (
        "Tier-one accounts signed",
        Frequency.MONTHLY,
        2,
    )
    event = audits_of(kpi)[-1]
    assert event.action == "kpi.update"
    assert event.actor == cast.editor
    before, after = changes(event)
    assert (before["frequency"], after["frequency"]) == ("weekly", "monthly")
    assert "key" not in after


def test_kpi_update_with_a_stale_version_is_a_conflict_and_changes_nothing(cast: Cast):
    kpi = make_kpi(cast)
    services.kpi_update(kpi=kpi, by=cast.editor, version=1, name="First edit")
    with nothing_written(), pytest.raises(ValidationError) as exc:
        services.kpi_update(kpi=kpi, by=cast.member, version=1, name="Second edit")
    assert exc.value.error_dict["version"][0].code == "conflict"
    assert "Someone else changed" in errors_of(exc)["version"][0]
    assert fresh(kpi).name == "First edit"


def test_kpi_update_refuses_fields_it_does_not_change(cast: Cast):
    kpi = make_kpi(cast)
    with pytest.raises(TypeError):
        services.kpi_update(kpi=kpi, by=cast.owner, latest_value=D(3))


def test_kpi_update_refuses_a_team_of_another_organisation(cast: Cast):
    kpi = make_kpi(cast)
    with nothing_written(), pytest.raises(ValidationError) as exc:
        services.kpi_update(kpi=kpi, by=cast.owner, owner_team=cast.other_team)
    assert "owner_team" in errors_of(exc)
    assert fresh(kpi).owner_team == cast.team


def test_a_person_outside_the_organisation_cannot_own_a_kpi(cast: Cast):
    with nothing_written(), pytest.raises(ValidationError) as exc:
        make_kpi(cast, owner_team=None, owner_user=cast.outsider)
    assert "owner_user" in errors_of(exc)
    kpi = make_kpi(cast, owner_team=None, owner_user=cast.member)
    with nothing_written(), pytest.raises(ValidationError) as exc:
        services.kpi_update(kpi=kpi, by=cast.owner, owner_user=cast.outsider)
    assert "owner_user" in errors_of(exc)


def test_kpi_update_refuses_a_second_owner(cast: Cast):
    kpi = make_kpi(cast)
    with nothing_written(), pytest.raises(ValidationError) as exc:
        services.kpi_update(kpi=kpi, by=cast.owner, owner_user=cast.member)
    assert "owner" in errors_of(exc)


def test_kpi_update_refuses_a_key_another_kpi_uses(cast: Cast):
    make_kpi(cast, name="Churn rate")
    kpi = make_kpi(cast, name="Renewals")
    with nothing_written(), pytest.raises(ValidationError) as exc:
        services.kpi_update(kpi=kpi, by=cast.owner, key="churn-rate")
    assert "churn-rate" in errors_of(exc)["key"][0]


def test_tags_are_set_on_creation_and_replaced_on_update(cast: Cast):
    kpi = make_kpi(cast, tags=["Growth", " Sales ", "Growth", ""])
    assert sorted(t.name for t in kpi.tags.all()) == ["Growth", "Sales"]
    services.kpi_update(kpi=kpi, by=cast.owner, tags=["Growth", "Profitability"])
    assert sorted(t.name for t in kpi.tags.all()) == ["Growth", "Profitability"]
    services.kpi_update(kpi=kpi, by=cast.owner, name="Renamed")
    assert sorted(t.name for t in kpi.tags.all()) == ["Growth", "Profitability"]
    other = make_kpi(cast, name="Margin", tags=["Profitability"])
    assert KPITag.objects.filter(organization=cast.org, name="Profitability").count() == 1
    assert set(other.tags.all()) <= set(kpi.tags.all())
    services.kpi_update(kpi=kpi, by=cast.owner, tags=[])
    assert not kpi.tags.exists()


def test_a_tag_name_too_long_is_refused_naming_tags(cast: Cast):
    with nothing_written(), pytest.raises(ValidationError) as exc:
        make_kpi(cast, tags=["x" * 61])
    assert "tags" in errors_of(exc)


def test_archiving_a_kpi_hides_it_from_the_list(cast: Cast):
    kpi = make_kpi(cast)
    services.kpi_update(kpi=kpi, by=cast.owner, is_active=False)
    assert list(selectors.kpi_list(organization=cast.org)) == []
    assert list(selectors.kpi_list(organization=cast.org, include_archived=True)) == [kpi]


# -- targets over time ------------------------------------------------------------------


def test_a_new_target_applies_from_its_date_and_earlier_periods_keep_the_old_colour(cast: Cast):
    kpi = make_kpi(cast, target="10", yellow="8")
    weeks = weeks_from(dt.date(2026, 5, 4), 6)
    for start in weeks:
        record(kpi, start, "9")
    services.kpi_set_target(
        kpi=kpi, effective_from=weeks[3], target="9", yellow="7", by=cast.editor
    )
    board = selectors.scorecard(organization=cast.org, periods=6, today=weeks[-1])
    [row] = board.rows
    assert board.columns == weeks
    assert [c.health for c in row.cells] == [Health.YELLOW] * 3 + [Health.GREEN] * 3
    assert row.target is not None
    assert row.target.target == D(9)
    assert [e.action for e in AuditEvent.objects.filter(target_type="kpitarget")] == ["kpi.target"]


def test_setting_a_target_again_on_the_same_date_replaces_it(cast: Cast):
    kpi = make_kpi(cast)
    day = dt.date(2026, 5, 4)
    first = services.kpi_set_target(kpi=kpi, effective_from=day, target="12", by=cast.owner)
    created_at = KPITarget.objects.get(pk=first.pk).created_at
    second = services.kpi_set_target(kpi=kpi, effective_from=day, target="14", by=cast.owner)
    assert second.pk == first.pk
    stored = KPITarget.objects.get(pk=first.pk)
    assert (stored.target, stored.created_at) == (D(14), created_at)
    assert kpi.targets.count() == 2
    event = audits_of(second)[-1]
    before, after = changes(event)
    assert (before["target"], after["target"]) == ("12.0000", "14")


def test_an_invalid_new_target_is_refused_and_changes_nothing(cast: Cast):
    kpi = make_kpi(cast)
    with nothing_written(), pytest.raises(ValidationError) as exc:
        services.kpi_set_target(
            kpi=kpi, effective_from=dt.date(2026, 5, 4), target="10", yellow="11", by=cast.owner
        )
    assert "yellow" in errors_of(exc)
    with nothing_written(), pytest.raises(ValidationError) as exc:
        services.kpi_set_target(
            kpi=kpi, effective_from=dt.date(2026, 5, 4), target="lots", by=cast.owner
        )
    assert "target" in errors_of(exc)


# -- measurements -----------------------------------------------------------------------


def test_a_first_value_is_created_audited_and_becomes_the_latest(cast: Cast):
    kpi = make_kpi(cast)
    monday = dt.date(2026, 6, 1)
    measurement, outcome = record(kpi, monday, "1,250.5", by=cast.member, note=" From the CRM ")
    assert outcome == "created"
    measurement = Measurement.objects.get(pk=measurement.pk)
    assert (measurement.value, measurement.note, measurement.source) == (
        D("1250.5"),
        "From the CRM",
        "manual",
    )
    assert measurement.recorded_by == cast.member
    [event] = audits_of(measurement)
    assert (event.action, event.source) == ("measurement.create", "web")
    kpi = fresh(kpi)
    assert (kpi.latest_period, kpi.latest_value) == (monday, D("1250.5"))


def test_an_imported_value_is_audited_as_an_import(cast: Cast):
    kpi = make_kpi(cast)
    measurement, _ = record(kpi, dt.date(2026, 6, 1), "3", source="import")
    assert audits_of(measurement)[0].source == "import"


def test_an_unknown_source_is_refused_naming_source(cast: Cast):
    kpi = make_kpi(cast)
    with nothing_written(), pytest.raises(ValidationError) as exc:
        record(kpi, dt.date(2026, 6, 1), "3", source="fax")
    assert "fax" in errors_of(exc)["source"][0]


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("twelve", "not a number"),
        ("NaN", "not a finite number"),
        ("Infinity", "not a finite number"),
        ("1e16", "too large"),
        ("99999999999999999999", "too large"),
        ("", "Enter a value"),
        (None, "Enter a value"),
    ],
)
def test_a_value_that_is_not_a_storable_number_is_refused_naming_value(
    cast: Cast, value: str | None, says: str
):
    kpi = make_kpi(cast)
    with nothing_written(), pytest.raises(ValidationError) as exc:
        record(kpi, dt.date(2026, 6, 1), value)
    assert says in errors_of(exc)["value"][0]


def test_a_value_that_rounds_past_the_largest_storable_amount_is_refused(cast: Cast):
    kpi = make_kpi(cast)
    with nothing_written(), pytest.raises(ValidationError) as exc:
        record(kpi, dt.date(2026, 6, 1), "9999999999999999.99999")
    assert "too large" in errors_of(exc)["value"][0]


def test_a_day_that_does_not_start_a_week_is_refused_with_the_weeks_start(cast: Cast):
    kpi = make_kpi(cast)
    with nothing_written(), pytest.raises(ValidationError) as exc:
        record(kpi, dt.date(2026, 6, 3), "5")
    message = errors_of(exc)["period_start"][0]
    assert "2026-06-03" in message
    assert "starts on 2026-06-01" in message


def test_a_day_that_does_not_start_a_month_is_refused_with_the_months_start(cast: Cast):
    kpi = make_kpi(cast, frequency=Frequency.MONTHLY)
    with nothing_written(), pytest.raises(ValidationError) as exc:
        record(kpi, dt.date(2026, 3, 15), "5")
    assert "starts on 2026-03-01" in errors_of(exc)["period_start"][0]


def test_a_future_period_is_refused_and_the_current_one_accepted(cast: Cast):
    kpi = make_kpi(cast)
    with nothing_written(), pytest.raises(ValidationError) as exc:
        record(kpi, dt.date(2026, 6, 15), "5", today=TODAY)
    assert "future" in errors_of(exc)["period_start"][0]
    _, outcome = record(kpi, dt.date(2026, 6, 8), "5", today=TODAY)
    assert outcome == "created"


def test_the_same_value_again_is_unchanged_and_writes_nothing(cast: Cast):
    kpi = make_kpi(cast)
    monday = dt.date(2026, 6, 1)
    measurement, _ = record(kpi, monday, "7", by=cast.member, note="weekly call")
    with nothing_written():
        again, outcome = record(kpi, monday, "7.00", by=cast.editor)
        assert outcome == "unchanged"
        assert again.pk == measurement.pk
        _, outcome = record(kpi, monday, "7", by=cast.editor, note="weekly call")
        assert outcome == "unchanged"
    measurement = fresh(measurement)
    assert (measurement.version, measurement.recorded_by) == (1, cast.member)
    assert not MeasurementRevision.objects.exists()
    assert len(audits_of(measurement)) == 1


def test_a_value_with_more_decimals_than_stored_is_unchanged_when_entered_again(cast: Cast):
    kpi = make_kpi(cast)
    monday = dt.date(2026, 6, 1)
    measurement, _ = record(kpi, monday, "0.123456")
    assert fresh(measurement).value == D("0.1235")
    with nothing_written():
        _, outcome = record(kpi, monday, "0.123456")
    assert outcome == "unchanged"


def test_a_different_value_is_a_correction_that_keeps_the_old_one(cast: Cast):
    kpi = make_kpi(cast)
    monday = dt.date(2026, 6, 1)
    measurement, _ = record(kpi, monday, "7", by=cast.member, note="first count")
    audits_before = AuditEvent.objects.count()
    corrected, outcome = record(kpi, monday, "9", by=cast.editor, note="two were missed")
    assert outcome == "updated"
    assert corrected.pk == measurement.pk
    corrected = fresh(corrected)
    assert (corrected.value, corrected.version, corrected.recorded_by) == (D(9), 2, cast.editor)
    assert corrected.note == "two were missed"
    [revision] = corrected.revisions.all()
    assert (revision.value, revision.note, revision.recorded_by) == (
        D(7),
        "first count",
        cast.member,
    )
    assert revision.recorded_at == measurement.recorded_at
    assert Measurement.objects.count() == 1
    assert AuditEvent.objects.count() == audits_before + 1
    event = audits_of(corrected)[-1]
    assert event.action == "measurement.correct"
    before, after = changes(event)
    assert (before["value"], after["value"]) == ("7.0000", "9.0000")
    assert fresh(kpi).latest_value == D(9)


def test_a_new_note_on_the_same_value_is_a_correction(cast: Cast):
    kpi = make_kpi(cast)
    monday = dt.date(2026, 6, 1)
    record(kpi, monday, "7")
    measurement, outcome = record(kpi, monday, "7", note="checked twice")
    assert outcome == "updated"
    assert fresh(measurement).note == "checked twice"
    assert measurement.revisions.count() == 1


def test_the_latest_value_is_the_latest_period_not_the_latest_entry(cast: Cast):
    kpi = make_kpi(cast)
    record(kpi, dt.date(2026, 6, 8), "4")
    record(kpi, dt.date(2026, 6, 1), "6")
    kpi = fresh(kpi)
    assert (kpi.latest_period, kpi.latest_value) == (dt.date(2026, 6, 8), D(4))


def test_weeks_start_on_the_organisations_week_start(cast: Cast):
    cast.org.week_start = 7
    cast.org.save()
    kpi = make_kpi(cast)
    _, outcome = record(kpi, dt.date(2026, 6, 7), "5")
    assert outcome == "created"
    with nothing_written(), pytest.raises(ValidationError) as exc:
        record(kpi, dt.date(2026, 6, 8), "5")
    assert "starts on 2026-06-07" in errors_of(exc)["period_start"][0]


@pytest.mark.parametrize(
    ("fiscal_start", "good", "bad", "right_start"),
    [
        (1, dt.date(2026, 4, 1), dt.date(2026, 2, 1), "2026-01-01"),
        (4, dt.date(2026, 1, 1), dt.date(2026, 3, 1), "2026-01-01"),
        (2, dt.date(2026, 5, 1), dt.date(2026, 1, 1), "2025-11-01"),
    ],
)
def test_quarters_follow_the_fiscal_year_start_month(
    cast: Cast, fiscal_start: int, good: dt.date, bad: dt.date, right_start: str
):
    cast.org.fiscal_year_start_month = fiscal_start
    cast.org.save()
    kpi = make_kpi(cast, frequency=Frequency.QUARTERLY)
    assert record(kpi, good, "5")[1] == "created"
    with nothing_written(), pytest.raises(ValidationError) as exc:
        record(kpi, bad, "5")
    assert f"starts on {right_start}" in errors_of(exc)["period_start"][0]


def test_months_are_calendar_months_whatever_the_fiscal_year(cast: Cast):
    cast.org.fiscal_year_start_month = 4
    cast.org.save()
    kpi = make_kpi(cast, frequency=Frequency.MONTHLY)
    assert record(kpi, dt.date(2026, 2, 1), "5")[1] == "created"


@pytest.mark.parametrize(
    ("zone", "accepted"), [("Asia/Tokyo", True), ("UTC", False), ("America/New_York", False)]
)
def test_the_organisations_timezone_decides_which_week_is_current(
    cast: Cast, monkeypatch: pytest.MonkeyPatch, zone: str, accepted: bool
):
    # Sunday 23:30 UTC is already Monday morning in Tokyo: a value for the new week is
    # for the current period there, and for a future one in London or New York.
    sunday_night = dt.datetime(2026, 6, 14, 23, 30, tzinfo=dt.UTC)
    monkeypatch.setattr(timezone, "now", lambda: sunday_night)
    cast.org.timezone = zone
    cast.org.save()
    kpi = make_kpi(cast)
    monday = dt.date(2026, 6, 15)
    if accepted:
        _, outcome = services.measurement_record(
            kpi=kpi, period_start=monday, value="5", by=cast.member
        )
        assert outcome == "created"
    else:
        with nothing_written(), pytest.raises(ValidationError) as exc:
            services.measurement_record(kpi=kpi, period_start=monday, value="5", by=cast.member)
        assert "future" in errors_of(exc)["period_start"][0]


# -- KPI-backed key results -------------------------------------------------------------


@pytest.fixture
def accounts_kr(cast: Cast, q1: Cycle) -> tuple[KPI, KeyResult]:
    """ "Sign 5 tier-one accounts" in Q1 2026, and the weekly count of tier-one accounts
    signed (summed over a month)."""
    kpi = make_kpi(cast, name="Tier-one accounts signed", target="1", yellow="0", aggregation="sum")
    objective = okrs.objective_create(
        organization=cast.org,
        cycle=q1,
        owner_team=cast.team,
        title="Win the region's biggest clients",
        by=cast.owner,
    )
    kr = okrs.key_result_create(
        objective=objective,
        title="Sign 5 tier-one accounts",
        baseline=D(0),
        target=D(5),
        owner=cast.member,
        by=cast.owner,
    )
    return kpi, kr


def test_a_summed_key_result_adds_up_the_kpis_values_in_the_cycle(
    cast: Cast, accounts_kr: tuple[KPI, KeyResult]
):
    kpi, kr = accounts_kr
    record(kpi, dt.date(2025, 12, 29), "4")  # its week starts before the cycle
    record(kpi, dt.date(2026, 1, 5), "1")
    record(kpi, dt.date(2026, 1, 12), "2")
    record(kpi, dt.date(2026, 4, 6), "9")  # after the cycle
    services.key_result_link_kpi(key_result=kr, kpi=kpi, by=cast.editor, aggregation="sum")
    kr = fresh(kr)
    assert (kr.kpi, kr.kpi_aggregation, kr.current, kr.progress) == (kpi, "sum", D(3), D("0.6"))
    assert fresh(kr.objective).progress == D("0.6")
    assert audits_of(kr)[-1].action == "key_result.link_kpi"


def test_a_kpi_backed_key_result_follows_each_new_measurement(
    cast: Cast, accounts_kr: tuple[KPI, KeyResult]
):
    kpi, kr = accounts_kr
    services.key_result_link_kpi(key_result=kr, kpi=kpi, by=cast.editor, aggregation="sum")
    kr = fresh(kr)
    assert (kr.current, kr.progress, kr.last_checkin_at) == (None, D(0), None)
    measurement, _ = record(kpi, dt.date(2026, 1, 5), "2")
    kr = fresh(kr)
    assert (kr.current, kr.progress) == (D(2), D("0.4"))
    assert kr.last_checkin_at == fresh(measurement).recorded_at
    assert fresh(kr.objective).last_checkin_at == kr.last_checkin_at
    record(kpi, dt.date(2026, 2, 2), "2")
    record(kpi, dt.date(2026, 1, 5), "1")  # a correction counts too
    kr = fresh(kr)
    assert (kr.current, kr.progress) == (D(3), D("0.6"))
    assert fresh(kr.objective).progress == D("0.6")
    record(kpi, dt.date(2026, 4, 6), "10")  # outside the cycle
    assert fresh(kr).current == D(3)
    assert not CheckIn.objects.filter(key_result=kr).exists()


def test_a_key_result_can_read_the_latest_value_in_the_cycle(cast: Cast, q1: Cycle):
    kpi = make_kpi(cast, name="Client satisfaction", target="90", yellow="80")
    objective = okrs.objective_create(
        organization=cast.org, cycle=q1, owner_team=cast.team, title="Delight", by=cast.owner
    )
    kr = okrs.key_result_create(
        objective=objective, title="Satisfaction to 90", baseline=D(70), target=D(90), by=None
    )
    services.key_result_link_kpi(key_result=kr, kpi=kpi, by=cast.editor, aggregation="last")
    record(kpi, dt.date(2026, 1, 26), "80")
    record(kpi, dt.date(2026, 1, 5), "75")
    record(kpi, dt.date(2026, 4, 6), "95")  # after the cycle
    kr = fresh(kr)
    assert (kr.current, kr.progress) == (D(80), D("0.5"))


def test_a_key_result_can_read_the_average_over_the_cycle(cast: Cast, q1: Cycle):
    kpi = make_kpi(cast, name="Response time", direction="lower_is_better", target="4", yellow="6")
    objective = okrs.objective_create(
        organization=cast.org, cycle=q1, owner_team=cast.team, title="Answer fast", by=cast.owner
    )
    kr = okrs.key_result_create(
        objective=objective, title="Response time to 4h", baseline=D(10), target=D(4), by=None
    )
    for start, value in zip(weeks_from(dt.date(2026, 1, 5), 3), ["8", "7", "6"], strict=True):
        record(kpi, start, value)
    services.key_result_link_kpi(key_result=kr, kpi=kpi, by=cast.editor, aggregation="average")
    kr = fresh(kr)
    assert (kr.current, kr.progress) == (D(7), D("0.5"))


def test_a_milestone_key_result_cannot_read_a_kpi(cast: Cast):
    kpi = make_kpi(cast)
    milestone = okrs.key_result_create(
        objective=cast.objective, title="Launch the portal", kind="milestone", by=cast.owner
    )
    with nothing_written(), pytest.raises(ValidationError) as exc:
        services.key_result_link_kpi(key_result=milestone, kpi=kpi, by=cast.owner)
    assert "metric" in errors_of(exc)["kpi"][0]
    assert fresh(milestone).kpi is None


def test_a_key_result_cannot_read_a_kpi_of_another_organisation(cast: Cast):
    theirs = services.kpi_create(organization=cast.other_org, name="Globex sales", by=None)
    with nothing_written(), pytest.raises(ValidationError) as exc:
        services.key_result_link_kpi(key_result=cast.kr, kpi=theirs, by=cast.owner)
    assert "kpi" in errors_of(exc)


@pytest.mark.parametrize("aggregation", ["max", "min", "median"])
def test_a_key_result_reads_only_the_last_value_a_sum_or_an_average(cast: Cast, aggregation: str):
    kpi = make_kpi(cast)
    with nothing_written(), pytest.raises(ValidationError) as exc:
        services.key_result_link_kpi(
            key_result=cast.kr, kpi=kpi, by=cast.owner, aggregation=aggregation
        )
    assert aggregation in errors_of(exc)["kpi_aggregation"][0]


def test_a_key_result_of_a_closed_cycle_cannot_be_linked(
    cast: Cast, accounts_kr: tuple[KPI, KeyResult]
):
    kpi, kr = accounts_kr
    record(kpi, dt.date(2026, 1, 5), "3")
    okrs.cycle_close(cycle=kr.objective.cycle, by=cast.owner)
    kr = fresh(kr)
    with nothing_written(), pytest.raises(ValidationError) as exc:
        services.key_result_link_kpi(key_result=kr, kpi=kpi, by=cast.owner, aggregation="sum")
    assert "closed" in errors_of(exc)["kpi"][0]
    assert (fresh(kr).kpi, fresh(kr).current) == (None, None)


def test_after_the_cycle_closes_new_measurements_leave_its_key_results_alone(
    cast: Cast, accounts_kr: tuple[KPI, KeyResult]
):
    kpi, kr = accounts_kr
    services.key_result_link_kpi(key_result=kr, kpi=kpi, by=cast.editor, aggregation="sum")
    record(kpi, dt.date(2026, 1, 5), "2")
    okrs.cycle_close(cycle=kr.objective.cycle, by=cast.owner)
    objective = fresh(kr.objective)
    record(kpi, dt.date(2026, 1, 12), "3")
    record(kpi, dt.date(2026, 1, 5), "1")
    kr = fresh(kr)
    assert (kr.current, kr.progress) == (D(2), D("0.4"))
    assert fresh(objective).progress == objective.progress == D("0.4")
    assert fresh(objective).score == D("0.4")


def test_a_manual_check_in_on_a_kpi_backed_key_result_is_refused(
    cast: Cast, accounts_kr: tuple[KPI, KeyResult]
):
    kpi, kr = accounts_kr
    services.key_result_link_kpi(key_result=kr, kpi=kpi, by=cast.editor, aggregation="sum")
    with nothing_written(), pytest.raises(ValidationError) as exc:
        okrs.key_result_check_in(key_result=kr, value="4", confidence=7, by=cast.member)
    message = errors_of(exc)["value"][0]
    assert "“Tier-one accounts signed”" in message
    assert "record a measurement there" in message


def test_an_unlinked_key_result_takes_manual_check_ins_again(
    cast: Cast, accounts_kr: tuple[KPI, KeyResult]
):
    kpi, kr = accounts_kr
    services.key_result_link_kpi(key_result=kr, kpi=kpi, by=cast.editor, aggregation="sum")
    services.key_result_link_kpi(key_result=kr, kpi=None, by=cast.editor)
    okrs.key_result_check_in(key_result=kr, value="4", confidence=7, by=cast.member)
    assert fresh(kr).current == D(4)
    record(kpi, dt.date(2026, 1, 5), "1")
    assert fresh(kr).current == D(4)


# -- promotion and demotion -------------------------------------------------------------


@pytest.fixture
def red_kpi(cast: Cast) -> KPI:
    """Client satisfaction, target 90 (yellow from 80), red for three weeks: 60, 55, 50."""
    kpi = make_kpi(cast, name="Client satisfaction", target="90", yellow="80")
    for start, value in zip(weeks_from(dt.date(2026, 1, 5), 3), ["60", "55", "50"], strict=True):
        record(kpi, start, value)
    return fresh(kpi)


def test_promotion_creates_a_committed_objective_with_a_key_result_backed_by_the_kpi(
    cast: Cast, red_kpi: KPI, q1: Cycle
):
    promotion = services.kpi_promote(kpi=red_kpi, cycle=q1, by=cast.editor, reason="Three reds")
    promotion = Promotion.objects.get(pk=promotion.pk)
    assert (promotion.kpi, promotion.promoted_by, promotion.reason) == (
        red_kpi,
        cast.editor,
        "Three reds",
    )
    assert promotion.is_open
    objective = promotion.objective
    assert objective.cycle == q1
    assert objective.kind == Objective.Kind.COMMITTED
    assert objective.state == Objective.State.ACTIVE
    assert (objective.owner_team, objective.owner_user) == (cast.team, None)
    assert objective.title == "Get Client satisfaction back on target"
    [kr] = objective.key_results.all()
    assert (kr.kpi, kr.kpi_aggregation, kr.baseline, kr.target) == (red_kpi, "last", D(50), D(90))
    assert kr.title == "Client satisfaction from 50 to 90"
    assert (kr.current, kr.progress) == (D(50), D(0))
    actions = set(AuditEvent.objects.filter(organization=cast.org).values_list("action", flat=True))
    assert {"objective.create", "key_result.create", "key_result.link_kpi"} <= actions
    [event] = audits_of(promotion)
    assert (event.action, event.actor) == ("kpi.promote", cast.editor)
    assert list(red_kpi.promotions.all()) == [promotion]


def test_a_promoted_kpi_owned_by_a_person_gives_them_the_objective_and_key_result(
    cast: Cast, q1: Cycle
):
    kpi = make_kpi(
        cast,
        owner_team=None,
        owner_user=cast.member,
        name="Defects",
        target="5",
        yellow="8",
        direction="lower_is_better",
    )
    record(kpi, dt.date(2026, 1, 5), "12.5")
    promotion = services.kpi_promote(kpi=kpi, cycle=q1, by=cast.editor)
    objective = promotion.objective
    assert (objective.owner_team, objective.owner_user) == (None, cast.member)
    [kr] = objective.key_results.all()
    assert (kr.owner, kr.baseline, kr.target) == (cast.member, D("12.5"), D(5))
    assert kr.title == "Defects from 12.5 to 5"


def test_a_promoted_kpi_without_an_owner_is_owned_by_whoever_promotes_it(cast: Cast, q1: Cycle):
    kpi = make_kpi(cast, owner_team=None)
    record(kpi, dt.date(2026, 1, 5), "3")
    promotion = services.kpi_promote(kpi=kpi, cycle=q1, by=cast.editor)
    assert promotion.objective.owner_user == cast.editor


def test_a_within_range_kpi_is_promoted_towards_the_nearest_end_of_its_range(cast: Cast, q1: Cycle):
    kpi = make_kpi(
        cast,
        name="Stock days",
        direction="within_range",
        target=None,
        yellow=None,
        low="20",
        high="30",
    )
    record(kpi, dt.date(2026, 1, 5), "41")
    promotion = services.kpi_promote(kpi=kpi, cycle=q1, by=cast.editor)
    assert promotion.objective.key_results.get().target == D(30)


def test_promotion_aims_at_the_target_in_force_not_a_later_one(cast: Cast, red_kpi: KPI, q1: Cycle):
    services.kpi_set_target(
        kpi=red_kpi,
        effective_from=selectors.org_today(cast.org) + dt.timedelta(days=400),
        target="99",
        by=cast.owner,
    )
    promotion = services.kpi_promote(kpi=red_kpi, cycle=q1, by=cast.editor)
    assert promotion.objective.key_results.get().target == D(90)


def test_promotion_reads_the_latest_value_even_from_an_old_copy_of_the_kpi(cast: Cast, q1: Cycle):
    kpi = make_kpi(cast)
    old_copy = KPI.objects.get(pk=kpi.pk)
    record(kpi, dt.date(2026, 1, 5), "3")
    promotion = services.kpi_promote(kpi=old_copy, cycle=q1, by=cast.editor)
    assert promotion.objective.key_results.get().baseline == D(3)


def test_promotion_takes_an_explicit_title_and_target(cast: Cast, red_kpi: KPI, q1: Cycle):
    promotion = services.kpi_promote(
        kpi=red_kpi, cycle=q1, by=cast.editor, title="Win back our clients", target=D(85)
    )
    assert promotion.objective.title == "Win back our clients"
    assert promotion.objective.key_results.get().target == D(85)


def test_promotion_into_a_closed_cycle_is_refused(cast: Cast, red_kpi: KPI, q1: Cycle):
    okrs.cycle_close(cycle=q1, by=cast.owner)
    with nothing_written(), pytest.raises(ValidationError) as exc:
        services.kpi_promote(kpi=red_kpi, cycle=q1, by=cast.editor)
    assert "closed" in errors_of(exc)["cycle"][0]


def test_promotion_of_a_kpi_without_a_value_is_refused(cast: Cast, q1: Cycle):
    kpi = make_kpi(cast)
    with nothing_written(), pytest.raises(ValidationError) as exc:
        services.kpi_promote(kpi=kpi, cycle=q1, by=cast.editor)
    assert "no value" in errors_of(exc)["kpi"][0]


def test_promotion_of_a_kpi_without_a_target_is_refused(cast: Cast, q1: Cycle):
    kpi = services.kpi_create(organization=cast.org, name="Website visits", by=cast.owner)
    record(kpi, dt.date(2026, 1, 5), "300")
    with nothing_written(), pytest.raises(ValidationError) as exc:
        services.kpi_promote(kpi=kpi, cycle=q1, by=cast.editor)
    assert "target" in errors_of(exc)


def test_promotion_of_a_kpi_already_at_its_target_is_refused(cast: Cast, q1: Cycle):
    kpi = make_kpi(cast)
    record(kpi, dt.date(2026, 1, 5), "10")
    with nothing_written(), pytest.raises(ValidationError) as exc:
        services.kpi_promote(kpi=kpi, cycle=q1, by=cast.editor)
    assert "already at 10" in errors_of(exc)["target"][0]


def test_a_kpi_already_promoted_is_not_promoted_again(cast: Cast, red_kpi: KPI, q1: Cycle):
    services.kpi_promote(kpi=red_kpi, cycle=q1, by=cast.editor)
    with nothing_written(), pytest.raises(ValidationError) as exc:
        services.kpi_promote(kpi=red_kpi, cycle=q1, by=cast.editor)
    assert "already promoted" in errors_of(exc)["kpi"][0]


def test_a_kpi_of_another_organisation_cannot_be_promoted_into_our_cycle(cast: Cast, q1: Cycle):
    theirs = services.kpi_create(
        organization=cast.other_org, name="Globex churn", target="5", by=cast.outsider
    )
    record(theirs, dt.date(2026, 1, 5), "9")
    with nothing_written(), pytest.raises(ValidationError) as exc:
        services.kpi_promote(kpi=fresh(theirs), cycle=q1, by=cast.outsider)
    assert "Not found" in errors_of(exc)["cycle"][0]


def test_demotion_closes_the_objective_and_records_who_and_when(
    cast: Cast, red_kpi: KPI, q1: Cycle
):
    promotion = services.kpi_promote(kpi=red_kpi, cycle=q1, by=cast.editor)
    before = timezone.now()
    services.kpi_demote(promotion=promotion, by=cast.admin, note="  Green for a month  ")
    promotion = Promotion.objects.get(pk=promotion.pk)
    assert promotion.demoted_by == cast.admin
    assert promotion.demoted_at is not None
    assert promotion.demoted_at >= before
    assert promotion.demotion_note == "Green for a month"
    assert not promotion.is_open
    objective = fresh(promotion.objective)
    assert objective.state == Objective.State.CLOSED
    assert audits_of(objective)[-1].action == "objective.update"
    assert audits_of(promotion)[-1].action == "kpi.demote"
    assert fresh(red_kpi).is_active


def test_a_kpi_is_demoted_only_once(cast: Cast, red_kpi: KPI, q1: Cycle):
    promotion = services.kpi_promote(kpi=red_kpi, cycle=q1, by=cast.editor)
    old_copy = Promotion.objects.get(pk=promotion.pk)
    services.kpi_demote(promotion=promotion, by=cast.admin)
    for attempt in (promotion, old_copy):
        with nothing_written(), pytest.raises(ValidationError) as exc:
            services.kpi_demote(promotion=attempt, by=cast.owner)
        assert "already demoted" in errors_of(exc)["kpi"][0]
    assert Promotion.objects.get(pk=promotion.pk).demoted_by == cast.admin


def test_demotion_after_the_cycle_closed_keeps_the_closed_objective(
    cast: Cast, red_kpi: KPI, q1: Cycle
):
    promotion = services.kpi_promote(kpi=red_kpi, cycle=q1, by=cast.editor)
    okrs.cycle_close(cycle=q1, by=cast.owner)
    score = fresh(promotion.objective).score
    services.kpi_demote(promotion=fresh(promotion), by=cast.admin)
    objective = fresh(promotion.objective)
    assert (objective.state, objective.score) == (Objective.State.CLOSED, score)


def test_a_demoted_kpi_can_be_promoted_again(cast: Cast, red_kpi: KPI, q1: Cycle):
    first = services.kpi_promote(kpi=red_kpi, cycle=q1, by=cast.editor)
    services.kpi_demote(promotion=first, by=cast.admin)
    second = services.kpi_promote(kpi=red_kpi, cycle=q1, by=cast.editor)
    assert second.pk != first.pk
    assert red_kpi.promotions.count() == 2


def test_new_measurements_leave_the_key_result_of_a_demoted_objective_alone(
    cast: Cast, red_kpi: KPI, q1: Cycle
):
    promotion = services.kpi_promote(kpi=red_kpi, cycle=q1, by=cast.editor)
    services.kpi_demote(promotion=promotion, by=cast.admin)
    record(red_kpi, dt.date(2026, 1, 26), "90")
    kr = promotion.objective.key_results.get()
    assert (kr.current, kr.progress) == (D(50), D(0))


def test_a_target_row_is_kept_per_kpi_and_date(cast: Cast):
    kpi = make_kpi(cast)
    services.kpi_set_target(kpi=kpi, effective_from=dt.date(2026, 5, 4), target="12", by=None)
    assert list(KPITarget.objects.filter(kpi=kpi).values_list("target", flat=True)) == [
        D(10),
        D(12),
    ]
