"""KPIs, their targets over time, measurements (with corrections kept), and the links
that make OKRs and KPIs work in tandem: guardrails, indicators and promotions.

Health maths lives in :mod:`tandem.domain.health` and periods in
:mod:`tandem.domain.periods`; these models store what they need.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tandem.accounts.models import Organization, Team
from tandem.domain import health, periods
from tandem.okrs.models import KeyResult


class Direction(models.TextChoices):
    HIGHER_IS_BETTER = "higher_is_better", _("Higher is better")
    LOWER_IS_BETTER = "lower_is_better", _("Lower is better")
    WITHIN_RANGE = "within_range", _("Within a range")


class Frequency(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")


class Aggregation(models.TextChoices):
    SUM = "sum", _("Sum")
    AVERAGE = "average", _("Average")
    LAST = "last", _("Last value")
    MIN = "min", _("Minimum")
    MAX = "max", _("Maximum")


# A KPI speaks the units of a key result, so that it can back one.
Unit = KeyResult.Unit


class Source(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    IMPORT = "import", _("File import")
    API = "api", _("API")
    PULL = "pull", _("Scheduled pull")


class KPITag(models.Model):
    """A group of KPIs, e.g. the company health metrics: growth, profitability, satisfaction."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=60)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="kpitag_name_unique")
        ]

    def __str__(self) -> str:
        return self.name


class KPI(models.Model):
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="kpis")
    name = models.CharField(max_length=120)
    key = models.SlugField(
        max_length=80, help_text="A stable key for imports and the API, e.g. churn-rate."
    )
    description = models.TextField(blank=True)
    owner_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="kpis"
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="kpis",
    )
    unit = models.CharField(max_length=10, choices=Unit.choices, default=Unit.NUMBER)
    currency = models.CharField(max_length=3, blank=True)
    direction = models.CharField(
        max_length=20, choices=Direction.choices, default=Direction.HIGHER_IS_BETTER
    )
    frequency = models.CharField(max_length=10, choices=Frequency.choices, default=Frequency.WEEKLY)
    aggregation = models.CharField(
        max_length=10,
        choices=Aggregation.choices,
        default=Aggregation.LAST,
        help_text="How periods roll up into longer ones (weeks into months).",
    )
    tags = models.ManyToManyField(KPITag, blank=True, related_name="kpis")
    is_active = models.BooleanField(default=True)
    # The latest measurement, kept up to date by the services for fast pages.
    latest_period = models.DateField(null=True, blank=True)
    latest_value = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    position = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "name"]
        verbose_name = "KPI"
        constraints = [
            models.UniqueConstraint(fields=["organization", "key"], name="kpi_key_unique"),
            models.CheckConstraint(
                condition=~(Q(owner_team__isnull=False) & Q(owner_user__isnull=False)),
                name="kpi_at_most_one_owner",
            ),
        ]
        indexes = [models.Index(fields=["organization", "is_active"])]

    def __str__(self) -> str:
        return self.name

    @property
    def owner_name(self) -> str:
        return str(self.owner_team or self.owner_user or "")

    def period_containing(self, day: datetime.date) -> datetime.date:
        """The first day of this KPI's period that ``day`` falls in, by the organisation's
        week start and fiscal year."""
        org = self.organization
        return periods.period_start(
            periods.Frequency(self.frequency),
            day,
            week_start=org.week_start,
            fiscal_year_start_month=org.fiscal_year_start_month,
        )


