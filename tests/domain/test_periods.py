"""The calendar of KPI periods: weeks, months and fiscal quarters in the organisation's time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.domain.periods import (
    Frequency,
    add_periods,
    allowed_period,
    fiscal_quarter,
    fiscal_year,
    is_period_start,
    last_n_periods,
    local_day,
    next_period,
    period_end,
    period_label,
    period_of_instant,
    period_start,
    periods_apart,
    periods_between,
    previous_period,
)

D = date.fromisoformat
W, M, Q, DAY = Frequency.WEEKLY, Frequency.MONTHLY, Frequency.QUARTERLY, Frequency.DAILY

PARIS = ZoneInfo("Europe/Paris")
NEW_YORK = ZoneInfo("America/New_York")
AUCKLAND = ZoneInfo("Pacific/Auckland")
KOLKATA = ZoneInfo("Asia/Kolkata")
UTC_ZONE = ZoneInfo("UTC")
ZONES = [UTC_ZONE, PARIS, NEW_YORK, AUCKLAND, KOLKATA]

days = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
frequencies = st.sampled_from(list(Frequency))
week_starts = st.integers(min_value=1, max_value=7)
fiscal_months = st.integers(min_value=1, max_value=12)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# Weeks


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        ("2026-11-23", "2026-11-23", "2026-11-29"),  # a Monday starts its own week
        ("2026-11-25", "2026-11-23", "2026-11-29"),
        ("2026-11-29", "2026-11-23", "2026-11-29"),  # Sunday is the last day
        ("2026-11-30", "2026-11-30", "2026-12-06"),
        ("2027-01-01", "2026-12-28", "2027-01-03"),  # a week spans the new year
    ],
)
def test_iso_week_runs_monday_to_sunday(day, start, end):
    assert period_start(W, D(day)) == D(start)
    assert period_end(W, D(day)) == D(end)


@pytest.mark.parametrize(
    ("day", "label"),
    [
        ("2026-11-16", "2026-W47"),
        ("2026-11-23", "2026-W48"),
        ("2020-12-31", "2020-W53"),
        ("2021-01-03", "2020-W53"),  # the Sunday after still belongs to 2020's last week
        ("2021-01-04", "2021-W01"),
        ("2026-12-28", "2026-W53"),
        ("2027-01-01", "2026-W53"),
        ("2027-01-03", "2026-W53"),
        ("2027-01-04", "2027-W01"),
        ("2024-12-30", "2025-W01"),  # late December already in next year's week 1
        ("2024-12-31", "2025-W01"),
        ("2025-12-29", "2026-W01"),
        ("2025-12-31", "2026-W01"),
        ("2019-12-30", "2020-W01"),
        ("2026-01-05", "2026-W02"),
    ],
)
def test_week_label_uses_the_iso_week_year(day, label):
    assert period_label(W, D(day)) == label


def test_week_label_of_any_day_names_its_whole_week():
    assert {period_label(W, D("2026-11-23") + timedelta(days=n)) for n in range(7)} == {"2026-W48"}


@pytest.mark.parametrize(
    ("day", "start", "end"),
    [
        ("2026-11-22", "2026-11-22", "2026-11-28"),  # Sunday starts the week
        ("2026-11-23", "2026-11-22", "2026-11-28"),
        ("2026-11-28", "2026-11-22", "2026-11-28"),
        ("2026-11-21", "2026-11-15", "2026-11-21"),
        ("2027-01-01", "2026-12-27", "2027-01-02"),
    ],
)
def test_sunday_week_start_runs_sunday_to_saturday(day, start, end):
    assert period_start(W, D(day), week_start=7) == D(start)
    assert period_end(W, D(day), week_start=7) == D(end)


def test_sunday_week_is_labelled_after_the_iso_week_sharing_six_of_its_days():
    assert period_label(W, D("2026-11-22"), week_start=7) == "2026-W48"
    assert period_label(W, D("2026-11-28"), week_start=7) == "2026-W48"
    assert period_label(W, D("2026-11-21"), week_start=7) == "2026-W47"


def test_friday_week_start_keeps_consecutive_labels_distinct():
    starts = periods_between(W, D("2026-12-01"), D("2027-01-31"), week_start=5)
    labels = [period_label(W, start, week_start=5) for start in starts]
    assert all(start.isoweekday() == 5 for start in starts)
    assert len(set(labels)) == len(labels)
    assert "2026-W53" in labels


# Months and quarters


def test_month_runs_over_the_calendar_month_including_leap_days():
    assert period_start(M, D("2028-02-29")) == D("2028-02-01")
    assert period_end(M, D("2028-02-10")) == D("2028-02-29")
    assert period_end(M, D("2026-02-10")) == D("2026-02-28")
    assert period_end(M, D("2026-12-05")) == D("2026-12-31")
    assert next_period(M, D("2026-12-05")) == D("2027-01-01")


def test_month_label_is_short_and_in_english():
    assert period_label(M, D("2026-11-01")) == "Nov 2026"
    assert period_label(M, D("2027-01-31")) == "Jan 2027"


@pytest.mark.parametrize(
    ("day", "start", "end", "label"),
    [
        ("2026-01-01", "2026-01-01", "2026-03-31", "Q1 2026"),
        ("2026-05-15", "2026-04-01", "2026-06-30", "Q2 2026"),
        ("2026-11-23", "2026-10-01", "2026-12-31", "Q4 2026"),
        ("2026-12-31", "2026-10-01", "2026-12-31", "Q4 2026"),
    ],
)
def test_calendar_quarters(day, start, end, label):
    assert period_start(Q, D(day)) == D(start)
    assert period_end(Q, D(day)) == D(end)
    assert period_label(Q, D(day)) == label


@pytest.mark.parametrize(
    ("fiscal_start", "day", "start", "end", "label"),
    [
        (4, "2026-04-01", "2026-04-01", "2026-06-30", "FY2027 Q1"),
        (4, "2026-05-15", "2026-04-01", "2026-06-30", "FY2027 Q1"),
        (4, "2026-11-23", "2026-10-01", "2026-12-31", "FY2027 Q3"),
        (4, "2027-02-10", "2027-01-01", "2027-03-31", "FY2027 Q4"),
        (4, "2026-03-31", "2026-01-01", "2026-03-31", "FY2026 Q4"),
        (10, "2026-10-01", "2026-10-01", "2026-12-31", "FY2027 Q1"),
        (10, "2026-09-30", "2026-07-01", "2026-09-30", "FY2026 Q4"),
        (10, "2027-01-15", "2027-01-01", "2027-03-31", "FY2027 Q2"),
        (10, "2027-06-30", "2027-04-01", "2027-06-30", "FY2027 Q3"),
        (2, "2026-02-01", "2026-02-01", "2026-04-30", "FY2027 Q1"),
        (2, "2027-01-31", "2026-11-01", "2027-01-31", "FY2027 Q4"),
        (2, "2026-01-31", "2025-11-01", "2026-01-31", "FY2026 Q4"),
    ],
)
def test_fiscal_quarters_align_to_the_fiscal_year_start(fiscal_start, day, start, end, label):
    calendar = {"fiscal_year_start_month": fiscal_start}
    assert period_start(Q, D(day), **calendar) == D(start)
    assert period_end(Q, D(day), **calendar) == D(end)
    assert period_label(Q, D(day), **calendar) == label


def test_fiscal_year_is_named_after_the_year_it_ends_in():
    assert fiscal_year(D("2026-10-01"), fiscal_year_start_month=10) == 2027
    assert fiscal_year(D("2026-09-30"), fiscal_year_start_month=10) == 2026
    assert fiscal_year(D("2026-12-31")) == 2026
    assert fiscal_quarter(D("2026-12-31"), fiscal_year_start_month=10) == 1
    assert fiscal_quarter(D("2026-12-31")) == 4


def test_quarters_step_over_year_ends():
    assert next_period(Q, D("2026-11-23")) == D("2027-01-01")
    assert previous_period(Q, D("2026-02-01"), fiscal_year_start_month=2) == D("2025-11-01")
    assert add_periods(Q, D("2026-05-05"), 5, fiscal_year_start_month=4) == D("2027-07-01")


def test_day_periods_are_single_days_labelled_in_iso_8601():
    assert period_start(DAY, D("2026-11-25")) == D("2026-11-25")
    assert period_end(DAY, D("2026-11-25")) == D("2026-11-25")
    assert next_period(DAY, D("2026-12-31")) == D("2027-01-01")
    assert period_label(DAY, D("2026-11-25")) == "2026-11-25"


# Ranges


def test_periods_between_includes_the_partial_periods_at_both_ends():
    assert periods_between(W, D("2026-11-25"), D("2026-12-08")) == [
        D("2026-11-23"),
        D("2026-11-30"),
        D("2026-12-07"),
    ]
    assert periods_between(Q, D("2026-02-15"), D("2026-08-01"), fiscal_year_start_month=2) == [
        D("2026-02-01"),
        D("2026-05-01"),
        D("2026-08-01"),
    ]


def test_periods_between_a_single_day_is_its_period():
    assert periods_between(M, D("2026-11-25"), D("2026-11-25")) == [D("2026-11-01")]


def test_periods_between_a_reversed_range_is_empty():
    assert periods_between(W, D("2026-11-25"), D("2026-11-24")) == []


def test_last_13_weeks_end_with_the_current_week_oldest_first():
    weeks = last_n_periods(W, D("2026-11-25"), 13)
    assert len(weeks) == 13
    assert weeks[-1] == D("2026-11-23")
    assert weeks[0] == D("2026-08-31")


def test_last_n_months_cross_the_year():
    assert last_n_periods(M, D("2027-02-14"), 3) == [
        D("2026-12-01"),
        D("2027-01-01"),
        D("2027-02-01"),
    ]


def test_last_zero_periods_is_empty_and_negative_is_refused():
    assert last_n_periods(W, D("2026-11-25"), 0) == []
    with pytest.raises(ValueError, match="negative"):
        last_n_periods(W, D("2026-11-25"), -1)


def test_periods_apart_counts_whole_periods_between_days():
    assert periods_apart(W, D("2026-11-29"), D("2026-11-30")) == 1
    assert periods_apart(W, D("2026-11-23"), D("2026-11-29")) == 0
    assert periods_apart(M, D("2026-11-30"), D("2026-01-01")) == -10
    assert periods_apart(Q, D("2026-03-31"), D("2026-04-01"), fiscal_year_start_month=4) == 1
    assert periods_apart(Q, D("2026-04-01"), D("2026-06-30"), fiscal_year_start_month=4) == 0


# Validating a measurement's period


@pytest.mark.parametrize(
    ("frequency", "day", "calendar", "expected"),
    [
        (W, "2026-11-23", {}, True),
        (W, "2026-11-24", {}, False),
        (W, "2026-11-22", {}, False),
        (W, "2026-11-22", {"week_start": 7}, True),
        (M, "2026-11-01", {}, True),
        (M, "2026-11-02", {}, False),
        (Q, "2026-10-01", {}, True),
        (Q, "2026-11-01", {}, False),
        (Q, "2026-04-01", {"fiscal_year_start_month": 4}, True),
        (Q, "2026-01-01", {"fiscal_year_start_month": 4}, True),
        (Q, "2026-02-01", {"fiscal_year_start_month": 4}, False),
        (Q, "2026-02-01", {"fiscal_year_start_month": 2}, True),
        (DAY, "2026-11-25", {}, True),
    ],
)
def test_is_period_start(frequency, day, calendar, expected):
    assert is_period_start(frequency, D(day), **calendar) is expected


def test_past_and_current_periods_are_allowed_and_the_future_is_refused():
    today = D("2026-11-25")
    assert allowed_period(W, D("2020-01-06"), today)
    assert allowed_period(W, D("2026-11-23"), today)
    assert not allowed_period(W, D("2026-11-30"), today)


def test_future_periods_widen_the_window_by_whole_periods():
    today = D("2026-11-25")
    assert allowed_period(W, D("2026-11-30"), today, future_periods=1)
    assert not allowed_period(W, D("2026-12-07"), today, future_periods=1)
    assert allowed_period(M, D("2027-01-01"), today, future_periods=2)
    assert not allowed_period(M, D("2027-02-01"), today, future_periods=2)
    assert allowed_period(Q, D("2027-01-01"), today, future_periods=1)


def test_allowed_period_follows_the_week_start():
    # Sunday 29 November starts a new week for a Sunday organisation only.
    assert allowed_period(W, D("2026-11-29"), D("2026-11-29"), week_start=7)
    assert not allowed_period(W, D("2026-11-29"), D("2026-11-28"), week_start=7)


def test_negative_future_window_is_refused():
    with pytest.raises(ValueError, match="future_periods"):
        allowed_period(W, D("2026-11-23"), D("2026-11-25"), future_periods=-1)


# The organisation's clock


@pytest.mark.parametrize("zone", ZONES, ids=str)
def test_early_morning_utc_is_the_same_day_in_every_zone(zone):
    # 06:00 UTC in July is 02:00 in New York and 18:00 in Auckland.
    assert local_day(utc("2026-07-15 06:00"), zone) == D("2026-07-15")


@pytest.mark.parametrize(
    ("instant", "zone", "day", "week"),
    [
        # Kolkata is UTC+05:30 all year.
        ("2026-11-22 18:45", KOLKATA, "2026-11-23", "2026-W48"),
        ("2026-11-22 18:29", KOLKATA, "2026-11-22", "2026-W47"),
        # Paris springs forward on Sunday 29 March: Monday 00:30 is 22:30 UTC on Sunday.
        ("2026-03-29 22:30", PARIS, "2026-03-30", "2026-W14"),
        ("2026-03-29 21:30", PARIS, "2026-03-29", "2026-W13"),
        # ... and falls back on Sunday 25 October: Sunday 23:30 is 22:30 UTC.
        ("2026-10-25 22:30", PARIS, "2026-10-25", "2026-W43"),
        ("2026-10-25 23:30", PARIS, "2026-10-26", "2026-W44"),
        # New York falls back on Sunday 1 November: Sunday 23:30 EST is Monday in UTC.
        ("2026-11-02 04:30", NEW_YORK, "2026-11-01", "2026-W44"),
        ("2026-11-02 05:30", NEW_YORK, "2026-11-02", "2026-W45"),
        # Auckland falls back on Sunday 5 April: Sunday 23:30 NZST is 11:30 UTC.
        ("2026-04-05 11:30", AUCKLAND, "2026-04-05", "2026-W14"),
        ("2026-04-05 12:30", AUCKLAND, "2026-04-06", "2026-W15"),
        # ... and springs forward on Sunday 27 September: Monday 00:30 NZDT is Sunday 11:30 UTC.
        ("2026-09-27 11:30", AUCKLAND, "2026-09-28", "2026-W40"),
        ("2026-09-27 10:30", AUCKLAND, "2026-09-27", "2026-W39"),
        # The ISO year turns earlier in Auckland and later in New York than in UTC.
        ("2027-01-03 11:30", AUCKLAND, "2027-01-04", "2027-W01"),
        ("2027-01-03 11:30", UTC_ZONE, "2027-01-03", "2026-W53"),
        ("2027-01-04 04:30", NEW_YORK, "2027-01-03", "2026-W53"),
    ],
)
def test_instant_falls_in_the_local_day_and_iso_week(instant, zone, day, week):
    assert local_day(utc(instant), zone) == D(day)
    start = period_of_instant(W, utc(instant), zone)
    assert start == period_start(W, D(day))
    assert period_label(W, start) == week


@pytest.mark.parametrize(
    ("instant", "zone", "week_start"),
    [
        # Just after local midnight on DST change days, with Sunday weeks.
        ("2026-03-08 05:30", NEW_YORK, "2026-03-08"),  # Sunday 00:30 EST
        ("2026-03-08 04:30", NEW_YORK, "2026-03-01"),  # Saturday 23:30 EST
        ("2026-04-04 11:30", AUCKLAND, "2026-04-05"),  # Sunday 00:30 NZDT
        ("2026-04-04 10:30", AUCKLAND, "2026-03-29"),  # Saturday 23:30 NZDT
        ("2026-09-26 12:30", AUCKLAND, "2026-09-27"),  # Sunday 00:30 NZST
        ("2026-03-28 23:30", PARIS, "2026-03-29"),  # Sunday 00:30 CET
    ],
)
def test_sunday_weeks_around_dst_changes(instant, zone, week_start):
    assert period_of_instant(W, utc(instant), zone, week_start=7) == D(week_start)


def test_month_and_quarter_of_an_instant_follow_the_local_calendar():
    halloween_night = utc("2026-10-31 23:30")
    assert period_of_instant(M, halloween_night, PARIS) == D("2026-11-01")
    assert period_of_instant(M, halloween_night, NEW_YORK) == D("2026-10-01")
    new_year = utc("2026-12-31 12:00")
    assert period_of_instant(Q, new_year, AUCKLAND) == D("2027-01-01")
    assert period_of_instant(Q, new_year, KOLKATA) == D("2026-10-01")


def test_local_day_accepts_any_aware_instant():
    plus_two = datetime(2026, 3, 30, 0, 30, tzinfo=timezone(timedelta(hours=2)))
    assert local_day(plus_two, PARIS) == D("2026-03-30")
    assert local_day(plus_two, UTC_ZONE) == D("2026-03-29")


def test_local_day_refuses_a_naive_datetime():
    with pytest.raises(ValueError, match="timezone-aware"):
        local_day(datetime(2026, 11, 23, 0, 30), PARIS)  # noqa: DTZ001


# Bad calendars


@pytest.mark.parametrize("week_start", [0, 8])
def test_week_start_outside_monday_to_sunday_is_refused(week_start):
    with pytest.raises(ValueError, match="week_start"):
        period_start(W, D("2026-11-23"), week_start=week_start)


@pytest.mark.parametrize("month", [0, 13])
def test_fiscal_start_outside_the_twelve_months_is_refused(month):
    with pytest.raises(ValueError, match="fiscal_year_start_month"):
        period_start(Q, D("2026-11-23"), fiscal_year_start_month=month)


def test_frequency_stored_as_text_is_understood():
    assert period_start("weekly", D("2026-11-25")) == D("2026-11-23")  # type: ignore[arg-type]


def test_unknown_frequency_is_refused():
    with pytest.raises(ValueError, match="hourly"):
        period_start("hourly", D("2026-11-25"))  # type: ignore[arg-type]


def test_period_past_the_end_of_the_calendar_overflows():
    with pytest.raises(OverflowError):
        period_end(Q, D("9999-12-31"))
    with pytest.raises(OverflowError):
        period_end(W, D("9999-12-31"))


# Properties


@given(frequencies, days, week_starts, fiscal_months)
def test_every_day_lies_in_its_period(frequency, day, week_start, fiscal_start):
    calendar = {"week_start": week_start, "fiscal_year_start_month": fiscal_start}
    start = period_start(frequency, day, **calendar)
    end = period_end(frequency, day, **calendar)
    assert start <= day <= end
    assert is_period_start(frequency, start, **calendar)
    assert period_start(frequency, end, **calendar) == start
    assert period_label(frequency, day, **calendar) == period_label(frequency, start, **calendar)


@given(frequencies, days, week_starts, fiscal_months)
def test_consecutive_periods_tile_without_gap_or_overlap(frequency, day, week_start, fiscal_start):
    calendar = {"week_start": week_start, "fiscal_year_start_month": fiscal_start}
    following = next_period(frequency, day, **calendar)
    assert following == period_end(frequency, day, **calendar) + timedelta(days=1)
    assert is_period_start(frequency, following, **calendar)
    before = period_start(frequency, day, **calendar) - timedelta(days=1)
    assert period_start(frequency, before, **calendar) == previous_period(
        frequency, day, **calendar
    )


@given(frequencies, days, week_starts, fiscal_months)
def test_next_and_previous_undo_each_other(frequency, day, week_start, fiscal_start):
    calendar = {"week_start": week_start, "fiscal_year_start_month": fiscal_start}
    start = period_start(frequency, day, **calendar)
    assert next_period(frequency, previous_period(frequency, day, **calendar), **calendar) == start
    assert previous_period(frequency, next_period(frequency, day, **calendar), **calendar) == start


@given(frequencies, days, st.integers(min_value=-400, max_value=400), week_starts, fiscal_months)
def test_periods_apart_counts_added_periods(frequency, day, n, week_start, fiscal_start):
    calendar = {"week_start": week_start, "fiscal_year_start_month": fiscal_start}
    later = add_periods(frequency, day, n, **calendar)
    assert periods_apart(frequency, day, later, **calendar) == n
    assert allowed_period(frequency, later, day, future_periods=max(n, 0), **calendar)
    if n > 0:
        assert not allowed_period(frequency, later, day, future_periods=n - 1, **calendar)


@given(
    frequencies,
    days,
    st.integers(min_value=0, max_value=120),
    week_starts,
    fiscal_months,
)
def test_periods_between_cover_the_range_in_adjacent_periods(
    frequency, first, length, week_start, fiscal_start
):
    calendar = {"week_start": week_start, "fiscal_year_start_month": fiscal_start}
    last = first + timedelta(days=length)
    starts = periods_between(frequency, first, last, **calendar)
    assert starts[0] == period_start(frequency, first, **calendar)
    assert starts[-1] == period_start(frequency, last, **calendar)
    for earlier, later in pairwise(starts):
        assert next_period(frequency, earlier, **calendar) == later


@given(frequencies, days, st.integers(min_value=1, max_value=30), week_starts, fiscal_months)
def test_last_n_periods_are_n_adjacent_periods_ending_now(
    frequency, today, n, week_start, fiscal_start
):
    calendar = {"week_start": week_start, "fiscal_year_start_month": fiscal_start}
    starts = last_n_periods(frequency, today, n, **calendar)
    assert len(starts) == n
    assert starts[-1] == period_start(frequency, today, **calendar)
    assert starts == periods_between(frequency, starts[0], today, **calendar)


@given(days)
def test_monday_week_label_is_the_iso_calendar_week(day):
    year, week, _ = day.isocalendar()
    assert period_label(W, day) == f"{year}-W{week:02d}"


@given(days, week_starts)
def test_week_labels_increase_from_week_to_week(day, week_start):
    this = period_label(W, day, week_start=week_start)
    following = period_label(W, next_period(W, day, week_start=week_start), week_start=week_start)
    assert following > this


@given(st.integers(min_value=0, max_value=4_102_444_800))  # 1970 to 2100
def test_local_day_is_the_day_whose_local_midnights_enclose_the_instant(seconds):
    instant = datetime.fromtimestamp(seconds, tz=UTC)
    for zone in ZONES:
        day = local_day(instant, zone)
        # None of these zones changes its clocks at midnight, so midnight always exists.
        midnight = datetime.combine(day, time.min, tzinfo=zone)
        next_midnight = datetime.combine(day + timedelta(days=1), time.min, tzinfo=zone)
        assert midnight <= instant < next_midnight
