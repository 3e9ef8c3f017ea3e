"""The scorecard, KPI pages and forms, and the value typed in a scorecard cell."""

from django.urls import path

from tandem.web import views_kpis as views

urlpatterns = [
    path("scorecard/", views.scorecard, name="scorecard"),
    path("kpis/", views.kpi_list, name="kpis"),
    path("kpis/new/", views.kpi_create, name="kpi_create"),
    path("kpis/<int:pk>/", views.kpi_detail, name="kpi"),
    path("kpis/<int:pk>/edit/", views.kpi_edit, name="kpi_edit"),
    path("kpis/<int:pk>/archive/", views.kpi_archive, name="kpi_archive"),
    path("kpis/<int:pk>/unarchive/", views.kpi_unarchive, name="kpi_unarchive"),
    path("kpis/<int:pk>/targets/", views.kpi_target, name="kpi_target"),
    path("kpis/<int:pk>/measurements/", views.measurement_record, name="measurement_record"),
]
