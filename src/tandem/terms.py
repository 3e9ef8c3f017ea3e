"""An organisation's words for Tandem's concepts.

Teams that run EOS say Rocks and Measurables, others say Goals or Priorities. An
organisation renames the concepts once (``Organization.terminology``) and pages,
e-mails and exports say its words: templates read ``{{ terms.objectives }}``,
``{{ terms.Objective }}`` or ``{{ terms.a_key_result }}``; Python code calls
:func:`terms_of`.

Only the concepts' names change; what people typed (titles, notes) is never touched.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from django import forms


@dataclass(frozen=True)
class Concept:
    key: str
    singular: str
    plural: str
    help: str | Promise

    @property
    def name(self) -> str:
        """Tandem's word for the concept in the active language, capitalised."""
        return _capital(str(TRANSLATED[self.key][0]))


CONCEPTS: tuple[Concept, ...] = (
    Concept("objective", "objective", "objectives", _("The qualitative “where”: Goals, Rocks…")),
    Concept("key_result", "key result", "key results", _("How an objective is measured.")),
    Concept("initiative", "initiative", "initiatives", _("The work that should move a result.")),
    Concept("check_in", "check-in", "check-ins", _("A new value of a key result.")),
    Concept("cycle", "cycle", "cycles", _("The period OKRs run for: a quarter, usually.")),
    Concept("kpi", "KPI", "KPIs", _("A metric watched every period: Measurables…")),
    Concept("scorecard", "scorecard", "scorecards", _("The table of KPIs by period.")),
)
BY_KEY = {c.key: c for c in CONCEPTS}

# Tandem's own words in the other languages (singular, plural, with its indefinite
# article), for the concepts an organisation did not rename: its own words always win.
TRANSLATED: dict[str, tuple[Promise, Promise, Promise]] = {
    "objective": (
        pgettext_lazy("concept", "objective"),
        pgettext_lazy("concept", "objectives"),
        pgettext_lazy("concept", "an objective"),
    ),
    "key_result": (
        pgettext_lazy("concept", "key result"),
        pgettext_lazy("concept", "key results"),
        pgettext_lazy("concept", "a key result"),
    ),
    "initiative": (
        pgettext_lazy("concept", "initiative"),
        pgettext_lazy("concept", "initiatives"),
        pgettext_lazy("concept", "an initiative"),
    ),
    "check_in": (
        pgettext_lazy("concept", "check-in"),
        pgettext_lazy("concept", "check-ins"),
        pgettext_lazy("concept", "a check-in"),
    ),
    "cycle": (
        pgettext_lazy("concept", "cycle"),
        pgettext_lazy("concept", "cycles"),
        pgettext_lazy("concept", "a cycle"),
    ),
    "kpi": (
        pgettext_lazy("concept", "KPI"),
        pgettext_lazy("concept", "KPIs"),
        pgettext_lazy("concept", "a KPI"),
    ),
    "scorecard": (
        pgettext_lazy("concept", "scorecard"),
        pgettext_lazy("concept", "scorecards"),
        pgettext_lazy("concept", "a scorecard"),
    ),
}


# The presets' names are translated, and so are the words they fill in: an admin reading
# German who picks EOS gets the German words EOS teams use. Once saved they are the
# organisation's own words, which every reader then reads, whatever their language.
PRESETS: dict[str, tuple[str | Promise, dict[str, tuple[Promise, Promise]]]] = {
    "okr": (_("OKRs and KPIs (Tandem's words)"), {}),
    "eos": (
        _("EOS: Rocks and Measurables"),
        {
            "objective": (pgettext_lazy("preset", "rock"), pgettext_lazy("preset", "rocks")),
            "key_result": (
                pgettext_lazy("preset", "milestone"),
                pgettext_lazy("preset", "milestones"),
            ),
            "initiative": (pgettext_lazy("preset", "to-do"), pgettext_lazy("preset", "to-dos")),
            "check_in": (pgettext_lazy("preset", "update"), pgettext_lazy("preset", "updates")),
            "cycle": (pgettext_lazy("preset", "quarter"), pgettext_lazy("preset", "quarters")),
            "kpi": (pgettext_lazy("preset", "measurable"), pgettext_lazy("preset", "measurables")),
        },
    ),
    "goals": (
        _("Goals and metrics"),
        {
            "objective": (pgettext_lazy("preset", "goal"), pgettext_lazy("preset", "goals")),
            "key_result": (
                pgettext_lazy("preset", "measure of success"),
                pgettext_lazy("preset", "measures of success"),
            ),
            "kpi": (pgettext_lazy("preset", "metric"), pgettext_lazy("preset", "metrics")),
            "scorecard": (
                pgettext_lazy("preset", "dashboard"),
                pgettext_lazy("preset", "dashboards"),
            ),
        },
    ),
    "priorities": (
        _("Priorities"),
        {
            "objective": (
                pgettext_lazy("preset", "priority"),
                pgettext_lazy("preset", "priorities"),
            ),
            "cycle": (pgettext_lazy("preset", "period"), pgettext_lazy("preset", "periods")),
        },
    ),
}


def preset_words(key: str) -> dict[str, dict[str, str]]:
    """The words preset ``key`` fills in, in the active language, as ``terminology``."""
    return {
        concept: {"singular": str(singular), "plural": str(plural)}
        for concept, (singular, plural) in PRESETS[key][1].items()
    }


MAX_LENGTH = 40
_VOWELS = ("a", "e", "i", "o", "u")


