"""Forms of the people, invitation and password pages: shape only; rules live in services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import PasswordResetForm
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tandem.accounts.models import Membership, Organization, Role, Team


def role_choices(manager: Membership) -> list[tuple[str, str]]:
    """The roles ``manager`` may hand out: admins cannot make owners."""
    return [
        (value, str(label))
        for value, label in Role.choices
        if value != Role.OWNER or manager.role == Role.OWNER
    ]


class InviteForm(forms.Form):
    email = forms.EmailField(
        label=_("E-mail"), widget=forms.EmailInput(attrs={"autocomplete": "off"})
    )
    role = forms.ChoiceField(label=_("Role"), initial=Role.MEMBER)
    teams = forms.ModelMultipleChoiceField(
        label=_("Teams"),
        queryset=Team.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The teams they join on accepting."),
    )

    def __init__(self, *args: Any, organization: Organization, manager: Membership, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = role_choices(manager)  # type: ignore[attr-defined]
        self.fields["teams"].queryset = Team.objects.filter(  # type: ignore[attr-defined]
            organization=organization
        ).order_by("name")


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)


class JoinForm(forms.Form):
    """A new person's name and password, chosen on accepting an invitation."""

    full_name = forms.CharField(
        label=_("Your name"), max_length=150, widget=forms.TextInput(attrs={"autocomplete": "name"})
    )
    password = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits, not a common password."),
    )
    password_again = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, again = data.get("password"), data.get("password_again")
        if first and again and first != again:
            self.add_error("password_again", _("The two passwords differ."))
        return data


class PasswordResetRequestForm(PasswordResetForm):
    """Django's "forgot your password" form, sending through the rate limit and the queue."""

    email = forms.EmailField(
        label=_("E-mail"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )

    def save(  # type: ignore[override]
        self, *, request: HttpRequest | None = None, **_: Any
    ) -> None:
        from tandem.accounts.security import client_ip
        from tandem.accounts.services import password_reset_request

        password_reset_request(
            email=self.cleaned_data["email"], ip=client_ip(request), now=timezone.now()
        )
