"""The organisation's audit log and its CSV export."""

from django.urls import path

from tandem.web import views_audit as views

urlpatterns = [
    path("audit/", views.audit_log, name="audit_log"),
    path("audit/export.csv", views.audit_export, name="audit_export"),
]
