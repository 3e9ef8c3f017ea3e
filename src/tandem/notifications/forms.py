"""Forms of the reminder settings and of a person's e-mail choices."""

from __future__ import annotations

from django import forms

from tandem.notifications.models import ReminderSettings

WEEKDAYS = ReminderSettings.Weekday.choices


class ReminderSettingsForm(forms.Form):
    reminders_enabled = forms.BooleanField(label="Send check-in reminders", required=False)
    checkin_weekday = forms.TypedChoiceField(
        label="Check-in day", choices=WEEKDAYS, coerce=int, initial=5
    )
    checkin_time = forms.TimeField(
        label="Check-in time",
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text="In the organisation's time zone, e.g. 10:00.",
    )
    escalation_enabled = forms.BooleanField(
        label="Tell team leads about missed check-ins", required=False
    )
    escalate_after_weeks = forms.IntegerField(
        label="After this many missed weeks in a row", min_value=1, max_value=12
    )
    digest_enabled = forms.BooleanField(label="Send the weekly digest", required=False)
    digest_weekday = forms.TypedChoiceField(label="Digest day", choices=WEEKDAYS, coerce=int)
    digest_time = forms.TimeField(
        label="Digest time", widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    channel_webhook_url = forms.URLField(
        label="Channel webhook",
        required=False,
        max_length=500,
        assume_scheme="https",
        help_text="A Slack-compatible incoming webhook (Slack, Mattermost, Rocket.Chat) that "
        "gets the company's weekly digest.",
    )

    @classmethod
    def initial_from(cls, settings: ReminderSettings) -> dict[str, object]:
        return {name: getattr(settings, name) for name in cls.base_fields}


class PreferenceForm(forms.Form):
    email_reminders = forms.BooleanField(
        label="E-mail me reminders",
        required=False,
        help_text="Check-in reminders, and for team leads, who missed check-ins.",
    )
    email_digest = forms.BooleanField(label="E-mail me the weekly digest", required=False)