class KPITarget(models.Model):
    """A target and its health thresholds, in force from ``effective_from`` until the next one.

    ``higher_is_better``: green at or above ``target``, yellow at or above ``yellow``,
    red below. ``lower_is_better``: the mirror image. ``within_range``: green inside
    ``[low, high]``, yellow within ``tolerance`` outside it, red further. Empty
    ``yellow``/``tolerance`` take the default bands of :mod:`tandem.domain.health`.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kpi = models.ForeignKey(KPI, on_delete=models.CASCADE, related_name="targets")
    effective_from = models.DateField()
    target = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    yellow = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    low = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    high = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    tolerance = models.DecimalField(max_digits=20, decimal_places=4, null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kpi", "effective_from"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "effective_from"], name="kpitarget_unique"),
            models.CheckConstraint(
                condition=Q(low__isnull=True) | Q(high__isnull=True) | Q(low__lte=F("high")),
                name="kpitarget_range_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} from {self.effective_from}"

    @property
    def thresholds(self) -> health.Thresholds:
        return health.Thresholds(
            target=self.target,
            yellow=self.yellow,
            low=self.low,
            high=self.high,
            tolerance=self.tolerance,
        )


class MeasurementBatch(models.Model):
    """Values sent together (a bulk API post, a file import, a scheduled pull): who sent
    them, with which API token, through what and when, and how many each outcome had.
    Append-only. The batch's one audit event (``measurement.batch``) points here, and
    every value it wrote points back: a measurement it wrote, or the revision that keeps
    that value once a later correction replaced it."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    source = models.CharField(max_length=10, choices=Source.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    token = models.ForeignKey(
        "api.ApiToken", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    kpi_count = models.PositiveIntegerField(default=0)
    first_period = models.DateField(null=True, blank=True)
    last_period = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name_plural = "measurement batches"

    def __str__(self) -> str:
        values = self.created + self.updated
        return (
            f"{values} value{'s' if values != 1 else ''} of {self.kpi_count} "
            f"KPI{'s' if self.kpi_count != 1 else ''}"
        )

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("measurement history is append-only")
        super().save(*args, **kwargs)


class Measurement(models.Model):
    """One value of a KPI for one period. A correction replaces the value and keeps the
    previous one as a :class:`MeasurementRevision`. ``batch`` is the batch that sent the
    value, if it came in one."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kpi = models.ForeignKey(KPI, on_delete=models.CASCADE, related_name="measurements")
    period_start = models.DateField()
    value = models.DecimalField(max_digits=20, decimal_places=4)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()
    version = models.PositiveIntegerField(default=1)
    batch = models.ForeignKey(
        MeasurementBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["kpi", "period_start"]
        constraints = [
            models.UniqueConstraint(fields=["kpi", "period_start"], name="measurement_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} {self.period_start}: {self.value}"


class MeasurementRevision(models.Model):
    """A value a measurement had before it was corrected. Append-only."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    measurement = models.ForeignKey(Measurement, on_delete=models.CASCADE, related_name="revisions")
    value = models.DecimalField(max_digits=20, decimal_places=4)
    source = models.CharField(max_length=10, choices=Source.choices)
    note = models.TextField(blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField()
    replaced_at = models.DateTimeField(auto_now_add=True)
    # The batch that had sent this value, if it came in one.
    batch = models.ForeignKey(
        MeasurementBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["measurement", "-replaced_at", "-id"]

    def __str__(self) -> str:
        return f"{self.measurement.kpi} {self.measurement.period_start}: was {self.value}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("measurement history is append-only")
        super().save(*args, **kwargs)


class ObjectiveKPI(models.Model):
    """A KPI linked to an objective: a guardrail that must stay healthy while the
    objective is pursued, or an indicator that should move with it."""

    class Role(models.TextChoices):
        GUARDRAIL = "guardrail", _("Guardrail")
        INDICATOR = "indicator", _("Indicator")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    objective = models.ForeignKey(
        "okrs.Objective", on_delete=models.CASCADE, related_name="kpi_links"
    )
    kpi = models.ForeignKey(KPI, on_delete=models.CASCADE, related_name="objective_links")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.GUARDRAIL)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["objective", "kpi"], name="objectivekpi_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} ({self.role}) for {self.objective}"


class Promotion(models.Model):
    """A red KPI promoted into an OKR for a cycle, and its demotion once fixed."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")
    kpi = models.ForeignKey(KPI, on_delete=models.CASCADE, related_name="promotions")
    objective = models.OneToOneField(
        "okrs.Objective", on_delete=models.CASCADE, related_name="promotion"
    )
    promoted_at = models.DateTimeField(auto_now_add=True)
    promoted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(blank=True)
    demoted_at = models.DateTimeField(null=True, blank=True)
    demoted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    demotion_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-promoted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi"],
                condition=Q(demoted_at__isnull=True),
                name="promotion_one_open_per_kpi",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} promoted to {self.objective}"

    @property
    def is_open(self) -> bool:
        return self.demoted_at is None
