"""Cycles, objectives, key results, alignments, initiatives and check-ins.

Derived values (a key result's current value and progress, an objective's
progress) are stored and kept up to date by the services on every write, so
that pages and roll-ups read them instead of recomputing the tree per request.
The maths itself lives in :mod:`tandem.domain`.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tandem.accounts.models import Organization, Team
from tandem.domain import progress as maths
from tandem.domain.scoring import Band, Kind, band
from tandem.domain.status import Status, live_status


class Cycle(models.Model):
    """A time box for OKRs: a quarter (default), a year, or custom dates."""

    class Kind(models.TextChoices):
        QUARTER = "quarter", _("Quarter")
        YEAR = "year", _("Year")
        CUSTOM = "custom", _("Custom")

    class State(models.TextChoices):
        PLANNING = "planning", _("Planning")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="cycles")
    name = models.CharField(max_length=60)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.QUARTER)
    start_date = models.DateField()
    end_date = models.DateField(help_text="The last day of the cycle (inclusive).")
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        help_text="The year a quarter belongs to.",
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.PLANNING)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-start_date", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="cycle_name_unique"),
            models.CheckConstraint(
                condition=Q(end_date__gt=F("start_date")), name="cycle_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["planning", "active", "closed"]), name="cycle_state_valid"
            ),
        ]
        indexes = [models.Index(fields=["organization", "state", "start_date"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_closed(self) -> bool:
        return self.state == self.State.CLOSED

    def bounds(self) -> tuple[datetime, datetime]:
        """The cycle as aware instants: its first midnight to the midnight after its end."""
        tz = self.organization.tz
        start = datetime.combine(self.start_date, time.min, tzinfo=tz)
        end = datetime.combine(self.end_date + timedelta(days=1), time.min, tzinfo=tz)
        return start, end

    def expected_progress(self, now: datetime) -> Decimal:
        start, end = self.bounds()
        return maths.elapsed_fraction(start=start, end=end, now=now)

    def contains(self, day: date) -> bool:
        return self.start_date <= day <= self.end_date


class Objective(models.Model):
    """The qualitative "where", owned by a team or a person, in one cycle."""

    class Kind(models.TextChoices):
        COMMITTED = "committed", _("Committed")
        ASPIRATIONAL = "aspirational", _("Aspirational")

    class State(models.TextChoices):
        DRAFT = "draft", _("Draft")
        ACTIVE = "active", _("Active")
        CLOSED = "closed", _("Closed")
        DROPPED = "dropped", _("Dropped")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="objectives"
    )
    cycle = models.ForeignKey(Cycle, on_delete=models.PROTECT, related_name="objectives")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.ASPIRATIONAL)
    owner_team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="objectives"
    )
    owner_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="objectives",
    )
    state = models.CharField(max_length=10, choices=State.choices, default=State.ACTIVE)
    is_private = models.BooleanField(default=False)
    # Kept up to date by the services (weighted mean of the key results, clamped).
    progress = models.DecimalField(null=True, blank=True, max_digits=9, decimal_places=4)
    last_checkin_at = models.DateTimeField(null=True, blank=True)
    # Set when the cycle closes; an owner may adjust it with a reason.
    computed_score = models.DecimalField(max_digits=2, decimal_places=1, null=True, blank=True)
    score = models.DecimalField(max_digits=2, decimal_places=1, null=True, blank=True)
    score_reason = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(owner_team__isnull=False) & Q(owner_user__isnull=True))
                | (Q(owner_team__isnull=True) & Q(owner_user__isnull=False)),
                name="objective_one_owner",
            ),
            models.CheckConstraint(
                condition=Q(score__isnull=True) | (Q(score__gte=0) & Q(score__lte=1)),
                name="objective_score_range",
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "cycle", "owner_team"]),
            models.Index(fields=["organization", "cycle", "owner_user"]),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def owner_name(self) -> str:
        return str(self.owner_team or self.owner_user)

    def status(self, *, expected: Decimal, started: bool | None = None) -> Status:
        thresholds = self.organization.status_thresholds
        return live_status(
            progress=self.progress,
            expected=expected,
            started=self.last_checkin_at is not None if started is None else started,
            thresholds=thresholds,
        )

    @property
    def band(self) -> Band | None:
        value = self.score if self.score is not None else self.computed_score
        return band(value, kind=Kind(self.kind)) if value is not None else None


class KeyResult(models.Model):
    """The measurable "how": from a baseline to a target, or a milestone."""

    class Kind(models.TextChoices):
        METRIC = "metric", _("Metric (from X to Y)")
        MILESTONE = "milestone", _("Milestone (done or not)")

    class Unit(models.TextChoices):
        NUMBER = "number", _("Number")
        PERCENT = "percent", _("Percent")
        CURRENCY = "currency", _("Currency")

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="key_results"
    )
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="key_results")
    title = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.METRIC)
    unit = models.CharField(max_length=10, choices=Unit.choices, default=Unit.NUMBER)
    currency = models.CharField(max_length=3, blank=True, help_text="ISO code, e.g. EUR.")
    baseline = models.DecimalField(null=True, blank=True, max_digits=20, decimal_places=4)
    target = models.DecimalField(null=True, blank=True, max_digits=20, decimal_places=4)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="key_results",
    )
    weight = models.DecimalField(max_digits=6, decimal_places=2, default=Decimal(1))
    position = models.PositiveIntegerField(default=0)
    # A KPI-backed key result reads its value from the KPI's measurements in the cycle
    # (the latest one, or their sum or average) instead of manual check-ins.
    kpi = models.ForeignKey(
        "kpis.KPI",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="key_results",
    )
    kpi_aggregation = models.CharField(
        max_length=10,
        choices=[
            ("last", _("Latest value in the cycle")),
            ("sum", _("Sum over the cycle")),
            ("average", _("Average over the cycle")),
        ],
        default="last",
    )
    # Derived from the latest check-in, kept up to date by the services.
    current = models.DecimalField(null=True, blank=True, max_digits=20, decimal_places=4)
    done = models.BooleanField(default=False)
    progress = models.DecimalField(default=Decimal(0), max_digits=9, decimal_places=4)
    last_confidence = models.PositiveSmallIntegerField(null=True, blank=True)
    last_checkin_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="milestone")
                | (Q(baseline__isnull=False) & Q(target__isnull=False) & ~Q(target=F("baseline"))),
                name="kr_metric_needs_distinct_baseline_target",
            ),
            models.CheckConstraint(condition=Q(weight__gt=0), name="kr_weight_positive"),
        ]
        indexes = [models.Index(fields=["organization", "owner"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_metric(self) -> bool:
        return self.kind == self.Kind.METRIC

    @property
    def direction(self) -> maths.Direction | None:
        if not self.is_metric or self.baseline is None or self.target is None:
            return None
        return maths.direction_of(baseline=self.baseline, target=self.target)

    @property
    def progress_clamped(self) -> Decimal:
        return maths.clamp(self.progress)

    def compute_progress(self) -> Decimal:
        if self.kind == self.Kind.MILESTONE:
            return maths.milestone_progress(done=self.done)
        assert self.baseline is not None
        assert self.target is not None
        return maths.metric_progress(
            baseline=self.baseline, target=self.target, current=self.current
        )

    def status(self, *, expected: Decimal) -> Status:
        return live_status(
            progress=self.progress,
            expected=expected,
            started=self.last_checkin_at is not None,
            confidence=self.last_confidence,
            thresholds=self.organization.status_thresholds,
        )


class Alignment(models.Model):
    """An objective contributes to a parent objective or to a parent key result."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="alignments_up")
    parent_objective = models.ForeignKey(
        Objective,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="alignments_down",
    )
    parent_key_result = models.ForeignKey(
        KeyResult,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="contributing_alignments",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(parent_objective__isnull=False) & Q(parent_key_result__isnull=True))
                | (Q(parent_objective__isnull=True) & Q(parent_key_result__isnull=False)),
                name="alignment_one_parent",
            ),
            models.CheckConstraint(
                condition=~Q(parent_objective=F("objective")), name="alignment_not_self"
            ),
            models.UniqueConstraint(
                fields=["objective", "parent_objective"],
                condition=Q(parent_objective__isnull=False),
                name="alignment_unique_objective",
            ),
            models.UniqueConstraint(
                fields=["objective", "parent_key_result"],
                condition=Q(parent_key_result__isnull=False),
                name="alignment_unique_key_result",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.objective} -> {self.parent_objective or self.parent_key_result}"

    @property
    def parent_objective_id_resolved(self) -> int | None:
        """The objective this alignment points into (directly or through a key result)."""
        if self.parent_objective_id is not None:
            return self.parent_objective_id
        return self.parent_key_result.objective_id if self.parent_key_result else None


