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
from typing import Any

from django.core.exceptions import ValidationError


@dataclass(frozen=True)
class Concept:
    key: str
    singular: str
    plural: str
    help: str


CONCEPTS: tuple[Concept, ...] = (
    Concept("objective", "objective", "objectives", "The qualitative “where”: Goals, Rocks…"),
    Concept("key_result", "key result", "key results", "How an objective is measured."),
    Concept("initiative", "initiative", "initiatives", "The work that should move a result."),
    Concept("check_in", "check-in", "check-ins", "A new value of a key result."),
    Concept("cycle", "cycle", "cycles", "The period OKRs run for: a quarter, usually."),
    Concept("kpi", "KPI", "KPIs", "A metric watched every period: Measurables…"),
    Concept("scorecard", "scorecard", "scorecards", "The table of KPIs by period."),
)
BY_KEY = {c.key: c for c in CONCEPTS}

PRESETS: dict[str, tuple[str, dict[str, tuple[str, str]]]] = {
    "okr": ("OKRs and KPIs (Tandem's words)", {}),
    "eos": (
        "EOS: Rocks and Measurables",
        {
            "objective": ("rock", "rocks"),
            "key_result": ("milestone", "milestones"),
            "initiative": ("to-do", "to-dos"),
            "check_in": ("update", "updates"),
            "cycle": ("quarter", "quarters"),
            "kpi": ("measurable", "measurables"),
        },
    ),
    "goals": (
        "Goals and metrics",
        {
            "objective": ("goal", "goals"),
            "key_result": ("measure of success", "measures of success"),
            "kpi": ("metric", "metrics"),
            "scorecard": ("dashboard", "dashboards"),
        },
    ),
    "priorities": (
        "Priorities",
        {
            "objective": ("priority", "priorities"),
            "cycle": ("period", "periods"),
        },
    ),
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
    ``terms.Key_results``, ``terms.a_key_result``, ``terms.A_key_result``."""

    def __init__(self, overrides: Mapping[str, Any] | None = None) -> None:
        super().__init__()
        overrides = overrides or {}
        for concept in CONCEPTS:
            given = overrides.get(concept.key) or {}
            singular = str(given.get("singular") or concept.singular)
            plural = str(given.get("plural") or concept.plural)
            key, plural_key = concept.key, _plural_key(concept.key)
            self[key] = singular
            self[plural_key] = plural
            self[_capital(key)] = _capital(singular)
            self[_capital(plural_key)] = _capital(plural)
            self[f"a_{key}"] = f"{_article(singular)} {singular}"
            self[f"A_{key}"] = f"{_capital(_article(singular))} {singular}"


def _plural_key(key: str) -> str:
    return {"check_in": "check_ins"}.get(key, key + "s")


DEFAULT = Terms()


def terms_of(organization: Any) -> Terms:
    """The words of ``organization`` (Tandem's own when it has none, or for ``None``)."""
    overrides = getattr(organization, "terminology", None)
    return Terms(overrides) if overrides else DEFAULT


def clean_terminology(raw: Mapping[str, Any]) -> dict[str, dict[str, str]]:
    """Check and normalise what an admin typed; only words that differ from Tandem's are
    kept. Errors name the field (``terminology.objective.plural``)."""
    errors: dict[str, str] = {}
    out: dict[str, dict[str, str]] = {}
    for key, value in raw.items():
        if key not in BY_KEY:
            errors[f"terminology.{key}"] = (
                f"“{key}” is not a concept Tandem names; the concepts are "
                + ", ".join(BY_KEY)
                + "."
            )
            continue
        concept = BY_KEY[key]
        words = {}
        for form in ("singular", "plural"):
            word = " ".join(str((value or {}).get(form, "") or "").split())
            if len(word) > MAX_LENGTH:
                errors[f"terminology.{key}.{form}"] = f"Keep it to {MAX_LENGTH} characters."
            elif any(ch in word for ch in "<>{}"):
                errors[f"terminology.{key}.{form}"] = "Use words only: no <, >, { or }."
            words[form] = word
        if bool(words["singular"]) != bool(words["plural"]):
            missing = "plural" if words["singular"] else "singular"
            errors[f"terminology.{key}.{missing}"] = (
                f"Give the {missing} too, so both forms of “{concept.singular}” change."
            )
            continue
        if words["singular"] and (
            words["singular"] != concept.singular or words["plural"] != concept.plural
        ):
            out[key] = words
    if errors:
        raise ValidationError(errors)
    return out
