"""The coach's suggestions in the reader's language: every sentence the pure domain
can say has its words in German, French and Spanish, with the organisation's names for
the concepts, on the objective page, the cycle's coach report and while one writes."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tandem.accounts import services as accounts
from tandem.accounts.models import User
from tandem.coach_text import rule_title, suggestions
from tandem.domain.coach import (
    CODES,
    RULES,
    Finding,
    KeyResultDraft,
    KeyResultKind,
    ObjectiveDraft,
    coach,
)
from tandem.domain.scoring import Kind
from tandem.terms import Terms
from tests.conftest import Cast

D = Decimal


LEVEL = D("1200.5")


def every_kind_of_finding(level: Decimal = LEVEL) -> list[Finding]:
    messy = ObjectiveDraft(
        "Keep the lights on",
        key_results=(
            KeyResultDraft("Launch a road show", days_since_check_in=20),
            KeyResultDraft("Make a report on churn", kind=KeyResultKind.MILESTONE),
            KeyResultDraft("Hold meetings with key clients", baseline=D(1), target=D(2)),
            KeyResultDraft("Grow", baseline=level, target=level),
            KeyResultDraft("No target", baseline=D(1)),
            KeyResultDraft("No baseline", target=D(1)),
            KeyResultDraft("Nothing"),
        ),
        kind=Kind.COMMITTED,
        has_owner=False,
        owner_objectives=7,
        cycle_active=True,
        days_into_cycle=30,
        forecast_progress=D("0.456"),
    )
    never = ObjectiveDraft(
        "X", key_results=(KeyResultDraft("a"),), cycle_active=True, days_into_cycle=1
    )
    findings = coach(messy) + coach(never) + coach(ObjectiveDraft("Y"))
    assert {f.code for f in findings} == set(CODES)
    return findings


def test_in_english_the_suggestions_say_what_the_domain_says():
    # (A level below a thousand: the pages write 1,200.5 where the domain writes 1200.5.)
    findings = every_kind_of_finding(D("12.5"))
    with translation.override("en"):
        said = suggestions(findings, Terms())
        titles = [rule_title(rule) for rule in RULES]
    assert [(s.message, s.example) for s in said] == [(f.message, f.example) for f in findings]
    assert titles == [rule.title for rule in RULES.values()]


@pytest.mark.parametrize(
    ("language", "objective", "advice"),
    [("de", "Ziel", "Hinweis"), ("fr", "objectif", "Conseil"), ("es", "objetivo", "Consejo")],
)
def test_every_suggestion_has_its_words_in_each_language(
    language: str, objective: str, advice: str
):
    findings = every_kind_of_finding()
    with translation.override(language):
        said = suggestions(findings, Terms())
        titles = {rule_title(rule) for rule in RULES}
    for finding, suggestion in zip(findings, said, strict=True):
        # Nothing of the English sentence, its explanation or its example is left.
        assert finding.message.split(".")[0] not in suggestion.message, finding.code
        assert finding.message.rsplit(". ", 1)[-1] not in suggestion.message, finding.code
        assert suggestion.example != finding.example, finding.code
        assert "%" not in suggestion.message.replace("\u202f%", ""), suggestion.message
    assert {rule.title for rule in RULES.values()}.isdisjoint(titles)
    assert any(objective in s.message for s in said)
    assert advice in {s.severity_label for s in said}
    by_code = {s.finding.code: s.message for s in said}
    # Numbers in the sentences are written the language's way.
    assert {"de": "1.200,5", "fr": "1\xa0200,5", "es": "1\xa0200,5"}[language] in by_code[
        "target_equals_baseline"
    ]
    assert {"de": "46\u202f%", "fr": "46\u202f%", "es": "46\u202f%"}[language] in by_code[
        "committed_forecast_miss"
    ]


def reader(cast: Cast, client_for: Callable[[User], Client], language: str) -> Client:
    accounts.user_language_set(user=cast.member, language=language, organization=cast.org)
    return client_for(cast.member)


def test_the_objective_page_gives_the_coachs_advice_in_german(
    cast: Cast, client_for: Callable[[User], Client]
):
    page = reader(cast, client_for, "de").get(reverse("objective", args=[cast.objective.pk]))
    box = page.content.decode().split('id="coach"')[1].split("</details>")[0]
    assert "Dieses Ziel hat 1 Schlüsselergebnis." in box
    assert "Weniger als drei Schlüsselergebnisse beschreiben das Ergebnis selten" in box
    assert '<span class="pill">Warnung</span>' in box
    assert "Besser: Ziel „Der erste IT-Dienstleister unserer Region werden“" in box
    assert "This objective has" not in box
    assert "rarely describe" not in box


def test_the_cycles_coach_report_reads_french_and_the_organisations_words_win(
    cast: Cast, client_for: Callable[[User], Client]
):
    url = reverse("cycle_coach", args=[cast.cycle.pk])
    client = reader(cast, client_for, "fr")
    french = client.get(url).content.decode()
    assert "Cet objectif a 1 résultat clé." in french
    assert "Moins de trois résultats clés décrivent rarement tout le résultat" in french
    accounts.organization_update(
        organization=cast.org,
        by=cast.owner,
        terminology={"key_result": {"singular": "jalon", "plural": "jalons"}},
    )
    renamed = client.get(url).content.decode()
    assert "Cet objectif a 1 jalon." in renamed
    assert "Moins de trois jalons décrivent" in renamed
    assert "résultat clé." not in renamed


def test_the_coach_reads_along_in_spanish_while_an_objective_is_written(
    cast: Cast, client_for: Callable[[User], Client]
):
    response = reader(cast, client_for, "es").post(
        "/coach/draft/",
        {
            "title": "Maintain server uptime",
            "kr-0-title": "Hold weekly meetings",
            "kr-0-kind": "milestone",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "«Maintain server uptime» empieza por «maintain»: mantiene algo en marcha." in page
    assert "«Hold weekly meetings» se lee como trabajo por hacer («hold weekly»)" in page
    assert "Este objetivo tiene 1 resultado clave." in page
    assert "keeps something going" not in page


def test_the_coach_rules_on_the_settings_page_read_german_with_the_organisations_words(
    cast: Cast, client_for: Callable[[User], Client]
):
    accounts.organization_update(
        organization=cast.org,
        by=cast.owner,
        terminology={"objective": {"singular": "Rock", "plural": "Rocks"}},
    )
    accounts.user_language_set(user=cast.owner, language="de", organization=cast.org)
    page = client_for(cast.owner).get("/settings/organization/").content.decode()
    assert "Drei bis fünf Schlüsselergebnisse" in page
    assert "Wenige, entscheidende Rocks" in page
    assert "Ein Ergebnis, keine Tätigkeit" in page
    assert "An outcome, not an activity" not in page
