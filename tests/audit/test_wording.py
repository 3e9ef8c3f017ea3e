"""The history in people's words: the sentences every page shows for audit events."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tandem.audit.selectors import kpi_activity, objective_activity
from tandem.audit.wording import tell, tidy_numbers, with_unit
from tandem.kpis import services as kpis
from tandem.okrs import services as okrs
from tandem.okrs.models import KeyResult
from tests.conftest import Cast


def test_stored_decimals_lose_their_trailing_zeros_in_free_text():
    assert (
        tidy_numbers("Client satisfaction 2026-11-23: 91.8000")
        == "Client satisfaction 2026-11-23: 91.8"
    )
    assert tidy_numbers("from 199.0000 to 202.5") == "from 199 to 202.5"
    assert tidy_numbers("version 1.10.0 stays") == "version 1.10.0 stays"


def test_values_carry_their_unit():
    assert with_unit("62.5000", "percent") == "62.5%"
    assert with_unit("1200000", "currency", "EUR") == "EUR 1,200,000"
    assert with_unit(None) == "—"


def test_a_check_in_reads_as_who_checked_in_what_and_how_confident(cast: Cast):
    kr = okrs.key_result_create(
        objective=cast.objective,
        title="Raise the renewal rate",
        baseline=Decimal(60),
        target=Decimal(80),
        unit=KeyResult.Unit.PERCENT,
        owner=cast.member,
        by=cast.owner,
    )
    okrs.key_result_check_in(key_result=kr, value=Decimal("62.5"), confidence=7, by=cast.member)
    okrs.key_result_check_in(
        key_result=kr, value=Decimal(70), confidence=6, note="Two renewals", by=cast.member
    )
    told = tell(
        objective_activity(organization=cast.org, objective=cast.objective), organization=cast.org
    )
    latest, first = told[0], told[1]
    assert latest.sentence == (
        "Member Person checked in 70% (was 62.5%) on “Raise the renewal rate”, confidence 6; "
        "progress 12% → 50%"  # 12.5% rounds like every percentage on the pages
    )
    assert latest.note == "Two renewals"
    assert first.sentence.startswith("Member Person checked in 62.5% (was 60%)")


def test_a_milestone_check_in_says_done(cast: Cast):
    kr = okrs.key_result_create(
        objective=cast.objective,
        title="Publish the catalogue",
        kind=KeyResult.Kind.MILESTONE,
        owner=cast.member,
        by=cast.owner,
    )
    okrs.key_result_check_in(key_result=kr, done=True, confidence=9, by=cast.member)
    told = tell(
        objective_activity(organization=cast.org, objective=cast.objective), organization=cast.org
    )
    assert told[0].sentence.startswith(
        "Member Person marked “Publish the catalogue” done, confidence 9"
    )


def test_the_organisations_words_name_the_objects(cast: Cast):
    cast.org.terminology = {"objective": {"singular": "goal", "plural": "goals"}}
    cast.org.save()
    okrs.objective_update(objective=cast.objective, by=cast.editor, title="Lead the region")
    told = tell(
        objective_activity(organization=cast.org, objective=cast.objective), organization=cast.org
    )
    assert told[0].sentence == "Editor Person changed the goal “Lead the region”"
    assert [(c.field, c.before, c.after) for c in told[0].details] == [
        ("title", "Become the go-to IT service provider in our region", "Lead the region")
    ]


def test_a_corrected_measurement_says_what_it_was(cast: Cast):
    kpi = kpis.kpi_create(organization=cast.org, name="Uptime", by=cast.editor, unit="percent")
    day = dt.date(2026, 11, 2)
    kpis.measurement_record(kpi=kpi, period_start=day, value=Decimal("99.1"), by=cast.editor)
    kpis.measurement_record(
        kpi=kpi, period_start=day, value=Decimal("99.9"), by=cast.admin, note="Typo"
    )
    told = tell(kpi_activity(organization=cast.org, kpi=kpi), organization=cast.org)
    assert (
        told[0].sentence
        == "Admin Person corrected Uptime for the period of 2 Nov 2026 to 99.9% (was 99.1%)"
    )
    assert told[0].note == "Typo"
    assert (
        told[1].sentence == "Editor Person recorded 99.1% for Uptime for the period of 2 Nov 2026"
    )


def test_telling_a_feed_costs_the_same_queries_however_many_check_ins(
    cast: Cast, django_assert_max_num_queries
):
    for i in range(15):
        okrs.key_result_check_in(key_result=cast.kr, value=Decimal(i), confidence=5, by=cast.member)
    feed = objective_activity(organization=cast.org, objective=cast.objective)
    with django_assert_max_num_queries(1):  # the check-ins with their key results
        told = tell(feed, organization=cast.org)
    assert len(told) == len(feed)
