from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from tandem.audit.models import AuditEvent


class AppendOnlyAdmin(admin.ModelAdmin):
    """Rows of a history, shown and never changed, added or deleted by hand: the audit
    events, the check-ins, the values measurements had before a correction."""

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(AppendOnlyAdmin):
    list_display = ["at", "organization", "actor", "source", "action", "target_repr"]
    list_filter = ["organization", "source", "action"]
    list_select_related = ["organization", "actor"]
    date_hierarchy = "at"
