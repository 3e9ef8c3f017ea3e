"""Importing spreadsheets: upload, preview, commit."""

from django.urls import path

from tandem.web import views_import as views

urlpatterns = [
    path("import/", views.import_upload, name="import"),
    path("import/preview/", views.import_preview, name="import_preview"),
    path("import/commit/", views.import_commit, name="import_commit"),
]
