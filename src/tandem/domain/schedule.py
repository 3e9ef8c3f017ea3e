"""When a weekly event happens: "Fridays at 10:00 in the organisation's time zone".

A reminder is set in wall-clock time, so it stays at 10:00 local on both sides of a
daylight-saving change (it moves by an hour in UTC instead). Two local times need a
deliberate answer, and get the one a person expects of an alarm clock:

* a time that does not exist (02:30 on a spring-forward night) happens at the same
  distance after the change, 03:30: the event is late by the gap, never skipped;
* a time that happens twice (02:30 on a fall-back night) happens the first time only.

Everything here is plain date arithmetic with :mod:`zoneinfo`; instants are aware
datetimes and the answers are in UTC.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

MONDAY, SUNDAY = 1, 7


def local_instant(day: dt.date, at: dt.time, tz: ZoneInfo) -> dt.datetime:
    """The UTC instant of ``at`` on ``day`` in ``tz``.

    ``fold=0`` picks the first of two repeated times, and for a time in a gap it reads
    the clock with the offset from before the change, which lands as far past the
    change as the time was past its start (02:30 in a 02:00-03:00 gap is 03:30).
    """
    wall = dt.datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=tz)
    return wall.astimezone(dt.UTC)


def last_occurrence(*, weekday: int, at: dt.time, tz: ZoneInfo, now: dt.datetime) -> dt.datetime:
    """The most recent ``weekday`` (1 Monday .. 7 Sunday) at ``at`` in ``tz``, at or before
    ``now``, as a UTC instant."""
    if not MONDAY <= weekday <= SUNDAY:
        raise ValueError(f"weekday is 1 (Monday) to 7 (Sunday), got {weekday}")
    if now.tzinfo is None:
        raise ValueError("now must be an aware datetime")
    local_today = now.astimezone(tz).date()
    day = local_today - dt.timedelta(days=(local_today.isoweekday() - weekday) % 7)
    instant = local_instant(day, at, tz)
    if instant > now:
        instant = local_instant(day - dt.timedelta(days=7), at, tz)
    return instant


def is_due(occurrence: dt.datetime, *, now: dt.datetime, grace: dt.timedelta) -> bool:
    """Whether an occurrence should still be acted on at ``now``: it has come, and it is
    not more than ``grace`` old (a reminder days late reads as noise, not help)."""
    return occurrence <= now < occurrence + grace


def week_start(day: dt.date, *, first_weekday: int = MONDAY) -> dt.date:
    """The first day of the week holding ``day``, for weeks that start on ``first_weekday``."""
    return day - dt.timedelta(days=(day.isoweekday() - first_weekday) % 7)


def iso_week(day: dt.date) -> str:
    """A week's name in the ledger of sent messages, e.g. ``2026-W44``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def weeks_missed(
    *,
    last_checkin: dt.date | None,
    since: dt.date,
    today: dt.date,
    first_weekday: int = MONDAY,
) -> int:
    """How many weeks in a row, up to and including the week of ``today``, went without a
    check-in.

    ``last_checkin`` is the local day of the latest check-in (``None`` for none);
    ``since`` is when check-ins became due (the cycle's first day): weeks before it
    are not missed. A check-in in the current week means 0.
    """
    current = week_start(today, first_weekday=first_weekday)
    first_due = week_start(since, first_weekday=first_weekday)
    if last_checkin is not None and last_checkin >= first_due:
        first_due = week_start(last_checkin, first_weekday=first_weekday) + dt.timedelta(days=7)
    if first_due > current:
        return 0
    return (current - first_due).days // 7 + 1
