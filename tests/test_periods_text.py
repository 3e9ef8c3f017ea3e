"""Periods named in the reader's language: in English exactly as the domain names them
(the exports and the API keep those), the customary way in German, French and Spanish."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from tandem.domain import periods as pm
from tandem.periods_text import column_words, iso_week_label, period_label


@settings(max_examples=200, deadline=None)
@given(
    frequency=st.sampled_from(list(pm.Frequency)),
    day=st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2200, 12, 31)),
    week_start=st.integers(1, 7),
    fiscal=st.integers(1, 12),
)
def test_in_english_a_period_reads_as_the_domain_names_it(frequency, day, week_start, fiscal):
    calendar = {"week_start": week_start, "fiscal_year_start_month": fiscal}
    with translation.override("en"):
        assert period_label(frequency, day, **calendar) == pm.period_label(
            frequency, day, **calendar
        )


DAY = dt.date(2026, 12, 7)  # a Monday, ISO week 50


@pytest.mark.parametrize(
    ("language", "week", "month", "quarter", "fiscal", "day"),
    [
        ("en", "2026-W50", "Dec 2026", "Q4 2026", "FY2027 Q1", "2026-12-07"),
        ("de", "KW 50/2026", "Dez. 2026", "Q4 2026", "GJ 2027 Q1", "07.12.2026"),
        ("fr", "S50 2026", "déc. 2026", "T4 2026", "T1 ex. 2027", "07/12/2026"),
        ("es", "S50 2026", "dic. 2026", "T4 2026", "T1 ej. 2027", "07/12/2026"),
    ],
)
def test_each_language_names_weeks_months_and_quarters_its_way(
    language, week, month, quarter, fiscal, day
):
    with translation.override(language):
        assert period_label(pm.Frequency.WEEKLY, DAY) == week
        assert period_label(pm.Frequency.MONTHLY, DAY) == month
        assert period_label(pm.Frequency.QUARTERLY, DAY) == quarter
        # A fiscal year from October 2026 to September 2027 is named after 2027.
        october = dt.date(2026, 10, 1)
        assert period_label(pm.Frequency.QUARTERLY, october, fiscal_year_start_month=10) == fiscal
        assert period_label(pm.Frequency.DAILY, DAY) == day
        assert iso_week_label("2026-W50") == week


@pytest.mark.parametrize(
    ("language", "weekly", "monthly", "fiscal"),
    [
        (
            "en",
            ("7 Dec", "2026", "week of 7 Dec 2026"),
            ("Dec", "2026", "Dec 2026"),
            ("Q1", "FY2027", "FY2027 Q1"),
        ),
        (
            "de",
            ("7. Dez.", "2026", "Woche ab 7. Dez. 2026"),
            ("Dez.", "2026", "Dez. 2026"),
            ("Q1", "GJ 2027", "GJ 2027 Q1"),
        ),
        (
            "fr",
            ("7 déc.", "2026", "semaine du 7 déc. 2026"),
            ("déc.", "2026", "déc. 2026"),
            ("T1", "ex. 2027", "T1 ex. 2027"),
        ),
        (
            "es",
            ("7 dic.", "2026", "semana del 7 dic. 2026"),
            ("dic.", "2026", "dic. 2026"),
            ("T1", "ej. 2027", "T1 ej. 2027"),
        ),
    ],
)
def test_scorecard_columns_are_named_in_the_readers_language(language, weekly, monthly, fiscal):
    with translation.override(language):
        assert column_words(pm.Frequency.WEEKLY, DAY) == weekly
        assert column_words(pm.Frequency.MONTHLY, dt.date(2026, 12, 1)) == monthly
        assert (
            column_words(pm.Frequency.QUARTERLY, dt.date(2026, 10, 1), fiscal_year_start_month=10)
            == fiscal
        )
