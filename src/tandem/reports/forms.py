"""The strategic plan's form: it shapes the input; the rules are the service's."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tandem.kpis.models import KPI
from tandem.terms import TermsMixin


def lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class PlanForm(TermsMixin, forms.Form):
    TERM_TEXTS: ClassVar[dict[str, tuple[Promise | None, Promise | None]]] = {
        "key_kpis": (
            _("Key %(kpis)s"),
            _("The few %(kpis)s the whole company watches (at most twelve)."),
        ),
    }

    purpose = forms.CharField(
        label=_("Purpose"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Why the organisation exists, in a sentence or two."),
    )
    values = forms.CharField(
        label=_("Core values"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One per line. At most eight: the ones you hire and fire by."),
    )
    bhag = forms.CharField(
        label=_("BHAG"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("The big, hairy, audacious goal, 10 to 25 years out."),
    )
    bhag_year = forms.IntegerField(label=_("BHAG by (year)"), required=False)
    long_term_date = forms.DateField(
        label=_("3-5 year target date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    long_term_targets = forms.CharField(
        label=_("3-5 year targets"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line. Measurable: revenue, clients, people, profit."),
    )
    annual_targets = forms.CharField(
        label=_("This year's targets"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line."),
    )
    profit_per_x = forms.CharField(
        label=_("Profit per X"),
        required=False,
        help_text=_("The one economic denominator: profit per client, per seat, per visit…"),
    )
    key_kpis = forms.TypedMultipleChoiceField(
        label=_("Key KPIs"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The few KPIs the whole company watches (at most twelve)."),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        kpis: Sequence[KPI],
        terms: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.name_concepts(terms)
        self.kpis = {kpi.pk: kpi for kpi in kpis}
        self.fields["key_kpis"].choices = [  # type: ignore[attr-defined]
            (kpi.pk, kpi.name) for kpi in kpis
        ]

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "purpose": data["purpose"],
            "values": lines(data["values"]),
            "bhag": data["bhag"],
            "bhag_year": data["bhag_year"],
            "long_term_date": data["long_term_date"],
            "long_term_targets": lines(data["long_term_targets"]),
            "annual_targets": lines(data["annual_targets"]),
            "profit_per_x": data["profit_per_x"],
            "key_kpis": [self.kpis[pk] for pk in data["key_kpis"]],
            "version": data["version"],
        }
