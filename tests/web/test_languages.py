"""Languages: a person reads Tandem in their own language, else their organisation's,
else their browser's; every string of the translations is translated; the
organisation's own words win over the translation; numbers and dates follow the language."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path

import polib  # type: ignore[import-untyped]
import pytest
from django.conf import settings
from django.template import Context, Template
from django.test import Client
from django.utils import translation

from tandem.accounts import services as accounts
from tandem.accounts.models import User
from tandem.terms import Terms, terms_of
from tests.conftest import Cast

LOCALE = Path(settings.LOCALE_PATHS[0])
TRANSLATED = [code for code, _ in settings.LANGUAGES if code != "en"]
PLACEHOLDER = re.compile(r"%\([a-z_0-9]+\)[sd]|%%")


@pytest.mark.parametrize("language", TRANSLATED)
def test_every_string_has_a_translation_and_the_compiled_file_matches(language: str):
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    assert len(po) > 40
    assert [e.msgid for e in po if not e.translated() and not e.obsolete] == []
    assert [e.msgid for e in po if "fuzzy" in e.flags] == []
    assert not po.metadata_is_fuzzy
    # The .mo is what Django reads: a .po edited without compiling it shows here.
    mo = polib.mofile(str(LOCALE / language / "LC_MESSAGES" / "django.mo"))
    compiled = {(e.msgctxt, e.msgid): (e.msgstr, e.msgstr_plural) for e in mo}
    stale = [
        e.msgid
        for e in po
        if not e.obsolete
        and compiled.get((e.msgctxt, e.msgid)) != (e.msgstr, e.msgstr_plural or {})
    ]
    assert stale == [], f"run tandem compilemessages: {stale}"
    forms = int(re.search(r"nplurals=(\d+)", po.metadata["Plural-Forms"]).group(1))  # type: ignore[union-attr]
    # Placeholders survive the translation: the same names, as many percent signs.
    for entry in po:
        if entry.obsolete:
            continue
        pairs = [(entry.msgid, entry.msgstr)]
        if entry.msgid_plural:
            # Every plural form the language has (Spanish has three: one, a round
            # million, the rest); a missing one shows the English text instead.
            assert sorted(entry.msgstr_plural) == list(range(forms)), entry.msgid
            pairs = [(entry.msgid, entry.msgstr_plural[0])] + [
                (entry.msgid_plural, entry.msgstr_plural[n]) for n in range(1, forms)
            ]
        for source, translated in pairs:
            assert sorted(PLACEHOLDER.findall(source)) == sorted(PLACEHOLDER.findall(translated)), (
                source
            )


def test_a_person_who_chose_german_reads_german(cast: Cast, client_for: Callable[[User], Client]):
    accounts.user_language_set(user=cast.member, language="de", organization=cast.org)
    response = client_for(cast.member).get("/", HTTP_ACCEPT_LANGUAGE="fr")
    body = response.content.decode()
    assert response.status_code == 200
    assert response["Content-Language"] == "de"
    assert '<html lang="de">' in body
    assert "Abmelden" in body
    assert "Log out" not in body
    assert ">Zyklen</a>" in body  # Tandem's word for cycles, in German


def test_the_organisations_language_is_the_default_and_the_persons_choice_beats_it(
    cast: Cast, client_for: Callable[[User], Client]
):
    accounts.organization_update(organization=cast.org, by=cast.owner, language="es")
    client = client_for(cast.member)
    assert "Cerrar sesión" in client.get("/", HTTP_ACCEPT_LANGUAGE="de").content.decode()
    response = client.post("/language/", {"language": "fr", "next": "/teams/"})
    assert response.status_code == 302
    assert response["Location"] == "/teams/"
    cast.member.refresh_from_db()
    assert cast.member.language == "fr"
    assert "Se déconnecter" in client.get("/").content.decode()
    client.post("/language/", {"language": "", "next": "/"})
    cast.member.refresh_from_db()
    assert cast.member.language == ""
    assert "Cerrar sesión" in client.get("/").content.decode()


def test_an_unknown_language_is_refused_and_nothing_changes(
    cast: Cast, client_for: Callable[[User], Client]
):
    response = client_for(cast.member).post("/language/", {"language": "xx"})
    assert response.status_code == 400
    assert "xx" in response.content.decode()
    cast.member.refresh_from_db()
    assert cast.member.language == ""


def test_the_sign_in_page_follows_the_browser_and_its_own_menu(db: None):
    client = Client()
    french = client.get("/login/", HTTP_ACCEPT_LANGUAGE="fr-FR,fr;q=0.9")
    assert french["Content-Language"] == "fr"
    assert "Mot de passe oublié ?" in french.content.decode()
    assert "Accept-Language" in french["Vary"]
    client.post("/language/", {"language": "de", "next": "/login/"})
    german = client.get("/login/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Passwort vergessen?" in german


def test_a_language_without_a_translation_falls_back_to_english(db: None):
    body = Client().get("/login/", HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "Forgot your password?" in body
    assert '<html lang="en">' in body


def test_the_organisations_own_words_win_over_the_translation():
    with translation.override("de"):
        words = Terms({"objective": {"singular": "Rock", "plural": "Rocks"}})
        assert words["Objectives"] == "Rocks"
        assert words["key_results"] == "Schlüsselergebnisse"
        assert words["A_kpi"] == "Ein KPI"
    with translation.override("en"):
        assert terms_of(None)["a_objective"] == "an objective"
    with translation.override("fr"):
        assert terms_of(None)["Scorecard"] == "Tableau de bord"


@pytest.mark.parametrize(
    ("language", "day"),
    [("en", "7 Dec 2026"), ("de", "7. Dez. 2026"), ("fr", "7 déc. 2026"), ("es", "7 dic. 2026")],
)
def test_dates_are_written_the_languages_way(language: str, day: str):
    page = Template('{{ d|local_date:"j M Y" }}')
    with translation.override(language):
        assert page.render(Context({"d": dt.date(2026, 12, 7)})) == day


@pytest.mark.parametrize("language", TRANSLATED)
@pytest.mark.parametrize("count", [1, 2, 5, 21])
def test_counted_sentences_are_translated_for_every_count(language: str, count: int):
    po = polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))
    plurals = [e for e in po if e.msgid_plural and not e.obsolete]
    assert plurals
    with translation.override(language):
        untranslated = [
            e.msgid
            for e in plurals
            if (
                translation.npgettext(e.msgctxt, e.msgid, e.msgid_plural, count)
                if e.msgctxt
                else translation.ngettext(e.msgid, e.msgid_plural, count)
            )
            not in e.msgstr_plural.values()
        ]
    assert untranslated == []


@pytest.mark.parametrize(
    ("language", "days", "said"),
    [
        ("en", 3, "3 days ago"),
        ("en", 1, "1 day ago"),
        ("de", 3, "vor 3 Tagen"),
        ("de", 1, "vor 1 Tag"),
        ("fr", 3, "il y a 3 jours"),
        ("es", 3, "hace 3 días"),
    ],
)
def test_how_long_ago_is_one_sentence_in_each_language(language: str, days: int, said: str):
    page = Template("{% load tandem %}{{ when|ago }}")
    when = dt.datetime.now(dt.UTC) - dt.timedelta(days=days, hours=1)
    with translation.override(language):
        # Django keeps the words of an age together with no-break spaces.
        assert page.render(Context({"when": when})) == said.replace(" ", "\xa0")


def test_a_refusal_is_explained_in_the_readers_language(
    cast: Cast, client_for: Callable[[User], Client]
):
    accounts.user_language_set(user=cast.member, language="de", organization=cast.org)
    accounts.user_language_set(user=cast.viewer, language="fr", organization=cast.org)
    webhooks = client_for(cast.member).get("/settings/webhooks/")
    assert webhooks.status_code == 403
    assert "Nur Inhaber und Admins können Webhooks verwalten." in webhooks.content.decode()
    audit = client_for(cast.member).get("/audit/")
    assert "Nur Inhaber und Admins können das Audit-Protokoll lesen." in audit.content.decode()
    viewer = client_for(cast.viewer).get("/settings/webhooks/").content.decode()
    assert "Seuls les propriétaires et les administrateurs peuvent gérer les webhooks." in viewer
    assert "Only owners and admins" not in viewer
