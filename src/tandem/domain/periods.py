"""The calendar of a KPI: the periods its values belong to, in the organisation's time.

A KPI is measured once per period of its frequency; a measurement is stored with
the first day of its period. Definitions:

* daily: one calendar day.
* weekly: seven days starting on the organisation's week start (1 = Monday, the
  ISO week, ... 7 = Sunday).
* monthly: a calendar month.
* quarterly: three months, aligned to the organisation's fiscal-year start month.
  With a fiscal year starting in April, quarters start in April, July, October and
  January; starting in February, they start in February, May, August and November.

Days are the organisation's calendar days: an instant (stored in UTC) belongs to
the day it is on the organisation's clock, so ``local_day`` and
``period_of_instant`` take its timezone. The arithmetic is on dates only, which
keeps it free of DST changes: a week is always seven days even when one of them
has 23 or 25 hours.

Labels (``period_label``):

* daily: ``2026-11-23`` (ISO 8601);
* weekly: ``2026-W48``, the ISO week-year and week. ISO week-years differ from
  calendar years at their edges: 2026-12-28 and 2027-01-01 are both in 2026-W53,
  2024-12-30 is in 2025-W01. A week that starts on another weekday than Monday is
  labelled after the ISO week that shares at least four of its days (the ISO week
  of its fourth day), so a Sunday-to-Saturday week carries the label of the ISO week
  starting the next day;
* monthly: ``Nov 2026``;
* quarterly: ``Q4 2026`` with a calendar fiscal year; otherwise ``FY2027 Q1``,
  where a fiscal year is named after the calendar year in which it ends (the
  fiscal year from October 2026 to September 2027 is FY2027).

Every function works on the whole ``datetime.date`` range, except that a period
reaching past year 1 or year 9999 raises ``OverflowError``.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

MONDAY = 1
SUNDAY = 7
JANUARY = 1
MONTH_ABBREVIATIONS = (
    "Jan",
    "Feb",
    "Mar",
    "Apr",
    "May",
    "Jun",
    "Jul",
    "Aug",
    "Sep",
    "Oct",
    "Nov",
    "Dec",
)
ONE_DAY = timedelta(days=1)


class Frequency(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"

    @property
    def label(self) -> str:
        return self.value.capitalize()


def _check_calendar(week_start: int, fiscal_year_start_month: int) -> None:
    if not (MONDAY <= week_start <= SUNDAY):
        raise ValueError(f"week_start is 1 (Monday) to 7 (Sunday), got {week_start}")
    if not (1 <= fiscal_year_start_month <= 12):
        raise ValueError(f"fiscal_year_start_month is 1 to 12, got {fiscal_year_start_month}")


def _month_index(day: date) -> int:
    """Months since the start of year 0, so that month arithmetic is integer arithmetic."""
    return day.year * 12 + day.month - 1


def _first_of_month(index: int) -> date:
    year, month = divmod(index, 12)
    if not (1 <= year <= 9999):
        raise OverflowError("the period falls outside the supported calendar")
    return date(year, month + 1, 1)


def period_start(
    frequency: Frequency,
    day: date,
    *,
    week_start: int = MONDAY,
    fiscal_year_start_month: int = JANUARY,
) -> date:
    """The first day of the period of ``frequency`` that contains ``day``."""
    _check_calendar(week_start, fiscal_year_start_month)
    # Model fields hand over plain strings; Frequency() also refuses unknown ones.
    frequency = Frequency(frequency)
    if frequency is Frequency.DAILY:
        return day
    if frequency is Frequency.WEEKLY:
        return day - timedelta(days=(day.isoweekday() - week_start) % 7)
    if frequency is Frequency.MONTHLY:
        return day.replace(day=1)
    offset = (day.month - fiscal_year_start_month) % 3
    return _first_of_month(_month_index(day) - offset)


def add_periods(
    frequency: Frequency,
    day: date,
    n: int,
    *,
    week_start: int = MONDAY,
    fiscal_year_start_month: int = JANUARY,
) -> date:
    """The start of the period ``n`` periods after (or, negative, before) the one of ``day``."""
    frequency = Frequency(frequency)
    start = period_start(
        frequency, day, week_start=week_start, fiscal_year_start_month=fiscal_year_start_month
    )
    if frequency is Frequency.DAILY:
        return start + timedelta(days=n)
    if frequency is Frequency.WEEKLY:
        return start + timedelta(days=7 * n)
    months = 1 if frequency is Frequency.MONTHLY else 3
    return _first_of_month(_month_index(start) + months * n)


def next_period(
    frequency: Frequency,
    day: date,
    *,
    week_start: int = MONDAY,
    fiscal_year_start_month: int = JANUARY,
) -> date:
    """The start of the period after the one containing ``day``."""
    return add_periods(
        frequency, day, 1, week_start=week_start, fiscal_year_start_month=fiscal_year_start_month
    )


def previous_period(
    frequency: Frequency,
    day: date,
    *,
    week_start: int = MONDAY,
    fiscal_year_start_month: int = JANUARY,
) -> date:
    """The start of the period before the one containing ``day``."""
    return add_periods(
        frequency, day, -1, week_start=week_start, fiscal_year_start_month=fiscal_year_start_month
    )


def period_end(
    frequency: Frequency,
    day: date,
    *,
    week_start: int = MONDAY,
    fiscal_year_start_month: int = JANUARY,
) -> date:
    """The last day (inclusive) of the period containing ``day``."""
    following = next_period(
        frequency, day, week_start=week_start, fiscal_year_start_month=fiscal_year_start_month
    )
    return following - ONE_DAY


def periods_apart(
    frequency: Frequency,
    earlier: date,
    later: date,
    *,
    week_start: int = MONDAY,
    fiscal_year_start_month: int = JANUARY,
) -> int:
    """How many periods the period of ``later`` comes after the period of ``earlier``.

    0 when both days share a period; negative when ``later`` is in an earlier period.
    """
    frequency = Frequency(frequency)
    calendar = {"week_start": week_start, "fiscal_year_start_month": fiscal_year_start_month}
    first = period_start(frequency, earlier, **calendar)
    last = period_start(frequency, later, **calendar)
    if frequency is Frequency.DAILY:
        return (last - first).days
    if frequency is Frequency.WEEKLY:
        return (last - first).days // 7
    months = _month_index(last) - _month_index(first)
    return months if frequency is Frequency.MONTHLY else months // 3


def periods_between(
    frequency: Frequency,
    first: date,
    last: date,
    *,
    week_start: int = MONDAY,
    fiscal_year_start_month: int = JANUARY,
) -> list[date]:
    """The starts of every period that holds a day of ``[first, last]``, oldest first.

    Empty when ``last`` is before ``first``. The first start may precede ``first``
    (a cycle starting on a Wednesday still shows the week that contains it).
    """
    if last < first:
        return []
    count = periods_apart(
        frequency,
        first,
        last,
        week_start=week_start,
        fiscal_year_start_month=fiscal_year_start_month,
    )
    return [
        add_periods(
            frequency,
            first,
            n,
            week_start=week_start,
            fiscal_year_start_month=fiscal_year_start_month,
        )
        for n in range(count + 1)
    ]


def last_n_periods(
    frequency: Frequency,
    today: date,
    n: int,
    *,
    week_start: int = MONDAY,
    fiscal_year_start_month: int = JANUARY,
) -> list[date]:
    """The starts of the ``n`` most recent periods, the current one last (a scorecard's columns)."""
    if n < 0:
        raise ValueError(f"cannot show a negative number of periods, got {n}")
    return [
        add_periods(
            frequency,
            today,
            offset,
            week_start=week_start,
            fiscal_year_start_month=fiscal_year_start_month,
        )
        for offset in range(1 - n, 1)
    ]


def fiscal_year(day: date, *, fiscal_year_start_month: int = JANUARY) -> int:
    """The fiscal year of ``day``, named after the calendar year in which it ends."""
    _check_calendar(MONDAY, fiscal_year_start_month)
    if fiscal_year_start_month == JANUARY or day.month < fiscal_year_start_month:
        return day.year
    return day.year + 1


def fiscal_quarter(day: date, *, fiscal_year_start_month: int = JANUARY) -> int:
    """The quarter (1-4) of the fiscal year that ``day`` falls in."""
    _check_calendar(MONDAY, fiscal_year_start_month)
    return (day.month - fiscal_year_start_month) % 12 // 3 + 1


def period_label(
    frequency: Frequency,
    start: date,
    *,
    week_start: int = MONDAY,
    fiscal_year_start_month: int = JANUARY,
) -> str:
    """A short, sortable-within-a-year name for the period containing ``start``.

    The module docstring lists the formats.
    """
    frequency = Frequency(frequency)
    first = period_start(
        frequency, start, week_start=week_start, fiscal_year_start_month=fiscal_year_start_month
    )
    if frequency is Frequency.DAILY:
        return first.isoformat()
    if frequency is Frequency.WEEKLY:
        # The fourth day of a Monday week is its Thursday, which is how ISO 8601
        # assigns a week to its year; other week starts follow the same rule.
        year, week, _ = (first + timedelta(days=3)).isocalendar()
        return f"{year}-W{week:02d}"
    if frequency is Frequency.MONTHLY:
        return f"{MONTH_ABBREVIATIONS[first.month - 1]} {first.year}"
    quarter = fiscal_quarter(first, fiscal_year_start_month=fiscal_year_start_month)
    if fiscal_year_start_month == JANUARY:
        return f"Q{quarter} {first.year}"
    year = fiscal_year(first, fiscal_year_start_month=fiscal_year_start_month)
    return f"FY{year} Q{quarter}"


def local_day(instant: datetime, tz: ZoneInfo) -> date:
    """The organisation's calendar day at ``instant``.

    A naive datetime is refused: it could be UTC or local time, and guessing wrong
    files a value under the wrong day near midnight.
    """
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("local_day needs a timezone-aware datetime")
    return instant.astimezone(tz).date()


def period_of_instant(
    frequency: Frequency,
    instant: datetime,
    tz: ZoneInfo,
    *,
    week_start: int = MONDAY,
    fiscal_year_start_month: int = JANUARY,
) -> date:
    """The start of the period that ``instant`` falls in on the organisation's clock."""
    return period_start(
        frequency,
        local_day(instant, tz),
        week_start=week_start,
        fiscal_year_start_month=fiscal_year_start_month,
    )


def is_period_start(
    frequency: Frequency,
    day: date,
    *,
    week_start: int = MONDAY,
    fiscal_year_start_month: int = JANUARY,
) -> bool:
    """Whether ``day`` is the first day of a period: a measurement is stored under one."""
    return day == period_start(
        frequency, day, week_start=week_start, fiscal_year_start_month=fiscal_year_start_month
    )


def allowed_period(
    frequency: Frequency,
    start: date,
    today: date,
    *,
    future_periods: int = 0,
    week_start: int = MONDAY,
    fiscal_year_start_month: int = JANUARY,
) -> bool:
    """Whether a value may be recorded for the period of ``start`` on ``today``.

    Any past period and the current one are allowed; a future period only within
    ``future_periods`` periods after the current one (0, the default, refuses every
    future period: a value for next week is usually a typo in the date). This only
    judges the window; ``is_period_start`` checks that ``start`` begins a period.
    """
    if future_periods < 0:
        raise ValueError(f"future_periods cannot be negative, got {future_periods}")
    ahead = periods_apart(
        frequency,
        today,
        start,
        week_start=week_start,
        fiscal_year_start_month=fiscal_year_start_month,
    )
    return ahead <= future_periods
