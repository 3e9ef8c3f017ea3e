"""Forms of the web pages: they check the shape of the input and hand it to the services.

The rules themselves (a target different from the baseline, a closed cycle, a
stale version) live in the services; their ``ValidationError`` is mapped back
onto the field it names with :func:`tandem.pages.apply_service_errors`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tandem.accounts.models import Team, User
from tandem.okrs.models import Cycle, Initiative, KeyResult, Objective
from tandem.terms import TermsMixin

MAX_KEY_RESULTS_ON_CREATE = 5


class LoginForm(AuthenticationForm):
    username = forms.EmailField(
        label=_("E-mail"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )


def _user_label(user: User) -> str:
    return user.full_name or user.email


class _PeopleMixin:
    """Owner pickers share one list of people, read once per page, not once per form."""

    @staticmethod
    def people_choices(
        people: Iterable[User], *, blank: str | Promise | None
    ) -> list[tuple[str, str]]:
        choices = [("", str(blank))] if blank is not None else []

        return choices + [(str(u.pk), _user_label(u)) for u in people]


class CheckInForm(forms.Form):
    value = forms.CharField(label=_("Value"), required=False, max_length=40)
    done = forms.BooleanField(label=_("Done"), required=False)
    confidence = forms.CharField(label=_("Confidence"), required=False, max_length=10)
    note = forms.CharField(label=_("Note"), required=False, max_length=2000)


class ObjectiveForm(TermsMixin, forms.Form, _PeopleMixin):
    TERM_TEXTS: ClassVar[dict[str, tuple[Promise | None, Promise | None]]] = {
        "owner": (None, _("A team, or one person for an individual %(objective)s.")),
        "cycle": (_("%(Cycle)s"), None),
        "is_private": (None, _("People who own one of its %(key_results)s see it too.")),
    }

    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=Objective.Kind.choices,
        initial=Objective.Kind.ASPIRATIONAL,
        help_text=_("Committed: expected to reach 100%. Aspirational: 70% is a success."),
    )
    owner = forms.ChoiceField(
        label=_("Owner"), help_text=_("A team, or one person for an individual objective.")
    )
    cycle = forms.ModelChoiceField(queryset=Cycle.objects.none(), empty_label=None)
    is_private = forms.BooleanField(
        required=False,
        label=_("Private: only its owner, its team's leads and admins see it"),
        help_text=_("People who own one of its key results see it too."),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        teams: Sequence[Team],
        people: Sequence[User],
        cycles: Any,
        terms: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.name_concepts(terms)
        self._teams = {str(t.pk): t for t in teams}
        self._people = {str(u.pk): u for u in people}
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ChoiceField)
        owner.choices = [
            ("", _("Choose an owner")),
            (str(_("Teams")), [(f"team:{t.pk}", t.name) for t in teams]),
            (str(_("People")), [(f"user:{u.pk}", _user_label(u)) for u in people]),
        ]
        cycle = self.fields["cycle"]
        assert isinstance(cycle, forms.ModelChoiceField)
        cycle.queryset = cycles

    def clean_owner(self) -> tuple[Team | None, User | None]:
        raw = self.cleaned_data["owner"]
        kind, _colon, pk = raw.partition(":")
        if kind == "team" and pk in self._teams:
            return self._teams[pk], None
        if kind == "user" and pk in self._people:
            return None, self._people[pk]
        raise ValidationError(_("Choose a team or a person of this organisation."))


class KeyResultForm(TermsMixin, forms.Form, _PeopleMixin):
    TERM_TEXTS: ClassVar[dict[str, tuple[Promise | None, Promise | None]]] = {
        "weight": (None, _("How much it counts in the %(objective)s's progress.")),
    }

    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=KeyResult.Kind.choices, initial=KeyResult.Kind.METRIC
    )
    unit = forms.ChoiceField(
        label=_("Unit"), choices=KeyResult.Unit.choices, initial=KeyResult.Unit.NUMBER
    )
    currency = forms.CharField(
        label=_("Currency"), required=False, max_length=3, help_text=_("For money: EUR, USD…")
    )
    # Text inputs, not type="number": browsers silently drop what they cannot parse,
    # and people should see "“1.2.3” is not a number" rather than an empty field.
    baseline = forms.DecimalField(
        label=_("Baseline"),
        required=False,
        max_digits=20,
        decimal_places=4,
        help_text=_("Where you start (X); a metric needs it."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    target = forms.DecimalField(
        label=_("Target"),
        required=False,
        max_digits=20,
        decimal_places=4,
        help_text=_("Where you want to be (Y); a metric needs it."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    weight = forms.DecimalField(
        label=_("Weight"),
        required=False,
        max_digits=6,
        decimal_places=2,
        initial=1,
        min_value=Decimal("0.01"),
        help_text=_("How much it counts in the objective's progress."),
        widget=forms.TextInput(attrs={"inputmode": "decimal"}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        people: Sequence[User],
        terms: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.name_concepts(terms)
        self._people = {str(u.pk): u for u in people}
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ChoiceField)
        owner.choices = self.people_choices(people, blank=_("Nobody yet"))

    def clean_owner(self) -> User | None:
        raw = self.cleaned_data.get("owner") or ""
        if not raw:
            return None
        if raw not in self._people:
            raise ValidationError(_("Choose a person of this organisation."))
        return self._people[raw]

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "kind": data["kind"],
            "unit": data["unit"],
            "currency": data.get("currency") or "",
            "baseline": data.get("baseline"),
            "target": data.get("target"),
            "owner": data.get("owner"),
            "weight": data.get("weight") or 1,
        }


if TYPE_CHECKING:
    _BaseKeyResultFormSet = forms.BaseFormSet[KeyResultForm]
else:  # BaseFormSet is generic only in the type stubs
    _BaseKeyResultFormSet = forms.BaseFormSet


class _KeyResultFormSet(_BaseKeyResultFormSet):
    def filled_forms(self) -> list[KeyResultForm]:
        """The forms someone typed into; untouched blank rows are skipped."""
        return [f for f in self.forms if f.has_changed()]


KeyResultFormSet = forms.formset_factory(
    KeyResultForm,
    formset=_KeyResultFormSet,
    extra=MAX_KEY_RESULTS_ON_CREATE,
    max_num=MAX_KEY_RESULTS_ON_CREATE,
    absolute_max=MAX_KEY_RESULTS_ON_CREATE,
    validate_max=True,
)


class InitiativeForm(TermsMixin, forms.Form, _PeopleMixin):
    TERM_TEXTS: ClassVar[dict[str, tuple[Promise | None, Promise | None]]] = {
        "key_result": (_("Moves %(key_result)s"), None),
    }

    title = forms.CharField(label=_("Title"), max_length=200)
    key_result = forms.ChoiceField(required=False, label=_("Moves key result"))
    owner = forms.ChoiceField(label=_("Owner"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=Initiative.Status.choices, initial=Initiative.Status.NOT_STARTED
    )
    due_date = forms.DateField(
        label=_("Due date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(
        self,
        *args: Any,
        key_results: Sequence[KeyResult],
        people: Sequence[User],
        terms: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._words = self.name_concepts(terms)
        self._key_results = {str(k.pk): k for k in key_results}
        self._people = {str(u.pk): u for u in people}
        kr_field = self.fields["key_result"]
        assert isinstance(kr_field, forms.ChoiceField)
        kr_field.choices = [("", _("The %(objective)s as a whole") % self._words)] + [
            (str(k.pk), k.title) for k in key_results
        ]
        owner = self.fields["owner"]
        assert isinstance(owner, forms.ChoiceField)
        owner.choices = self.people_choices(people, blank=_("Nobody yet"))

    def clean_key_result(self) -> KeyResult | None:
        raw = self.cleaned_data.get("key_result") or ""
        if not raw:
            return None
        if raw not in self._key_results:
            raise ValidationError(
                _("Choose one of this %(objective)s's %(key_results)s.") % self._words
            )
        return self._key_results[raw]

    def clean_owner(self) -> User | None:
        raw = self.cleaned_data.get("owner") or ""
        if not raw:
            return None
        if raw not in self._people:
            raise ValidationError(_("Choose a person of this organisation."))
        return self._people[raw]


class AlignmentForm(TermsMixin, forms.Form):
    parent = forms.ChoiceField(label=_("Add a parent objective or key result"))
    TERM_TEXTS: ClassVar[dict[str, tuple[Promise | None, Promise | None]]] = {
        "parent": (_("Add a parent %(objective)s or %(key_result)s"), None),
    }

    def __init__(
        self,
        *args: Any,
        candidates: Sequence[Objective],
        terms: Mapping[str, str] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        words = self.name_concepts(terms)
        self._objectives = {str(o.pk): o for o in candidates}
        self._key_results = {str(k.pk): k for o in candidates for k in o.key_results.all()}
        choices: list[Any] = [("", _("Choose %(a_objective)s or %(a_key_result)s") % words)]
        whole = _("%(title)s (the %(objective)s)")
        for o in candidates:
            group = [(f"objective:{o.pk}", str(whole) % {**words, "title": o.title})]
            group += [(f"kr:{k.pk}", f"↳ {k.title}") for k in o.key_results.all()]
            choices.append((f"{o.title} — {o.owner_name}", group))
        parent = self.fields["parent"]
        assert isinstance(parent, forms.ChoiceField)
        parent.choices = choices

    def clean_parent(self) -> tuple[Objective | None, KeyResult | None]:
        kind, _colon, pk = self.cleaned_data["parent"].partition(":")
        if kind == "objective" and pk in self._objectives:
            return self._objectives[pk], None
        if kind == "kr" and pk in self._key_results:
            return None, self._key_results[pk]
        raise ValidationError(_("Choose an objective or a key result of this organisation."))
