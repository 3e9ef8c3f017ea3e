"""Real pages in German, French and Spanish: their text is translated, their numbers and
dates are written the language's way, and the organisation's own words beat the
translation."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from django.test import Client
from django.utils import timezone

from tandem.accounts import services as accounts
from tandem.accounts.models import User
from tandem.kpis import services as kpis
from tandem.okrs import services as okrs
from tests.accounts.conftest import run_worker
from tests.conftest import Cast, Mailbox


def reader(cast: Cast, client_for: Callable[[User], Client], language: str) -> Client:
    accounts.user_language_set(user=cast.member, language=language, organization=cast.org)
    return client_for(cast.member)


def check_in_a_large_value(cast: Cast) -> None:
    okrs.key_result_update(key_result=cast.kr, target=Decimal(5000), by=cast.owner)
    okrs.key_result_check_in(
        key_result=cast.kr, value="1234.5", confidence=7, by=cast.member, at=timezone.now()
    )


def test_the_objective_page_reads_german_with_german_numbers(
    cast: Cast, client_for: Callable[[User], Client]
):
    check_in_a_large_value(cast)
    page = reader(cast, client_for, "de").get(f"/objectives/{cast.objective.pk}/").content.decode()
    assert "Schlüsselergebnis hinzufügen" in page
    assert "Ziel bearbeiten" in page
    assert "Ambitioniert" in page  # the objective's kind, a model choice
    assert "Zuversicht" in page
    assert "Trägt bei zu" in page
    assert "Add key result" not in page
    assert "Contributes to" not in page
    # 1234.5 in the data table, with a German decimal comma and thousands dot.
    assert '<td class="num">1.234,5</td>' in page
    assert '<td class="num">1,234.5</td>' not in page
    # The activity tells the check-in in German, with the German number.
    assert (
        "Member Person hat 1.234,5 (vorher 0) zu „Sign new recurring contracts“ eingecheckt" in page
    )
    assert "Olivia Owner hat „Sign new recurring contracts“ (Schlüsselergebnis) angelegt" in page
    today = timezone.localdate()
    months = ["Jan.", "Feb.", "März", "Apr.", "Mai", "Juni", "Juli", "Aug.", "Sep.", "Okt."]
    months += ["Nov.", "Dez."]
    assert f"{today.day}. {months[today.month - 1]} {today.year}" in page


def test_the_objective_page_in_french_and_spanish(cast: Cast, client_for: Callable[[User], Client]):
    check_in_a_large_value(cast)
    url = f"/objectives/{cast.objective.pk}/"
    french = reader(cast, client_for, "fr").get(url).content.decode()
    assert "Ajouter un résultat clé" in french
    assert "Contribue à" in french
    # French groups thousands with a no-break space.
    assert '<td class="num">1\xa0234,5</td>' in french
    spanish = reader(cast, client_for, "es").get(url).content.decode()
    assert "Añadir resultado clave" in spanish
    assert "Contribuye a" in spanish
    assert "Confianza" in spanish
    assert "Historial de seguimiento" in spanish


def test_the_organisations_words_beat_the_translation_in_sentences(
    cast: Cast, client_for: Callable[[User], Client]
):
    accounts.organization_update(
        organization=cast.org,
        by=cast.owner,
        terminology={"key_result": {"singular": "Messlatte", "plural": "Messlatten"}},
    )
    client = reader(cast, client_for, "de")
    page = client.get(f"/objectives/{cast.objective.pk}/").content.decode()
    assert "Messlatte hinzufügen" in page
    assert "Schlüsselergebnis hinzufügen</a>" not in page
    # The concepts it did not rename are still said in the reader's language, and a
    # switch of language is not served the words cached for the first one.
    assert "Ziel bearbeiten" in page
    accounts.user_language_set(user=cast.member, language="fr", organization=cast.org)
    french = client.get(f"/objectives/{cast.objective.pk}/").content.decode()
    assert "Ajouter un Messlatte" in french
    assert "Modifier l\u2019objectif" in french
    assert "Ziel bearbeiten" not in french


def test_the_kpi_page_reads_spanish(cast: Cast, client_for: Callable[[User], Client]):
    kpi = kpis.kpi_create(organization=cast.org, name="Revenue", by=cast.owner)
    monday = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday() + 7)
    kpis.measurement_record(kpi=kpi, period_start=monday, value=Decimal("98765.25"), by=cast.owner)
    page = reader(cast, client_for, "es").get(f"/kpis/{kpi.pk}/").content.decode()
    assert "Mediciones" in page
    assert "Semanal" in page  # its frequency, a model choice
    assert "Más alto es mejor" in page
    assert "98\xa0765,25" in page
    assert "Measurements" not in page


def test_the_api_answers_in_english_whatever_the_browser_asks(cast: Cast, db: None):
    response = Client().get("/api/v1/objectives", HTTP_ACCEPT_LANGUAGE="de")
    assert response.status_code == 401
    assert response["Content-Language"] == "en"


def test_an_invitation_speaks_the_organisations_language_through_smtp(
    cast: Cast, client_for: Callable[[User], Client], smtp_server: Mailbox
):
    accounts.organization_update(organization=cast.org, by=cast.owner, language="de")
    response = client_for(cast.owner).post(
        "/settings/people/", {"email": "nia@acme.test", "role": "editor"}
    )
    assert response.status_code == 302
    run_worker()
    [message] = smtp_server.to("nia@acme.test")
    assert message["Subject"] == "Treten Sie Acme IT auf Tandem bei"
    text = Mailbox.text(message)
    assert "Olivia Owner lädt Sie ein, Acme IT auf Tandem als Bearbeiter beizutreten." in text
    assert "Der Link funktioniert bis" in text
    html = message.get_body(preferencelist=("html",))
    assert html is not None
    assert '<html lang="de">' in html.get_content()


def test_a_reminder_reads_the_persons_language_with_the_organisations_words(
    cast: Cast, client_for: Callable[[User], Client], smtp_server: Mailbox
):
    accounts.organization_update(
        organization=cast.org,
        by=cast.owner,
        language="de",
        terminology={"check_in": {"singular": "Pulse", "plural": "Pulses"}},
    )
    accounts.user_language_set(user=cast.admin, language="fr", organization=cast.org)
    client = client_for(cast.admin)
    page = client.post("/settings/reminders/test/", follow=True).content.decode()
    assert "Rappels" in page  # the settings page in French
    run_worker()
    [mail] = smtp_server.to(cast.admin.email)
    # An encoded (non-ASCII) subject comes back from the parser with its folding space.
    assert str(mail["Subject"]).strip() == (
        "Test : voici à quoi ressemblent les rappels de point d\u2019étape de Tandem"
    )
    text = Mailbox.text(mail)
    # French sentences, with the organisation's word for a check-in and not the translation.
    assert "Ceci est un test des rappels de Pulse de Acme IT." in text
    assert "point d\u2019étape" not in text
    assert "Choisissez les e-mails que vous recevez" in text


def test_the_cycles_and_health_pages_read_french(cast: Cast, client_for: Callable[[User], Client]):
    client = reader(cast, client_for, "fr")
    cycles = client.get("/cycles/").content.decode()
    assert "Progression moyenne" in cycles
    assert "Actif" in cycles  # the cycle's state, a model choice
    health = client.get("/health/").content.decode()
    assert "Santé de l\u2019entreprise" in health
    assert "Pastèques" in health
    assert "Company health" not in health


def test_the_home_team_and_scorecard_pages_read_spanish_with_the_check_in_form(
    cast: Cast, client_for: Callable[[User], Client]
):
    client = reader(cast, client_for, "es")
    team = client.get(f"/teams/{cast.team.slug}/").content.decode()
    assert "Nuevo objetivo" in team
    assert "Nunca actualizado" in team  # the key result row, drawn in Python
    assert "¿Qué se ha movido? (opcional)" in team  # its check-in form
    assert "Never checked in" not in team
    home = client.get("/").content.decode()
    assert "Mis OKR" in home
    scorecard = client.get("/scorecard/").content.decode()
    assert "Quitar filtros" in scorecard or "Aún no hay ningún KPI." in scorecard


def test_the_alignment_tree_and_the_not_found_page_read_german(
    cast: Cast, client_for: Callable[[User], Client]
):
    client = reader(cast, client_for, "de")
    tree = client.get("/tree/").content.decode()
    assert "Zielbaum" in tree
    assert "Gesamtfortschritt des Unternehmens" in tree
    assert "Fortschritt von" in tree  # a placement, drawn in Python
    assert "Company roll-up" not in tree
    assert "Progress of" not in tree
    missing = client.get("/objectives/999999/")
    assert missing.status_code == 404
    assert "Nicht gefunden" in missing.content.decode()


def test_form_labels_that_name_a_concept_say_the_organisations_words_else_the_translation(
    cast: Cast, client_for: Callable[[User], Client]
):
    accounts.organization_update(
        organization=cast.org,
        by=cast.owner,
        terminology={
            "cycle": {"singular": "Sprint", "plural": "Sprints"},
            "key_result": {"singular": "Messlatte", "plural": "Messlatten"},
            "check_in": {"singular": "Puls", "plural": "Pulse"},
        },
    )
    accounts.user_language_set(user=cast.owner, language="de", organization=cast.org)
    client = client_for(cast.owner)
    new = client.get("/objectives/new/").content.decode()
    assert '<label for="id_cycle">Sprint</label>' in new
    assert "Ein Team, oder eine Person für ein persönliches Ziel." in new
    assert "Wer eines seiner Messlatten verantwortet, sieht es auch." in new
    assert ">Cycle<" not in new
    objective = client.get(f"/objectives/{cast.objective.pk}/").content.decode()
    assert "Bewegt Messlatte" in objective  # the initiative's key result
    assert "Übergeordnetes Ziel oder Messlatte hinzufügen" in objective
    reminders = client.get("/settings/reminders/").content.decode()
    assert "Puls-Erinnerungen senden" in reminders
    assert "Puls-Tag" in reminders
    assert "Teamleitungen über verpasste Pulse informieren" in reminders
    settings_page = client.get("/settings/organization/").content.decode()
    assert "Woran ein Ziel gemessen wird." in settings_page  # a concept's help
    assert "EOS: Rocks und Measurables" in settings_page
    assert "Überführung vorschlagen, wenn ein KPI so viele Perioden rot ist" in settings_page
    assert "How an objective is measured." not in settings_page


def test_the_kpi_forms_help_reads_spanish(cast: Cast, client_for: Callable[[User], Client]):
    accounts.user_language_set(user=cast.owner, language="es", organization=cast.org)
    body = client_for(cast.owner).get("/kpis/new/").content.decode()
    assert "Verde con este valor o mejor." in body
    assert "Dentro de un rango: el valor sano más bajo." in body
    assert "Donde el amarillo pasa a rojo. Vacío: a un 10 % de la meta." in body
    assert "Green at or better than this." not in body


def test_links_kinds_imports_and_webhook_events_read_the_readers_language(
    cast: Cast, client_for: Callable[[User], Client]
):
    from tandem.kpis.models import ObjectiveKPI
    from tandem.reports import services as reports

    kpi = kpis.kpi_create(organization=cast.org, name="Uptime", by=cast.owner)
    kpis.objective_link_kpi(
        objective=cast.objective, kpi=kpi, by=cast.owner, role=ObjectiveKPI.Role.GUARDRAIL
    )
    reports.strategic_plan_save(organization=cast.org, by=cast.owner, purpose="Keep it running")
    accounts.user_language_set(user=cast.owner, language="de", organization=cast.org)
    client = client_for(cast.owner)
    audit = client.get("/audit/").content.decode()
    assert f"Olivia Owner hat Uptime als Leitplanke mit „{cast.objective.title}“ verknüpft" in audit
    assert "(Strategieplan) angelegt" in audit
    assert "(guardrail) for" not in audit
    objective = client.get(f"/objectives/{cast.objective.pk}/").content.decode()
    assert "Letzter Wert im Zyklus" in objective  # how a key result reads its KPI
    assert "Latest value in the cycle" not in objective
    accounts.user_language_set(user=cast.owner, language="es", organization=cast.org)
    imports = client.get("/import/").content.decode()
    assert "OKR: una fila por resultado clave (objetivo, responsable, base, meta…)" in imports
    assert "a row per key result" not in imports
    accounts.user_language_set(user=cast.owner, language="fr", organization=cast.org)
    webhooks = client.get("/settings/webhooks/").content.decode()
    assert "Un point d\u2019étape est enregistré" in webhooks
    assert "A check-in is recorded" not in webhooks


def test_the_home_page_says_how_long_ago_in_german_grammar(
    cast: Cast, client_for: Callable[[User], Client]
):
    three_days_ago = timezone.now() - dt.timedelta(days=3)
    okrs.key_result_check_in(
        key_result=cast.kr, value="90", confidence=8, by=cast.member, at=three_days_ago
    )
    page = reader(cast, client_for, "de").get("/").content.decode()
    assert "Letzter Check-in vor\xa03\xa0Tagen" in page  # the dative, not "vor 3 Tage"
