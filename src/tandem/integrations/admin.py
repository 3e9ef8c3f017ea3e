"""Operators allow an organisation's pulls to call its own internal hosts here."""

from django.contrib import admin

from tandem.integrations.models import OutboundAllowance


@admin.register(OutboundAllowance)
class OutboundAllowanceAdmin(admin.ModelAdmin[OutboundAllowance]):
    list_display = ["host", "organization", "note", "created_at"]
    list_filter = ["organization"]
    search_fields = ["host", "note"]
