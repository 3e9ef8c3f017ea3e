"""Planning a fiscal year: the year and its four quarters in one step."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from tandem.audit.models import AuditEvent
from tandem.okrs import services
from tandem.okrs.models import Cycle
from tests.conftest import Cast


def test_a_calendar_fiscal_year_creates_the_year_and_four_quarters(cast: Cast):
    year, quarters = services.cycle_create_quarters_for_year(
        organization=cast.org, year=2031, by=cast.owner
    )
    assert (year.name, year.kind, year.start_date, year.end_date) == (
        "2031",
        Cycle.Kind.YEAR,
        dt.date(2031, 1, 1),
        dt.date(2031, 12, 31),
    )
    assert [(q.name, q.start_date, q.end_date) for q in quarters] == [
        ("Q1 2031", dt.date(2031, 1, 1), dt.date(2031, 3, 31)),
        ("Q2 2031", dt.date(2031, 4, 1), dt.date(2031, 6, 30)),
        ("Q3 2031", dt.date(2031, 7, 1), dt.date(2031, 9, 30)),
        ("Q4 2031", dt.date(2031, 10, 1), dt.date(2031, 12, 31)),
    ]
    assert all(q.parent == year and q.kind == Cycle.Kind.QUARTER for q in quarters)
    assert all(c.state == Cycle.State.PLANNING for c in [year, *quarters])
    assert AuditEvent.objects.filter(organization=cast.org, action="cycle.create").count() == 6


def test_a_fiscal_year_starting_in_april_spans_two_calendar_years(cast: Cast):
    cast.org.fiscal_year_start_month = 4
    cast.org.save()
    year, quarters = services.cycle_create_quarters_for_year(
        organization=cast.org, year=2030, by=cast.owner
    )
    assert (year.name, year.start_date, year.end_date) == (
        "FY2030-31",
        dt.date(2030, 4, 1),
        dt.date(2031, 3, 31),
    )
    assert quarters[3].name == "Q4 FY2030-31"
    assert (quarters[3].start_date, quarters[3].end_date) == (
        dt.date(2031, 1, 1),
        dt.date(2031, 3, 31),
    )


def test_a_taken_name_creates_nothing_and_names_the_clash(cast: Cast):
    services.cycle_create(
        organization=cast.org,
        name="q2 2032",
        start_date=dt.date(2032, 4, 1),
        end_date=dt.date(2032, 6, 30),
        by=cast.owner,
    )
    before = Cycle.objects.count()
    with pytest.raises(ValidationError) as caught:
        services.cycle_create_quarters_for_year(organization=cast.org, year=2032, by=cast.owner)
    assert caught.value.message_dict == {"year": ["“Q2 2032” already exists."]}
    assert Cycle.objects.count() == before


def test_an_absurd_year_is_refused_on_the_year_field(cast: Cast):
    with pytest.raises(ValidationError) as caught:
        services.cycle_create_quarters_for_year(organization=cast.org, year=20255, by=cast.owner)
    assert "year" in caught.value.message_dict
