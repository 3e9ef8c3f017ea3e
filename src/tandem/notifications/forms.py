"""Forms of the reminder settings and of a person's e-mail choices."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tandem.notifications.models import ReminderSettings
from tandem.terms import TermsMixin

WEEKDAYS = ReminderSettings.Weekday.choices


class ReminderSettingsForm(TermsMixin, forms.Form):
    TERM_TEXTS: ClassVar[dict[str, tuple[Promise | None, Promise | None]]] = {
        "reminders_enabled": (_("Send %(check_in)s reminders"), None),
        "checkin_weekday": (_("%(check_in)s day"), None),
        "checkin_time": (_("%(check_in)s time"), None),
        "escalation_enabled": (_("Tell team leads about missed %(check_ins)s"), None),
    }

    def __init__(self, *args: Any, terms: Mapping[str, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.name_concepts(terms)

    reminders_enabled = forms.BooleanField(label=_("Send check-in reminders"), required=False)
    checkin_weekday = forms.TypedChoiceField(
        label=_("Check-in day"), choices=WEEKDAYS, coerce=int, initial=5
    )
    checkin_time = forms.TimeField(
        label=_("Check-in time"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_("In the organisation's time zone, e.g. 10:00."),
    )
    escalation_enabled = forms.BooleanField(
        label=_("Tell team leads about missed check-ins"), required=False
    )
    escalate_after_weeks = forms.IntegerField(
        label=_("After this many missed weeks in a row"), min_value=1, max_value=12
    )
    digest_enabled = forms.BooleanField(label=_("Send the weekly digest"), required=False)
    digest_weekday = forms.TypedChoiceField(label=_("Digest day"), choices=WEEKDAYS, coerce=int)
    digest_time = forms.TimeField(
        label=_("Digest time"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    channel_webhook_url = forms.URLField(
        label=_("Channel webhook"),
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text=_(
            "A Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat) that "
            "gets the company's weekly digest."
        ),
    )

    @classmethod
    def initial_from(cls, settings: ReminderSettings) -> dict[str, object]:
        return {name: getattr(settings, name) for name in cls.base_fields}


class PreferenceForm(forms.Form):
    email_reminders = forms.BooleanField(
        label=_("E-mail me reminders"),
        required=False,
        help_text=_("Check-in reminders, and for team leads, who missed check-ins."),
    )
    email_digest = forms.BooleanField(label=_("E-mail me the weekly digest"), required=False)
