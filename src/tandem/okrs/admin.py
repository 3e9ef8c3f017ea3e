"""Django admin for staff. Ordinary editing goes through the pages and services;
check-ins are read-only here because they are append-only."""

from django.contrib import admin

from tandem.audit.admin import AppendOnlyAdmin
from tandem.okrs.models import Alignment, CheckIn, Cycle, Initiative, KeyResult, Objective


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "kind", "start_date", "end_date", "state"]
    list_filter = ["organization", "kind", "state"]
    list_select_related = ["organization"]


class KeyResultInline(admin.TabularInline):
    model = KeyResult
    extra = 0
    fields = ["title", "kind", "unit", "baseline", "target", "current", "progress", "weight"]
    readonly_fields = ["current", "progress"]
    show_change_link = True


@admin.register(Objective)
class ObjectiveAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "organization",
        "cycle",
        "owner_team",
        "owner_user",
        "kind",
        "state",
        "progress",
        "score",
    ]
    list_filter = ["organization", "cycle", "kind", "state"]
    search_fields = ["title"]
    list_select_related = ["organization", "cycle", "owner_team", "owner_user"]
    readonly_fields = ["progress", "last_checkin_at", "computed_score", "version"]
    inlines = [KeyResultInline]


@admin.register(KeyResult)
class KeyResultAdmin(admin.ModelAdmin):
    list_display = ["title", "objective", "kind", "baseline", "target", "current", "progress"]
    search_fields = ["title"]
    list_select_related = ["objective"]
    readonly_fields = [
        "current",
        "done",
        "progress",
        "last_confidence",
        "last_checkin_at",
        "version",
    ]


@admin.register(CheckIn)
class CheckInAdmin(AppendOnlyAdmin):
    list_display = ["key_result", "value", "done", "confidence", "author", "created_at"]
    list_select_related = ["key_result", "author"]
    date_hierarchy = "created_at"


admin.site.register(Alignment)
admin.site.register(Initiative)
