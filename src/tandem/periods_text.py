"""The names of KPI periods in the reader's language: "2026-W49", "Dec 2026", "Q4 2026"
in English; "KW 49/2026", "Dez. 2026", "Q4 2026" in German; "S49 2026", "déc. 2026",
"T4 2026" in French and Spanish.

``tandem.domain.periods.period_label`` names a period in English for machines: the API
and the exports (CSV, XLSX) keep it. The pages, e-mails and PDF reports name it with
:func:`period_label` here, and the scorecard's columns with :func:`column_words`.
"""

from __future__ import annotations

import datetime as dt
import functools

from django.utils import formats, translation
from django.utils.translation import gettext, pgettext

from tandem.domain import periods as pm
from tandem.formatting import local_date


def _language() -> str:
    return translation.get_language() or "en"


def _quarter(first: dt.date, fiscal_year_start_month: int) -> tuple[str, str]:
    """("Q4", "2026") or ("Q1", "FY2027"): the quarter and its (fiscal) year."""
    number = pm.fiscal_quarter(first, fiscal_year_start_month=fiscal_year_start_month)
    quarter = pgettext("period", "Q%(quarter)s") % {"quarter": number}
    if fiscal_year_start_month == pm.JANUARY:
        return quarter, str(first.year)
    year = pm.fiscal_year(first, fiscal_year_start_month=fiscal_year_start_month)
    return quarter, pgettext("period", "FY%(year)s") % {"year": year}


@functools.lru_cache(maxsize=4096)
def _label(
    frequency: pm.Frequency,
    start: dt.date,
    week_start: int,
    fiscal_year_start_month: int,
    language: str,
) -> str:
    first = pm.period_start(
        frequency, start, week_start=week_start, fiscal_year_start_month=fiscal_year_start_month
    )
    if frequency is pm.Frequency.DAILY:
        if language.split("-")[0] == "en":
            return first.isoformat()
        return str(formats.date_format(first, "SHORT_DATE_FORMAT"))
    if frequency is pm.Frequency.WEEKLY:
        # The ISO week that holds the week's fourth day, as the domain counts it.
        iso_year, week, _ = (first + dt.timedelta(days=3)).isocalendar()
        return pgettext("period", "%(year)s-W%(week)s") % {"year": iso_year, "week": f"{week:02d}"}
    if frequency is pm.Frequency.MONTHLY:
        return local_date(first, "M Y")
    quarter, year = _quarter(first, fiscal_year_start_month)
    if fiscal_year_start_month == pm.JANUARY:
        return pgettext("period", "%(quarter)s %(year)s") % {"quarter": quarter, "year": year}
    return pgettext("period", "%(fiscal_year)s %(quarter)s") % {
        "quarter": quarter,
        "fiscal_year": year,
    }


def period_label(
    frequency: pm.Frequency | str,
    start: dt.date,
    *,
    week_start: int = pm.MONDAY,
    fiscal_year_start_month: int = pm.JANUARY,
) -> str:
    """The period of ``frequency`` holding ``start``, named in the active language (in
    English exactly as :func:`tandem.domain.periods.period_label` names it)."""
    return _label(pm.Frequency(frequency), start, week_start, fiscal_year_start_month, _language())


@functools.lru_cache(maxsize=4096)
def _column_words(
    frequency: pm.Frequency,
    start: dt.date,
    week_start: int,
    fiscal_year_start_month: int,
    language: str,
) -> tuple[str, str, str]:
    if frequency is pm.Frequency.WEEKLY or frequency is pm.Frequency.DAILY:
        short = local_date(start, "j M")
        full = local_date(start, "j M Y")
        if frequency is pm.Frequency.WEEKLY:
            full = gettext("week of %(day)s") % {"day": full}
        return short, str(start.year), full
    full = _label(frequency, start, week_start, fiscal_year_start_month, language)
    if frequency is pm.Frequency.MONTHLY:
        return local_date(start, "M"), str(start.year), full
    first = pm.period_start(
        frequency, start, week_start=week_start, fiscal_year_start_month=fiscal_year_start_month
    )
    quarter, year = _quarter(first, fiscal_year_start_month)
    return quarter, year, full


def column_words(
    frequency: pm.Frequency | str,
    start: dt.date,
    *,
    week_start: int = pm.MONDAY,
    fiscal_year_start_month: int = pm.JANUARY,
) -> tuple[str, str, str]:
    """A scorecard column's words for the period starting at ``start``: (short, year,
    full), e.g. ("7 Dec", "2026", "week of 7 Dec 2026"), ("Dec", "2026", "Dec 2026") or
    ("Q1", "FY2027", "FY2027 Q1"), in the active language."""
    return _column_words(
        pm.Frequency(frequency), start, week_start, fiscal_year_start_month, _language()
    )


def iso_week_label(name: str) -> str:
    """An ISO week's ledger name (``2026-W49``, ``tandem.domain.schedule.iso_week``) as
    the reader's language writes it ("KW 49/2026"); anything else comes back as is."""
    try:
        year, week = name.split("-W")
        monday = dt.date.fromisocalendar(int(year), int(week), 1)
    except ValueError:
        return name
    return period_label(pm.Frequency.WEEKLY, monday)
