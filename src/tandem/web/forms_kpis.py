"""Forms of the KPI pages: they check the shape of the input and hand it to the services.

The rules (a key used twice, thresholds on the wrong side of the target, a period in
the future) live in :mod:`tandem.kpis.services`; their ``ValidationError`` lands on
the field it names through :func:`tandem.web.forms.apply_service_errors`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tandem.accounts.models import Team, User
from tandem.kpis.models import KPI, Aggregation, Direction, Frequency, Unit

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

# What a service calls a field, when the form shows it under another name.
SERVICE_ALIASES = {"owner_team": "owner", "owner_user": "owner"}


def _decimal(help_text: StrOrPromise = "", label: StrOrPromise | None = None) -> forms.CharField:
    # Text, not type="number": browsers silently drop what they cannot parse, and people
    # should read "“1.2.3” is not a number" next to the field instead. The services parse.
    return forms.CharField(
        required=False,
        max_length=40,
        label=label,
        help_text=help_text,
        widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
    )


def _user_label(user: User) -> str:
    return user.full_name or user.email


def parse_tags(raw: str) -> list[str]:
    """“Growth, profitability ,, growth” -> ["Growth", "profitability"]: order kept, once each
    (case-insensitive), empty names dropped."""
    seen: set[str] = set()
    tags = []
    for name in raw.split(","):
        clean = " ".join(name.split())
        if clean and clean.casefold() not in seen:
            seen.add(clean.casefold())
            tags.append(clean)
    return tags


class KPIForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    key = forms.CharField(
        label=_("Key"),
        required=False,
        max_length=80,
        help_text=_(
            "A stable key for imports and the API, e.g. churn-rate. Empty: made from the name."
        ),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    owner = forms.ChoiceField(
        label=_("Owner"), required=False, help_text=_("A team, or one person.")
    )
    unit = forms.ChoiceField(label=_("Unit"), choices=Unit.choices, initial=Unit.NUMBER)
    currency = forms.CharField(
        label=_("Currency"), required=False, max_length=3, help_text=_("For money: EUR, USD…")
    )
    direction = forms.ChoiceField(
        label=_("Direction"), choices=Direction.choices, initial=Direction.HIGHER_IS_BETTER
    )
    frequency = forms.ChoiceField(
        label=_("Frequency"),
        choices=Frequency.choices,
        initial=Frequency.WEEKLY,
        help_text=_("How often a value is due: one per period."),
    )
    aggregation = forms.ChoiceField(
        label=_("Aggregation"),
        choices=Aggregation.choices,
        initial=Aggregation.LAST,
        help_text=_("How periods roll up into longer ones (weeks into months)."),
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=400,
        help_text=_("Comma-separated, e.g. Growth, Customers."),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self, *args: Any, teams: Sequence[Team], people: Sequence[User], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._teams = {str(t.pk): t for t in teams}
        self._people = {str(u.pk): u for u in people}
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ChoiceField)
        owner.choices = [
            ("", _("Nobody yet")),
            ("Teams", [(f"team:{t.pk}", t.name) for t in teams]),
            ("People", [(f"user:{u.pk}", _user_label(u)) for u in people]),
        ]

    @staticmethod
    def owner_value(kpi: KPI) -> str:
        if kpi.owner_team_id:
            return f"team:{kpi.owner_team_id}"
        if kpi.owner_user_id:
            return f"user:{kpi.owner_user_id}"
        return ""

    def clean_owner(self) -> tuple[Team | None, User | None]:
        raw = self.cleaned_data.get("owner") or ""
        if not raw:
            return None, None
        kind, _colon, pk = raw.partition(":")
        if kind == "team" and pk in self._teams:
            return self._teams[pk], None
        if kind == "user" and pk in self._people:
            return None, self._people[pk]
        raise ValidationError(_("Choose a team or a person of this organisation."))

    def clean_tags(self) -> list[str]:
        tags = parse_tags(self.cleaned_data.get("tags") or "")
        too_long = [t for t in tags if len(t) > 60]
        if too_long:
            raise ValidationError(
                _("“%(tag)s” is longer than 60 characters.") % {"tag": too_long[0]}
            )
        return tags

    def definition(self) -> dict[str, Any]:
        """The KPI's fields as :func:`tandem.kpis.services.kpi_update` takes them."""
        data = self.cleaned_data
        owner_team, owner_user = data["owner"]
        return {
            "name": data["name"],
            "key": data["key"].strip(),
            "description": data["description"],
            "owner_team": owner_team,
            "owner_user": owner_user,
            "unit": data["unit"],
            "currency": data["currency"].strip(),
            "direction": data["direction"],
            "frequency": data["frequency"],
            "aggregation": data["aggregation"],
        }


class ThresholdFields(forms.Form):
    """A target and its health thresholds; which ones count depends on the direction."""

    target = _decimal(_("Green at or better than this."), label=_("Target"))
    yellow = _decimal(
        # xgettext:no-python-format
        _("Where yellow turns red. Empty: 10% of the target away from it."),
        label=_("Yellow until"),
    )
    low = _decimal(_("Within a range: the lowest healthy value."), label=_("Lowest healthy value"))
    high = _decimal(
        _("Within a range: the highest healthy value."), label=_("Highest healthy value")
    )
    tolerance = _decimal(
        # xgettext:no-python-format
        _("Within a range: how far outside it is still yellow. Empty: 10% of the range."),
        label=_("Tolerance"),
    )

    def thresholds(self) -> dict[str, Any]:
        return {
            name: (self.cleaned_data.get(name) or "").strip() or None
            for name in ("target", "yellow", "low", "high", "tolerance")
        }


class KPICreateForm(KPIForm, ThresholdFields):
    """A new KPI and its first target (which may be left for later)."""


class TargetForm(ThresholdFields):
    effective_from = forms.DateField(
        label=_("From"),
        help_text=_(
            "Periods from this day on are coloured by the new target; earlier ones keep theirs."
        ),
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class MeasurementForm(forms.Form):
    """A value for one period of a KPI: what a scorecard cell or the KPI page posts."""

    period_start = forms.DateField(
        label=_("Period"),
        error_messages={"invalid": "Enter the first day of the period as YYYY-MM-DD."},
    )
    # The service parses the number so that its message names what was typed.
    value = forms.CharField(label=_("Value"), required=False, max_length=60)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)
