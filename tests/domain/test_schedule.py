"""When a weekly reminder happens, in wall-clock time, across daylight-saving changes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tandem.domain.schedule import (
    is_due,
    iso_week,
    last_occurrence,
    local_instant,
    week_start,
    weeks_missed,
)

CHICAGO = ZoneInfo("America/Chicago")
BERLIN = ZoneInfo("Europe/Berlin")
FRIDAY, MONDAY, SUNDAY = 5, 1, 7
TEN = dt.time(10)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=dt.UTC)


def test_friday_ten_in_berlin_is_eight_utc_in_summer_and_nine_in_winter():
    # Berlin falls back on Sunday 2026-10-25.
    before = last_occurrence(weekday=FRIDAY, at=TEN, tz=BERLIN, now=utc(2026, 10, 23, 12))
    after = last_occurrence(weekday=FRIDAY, at=TEN, tz=BERLIN, now=utc(2026, 10, 30, 12))
    assert before == utc(2026, 10, 23, 8)
    assert after == utc(2026, 10, 30, 9)
    assert after.astimezone(BERLIN).time() == before.astimezone(BERLIN).time() == TEN


def test_friday_ten_in_chicago_follows_its_own_dst_dates():
    # Chicago springs forward on 2027-03-14, two weeks before Berlin.
    before = last_occurrence(weekday=FRIDAY, at=TEN, tz=CHICAGO, now=utc(2027, 3, 12, 23))
    after = last_occurrence(weekday=FRIDAY, at=TEN, tz=CHICAGO, now=utc(2027, 3, 19, 23))
    assert before == utc(2027, 3, 12, 16)
    assert after == utc(2027, 3, 19, 15)


def test_one_minute_before_the_time_gives_last_weeks_occurrence():
    now = dt.datetime(2026, 10, 30, 9, 59, tzinfo=BERLIN)
    assert last_occurrence(weekday=FRIDAY, at=TEN, tz=BERLIN, now=now) == dt.datetime(
        2026, 10, 23, 10, tzinfo=BERLIN
    )
    exactly = dt.datetime(2026, 10, 30, 10, tzinfo=BERLIN)
    assert last_occurrence(weekday=FRIDAY, at=TEN, tz=BERLIN, now=exactly) == exactly


def test_a_time_that_does_not_exist_happens_as_far_after_the_change():
    # 02:30 on 2027-03-28 does not exist in Berlin: the clocks go from 02:00 to 03:00.
    occurrence = last_occurrence(
        weekday=SUNDAY, at=dt.time(2, 30), tz=BERLIN, now=utc(2027, 3, 28, 12)
    )
    assert occurrence == utc(2027, 3, 28, 1, 30)
    assert occurrence.astimezone(BERLIN).time() == dt.time(3, 30)


def test_a_time_that_happens_twice_happens_the_first_time():
    # 02:30 on 2026-10-25 happens twice in Berlin: at 00:30 and at 01:30 UTC.
    occurrence = last_occurrence(
        weekday=SUNDAY, at=dt.time(2, 30), tz=BERLIN, now=utc(2026, 10, 25, 12)
    )
    assert occurrence == utc(2026, 10, 25, 0, 30)
    between = last_occurrence(
        weekday=SUNDAY, at=dt.time(2, 30), tz=BERLIN, now=utc(2026, 10, 25, 1)
    )
    assert between == occurrence


def test_a_bad_weekday_or_a_naive_now_is_refused():
    with pytest.raises(ValueError, match="weekday"):
        last_occurrence(weekday=8, at=TEN, tz=BERLIN, now=utc(2026, 1, 1))
    with pytest.raises(ValueError, match="aware"):
        last_occurrence(weekday=1, at=TEN, tz=BERLIN, now=dt.datetime(2026, 1, 1))  # noqa: DTZ001


def test_an_occurrence_is_due_from_its_instant_for_the_grace_period_only():
    at = utc(2026, 10, 30, 9)
    grace = dt.timedelta(hours=24)
    assert not is_due(at, now=at - dt.timedelta(seconds=1), grace=grace)
    assert is_due(at, now=at, grace=grace)
    assert is_due(at, now=at + dt.timedelta(hours=23, minutes=59), grace=grace)
    assert not is_due(at, now=at + grace, grace=grace)


def test_weeks_and_their_names():
    assert week_start(dt.date(2026, 10, 30)) == dt.date(2026, 10, 26)
    assert week_start(dt.date(2026, 10, 30), first_weekday=SUNDAY) == dt.date(2026, 10, 25)
    assert iso_week(dt.date(2026, 10, 30)) == "2026-W44"
    assert iso_week(dt.date(2027, 1, 1)) == "2026-W53"


def test_weeks_missed_counts_the_weeks_without_a_check_in_up_to_this_one():
    friday = dt.date(2026, 10, 30)
    start = dt.date(2026, 10, 1)  # a Thursday: its week is the first one due
    assert weeks_missed(last_checkin=friday, since=start, today=friday) == 0
    assert weeks_missed(last_checkin=dt.date(2026, 10, 26), since=start, today=friday) == 0
    assert weeks_missed(last_checkin=dt.date(2026, 10, 25), since=start, today=friday) == 1
    assert weeks_missed(last_checkin=dt.date(2026, 10, 16), since=start, today=friday) == 2
    assert weeks_missed(last_checkin=None, since=start, today=friday) == 5
    assert weeks_missed(last_checkin=None, since=dt.date(2026, 10, 27), today=friday) == 1
    assert weeks_missed(last_checkin=None, since=dt.date(2026, 11, 2), today=friday) == 0
    # A check-in before the cycle started does not count for it.
    assert weeks_missed(last_checkin=dt.date(2026, 9, 1), since=start, today=friday) == 5


zones = st.sampled_from([CHICAGO, BERLIN, ZoneInfo("Australia/Lord_Howe"), ZoneInfo("UTC")])
instants = st.datetimes(
    min_value=dt.datetime(2020, 1, 1),  # noqa: DTZ001
    max_value=dt.datetime(2035, 1, 1),  # noqa: DTZ001
    timezones=st.just(dt.UTC),
)


@given(
    weekday=st.integers(1, 7),
    hour=st.integers(0, 23),
    minute=st.sampled_from([0, 15, 30, 45]),
    tz=zones,
    now=instants,
)
def test_the_last_occurrence_is_at_most_a_week_old_and_on_the_right_local_day(
    weekday, hour, minute, tz, now
):
    at = dt.time(hour, minute)
    occurrence = last_occurrence(weekday=weekday, at=at, tz=tz, now=now)
    assert occurrence <= now
    assert now - occurrence < dt.timedelta(days=7, hours=2)
    local = occurrence.astimezone(tz)
    assert local.isoweekday() == weekday
    assert occurrence == local_instant(local.date(), at, tz)
