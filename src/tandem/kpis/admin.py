from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tandem.audit.admin import AppendOnlyAdmin
from tandem.kpis.models import (
    KPI,
    KPITag,
    KPITarget,
    Measurement,
    MeasurementBatch,
    MeasurementRevision,
    ObjectiveKPI,
    Promotion,
)


class KPITargetInline(admin.TabularInline):
    model = KPITarget
    extra = 0
    exclude = ["organization"]


@admin.register(KPI)
class KPIAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "key",
        "organization",
        "frequency",
        "direction",
        "latest_value",
        "latest_period",
        "is_active",
    ]
    list_filter = ["organization", "frequency", "direction", "is_active"]
    search_fields = ["name", "key"]
    list_select_related = ["organization"]
    readonly_fields = ["latest_value", "latest_period", "version"]
    inlines = [KPITargetInline]


@admin.register(Measurement)
class MeasurementAdmin(admin.ModelAdmin):
    list_display = ["kpi", "period_start", "value", "source", "recorded_by", "recorded_at"]
    list_filter = ["source"]
    list_select_related = ["kpi", "recorded_by"]
    date_hierarchy = "period_start"
    readonly_fields = [
        "kpi",
        "period_start",
        "value",
        "source",
        "note",
        "recorded_by",
        "recorded_at",
        "version",
        "organization",
    ]


@admin.register(MeasurementRevision)
class MeasurementRevisionAdmin(AppendOnlyAdmin):
    list_display = ["measurement", "value", "source", "recorded_at", "replaced_at"]
    list_select_related = ["measurement__kpi"]


admin.site.register(KPITag)
admin.site.register(ObjectiveKPI)
admin.site.register(Promotion)


@admin.register(MeasurementBatch)
class MeasurementBatchAdmin(admin.ModelAdmin):
    list_display = ["recorded_at", "organization", "source", "recorded_by", "token", "created"]
    list_select_related = ["organization", "recorded_by", "token"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False