def _capital(word: str) -> str:
    # "KPI" stays "KPI"; "key result" becomes "Key result".
    return word[:1].upper() + word[1:]


def _article(word: str) -> str:
    lowered = word.lower()
    # Acronyms read by their letters: "an OKR", "a KPI" — the sound decides, and only the
    # first letter of an all-capital word is a fair guess at it.
    if word[:2].isupper() and word[:1] in "AEFHILMNORSX":
        return "an"
    return "an" if lowered.startswith(_VOWELS) and not word[:2].isupper() else "a"


class Terms(dict[str, str]):
    """Every form of every concept's name, for templates: ``terms.key_results``,
    ``terms.Key_results``, ``terms.a_key_result``, ``terms.A_key_result``.

    The concepts the organisation did not rename are said in the active language; with
    ``translated=False`` (or in English) in Tandem's English words."""

    def __init__(
        self, overrides: Mapping[str, Any] | None = None, *, translated: bool = True
    ) -> None:
        super().__init__()
        overrides = overrides or {}
        english = not translated or (translation.get_language() or "en").split("-")[0] == "en"
        for concept in CONCEPTS:
            given = overrides.get(concept.key) or {}
            if given.get("singular") or given.get("plural"):
                singular = str(given.get("singular") or concept.singular)
                plural = str(given.get("plural") or concept.plural)
                # Another language's article depends on the word's gender, which Tandem
                # cannot know: the organisation's word stands alone there.
                with_article = f"{_article(singular)} {singular}" if english else singular
            elif english:
                singular, plural = concept.singular, concept.plural
                with_article = f"{_article(singular)} {singular}"
            else:
                singular, plural, with_article = (str(w) for w in TRANSLATED[concept.key])
            key, plural_key = concept.key, _plural_key(concept.key)
            self[key] = singular
            self[plural_key] = plural
            self[_capital(key)] = _capital(singular)
            self[_capital(plural_key)] = _capital(plural)
            self[f"a_{key}"] = with_article
            self[f"A_{key}"] = _capital(with_article)


def _plural_key(key: str) -> str:
    return {"check_in": "check_ins"}.get(key, key + "s")


# Tandem's English words, whatever language is active (exports' defaults, fallbacks).
DEFAULT = Terms(translated=False)
_DEFAULTS: dict[str, Terms] = {}


def default_terms() -> Terms:
    """Tandem's own words in the active language."""
    language = translation.get_language() or "en"
    if language not in _DEFAULTS:
        _DEFAULTS[language] = Terms()
    return _DEFAULTS[language]


def terms_of(organization: Any) -> Terms:
    """The words of ``organization`` in the active language (Tandem's own where it has
    none, or for ``None``); the organisation's own words win over any translation."""
    overrides = getattr(organization, "terminology", None)
    return Terms(overrides) if overrides else default_terms()


def clean_terminology(raw: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """Check and normalise what an admin typed; only words that differ from Tandem's are
    kept. Errors name the field (``terminology.objective.plural``)."""
    errors: dict[str, str] = {}
    out: dict[str, dict[str, str]] = {}
    for key, value in raw.items():
        if key not in BY_KEY:
            errors[f"terminology.{key}"] = gettext(
                "“%(key)s” is not a concept Tandem names; the concepts are %(concepts)s."
            ) % {"key": key, "concepts": ", ".join(BY_KEY)}
            continue
        concept = BY_KEY[key]
        words = {}
        for form in ("singular", "plural"):
            word = " ".join(str((value or {}).get(form, "") or "").split())
            if len(word) > MAX_LENGTH:
                errors[f"terminology.{key}.{form}"] = gettext(
                    "Keep it to %(count)s characters."
                ) % {"count": MAX_LENGTH}
            elif any(ch in word for ch in "<>{}"):
                errors[f"terminology.{key}.{form}"] = gettext("Use words only: no <, >, { or }.")
            words[form] = word
        if bool(words["singular"]) != bool(words["plural"]):
            missing = "plural" if words["singular"] else "singular"
            text = (
                gettext("Give the plural too, so both forms of “%(concept)s” change.")
                if missing == "plural"
                else gettext("Give the singular too, so both forms of “%(concept)s” change.")
            )
            errors[f"terminology.{key}.{missing}"] = text % {"concept": TRANSLATED[key][0]}
            continue
        if words["singular"] and (
            words["singular"] != concept.singular or words["plural"] != concept.plural
        ):
            out[key] = words
    if errors:
        raise ValidationError(errors)
    return out


class TermsMixin:
    """Labels and help texts that name a concept (a cycle, a key result…) say the
    organisation's word for it, else Tandem's in the reader's language.

    ``TERM_TEXTS`` maps a field to its (label, help text), each ``None`` to keep the
    field's own or a lazy text with placeholders of :class:`tandem.terms.Terms`
    (``%(key_result)s``); a form calls :meth:`name_concepts` with the ``terms`` its
    view passed (``org_terms(org)``), Tandem's own words without them.
    """

    TERM_TEXTS: ClassVar[dict[str, tuple[Promise | None, Promise | None]]] = {}
    fields: dict[str, forms.Field]

    def name_concepts(self, terms: Mapping[str, str] | None) -> Mapping[str, str]:
        words = terms if terms is not None else default_terms()
        for name, (label, help_text) in self.TERM_TEXTS.items():
            field = self.fields[name]
            if label is not None:
                # A translation may start with the concept's word: labels start capitalised.
                field.label = _capital(str(label) % words)
            if help_text is not None:
                field.help_text = str(help_text) % words
        return words
