"""The organisation's settings page: calendar, status thresholds, words and coach rules."""

from __future__ import annotations

import zoneinfo
from decimal import Decimal
from typing import Any, ClassVar

from django import forms
from django.utils import dates
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tandem.accounts.models import LANGUAGE_CHOICES, Organization
from tandem.accounts.services import ORGANIZATION_SETTINGS
from tandem.coach_text import rule_title
from tandem.domain.coach import RULES
from tandem.terms import CONCEPTS, MAX_LENGTH, PRESETS, Terms, TermsMixin, preset_words

# The settings edited as they are; the words and the coach's rules have fields of their own.
PLAIN_SETTINGS = [
    name for name in ORGANIZATION_SETTINGS if name not in ("terminology", "coach_disabled_rules")
]

# The months by number, in the reader's language (Django's own translations).
MONTHS = list(dates.MONTHS.items())


def _timezones() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


class PercentField(forms.DecimalField):
    """A stored fraction (0.1) that people read and type as a percentage (10)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("widget", forms.NumberInput(attrs={"step": "0.1", "min": 0, "max": 100}))
        super().__init__(min_value=0, max_value=100, decimal_places=1, **kwargs)

    def prepare_value(self, value: Any) -> Any:
        # The stored fraction is shown as a percentage; typed text is shown as typed.
        if isinstance(value, Decimal):
            text = f"{(value * 100).normalize():f}"
            return text.rstrip("0").rstrip(".") if "." in text else text
        return value

    def to_python(self, value: Any) -> Decimal | None:  # type: ignore[override]  # the stubs type DecimalField as IntegerField
        number = super().to_python(value)
        if number is None:
            return None
        # "10.000" is ten: trailing zeros are not decimal places someone typed.
        return number.quantize(Decimal(1)) if number == number.to_integral() else number.normalize()

    def clean(self, value: Any) -> Decimal | None:
        percent = super().clean(value)
        # Stored with the model's three decimal places: 12.5 -> 0.125, 10 -> 0.100.
        return None if percent is None else (percent / 100).quantize(Decimal("0.001"))


class OrganizationSettingsForm(TermsMixin, forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    timezone = forms.ChoiceField(
        label=_("Timezone"), help_text=_("Periods, due check-ins and reminders follow this clock.")
    )
    week_start = forms.TypedChoiceField(
        coerce=int, choices=Organization.Weekday.choices, label=_("Weeks start on")
    )
    fiscal_year_start_month = forms.TypedChoiceField(
        coerce=int, choices=MONTHS, label=_("Fiscal year starts in")
    )
    status_on_track_gap = PercentField(
        label=_("On track while behind pace by at most (%)"),
        help_text=_(
            "Percentage points of the way from baseline to target: 10 means a key "
            "result expected at 50% is on track from 40%."
        ),
    )
    status_at_risk_gap = PercentField(
        label=_("At risk while behind pace by at most (%)"),
        help_text=_("Further behind is off track."),
    )
    status_low_confidence = forms.IntegerField(
        min_value=0,
        max_value=10,
        label=_("Confidence at or below this is at risk"),
    )
    promote_after_red_periods = forms.IntegerField(
        min_value=1, max_value=52, label=_("Suggest promoting a KPI red for this many periods")
    )
    demote_after_green_periods = forms.IntegerField(
        min_value=1, max_value=52, label=_("Suggest demoting a promoted KPI green for")
    )
    TERM_TEXTS: ClassVar[dict[str, tuple[Promise | None, Promise | None]]] = {
        "promote_after_red_periods": (
            _("Suggest promoting %(a_kpi)s red for this many periods"),
            None,
        ),
        "demote_after_green_periods": (_("Suggest demoting a promoted %(kpi)s green for"), None),
    }
    password_sign_in = forms.BooleanField(
        required=False,
        label=_("Allow signing in with a password"),
        help_text=_(
            "Untick when everyone signs in through single sign-on: passwords then stop "
            "working for the members of this organisation."
        ),
    )
    language = forms.ChoiceField(
        required=False,
        label=_("Default language"),
        choices=[("", _("Each person's browser decides")), *LANGUAGE_CHOICES],
        help_text=_("For people who have not chosen a language in their profile menu."),
    )
    preset = forms.ChoiceField(
        required=False,
        label=_("Start from"),
        choices=[("", _("— keep the words below —"))]
        + [(key, label) for key, (label, _) in PRESETS.items()],
        help_text=_("Fills the words below when saved; change any of them afterwards."),
    )
    coach_rules = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(rule.id.value, rule.title) for rule in RULES.values()],
        label=_("The coach checks"),
    )

    def __init__(self, *args: Any, terms: Terms | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.name_concepts(terms)
        coach_rules = self.fields["coach_rules"]
        assert isinstance(coach_rules, forms.ChoiceField)
        # The rules' titles in the reader's language, with the organisation's words.
        coach_rules.choices = [(rule.value, rule_title(rule, terms)) for rule in RULES]
        timezone = self.fields["timezone"]
        assert isinstance(timezone, forms.ChoiceField)
        timezone.choices = _timezones()
        for concept in CONCEPTS:
            for form, default, word in (
                ("singular", concept.singular, _("singular")),
                ("plural", concept.plural, _("plural")),
            ):
                self.fields[f"term_{concept.key}_{form}"] = forms.CharField(
                    required=False,
                    max_length=MAX_LENGTH,
                    label=f"{concept.name}, {word}",
                    widget=forms.TextInput(attrs={"placeholder": default}),
                )

    def term_rows(self) -> list[tuple[Any, forms.BoundField, forms.BoundField]]:
        return [
            (concept, self[f"term_{concept.key}_singular"], self[f"term_{concept.key}_plural"])
            for concept in CONCEPTS
        ]

    @classmethod
    def initial_for(cls, org: Organization) -> dict[str, Any]:
        initial: dict[str, Any] = {name: getattr(org, name) for name in PLAIN_SETTINGS}
        disabled = set(org.coach_disabled_rules or [])
        initial["coach_rules"] = [rule.value for rule in RULES if rule.value not in disabled]
        for key, words in (org.terminology or {}).items():
            initial[f"term_{key}_singular"] = words.get("singular", "")
            initial[f"term_{key}_plural"] = words.get("plural", "")
        return initial

    def changes(self) -> dict[str, Any]:
        """What to hand to ``organization_update``."""
        data = self.cleaned_data
        out = {name: data[name] for name in PLAIN_SETTINGS}
        enabled = set(data.get("coach_rules") or [])
        out["coach_disabled_rules"] = [r.value for r in RULES if r.value not in enabled]
        preset = data.get("preset")
        if preset:
            out["terminology"] = preset_words(preset)
        else:
            out["terminology"] = {
                concept.key: {
                    "singular": data.get(f"term_{concept.key}_singular", ""),
                    "plural": data.get(f"term_{concept.key}_plural", ""),
                }
                for concept in CONCEPTS
            }
        return out

    def service_field(self, name: str) -> str | None:
        """The form field a service error names (``terminology.objective.plural``)."""
        if name.startswith("terminology."):
            parts = name.split(".")
            if len(parts) == 3:
                return f"term_{parts[1]}_{parts[2]}"
            return None
        if name == "coach_disabled_rules":
            return "coach_rules"
        return name if name in self.fields else None
