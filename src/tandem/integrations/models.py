"""Where a KPI's values come from when nobody types them: a scheduled pull.

A :class:`DataSource` belongs to one KPI and says how to read its values (an SQL query,
a JSON document over HTTP, a CSV file over HTTP), how often, and how the last pull went.
:mod:`tandem.integrations.pulls` runs it; ``tandem worker`` runs it on schedule.
"""

from __future__ import annotations

import datetime as dt
import re

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tandem.accounts.models import Organization
from tandem.kpis.models import KPI

SECRET_MASK = "********"
# The scheme://user:password@ form of database and web addresses.
_PASSWORD_IN_URL = re.compile(r"(://[^:/@]*:)[^@]*@")


def redacted_url(url: str) -> str:
    """``url`` without its password, fit for a page, the audit history or a log."""
    return _PASSWORD_IN_URL.sub(rf"\g<1>{SECRET_MASK}@", url)


class DataSource(models.Model):
    """How one KPI's values are pulled, on what schedule, and how the last pull went."""

    class Kind(models.TextChoices):
        SQL = "sql", _("SQL query")
        HTTP_JSON = "http_json", _("JSON over HTTP")
        HTTP_CSV = "http_csv", _("CSV over HTTP")

    class Status(models.TextChoices):
        NEVER = "", _("Not run yet")
        OK = "ok", _("OK")
        FAILED = "failed", _("Failed")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kpi = models.OneToOneField(KPI, on_delete=models.CASCADE, related_name="data_source")
    kind = models.CharField(max_length=10, choices=Kind.choices)
    url = models.CharField(
        max_length=2000,
        help_text="The database URL (SQL) or the web address (HTTP). A password in it is "
        "stored and never shown again.",
    )
    query = models.TextField(blank=True, help_text="SQL: one SELECT giving (period, value) rows.")
    header_name = models.CharField(max_length=100, blank=True)
    header_value = models.CharField(max_length=2000, blank=True)
    rows_path = models.CharField(max_length=300, blank=True)
    value_path = models.CharField(max_length=300, blank=True)
    period_path = models.CharField(max_length=300, blank=True)
    period_column = models.CharField(max_length=100, blank=True)
    value_column = models.CharField(max_length=100, blank=True)
    interval_minutes = models.PositiveIntegerField(default=60)
    stale_after_minutes = models.PositiveIntegerField(
        null=True, blank=True, help_text="Empty: stale after twice the interval."
    )
    is_active = models.BooleanField(default=True)
    next_run_at = models.DateTimeField(db_index=True)
    last_run_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_status = models.CharField(max_length=10, choices=Status.choices, blank=True, default="")
    last_error = models.TextField(blank=True)
    last_counts = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["sql", "http_json", "http_csv"]), name="datasource_kind"
            ),
            models.CheckConstraint(
                condition=Q(interval_minutes__gte=5), name="datasource_interval_at_least_5"
            ),
        ]
        indexes = [models.Index(fields=["is_active", "next_run_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.kpi}"

    @property
    def interval(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.interval_minutes)

    @property
    def stale_after(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.stale_after_minutes or 2 * self.interval_minutes)

    def is_stale(self, now: dt.datetime | None = None) -> bool:
        """No success within the grace: twice the interval unless one is set."""
        if not self.is_active:
            return False
        moment = now or timezone.now()
        since = self.last_success_at or self.created_at
        return since is not None and moment - since > self.stale_after

    @property
    def failed(self) -> bool:
        return self.is_active and self.last_status == self.Status.FAILED

    @property
    def flag(self) -> str:
        """What the scorecard and the health page say about the sync: "" when all is well."""
        if self.failed:
            return "sync failed"
        if self.is_stale():
            return "stale"
        return ""

    @property
    def shown_url(self) -> str:
        return redacted_url(self.url)

    @property
    def schedule_label(self) -> str:
        minutes = self.interval_minutes
        if minutes % 1440 == 0:
            days = minutes // 1440
            return str(_("daily") if days == 1 else _("every %(days)s days") % {"days": days})
        if minutes % 60 == 0:
            hours = minutes // 60
            return str(_("hourly") if hours == 1 else _("every %(hours)s hours") % {"hours": hours})
        return str(_("every %(minutes)s minutes") % {"minutes": minutes})


class OutboundAllowance(models.Model):
    """A host (name, address or network) an organisation's pulls may call although it is
    not a public address, e.g. its own reporting server. Set by Tandem's operators in the
    admin, beside the site-wide ``TANDEM_OUTBOUND_ALLOWED_HOSTS``."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="outbound_allowances"
    )
    host = models.CharField(max_length=255, help_text="e.g. reports.internal or 10.1.0.0/16")
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["host"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "host"], name="outboundallowance_unique"
            )
        ]

    def __str__(self) -> str:
        return self.host
