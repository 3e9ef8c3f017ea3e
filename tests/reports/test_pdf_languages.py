"""The PDF reports in the reader's language: headings, sentences, dates, numbers, colours
and period names, with the organisation's words winning over the translation."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django.utils import translation

from tandem.accounts import services as accounts
from tandem.accounts.models import User
from tandem.periods_text import period_label
from tandem.reports import services
from tests.conftest import Cast
from tests.kpis_web.conftest import weeks
from tests.reports.conftest import Board, Review, pdf_text

pytestmark = pytest.mark.django_db


def reader(cast: Cast, client_for: Callable[[User], Client], language: str) -> Client:
    accounts.user_language_set(user=cast.owner, language=language, organization=cast.org)
    return client_for(cast.owner)


def test_the_scorecard_pdf_reads_german_with_german_weeks_and_numbers(
    cast: Cast, scorecard_kpis: Board, client_for
):
    client = reader(cast, client_for, "de")
    text = pdf_text(client.get(f"/scorecard.pdf?periods=4&team={cast.team.slug}").content)
    assert "KPIs der letzten 4 Wochen · verantwortet von Sales" in text
    with translation.override("de"):
        labels = [period_label("weekly", start) for start in weeks(cast, 4)]
    for label in labels:
        assert label in text  # KW 49/2026
    assert "Zellen: grün im Ziel, gelb knapp daneben, rot verfehlt" in text
    assert "Grün" in text
    assert "over the last" not in text
    assert "Cells:" not in text


def test_the_review_pdf_reads_spanish(cast: Cast, closed_review: Review, client_for):
    text = pdf_text(
        reader(cast, client_for, "es").get(f"/cycles/{cast.cycle.pk}/review.pdf").content
    )
    assert "Puntuación media" in text
    assert "Bandas: 0,0\u20130,3 rojo, 0,4\u20130,6 amarillo, 0,7\u20131,0 verde" in text
    assert "Toda la organización" in text
    assert "1,0 verde" in text  # the score and its band
    assert "Mean score" not in text
    assert "Whole organisation" not in text
    assert "Página 1 de" in text


def test_the_plan_pdf_reads_french_with_the_organisations_words(
    cast: Cast, scorecard_kpis: Board, client_for
):
    services.strategic_plan_save(
        organization=cast.org,
        by=cast.owner,
        purpose="Garder les ordinateurs de nos clients en marche",
        bhag="Le partenaire informatique de 10 000 entreprises",
        bhag_year=2040,
        key_kpis=[scorecard_kpis.sales, scorecard_kpis.company],
    )
    accounts.organization_update(
        organization=cast.org,
        by=cast.owner,
        terminology={"kpi": {"singular": "indicateur", "plural": "indicateurs"}},
    )
    text = pdf_text(reader(cast, client_for, "fr").get("/plan.pdf").content)
    assert "BHAG (d\u2019ici 2040)" in text
    assert "Acme IT : plan stratégique" in text
    # The key KPIs under the organisation's own word, with colours in French.
    assert "indicateurs" in text
    assert "Signed contracts Sales 95 ≥ 90 Vert" in text
    months = ["janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août"]
    months += ["septembre", "octobre", "novembre", "décembre"]
    today = cast.org.today()
    assert f"{today.day} {months[today.month - 1]} {today.year}" in text
    assert "(by 2040)" not in text
