"""The one-page strategic plan: the top of the tree that the OKRs and KPIs serve.

One plan per organisation. This year's and this quarter's priorities are not stored
here: they are the organisation's objectives of the current year and quarter, read
live so that the plan never disagrees with the OKRs.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from tandem.accounts.models import Organization
from tandem.kpis.models import KPI


class StrategicPlan(models.Model):
    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="strategic_plans"
    )
    purpose = models.TextField(help_text="Why the organisation exists, in a sentence or two.")
    # Short lines of text ("Own the outcome"), in the order the organisation lists them.
    values = models.JSONField(default=list, blank=True)
    bhag = models.TextField(
        "BHAG", blank=True, help_text="The big, hairy, audacious goal: 10 to 25 years out."
    )
    bhag_year = models.PositiveSmallIntegerField("BHAG by", null=True, blank=True)
    long_term_date = models.DateField("3-5 year target date", null=True, blank=True)
    long_term_targets = models.JSONField(default=list, blank=True)
    annual_targets = models.JSONField(default=list, blank=True)
    profit_per_x = models.CharField(
        "Profit per X",
        max_length=200,
        blank=True,
        help_text="The one economic denominator: profit per client, per seat, per visit…",
    )
    key_kpis: models.ManyToManyField[KPI, PlanKPI] = models.ManyToManyField(
        KPI, through="PlanKPI", blank=True, related_name="+"
    )
    version = models.PositiveIntegerField(default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization"], name="strategic_plan_one_per_org"),
        ]

    def __str__(self) -> str:
        return f"Strategic plan of {self.organization}"


class PlanKPI(models.Model):
    """A KPI the plan names as key, in the plan's order."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    plan = models.ForeignKey(StrategicPlan, on_delete=models.CASCADE, related_name="plan_kpis")
    kpi = models.ForeignKey(KPI, on_delete=models.CASCADE, related_name="+")
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "kpi"], name="plan_kpi_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} in {self.plan}"