class Initiative(models.Model):
    """Work done to move a key result (a priority, rock or project). No maths of its own."""

    class Status(models.TextChoices):
        NOT_STARTED = "not_started", _("Not started")
        IN_PROGRESS = "in_progress", _("In progress")
        BLOCKED = "blocked", _("Blocked")
        DONE = "done", _("Done")
        CANCELLED = "cancelled", _("Cancelled")

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    objective = models.ForeignKey(Objective, on_delete=models.CASCADE, related_name="initiatives")
    key_result = models.ForeignKey(
        KeyResult, null=True, blank=True, on_delete=models.CASCADE, related_name="initiatives"
    )
    title = models.CharField(max_length=200)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.NOT_STARTED)
    due_date = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_date", "id"]

    def __str__(self) -> str:
        return self.title


class CheckInQuerySet(models.QuerySet["CheckIn"]):
    def update(self, **kwargs: Any) -> int:
        raise TypeError("check-ins are append-only")


class CheckIn(models.Model):
    """One report on a key result. Append-only: the latest one is the current value."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    key_result = models.ForeignKey(KeyResult, on_delete=models.CASCADE, related_name="checkins")
    value = models.DecimalField(null=True, blank=True, max_digits=20, decimal_places=4)
    done = models.BooleanField(null=True, blank=True)
    confidence = models.PositiveSmallIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    note = models.TextField(blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="checkins"
    )
    source = models.CharField(max_length=16, default="web")
    created_at = models.DateTimeField(db_index=True)

    objects = CheckInQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(confidence__gte=1) & Q(confidence__lte=10),
                name="checkin_confidence_range",
            ),
            models.CheckConstraint(
                condition=Q(value__isnull=False) | Q(done__isnull=False),
                name="checkin_has_value_or_done",
            ),
        ]
        indexes = [models.Index(fields=["key_result", "created_at"])]

    def __str__(self) -> str:
        return f"{self.key_result}: {self.value if self.value is not None else self.done}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise TypeError("check-ins are append-only; record a new one instead")
        super().save(*args, **kwargs)
