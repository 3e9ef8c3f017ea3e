from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tandem.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["at", "organization", "actor", "source", "action", "target_repr"]
    list_filter = ["organization", "source", "action"]
    list_select_related = ["organization", "actor"]
    date_hierarchy = "at"

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
