"""The form of a KPI's data source: it only reads the fields; pulls.data_source_save checks them."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from tandem.integrations.models import SECRET_MASK, DataSource

INTERVALS = [
    (15, _("Every 15 minutes")),
    (30, _("Every 30 minutes")),
    (60, _("Hourly")),
    (360, _("Every 6 hours")),
    (1440, _("Daily")),
]


class DataSourceForm(forms.Form):
    kind = forms.ChoiceField(label=_("Read from"), choices=DataSource.Kind.choices)
    url = forms.CharField(
        label=_("Address"),
        max_length=2000,
        help_text=_(
            "SQL: sqlite:///file.sqlite3 (in the data folder's sources/) or "
            "postgres://user:password@host:5432/name. HTTP: https://… A password is never shown "
            "again: leave ******** to keep it."
        ),
    )
    query = forms.CharField(
        label=_("Query"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=_("SQL: one SELECT whose first two columns are the period and the value."),
    )
    header_name = forms.CharField(
        label=_("Header"), required=False, max_length=100, help_text=_("HTTP: e.g. Authorization.")
    )
    header_value = forms.CharField(
        label=_("Header value"),
        required=False,
        max_length=2000,
        help_text=_("Stored, never shown again: leave ******** to keep it."),
    )
    rows_path = forms.CharField(
        label=_("Rows path"),
        required=False,
        max_length=300,
        help_text=_("JSON: a list of rows, e.g. data.items. Empty: one value from the document."),
    )
    value_path = forms.CharField(
        label=_("Value path"),
        required=False,
        max_length=300,
        help_text=_("JSON: e.g. value, or data.items[-1].value without a rows path."),
    )
    period_path = forms.CharField(
        label=_("Period path"),
        required=False,
        max_length=300,
        help_text=_("JSON: e.g. week. Empty: the value is the current period's."),
    )
    period_column = forms.CharField(label=_("Period column"), required=False, max_length=100)
    value_column = forms.CharField(label=_("Value column"), required=False, max_length=100)
    interval_minutes = forms.TypedChoiceField(label=_("Pull"), choices=INTERVALS, coerce=int)
    stale_after_minutes = forms.IntegerField(
        label=_("Stale after (minutes)"),
        required=False,
        min_value=5,
        help_text=_("Empty: twice the interval."),
    )
    is_active = forms.BooleanField(label=_("Pull on schedule"), required=False, initial=True)

    def __init__(self, *args: Any, source: DataSource | None = None, **kwargs: Any) -> None:
        if source is not None and "initial" not in kwargs:
            kwargs["initial"] = {
                "kind": source.kind,
                "url": source.shown_url,
                "query": source.query,
                "header_name": source.header_name,
                "header_value": SECRET_MASK if source.header_value else "",
                "rows_path": source.rows_path,
                "value_path": source.value_path,
                "period_path": source.period_path,
                "period_column": source.period_column,
                "value_column": source.value_column,
                "interval_minutes": source.interval_minutes,
                "stale_after_minutes": source.stale_after_minutes,
                "is_active": source.is_active,
            }
        super().__init__(*args, **kwargs)
        current = source.interval_minutes if source is not None else None
        field = self.fields["interval_minutes"]
        assert isinstance(field, forms.TypedChoiceField)
        if current is not None and current not in dict(INTERVALS):
            every = ngettext("Every %(count)s minute", "Every %(count)s minutes", current)
            field.choices = [*INTERVALS, (current, every % {"count": current})]
